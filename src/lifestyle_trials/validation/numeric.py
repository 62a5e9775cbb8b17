"""Numeric columns: numbers from text, infinite and non-positive values, units, plausibility.

Text columns are parsed once per distinct value. Values that are not numbers (``"<2.0"``),
infinite values and non-positive concentrations are problems; a median that suggests other
units than the declared ones is a warning with a hint.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import Problem, TrialDataWarning, UnitError
from ..factorize import factorize
from ..units import CANONICAL_UNITS, DEFAULT_UNITS, canonical_unit, to_canonical
from .rows import RowLabeller

__all__ = [
    "POSITIVE_COLUMNS",
    "TextNumbers",
    "check_declared_units",
    "check_positive",
    "flag_infinite",
    "numbers_from_text",
    "parse_numeric",
    "resolve_units",
    "warn_implausible",
]

POSITIVE_COLUMNS: tuple[str, ...] = ("glucose", "insulin", "homa_ir", "quicki", "matsuda")
"""Columns whose values must be > 0 (a zero concentration or index is a data or unit error)."""

_BLANK_TOKENS = frozenset({"", "na", "n/a", "nan", ".", "-", "missing"})
"""Text read as a missing value in a numeric column (after trimming and lower-casing)."""

# (column, unit) → (low, high, what it looks like): a median outside suggests the wrong unit.
_PLAUSIBLE_MEDIAN: dict[tuple[str, str], tuple[float, float, str]] = {
    ("insulin", "uU/mL"): (1.0, 60.0, "pmol/L; declare 'pmol/L' to convert"),
    ("insulin", "pmol/L"): (20.0, 360.0, "uU/mL (mU/L); declare 'uU/mL'"),
    ("glucose", "mmol/L"): (2.5, 30.0, "mg/dL; declare 'mg/dL' to convert"),
    ("glucose", "mg/dL"): (45.0, 540.0, "mmol/L; declare 'mmol/L'"),
    ("homa_ir", "1"): (0.1, 40.0, "HOMA-IR computed with insulin in pmol/L or glucose in mg/dL"),
    ("weight", "kg"): (30.0, 250.0, "pounds; declare units={'weight': 'lb'}"),
    ("bmi", "kg/m2"): (12.0, 70.0, "another quantity"),
}


@dataclass(frozen=True)
class TextNumbers:
    """A text column read as numbers, one parse per distinct value.

    Attributes
    ----------
    codes : ndarray of int64
        Code of each row's value (-1 where missing).
    uniques : Index
        The distinct values, as written.
    numbers : ndarray of float
        Each distinct value as a number (NaN when blank or not a number).
    blank, failed : ndarray of bool
        Distinct values that are blank (read as missing), and that are not numbers.
    """

    codes: np.ndarray
    uniques: Any
    numbers: np.ndarray
    blank: np.ndarray
    failed: np.ndarray

    def by_row(self, per_value: np.ndarray, missing: float | bool) -> np.ndarray:
        """Values per distinct value spread to the rows (``missing`` where the row is)."""
        return np.append(per_value, missing)[self.codes]


def numbers_from_text(values: pd.Series) -> TextNumbers:
    """Numbers from a text column, parsed once per distinct value.

    A long column of repeated text costs one factorisation; only the distinct values are
    parsed.

    Examples
    --------
    >>> read = numbers_from_text(pd.Series([" 5.6", "NA", "<2.0", " 5.6"]))
    >>> read.by_row(read.numbers, np.nan).tolist(), read.by_row(read.failed, False).tolist()
    ([5.6, nan, nan, 5.6], [False, False, True, False])
    """
    codes, uniques = factorize(values)
    text = pd.Series(np.asarray(uniques, dtype=object), dtype=object).map(_clean_token)
    numbers = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    blank = text.isna().to_numpy()
    return TextNumbers(codes, uniques, numbers, blank, np.isnan(numbers) & ~blank)


def _clean_token(value: object) -> object:
    if isinstance(value, (bool, np.bool_)):
        return float(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return value
    token = str(value).strip()
    return None if token.lower() in _BLANK_TOKENS else token


def flag_infinite(
    values: np.ndarray,
    column: str,
    message: str,
    hint: str,
    rows: RowLabeller,
    problems: list[Problem],
) -> np.ndarray:
    """Rows whose value is infinite, recorded as a problem when there are any."""
    inf = np.isinf(values)
    if inf.any():
        problems.append(Problem(column, message, hint, rows=tuple(rows(np.flatnonzero(inf)))))
    return inf


def parse_numeric(
    values: pd.Series, column: str, rows: RowLabeller, problems: list[Problem]
) -> tuple[np.ndarray | None, tuple[np.ndarray, Any] | None]:
    """Numeric values of a column, or None for a text column (no value is a number), and the
    factorisation of a text column (codes, distinct values), to be reused."""
    if pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_numeric_dtype(values.dtype):
        arr = values.to_numpy(dtype=float, na_value=np.nan)
    elif pd.api.types.is_datetime64_any_dtype(values.dtype):
        return None, factorize(values)
    else:
        read = numbers_from_text(values)
        text_only = not np.isfinite(read.numbers).any() and column not in DEFAULT_UNITS
        if read.failed.any() and text_only:
            return None, (read.codes, read.uniques)
        arr = read.by_row(read.numbers, np.nan)
        if read.failed.any():
            failed = read.by_row(read.failed, False)
            failed_pos = np.flatnonzero(failed)
            examples = ", ".join(repr(v) for v in pd.unique(values.iloc[failed_pos])[:5])
            problems.append(
                Problem(
                    column,
                    f"{len(failed_pos)} non-numeric value(s) in a numeric column: {examples}",
                    "replace censored values such as '<2.0' with a number or leave them empty "
                    "(missing); a decimal comma needs decimal=',' or a file whose numbers all "
                    "use the same decimal mark",
                    rows=tuple(rows(failed_pos)),
                )
            )
    flag_infinite(
        arr, column, "infinite value(s)", "replace with a number or leave empty", rows, problems
    )
    return arr, None


def check_positive(
    numeric: Mapping[str, np.ndarray], rows: RowLabeller, problems: list[Problem]
) -> None:
    """Glucose, insulin and the indices must be > 0 where given."""
    for col in POSITIVE_COLUMNS:
        if col in numeric:
            nonpos = (numeric[col] <= 0) & np.isfinite(numeric[col])
            if nonpos.any():
                problems.append(
                    Problem(
                        col,
                        f"{int(nonpos.sum())} value(s) <= 0",
                        "it must be positive: a 0 or negative value is a data entry or unit "
                        "error; correct it or leave it empty (missing)",
                        rows=tuple(rows(np.flatnonzero(nonpos))),
                    )
                )


def check_declared_units(
    declared: Mapping[str, str], columns: list[str], problems: list[Problem]
) -> None:
    """Units must be declared for columns that are in the data."""
    unknown = [c for c in declared if c not in columns]
    if unknown:
        problems.append(
            Problem(
                None,
                f"units declared for column(s) not in the data: {', '.join(unknown)}",
                f"check the spelling of the units mapping; columns found: {', '.join(columns)}",
            )
        )


def resolve_units(
    values: Mapping[str, np.ndarray],
    declared: Mapping[str, str],
    insulin_factor: float,
    problems: list[Problem],
    steps: list[str],
) -> tuple[dict[str, np.ndarray], dict[str, str], dict[str, tuple[np.ndarray, str]]]:
    """Unit of each numeric column, glucose and insulin converted to the package's units.

    Returns the converted columns (only those that changed), the unit of every column after
    conversion, and each column's values and unit as declared (for the plausibility hints).
    """
    converted: dict[str, np.ndarray] = {}
    unit_of: dict[str, str] = {}
    declared_as: dict[str, tuple[np.ndarray, str]] = {}
    for col, column_values in values.items():
        unit = declared.get(col) or DEFAULT_UNITS.get(col, "")
        if col in CANONICAL_UNITS:
            try:
                declared_as[col] = (column_values, canonical_unit(col, unit))
                changed, note = to_canonical(column_values, col, unit, insulin_factor)
            except UnitError as exc:
                problems.append(Problem(col, str(exc), "declare a unit this package knows"))
                continue
            if note:
                converted[col] = changed
                steps.append(note)
            unit = CANONICAL_UNITS[col]
        else:
            declared_as[col] = (column_values, unit)
        unit_of[col] = unit
    return converted, unit_of, declared_as


def warn_implausible(values: np.ndarray, column: str, unit: str, source: str) -> None:
    """Warn when the median of a column suggests other units than the declared one."""
    bounds = _PLAUSIBLE_MEDIAN.get((column, unit))
    if bounds is None:
        return
    step = max(1, len(values) // 100_000)  # a fixed systematic sample is enough for a hint
    sample = values[::step]
    finite = sample[np.isfinite(sample)]
    if finite.size == 0:
        return
    low, high, suggestion = bounds
    median = float(np.median(finite))
    if not low <= median <= high:
        warnings.warn(
            f"{source}: column {column!r} has median {median:.3g}, implausible for {unit}; "
            f"it looks like {suggestion}. Declare the unit with units={{{column!r}: ...}}",
            TrialDataWarning,
            stacklevel=4,
        )
