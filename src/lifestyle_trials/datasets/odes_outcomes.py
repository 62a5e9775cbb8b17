"""The outcome values of every subject of the synthetic ODES trial at every visit.

Baseline values come from the eligible population (:mod:`.odes_baseline`), each sex from its
own stream. At a later visit t an outcome is the subject's level moved by f(t) times the
arm's change (:mod:`.odes_change`), plus f(t) times the subject's own change component
(correlated across outcomes) and visit noise (independent, a stream per visit); for the
outcomes simulated multiplicatively the same holds on the log scale, with the terms that keep
the expected value at ``exp(level + f·δ)``. Insulin is returned in µU/mL and BMI follows from
weight; HOMA-IR is computed where the table is made.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..arms import ARMS
from ..units import convert_insulin
from .odes_baseline import sample_baseline
from .odes_calibration import (
    BASELINE_VARIABLES,
    CHANGE_CORRELATION,
    CHANGE_OUTCOMES,
    CHANGE_SD,
    LOG_OUTCOMES,
    VISIT_SD,
)
from .odes_change import trajectory
from .odes_streams import stream, visit_key

__all__ = ["LEVEL_ROW", "change_draws", "draw_baseline", "draw_outcomes", "follow_up"]

LEVEL_ROW = {
    "glucose": "log_glucose",
    "insulin": "log_insulin",
    "waist": "waist",
    "vo2max": "vo2max",
    "triglycerides": "log_triglycerides",
    "hdl": "log_hdl",
    "cholesterol": "cholesterol",
    "sbp": "sbp",
    "dbp": "dbp",
}
"""Outcome → the baseline variable that holds its level (weight: from log BMI and height)."""


def draw_outcomes(
    seed: int,
    arm: np.ndarray,
    male: np.ndarray,
    visits: np.ndarray,
    arm_change: Mapping[str, Mapping[str, float]],
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Heights, and the values of every simulated outcome at every visit.

    Parameters
    ----------
    seed : int
        The trial's seed.
    arm : ndarray of int
        Each subject's arm, an index into ``ARMS``.
    male : ndarray of bool
        Each subject's sex.
    visits : ndarray of float
        The visits in months, baseline 0 first.
    arm_change : mapping
        Per outcome and arm, δ or Δ (:func:`.odes_change.arm_changes`).

    Returns
    -------
    tuple of (ndarray, dict of str to ndarray)
        Height (cm) per subject; per outcome of ``CHANGE_OUTCOMES`` and BMI, an array of
        subjects × visits (insulin in µU/mL).
    """
    level, observed = draw_baseline(seed, male)
    return follow_up(seed, arm, visits, arm_change, level, observed)


def follow_up(
    seed: int,
    arm: np.ndarray,
    visits: np.ndarray,
    arm_change: Mapping[str, Mapping[str, float]],
    level: np.ndarray,
    observed: np.ndarray,
    draws: tuple[np.ndarray, list[np.ndarray]] | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Heights and every outcome at every visit, given the baseline draw.

    Parameters
    ----------
    seed, arm, visits, arm_change
        As :func:`draw_outcomes`.
    level, observed : ndarray
        Levels and baseline observations, variables × subjects (:func:`draw_baseline`).
    draws : tuple, optional
        :func:`change_draws` for these subjects and visits, when already made (to follow the
        same subjects in several arms).

    Returns
    -------
    tuple of (ndarray, dict of str to ndarray)
        As :func:`draw_outcomes`. The subjects' own changes and the visit noise come from the
        seed's streams, so the same seed gives the same draws whatever ``arm`` is.
    """
    row = {v: i for i, v in enumerate(BASELINE_VARIABLES)}
    height = observed[row["height"]]
    height_m2 = (height / 100.0) ** 2

    z, noise = change_draws(seed, len(arm), visits) if draws is None else draws

    # values (outcome -> array subjects × visits); baseline column first
    values: dict[str, np.ndarray] = {}
    post = visits[1:]
    f = trajectory(post)
    for j, name in enumerate(CHANGE_OUTCOMES):
        sd_s, sd_e = CHANGE_SD[name], VISIT_SD[name]
        step = np.asarray([arm_change[name][a] for a in ARMS])[arm]  # δ or Δ per subject
        eps = np.stack([e[j] for e in noise], axis=1)  # subjects × post visits
        own = np.outer(z[j], f) * sd_s
        if name == "weight":
            lev = np.exp(level[row["log_bmi"]]) * height_m2
            base = lev
            follow = lev[:, None] + np.outer(step, f) + own + sd_e * eps
        elif name in LOG_OUTCOMES:
            lev = level[row[LEVEL_ROW[name]]]
            base = np.exp(observed[row[LEVEL_ROW[name]]])
            expo = np.outer(step, f) + own - (f * sd_s) ** 2 / 2 + sd_e * eps - sd_e**2 / 2
            follow = np.exp(lev[:, None] + expo)
        else:
            lev = level[row[LEVEL_ROW[name]]]
            base = observed[row[LEVEL_ROW[name]]]
            follow = lev[:, None] + np.outer(step, f) + own + sd_e * eps
        values[name] = np.column_stack([base, follow])
    values["insulin"] = convert_insulin(values["insulin"], "pmol/L", "uU/mL")
    values["bmi"] = values["weight"] / height_m2[:, None]
    return height, values


def change_draws(seed: int, n: int, visits: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """The subjects' own change components and the visit noise of every post-baseline visit.

    Parameters
    ----------
    seed : int
        The trial's seed.
    n : int
        Number of subjects.
    visits : ndarray of float
        The visits in months, baseline first.

    Returns
    -------
    tuple of (ndarray, list of ndarray)
        Own changes (outcomes × subjects; correlated across outcomes) and, per post-baseline
        visit, independent standard normal noise (outcomes × subjects), each visit from its
        own stream.
    """
    k = len(CHANGE_OUTCOMES)
    z = _change_factor() @ stream(seed, "change").standard_normal((k, n))
    noise = [stream(seed, "visit", visit_key(t)).standard_normal((k, n)) for t in visits[1:]]
    return z, noise


def draw_baseline(seed: int, male: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Levels and baseline observations (variables × subjects), each sex from its stream.

    Parameters
    ----------
    seed : int
        The trial's seed.
    male : ndarray of bool
        Each subject's sex.

    Returns
    -------
    tuple of (ndarray, ndarray)
    """
    k, n = len(BASELINE_VARIABLES), len(male)
    level, observed = np.empty((k, n)), np.empty((k, n))
    for sex, mask in (("M", male), ("F", ~male)):
        draw = sample_baseline(stream(seed, f"baseline {sex}"), int(mask.sum()), sex)
        level[:, mask], observed[:, mask] = draw.level, draw.observed
    return level, observed


def _change_factor() -> np.ndarray:
    """Cholesky factor of the correlation of the subjects' own changes across outcomes."""
    k = len(CHANGE_OUTCOMES)
    corr = np.eye(k)
    for (a, b), r in CHANGE_CORRELATION.items():
        i, j = CHANGE_OUTCOMES.index(a), CHANGE_OUTCOMES.index(b)
        corr[i, j] = corr[j, i] = r
    return np.linalg.cholesky(corr)
