"""The reference grid of a linear fit: its points, their grouping, weights and labels.

The *reference grid* is every combination of the levels of ``fit.grid_variables`` (design
factors at each level, numeric covariates at the one value they are held at, by default
their mean), the first variable varying fastest, as in emmeans. Marginal means
(:mod:`~lifestyle_trials.models.marginal`) average the model's predictions over groups of grid
points with the weights computed here; contrasts among means
(:mod:`~lifestyle_trials.models.mean_contrasts`) use the same grouping and labels.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..arms import ARM_CODES
from ..errors import ModelError
from ..trial import format_visit
from .results import LinearFit

__all__ = [
    "WEIGHTS",
    "count_grid",
    "grid_weights",
    "group_index",
    "level_codes",
    "level_labels",
    "reference_grid",
    "variable_names",
]

WEIGHTS: tuple[str, ...] = ("equal", "proportional", "cells")
"""Ways of averaging over the factors not asked for (see
:func:`~lifestyle_trials.models.marginal.marginal_means`)."""


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


def variable_names(value: str | Iterable[str], what: str) -> tuple[str, ...]:
    """Grid variable names given as one name or several, each at most once.

    Parameters
    ----------
    value : str or iterable of str
    what : str
        What the names are (``"variables"``, ``"by"``), for the error message.

    Returns
    -------
    tuple of str

    Raises
    ------
    ModelError
        A name given twice.
    """
    names = (value,) if isinstance(value, str) else tuple(value)
    if len(set(names)) != len(names):
        raise ModelError(f"{what} lists a variable twice: {names}")
    return names


def level_codes(
    grid: pd.DataFrame, variables: Mapping[str, tuple[Any, ...]], names: Sequence[str]
) -> np.ndarray:
    """Integer position of each grid value within its variable's levels.

    Parameters
    ----------
    grid : DataFrame
        Rows of grid points (or of means over them) with a column per name.
    variables : mapping
        The fit's ``grid_variables``.
    names : sequence of str

    Returns
    -------
    ndarray of int, shape (len(grid), len(names))
    """
    out = np.empty((len(grid), len(names)), dtype=np.int64)
    for j, name in enumerate(names):
        lookup = {_key(v): i for i, v in enumerate(variables[name])}
        out[:, j] = [lookup[_key(v)] for v in grid[name].tolist()]
    return out


def _key(value: Any) -> Any:
    """A level as a dictionary key: integral numbers as ``int``, so that 1.0 matches 1."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def group_index(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group the rows of ``codes`` by their values, groups ordered with the first column fastest.

    Parameters
    ----------
    codes : ndarray of int, shape (rows, variables)
        From :func:`level_codes`.

    Returns
    -------
    group : ndarray of int, shape (rows,)
        Group number of each row.
    unique : ndarray of int, shape (groups, variables)
        The codes of each group.
    """
    if codes.shape[1] == 0:
        return np.zeros(codes.shape[0], dtype=np.int64), np.zeros((1, 0), dtype=np.int64)
    unique, inverse = np.unique(codes[:, ::-1], axis=0, return_inverse=True)
    return inverse.ravel(), unique[:, ::-1]


def grid_weights(
    fit: LinearFit, grid: pd.DataFrame, group: np.ndarray, keep: Sequence[str], weights: str
) -> np.ndarray:
    """Weight of each grid point within its group (summing to one; NaN-free).

    Parameters
    ----------
    fit : LinearFit
        ``fit.grid_counts`` is read unless ``weights == "equal"``.
    grid : DataFrame
        From :func:`reference_grid`.
    group : ndarray of int
        Group (marginal mean) of each grid point, from :func:`group_index`.
    keep : sequence of str
        The variables the groups are defined by; the others are averaged over.
    weights : {"equal", "proportional", "cells"}
        See :func:`~lifestyle_trials.models.marginal.marginal_means`.

    Returns
    -------
    ndarray of float, shape (len(grid),)
        Zero for the points of a group that has no observations.
    """
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
        averaged = [f for f in factors if f not in keep]
        if weights == "cells":
            counts = cell
        elif averaged:
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
    """Observations at each grid point's combination of ``factors`` (0 where none)."""
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


def level_labels(
    table: pd.DataFrame, names: Sequence[str], variables: Mapping[str, tuple[Any, ...]]
) -> list[str]:
    """A readable label of each row's levels of ``names``.

    Arm names for (diet, exercise) coded 0/1; the level itself for one non-numeric variable;
    ``name=level`` pairs otherwise (visits formatted as in the reports).

    Parameters
    ----------
    table : DataFrame
        With a column per name.
    names : sequence of str
    variables : mapping
        The fit's ``grid_variables``.

    Returns
    -------
    list of str

    Examples
    --------
    >>> table = pd.DataFrame({"diet": [0, 1], "exercise": [1, 1]})
    >>> level_labels(table, ["diet", "exercise"], {"diet": (0, 1), "exercise": (0, 1)})
    ['exercise', 'diet+exercise']
    """
    if set(names) == {"diet", "exercise"} and all(
        {_key(v) for v in variables[n]} <= {0, 1} for n in names
    ):
        arms = {code: arm for arm, code in ARM_CODES.items()}
        return [
            arms[(_key(d), _key(e))]
            for d, e in zip(table["diet"].tolist(), table["exercise"].tolist(), strict=True)
        ]
    if len(names) == 1 and table[names[0]].dtype.kind not in "biuf":
        return [str(v) for v in table[names[0]].tolist()]
    parts = [[f"{n}={_format_level(v)}" for v in table[n].tolist()] for n in names]
    return [", ".join(p) for p in zip(*parts, strict=True)]


def _format_level(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return format_visit(float(value))
    return str(value)
