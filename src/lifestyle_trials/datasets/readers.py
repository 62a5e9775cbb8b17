"""Reading tables as people have them: CSV/TSV in any common dialect, Excel and Parquet.

:func:`read_table` returns the raw table with what is needed to report problems in terms of
the file (line numbers, sheet rows) and the checksum of the bytes read. It refuses a file it
cannot read unambiguously instead of guessing silently:

- **Encoding**: UTF-8 (with or without a byte-order mark) and UTF-16 with a byte-order mark
  are read as such. A file that is not UTF-8 is read as Windows-1252/Latin-1 only when every
  non-ASCII character then decodes to a letter or a common symbol (µ, °, ±, ², ·, ×); this is
  recorded. Anything else is refused: pass ``encoding=``.
- **Separator**: ``,``, ``;``, tab or ``|``, chosen from the header line (tab for .tsv/.tab).
  Every line must have as many fields as the header; a line with more or fewer is refused
  with its line number (pandas would silently pad it, or shift the columns).
- **Decimal mark**: text columns whose values are all numbers written with a decimal comma
  (``5,6``) are converted, and this is recorded. A file mixing a decimal comma in some
  columns with decimal points in others is refused (the point may be a thousands separator).
- **Empty lines** and lines of separators only are skipped and recorded; line numbers stay
  those of the file.
- **Excel** (.xlsx, .xlsm): the sheet must be named when the workbook has several.
- **SAS transport** (.xpt, version 5, as CDISC submissions use): text is decoded as UTF-8
  (or ``encoding=``); blank text is missing, as in SAS. pandas reads a stored 0 as
  5.397605e-79, the smallest IBM float (pandas issue #50670); that value is read as 0.

Each format has its reader (:mod:`.read_text`, :mod:`.read_excel`, :mod:`.read_parquet`,
:mod:`.read_xpt`); this module chooses among them by the file's suffix.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TypeAlias

import pandas as pd

from ..checksums import sha256_frame
from ..validation import index_rows
from .raw_table import (
    DEFAULT_LIMITS,
    ReadLimits,
    Table,
    check_cells,
    check_duplicate_names,
    read_error,
    unnamed_columns,
)
from .read_excel import read_excel
from .read_parquet import read_parquet
from .read_text import read_text
from .read_xpt import read_xpt

__all__ = ["TEXT_SUFFIXES", "ReadLimits", "Source", "Table", "read_table"]

Source: TypeAlias = pd.DataFrame | str | Path
"""What the loaders accept: a DataFrame or the path of a file."""

TEXT_SUFFIXES: dict[str, str | None] = {
    ".csv": None,
    ".txt": None,
    ".tsv": "\t",
    ".tab": "\t",
}
"""Text formats and their fixed separator (None: detected from the header line)."""

_EXCEL_SUFFIXES = (".xlsx", ".xlsm")
_SAS_SUFFIXES = (".xpt",)
_PARQUET_SUFFIXES = (".parquet", ".pq")


def read_table(
    source: Source,
    *,
    sheet: str | int | None = None,
    encoding: str | None = None,
    sep: str | None = None,
    decimal: str | None = None,
    text_columns: Sequence[str] = (),
    limits: ReadLimits = DEFAULT_LIMITS,
) -> Table:
    """Read a DataFrame, CSV/TSV, Excel or Parquet source as it is (no validation).

    Parameters
    ----------
    source : DataFrame or path
        .csv, .txt, .tsv, .tab, .xlsx, .xlsm, .parquet, .pq or .xpt (SAS transport v5).
    sheet : str or int, optional
        Excel sheet (name or 0-based position); required when the workbook has several.
    encoding : str, optional
        Text encoding; detected when omitted (see the module docstring).
    sep : str, optional
        Field separator of a text file; detected from the header line when omitted.
    decimal : {'.', ','}, optional
        Decimal mark of a text file; when omitted, columns written with a decimal comma are
        detected and converted.
    text_columns : sequence of str
        Columns kept as text as written (e.g. subject ids such as ``007``).
    limits : ReadLimits
        The largest Parquet file (rows) and Excel workbook (unzipped XML) read; a file over
        them is refused from its metadata, before its data are expanded.

    Returns
    -------
    Table
        Columns without a name are dropped when empty or when they are a pandas index
        (recorded in ``steps``), refused otherwise.

    Raises
    ------
    TrialDataError
        A file that is missing, a folder, of an unknown format, over the limits, or that
        cannot be read unambiguously.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "trial.csv"
    >>> _ = path.write_bytes("subject;visit;glucose\\n007;0;5,6\\n\\n007;12;5,2\\n".encode())
    >>> table = read_table(path, text_columns=["subject"])
    >>> table.frame.to_dict("list")
    {'subject': ['007', '007'], 'visit': [0.0, 12.0], 'glucose': [5.6, 5.2]}
    >>> table.rows(np.array([1])), table.steps
    (['line 4'], ('empty line(s) skipped: line 3', 'decimal comma read in column(s) glucose'))
    """
    if isinstance(source, pd.DataFrame):
        check_duplicate_names([str(c) for c in source.columns], "the DataFrame")
        check_cells(source, "the DataFrame")
        return unnamed_columns(
            Table(source, "the DataFrame", sha256_frame(source), index_rows(source.index))
        )
    if not isinstance(source, (str, Path)):
        raise read_error(
            "the source",
            f"a trial is read from a DataFrame or a file path, not {type(source).__name__}",
            "pass a pandas DataFrame, or the path of a .csv, .xlsx, .parquet or .xpt file",
        )
    path = Path(source)
    if path.is_dir():
        raise read_error(
            str(path), f"{path} is a folder, not a file", "give the path of the data file in it"
        )
    if not path.is_file():
        raise read_error(str(path), f"file not found: {path}", "check the path")
    try:
        table = _read_file(path, sheet, encoding, sep, decimal, text_columns, limits)
    except OSError as exc:
        raise read_error(
            path.name, f"the file could not be read: {exc.strerror or exc}", "check its permissions"
        ) from None
    return unnamed_columns(table)


def _read_file(
    path: Path,
    sheet: str | int | None,
    encoding: str | None,
    sep: str | None,
    decimal: str | None,
    text_columns: Sequence[str],
    limits: ReadLimits,
) -> Table:
    """The table of a file, read by the reader of its format."""
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        sep = TEXT_SUFFIXES[suffix] if sep is None else sep
        return read_text(path, encoding, sep, decimal, text_columns)
    if suffix in _EXCEL_SUFFIXES:
        return read_excel(path, sheet, decimal, text_columns, limits)
    if suffix in _PARQUET_SUFFIXES:
        return read_parquet(path, limits)
    if suffix in _SAS_SUFFIXES:
        return read_xpt(path, encoding)
    hint = "save it as .csv, .xlsx or .parquet"
    if suffix == ".xls":
        hint = "the old .xls format is not read: save the workbook as .xlsx or .csv"
    known = sorted([*TEXT_SUFFIXES, *_EXCEL_SUFFIXES, *_PARQUET_SUFFIXES, *_SAS_SUFFIXES])
    raise read_error(path.name, f"unknown file format {suffix!r} (known: {', '.join(known)})", hint)
