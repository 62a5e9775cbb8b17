"""``lt.sample_size``: the arm size that reaches a target power, by simulation."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..arms import ARMS
from ..errors import ConfigError, ModelError
from ..trial import Trial
from .run import PowerResult, prepare, simulate_power

__all__ = ["SampleSizeResult", "sample_size"]


@dataclass(frozen=True, eq=False)
class SampleSizeResult:
    """The result of :func:`sample_size`.

    Attributes
    ----------
    n_per_arm : int or None
        The smallest arm size on the searched grid whose power for ``term`` (and every
        larger size searched) reaches ``target``; None if ``n_range`` does not reach it.
    power : float
        The simulated power at ``n_per_arm`` (NaN if None).
    curve : DataFrame
        Every arm size simulated: ``n_per_arm`` and the power table's columns, one row
        per term (and visit) per size, sorted by size.
    target : float
    term : str
    visit : float
    arm : str or None
        The arm whose size was varied (None: all four).
    """

    n_per_arm: int | None
    power: float
    curve: pd.DataFrame
    target: float
    term: str
    visit: float
    arm: str | None


def sample_size(
    target: float = 0.9,
    term: str = "exercise",
    simulate: Mapping[str, Any] | Callable[[int], Trial] | None = None,
    analysis: str = "ancova",
    n_range: tuple[int, int] = (10, 200),
    *,
    arm: str | None = None,
    outcome: str = "homa_ir",
    estimand: str = "factorial",
    log: bool = True,
    visit: float | None = None,
    covariance: str = "us",
    df_method: str = "satterthwaite",
    n_sim: int = 1000,
    seed: int = 1,
    alpha: float = 0.05,
    grid: int = 5,
    scheduler: Any = None,
    workers: int | None = None,
    chunk_size: int | None = None,
    progress: bool | None = None,
) -> SampleSizeResult:
    """Search the arm size for a target power of one term, by simulation.

    The power of ``term`` is simulated (:func:`~lifestyle_trials.power`) at ``grid`` arm
    sizes spread over ``n_range``, then by bisection between the two sizes that bracket
    ``target``, down to one subject. Every size uses the same replicate seeds (common random
    numbers), so the differences between sizes are not swamped by Monte Carlo noise and the
    curve is smooth; with few replicates it can still dip by a Monte Carlo error or two (as in
    the example below), so the answer is the smallest size searched whose power, and that of
    every larger size searched, reaches ``target``.

    Parameters
    ----------
    target : float, default 0.9
        Target power, in (0, 1).
    term : str, default "exercise"
        The effect to power (a term of ``estimand``).
    simulate : mapping, optional
        ``simulate_odes`` arguments (the arm sizes are set by the search).
    analysis : {"ancova", "mmrm"}
    n_range : (int, int), default (10, 200)
        Smallest and largest arm size searched (at least 2).
    arm : str, optional
        Vary only this arm's size (the others as in ``simulate``); default all four.
    outcome, estimand, log, visit, covariance, df_method, n_sim, seed, alpha
        As in :func:`~lifestyle_trials.power`; ``visit`` also picks the MMRM visit whose
        power is the target (default the last).
    grid : int, default 5
        Sizes simulated before the bisection.
    scheduler, workers, chunk_size, progress
        As in :func:`~lifestyle_trials.power`.

    Returns
    -------
    SampleSizeResult

    Raises
    ------
    ConfigError
        ``target`` outside (0, 1), a bad ``n_range`` or ``arm``, a function as ``simulate``
        (its arm sizes cannot be set), and what :func:`~lifestyle_trials.power` refuses.
    ModelError
        A ``term`` the estimand does not have.

    Examples
    --------
    >>> import lifestyle_trials as lt
    >>> ss = lt.sample_size(0.8, "diet", {"dropout": 0}, n_range=(20, 60), n_sim=100, grid=3)
    >>> ss.n_per_arm, round(ss.power, 2)
    (31, 0.86)
    >>> print(ss.curve.query("term == 'diet'")[["n_per_arm", "power"]].to_string(index=False))
     n_per_arm  power
            20   0.70
            30   0.79
            31   0.86
            32   0.82
            35   0.87
            40   0.84
            60   0.97
    """
    if not 0.0 < float(target) < 1.0:
        raise ConfigError(f"target must be a power strictly between 0 and 1, got {target!r}")
    try:
        lo, hi = (int(n) for n in n_range)
    except (TypeError, ValueError):
        raise ConfigError(f"n_range must be two arm sizes (low, high), got {n_range!r}") from None
    if not 2 <= lo < hi:
        raise ConfigError(f"n_range must be two arm sizes with 2 <= low < high, got {n_range!r}")
    if arm is not None and arm not in ARMS:
        raise ConfigError(f"arm must be None (all arms) or one of {', '.join(ARMS)}, got {arm!r}")
    if isinstance(grid, bool) or not isinstance(grid, int) or grid < 2:
        raise ConfigError(f"grid must be an integer of at least 2, got {grid!r}")
    if simulate is not None and not isinstance(simulate, Mapping):
        raise ConfigError(
            "sample_size needs simulate= as simulate_odes arguments (a mapping): the arm "
            "sizes of a user's function cannot be changed"
        )
    base = dict(simulate or {})
    base["n_per_arm"] = _sizes(base.get("n_per_arm", (43, 55, 54, 67)), arm, hi)
    plan, _ = prepare(
        base, outcome, analysis, estimand, log, visit, covariance, df_method, alpha, n_sim, seed
    )
    if term not in plan.design.terms:
        raise ModelError(
            f"term {term!r} is not an effect of estimand {estimand!r}; use one of "
            f"{', '.join(plan.design.terms)}"
        )
    if analysis == "ancova":
        at = float(plan.cells[0][1])
    else:
        at = float(visit) if visit is not None else plan.visits[-1]
    runs: dict[int, PowerResult] = {}

    def power_at(n: int) -> float:
        if n not in runs:
            sized_args = dict(base, n_per_arm=_sizes(base["n_per_arm"], arm, n))
            sized, _ = prepare(
                sized_args,
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
            )  # the truth depends on the sizes (through the sex mix)
            runs[n] = simulate_power(
                sized,
                scheduler=scheduler,
                workers=workers,
                chunk_size=chunk_size,
                progress=progress,
            )
        rows = runs[n].table
        row = rows[(rows["term"] == term) & (rows["visit"] == at)]
        return float(row["power"].iloc[0])

    points = sorted({int(round(v)) for v in np.linspace(lo, hi, grid)})
    values = [power_at(n) for n in points]
    found = _first_reaching(points, values, float(target))
    if found is not None and found > 0:
        left, right = points[found - 1], points[found]
        while right - left > 1:
            mid = (left + right) // 2
            if power_at(mid) >= target:
                right = mid
            else:
                left = mid
    sizes_run = sorted(runs)
    reached = _first_reaching(sizes_run, [power_at(n) for n in sizes_run], float(target))
    n_best = sizes_run[reached] if reached is not None else None
    curve = pd.concat([runs[n].table.assign(n_per_arm=n) for n in sizes_run], ignore_index=True)
    curve = curve[["n_per_arm", *runs[sizes_run[0]].table.columns]]
    return SampleSizeResult(
        n_per_arm=n_best,
        power=power_at(n_best) if n_best is not None else float("nan"),
        curve=curve,
        target=float(target),
        term=term,
        visit=at,
        arm=arm,
    )


def _first_reaching(sizes: list[int], values: list[float], target: float) -> int | None:
    """Index of the smallest size from which every power reaches ``target``."""
    index = None
    for i in range(len(sizes) - 1, -1, -1):
        if values[i] >= target:
            index = i
        else:
            break
    return index


def _sizes(current: Any, arm: str | None, n: int) -> tuple[int, ...]:
    if arm is None:
        return (n,) * 4
    sizes = list(current)
    sizes[ARMS.index(arm)] = n
    return tuple(int(s) for s in sizes)
