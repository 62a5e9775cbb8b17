"""Replicates of :func:`~lifestyle_trials.simulate_odes` as arrays, without the long table.

A power simulation needs thousands of trials of one design but only one outcome of each.
:func:`draw_replicate` makes the same random draws as ``simulate_odes`` with the same seed,
from the same streams and in the same order, and computes only glucose, insulin and HOMA-IR,
so that its :class:`~.replicate.Replicate` equals ``from_trial(simulate_odes(seed, ...),
outcome)`` bit for bit (the tests check this) at a fraction of the cost. Other outcomes are
made by ``simulate_odes`` itself.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from ..arms import ARMS
from ..datasets.odes_baseline import sample_baseline
from ..datasets.odes_calibration import (
    BASELINE_VARIABLES,
    CHANGE_CORRELATION,
    CHANGE_OUTCOMES,
    CHANGE_SD,
    PUBLISHED_SEX,
    VISIT_SD,
)
from ..datasets.odes_change import arm_changes, reference_means, trajectory
from ..datasets.odes_dropout import draw_dropout
from ..datasets.odes_settings import settings_of
from ..datasets.odes_streams import stream, visit_key
from ..datasets.synthetic import simulate_odes
from ..indices import homa_ir
from ..units import convert_insulin
from .replicate import Replicate, from_trial

__all__ = ["FAST_OUTCOMES", "OdesDraw", "draw_replicate"]

FAST_OUTCOMES: frozenset[str] = frozenset({"glucose", "insulin", "homa_ir"})
"""Outcomes drawn without building the trial."""

_LEVEL_ROW = {"glucose": "log_glucose", "insulin": "log_insulin"}


@dataclass(frozen=True)
class OdesDraw:
    """What every replicate of one ``simulate_odes`` design shares.

    Attributes
    ----------
    arguments : Mapping
        The ``simulate_odes`` arguments (without the seed).
    settings : dict
        The checked settings (seed 0; each replicate's seed replaces it).
    outcome : str
    """

    arguments: Mapping[str, Any]
    settings: Mapping[str, Any]
    outcome: str
    arm_change: Mapping[str, Mapping[str, float]]

    @classmethod
    def of(cls, arguments: Mapping[str, Any], outcome: str) -> OdesDraw:
        a = dict(arguments)
        settings = settings_of(a)
        # the number of men is fixed by the arm sizes, so the reference means and the arms'
        # changes are the same in every replicate
        n = sum(settings["n_per_arm"])
        male = np.arange(n) < _men(n)
        change = arm_changes(settings, reference_means(male))
        return cls(arguments=a, settings=settings, outcome=outcome, arm_change=change)


def draw_replicate(draw: OdesDraw, seed: int) -> Replicate:
    """The replicate ``simulate_odes(seed, **draw.arguments)`` gives for ``draw.outcome``.

    Parameters
    ----------
    draw : OdesDraw
    seed : int

    Returns
    -------
    Replicate

    Examples
    --------
    >>> import lifestyle_trials as lt
    >>> draw = OdesDraw.of({"visits": (0, 6, 12), "dropout": 0.2}, "homa_ir")
    >>> fast = draw_replicate(draw, 7)
    >>> fast.equals(from_trial(lt.simulate_odes(7, visits=(0, 6, 12), dropout=0.2), "homa_ir"))
    True
    """
    if draw.outcome not in FAST_OUTCOMES:
        return from_trial(simulate_odes(seed, **draw.arguments), draw.outcome)
    settings = draw.settings  # draw_dropout reads the dropout settings only
    sizes = np.asarray(settings["n_per_arm"])
    n = int(sizes.sum())
    visits = np.asarray(settings["visits"], dtype=float)

    rng = stream(seed, "design")  # as simulate_odes: arms, then sex
    arm = rng.permutation(np.repeat(np.arange(4), sizes))
    male = rng.permutation(np.arange(n) < _men(n))

    values = _glucose_insulin(seed, arm, male, visits, draw.arm_change)
    _, attended = draw_dropout(settings, arm, values, seed)

    n_visits = len(visits)
    present = np.arange(n_visits) <= attended[:, None]
    if draw.outcome == "homa_ir":
        y = homa_ir(values["glucose"], values["insulin"])
    else:
        y = values[draw.outcome]
    y = np.where(present, y, np.nan)
    return Replicate(
        arm=arm.astype(np.int64),
        baseline=y[:, 0],
        follow_up=y[:, 1:],
        visits=tuple(float(v) for v in visits[1:]),
    )


def _glucose_insulin(
    seed: int,
    arm: np.ndarray,
    male: np.ndarray,
    visits: np.ndarray,
    arm_change: Mapping[str, Mapping[str, float]],
) -> dict[str, np.ndarray]:
    """Glucose (mmol/L) and insulin (µU/mL), subjects × visits, with the draws and the
    arithmetic of ``odes_outcomes.draw_outcomes``."""
    n = len(arm)
    rows = [BASELINE_VARIABLES.index(_LEVEL_ROW[name]) for name in ("glucose", "insulin")]
    level, observed = np.empty((2, n)), np.empty((2, n))
    for sex, mask in (("M", male), ("F", ~male)):
        b = sample_baseline(stream(seed, f"baseline {sex}"), int(mask.sum()), sex)
        level[:, mask], observed[:, mask] = b.level[rows], b.observed[rows]

    k = len(CHANGE_OUTCOMES)
    z = _change_factor() @ stream(seed, "change").standard_normal((k, n))
    post = visits[1:]
    f = trajectory(post)
    noise = [stream(seed, "visit", visit_key(t)).standard_normal((k, n)) for t in post]
    values: dict[str, np.ndarray] = {}
    for r, name in enumerate(("glucose", "insulin")):
        j = CHANGE_OUTCOMES.index(name)
        sd_s, sd_e = CHANGE_SD[name], VISIT_SD[name]
        step = np.asarray([arm_change[name][a] for a in ARMS])[arm]
        eps = np.stack([e[j] for e in noise], axis=1)
        own = np.outer(z[j], f) * sd_s
        lev = level[r]
        base = np.exp(observed[r])
        expo = np.outer(step, f) + own - (f * sd_s) ** 2 / 2 + sd_e * eps - sd_e**2 / 2
        values[name] = np.column_stack([base, np.exp(lev[:, None] + expo)])
    values["insulin"] = convert_insulin(values["insulin"], "pmol/L", "uU/mL")
    return values


def _men(n: int) -> int:
    """Men among ``n`` subjects, as ``simulate_odes`` counts them."""
    return int(math.floor(n * PUBLISHED_SEX[0] / sum(PUBLISHED_SEX) + 0.5))


@lru_cache(maxsize=1)
def _change_factor() -> np.ndarray:
    k = len(CHANGE_OUTCOMES)
    corr = np.eye(k)
    for (a, b), r in CHANGE_CORRELATION.items():
        i, j = CHANGE_OUTCOMES.index(a), CHANGE_OUTCOMES.index(b)
        corr[i, j] = corr[j, i] = r
    return np.linalg.cholesky(corr)
