"""``lt.mi.pool``: one estimate, standard error and interval per effect and visit.

By method (as rbmi's ``pool``):

``condmean`` + jackknife
    The estimate of the full data ``θ̂``; ``SE = sqrt((n−1)/n Σ_j (θ̂_(j) − θ̄_(·))²)`` over the
    ``n`` leave-one-out estimates; normal (z) interval and p-value (``df = inf``).
``condmean`` + bootstrap
    The estimate of the full data; ``SE`` the standard deviation of the bootstrap estimates.
    ``interval="percentile"`` (rbmi's default ``type``): the ``α/2`` and ``1 − α/2``
    quantiles of the ``B`` bootstrap estimates (R's ``quantile(type = 6)``: the order
    statistic at position ``p (B + 1)``, interpolated), and the p-value ``2 min(q, 1 − q)``
    (at most 1) where ``q`` solves ``Q(q) = 0``, the quantile function inverted at zero
    (``q = 0`` when every estimate is positive, ``1`` when every one is negative; for ties
    at zero, rbmi's rule); no test statistic. ``interval="normal"``: normal interval and
    p-value from the SE (rbmi's ``type = "normal"``).
``approxbayes``
    Rubin's rules over ``M`` imputations: ``θ̄``, ``W = mean(SE²)``, ``B = var(θ̂)``,
    ``T = W + (1 + 1/M) B``; ``t`` interval with the Barnard-Rubin df
    ``ν = (ν_old ν_obs)/(ν_old + ν_obs)``, ``ν_old = (M−1)/λ²``, ``λ = (1 + 1/M) B / T``,
    ``ν_obs = (ν_com+1)/(ν_com+3) ν_com (1−λ)``, ``ν_com`` the complete-data df.
``bmlmi``
    von Hippel & Bartlett's one-way random-effects ANOVA over ``B`` bootstraps × ``D``
    imputations: ``MSB``, ``MSW``; ``var = (1 + 1/B)(MSB − MSW)/D + MSW/(BD)``;
    ``df = var² / [((B+1)/(BD))² MSB²/(B−1) + MSW²/(BD²(D−1))]``, at least 3.

References
----------
Barnard J, Rubin DB. Small-sample degrees of freedom with multiple imputation. Biometrika
1999;86:948-55. doi:10.1093/biomet/86.4.948
von Hippel PT, Bartlett JW. Stat Sci 2021;36:400-20. doi:10.1214/20-STS793
Wolbers M, et al. Pharm Stat 2022;21:1246-57. doi:10.1002/pst.2234
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import MIError
from ..models.results import EFFECT_COLUMNS, RATIO_COLUMNS, t_inference
from .analysis import Analysis

__all__ = ["INTERVALS", "Pooled", "percentile_interval", "pool", "rubin"]

INTERVALS: tuple[str, ...] = ("percentile", "normal")
"""Intervals of the conditional-mean bootstrap (rbmi's ``type``)."""


@dataclass(frozen=True, eq=False)
class Pooled:
    """Pooled effects.

    Attributes
    ----------
    effects : DataFrame
        ``term, visit, estimate, std_error, df, statistic, p_value, conf_low, conf_high``,
        plus ``ratio, ratio_low, ratio_high`` on the log scale; one row per term and visit.
    method : str
        How the results were pooled.
    n_datasets : int
    notes : tuple of str
        The notes of the draws (for instance that no value was missing).
    """

    effects: pd.DataFrame
    method: str
    n_datasets: int
    notes: tuple[str, ...] = ()


def rubin(
    estimate: np.ndarray, std_error: np.ndarray, df_complete: float | np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rubin's rules with the Barnard-Rubin df over the first axis.

    Examples
    --------
    >>> est, se, df = rubin(np.array([1.0, 1.2, 0.8]), np.array([0.5, 0.5, 0.5]), 100.0)
    >>> round(float(se), 4), round(float(df), 2)
    (0.5508, 35.93)
    """
    m = estimate.shape[0]
    point = estimate.mean(axis=0)
    within = (std_error**2).mean(axis=0)
    between = estimate.var(axis=0, ddof=1)
    total = within + (1.0 + 1.0 / m) * between
    lam = (1.0 + 1.0 / m) * between / total
    v_com = np.asarray(df_complete, dtype=float)
    v_obs = (v_com + 1.0) / (v_com + 3.0) * v_com * (1.0 - lam)
    # ν = (ν_old ν_obs)/(ν_old + ν_obs) = 1 / (1/ν_old + 1/ν_obs), 1/ν_old = λ²/(M−1)
    df = 1.0 / (lam**2 / (m - 1) + 1.0 / v_obs)
    return point, np.sqrt(total), df


def _bmlmi(estimate: np.ndarray, n_imputations: int) -> tuple[np.ndarray, ...]:
    d = n_imputations
    b = estimate.shape[0] // d
    ests = estimate.reshape(b, d, *estimate.shape[1:])
    point = ests.mean(axis=(0, 1))
    row_means = ests.mean(axis=1)
    ssw = ((ests - row_means[:, None]) ** 2).sum(axis=(0, 1))
    ssb = d * ((row_means - point) ** 2).sum(axis=0)
    msw = ssw / (b * (d - 1))
    msb = ssb / (b - 1)
    var = (1.0 + 1.0 / b) * (msb - msw) / d + msw / (b * d)
    df = var**2 / (((b + 1) / (b * d)) ** 2 * msb**2 / (b - 1) + msw**2 / (b * d**2 * (d - 1)))
    return point, np.sqrt(np.maximum(var, 0.0)), np.maximum(3.0, df)


def _quantile6(sorted_est: np.ndarray, prob: np.ndarray) -> np.ndarray:
    """R's ``quantile(type = 6)`` of sorted values (first axis) at probabilities ``prob``."""
    n = sorted_est.shape[0]
    h = np.clip(prob * (n + 1), 1.0, float(n))
    lo = np.floor(h).astype(int)
    hi = np.minimum(lo + 1, n)
    frac = (h - lo)[(...,) + (None,) * (sorted_est.ndim - 1)]
    return sorted_est[lo - 1] + frac * (sorted_est[hi - 1] - sorted_est[lo - 1])


def _zero_quantile(est: np.ndarray) -> float:
    """``q`` with ``Q(q) = 0`` for R's type-6 quantile function ``Q`` of ``est`` (one effect):
    rbmi's ``pval_percentile`` with the root found exactly."""
    x = np.sort(est)
    n = x.size
    if np.all(x == 0):
        return 0.5  # rbmi: both one-sided p-values 1
    if x[0] > 0:
        return 0.0
    if x[-1] < 0:
        return 1.0
    if np.any(x == 0):  # ties at zero: the widest q, as rbmi (a two-sided p-value from it)
        ranks = np.nonzero(x == 0)[0] + 1.0
        low, high = ranks.min() / (n + 1), ranks.max() / (n + 1)
        return low if low <= 1.0 - high else high
    k = int(np.searchsorted(x, 0.0))  # x[k-1] < 0 < x[k]
    h = k + (0.0 - x[k - 1]) / (x[k] - x[k - 1])
    return h / (n + 1)


def percentile_interval(
    est: np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Percentile bootstrap interval and p-value over the first axis of ``est`` (the
    bootstrap estimates), as rbmi's ``pool(type = "percentile")``.

    Examples
    --------
    >>> est = np.array([0.4, -0.1, 0.3, 0.2, 0.5, 0.1, 0.6, 0.35, 0.25])
    >>> low, high, p = percentile_interval(est, level=0.8)
    >>> float(low), float(high), round(float(p), 4)
    (-0.1, 0.6, 0.3)
    """
    alpha = 1.0 - level
    ordered = np.sort(est, axis=0)
    low, high = _quantile6(ordered, np.array([alpha / 2.0, 1.0 - alpha / 2.0]))
    flat = est.reshape(est.shape[0], -1)
    q = np.array([_zero_quantile(flat[:, j]) for j in range(flat.shape[1])])
    p_value = np.where(
        np.all(flat == 0, axis=0), 1.0, np.minimum(2.0 * np.minimum(q, 1.0 - q), 1.0)
    )
    return low, high, p_value.reshape(est.shape[1:])


def pool(results: Analysis, level: float = 0.95, interval: str = "percentile") -> Pooled:
    """Pool the analyses of the completed datasets (see the module docstring).

    Parameters
    ----------
    results : Analysis
    level : float, default 0.95
    interval : {"percentile", "normal"}, default "percentile"
        The interval and p-value of a conditional-mean bootstrap (rbmi's ``type``); other
        methods ignore it.

    Returns
    -------
    Pooled

    Examples
    --------
    >>> import lifestyle_trials as lt
    >>> trial = lt.simulate_odes(seed=3, n_per_arm=(15,) * 4, visits=(0, 3, 6, 12), dropout=0.2)
    >>> imputed = lt.mi.impute(lt.mi.draws(trial, "homa_ir", log=True))
    >>> pooled = lt.mi.pool(lt.mi.analyse(imputed, "ancova", estimand="factorial"))
    >>> pooled.effects.query("visit == 12")[["term", "estimate", "std_error", "ratio"]].round(3)
                term  estimate  std_error  ratio
    2           diet    -0.136      0.080  0.873
    5       exercise    -0.212      0.078  0.809
    8  diet:exercise     0.173      0.150  1.189
    """
    if interval not in INTERVALS:
        raise MIError(
            f"interval must be one of {', '.join(INTERVALS)} (rbmi's type), not {interval!r}"
        )
    draws = results.imputed.draws
    est, se = results.estimate, results.std_error
    percentile = None
    if draws.method == "condmean":
        point = est[0]
        rest = est[1:]
        n = rest.shape[0]
        if draws.resampling == "jackknife":
            spread = np.sqrt((n - 1) / n * ((rest - rest.mean(axis=0)) ** 2).sum(axis=0))
            method = "jackknife"
        else:
            spread = rest.std(axis=0, ddof=1)
            method = f"bootstrap ({interval})"
            if interval == "percentile":
                percentile = percentile_interval(rest, level)
        df = np.full(point.shape, np.inf)
    elif draws.method == "approxbayes":
        point, spread, df = rubin(est, se, results.df_complete)
        method = "rubin"
    else:
        point, spread, df = _bmlmi(est, draws.n_imputations)
        method = "bmlmi"
    statistic, p_value, low, high = t_inference(point, spread, df, level)
    if percentile is not None:
        low, high, p_value = percentile
        statistic = np.full(point.shape, np.nan)
    n_terms, n_visits = point.shape
    table = pd.DataFrame(
        {
            "term": np.repeat(np.asarray(results.terms, dtype=object), n_visits),
            "visit": np.tile(np.asarray(results.visits, dtype=float), n_terms),
            "estimate": point.ravel(),
            "std_error": spread.ravel(),
            "df": np.broadcast_to(df, point.shape).ravel(),
            "statistic": statistic.ravel(),
            "p_value": p_value.ravel(),
            "conf_low": low.ravel(),
            "conf_high": high.ravel(),
        }
    )
    if results.log:
        table["ratio"] = np.exp(table["estimate"])
        table["ratio_low"] = np.exp(table["conf_low"])
        table["ratio_high"] = np.exp(table["conf_high"])
    cols = ["term", "visit", *EFFECT_COLUMNS[1:], *(RATIO_COLUMNS if results.log else ())]
    return Pooled(
        effects=table[cols],
        method=method,
        n_datasets=results.estimate.shape[0],
        notes=draws.notes,
    )
