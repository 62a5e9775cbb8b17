"""Row labels: where a row of the table being validated is in the user's source.

Messages name rows so that users can find them: file line numbers for text files, sheet rows
for Excel, index labels for DataFrames.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

__all__ = ["RowLabeller", "index_rows", "numbered_rows", "subset_rows"]

RowLabeller = Callable[[np.ndarray], list[str]]
"""Turns 0-based row positions of the table being validated into labels users can find."""


def index_rows(index: pd.Index) -> RowLabeller:
    """Label rows by a DataFrame's index labels.

    Examples
    --------
    >>> index_rows(pd.Index(["a", "b", "c"]))(np.array([2, 0]))
    ['c', 'a']
    """
    values = index.to_numpy()
    return lambda pos: [str(v) for v in values[np.asarray(pos, dtype=np.intp)]]


def numbered_rows(numbers: Sequence[int] | np.ndarray, noun: str = "line") -> RowLabeller:
    """Label rows by a number per row, e.g. the line of a text file each row came from.

    Examples
    --------
    >>> numbered_rows([2, 3, 5])(np.array([2]))
    ['line 5']
    >>> numbered_rows(np.arange(2, 10), "sheet 'Data' row")(np.array([0]))
    ["sheet 'Data' row 2"]
    """
    values = np.asarray(numbers)
    return lambda pos: [f"{noun} {v}" for v in values[np.asarray(pos, dtype=np.intp)].tolist()]


def subset_rows(rows: RowLabeller, kept: np.ndarray) -> RowLabeller:
    """The labeller of a table made of the rows ``kept`` (positions) of the labelled one.

    Examples
    --------
    >>> subset_rows(numbered_rows([2, 3, 5]), np.array([0, 2]))(np.array([1]))
    ['line 5']
    """
    return lambda pos: rows(kept[np.asarray(pos, dtype=np.intp)])
