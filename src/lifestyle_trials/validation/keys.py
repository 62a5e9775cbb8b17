"""The key of each row: its subject and its visit.

Subject ids are kept as written (trimmed); visits are numbers, time since randomisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import Problem
from ..factorize import ARROW_TEXT, factorize
from ..trial import format_visit
from .numeric import flag_infinite, numbers_from_text
from .rows import RowLabeller

__all__ = ["Subjects", "parse_subjects", "parse_visits"]


@dataclass(frozen=True)
class Subjects:
    """The subject of each row.

    Attributes
    ----------
    codes : ndarray of int64
        Code of each row's subject, in order of first appearance (-1 when missing).
    ids : Index of str
        The subject ids the codes index.
    written : Series or None
        The column as read, when it already holds the ids as text (no copy is made then).
    """

    codes: np.ndarray
    ids: pd.Index
    written: pd.Series | None = None

    def by_row(self) -> Any:
        """The id of each row as text (missing where the subject is)."""
        if self.written is not None:
            return self.written.array
        return self.ids.array.take(self.codes, allow_fill=True)


def parse_subjects(
    values: pd.Series, column: str, rows: RowLabeller, problems: list[Problem]
) -> Subjects:
    """Integer codes per row (-1 when missing) and the subject ids (text) they index.

    Ids are kept as written, trimmed of surrounding spaces; numbers written as floats
    (``1.0``, from a column with gaps) are shown as integers.

    Examples
    --------
    >>> from lifestyle_trials.validation.rows import numbered_rows
    >>> ids = pd.Series([" a", "b", "a "])
    >>> subjects = parse_subjects(ids, "id", numbered_rows([2, 3, 4]), [])
    >>> subjects.codes.tolist(), list(subjects.ids), list(subjects.by_row())
    ([0, 1, 0], ['a', 'b'], ['a', 'b', 'a'])
    """
    if pd.api.types.is_bool_dtype(values.dtype):
        problems.append(
            Problem(
                column,
                "subject ids are True/False values: this looks like a factor, not an id",
                "pass the column of subject ids as subject=...",
            )
        )
    codes, uniques = factorize(values)
    if values.dtype == object:
        _check_mixed_ids(values, codes, uniques, column, rows, problems)
    if pd.api.types.is_float_dtype(values.dtype):
        labels = pd.Index([format_visit(u) for u in np.asarray(uniques, dtype=float)], dtype=str)
        changed = True
    else:
        labels = pd.Index(uniques).astype(str)
        stripped = labels.str.strip()
        changed = bool((stripped != labels).any())
        labels = stripped
    blank = np.asarray(labels == "", dtype=bool)
    if blank.any():
        codes = np.where((codes >= 0) & np.append(blank, False)[codes], -1, codes)
    if changed and not labels.is_unique:
        # ids that differ only by surrounding spaces are the same subject
        merged, labels = pd.factorize(labels)
        codes = np.where(codes >= 0, merged[np.maximum(codes, 0)], -1)
        labels = pd.Index(labels, dtype=str)
    missing = codes < 0
    if missing.any():
        problems.append(
            Problem(
                column,
                "missing subject identifier",
                "give every row a subject id",
                rows=tuple(rows(np.flatnonzero(missing))),
            )
        )
    as_written = values.dtype == ARROW_TEXT and not changed and not blank.any()
    return Subjects(codes.astype(np.int64, copy=False), labels, values if as_written else None)


def _check_mixed_ids(
    values: pd.Series,
    codes: np.ndarray,
    uniques: Any,
    column: str,
    rows: RowLabeller,
    problems: list[Problem],
) -> None:
    """Ids of different types that print alike (the number 7 and the text "7") are refused:
    they would be two subjects to pandas but one in a file."""
    distinct = list(uniques)
    kinds = {type(u) for u in distinct}
    if len(kinds) < 2:
        return
    text = [str(u).strip() for u in distinct]
    seen: dict[str, list[int]] = {}
    for i, t in enumerate(text):
        seen.setdefault(t, []).append(i)
    clashes = [idx for idx in seen.values() if len({type(distinct[i]) for i in idx}) > 1]
    if not clashes:
        return
    shown = "; ".join(" and ".join(repr(distinct[i]) for i in idx) for idx in clashes[:5])
    positions = np.flatnonzero(np.isin(codes, [i for idx in clashes for i in idx]))
    problems.append(
        Problem(
            column,
            f"subject ids written both as numbers and as text print alike ({shown}): "
            "it is not clear whether they are one subject or two",
            "convert the column to one type, e.g. df[column] = df[column].astype(str)",
            rows=tuple(rows(positions)),
        )
    )


def parse_visits(
    values: pd.Series, column: str, rows: RowLabeller, problems: list[Problem]
) -> np.ndarray:
    """Visits as float (NaN where missing or not a number, with a problem recorded)."""
    if pd.api.types.is_bool_dtype(values.dtype):
        parsed = np.full(len(values), np.nan)
        missing = np.zeros(len(values), dtype=bool)
        text = np.ones(len(values), dtype=bool)
    elif pd.api.types.is_numeric_dtype(values.dtype):
        parsed = values.to_numpy(dtype=float, na_value=np.nan, copy=True)
        missing = np.isnan(parsed)
        text = np.zeros(len(values), dtype=bool)
    else:
        read = numbers_from_text(values)
        parsed = read.by_row(read.numbers, np.nan)
        missing = read.by_row(read.blank, True)
        text = read.by_row(read.failed, False)
    if missing.any():
        problems.append(
            Problem(
                column,
                "missing visit",
                "give every row a visit (time since randomisation)",
                rows=tuple(rows(np.flatnonzero(missing))),
            )
        )
    if text.any():
        examples = ", ".join(repr(v) for v in pd.unique(values[text].astype(str))[:5])
        problems.append(
            Problem(
                column,
                f"visits must be numbers (time since randomisation), found {examples}",
                "recode visits as numbers, e.g. 'Baseline' → 0, 'Month 12' → 12",
                rows=tuple(rows(np.flatnonzero(text))),
            )
        )
        parsed[text] = np.nan
    infinite = flag_infinite(
        parsed, column, "infinite visit", "give a finite time since randomisation", rows, problems
    )
    parsed[infinite] = np.nan
    return parsed
