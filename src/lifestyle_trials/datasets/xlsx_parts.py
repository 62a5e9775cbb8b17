"""What an .xlsx workbook holds, read from its zip parts before the sheet is parsed.

An .xlsx file is zipped XML: its size on disk says little about the work of reading it, so
the unzipped size is checked against a limit first (from the zip directory, nothing is
expanded). The chosen sheet's XML is then searched for cells whose value would be lost
without a word when read as a table: Excel error values (``#DIV/0!``, ``#N/A``, ...) and
formulas saved without their computed value (as written by a program that does not
calculate, e.g. openpyxl). pandas reads both as empty cells.
"""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree

from ..errors import Problem, TrialDataError
from .raw_table import ReadLimits

__all__ = ["check_workbook", "lost_cells"]

_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.DOTALL)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_ERROR_TYPE = re.compile(rb'\bt="e"')
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_VALUE = re.compile(rb"<(?:\w+:)?v>(.*?)</(?:\w+:)?v>", re.DOTALL)
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def check_workbook(raw: bytes, label: str, limits: ReadLimits) -> zipfile.ZipFile | None:
    """The workbook's zip archive, once its unzipped size is known to be within the limit.

    Returns None when the file is not a zip archive (the Excel reader then says why).

    Raises
    ------
    TrialDataError
        When the parts of the workbook add up to more than ``limits.max_xlsx_bytes``.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        return None
    total = sum(info.file_size for info in archive.infolist())
    if total > limits.max_xlsx_bytes:
        raise limits.refuse(label, "bytes of XML once unzipped", total, "max_xlsx_bytes")
    return archive


def lost_cells(archive: zipfile.ZipFile, sheet: str, header: list[str], label: str) -> None:
    """Refuse a sheet holding Excel error values or formulas without a computed value.

    Parameters
    ----------
    archive : ZipFile
        The workbook.
    sheet : str
        The name of the sheet read.
    header : list of str
        The column names (row 1), to name the columns of the cells found.
    label : str
        The source, for messages.

    Raises
    ------
    TrialDataError
        One problem per column, naming the cells (e.g. ``C5``) and the sheet rows.
    """
    xml = _sheet_xml(archive, sheet)
    if xml is None or (b't="e"' not in xml and not _FORMULA.search(xml)):
        return
    found: dict[tuple[str, int], list[tuple[str, int, str]]] = {}
    for match in _CELL.finditer(xml):
        attributes, content = match.group(1), match.group(2) or b""
        error = _ERROR_TYPE.search(attributes) is not None
        formula = _FORMULA.search(content) is not None
        value = _VALUE.search(content)
        if not error and not (formula and value is None):
            continue
        ref = _REF.search(attributes)
        if ref is None:
            continue
        letters, row = ref.group(1).decode(), int(ref.group(2))
        column = _column_index(letters)
        text = value.group(1).decode("utf-8", "replace") if (error and value) else ""
        found.setdefault(("error" if error else "formula", column), []).append(
            (f"{letters}{row}", row, text)
        )
    problems = []
    for (kind, column), cells in found.items():
        name = header[column] if column < len(header) else None
        where = ", ".join(c for c, _, _ in cells[:10]) + (" ..." if len(cells) > 10 else "")
        rows = tuple(f"sheet {sheet!r} row {r}" for _, r, _ in cells)
        if kind == "error":
            values = ", ".join(sorted({t for _, _, t in cells if t})) or "an error value"
            problems.append(
                Problem(
                    name,
                    f"{len(cells)} cell(s) hold the Excel error {values} (cells {where})",
                    "correct the formula or the values it uses, or clear the cell to leave "
                    "the value missing",
                    rows=rows,
                )
            )
        else:
            problems.append(
                Problem(
                    name,
                    f"{len(cells)} cell(s) hold a formula saved without its computed value "
                    f"(cells {where})",
                    "open the workbook in a spreadsheet program and save it (which computes "
                    "the formulas), or export it as CSV",
                    rows=rows,
                )
            )
    if problems:
        raise TrialDataError(problems, label)


def _column_index(letters: str) -> int:
    """0-based column of a cell reference's letters (A → 0, AA → 26)."""
    index = 0
    for letter in letters:
        index = index * 26 + (ord(letter) - ord("A") + 1)
    return index - 1


def _sheet_xml(archive: zipfile.ZipFile, sheet: str) -> bytes | None:
    """The XML of the sheet named ``sheet``, or None when the workbook does not say where it is."""
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return None
    target = {r.get("Id"): r.get("Target", "") for r in rels}
    for element in book.iter():
        if element.tag.endswith("}sheet") and element.get("name") == sheet:
            path = target.get(element.get(f"{{{_REL_NS}}}id"), "")
            path = path.lstrip("/") if path.startswith("/") else f"xl/{path}"
            try:
                return archive.read(path)
            except KeyError:
                return None
    return None
