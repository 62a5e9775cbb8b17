"""``lt.power``: power of a trial design by simulation."""

from __future__ import annotations

import dataclasses
import math
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._version import __version__
from ..arms import ARMS
from ..datasets.synthetic import simulate_odes
from ..errors import ConfigError, ModelError
from ..trial import Trial
from .chunk import Plan, run_chunk
from .design import PowerDesign, make_design, replicate_seed
from .replicate import from_trial
from .schedulers import describe, run_chunks
from .tally import Tally, table

__all__ = ["PowerResult", "power", "prepare", "simulate_power"]

_CHUNK = {"ancova": 500, "mmrm": 25}
"""Default replicates per chunk (one task): a fraction of a second of work each."""


@dataclass(frozen=True, eq=False)
class PowerResult:
    """The result of :func:`power`.

    Attributes
    ----------
    table : DataFrame
        One row per analysed term (and visit): ``term, visit, power, mc_se, mean_estimate,
        truth, bias, coverage, n_sim, n_failed``.
    design : PowerDesign
        The checked arguments.
    failures : dict of str to int
        Why fits failed, and how often (empty when none did).
    scheduler : str
        Where the replicates ran.
    seconds : float
        Wall-clock time of the simulation.
    """

    table: pd.DataFrame
    design: PowerDesign
    failures: dict[str, int]
    scheduler: str
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the table, the design, failures and provenance."""
        d = self.design
        simulate = (
            {k: _jsonable(v) for k, v in d.simulate.items()}  # type: ignore[union-attr]
            if d.is_odes
            else getattr(d.simulate, "__qualname__", repr(d.simulate))
        )
        return {
            "table": self.table.to_dict(orient="records"),
            "design": {
                "simulate": simulate,
                "outcome": d.outcome,
                "analysis": d.analysis,
                "estimand": d.estimand,
                "log": d.log,
                "visit": d.visit,
                "covariance": d.covariance if d.analysis == "mmrm" else None,
                "df_method": d.df_method if d.analysis == "mmrm" else "residual",
                "alpha": d.alpha,
                "n_sim": d.n_sim,
                "seed": d.seed,
            },
            "failures": dict(self.failures),
            "scheduler": self.scheduler,
            "seconds": self.seconds,
            "version": __version__,
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _jsonable(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    return value


def power(
    simulate: Mapping[str, Any] | Callable[[int], Trial] | None = None,
    outcome: str = "homa_ir",
    analysis: str = "ancova",
    estimand: str = "factorial",
    log: bool = True,
    *,
    visit: float | None = None,
    covariance: str = "us",
    df_method: str = "satterthwaite",
    n_sim: int = 10_000,
    seed: int = 1,
    alpha: float = 0.05,
    scheduler: Any = None,
    workers: int | None = None,
    chunk_size: int | None = None,
    progress: bool | None = None,
) -> PowerResult:
    """Power of a trial design by simulation: many trials, each analysed as planned.

    Replicate ``i`` is the trial ``simulate_odes(seed_i, **simulate)`` (or
    ``simulate(seed_i)``), with ``seed_i`` from the ``i``-th
    :class:`numpy.random.SeedSequence` child of ``seed``; it is analysed by ANCOVA at one
    visit (:func:`~lifestyle_trials.ancova`, fitted in batches with
    :func:`~lifestyle_trials.ancova_batch`) or by MMRM over all follow-up visits
    (:func:`~lifestyle_trials.mmrm`'s model, REML), and each effect is tested two-sided at
    level ``alpha``. The table is the same whatever ``scheduler``, ``workers`` and
    ``chunk_size``.

    Parameters
    ----------
    simulate : mapping or callable, optional
        Arguments of :func:`~lifestyle_trials.simulate_odes` other than the seed
        (``n_per_arm``, ``visits``, ``dropout``, ``effects``, ``effect_scale``,
        ``dropout_mechanism``, ``dropout_strength``; default: the ODES design), or a function
        of an integer seed that returns a :class:`~lifestyle_trials.Trial`.
    outcome : str, default "homa_ir"
    analysis : {"ancova", "mmrm"}, default "ancova"
    estimand : {"factorial", "margins", "arms"}, default "factorial"
        As in :func:`~lifestyle_trials.ancova`; the MMRM supports "factorial" and "arms".
    log : bool, default True
        Analyse the log of the outcome (effects are log ratios).
    visit : float, optional
        ANCOVA: the follow-up visit analysed (default: the last).
    covariance : str, default "us"
        MMRM covariance structure.
    df_method : str, default "satterthwaite"
        MMRM degrees of freedom: ``"satterthwaite"``, ``"kenward-roger"``,
        ``"kenward-roger-linear"``, ``"kenward-roger-mmrm"`` (as in
        :func:`~lifestyle_trials.mmrm`) or ``"residual"``.
    n_sim : int, default 10000
        Number of replicate trials.
    seed : int, default 1
    alpha : float, default 0.05
        Two-sided significance level; ``coverage`` is that of the ``1 - alpha`` interval.
    scheduler : None, "processes", "distributed" or a dask.distributed.Client
        Where the chunks run (:mod:`~lifestyle_trials.simulation.schedulers`).
    workers : int, optional
        Processes for "processes" and "distributed" (default: the number of cores, at most 8).
    chunk_size : int, optional
        Replicates per task (default 500 for ANCOVA, 25 for MMRM).
    progress : bool, optional
        A progress bar on stderr (default: when stderr is a terminal and there are more
        than 10 chunks).

    Returns
    -------
    PowerResult
        ``table``: ``term, visit, power`` (share of successful fits with ``p < alpha``),
        ``mc_se`` (its Monte Carlo standard error, ``sqrt(power (1 - power) / n)``),
        ``mean_estimate``, ``truth`` (from ``trial.truth`` when the trial has one, else
        NaN), ``bias``, ``coverage``, ``n_sim``, ``n_failed`` (fits that failed: counted, and
        left out of ``power``; their reasons in ``failures``).

    Raises
    ------
    ConfigError
        Unknown ``simulate`` arguments or values out of range (arms of fewer than 2),
        ``alpha`` outside (0, 1), a function that does not return a Trial, an unknown
        scheduler.
    ModelError
        An analysis or estimand the design cannot support (a factorial estimand without
        four arms; an MMRM with one follow-up visit is the ANCOVA).
    SchedulerError
        A Dask scheduler that cannot be started.

    Notes
    -----
    With ``simulate_odes`` arguments and outcome glucose, insulin or HOMA-IR the replicates
    are drawn without building the trial (:mod:`~lifestyle_trials.simulation.odes_draw`), value
    for value the same as ``simulate_odes`` gives. The truth of a factorial or margins term
    is the factorial contrast of the expected arm means (log ratios when ``log``); the
    margins model estimates it when there is no interaction.

    References
    ----------
    Morris TP, White IR, Crowther MJ. Using simulation studies to evaluate statistical
    methods. Stat Med 2019;38:2074-102. doi:10.1002/sim.8086

    Examples
    --------
    >>> import lifestyle_trials as lt
    >>> res = lt.power({"n_per_arm": (50, 50, 50, 50), "dropout": 0.1}, n_sim=200, seed=3)
    >>> print(res.table[["term", "visit", "power", "mc_se", "n_sim", "n_failed"]]
    ...       .round(3).to_string(index=False))
             term  visit  power  mc_se  n_sim  n_failed
             diet   12.0  0.950  0.015    200         0
         exercise   12.0  0.825  0.027    200         0
    diet:exercise   12.0  0.135  0.024    200         0
    """
    plan, _ = prepare(
        simulate,
        outcome,
        analysis,
        estimand,
        log,
        visit,
        covariance,
        df_method,
        alpha,
        n_sim,
        seed,
    )
    return simulate_power(
        plan, scheduler=scheduler, workers=workers, chunk_size=chunk_size, progress=progress
    )


def prepare(
    simulate: Any,
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
) -> tuple[Plan, Trial]:
    """Check the arguments, make replicate 0 and work out the cells and their truth."""
    design = make_design(
        simulate,
        outcome,
        analysis,
        estimand,
        log,
        visit,
        covariance,
        df_method,
        alpha,
        n_sim,
        seed,
    )
    if design.is_odes:
        trial0 = simulate_odes(replicate_seed(seed, 0), **design.simulate)  # type: ignore[arg-type]
    else:
        trial0 = design.simulate(replicate_seed(seed, 0))  # type: ignore[operator]
    rep0 = from_trial(trial0, outcome)
    if not design.is_odes:
        present = tuple(a for i, a in enumerate(ARMS) if np.any(rep0.arm == i))
        design = dataclasses.replace(design, arms=present)
        if estimand in ("factorial", "margins") and len(present) < 4:
            raise ModelError(
                f"estimand={estimand!r} needs all four arms; the simulated trial has "
                f"{', '.join(present)}. Use estimand='arms'"
            )
        if design.visit is not None and design.visit not in rep0.visits:
            raise ConfigError(
                f"visit {design.visit:g} is not a follow-up visit of the simulated trial "
                f"(follow-up visits {', '.join(f'{v:g}' for v in rep0.visits)})"
            )
    if analysis == "mmrm" and len(design.arms) < 4:
        raise ModelError(
            "analysis='mmrm' models diet × exercise × visit and needs all four arms; use "
            "analysis='ancova' with estimand='arms'"
        )
    if design.visit is None and analysis == "ancova":
        design = dataclasses.replace(design, visit=rep0.visits[-1])
    if analysis == "ancova":
        cells = tuple((t, float(design.visit)) for t in design.terms)  # type: ignore[arg-type]
    else:
        cells = tuple((t, v) for t in design.terms for v in rep0.visits)
    truth = _truth(trial0, design, cells)
    return Plan(design=design, visits=rep0.visits, cells=cells, truth=truth), trial0


def simulate_power(
    plan: Plan,
    *,
    scheduler: Any = None,
    workers: int | None = None,
    chunk_size: int | None = None,
    progress: bool | None = None,
) -> PowerResult:
    """Run a prepared simulation (see :func:`power`)."""
    design = plan.design
    size = _CHUNK[design.analysis] if chunk_size is None else chunk_size
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ConfigError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    bounds = [(plan, a, min(a + size, design.n_sim)) for a in range(0, design.n_sim, size)]
    if progress is None:
        progress = sys.stderr.isatty() and len(bounds) > 10
    start = time.perf_counter()
    total = run_chunks(
        run_chunk,
        bounds,
        scheduler,
        workers=workers,
        progress=bool(progress),
        total=Tally.empty(len(plan.cells)),
    )
    seconds = time.perf_counter() - start
    return PowerResult(
        table=table(total, list(plan.cells), plan.truth, design.n_sim),
        design=design,
        failures=dict(total.reasons.most_common()),
        scheduler=describe(scheduler, workers),
        seconds=seconds,
    )


def _truth(trial: Trial, design: PowerDesign, cells: tuple[tuple[str, float], ...]) -> np.ndarray:
    """The true effect of each cell, from ``trial.truth`` (NaN when unknown)."""
    outcomes = (trial.truth or {}).get("outcomes", {}) if hasattr(trial, "truth") else {}
    t = outcomes.get(design.outcome) if isinstance(outcomes, Mapping) else None
    out = np.full(len(cells), np.nan)
    if t is None:
        return out
    for i, (term, visit) in enumerate(cells):
        out[i] = _term_truth(t, term, visit, design.log)
    return out


def _term_truth(t: Any, term: str, visit: float, log: bool) -> float:
    if term.endswith(" vs control"):
        arm = term.removesuffix(" vs control")
        if log:
            ratios = t.arm_log_ratios
            return float(ratios[visit][arm]) if ratios is not None else math.nan
        change = t.change[visit]
        return float(change[arm] - change["control"])
    if log:
        return float(t.log_effects[visit][term]) if t.log_effects is not None else math.nan
    return float(t.effects[visit][term])
