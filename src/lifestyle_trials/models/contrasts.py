"""Linear contrasts of a fit's coefficients: estimates, inference and multiplicity adjustment.

A contrast is a linear function ``L b`` of the coefficients of a
:class:`~lifestyle_trials.models.results.LinearFit`: estimate ``L b``, standard error
``sqrt(diag(L V L'))``, the df the fit gives for ``L`` (residual df for least squares,
Satterthwaite or Kenward-Roger for mixed models), t, p and a confidence interval, optionally
adjusted for multiplicity within each ``by`` group. Marginal means
(:mod:`~lifestyle_trials.models.marginal`) are estimated the same way, and named contrasts
among them (:mod:`~lifestyle_trials.models.mean_contrasts`) end here.

With a log-transformed response, ``exp`` of estimates and limits are added: geometric means
(``response`` columns) for means, ratios of geometric means (``ratio`` columns) for contrasts.

Differences from emmeans, stated: the Dunnett adjustment is emmeans' ``"mvt"`` computed with
a fixed quasi-Monte Carlo seed (deterministic) and each contrast's own, unrounded df; with
Holm the confidence limits are Bonferroni's, as in emmeans.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ModelError
from .engine.adjust import adjust_family, check_adjust
from .results import LinearFit, effects_table

__all__ = [
    "Contrasts",
    "estimate_linear",
    "is_log",
    "linear_contrasts",
]


@dataclass(frozen=True, eq=False)
class Contrasts:
    """Linear contrasts of a fitted model, with inference.

    Attributes
    ----------
    table : DataFrame
        One row per contrast: ``term``, the ``by`` columns, then ``estimate, std_error, df,
        statistic, p_value, conf_low, conf_high`` (unadjusted, ``level`` CI); with an
        adjustment, also ``p_adjusted, conf_low_adjusted, conf_high_adjusted`` (adjusted within
        each ``by`` group); when ``log``, ``ratio, ratio_low, ratio_high`` (exp of estimate and
        unadjusted limits) and, with an adjustment, ``ratio_low_adjusted,
        ratio_high_adjusted``.
    linfct : ndarray of shape (contrasts, coefficients)
        Each contrast as a linear function of ``fit.coef`` (NaN rows: not estimable).
    by : tuple of str
    adjust : str
        The adjustment asked for (``"none"``, ``"holm"``, ``"bonferroni"``, ``"dunnett"``).
    level : float
    log : bool
    """

    table: pd.DataFrame
    linfct: np.ndarray
    by: tuple[str, ...]
    adjust: str
    level: float
    log: bool

    @property
    def effects(self) -> pd.DataFrame:
        """The table restricted to the effects columns of the package contract."""
        cols = ["term", *self.by, "estimate", "std_error", "df", "statistic", "p_value"]
        cols += ["conf_low", "conf_high"]
        if self.log:
            cols += ["ratio", "ratio_low", "ratio_high"]
        return self.table[cols]


def linear_contrasts(
    fit: LinearFit,
    linfct: np.ndarray,
    terms: Sequence[str],
    *,
    groups: pd.DataFrame | None = None,
    adjust: str = "none",
    level: float = 0.95,
    log: bool | None = None,
) -> Contrasts:
    """Inference on arbitrary linear functions ``L b`` of a fit's coefficients.

    Estimate ``L b``; SE ``sqrt(diag(L V L'))``; df ``fit.contrast_df(L)``; ``t = est / SE``;
    two-sided p; limits ``est ± t_{df,(1+level)/2} SE``. The adjustment is applied within each
    group of ``groups`` (the whole set is one family when ``groups`` is None).

    Parameters
    ----------
    fit : LinearFit
    linfct : array of shape (k, len(fit.coef))
        Rows of ``L``; a row with NaN is reported as not estimable (NaN throughout).
    terms : sequence of str
        Name of each row.
    groups : DataFrame, optional
        ``k`` rows of grouping columns (e.g. ``visit``), inserted after ``term``.
    adjust : {"none", "holm", "bonferroni", "dunnett"}
        See :mod:`lifestyle_trials.models.engine.adjust`.
    level : float, default 0.95
    log : bool, optional
        Whether the response is log-transformed; adds ratio columns. Default: ``fit.log``
        when the fit has it.

    Returns
    -------
    Contrasts

    Examples
    --------
    >>> import pandas as pd
    >>> class Fit:
    ...     coef = pd.Series([1.0, 0.5], index=["a", "b"])
    ...     vcov = pd.DataFrame([[0.04, 0.0], [0.0, 0.01]], index=coef.index, columns=coef.index)
    ...     grid_variables = {}
    ...     def model_rows(self, grid): ...
    ...     def contrast_df(self, L): return np.full(len(L), 30.0)
    >>> out = linear_contrasts(Fit(), np.array([[1.0, -1.0]]), ["a vs b"])
    >>> print(out.table.round(4).to_string(index=False))
      term  estimate  std_error   df  statistic  p_value  conf_low  conf_high
    a vs b       0.5     0.2236 30.0     2.2361   0.0329    0.0433     0.9567
    """
    method = check_adjust(adjust)
    L = np.atleast_2d(np.asarray(linfct, dtype=float))
    terms = list(terms)
    if L.shape[1] != len(fit.coef):
        raise ModelError(
            f"the contrast matrix has {L.shape[1]} columns; the model has {len(fit.coef)} "
            f"coefficients ({', '.join(map(str, fit.coef.index))})"
        )
    if len(terms) != L.shape[0]:
        raise ModelError(f"{len(terms)} term names for {L.shape[0]} contrasts")
    log = is_log(fit, log)
    estimate, std_error, df = estimate_linear(fit, L)
    extra: dict[str, Any] = {}
    by: tuple[str, ...] = ()
    if groups is not None:
        if len(groups) != L.shape[0]:
            raise ModelError(f"groups has {len(groups)} rows for {L.shape[0]} contrasts")
        by = tuple(groups.columns)
        extra = {c: groups[c].to_numpy() for c in by}
    table = effects_table(terms, estimate, std_error, df, level=level, log=log, extra=extra)
    if method != "none":
        _add_adjusted(table, fit, L, std_error, by, method, level, log)
    return Contrasts(table=table, linfct=L, by=by, adjust=method, level=level, log=log)


def estimate_linear(
    fit: LinearFit, linfct: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``L b``, ``sqrt(diag(L V L'))`` and the fit's df for the finite rows of ``L``.

    Parameters
    ----------
    fit : LinearFit
    linfct : ndarray of shape (k, len(fit.coef))

    Returns
    -------
    estimate, std_error, df : ndarray of shape (k,)
        NaN for the rows of ``linfct`` that hold a NaN (not estimable).
    """
    coef = fit.coef.to_numpy(dtype=float)
    vcov = fit.vcov.to_numpy(dtype=float)
    finite = np.all(np.isfinite(linfct), axis=1)
    estimate = np.full(len(linfct), np.nan)
    std_error = np.full(len(linfct), np.nan)
    df = np.full(len(linfct), np.nan)
    if finite.any():
        sub = linfct[finite]
        estimate[finite] = sub @ coef
        var = np.einsum("ij,jk,ik->i", sub, vcov, sub)
        std_error[finite] = np.sqrt(np.maximum(var, 0.0))
        df[finite] = np.asarray(fit.contrast_df(sub), dtype=float)
    return estimate, std_error, df


def is_log(fit: LinearFit, log: bool | None) -> bool:
    """Whether to back-transform: ``log`` when given, else the fit's ``log`` attribute.

    Parameters
    ----------
    fit : LinearFit
    log : bool or None

    Returns
    -------
    bool
        False when ``log`` is None and the fit has no ``log`` attribute.
    """
    return bool(getattr(fit, "log", False)) if log is None else bool(log)


def _add_adjusted(
    table: pd.DataFrame,
    fit: LinearFit,
    L: np.ndarray,
    std_error: np.ndarray,
    by: tuple[str, ...],
    method: str,
    level: float,
    log: bool,
) -> None:
    """Add ``p_adjusted`` and adjusted limits, each ``by`` group one family (in place)."""
    vcov = fit.vcov.to_numpy(dtype=float)
    if by:
        family = table.groupby(list(by), sort=False, dropna=False).ngroup().to_numpy()
    else:
        family = np.zeros(len(table), dtype=np.int64)
    p_adj = np.full(len(table), np.nan)
    crit = np.full(len(table), np.nan)
    statistic = table["statistic"].to_numpy(dtype=float)
    dfs = table["df"].to_numpy(dtype=float)
    for g in np.unique(family):
        idx = np.flatnonzero(family == g)
        sub = L[idx]
        finite = np.all(np.isfinite(sub), axis=1) & (std_error[idx] > 0)
        corr = np.full((len(idx), len(idx)), np.nan)
        if finite.any():
            s = sub[finite]
            cov = s @ vcov @ s.T
            sd = np.sqrt(np.diag(cov))
            corr[np.ix_(finite, finite)] = cov / np.outer(sd, sd)
        t = np.where(finite, statistic[idx], np.nan)
        fam = adjust_family(t, dfs[idx], corr if method == "dunnett" else None, method, level)
        p_adj[idx] = np.where(finite, fam.p_value, np.nan)
        crit[idx] = np.where(finite, fam.critical, np.nan)
    estimate = table["estimate"].to_numpy(dtype=float)
    table["p_adjusted"] = p_adj
    table["conf_low_adjusted"] = estimate - crit * std_error
    table["conf_high_adjusted"] = estimate + crit * std_error
    if log:
        table["ratio_low_adjusted"] = np.exp(table["conf_low_adjusted"])
        table["ratio_high_adjusted"] = np.exp(table["conf_high_adjusted"])
