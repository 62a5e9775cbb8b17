"""Marginal means and linear contrasts for any linear model of the package (emmeans for Python).

Everything here works through the :class:`~lifestyle_trials.models.results.LinearFit`
protocol, so it serves the ANCOVA, the MMRM and random-effects models alike:

1. the *reference grid* is every combination of the levels of ``fit.grid_variables`` (design
   factors at each level, numeric covariates at the one value they are held at, by default
   their mean);
2. a *marginal mean* (estimated marginal mean, least-squares mean) is a weighted average of
   the model's predictions over the grid points that share the levels of the variables asked
   for, averaging over the other factors with equal weights (the default, as in emmeans) or
   with weights proportional to their frequencies;
3. a *contrast* is a linear combination of marginal means (or, most generally, of the
   coefficients): estimate ``L b``, standard error ``sqrt(diag(L V L'))``, the df the fit
   gives for ``L`` (residual df for least squares, Satterthwaite for mixed models), t, p and
   a confidence interval, optionally adjusted for multiplicity within each ``by`` group.

The numbers equal R's emmeans (Lenth 2023) for the same model and weights; the reference cases
in the test suite check them to 1e-8 relative for least-squares fits.

Order of the grid and of means: the first variable varies fastest (as in emmeans), so means
over ``("diet", "exercise")`` come in the canonical arm order control, diet, exercise,
diet+exercise; contrast coefficients given by the user follow the same order.

Differences from emmeans, stated: contrast names read ``"A vs B"`` for the estimate A - B
(emmeans writes ``"A - B"``); the Dunnett adjustment is emmeans' ``"mvt"`` computed with a
fixed quasi-Monte Carlo seed (deterministic) and each contrast's own, unrounded df; with Holm
the confidence limits are Bonferroni's, as in emmeans.

References
----------
Searle SR, Speed FM, Milliken GA. Population marginal means in the linear model: an
alternative to least squares means. Am Stat 1980;34:216-21. doi:10.1080/00031305.1980.10483031
Lenth RV. emmeans: Estimated marginal means, aka least-squares means. R package,
https://CRAN.R-project.org/package=emmeans
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..arms import ARM_CODES
from ..errors import ModelError
from ..trial import format_visit
from .adjust import adjust_family, check_adjust
from .results import LinearFit, effects_table, t_inference

__all__ = [
    "CONTRAST_METHODS",
    "WEIGHTS",
    "Contrasts",
    "MarginalMeans",
    "contrast",
    "count_grid",
    "linear_contrasts",
    "marginal_means",
    "reference_grid",
]

WEIGHTS: tuple[str, ...] = ("equal", "proportional", "cells")
"""Ways of averaging over the factors not asked for (see :func:`marginal_means`)."""

CONTRAST_METHODS: tuple[str, ...] = ("trt.vs.ctrl", "pairwise", "revpairwise", "factorial")
"""Named contrast families accepted by :func:`contrast`."""


# -- the reference grid -------------------------------------------------------------------------


def reference_grid(fit: LinearFit) -> pd.DataFrame:
    """Every combination of the levels of ``fit.grid_variables``, the first varying fastest.

    Parameters
    ----------
    fit : LinearFit

    Returns
    -------
    DataFrame
        One column per grid variable, one row per grid point.

    Examples
    --------
    >>> class Fit:
    ...     grid_variables = {"diet": (0, 1), "exercise": (0, 1), "baseline": (2.5,)}
    >>> print(reference_grid(Fit()).to_string(index=False))
     diet  exercise  baseline
        0         0       2.5
        1         0       2.5
        0         1       2.5
        1         1       2.5
    """
    variables = dict(fit.grid_variables)
    if not variables:
        return pd.DataFrame(index=pd.RangeIndex(1))
    names = list(variables)
    levels = [tuple(variables[name]) for name in names]
    for name, lev in zip(names, levels, strict=True):
        if not lev:
            raise ModelError(f"grid variable {name!r} has no levels")
    product = pd.MultiIndex.from_product(levels[::-1], names=names[::-1])
    return product.to_frame(index=False)[names]


def count_grid(frame: pd.DataFrame, factors: Sequence[str]) -> pd.DataFrame:
    """Observations at each combination of factor levels: the ``grid_counts`` of a fit.

    A helper for implementers of :class:`~lifestyle_trials.models.results.LinearFit`.

    Parameters
    ----------
    frame : DataFrame
        The rows the model was fitted to.
    factors : sequence of str
        The factors of the reference grid (not the numeric covariates).

    Returns
    -------
    DataFrame
        Columns ``*factors, n``: one row per observed combination.

    Examples
    --------
    >>> frame = pd.DataFrame({"diet": [0, 0, 1], "exercise": [1, 1, 0]})
    >>> print(count_grid(frame, ["diet", "exercise"]).to_string(index=False))
     diet  exercise  n
        0         1  2
        1         0  1
    """
    factors = list(factors)
    if not factors:
        return pd.DataFrame({"n": [len(frame)]})
    counts = frame.groupby(factors, observed=True, sort=True).size()
    return counts.rename("n").reset_index()


def _codes(grid: pd.DataFrame, variables: Mapping[str, tuple[Any, ...]], names: Sequence[str]):
    """Integer position of each grid value within its variable's levels."""
    out = np.empty((len(grid), len(names)), dtype=np.int64)
    for j, name in enumerate(names):
        levels = list(variables[name])
        lookup = {_key(v): i for i, v in enumerate(levels)}
        out[:, j] = [lookup[_key(v)] for v in grid[name].tolist()]
    return out


def _key(value: Any) -> Any:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def _group_index(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group number of each row (groups ordered with the first column fastest) and the
    codes of each group."""
    if codes.shape[1] == 0:
        return np.zeros(codes.shape[0], dtype=np.int64), np.zeros((1, 0), dtype=np.int64)
    unique, inverse = np.unique(codes[:, ::-1], axis=0, return_inverse=True)
    return inverse.ravel(), unique[:, ::-1]


# -- marginal means -----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class MarginalMeans:
    """Marginal means of a fitted model over some of its grid variables.

    Attributes
    ----------
    table : DataFrame
        One row per combination of ``variables`` and ``by``: those columns, then ``estimate``
        (the marginal mean, on the model's scale), ``std_error``, ``df``, ``conf_low``,
        ``conf_high``; when ``log``, also ``response, response_low, response_high`` =
        exp(estimate and limits): geometric means on the original scale.
    linfct : ndarray of shape (rows, coefficients)
        The linear function of ``fit.coef`` that gives each mean (NaN rows: not estimable).
    variables, by : tuple of str
    weights : str
    level : float
    log : bool
    labels : tuple of str
        A readable label of each row's levels of ``variables`` (arm names for diet and
        exercise together).
    fit : LinearFit
        The fit the means come from (kept for contrasts).
    """

    table: pd.DataFrame
    linfct: np.ndarray
    variables: tuple[str, ...]
    by: tuple[str, ...]
    weights: str
    level: float
    log: bool
    labels: tuple[str, ...]
    fit: LinearFit = field(repr=False, compare=False)


def marginal_means(
    fit: LinearFit,
    variables: str | Iterable[str],
    *,
    by: str | Iterable[str] = (),
    weights: str = "equal",
    level: float = 0.95,
    log: bool | None = None,
) -> MarginalMeans:
    """Estimated marginal means of a fitted linear model (R: ``emmeans(fit, ~ variables | by)``).

    Each mean is ``l' b`` where ``l`` averages the design rows ``x(g)`` of the grid points
    ``g`` that share the asked levels: ``l = sum_g w_g x(g)`` with weights summing to one over
    the levels of the factors not asked for. Standard error ``sqrt(l' V l)``; df from
    ``fit.contrast_df``; confidence limits ``l' b ± t_{df} SE``.

    Parameters
    ----------
    fit : LinearFit
        Any fit of the package (``lt.ancova``, ``lt.mmrm``, ...).
    variables : str or iterable of str
        Grid variables to give means for (e.g. ``("diet", "exercise")`` for arms).
    by : str or iterable of str
        Grid variables to give the means separately for (e.g. ``"visit"``).
    weights : {"equal", "proportional", "cells"}, default "equal"
        How to average over the other factors. ``"equal"``: each level combination counts the
        same (emmeans' default; the factorial main effects of the contract use it).
        ``"proportional"``: weights proportional to the frequencies of the averaged-over
        combinations in the whole analysed data (emmeans' ``weights = "proportional"``).
        ``"cells"``: weights proportional to the frequencies within each mean's own cells
        (reproduces raw marginal means in a model with all interactions). The last two need
        ``fit.grid_counts``.
    level : float, default 0.95
    log : bool, optional
        Whether the fit's response is on the log scale; when true, geometric means
        (``response`` columns) are added. Default: the fit's ``log`` attribute if it has one.

    Returns
    -------
    MarginalMeans

    Raises
    ------
    ModelError
        A variable not in the grid, one in both ``variables`` and ``by``, unknown weights.

    Examples
    --------
    A cell-means model of two factors (coefficients are the four cell means):

    >>> import pandas as pd
    >>> class CellMeans:
    ...     coef = pd.Series([1.0, 2.0, 3.0, 5.0], index=["C", "D", "E", "DE"])
    ...     vcov = pd.DataFrame(np.eye(4) * 0.25, index=coef.index, columns=coef.index)
    ...     grid_variables = {"diet": (0, 1), "exercise": (0, 1)}
    ...     grid_counts = pd.DataFrame({"diet": [0, 1, 0, 1], "exercise": [0, 0, 1, 1],
    ...                                 "n": [10, 10, 30, 30]})
    ...     def model_rows(self, grid):
    ...         return np.eye(4)[grid["diet"].to_numpy() + 2 * grid["exercise"].to_numpy()]
    ...     def contrast_df(self, L):
    ...         return np.full(len(L), 76.0)
    >>> means = marginal_means(CellMeans(), "diet")
    >>> print(means.table.round(4).to_string(index=False))
     diet  estimate  std_error   df  conf_low  conf_high
        0       2.0     0.3536 76.0    1.2958     2.7042
        1       3.5     0.3536 76.0    2.7958     4.2042
    >>> marginal_means(CellMeans(), "diet", weights="proportional").table["estimate"].tolist()
    [2.5, 4.25]
    """
    spec = _names(variables, "variables")
    by_names = _names(by, "by")
    grid_vars = dict(fit.grid_variables)
    for name in (*spec, *by_names):
        if name not in grid_vars:
            raise ModelError(
                f"{name!r} is not a variable of the model's reference grid; its variables are "
                f"{', '.join(grid_vars) or 'none'}"
            )
    both = set(spec) & set(by_names)
    if both:
        raise ModelError(f"{', '.join(sorted(both))} given both in variables and in by")
    if not spec:
        raise ModelError("name at least one grid variable to give marginal means for")
    if weights not in WEIGHTS:
        raise ModelError(f"unknown weights {weights!r}; use one of {', '.join(WEIGHTS)}")
    log = _default_log(fit, log)

    grid = reference_grid(fit)
    rows = np.asarray(fit.model_rows(grid), dtype=float)
    if rows.shape != (len(grid), len(fit.coef)):
        raise ModelError(
            f"model_rows returned shape {rows.shape}; expected {(len(grid), len(fit.coef))}"
        )
    keep = (*spec, *by_names)
    codes = _codes(grid, grid_vars, keep)
    group, group_codes = _group_index(codes)
    w = _grid_weights(fit, grid, group, keep, weights)

    n_groups = group_codes.shape[0]
    weight_matrix = np.zeros((n_groups, len(grid)))
    weight_matrix[group, np.arange(len(grid))] = w
    estimable = np.all(np.isfinite(rows), axis=1)
    linfct = weight_matrix @ np.where(estimable[:, None], rows, 0.0)
    touches_bad = (weight_matrix[:, ~estimable] > 0).any(axis=1)
    empty = weight_matrix.sum(axis=1) <= 0
    linfct[touches_bad | empty] = np.nan

    table = pd.DataFrame(
        {name: [grid_vars[name][c] for c in group_codes[:, j]] for j, name in enumerate(keep)}
    )
    estimate, std_error, df = _estimate(fit, linfct)
    _, _, low, high = t_inference(estimate, std_error, df, level)
    table["estimate"] = estimate
    table["std_error"] = std_error
    table["df"] = df
    table["conf_low"] = low
    table["conf_high"] = high
    if log:
        table["response"] = np.exp(estimate)
        table["response_low"] = np.exp(low)
        table["response_high"] = np.exp(high)
    labels = tuple(_labels(table, spec, grid_vars))
    return MarginalMeans(
        table=table,
        linfct=linfct,
        variables=spec,
        by=by_names,
        weights=weights,
        level=level,
        log=log,
        labels=labels,
        fit=fit,
    )


def _names(value: str | Iterable[str], what: str) -> tuple[str, ...]:
    names = (value,) if isinstance(value, str) else tuple(value)
    if len(set(names)) != len(names):
        raise ModelError(f"{what} lists a variable twice: {names}")
    return names


def _default_log(fit: LinearFit, log: bool | None) -> bool:
    return bool(getattr(fit, "log", False)) if log is None else bool(log)


def _grid_weights(
    fit: LinearFit, grid: pd.DataFrame, group: np.ndarray, keep: Sequence[str], weights: str
) -> np.ndarray:
    """Weight of each grid point within its group (summing to one; NaN-free)."""
    if weights == "equal":
        counts = np.ones(len(grid))
    else:
        counts_table = getattr(fit, "grid_counts", None)
        if counts_table is None:
            raise ModelError(
                f"weights={weights!r} needs the fit's grid_counts (observations per factor "
                "combination); this fit does not provide them. Use weights='equal'"
            )
        factors = [c for c in counts_table.columns if c != "n"]
        cell = _cell_counts(grid, counts_table, factors)
        if weights == "cells":
            counts = cell
        else:
            averaged = [f for f in factors if f not in keep]
            if averaged:
                key = grid[averaged].astype(str).agg("\x1f".join, axis=1)
                counts = pd.Series(cell).groupby(key.to_numpy()).transform("sum").to_numpy()
            else:
                counts = np.ones(len(grid))
    counts = np.asarray(counts, dtype=float)
    totals = np.bincount(group, weights=counts)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = counts / totals[group]
    return np.where(np.isfinite(w), w, 0.0)


def _cell_counts(grid: pd.DataFrame, counts_table: pd.DataFrame, factors: list[str]) -> np.ndarray:
    if not factors:
        return np.full(len(grid), float(counts_table["n"].sum()))
    missing = [f for f in factors if f not in grid.columns]
    if missing:
        raise ModelError(f"grid_counts names {missing}, which are not grid variables")
    left = grid[factors].map(_key)
    right = counts_table.copy()
    for f in factors:
        right[f] = right[f].map(_key)
    merged = left.merge(right, on=factors, how="left")
    return merged["n"].fillna(0).to_numpy(dtype=float)


def _estimate(fit: LinearFit, linfct: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``L b``, ``sqrt(diag(L V L'))`` and the fit's df for the finite rows of ``L``."""
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


def _format_level(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return format_visit(float(value))
    return str(value)


def _labels(table: pd.DataFrame, names: Sequence[str], grid_vars: Mapping[str, tuple]) -> list[str]:
    """Arm names for (diet, exercise); ``name=level`` pairs otherwise."""
    if set(names) == {"diet", "exercise"} and all(
        {_key(v) for v in grid_vars[n]} <= {0, 1} for n in names
    ):
        codes = {code: arm for arm, code in ARM_CODES.items()}
        return [
            codes[(_key(d), _key(e))]
            for d, e in zip(table["diet"].tolist(), table["exercise"].tolist(), strict=True)
        ]
    if len(names) == 1 and table[names[0]].dtype.kind not in "biuf":
        return [str(v) for v in table[names[0]].tolist()]
    parts = [[f"{n}={_format_level(v)}" for v in table[n].tolist()] for n in names]
    return [", ".join(p) for p in zip(*parts, strict=True)]


# -- contrasts ----------------------------------------------------------------------------------


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
        See :mod:`lifestyle_trials.models.adjust`.
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
    log = _default_log(fit, log)
    estimate, std_error, df = _estimate(fit, L)
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


def contrast(
    means: MarginalMeans,
    method: str | Mapping[str, Sequence[float]] = "pairwise",
    *,
    by: str | Iterable[str] | None = None,
    adjust: str = "none",
    level: float | None = None,
    log: bool | None = None,
) -> Contrasts:
    """Contrasts among marginal means (R: ``contrast(emmeans(...), method, by, adjust)``).

    The means are split into groups by ``by`` (default: the means' own ``by``); within each
    group the same contrast coefficients apply to the means in grid order (the first variable
    varying fastest). Inference as in :func:`linear_contrasts`; the adjustment family is one
    ``by`` group.

    Parameters
    ----------
    means : MarginalMeans
        From :func:`marginal_means`.
    method : str or mapping
        ``"trt.vs.ctrl"``: each mean minus the first (``"diet vs control"``, ...);
        ``"pairwise"``: every earlier mean minus every later one (``"A vs B"`` = A - B);
        ``"revpairwise"``: every later mean minus every earlier one;
        ``"factorial"``: for means over two two-level factors A and B (levels in order
        untreated, treated), the main effects of A and B averaged over the other factor with
        equal weights, and the interaction ``(A1B1 - A0B1) - (A1B0 - A0B0)``, named ``A``,
        ``B`` and ``A:B``; a mapping ``{name: coefficients}`` gives custom contrasts, one
        coefficient per mean of a group, in grid order.
    by : str or iterable of str, optional
        Variables (of the means' ``variables`` or ``by``) to contrast within; e.g. means over
        ``("diet", "exercise")`` with ``by="exercise"`` and ``"trt.vs.ctrl"`` give the simple
        effects of diet within each exercise level.
    adjust : {"none", "holm", "bonferroni", "dunnett"}, default "none"
        Multiplicity adjustment within each ``by`` group; adds ``p_adjusted`` and adjusted
        limits. ``"dunnett"`` is the single-step multivariate-t adjustment (emmeans ``"mvt"``).
    level : float, optional
        Confidence level (default: the means' level).
    log : bool, optional
        Add ratio columns (default: the means' ``log``).

    Returns
    -------
    Contrasts

    Examples
    --------
    Cell means of a 2 × 2 design (coefficients are the four cell means):

    >>> import pandas as pd
    >>> class CellMeans:
    ...     coef = pd.Series([1.0, 2.0, 3.0, 5.0], index=["C", "D", "E", "DE"])
    ...     vcov = pd.DataFrame(np.eye(4) * 0.25, index=coef.index, columns=coef.index)
    ...     grid_variables = {"diet": (0, 1), "exercise": (0, 1)}
    ...     def model_rows(self, grid):
    ...         return np.eye(4)[grid["diet"].to_numpy() + 2 * grid["exercise"].to_numpy()]
    ...     def contrast_df(self, L):
    ...         return np.full(len(L), 76.0)
    >>> arms = marginal_means(CellMeans(), ["diet", "exercise"])
    >>> print(contrast(arms, "factorial").table.iloc[:, :4].to_string(index=False))
             term  estimate  std_error   df
             diet       1.5        0.5 76.0
         exercise       2.5        0.5 76.0
    diet:exercise       1.0        1.0 76.0
    >>> print(contrast(arms, "trt.vs.ctrl").table[["term", "estimate"]].to_string(index=False))
                        term  estimate
             diet vs control       1.0
         exercise vs control       2.0
    diet+exercise vs control       4.0
    """
    all_vars = (*means.variables, *means.by)
    by_names = means.by if by is None else _names(by, "by")
    unknown = [b for b in by_names if b not in all_vars]
    if unknown:
        raise ModelError(
            f"by variable(s) {', '.join(unknown)} are not among the means' variables "
            f"{', '.join(all_vars)}"
        )
    inner = tuple(v for v in all_vars if v not in by_names)
    if not inner:
        raise ModelError("nothing left to contrast: every variable of the means is a by variable")
    grid_vars = dict(means.fit.grid_variables)
    table = means.table
    inner_codes = _codes(table, grid_vars, inner)
    by_codes = _codes(table, grid_vars, by_names)
    order = np.lexsort(np.column_stack([inner_codes, by_codes]).T)
    by_group, by_unique = _group_index(by_codes[order])
    n_groups = by_unique.shape[0]
    size = len(table) // n_groups
    if size * n_groups != len(table):
        raise ModelError("the means do not form a complete grid; cannot contrast them")
    labels = _labels(table.iloc[order[:size]], inner, grid_vars)
    names, coefs = _method_coefficients(method, labels, inner, table.iloc[order[:size]], grid_vars)

    L_means = means.linfct[order].reshape(n_groups, size, -1)
    bad_means = ~np.all(np.isfinite(L_means), axis=2)  # (groups, size)
    rows = []
    terms: list[str] = []
    group_rows: list[int] = []
    for g in range(n_groups):
        clean = np.where(bad_means[g][:, None], 0.0, L_means[g])
        L = coefs @ clean
        touches = (np.abs(coefs[:, bad_means[g]]) > 0).any(axis=1)
        L[touches] = np.nan
        rows.append(L)
        terms += names
        group_rows += [g] * len(names)
    groups = None
    if by_names:
        first_in_group = order[np.searchsorted(by_group, np.arange(n_groups))]
        group_values = table.iloc[first_in_group][list(by_names)].reset_index(drop=True)
        groups = group_values.iloc[group_rows].reset_index(drop=True)
    return linear_contrasts(
        means.fit,
        np.vstack(rows),
        terms,
        groups=groups,
        adjust=adjust,
        level=means.level if level is None else level,
        log=means.log if log is None else log,
    )


def _method_coefficients(
    method: str | Mapping[str, Sequence[float]],
    labels: list[str],
    inner: Sequence[str],
    first_group: pd.DataFrame,
    grid_vars: Mapping[str, tuple],
) -> tuple[list[str], np.ndarray]:
    size = len(labels)
    if isinstance(method, Mapping):
        names = [str(k) for k in method]
        coefs = np.array([np.asarray(v, dtype=float) for v in method.values()])
        if coefs.ndim != 2 or coefs.shape[1] != size:
            raise ModelError(
                f"each contrast needs {size} coefficients, one per mean in the order "
                f"{', '.join(labels)}"
            )
        return names, coefs
    if method == "trt.vs.ctrl":
        coefs = np.zeros((size - 1, size))
        coefs[:, 0] = -1.0
        coefs[np.arange(size - 1), np.arange(1, size)] = 1.0
        return [f"{lab} vs {labels[0]}" for lab in labels[1:]], coefs
    if method in ("pairwise", "revpairwise"):
        i, j = np.triu_indices(size, k=1)
        coefs = np.zeros((len(i), size))
        sign = 1.0 if method == "pairwise" else -1.0
        coefs[np.arange(len(i)), i] = sign
        coefs[np.arange(len(i)), j] = -sign
        if method == "pairwise":
            return [f"{labels[a]} vs {labels[b]}" for a, b in zip(i, j, strict=True)], coefs
        return [f"{labels[b]} vs {labels[a]}" for a, b in zip(i, j, strict=True)], coefs
    if method == "factorial":
        if len(inner) != 2 or any(len(grid_vars[v]) != 2 for v in inner):
            raise ModelError(
                "the 'factorial' contrasts need means over exactly two two-level factors; "
                f"these means are over {', '.join(inner)}"
            )
        a, b = inner
        coefs = np.array([[-0.5, 0.5, -0.5, 0.5], [-0.5, -0.5, 0.5, 0.5], [1.0, -1.0, -1.0, 1.0]])
        return [a, b, f"{a}:{b}"], coefs
    raise ModelError(
        f"unknown contrast method {method!r}; use one of {', '.join(CONTRAST_METHODS)} "
        "or a mapping of names to coefficients"
    )
