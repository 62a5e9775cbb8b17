"""Shapes shared by every model: the effects table and what marginal means need of a fit.

The effects table (one row per effect, treated minus untreated) has the columns
``term, estimate, std_error, df, statistic, p_value, conf_low, conf_high`` (95% CI by
default), plus ``visit`` for models over visits and ``ratio, ratio_low, ratio_high`` when
the outcome was log-transformed (``exp`` of estimate and limits: geometric mean ratios).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "EFFECT_COLUMNS",
    "RATIO_COLUMNS",
    "LinearFit",
    "effects_table",
    "t_inference",
    "text_table",
]

EFFECT_COLUMNS: tuple[str, ...] = (
    "term",
    "estimate",
    "std_error",
    "df",
    "statistic",
    "p_value",
    "conf_low",
    "conf_high",
)
RATIO_COLUMNS: tuple[str, ...] = ("ratio", "ratio_low", "ratio_high")


def t_inference(
    estimate: np.ndarray, std_error: np.ndarray, df: np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """t statistic, two-sided p-value and confidence limits.

    ``t = estimate / std_error``; ``p = 2 P(T_df > |t|)``;
    limits ``estimate ± t_{df, (1+level)/2} × std_error``. ``df = inf`` gives the normal
    (z) versions.

    Examples
    --------
    >>> t, p, lo, hi = t_inference(np.array([2.0]), np.array([1.0]), np.array([np.inf]))
    >>> round(float(p[0]), 6), round(float(lo[0]), 6)
    (0.0455, 0.040036)
    """
    estimate = np.asarray(estimate, dtype=float)
    std_error = np.asarray(std_error, dtype=float)
    df = np.broadcast_to(np.asarray(df, dtype=float), estimate.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = estimate / std_error
    p_value = 2.0 * stats.t.sf(np.abs(statistic), df)
    crit = stats.t.ppf(0.5 + level / 2.0, df)
    return statistic, p_value, estimate - crit * std_error, estimate + crit * std_error


def effects_table(
    terms: Sequence[str],
    estimate: Sequence[float] | np.ndarray,
    std_error: Sequence[float] | np.ndarray,
    df: Sequence[float] | np.ndarray | float,
    *,
    level: float = 0.95,
    log: bool = False,
    extra: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Build an effects table with t-based inference.

    Parameters
    ----------
    terms : sequence of str
    estimate, std_error : array-like
    df : array-like or float
        Degrees of freedom per row (``inf`` for z-based inference).
    level : float, default 0.95
        Confidence level of ``conf_low``/``conf_high``.
    log : bool
        Add ``ratio, ratio_low, ratio_high`` = exp(estimate, conf_low, conf_high).
    extra : mapping, optional
        More columns (e.g. ``visit``), inserted after ``term``.

    Examples
    --------
    >>> print(effects_table(["diet"], [0.5], [0.25], 100).round(4).to_string(index=False))
    term  estimate  std_error    df  statistic  p_value  conf_low  conf_high
    diet       0.5       0.25 100.0        2.0   0.0482     0.004      0.996
    """
    est = np.asarray(estimate, dtype=float)
    se = np.asarray(std_error, dtype=float)
    dfs = np.broadcast_to(np.asarray(df, dtype=float), est.shape).copy()
    statistic, p_value, low, high = t_inference(est, se, dfs, level)
    table = pd.DataFrame(
        {
            "term": list(terms),
            "estimate": est,
            "std_error": se,
            "df": dfs,
            "statistic": statistic,
            "p_value": p_value,
            "conf_low": low,
            "conf_high": high,
        }
    )
    for position, (name, values) in enumerate((extra or {}).items(), start=1):
        table.insert(position, name, values)
    if log:
        table["ratio"] = np.exp(est)
        table["ratio_low"] = np.exp(low)
        table["ratio_high"] = np.exp(high)
    return table


@runtime_checkable
class LinearFit(Protocol):
    """What marginal means and contrasts need of a fitted linear model.

    Any fit of this package that is linear in its coefficients (ANCOVA, MMRM, random-effects
    models) provides these, so :mod:`lifestyle_trials.models.marginal` serves all of them.

    Attributes
    ----------
    coef : Series
        Estimated coefficients, indexed by name.
    vcov : DataFrame
        Their covariance matrix, rows and columns in the order of ``coef``.
    grid_variables : Mapping[str, tuple]
        The variables of the reference grid and their levels: design factors (e.g. diet,
        exercise, visit) with their levels, and each numeric covariate with the single value it
        is held at (its mean), as emmeans does by default.

    Optional attributes (read with ``getattr``; not part of the structural type):

    grid_counts : DataFrame
        Observations at each combination of the factor levels of the grid: one column per
        factor (a grid variable that is a factor, not a covariate held at a value) and ``n``;
        build it with :func:`lifestyle_trials.models.marginal.count_grid`. Marginal means with
        ``weights="proportional"`` or ``"cells"`` need it.
    log : bool
        True when the response is log-transformed; marginal means and contrasts then add
        back-transformed columns by default.
    """

    @property
    def coef(self) -> pd.Series: ...

    @property
    def vcov(self) -> pd.DataFrame: ...

    @property
    def grid_variables(self) -> Mapping[str, tuple[Any, ...]]: ...

    def model_rows(self, grid: pd.DataFrame) -> np.ndarray:
        """Rows of the fixed-effects design matrix for the points of ``grid``."""
        ...

    def contrast_df(self, contrasts: np.ndarray) -> np.ndarray:
        """Degrees of freedom for each row of a contrast matrix over ``coef``.

        Residual df for least squares; Satterthwaite or Kenward-Roger for mixed models.
        """
        ...


def text_table(table: pd.DataFrame) -> str:
    """A result table as text for ``summary()``: numbers to four significant digits.

    Small p-values keep their magnitude (``5.6e-52``) rather than rounding to zero.

    Examples
    --------
    >>> print(text_table(pd.DataFrame({"term": ["diet"], "p_value": [5.557e-52]})))
    term   p_value
    diet 5.557e-52
    """
    if table.empty:
        return "  (none)"
    return table.to_string(index=False, float_format=lambda v: f"{v:.4g}")
