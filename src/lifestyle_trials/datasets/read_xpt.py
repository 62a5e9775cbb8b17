"""Reading a SAS transport file (.xpt, version 5, as CDISC submissions use).

Text is decoded as UTF-8 (or ``encoding=``); blank text is missing, as in SAS. pandas reads
a stored 0 as 5.397605e-79, the smallest IBM float (pandas issue #50670); that value is
read as 0.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from ..validation import numbered_rows
from .raw_table import Table, file_bytes, read_error

__all__ = ["read_xpt"]

_IBM_ZERO_MISREAD = 2.0**-260
"""What pandas returns for an IBM-float zero in a SAS transport file (16 ** -65)."""


def read_xpt(path: Path, encoding: str | None) -> Table:
    """Read the dataset of a SAS transport (XPT) file.

    Parameters
    ----------
    path : Path
        An existing .xpt file.
    encoding : str, optional
        Encoding of its text; UTF-8 when None.

    Returns
    -------
    Table
        Rows labelled "record 1", "record 2", ...

    Raises
    ------
    TrialDataError
        Text that is not in ``encoding``, or a file that is not SAS transport.
    """
    raw, sha = file_bytes(path)
    encoding = encoding or "utf-8"
    try:
        frame = pd.read_sas(io.BytesIO(raw), format="xport", encoding=encoding)
    except UnicodeDecodeError as exc:
        raise read_error(
            path.name, f"text in the file is not {encoding}: {exc}", "pass encoding=..."
        ) from None
    except Exception as exc:  # the SAS reader raises several types for a bad file
        raise read_error(
            path.name,
            f"not a readable SAS transport (XPT) file: {exc}",
            "export the dataset as SAS transport version 5 (.xpt), CSV or Parquet",
        ) from None
    columns = {}
    for col in frame.columns:
        values = frame[col]
        if pd.api.types.is_float_dtype(values.dtype):
            arr = values.to_numpy(dtype=float, copy=True)
            arr[np.abs(arr) == _IBM_ZERO_MISREAD] = 0.0
            columns[col] = arr
        elif pd.api.types.is_string_dtype(values.dtype):
            columns[col] = values.where(values.str.strip() != "")
        else:
            columns[col] = values
    frame = pd.DataFrame(columns, index=frame.index)
    return Table(frame, path.name, sha, numbered_rows(np.arange(1, len(frame) + 1), "record"))
