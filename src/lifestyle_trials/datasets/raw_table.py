"""The table as a reader returns it, and the checks every file format shares.

:class:`Table` is what :func:`~lifestyle_trials.datasets.readers.read_table` returns for any
format: the frame as read, how to name the source and its rows in messages, the checksum of
the bytes read and what reading did. The helpers here refuse repeated column names, skip
empty rows (recording where they were) and build the error the readers raise.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import Problem, TrialDataError
from ..validation import RowLabeller

__all__ = [
    "DEFAULT_LIMITS",
    "ReadLimits",
    "Table",
    "check_cells",
    "check_duplicate_names",
    "drop_empty_rows",
    "empty_rows",
    "file_bytes",
    "read_error",
    "unnamed_columns",
]

_PLACEHOLDER = re.compile(r"Unnamed: \d+(_level_\d+)?")
"""The name pandas gives a column whose header cell is empty."""


@dataclass(frozen=True)
class ReadLimits:
    """The largest input read, judged from a file's metadata before its data are expanded.

    A compressed file can expand to far more than its size on disk (a Parquet file of a few
    hundred KiB can hold tens of millions of rows; an .xlsx workbook is zipped XML). Such a
    file is refused before it is read, with the limit to raise when the data are meant.

    Attributes
    ----------
    max_rows : int, default 5,000,000
        Rows of a Parquet file (from its metadata).
    max_xlsx_bytes : int, default 32 MiB
        Size of the XML in an .xlsx workbook once unzipped (from the zip directory).
    """

    max_rows: int = 5_000_000
    max_xlsx_bytes: int = 32 * 2**20

    def __post_init__(self) -> None:
        for name in ("max_rows", "max_xlsx_bytes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise TrialDataError(
                    [
                        Problem(
                            None,
                            f"{name} must be a whole number > 0, got {value!r}",
                            f"pass e.g. {name}={getattr(DEFAULT_LIMITS, name)}",
                        )
                    ],
                    "the arguments",
                )

    def refuse(self, label: str, what: str, found: int, name: str) -> TrialDataError:
        """The error for a file over the limit ``name``."""
        limit = getattr(self, name)
        return read_error(
            label,
            f"{what}: {found:,}, over the limit of {limit:,} ({name})",
            f"if the file is meant to be that large, pass a larger {name}= to read_trial "
            f"(in analysis.toml: {name} under [data.options])",
        )


@dataclass(frozen=True)
class Table:
    """A table as read from a source, before validation.

    Attributes
    ----------
    frame : DataFrame
        The columns and values as read (empty lines removed).
    label : str
        How to name the source in messages: the file name (and sheet), or "the DataFrame".
    sha256 : str
        SHA-256 of the bytes read (for a DataFrame: of its content, see
        :func:`lifestyle_trials.checksums.sha256_frame`).
    rows : callable
        0-based row positions of ``frame`` → labels (file lines, sheet rows, index labels).
    steps : tuple of str
        What reading did that a reader of the data should know (encoding, decimal comma,
        empty lines skipped).
    """

    frame: pd.DataFrame
    label: str
    sha256: str
    rows: RowLabeller
    steps: tuple[str, ...] = ()


DEFAULT_LIMITS = ReadLimits()
"""The limits :func:`~lifestyle_trials.read_trial` applies unless told otherwise."""


def read_error(label: str, message: str, hint: str, column: str | None = None) -> TrialDataError:
    """The error for one problem found while reading a source.

    Parameters
    ----------
    label : str
        The source, as :attr:`Table.label` names it.
    message : str
        What is wrong.
    hint : str
        What to do about it.
    column : str, optional
        The column the problem is about.

    Returns
    -------
    TrialDataError
    """
    return TrialDataError([Problem(column, message, hint)], label)


def file_bytes(path: Path) -> tuple[bytes, str]:
    """The bytes of a file and their SHA-256 (hex).

    Parameters
    ----------
    path : Path

    Returns
    -------
    tuple of (bytes, str)
    """
    raw = path.read_bytes()
    return raw, hashlib.sha256(raw).hexdigest()


def check_duplicate_names(names: list[str], label: str) -> None:
    """Refuse column names used more than once, naming their positions (from 1).

    Parameters
    ----------
    names : list of str
        The column names, in order.
    label : str
        The source, for the message.

    Raises
    ------
    TrialDataError
        One problem per repeated name.
    """
    seen: dict[str, list[int]] = {}
    for i, name in enumerate(names, start=1):
        seen.setdefault(name, []).append(i)
    problems = [
        Problem(
            name or None,
            f"column name {name!r} used {len(pos)} times (columns {', '.join(map(str, pos))})",
            "give every column its own name",
        )
        for name, pos in seen.items()
        if len(pos) > 1
    ]
    if problems:
        raise TrialDataError(problems, label)


def empty_rows(frame: pd.DataFrame) -> np.ndarray:
    """Rows with every value missing, found column by column until none can be.

    Parameters
    ----------
    frame : DataFrame

    Returns
    -------
    ndarray of bool
        One flag per row.
    """
    empty = np.ones(len(frame), dtype=bool)
    for i in range(frame.shape[1]):
        if not empty.any():
            break
        empty &= frame.iloc[:, i].isna().to_numpy()
    return empty


def drop_empty_rows(
    frame: pd.DataFrame,
    empty: np.ndarray,
    lines: np.ndarray,
    steps: list[str],
    noun: str,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Remove the empty rows, and record in ``steps`` where they were.

    Parameters
    ----------
    frame : DataFrame
    empty : ndarray of bool
        The rows to remove (see :func:`empty_rows`).
    lines : ndarray
        The number of each row in the source (file line, sheet row).
    steps : list of str
        What reading did; a step is appended when rows are removed.
    noun : str
        What ``lines`` count ("line", "record", "row").

    Returns
    -------
    tuple of (DataFrame, ndarray)
        The frame without the empty rows (index reset), and the numbers of the rows kept.
    """
    if not empty.any():
        return frame, lines
    n = int(empty.sum())
    shown = ", ".join(str(v) for v in lines[empty][:10])
    more = f" and {n - 10} more" if n > 10 else ""
    plural = "s" if n > 1 else ""
    steps.append(f"empty {noun}(s) skipped: {noun}{plural} {shown}{more}")
    keep = ~empty
    return frame.loc[keep].reset_index(drop=True), lines[keep]


def check_cells(frame: pd.DataFrame, label: str) -> None:
    """Refuse cells that hold lists, arrays, mappings or sets instead of one value.

    Raises
    ------
    TrialDataError
        One problem per column holding such cells, with the first rows.
    """
    problems = []
    for position, name in enumerate(frame.columns):
        column = frame.iloc[:, position]
        if column.dtype != object:
            continue
        nested = column.map(_is_nested).to_numpy(dtype=bool)
        if nested.any():
            first = [str(v) for v in frame.index[nested][:5]]
            problems.append(
                Problem(
                    str(name),
                    "cells holding several values (lists, arrays or records), "
                    f"e.g. at row(s) {', '.join(first)}",
                    "give one value per cell: one column per value, or one row per visit",
                )
            )
    if problems:
        raise TrialDataError(problems, label)


def _is_nested(value: object) -> bool:
    return isinstance(value, (list, tuple, dict, set, frozenset, np.ndarray, pd.Series))


def unnamed_columns(table: Table) -> Table:
    """Columns without a name in the header: dropped when they hold no value or are the
    row numbers pandas writes as its index (both recorded in ``steps``), else refused.

    A separator at the end of every line adds a column with no name and no value; a table
    written by :meth:`pandas.DataFrame.to_csv` without ``index=False`` starts with a column
    with no name holding 0, 1, 2, ...

    Raises
    ------
    TrialDataError
        A column with no name that holds values.

    Examples
    --------
    >>> from lifestyle_trials.validation import numbered_rows
    >>> frame = pd.DataFrame({"Unnamed: 0": [0, 1], "a": [5, 6], "Unnamed: 2": [None, None]})
    >>> table = unnamed_columns(Table(frame, "f.csv", "", numbered_rows([2, 3])))
    >>> list(table.frame.columns)
    ['a']
    >>> print("\\n".join(table.steps))
    column 1 has no name and holds the row numbers 0, 1, ... (an index written by pandas): not read
    column 3 has no name and no values (a separator at the end of the lines?): not read
    """
    frame = table.frame
    names = [str(c) for c in frame.columns]
    unnamed = [i for i, n in enumerate(names) if not n.strip() or _PLACEHOLDER.fullmatch(n)]
    if not unnamed:
        return table
    steps = list(table.steps)
    drop: list[int] = []
    problems = []
    for i in unnamed:
        column = frame.iloc[:, i]
        if column.isna().all():
            steps.append(
                f"column {i + 1} has no name and no values (a separator at the end of the "
                "lines?): not read"
            )
            drop.append(i)
        elif i == 0 and (start := _row_numbers(column)) is not None:
            steps.append(
                f"column 1 has no name and holds the row numbers {start}, {start + 1}, ... "
                "(an index written by pandas): not read"
            )
            drop.append(i)
        else:
            problems.append(
                Problem(
                    names[i],
                    f"column {i + 1} has no name in the header row but holds values",
                    "give it a name in the header row, or delete the column",
                )
            )
    if problems:
        raise TrialDataError(problems, table.label)
    kept = frame.iloc[:, [i for i in range(frame.shape[1]) if i not in drop]]
    return replace(table, frame=kept, steps=tuple(steps))


def _row_numbers(column: pd.Series) -> int | None:
    """0 or 1 when the column holds the integers 0, 1, 2, ... or 1, 2, 3, ...; else None."""
    if not pd.api.types.is_integer_dtype(column.dtype) or len(column) == 0:
        return None
    values = column.to_numpy()
    start = int(values[0])
    if start in (0, 1) and np.array_equal(values, np.arange(start, start + len(values))):
        return start
    return None
