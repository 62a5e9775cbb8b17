"""Marginal means of any linear model of the package (emmeans for Python): the entry point.

Everything here works through the :class:`~lifestyle_trials.models.results.LinearFit`
protocol, so it serves the ANCOVA, the MMRM and random-effects models alike:

1. the *reference grid* is every combination of the levels of ``fit.grid_variables`` (design
   factors at each level, numeric covariates at the one value they are held at, by default
   their mean; :mod:`~lifestyle_trials.models.grid`);
2. a *marginal mean* (estimated marginal mean, least-squares mean) is a weighted average of
   the model's predictions over the grid points that share the levels of the variables asked
   for, averaging over the other factors with equal weights (the default, as in emmeans) or
   with weights proportional to their frequencies (:func:`marginal_means`);
3. a *contrast* is a linear combination of marginal means (:func:`contrast`, in
   :mod:`~lifestyle_trials.models.mean_contrasts`) or, most generally, of the coefficients
   (:func:`linear_contrasts`, in :mod:`~lifestyle_trials.models.contrasts`): estimate
   ``L b``, standard error ``sqrt(diag(L V L'))``, the df the fit gives for ``L`` (residual df
   for least squares, Satterthwaite for mixed models), t, p and a confidence interval,
   optionally adjusted for multiplicity within each ``by`` group.

The names of those modules are importable from here too.

The numbers equal R's emmeans (Lenth 2023) for the same model and weights; the reference cases
in the test suite check them to 1e-8 relative for least-squares fits.

Order of the grid and of means: the first variable varies fastest (as in emmeans), so means
over ``("diet", "exercise")`` come in the canonical arm order control, diet, exercise,
diet+exercise; contrast coefficients given by the user follow the same order.

References
----------
Searle SR, Speed FM, Milliken GA. Population marginal means in the linear model: an
alternative to least squares means. Am Stat 1980;34:216-21. doi:10.1080/00031305.1980.10483031
Lenth RV. emmeans: Estimated marginal means, aka least-squares means. R package,
https://CRAN.R-project.org/package=emmeans
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import ModelError
from .contrasts import Contrasts, estimate_linear, is_log, linear_contrasts
from .grid import (
    WEIGHTS,
    count_grid,
    grid_weights,
    group_index,
    level_codes,
    level_labels,
    reference_grid,
    variable_names,
)
from .mean_contrasts import CONTRAST_METHODS, contrast
from .results import LinearFit, t_inference

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
    spec = variable_names(variables, "variables")
    by_names = variable_names(by, "by")
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
    log = is_log(fit, log)

    grid = reference_grid(fit)
    rows = np.asarray(fit.model_rows(grid), dtype=float)
    if rows.shape != (len(grid), len(fit.coef)):
        raise ModelError(
            f"model_rows returned shape {rows.shape}; expected {(len(grid), len(fit.coef))}"
        )
    keep = (*spec, *by_names)
    codes = level_codes(grid, grid_vars, keep)
    group, group_codes = group_index(codes)
    w = grid_weights(fit, grid, group, keep, weights)

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
    estimate, std_error, df = estimate_linear(fit, linfct)
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
    labels = tuple(level_labels(table, spec, grid_vars))
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
