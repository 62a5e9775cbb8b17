"""Seeded long-format data of a 2 × 2 trial for the MMRM, lmm and mixed-ANOVA reference cases.

Imported by the ``make_data.py`` of each case (``python make_data.py`` from the case folder
writes ``data.csv``). Outcome ``homa_ir`` at every visit (visit 0 = baseline); follow-up
values depend on baseline, arm and visit, with a correlated error over the follow-up visits.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

ARMS = ((0, 0), (1, 0), (0, 1), (1, 1))


def simulate(
    seed: int,
    n_per_arm: Sequence[int] = (15, 15, 15, 15),
    visits: Sequence[float] = (0.0, 3.0, 6.0, 12.0),
    sd: Sequence[float] | None = None,
    rho: float = 0.6,
    dropout: float = 0.0,
    intermittent: float = 0.0,
    log: bool = False,
    covariates: bool = False,
    random_slope: bool = False,
    slope_sd: float = 0.5,
) -> pd.DataFrame:
    """One trial in long form.

    Parameters
    ----------
    sd : residual SD at each follow-up visit (default 1.0 at each).
    rho : correlation between follow-up errors at lag 1 (AR(1)-like, lag k: rho**k, plus a
        shared component so that the matrix is not exactly AR(1)).
    dropout : per-visit probability of leaving the study after a visit (monotone).
    intermittent : per-visit probability of a missing follow-up value (not monotone).
    log : outcome on a log-normal scale (all values positive).
    covariates : add ``age`` (numeric) and ``sex`` (text) with effects on the outcome.
    random_slope : errors from a random intercept and slope in time plus noise.
    slope_sd : SD of the random slope (per the whole follow-up) when ``random_slope``.
    """
    rng = np.random.default_rng(seed)
    follow = np.asarray(visits[1:], dtype=float)
    t = follow.size
    sd_arr = np.ones(t) if sd is None else np.asarray(sd, dtype=float)
    lags = np.abs(np.subtract.outer(np.arange(t), np.arange(t)))
    corr = 0.7 * rho**lags + 0.3 * np.where(lags == 0, 1.0, rho)
    cov = corr * np.outer(sd_arr, sd_arr)

    diet = np.concatenate([np.full(n, d) for n, (d, _) in zip(n_per_arm, ARMS, strict=True)])
    exercise = np.concatenate([np.full(n, e) for n, (_, e) in zip(n_per_arm, ARMS, strict=True)])
    n = diet.size
    base = rng.normal(1.0 if log else 10.0, 0.5 if log else 2.0, n)
    slope = 0.6 if not log else 0.7
    effect = -0.25 * diet[:, None] * np.linspace(0.6, 1.0, t)[None, :]
    effect += -0.15 * exercise[:, None] * np.linspace(1.0, 0.8, t)[None, :]
    effect += 0.1 * (diet * exercise)[:, None] * np.linspace(0.0, 1.0, t)[None, :]
    if not log:
        effect *= 4.0
    level = (0.4 if log else 4.0) + 0.05 * np.arange(t)
    mean = level[None, :] + slope * base[:, None] + effect
    if random_slope:
        times = follow / follow.max()
        b0 = rng.normal(0.0, 0.8, n)
        b1 = rng.normal(0.0, slope_sd, n)
        err = b0[:, None] + b1[:, None] * times[None, :] + rng.normal(0.0, 0.6, (n, t))
    else:
        err = rng.multivariate_normal(np.zeros(t), cov * (0.09 if log else 1.0), size=n)
    y = mean + err
    frame = {
        "subject": [f"s{i + 1:03d}" for i in range(n)],
        "diet": diet,
        "exercise": exercise,
    }
    if covariates:
        age = rng.uniform(41.0, 50.0, n).round(1)
        sex = rng.choice(np.array(["F", "M"]), n, p=[0.3, 0.7])
        y += (0.05 * (age - 45.0) + 0.4 * (sex == "M"))[:, None] * (0.1 if log else 1.0)
        frame["age"] = age
        frame["sex"] = sex

    if dropout > 0:
        leave = rng.random((n, t)) < dropout
        gone = np.cumsum(leave, axis=1) > 0
        gone = np.concatenate([np.zeros((n, 1), dtype=bool), gone[:, :-1]], axis=1)
        y[gone] = np.nan
    if intermittent > 0:
        y[rng.random((n, t)) < intermittent] = np.nan

    values = np.column_stack([base, y])
    if log:
        values = np.exp(values)
    subjects = pd.DataFrame(frame)
    long = subjects.loc[np.repeat(np.arange(n), t + 1)].reset_index(drop=True)
    long.insert(3, "visit", np.tile(np.asarray(visits, dtype=float), n))
    long["homa_ir"] = values.ravel().round(6)
    return long


def write(frame: pd.DataFrame, folder: str | Path = ".") -> None:
    """Write ``data.csv`` in ``folder`` (missing values as empty fields)."""
    frame.to_csv(Path(folder) / "data.csv", index=False, float_format="%.6f")
