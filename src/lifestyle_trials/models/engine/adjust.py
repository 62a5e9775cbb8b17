"""Multiplicity adjustment of a family of t tests: Holm, Bonferroni and Dunnett (multivariate t).

A *family* is a set of contrasts tested together (for example the three arm comparisons of a
four-arm trial, or the contrasts within one visit). :func:`adjust_family` returns the adjusted
p-values and the critical value that turns each standard error into a simultaneous confidence
half-width.

Methods
-------
``"none"``
    ``p`` unchanged; critical value ``t_{df, (1 + level) / 2}``.
``"bonferroni"``
    ``p_adj = min(1, m p)``; critical value ``t_{df, 1 - (1 - level) / (2m)}``.
``"holm"``
    Holm's step-down p-values (Holm 1979); Holm has no confidence intervals of its own, so the
    intervals are Bonferroni's (as in R's emmeans).
``"dunnett"``
    Single-step adjustment from the joint distribution of the t statistics: a multivariate t
    with the correlation matrix of the contrast estimates (Dunnett 1955; Hothorn, Bretz &
    Westfall 2008). ``p_adj_i = 1 - P(max_j |T_j| < |t_i|)`` and the critical value ``c``
    solves ``P(max_j |T_j| < c) = level``. It is emmeans' ``adjust = "mvt"``, not its default
    ``"dunnettx"`` approximation, and works for any contrasts (with or without a common
    control, with covariates, unequal arms). Each contrast uses its own df; emmeans rounds df
    to an integer for this method, which matters only for non-integer (Satterthwaite) df.

The multivariate t probabilities are computed by randomised quasi-Monte Carlo
(:meth:`scipy.stats.multivariate_t.cdf`, Genz & Bretz 2002) with a fixed seed, so results are
deterministic; their absolute error is below 1e-4 (p-values and critical values), far below
the printed precision of a p-value.

References
----------
Holm S. A simple sequentially rejective multiple test procedure. Scand J Stat 1979;6:65-70.
Dunnett CW. A multiple comparison procedure for comparing several treatments with a control.
J Am Stat Assoc 1955;50:1096-121. doi:10.1080/01621459.1955.10501294
Genz A, Bretz F. Comparison of methods for the computation of multivariate t probabilities.
J Comput Graph Stat 2002;11:950-71. doi:10.1198/106186002394
Hothorn T, Bretz F, Westfall P. Simultaneous inference in general parametric models.
Biom J 2008;50:346-63. doi:10.1002/bimj.200810425
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

from ...errors import ModelError

__all__ = ["ADJUSTMENTS", "AdjustedFamily", "adjust_family", "dunnett_probability"]

ADJUSTMENTS: tuple[str, ...] = ("none", "holm", "bonferroni", "dunnett")
"""Adjustment methods accepted everywhere an ``adjust`` argument is."""

_ALIASES = {"mvt": "dunnett", "dunnett": "dunnett", "holm": "holm", "bonferroni": "bonferroni"}
_MVT_POINTS = 25_000
_MVT_SEED = 20_250_101


@dataclass(frozen=True, eq=False)
class AdjustedFamily:
    """Adjusted inference for one family of contrasts.

    Attributes
    ----------
    p_value : ndarray
        Adjusted two-sided p-values (NaN where the statistic is NaN).
    critical : ndarray
        Multiplier of the standard error for simultaneous ``level`` confidence limits.
    method : str
        The adjustment applied (``"none"`` when the family has a single contrast).
    interval_method : str
        The adjustment of the confidence limits (``"bonferroni"`` for Holm).
    """

    p_value: np.ndarray
    critical: np.ndarray
    method: str
    interval_method: str


def check_adjust(adjust: str) -> str:
    """The canonical name of an adjustment method; ModelError for an unknown one."""
    key = str(adjust).lower()
    if key == "none":
        return "none"
    if key not in _ALIASES:
        raise ModelError(
            f"unknown adjustment {adjust!r}; use one of {', '.join(ADJUSTMENTS)} "
            "('mvt' is accepted as another name for 'dunnett')"
        )
    return _ALIASES[key]


def adjust_family(
    statistic: np.ndarray,
    df: np.ndarray,
    corr: np.ndarray | None,
    adjust: str = "none",
    level: float = 0.95,
) -> AdjustedFamily:
    """Adjust the two-sided t tests of one family of contrasts.

    Parameters
    ----------
    statistic : array of shape (m,)
        t statistics; NaN entries (contrasts that cannot be estimated) are left out of the
        family and get NaN.
    df : array of shape (m,)
        Degrees of freedom of each statistic (``inf`` for z tests).
    corr : array of shape (m, m) or None
        Correlation matrix of the contrast estimates; needed only for ``"dunnett"``.
    adjust : {"none", "holm", "bonferroni", "dunnett"}
    level : float, default 0.95
        Confidence level of the simultaneous intervals.

    Returns
    -------
    AdjustedFamily

    Examples
    --------
    >>> fam = adjust_family(np.array([2.5, 1.0, -3.0]), np.full(3, 40.0), None, "holm")
    >>> np.round(fam.p_value, 4), fam.interval_method
    (array([0.0332, 0.3233, 0.0139]), 'bonferroni')
    """
    method = check_adjust(adjust)
    t = np.asarray(statistic, dtype=float)
    dfs = np.broadcast_to(np.asarray(df, dtype=float), t.shape).astype(float)
    ok = np.isfinite(t)
    m = int(ok.sum())
    p_raw = 2.0 * stats.t.sf(np.abs(t), dfs)
    alpha = 1.0 - level
    if m <= 1 or method == "none":
        crit = stats.t.ppf(1.0 - alpha / 2.0, dfs)
        return AdjustedFamily(p_raw, crit, "none" if m <= 1 else method, "none")
    p_adj = np.full(t.shape, np.nan)
    if method in ("bonferroni", "holm"):
        crit = stats.t.ppf(1.0 - alpha / (2.0 * m), dfs)
        p = p_raw[ok]
        if method == "bonferroni":
            p_adj[ok] = np.minimum(1.0, m * p)
        else:
            order = np.argsort(p, kind="stable")
            stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
            out = np.empty(m)
            out[order] = np.minimum(1.0, stepped)
            p_adj[ok] = out
        return AdjustedFamily(p_adj, crit, method, "bonferroni")
    # Dunnett: single-step multivariate t
    if corr is None:
        raise ModelError("the Dunnett adjustment needs the correlation of the contrasts")
    r = np.asarray(corr, dtype=float)[np.ix_(ok, ok)]
    if not np.all(np.isfinite(r)):
        raise ModelError("the correlation matrix of the contrasts has non-finite entries")
    crit = np.full(t.shape, np.nan)
    sub_t, sub_df = np.abs(t[ok]), dfs[ok]
    sub_p = np.empty(m)
    sub_c = np.empty(m)
    cache: dict[float, float] = {}
    for i in range(m):
        sub_p[i] = 1.0 - dunnett_probability(sub_t[i], r, sub_df[i])
        key = float(sub_df[i])
        if key not in cache:
            cache[key] = _mvt_quantile(level, r, key, m)
        sub_c[i] = cache[key]
    p_adj[ok] = np.clip(sub_p, 0.0, 1.0)
    crit[ok] = sub_c
    return AdjustedFamily(p_adj, crit, "dunnett", "dunnett")


def dunnett_probability(c: float, corr: np.ndarray, df: float) -> float:
    """``P(max_j |T_j| < c)`` for a multivariate t with correlation ``corr`` and ``df``.

    ``df = inf`` gives the multivariate normal. Deterministic (fixed quasi-Monte Carlo seed).

    Examples
    --------
    >>> round(dunnett_probability(1.959964, np.eye(1), np.inf), 6)
    0.95
    """
    r = np.asarray(corr, dtype=float)
    m = r.shape[0]
    if c <= 0:
        return 0.0
    if m == 1:
        return float(1.0 - 2.0 * stats.t.sf(c, df))
    upper = np.full(m, float(c))
    rng = np.random.default_rng(_MVT_SEED)
    if not np.isfinite(df) or df > 1e6:
        return float(
            stats.multivariate_normal.cdf(
                upper,
                mean=np.zeros(m),
                cov=r,
                allow_singular=True,
                maxpts=_MVT_POINTS * m,
                abseps=1e-7,
                releps=0.0,
                lower_limit=-upper,
                rng=rng,
            )
        )
    tdist = stats.multivariate_t(loc=np.zeros(m), shape=r, df=df, allow_singular=True)
    return float(tdist.cdf(upper, lower_limit=-upper, maxpts=_MVT_POINTS, random_state=rng))


def _mvt_quantile(level: float, corr: np.ndarray, df: float, m: int) -> float:
    """The ``c`` with ``P(max_j |T_j| < c) = level``, bracketed by the unadjusted and
    Bonferroni critical values."""
    alpha = 1.0 - level
    low = float(stats.t.ppf(1.0 - alpha / 2.0, df)) * 0.999
    high = float(stats.t.ppf(1.0 - alpha / (2.0 * m), df)) * 1.001
    return float(
        optimize.brentq(lambda c: dunnett_probability(c, corr, df) - level, low, high, xtol=1e-7)
    )
