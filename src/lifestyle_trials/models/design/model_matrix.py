"""One builder of design matrices: a formula's fixed part and a table become named columns.

The fixed part of a formula (``"RACE + SEX + ARMCD * AVISIT"``) is parsed and expanded by
formulaic, with R's conventions: treatment coding (the first level is the reference), the
levels of a text column sorted, those of a pandas Categorical in its category order (unused
categories dropped), terms ordered by degree as R's ``terms()`` orders them. Columns carry R's
names (``(Intercept)``, ``ARMCDTRT``, ``ARMCDTRT:AVISITVIS2``; a numeric factor level is
written as a visit is, ``visit12``), so a coefficient table reads as R's ``summary()``.

The same :class:`DesignModel` builds the rows of a reference grid (marginal means, type III
tests): every factor at each of its levels, numeric variables at one value (their mean, as
emmeans holds covariates).

Two options serve models whose tables follow the formula as written: ``contrasts="sum"``
codes every factor with sum-to-zero contrasts (R's ``contr.sum``: level ``j < k`` of a
``k``-level factor is the unit vector ``e_j``, the last level ``-1`` in every column; columns
named as R names them, ``sex1``, ``sex2``), the coding type III tests need; ``ordering="none"``
keeps the terms in the order written instead of R's order by degree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import formulaic
import numpy as np
import pandas as pd

from ...errors import ModelError
from ...trial import format_visit

__all__ = [
    "CONTRASTS",
    "ORDERINGS",
    "DesignModel",
    "design_model",
    "factor_levels",
    "level_positions",
]

CONTRASTS: tuple[str, ...] = ("treatment", "sum")
"""Codings of the factors: R's ``contr.treatment`` (the default) and ``contr.sum``."""

ORDERINGS: tuple[str, ...] = ("degree", "none")
"""Orders of the terms: R's (by degree, as ``terms()``) or as written."""


@dataclass(frozen=True, eq=False)
class DesignModel:
    """The fixed effects of a model: how to turn a table into its design matrix.

    Attributes
    ----------
    fixed : str
        The right-hand side of the fixed part, as formulaic reads it.
    columns : tuple of str
        Names of the coefficients, in order (R's names).
    terms : tuple of str
        The model term of each column (``"(Intercept)"``, ``"ARMCD"``, ``"ARMCD:AVISIT"``).
    grid_variables : Mapping[str, tuple]
        Reference-grid variables: each factor with its levels, each numeric variable with the
        one value it is held at.
    levels : Mapping[str, tuple]
        The factors of the model (and numeric variables given levels by the caller) with
        their levels, the first the reference.
    means : Mapping[str, float]
        The value each numeric variable is held at in the grid.
    visit : str or None
        The column the covariance is over (a factor of the model or not).
    visits : tuple
        The levels of ``visit``, in order.
    contrasts : {"treatment", "sum"}
        The coding of the factors.
    """

    fixed: str
    columns: tuple[str, ...]
    terms: tuple[str, ...]
    grid_variables: Mapping[str, tuple[Any, ...]]
    levels: Mapping[str, tuple[Any, ...]]
    means: Mapping[str, float]
    visit: str | None = None
    visits: tuple[Any, ...] = ()
    _spec: Any = field(default=None, repr=False)
    _categorical: tuple[str, ...] = ()
    _keep: np.ndarray | None = field(default=None, repr=False)
    x: np.ndarray | None = field(default=None, repr=False)
    """The design matrix of the rows the model was built from."""
    contrasts: str = "treatment"
    """The coding of the factors: ``"treatment"`` or ``"sum"`` (sum-to-zero)."""
    _recipe: tuple[tuple[tuple[str, int], ...], ...] | None = field(default=None, repr=False)
    """Each column as a product of variables (level ``-1``) and indicators of factor levels
    (their position), when every column is such a product (checked against formulaic on the
    rows the model was built from): grid rows are then built without formulaic."""

    @property
    def factors(self) -> tuple[str, ...]:
        """Grid variables with levels (the others are numeric, held at one value)."""
        return tuple(self.levels)

    @property
    def numeric(self) -> tuple[str, ...]:
        """Numeric variables held at their mean in the grid."""
        return tuple(self.means)

    @property
    def visit_labels(self) -> tuple[str, ...]:
        """The visits as text (numbers as the reports write them)."""
        return tuple(level_label(v) for v in self.visits)

    def matrix(self, frame: pd.DataFrame) -> np.ndarray:
        """The design-matrix rows of the rows of ``frame`` (analysed rows or grid points).

        Raises
        ------
        ModelError
            A column of the model missing from ``frame``, or a factor level the model was not
            fitted with.
        """
        needed = list(self.grid_variables)
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise ModelError(f"the table lacks the column(s) {', '.join(missing)} of the model")
        if self._recipe is not None:
            try:
                values = {
                    name: level_positions(frame[name], self.levels[name], name)
                    if name in self._categorical
                    else frame[name].to_numpy(dtype=float)
                    for name in needed
                }
            except (TypeError, ValueError):  # not numbers: formulaic says what is wrong
                values = {}
            if values and all(np.all(np.isfinite(v)) for v in values.values()):
                return _product_columns(self._recipe, values, len(frame))
        data = pd.DataFrame(index=pd.RangeIndex(len(frame)))
        for name in needed:
            values = frame[name].reset_index(drop=True)
            if name in self._categorical:
                values = _as_levels(values, self.levels[name], name)
            data[name] = values
        out = np.asarray(self._spec.get_model_matrix(data, output="numpy"), dtype=float)
        return out if self._keep is None else out[:, self._keep]


def level_label(value: Any) -> str:
    """A factor level as it appears in a column name (R's ``paste0(name, level)``).

    Examples
    --------
    >>> level_label(12.0), level_label("TRT"), level_label(True)
    ('12', 'TRT', 'TRUE')
    """
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (float, np.floating, int, np.integer)):
        return format_visit(float(value))
    return str(value)


def factor_levels(values: pd.Series) -> tuple[Any, ...] | None:
    """The levels of a column used as a factor, in R's order; None for a numeric column.

    A pandas Categorical keeps its category order (unused categories dropped), text is
    sorted, booleans are ``(False, True)``.

    Examples
    --------
    >>> factor_levels(pd.Series(["b", "a", "b"]))
    ('a', 'b')
    >>> factor_levels(pd.Series(pd.Categorical(["lo", "hi"], categories=["lo", "mid", "hi"])))
    ('lo', 'hi')
    >>> factor_levels(pd.Series([1.5, 2.0])) is None
    True
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        used = np.bincount(codes[codes >= 0], minlength=len(values.cat.categories)) > 0
        return tuple(values.cat.categories[used])
    if pd.api.types.is_bool_dtype(values):
        return tuple(v for v in (False, True) if v in set(values.dropna()))
    if pd.api.types.is_numeric_dtype(values):
        return None
    return tuple(sorted(values.dropna().unique(), key=str))


def _as_levels(values: pd.Series, levels: tuple[Any, ...], name: str) -> pd.Series:
    codes = level_positions(values, levels, name)
    return pd.Series(pd.Categorical.from_codes(codes, categories=pd.Index(levels)))


def level_positions(values: pd.Series, levels: Sequence[Any], name: str) -> np.ndarray:
    """The position of each value among ``levels`` (values compared as Python objects, so
    ``1.0`` finds ``1``); each distinct value is looked up once.

    Raises
    ------
    ModelError
        A value not among ``levels`` (missing values included), naming them.

    Examples
    --------
    >>> level_positions(pd.Series(["b", "a", "b"]), ("a", "b"), "arm")
    array([1, 0, 1])
    """
    categorical = isinstance(values.dtype, pd.CategoricalDtype)
    if len(values) <= _FEW_ROWS:  # a grid: a dictionary beats building indexes
        position = {level: i for i, level in enumerate(levels)}
        few = np.array([position.get(v, -1) for v in values.tolist()], dtype=np.intp)
        if np.all(few >= 0):
            return few
    known = pd.Index(list(levels))
    if categorical:
        value_codes = values.cat.codes.to_numpy()
        distinct: Any = values.cat.categories
    else:
        value_codes, distinct = pd.factorize(values)
    # the position of each distinct value, then -1 for the code -1 of a missing value
    lookup = np.append(known.get_indexer(np.asarray(distinct, dtype=object)), -1)
    codes = lookup[value_codes]
    if np.any(codes < 0):
        raw = values.astype(object) if categorical else values
        bad = sorted({level_label(v) for v in raw[codes < 0]})
        raise ModelError(
            f"{name!r} has level(s) {', '.join(bad)} not in the model; its levels are "
            f"{', '.join(map(str, levels))}"
        )
    return codes


def _column_recipe(
    spec: Any, levels: Mapping[str, tuple[Any, ...]], numeric: Sequence[str]
) -> tuple[tuple[tuple[str, int], ...], ...] | None:
    """Each of formulaic's columns as the product of numeric variables (``(name, -1)``) and
    indicators of factor levels (``(name, position)``); None when a column is anything else
    (a transform, another coding)."""
    pieces: dict[str, tuple[str, int]] = {name: (name, -1) for name in numeric}
    for name, lev in levels.items():
        for i, value in enumerate(lev):
            pieces[f"{name}[T.{value}]"] = pieces[f"{name}[{value}]"] = (name, i)
    recipe = []
    for part in spec.structure:
        for col in part.columns:
            factors = () if col == "Intercept" else tuple(pieces.get(p) for p in col.split(":"))
            if any(f is None for f in factors):
                return None
            recipe.append(factors)
    return tuple(recipe)  # type: ignore[arg-type]


def _product_columns(
    recipe: tuple[tuple[tuple[str, int], ...], ...], values: Mapping[str, np.ndarray], n: int
) -> np.ndarray:
    """The columns of ``recipe`` from the variables' values (level positions for factors)."""
    out = np.empty((len(recipe), n))  # a column per row: contiguous writes, one transpose
    made: dict[tuple[str, int], np.ndarray] = {}
    for j, factors in enumerate(recipe):
        column = None
        for name, level in factors:
            factor = made.get((name, level))
            if factor is None:
                v = values[name]
                factor = made[name, level] = v if level < 0 else (v == level).astype(float)
            column = factor if column is None else column * factor
        out[j] = 1.0 if column is None else column
    return np.ascontiguousarray(out.T)


def design_model(
    frame: pd.DataFrame,
    fixed: str,
    *,
    visit: str | None = None,
    levels: Mapping[str, Sequence[Any]] | None = None,
    means: Mapping[str, float] | None = None,
    drop: Callable[[str, str], bool] | None = None,
    contrasts: str = "treatment",
    ordering: str = "degree",
) -> DesignModel:
    """The fixed-effects model ``fixed`` over the rows of ``frame``.

    Parameters
    ----------
    frame : DataFrame
        The analysed rows (no missing values in the model's columns).
    fixed : str
        Right-hand side of the fixed part (formulaic/R syntax: ``a * b``, ``a:b``, ``-1``).
    visit : str, optional
        The column the covariance is over; its levels become ``visits``.
    levels : mapping, optional
        Levels of variables to use as grid factors, in order: for numeric 0/1 columns that
        enter the model as numbers but are averaged over as factors (e.g. diet, exercise),
        or to fix the order of a factor's levels.
    means : mapping, optional
        The value a numeric variable is held at in the grid (default: its mean over the rows
        of ``frame``, as emmeans).
    drop : callable, optional
        ``drop(column, term)`` true for columns to leave out (constraints such as no
        treatment effect at the baseline visit).
    contrasts : {"treatment", "sum"}, default "treatment"
        The coding of every factor: treatment (the first level the reference) or
        sum-to-zero (R's ``contr.sum``, for type III tests). Numeric variables given levels
        stay numeric; pass them as a Categorical to code them as factors.
    ordering : {"degree", "none"}, default "degree"
        The order of the terms: by degree, as R orders them, or as written in ``fixed``.

    Returns
    -------
    DesignModel

    Raises
    ------
    ModelError
        A column the formula names that ``frame`` lacks; a factor with a single level; a
        formula formulaic cannot read.

    Examples
    --------
    >>> frame = pd.DataFrame({"y": [1.0, 2, 3, 4], "arm": ["b", "a", "b", "a"],
    ...                       "visit": [3.0, 3.0, 12.0, 12.0], "age": [50.0, 60, 50, 60]})
    >>> frame["visit"] = pd.Categorical(frame["visit"])
    >>> model = design_model(frame, "age + arm * visit", visit="visit")
    >>> model.columns
    ('(Intercept)', 'age', 'armb', 'visit12', 'armb:visit12')
    >>> dict(model.grid_variables)
    {'age': (55.0,), 'arm': ('a', 'b'), 'visit': (3.0, 12.0)}

    Sum-to-zero coding, the terms in the order written:

    >>> summed = design_model(frame, "arm * visit + age", contrasts="sum", ordering="none")
    >>> summed.columns, summed.terms[1:]
    (('(Intercept)', 'arm1', 'visit1', 'arm1:visit1', 'age'), ('arm', 'visit', 'arm:visit', 'age'))
    >>> summed.x[:, 1:4]
    array([[-1.,  1., -1.],
           [ 1.,  1.,  1.],
           [-1., -1.,  1.],
           [ 1., -1., -1.]])
    """
    if contrasts not in CONTRASTS:
        raise ModelError(f"unknown contrasts {contrasts!r}; use one of {', '.join(CONTRASTS)}")
    if ordering not in ORDERINGS:
        raise ModelError(f"unknown ordering {ordering!r}; use one of {', '.join(ORDERINGS)}")
    try:
        parsed = formulaic.Formula(fixed)
        required = [str(v) for v in parsed.required_variables]
    except Exception as exc:  # formulaic raises its own error types for unreadable formulas
        raise ModelError(f"cannot read the formula part {fixed!r}: {exc}") from None
    missing = sorted(v for v in required if v not in frame.columns)
    if missing:
        raise ModelError(
            f"the formula names column(s) {', '.join(repr(m) for m in missing)} that the data "
            f"do not have; its columns are {', '.join(map(str, frame.columns))}"
        )
    given = {k: tuple(v) for k, v in (levels or {}).items()}
    order = [n for n in given if n in required]
    order += [n for n in _appearance(fixed, required) if n not in given]
    found_levels: dict[str, tuple[Any, ...]] = {}
    categorical: list[str] = []
    prepared: dict[str, pd.Series] = {}
    for name in order:
        values = frame[name].reset_index(drop=True)
        lev = factor_levels(values)
        if lev is not None or (name in given and not pd.api.types.is_numeric_dtype(values)):
            lev = given[name] if name in given else lev
            if lev is None:  # excluded by the condition above; narrows the type
                continue
            require_levels(lev, name)
            values = _as_levels(values, lev, name)
            categorical.append(name)
            found_levels[name] = lev
        elif name in given:
            found_levels[name] = given[name]
        prepared[name] = values
    data = pd.DataFrame(prepared, index=pd.RangeIndex(len(frame)))
    coded = {name: _sum_coded(name) for name in categorical} if contrasts == "sum" else {}
    formula = parsed
    if coded or ordering != "degree":
        try:
            formula = formulaic.Formula(_recoded(fixed, coded), _ordering=ordering)
        except Exception as exc:  # formulaic's own error types
            raise ModelError(f"cannot build the design matrix of {fixed!r}: {exc}") from None
    x, spec, recipe = _materialise(
        formula,
        fixed,
        data,
        {n: found_levels[n] for n in categorical},
        [n for n in order if n not in categorical],
    )
    columns, terms = _r_names(spec, found_levels, coded)
    keep = None
    if drop is not None:
        mask = np.array([not drop(c, t) for c, t in zip(columns, terms, strict=True)])
        keep = np.flatnonzero(mask)
        x = x[:, keep]
        columns = tuple(c for c, k in zip(columns, mask, strict=True) if k)
        terms = tuple(t for t, k in zip(terms, mask, strict=True) if k)
        recipe = None if recipe is None else tuple(recipe[i] for i in keep)
    held = {
        name: float(means[name]) if means and name in means else float(data[name].mean())
        for name in order
        if name not in found_levels
    }
    grid: dict[str, tuple[Any, ...]] = {
        name: found_levels[name] if name in found_levels else (held[name],) for name in order
    }
    visits: tuple[Any, ...] = ()
    if visit is not None:
        if visit in found_levels:
            visits = found_levels[visit]
        elif visit in frame.columns:
            lev = factor_levels(frame[visit])
            visits = lev if lev is not None else tuple(sorted(frame[visit].unique()))
    return DesignModel(
        fixed=fixed,
        columns=columns,
        terms=terms,
        grid_variables=MappingProxyType(grid),
        levels=MappingProxyType(found_levels),
        means=MappingProxyType(held),
        visit=visit,
        visits=visits,
        _spec=spec,
        _categorical=tuple(categorical),
        _keep=keep,
        x=x,
        contrasts=contrasts,
        _recipe=recipe,
    )


_SAMPLE_ROWS = 64
"""Rows formulaic reads to learn the columns of a large table."""

_FEW_ROWS = 256
"""Rows up to which level positions are looked up in a dictionary."""


def _materialise(
    formula: formulaic.Formula,
    fixed: str,
    data: pd.DataFrame,
    levels: Mapping[str, tuple[Any, ...]],
    numeric: Sequence[str],
) -> tuple[np.ndarray, Any, tuple[tuple[tuple[str, int], ...], ...] | None]:
    """The design matrix of ``data`` (factors as Categoricals of their ``levels``, the
    ``numeric`` variables as numbers), formulaic's model spec and the columns as products
    (see :func:`_column_recipe`; None when they are not).

    formulaic reads the first :data:`_SAMPLE_ROWS` rows to learn the columns (a factor's
    columns come from its categories, not from the rows); when every column is a product of
    variables and level indicators, and the products equal formulaic's columns on those rows,
    the rest are built as products. Otherwise formulaic builds the whole matrix.
    """
    values: dict[str, np.ndarray] = {n: data[n].cat.codes.to_numpy() for n in levels}
    try:
        values.update({n: data[n].to_numpy(dtype=float) for n in numeric})
        finite = all(bool(np.all(np.isfinite(values[n]))) for n in numeric)
    except (TypeError, ValueError):  # missing values of a nullable column: formulaic says so
        finite = False
    sample = data.iloc[:_SAMPLE_ROWS] if finite and len(data) > _SAMPLE_ROWS else data
    matrix = _formulaic(formula, sample, fixed)
    x = np.asarray(matrix, dtype=float)
    recipe = _column_recipe(matrix.model_spec, levels, numeric) if finite else None
    if recipe is not None:
        head = {n: v[: len(sample)] for n, v in values.items()}
        if not np.array_equal(_product_columns(recipe, head, len(sample)), x):
            recipe = None
    if sample is data:
        return x, matrix.model_spec, recipe
    if recipe is not None:
        return _product_columns(recipe, values, len(data)), matrix.model_spec, recipe
    matrix = _formulaic(formula, data, fixed)
    return np.asarray(matrix, dtype=float), matrix.model_spec, None


def _formulaic(formula: formulaic.Formula, data: pd.DataFrame, fixed: str) -> Any:
    try:
        return formulaic.model_matrix(formula, data, na_action="raise", output="numpy")
    except Exception as exc:
        raise ModelError(f"cannot build the design matrix of {fixed!r}: {exc}") from None


def require_levels(levels: tuple[Any, ...], name: str) -> None:
    """A factor needs two levels or more among the analysed rows."""
    if len(levels) < 2:
        raise ModelError(
            f"{name!r} has a single level among the analysed rows "
            f"({', '.join(map(str, levels)) or 'none'}); leave it out of the model"
        )


def _appearance(fixed: str, names: Sequence[str]) -> list[str]:
    """The variables in the order they first appear in the formula text."""

    def first(name: str) -> int:
        hits = [m.start() for m in _word(name).finditer(fixed)]
        return hits[0] if hits else len(fixed)

    return sorted(names, key=lambda n: (first(n), n))


def _word(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z0-9_.]){re.escape(name)}(?![A-Za-z0-9_.])")


def _sum_coded(name: str) -> str:
    """The formula text of ``name`` as a factor with sum-to-zero contrasts."""
    quoted = name if name.isidentifier() else f"`{name}`"
    return f"C({quoted}, contr.sum)"


def _recoded(fixed: str, coded: Mapping[str, str]) -> str:
    """``fixed`` with each variable of ``coded`` written as its coded expression (one pass)."""
    if not coded:
        return fixed
    names = sorted(coded, key=len, reverse=True)
    edge = "A-Za-z0-9_."
    pattern = "|".join(
        rf"`({re.escape(n)})`|(?<![{edge}])({re.escape(n)})(?![{edge}])" for n in names
    )

    def expression(match: re.Match[str]) -> str:
        return coded[next(g for g in match.groups() if g is not None)]

    return re.sub(pattern, expression, fixed)


def _r_names(
    spec: Any, levels: Mapping[str, tuple[Any, ...]], coded: Mapping[str, str] | None = None
) -> tuple[tuple[str, ...], ...]:
    """R's names of formulaic's columns and the term of each (``coded``: the expressions of
    sum-coded variables, named back; their columns numbered as R numbers ``contr.sum``)."""
    replace: dict[str, str] = {}
    for name, lev in levels.items():
        for value in lev:
            label = f"{name}{level_label(value)}"
            replace[f"{name}[T.{value}]"] = label
            replace[f"{name}[{value}]"] = label
    named = {expression: name for name, expression in (coded or {}).items()}
    for expression, name in named.items():
        for j, value in enumerate(levels[name][:-1], start=1):
            replace[f"{expression}[S.{value}]"] = f"{name}{j}"
    keys = sorted(replace, key=len, reverse=True)
    columns: list[str] = []
    terms: list[str] = []
    for part in spec.structure:
        term = str(part.term)
        term = "(Intercept)" if term == "1" else term
        if named:
            term = ":".join(named.get(piece, piece) for piece in term.split(":"))
        for col in part.columns:
            if col == "Intercept":
                columns.append("(Intercept)")
            else:
                pieces = []
                for piece in col.split(":"):
                    for key in keys:
                        if piece == key:
                            piece = replace[key]
                            break
                    pieces.append(piece)
                columns.append(":".join(pieces))
            terms.append(term)
    return tuple(columns), tuple(terms)
