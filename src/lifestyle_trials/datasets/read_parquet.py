"""Reading a Parquet file: typed columns as stored, rows numbered from 1."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from ..validation import numbered_rows
from .raw_table import Table, file_bytes, read_error

__all__ = ["read_parquet"]


def read_parquet(path: Path) -> Table:
    """Read a Parquet file; a stored index other than a plain range becomes columns.

    Parameters
    ----------
    path : Path
        An existing .parquet or .pq file.

    Returns
    -------
    Table
        Rows labelled "row 1", "row 2", ...

    Raises
    ------
    TrialDataError
        A file pyarrow cannot read.
    """
    raw, sha = file_bytes(path)
    try:
        frame = pd.read_parquet(io.BytesIO(raw))
    except Exception as exc:  # pyarrow raises its own error types for a bad file
        raise read_error(
            path.name,
            f"not a readable Parquet file: {exc}",
            "check that the file was written completely (Parquet, not Feather or CSV)",
        ) from None
    if not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index()
    return Table(frame, path.name, sha, numbered_rows(np.arange(1, len(frame) + 1), "row"))
