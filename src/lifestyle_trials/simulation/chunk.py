"""One chunk of a power simulation: make replicates ``start, ..., stop - 1``, analyse them,
tally the results. A plain function of picklable arguments, so that it runs the same in this
process, in a process pool or on a Dask worker.

The parallelism of a power simulation is across chunks, so a chunk runs its linear algebra
on one BLAS thread: the small products of one chunk gain nothing from more, and idle BLAS
threads that spin while waiting take the cores from the other workers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from .ancova_fits import ancova_chunk
from .design import PowerDesign, replicate_seed
from .mmrm_fits import mmrm_chunk
from .odes_chunk import draw_replicates
from .odes_draw import OdesDraw, draw_replicate
from .replicate import Replicate, from_trial
from .tally import CellResults, Tally, tally

__all__ = ["Plan", "make_replicate", "run_chunk"]


@dataclass(frozen=True, eq=False)
class Plan:
    """What every chunk needs: the design, the follow-up visits, the analysed cells and
    their true values."""

    design: PowerDesign
    visits: tuple[float, ...]
    cells: tuple[tuple[str, float], ...]
    truth: np.ndarray


def make_replicate(design: PowerDesign, index: int, draw: OdesDraw | None = None) -> Replicate:
    """Replicate ``index`` of the design, from its own seed (:func:`.design.replicate_seed`)."""
    seed = replicate_seed(design.seed, index)
    if design.is_odes:
        sim: Mapping[str, Any] = design.simulate  # type: ignore[assignment]
        return draw_replicate(draw or OdesDraw.of(sim, design.outcome), seed)
    return from_trial(design.simulate(seed), design.outcome)  # type: ignore[operator]


def run_chunk(plan: Plan, start: int, stop: int) -> Tally:
    """Simulate, analyse and tally replicates ``start`` to ``stop - 1`` (one BLAS thread)."""
    with threadpool_limits(limits=1, user_api="blas"):
        return _run_chunk(plan, start, stop)


def _run_chunk(plan: Plan, start: int, stop: int) -> Tally:
    design = plan.design
    if design.is_odes:  # drawn together, each replicate from its own seed
        draw = OdesDraw.of(design.simulate, design.outcome)  # type: ignore[arg-type]
        seeds = [replicate_seed(design.seed, i) for i in range(start, stop)]
        reps = draw_replicates(draw, seeds)
    else:
        reps = [make_replicate(design, i) for i in range(start, stop)]
    good = [r.visits == plan.visits for r in reps]
    usable = [r for r, g in zip(reps, good, strict=True) if g]
    if design.analysis == "ancova":
        results = ancova_chunk(usable, design, plan.cells[0][1])
    else:
        results = mmrm_chunk(usable, design, plan.visits)
    if not all(good):
        results = _with_wrong_visits(results, good, len(plan.cells))
    return tally(results, plan.truth, design.alpha)


def _with_wrong_visits(results: CellResults, good: list[bool], cells: int) -> CellResults:
    """Results of all replicates, those whose visits differ from the design's failed."""
    k = len(good)
    mask = np.asarray(good)
    full = {name: np.full((k, cells), np.nan) for name in ("e", "p", "lo", "hi")}
    for name, arr in zip(
        ("e", "p", "lo", "hi"),
        (results.estimate, results.p_value, results.conf_low, results.conf_high),
        strict=True,
    ):
        full[name][mask] = arr
    failed = np.ones(k, dtype=bool)
    failed[mask] = results.failed
    n_bad = k - int(mask.sum())
    reason = "the replicate's visits differ from the first replicate's"
    reasons = results.reasons + (reason,) * n_bad
    return CellResults(full["e"], full["p"], full["lo"], full["hi"], failed, reasons)
