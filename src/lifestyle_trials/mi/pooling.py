"""``lt.mi.pool``: one estimate, standard error and interval per effect and visit.

By method (as rbmi's ``pool``):

``condmean`` + jackknife
    The estimate of the full data ``θ̂``; ``SE = sqrt((n−1)/n Σ_j (θ̂_(j) − θ̄_(·))²)`` over the
    ``n`` leave-one-out estimates; normal (z) interval and p-value (``df = inf``).
``condmean`` + bootstrap
    The estimate of the full data; ``SE`` the standard deviation of the bootstrap estimates;
    normal interval and p-value (rbmi's ``type = "normal"``).
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

from ..models.results import EFFECT_COLUMNS, RATIO_COLUMNS, t_inference
from .analysis import Analysis

__all__ = ["Pooled", "pool", "rubin"]


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


def pool(results: Analysis, level: float = 0.95) -> Pooled:
    """Pool the analyses of the completed datasets (see the module docstring).

    Parameters
    ----------
    results : Analysis
    level : float, default 0.95

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
    draws = results.imputed.draws
    est, se = results.estimate, results.std_error
    if draws.method == "condmean":
        point = est[0]
        rest = est[1:]
        n = rest.shape[0]
        if draws.resampling == "jackknife":
            spread = np.sqrt((n - 1) / n * ((rest - rest.mean(axis=0)) ** 2).sum(axis=0))
            method = "jackknife"
        else:
            spread = rest.std(axis=0, ddof=1)
            method = "bootstrap (normal)"
        df = np.full(point.shape, np.inf)
    elif draws.method == "approxbayes":
        point, spread, df = rubin(est, se, results.df_complete)
        method = "rubin"
    else:
        point, spread, df = _bmlmi(est, draws.n_imputations)
        method = "bmlmi"
    statistic, p_value, low, high = t_inference(point, spread, df, level)
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
