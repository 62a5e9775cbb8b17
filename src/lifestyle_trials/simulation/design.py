"""The arguments of a power simulation, checked once: :class:`PowerDesign`.

A design says how to make one replicate trial (the arguments of
:func:`~lifestyle_trials.simulate_odes`, or a function of a seed that returns a
:class:`~lifestyle_trials.Trial`), how to analyse it (ANCOVA at one visit or an MMRM over
all visits, with an estimand) and at which level to test. Every replicate ``i`` draws its
random numbers from the ``i``-th :class:`numpy.random.SeedSequence` child of the design's
seed (:func:`replicate_seed`), so a replicate is the same trial whichever process, worker or
chunk makes it.
"""

from __future__ import annotations

import dataclasses
import inspect
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from ..arms import ARMS
from ..datasets.odes_settings import settings_of
from ..datasets.synthetic import simulate_odes
from ..errors import ConfigError, ModelError
from ..models.engine.covariance import STRUCTURES
from ..models.engine.kenward_roger import KR_DF_METHODS

__all__ = ["ANALYSES", "ESTIMANDS", "PowerDesign", "make_design", "replicate_seed", "term_names"]

ANALYSES: tuple[str, ...] = ("ancova", "mmrm")
ESTIMANDS: tuple[str, ...] = ("factorial", "margins", "arms")
DF_METHODS: tuple[str, ...] = ("satterthwaite", *KR_DF_METHODS, "residual")

_SIMULATE_ARGS: tuple[str, ...] = tuple(
    name for name in inspect.signature(simulate_odes).parameters if name != "seed"
)
"""The arguments of ``simulate_odes`` a design may set (the seed comes from the replicate)."""

_TERMS = {
    "factorial": ("diet", "exercise", "diet:exercise"),
    "margins": ("diet", "exercise"),
    "arms": ("diet vs control", "exercise vs control", "diet+exercise vs control"),
}


def term_names(estimand: str) -> tuple[str, ...]:
    """The effects an estimand reports, in the order of the power table.

    Examples
    --------
    >>> term_names("factorial")
    ('diet', 'exercise', 'diet:exercise')
    """
    return _TERMS[estimand]


def replicate_seed(seed: int, index: int) -> int:
    """The seed of replicate ``index``: from the ``index``-th SeedSequence child of ``seed``.

    ``SeedSequence(seed).spawn(n)[index]`` is ``SeedSequence(seed, spawn_key=(index,))``;
    its first 64-bit word of state is the replicate's seed (what ``simulate_odes`` or the
    user's function receives).

    Examples
    --------
    >>> child = np.random.SeedSequence(1).spawn(3)[2]
    >>> replicate_seed(1, 2) == int(child.generate_state(1, np.uint64)[0])
    True
    """
    child = np.random.SeedSequence(seed, spawn_key=(index,))
    return int(child.generate_state(1, np.uint64)[0])


@dataclass(frozen=True)
class PowerDesign:
    """A checked power simulation.

    Attributes
    ----------
    simulate : Mapping or callable
        ``simulate_odes`` arguments (checked, without the seed), or a function
        ``f(seed: int) -> Trial``.
    outcome : str
    analysis : {"ancova", "mmrm"}
    estimand : {"factorial", "margins", "arms"}
    log : bool
    visit : float or None
        ANCOVA: the follow-up visit analysed (None: the last one).
    covariance, df_method : str
        MMRM: the covariance structure and the df method.
    alpha : float
        Two-sided significance level; confidence intervals have level ``1 - alpha``.
    n_sim, seed : int
    """

    simulate: Mapping[str, Any] | Callable[[int], Any]
    outcome: str
    analysis: str
    estimand: str
    log: bool
    visit: float | None
    covariance: str
    df_method: str
    alpha: float
    n_sim: int
    seed: int
    arms: tuple[str, ...] = ARMS

    @property
    def terms(self) -> tuple[str, ...]:
        """The effects analysed; for ``"arms"``, those of the arms the design has."""
        names = term_names(self.estimand)
        if self.estimand == "arms":
            names = tuple(t for t, a in zip(names, ARMS[1:], strict=True) if a in self.arms)
        return names

    @property
    def is_odes(self) -> bool:
        """True when replicates come from ``simulate_odes`` (not the user's function)."""
        return isinstance(self.simulate, Mapping)

    def with_sizes(self, n_per_arm: tuple[int, ...]) -> PowerDesign:
        """The same design with other arm sizes (``simulate_odes`` designs only)."""
        if not self.is_odes:
            raise ConfigError(
                "sample_size needs simulate= as simulate_odes arguments (a mapping): the arm "
                "sizes of a user's function cannot be changed"
            )
        settings = dict(self.simulate)  # type: ignore[arg-type]
        settings["n_per_arm"] = tuple(int(n) for n in n_per_arm)
        _check_sizes(settings["n_per_arm"], self.estimand)
        arms = tuple(a for a, n in zip(ARMS, settings["n_per_arm"], strict=True) if n > 0)
        return _replace(self, simulate=MappingProxyType(settings), arms=arms)


def _replace(design: PowerDesign, **changes: Any) -> PowerDesign:
    return dataclasses.replace(design, **changes)


def make_design(
    simulate: Mapping[str, Any] | Callable[[int], Any] | None,
    outcome: str,
    analysis: str,
    estimand: str,
    log: bool,
    visit: float | None,
    covariance: str,
    df_method: str,
    alpha: float,
    n_sim: int,
    seed: int,
) -> PowerDesign:
    """Check the arguments of :func:`~lifestyle_trials.power` and return the design.

    Raises
    ------
    ConfigError
        Unknown or out-of-range ``simulate`` arguments, arm sizes below 2, ``alpha`` outside
        (0, 1), a non-positive ``n_sim``, a negative ``seed``.
    ModelError
        An analysis, estimand, covariance or df method that is unknown or that the design
        cannot support (a factorial estimand without four arms).

    Examples
    --------
    >>> d = make_design({"n_per_arm": (20, 20, 20, 20)}, "homa_ir", "ancova", "factorial",
    ...                 True, None, "us", "satterthwaite", 0.05, 100, 1)
    >>> d.terms, d.simulate["n_per_arm"]
    (('diet', 'exercise', 'diet:exercise'), (20, 20, 20, 20))
    """
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ConfigError(f"seed must be a non-negative integer, got {seed!r}")
    if isinstance(n_sim, bool) or not isinstance(n_sim, numbers.Integral) or n_sim < 1:
        raise ConfigError(f"n_sim must be a positive integer (replicate trials), got {n_sim!r}")
    try:
        a = float(alpha)
    except (TypeError, ValueError):
        raise ConfigError(f"alpha must be a number between 0 and 1, got {alpha!r}") from None
    if not 0.0 < a < 1.0:
        raise ConfigError(f"alpha must be strictly between 0 and 1 (e.g. 0.05), got {alpha!r}")
    if analysis not in ANALYSES:
        raise ModelError(f"unknown analysis {analysis!r}; use one of {', '.join(ANALYSES)}")
    if estimand not in ESTIMANDS:
        raise ModelError(f"unknown estimand {estimand!r}; use one of {', '.join(ESTIMANDS)}")
    if analysis == "mmrm" and estimand == "margins":
        raise ModelError(
            "analysis='mmrm' fits diet × exercise × visit; use estimand='factorial' or "
            "'arms', or analysis='ancova' for the margins (no interaction) estimand"
        )
    cov = str(covariance).lower()
    if cov not in STRUCTURES:
        raise ModelError(f"unknown covariance {covariance!r}; use one of {', '.join(STRUCTURES)}")
    dfm = str(df_method).lower().replace("_", "-")
    if dfm not in DF_METHODS:
        raise ModelError(
            f"df_method {df_method!r} is not available for power; use one of "
            f"{', '.join(DF_METHODS)}"
        )
    if not isinstance(outcome, str) or not outcome:
        raise ConfigError(f"outcome must be the name of an outcome column, got {outcome!r}")
    if visit is not None:
        try:
            visit = float(visit)
        except (TypeError, ValueError):
            raise ConfigError(f"visit must be a number (months), got {visit!r}") from None
    sim = _check_simulate(simulate, estimand, visit)
    arms = ARMS
    if isinstance(sim, Mapping):
        arms = tuple(a for a, n in zip(ARMS, sim["n_per_arm"], strict=True) if n > 0)
    return PowerDesign(
        simulate=sim,
        outcome=outcome,
        analysis=analysis,
        estimand=estimand,
        log=bool(log),
        visit=visit,
        covariance=cov,
        df_method=dfm,
        alpha=a,
        n_sim=int(n_sim),
        seed=int(seed),
        arms=arms,
    )


def _check_simulate(
    simulate: Mapping[str, Any] | Callable[[int], Any] | None, estimand: str, visit: float | None
) -> Mapping[str, Any] | Callable[[int], Any]:
    if simulate is None:
        simulate = {}
    if callable(simulate) and not isinstance(simulate, Mapping):
        return simulate
    if not isinstance(simulate, Mapping):
        raise ConfigError(
            "simulate must be a mapping of simulate_odes arguments or a function of a seed "
            f"that returns a Trial, got {type(simulate).__name__}"
        )
    unknown = sorted(set(simulate) - set(_SIMULATE_ARGS))
    if unknown:
        hint = " (each replicate gets its own seed from seed=)" if "seed" in unknown else ""
        raise ConfigError(
            f"simulate: unknown argument(s) {', '.join(map(repr, unknown))}{hint}; "
            f"simulate_odes accepts {', '.join(_SIMULATE_ARGS)}"
        )
    settings = dict(simulate)
    checked = settings_of(settings)
    sizes = tuple(checked["n_per_arm"])
    _check_sizes(sizes, estimand)
    if visit is not None and visit not in checked["visits"][1:]:
        raise ConfigError(
            f"visit {visit:g} is not a follow-up visit of the design "
            f"(visits {', '.join(f'{v:g}' for v in checked['visits'])})"
        )
    settings["n_per_arm"] = sizes
    return MappingProxyType(settings)


def _check_sizes(sizes: tuple[int, ...], estimand: str = "arms") -> None:
    if estimand in ("factorial", "margins") and min(sizes) == 0:
        raise ModelError(
            f"estimand={estimand!r} needs subjects in all four arms, got n_per_arm={sizes}; "
            "use estimand='arms' for a trial without one of the arms"
        )
    small = [n for n in sizes if 0 < n < 2]
    if small or sum(1 for n in sizes if n > 0) < 2 or sizes[0] == 0:
        raise ConfigError(
            f"n_per_arm must give control and at least one other arm 2 or more subjects (an "
            f"arm may be 0 only with estimand='arms'), got {sizes}"
        )
