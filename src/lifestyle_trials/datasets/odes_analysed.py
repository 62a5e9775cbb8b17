"""The truth over the analysed subjects of the synthetic ODES trial: those still observed.

:mod:`.odes_truth` gives expectations over *all randomised* subjects. When dropout depends
on HOMA-IR, the subjects still observed at a visit are a selected group: under the default
mechanism they had lower baseline HOMA-IR, and because glucose, insulin and HOMA-IR change
multiplicatively, their changes on the natural scale are smaller than the randomised
average; under ``"mar"`` and ``"mnar"`` their changes themselves are selected. An analysis
of completers estimates the expectations here, not those over all randomised subjects.

They are computed on a fixed reference population (a large simulated eligible population,
the same for every call: :data:`REFERENCE_SIZE` subjects per sex from the seed
:data:`REFERENCE_SEED`, weighted to the trial's share of men), in which every subject is
followed in each of the four arms, and dropout enters as each subject's probability of still
being observed: the limit of the generator's fixed-count draw in a large trial. With the
Efraimidis–Spirakis keys log(U)/w, the subjects with the largest keys are those with
U > exp(−c·w), so a subject leaves with probability 1 − exp(−c·w), c set so that the arm
loses its share (per step, for ``"mar"`` and ``"mnar"``, among those still in).

For the ``"baseline"`` mechanism the subjects' own changes and visit noise are integrated
out exactly given each reference subject's baseline (``E[X_t | baseline]`` in closed form),
so the only Monte Carlo error is the reference population's; for ``"mar"`` and ``"mnar"``,
which select on later values, they are drawn once and shared by the four arms (common
random numbers). The test suite checks both against large simulated trials and against a
second, independent reference population.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import numpy as np
from scipy import optimize

from ..arms import ARMS
from ..indices import homa_ir
from ..units import convert_insulin
from .odes_calibration import (
    BASELINE_VARIABLES,
    CHANGE_CORRELATION,
    CHANGE_OUTCOMES,
    CHANGE_SD,
    LOG_OUTCOMES,
    VISIT_SD,
)
from .odes_change import trajectory
from .odes_dropout import dropout_weights
from .odes_outcomes import LEVEL_ROW, change_draws, draw_baseline, follow_up
from .odes_table import OUTCOMES

__all__ = ["REFERENCE_SEED", "REFERENCE_SIZE", "analysed_means", "observed_probability"]

REFERENCE_SEED = 20251204
"""Seed of the reference population (fixed: the truth does not depend on the trial's seed)."""

REFERENCE_SIZE = (50_000, 12_500)
"""Reference subjects per sex (men, women); weighted to the trial's share of men."""

_LOG = frozenset({"glucose", "insulin", "homa_ir", "triglycerides", "hdl"})


@lru_cache(maxsize=2)
def _reference_baseline(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sex flags, levels and baseline observations of the reference population."""
    men, women = REFERENCE_SIZE
    male = np.arange(men + women) < men
    level, observed = draw_baseline(seed, male)
    return male, level, observed


def observed_probability(
    settings: Mapping[str, Any], homa: np.ndarray, weight: np.ndarray, proportion: float
) -> np.ndarray:
    """Each subject's probability of being observed at each visit, in a very large arm.

    Parameters
    ----------
    settings : mapping
        The checked arguments (``dropout_mechanism``, ``dropout_strength``).
    homa : ndarray
        HOMA-IR, subjects × visits (baseline first).
    weight : ndarray
        Each subject's share of the population (sums to 1).
    proportion : float
        The arm's dropout proportion.

    Returns
    -------
    ndarray
        Subjects × visits; 1 at baseline.

    Examples
    --------
    >>> homa = np.array([[1.0, 1.0], [3.0, 3.0]])
    >>> s = {"dropout_mechanism": "baseline", "dropout_strength": 0.0}
    >>> observed_probability(s, homa, np.array([0.5, 0.5]), 0.25).round(3).tolist()
    [[1.0, 0.75], [1.0, 0.75]]
    """
    n, n_visits = homa.shape
    steps = n_visits - 1
    out = np.ones((n, n_visits))
    if proportion <= 0.0:
        return out
    if settings["dropout_mechanism"] == "baseline":
        leave = _leave_probability(dropout_weights(settings, homa, 0), weight, proportion)
        for k in range(1, n_visits):
            out[:, k] = 1.0 - leave * k / steps
        return out
    alive = np.ones(n)
    for j in range(steps):
        w = dropout_weights(settings, homa, j)
        leave = _leave_probability(w, weight * alive, proportion / steps)
        alive = alive * (1.0 - leave)
        out[:, j + 1] = alive
    return out


def _leave_probability(w: np.ndarray, mass: np.ndarray, target: float) -> np.ndarray:
    """1 − exp(−c·w) with c such that Σ mass·(1 − exp(−c·w)) = target."""
    total = float(mass.sum())
    if target <= total * 1e-12:
        return np.zeros_like(w)

    def excess(log_c: float) -> float:
        return float((mass * -np.expm1(-np.exp(log_c) * w)).sum()) - target

    if target >= total * (1.0 - 1e-12) or excess(60.0) <= 0.0:
        return np.ones_like(w)
    # 1 − exp(−x) ≤ x: at c0 = target / Σ mass·w the excess is ≤ 0; step up to bracket
    low = float(np.log(target / float((mass * w).sum())))
    high = low + 1.0
    while excess(high) < 0.0:
        low, high = high, high + 2.0
    log_c = optimize.brentq(excess, low, high, xtol=1e-12)
    return -np.expm1(-np.exp(log_c) * w)


def analysed_means(
    settings: Mapping[str, Any],
    share_men: float,
    arm_change: Mapping[str, Mapping[str, float]],
    reference_seed: int = REFERENCE_SEED,
) -> dict[str, Any]:
    """Expected baseline mean, change and log change among the subjects observed at a visit.

    Parameters
    ----------
    settings : mapping
        The checked arguments.
    share_men : float
        The trial's share of men.
    arm_change : mapping
        Per outcome and arm, δ or Δ, as the trial used them
        (:func:`.odes_change.arm_changes`).
    reference_seed : int, default REFERENCE_SEED
        Seed of the reference population (another seed gives an independent check of the
        Monte Carlo error).

    Returns
    -------
    dict
        Per outcome of ``OUTCOMES``: ``baseline`` (visit → arm → mean baseline value of those
        observed at the visit), ``change`` (visit → arm → mean change from their baseline)
        and ``log_change`` (the same for the log values; outcomes simulated multiplicatively
        and HOMA-IR only). NaN for an arm with nobody observed at the visit.
    """
    key = json.dumps(
        {
            "settings": {k: v for k, v in settings.items() if k != "seed"},
            "arm_change": arm_change,
            "share_men": float(share_men),
            "reference_seed": int(reference_seed),
        },
        sort_keys=True,
    )
    return _analysed_means(key)


@lru_cache(maxsize=16)
def _analysed_means(key: str) -> dict[str, Any]:
    spec = json.loads(key)
    settings, arm_change, share_men = spec["settings"], spec["arm_change"], spec["share_men"]
    seed = spec["reference_seed"]
    male, level, observed = _reference_baseline(seed)
    n_men = int(male.sum())
    weight = np.where(male, share_men / n_men, (1.0 - share_men) / (len(male) - n_men))
    visits = np.asarray(settings["visits"], dtype=float)
    logs = [i for i, name in enumerate(OUTCOMES) if name in _LOG]
    out: dict[str, Any] = {
        name: {"baseline": {}, "change": {}, "log_change": {}} for name in OUTCOMES
    }
    exact = settings["dropout_mechanism"] == "baseline"
    draws = None if exact else change_draws(seed, len(male), visits)
    for a, arm_name in enumerate(ARMS):
        if exact:
            values, log_change = _expected_given_baseline(
                arm_name, visits, arm_change, level, observed
            )
        else:
            arm = np.full(len(male), a)
            _, values = follow_up(seed, arm, visits, arm_change, level, observed, draws)
            values["homa_ir"] = homa_ir(values["glucose"], values["insulin"])
            log_change = None
        seen = observed_probability(
            settings, values["homa_ir"], weight, float(settings["dropout"][a])
        )
        base = np.stack([values[name][:, 0] for name in OUTCOMES])  # outcomes × subjects
        for k, visit in enumerate(visits[1:], start=1):
            q = weight * seen[:, k]
            total = q.sum()
            now = np.stack([values[name][:, k] for name in OUTCOMES])
            if log_change is None:
                logs_k = np.log(now[logs]) - np.log(base[logs])
            else:
                logs_k = np.stack([log_change[OUTCOMES[j]][:, k] for j in logs])
            if total > 0.0:  # else nobody is observed: no analysed mean (NaN)
                q = q / total
                # weighted means, without BLAS (its threads cost more than they save here)
                mean_base = (base * q).sum(axis=1)
                mean_change = ((now - base) * q).sum(axis=1)
                mean_log = (logs_k * q).sum(axis=1)
            else:
                mean_base = mean_change = np.full(len(OUTCOMES), np.nan)
                mean_log = np.full(len(logs), np.nan)
            v = float(visit)
            for i, name in enumerate(OUTCOMES):
                out[name]["baseline"].setdefault(v, {})[arm_name] = float(mean_base[i])
                out[name]["change"].setdefault(v, {})[arm_name] = float(mean_change[i])
            for i, j in enumerate(logs):
                out[OUTCOMES[j]]["log_change"].setdefault(v, {})[arm_name] = float(mean_log[i])
    return out


def _expected_given_baseline(
    arm: str,
    visits: np.ndarray,
    arm_change: Mapping[str, Mapping[str, float]],
    level: np.ndarray,
    observed: np.ndarray,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Each subject's baseline and expected later values (and log changes) in one arm.

    When dropout depends on the baseline only, the subject's own change and visit noise
    average out given the baseline: ``E[X_t | baseline] = exp(level + f·δ)`` (multiplicative;
    the lognormal terms have mean one), ``level + f·Δ`` (additive), and for HOMA-IR the
    product of the glucose and insulin expectations times exp(f²·ρ·σ_G·σ_I).
    """
    row = {v: i for i, v in enumerate(BASELINE_VARIABLES)}
    f = np.concatenate([[0.0], trajectory(visits[1:])])
    height_m2 = (observed[row["height"]] / 100.0) ** 2
    values: dict[str, np.ndarray] = {}
    logs: dict[str, np.ndarray] = {}
    for name in CHANGE_OUTCOMES:
        step = arm_change[name][arm]
        if name == "weight":
            lev = np.exp(level[row["log_bmi"]]) * height_m2
            values[name] = lev[:, None] + step * f
            continue
        r = row[LEVEL_ROW[name]]
        if name in LOG_OUTCOMES:
            later = np.exp(level[r][:, None] + step * f)
            values[name] = np.column_stack([np.exp(observed[r]), later[:, 1:]])
            sd_s, sd_e = CHANGE_SD[name], VISIT_SD[name]
            drift = step * f - (f * sd_s) ** 2 / 2 - sd_e**2 / 2
            logs[name] = level[r][:, None] + drift - observed[r][:, None]
            logs[name][:, 0] = 0.0
        else:
            later = level[r][:, None] + step * f
            values[name] = np.column_stack([observed[r], later[:, 1:]])
    values["insulin"] = convert_insulin(values["insulin"], "pmol/L", "uU/mL")
    values["bmi"] = values["weight"] / height_m2[:, None]
    rho = CHANGE_CORRELATION.get(("glucose", "insulin"), 0.0)
    cross = np.exp(f**2 * rho * CHANGE_SD["glucose"] * CHANGE_SD["insulin"])
    values["homa_ir"] = homa_ir(values["glucose"], values["insulin"]) * cross
    logs["homa_ir"] = logs["glucose"] + logs["insulin"]
    return values, logs
