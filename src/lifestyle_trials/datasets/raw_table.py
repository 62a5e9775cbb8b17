"""The table as a reader returns it, and the checks every file format shares.

:class:`Table` is what :func:`~lifestyle_trials.datasets.readers.read_table` returns for any
format: the frame as read, how to name the source and its rows in messages, the checksum of
the bytes read and what reading did. The helpers here refuse repeated column names, skip
empty rows (recording where they were) and build the error the readers raise.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import Problem, TrialDataError
from ..validation import RowLabeller

__all__ = [
    "Table",
    "check_duplicate_names",
    "drop_empty_rows",
    "empty_rows",
    "file_bytes",
    "read_error",
]


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
