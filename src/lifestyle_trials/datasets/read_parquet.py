"""Reading a Parquet file: typed columns as stored, rows numbered from 1.

The file's metadata are read first: a file with more rows than the limit (a few hundred KiB
of Parquet can hold tens of millions of rows) or with nested columns (lists, structs, maps),
which a trial table cannot hold, is refused before its data are read.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..validation import numbered_rows
from .raw_table import DEFAULT_LIMITS, ReadLimits, Table, check_cells, file_bytes, read_error

__all__ = ["read_parquet"]

_UNREADABLE = "check that the file was written completely (Parquet, not Feather or CSV)"


def read_parquet(path: Path, limits: ReadLimits = DEFAULT_LIMITS) -> Table:
    """Read a Parquet file; a stored index other than a plain range becomes columns.

    Parameters
    ----------
    path : Path
        An existing .parquet or .pq file.
    limits : ReadLimits
        The largest number of rows read (``max_rows``).

    Returns
    -------
    Table
        Rows labelled "row 1", "row 2", ...

    Raises
    ------
    TrialDataError
        A file pyarrow cannot read, with more rows than ``limits.max_rows`` or with nested
        columns.
    """
    raw, sha = file_bytes(path)
    try:
        meta = pq.ParquetFile(io.BytesIO(raw))
        n_rows, schema = meta.metadata.num_rows, meta.schema_arrow
    except Exception as exc:  # pyarrow raises its own error types for a bad file
        raise read_error(path.name, f"not a readable Parquet file: {exc}", _UNREADABLE) from None
    if n_rows > limits.max_rows:
        raise limits.refuse(path.name, "rows in the file (from its metadata)", n_rows, "max_rows")
    nested = [f.name for f in schema if pa.types.is_nested(f.type)]
    if nested:
        raise read_error(
            path.name,
            f"nested column(s) {', '.join(map(repr, nested))} (lists, structs or maps): "
            "a trial table holds one value per cell",
            "write one column per value (or one row per visit) and save the file again",
        )
    try:
        frame = pd.read_parquet(io.BytesIO(raw))
    except Exception as exc:  # pyarrow raises its own error types for a bad file
        raise read_error(path.name, f"not a readable Parquet file: {exc}", _UNREADABLE) from None
    if not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index()
    check_cells(frame, path.name)
    return Table(frame, path.name, sha, numbered_rows(np.arange(1, len(frame) + 1), "row"))
