"""Reading one sheet of an Excel workbook (.xlsx, .xlsm) with sheet-row numbers.

The sheet must be named when the workbook has several, and the header must be on row 1.
Empty rows are skipped and recorded; text cells holding numbers with a decimal comma are
converted (:mod:`.decimal_comma`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..validation import numbered_rows
from .decimal_comma import decimal_commas
from .raw_table import (
    DEFAULT_LIMITS,
    ReadLimits,
    Table,
    check_duplicate_names,
    drop_empty_rows,
    empty_rows,
    file_bytes,
    read_error,
)
from .xlsx_parts import check_workbook, lost_cells

__all__ = ["read_excel"]


def read_excel(
    path: Path,
    sheet: str | int | None,
    decimal: str | None,
    text_columns: Sequence[str],
    limits: ReadLimits = DEFAULT_LIMITS,
) -> Table:
    """Read one sheet of a workbook.

    Parameters
    ----------
    path : Path
        An existing .xlsx or .xlsm file.
    sheet : str or int, optional
        Sheet name or 0-based position; may be omitted when the workbook has one sheet.
    decimal : {'.', ','}, optional
        When None, text cells written with a decimal comma are converted.
    text_columns : sequence of str
        Columns read as text as written.
    limits : ReadLimits
        The largest workbook read (``max_xlsx_bytes`` of XML once unzipped).

    Returns
    -------
    Table
        Labelled "<file>, sheet '<name>'", rows labelled by their sheet row ("sheet 'S' row 2").

    Raises
    ------
    TrialDataError
        An unreadable workbook, one over the limit, a sheet not named when needed or not
        found, an empty first row, repeated column names, or cells whose value would be lost
        (Excel error values, formulas saved without their computed value).
    """
    raw, sha = file_bytes(path)
    archive = check_workbook(raw, path.name, limits)
    try:
        book = pd.ExcelFile(io.BytesIO(raw), engine="openpyxl")
    except Exception as exc:  # openpyxl raises several unrelated types for a bad workbook
        raise read_error(
            path.name,
            f"not a readable Excel workbook: {exc}",
            "open it in a spreadsheet and save it again as .xlsx, or export it as CSV",
        ) from None
    names = [str(n) for n in book.sheet_names]
    if sheet is None:
        if len(names) > 1:
            raise read_error(
                path.name,
                f"the workbook has {len(names)} sheets ({', '.join(map(repr, names))})",
                "name the sheet to read with sheet=...",
            )
        sheet = names[0]
    if isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise read_error(
                path.name,
                f"no sheet number {sheet}; sheets: {names}",
                "sheets are numbered from 0; or give the sheet's name",
            )
        sheet = names[sheet]
    if sheet not in names:
        raise read_error(
            path.name,
            f"no sheet named {sheet!r}; sheets: {', '.join(map(repr, names))}",
            "pass one of those names as sheet=...",
        )
    label = f"{path.name}, sheet {sheet!r}"
    header = pd.read_excel(book, sheet_name=sheet, header=None, nrows=1)
    names = [str(v) for v in header.iloc[0].tolist()] if len(header) else []
    check_duplicate_names([n for n in names if n != "nan"], label)
    if archive is not None:
        lost_cells(archive, sheet, names, label)
    dtype = {c: "str" for c in text_columns if c in names}
    frame = pd.read_excel(book, sheet_name=sheet, dtype=dtype or None)
    book.close()
    unnamed = [str(c) for c in frame.columns if str(c).startswith("Unnamed:")]
    if unnamed and len(unnamed) == frame.shape[1]:
        raise read_error(
            label,
            "the first row of the sheet is empty: the header must be on row 1",
            "move the column names to the first row",
        )
    steps: list[str] = []
    lines = np.arange(2, len(frame) + 2)
    frame, lines = drop_empty_rows(frame, empty_rows(frame), lines, steps, "row")
    rows = numbered_rows(lines, f"sheet {sheet!r} row")
    if decimal is None:
        frame = decimal_commas(frame, ";", text_columns, label, steps, typed=True)
    return Table(frame, label, sha, rows, tuple(steps))
