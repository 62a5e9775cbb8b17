"""Reading a SAS transport file (.xpt, version 5, as CDISC submissions use).

Text is decoded as UTF-8 (or ``encoding=``); blank text is missing, as in SAS. pandas reads
a stored 0 as 5.397605e-79, the smallest IBM float (pandas issue #50670); that value is
read as 0.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import TrialDataError
from ..validation import numbered_rows
from .raw_table import Table, file_bytes, read_error

__all__ = ["read_xpt"]

_IBM_ZERO_MISREAD = 2.0**-260
"""What pandas returns for an IBM-float zero in a SAS transport file (16 ** -65)."""


_TRUNCATED = (
    "the file was cut short (an interrupted copy or download?): copy or export it again"
)


def _check_complete(raw: bytes, reader: object, label: str) -> None:
    """Refuse a transport file cut short: it is made of 80-byte records, and after the last
    observation only blank padding may follow."""
    if len(raw) % 80:
        raise read_error(
            label,
            f"the file is {len(raw)} bytes long, not a whole number of 80-byte records",
            _TRUNCATED,
        )
    start = getattr(reader, "record_start", None)
    length = getattr(reader, "record_length", None)
    if not isinstance(start, int) or not isinstance(length, int) or length <= 0:
        return
    if raw.count(b"HEADER RECORD*******MEMBER  HEADER RECORD") > 1:
        return  # several datasets: the first one's end is not the file's end
    tail = raw[start + (len(raw) - start) // length * length :]
    if tail.strip(b" "):
        raise read_error(
            label,
            "the last observation is incomplete (the file ends inside a record)",
            _TRUNCATED,
        )


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
        Text that is not in ``encoding``, a file that is not SAS transport, or one cut
        short (not a whole number of 80-byte records, or ending inside an observation).
    """
    raw, sha = file_bytes(path)
    encoding = encoding or "utf-8"
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            reader = pd.read_sas(io.BytesIO(raw), format="xport", encoding=encoding, iterator=True)
            with reader:
                _check_complete(raw, reader, path.name)
                frame = reader.read()
        corrupt = [str(w.message) for w in caught if "corrupt" in str(w.message)]
        if corrupt:
            raise read_error(path.name, f"the file is damaged ({corrupt[0]})", _TRUNCATED)
    except UnicodeDecodeError as exc:
        raise read_error(
            path.name, f"text in the file is not {encoding}: {exc}", "pass encoding=..."
        ) from None
    except TrialDataError:
        raise
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
