"""Contrasts among marginal means: the named kinds, custom coefficients and ``by`` groups.

The means are split into groups by ``by``; within each group the same coefficients apply to
the means in grid order (the first variable varying fastest, so means over
``("diet", "exercise")`` come in the canonical arm order control, diet, exercise,
diet+exercise). Each contrast is a linear function of the coefficients, with the inference of
:func:`~lifestyle_trials.models.contrasts.linear_contrasts`.

Differences from emmeans, stated: contrast names read ``"A vs B"`` for the estimate A - B
(emmeans writes ``"A - B"``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ModelError
from .contrasts import Contrasts, linear_contrasts
from .grid import group_index, level_codes, level_labels, variable_names

if TYPE_CHECKING:
    from .marginal import MarginalMeans

__all__ = ["CONTRAST_METHODS", "contrast", "contrast_coefficients"]

CONTRAST_METHODS: tuple[str, ...] = ("trt.vs.ctrl", "pairwise", "revpairwise", "factorial")
"""Named contrast families accepted by :func:`contrast`."""


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
    varying fastest). Inference as in
    :func:`~lifestyle_trials.models.contrasts.linear_contrasts`; the adjustment family is one
    ``by`` group.

    Parameters
    ----------
    means : MarginalMeans
        From :func:`~lifestyle_trials.models.marginal.marginal_means`.
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
    >>> from lifestyle_trials.models.marginal import marginal_means
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
    by_names = means.by if by is None else variable_names(by, "by")
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
    inner_codes = level_codes(table, grid_vars, inner)
    by_codes = level_codes(table, grid_vars, by_names)
    order = np.lexsort(np.column_stack([inner_codes, by_codes]).T)
    by_group, by_unique = group_index(by_codes[order])
    n_groups = by_unique.shape[0]
    size = len(table) // n_groups
    if size * n_groups != len(table):
        raise ModelError("the means do not form a complete grid; cannot contrast them")
    labels = level_labels(table.iloc[order[:size]], inner, grid_vars)
    names, coefs = contrast_coefficients(method, labels, inner, grid_vars)

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


def contrast_coefficients(
    method: str | Mapping[str, Sequence[float]],
    labels: list[str],
    inner: Sequence[str],
    grid_vars: Mapping[str, tuple[Any, ...]],
) -> tuple[list[str], np.ndarray]:
    """Names and coefficients of the contrasts of one group of means.

    Parameters
    ----------
    method : str or mapping
        One of :data:`CONTRAST_METHODS`, or ``{name: coefficients}`` (see :func:`contrast`).
    labels : sequence of str
        Label of each mean of the group, in grid order.
    inner : sequence of str
        The variables the means of a group differ in.
    grid_vars : mapping
        The fit's ``grid_variables``.

    Returns
    -------
    names : list of str
    coefficients : ndarray of shape (contrasts, len(labels))

    Examples
    --------
    >>> names, coefs = contrast_coefficients("pairwise", ["a", "b", "c"], ["g"], {})
    >>> names
    ['a vs b', 'a vs c', 'b vs c']
    >>> coefs
    array([[ 1., -1.,  0.],
           [ 1.,  0., -1.],
           [ 0.,  1., -1.]])
    """
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
