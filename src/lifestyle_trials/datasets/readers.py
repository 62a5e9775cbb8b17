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
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

import numpy as np
import pandas as pd

from ..checksums import sha256_frame
from ..errors import Problem, TrialDataError
from ..factorize import ARROW_TEXT
from ..validation import RowLabeller, index_rows, numbered_rows

__all__ = ["TEXT_SUFFIXES", "Source", "Table", "read_table"]

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
_IBM_ZERO_MISREAD = 2.0**-260
"""What pandas returns for an IBM-float zero in a SAS transport file (16 ** -65)."""
_PARQUET_SUFFIXES = (".parquet", ".pq")
_SEPARATORS = (",", ";", "\t", "|")
_SYMBOLS = frozenset("µ°±²·×€–—‘’“”«»§½¼¾")
_COMMA_NUMBER = re.compile(r"\s*[+-]?(?:\d+(?:,\d+)?|,\d+)\s*")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+")


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


def read_table(
    source: Source,
    *,
    sheet: str | int | None = None,
    encoding: str | None = None,
    sep: str | None = None,
    decimal: str | None = None,
    text_columns: Sequence[str] = (),
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

    Returns
    -------
    Table

    Raises
    ------
    TrialDataError
        A file that is missing, of an unknown format, or cannot be read unambiguously.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "trial.csv"
    >>> _ = path.write_bytes("subject;visit;glucose\\n007;0;5,6\\n\\n007;12;5,2\\n".encode())
    >>> table = read_table(path, text_columns=["subject"])
    >>> table.frame.to_dict("list")
    {'subject': ['007', '007'], 'visit': [0.0, 12.0], 'glucose': [5.6, 5.2]}
    >>> table.rows(np.array([1])), table.steps
    (['line 4'], ('empty line(s) skipped: line 3', 'decimal comma read in column(s) glucose'))
    """
    if isinstance(source, pd.DataFrame):
        _check_duplicate_names([str(c) for c in source.columns], "the DataFrame")
        return Table(source, "the DataFrame", sha256_frame(source), index_rows(source.index))
    if not isinstance(source, (str, Path)):
        raise _error(
            "the source",
            f"a trial is read from a DataFrame or a file path, not {type(source).__name__}",
            "pass a pandas DataFrame, or the path of a .csv, .xlsx, .parquet or .xpt file",
        )
    path = Path(source)
    if not path.is_file():
        raise _error(str(path), f"file not found: {path}", "check the path")
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return _read_text(path, encoding, sep or TEXT_SUFFIXES[suffix], decimal, text_columns)
    if suffix in _EXCEL_SUFFIXES:
        return _read_excel(path, sheet, decimal, text_columns)
    if suffix in _PARQUET_SUFFIXES:
        return _read_parquet(path)
    if suffix in _SAS_SUFFIXES:
        return _read_xpt(path, encoding)
    hint = "save it as .csv, .xlsx or .parquet"
    if suffix == ".xls":
        hint = "the old .xls format is not read: save the workbook as .xlsx or .csv"
    known = sorted([*TEXT_SUFFIXES, *_EXCEL_SUFFIXES, *_PARQUET_SUFFIXES, *_SAS_SUFFIXES])
    raise _error(path.name, f"unknown file format {suffix!r} (known: {', '.join(known)})", hint)


def _error(label: str, message: str, hint: str, column: str | None = None) -> TrialDataError:
    return TrialDataError([Problem(column, message, hint)], label)


# -- text --------------------------------------------------------------------------------------


def _read_text(
    path: Path,
    encoding: str | None,
    sep: str | None,
    decimal: str | None,
    text_columns: Sequence[str],
) -> Table:
    raw = path.read_bytes()
    label = path.name
    steps: list[str] = []
    encoding = _encoding(raw, encoding, label, steps)
    header = _header_line(raw, encoding)
    if sep is None:
        sep = _sniff_separator(header)
    names = _header_fields(header, sep)
    if len(names) == 1 and not decimal:
        raise _error(
            label,
            f"only one column found in the header ({header[:60]!r})",
            "the separator was not recognised: pass sep=... (',', ';' or '\\t')",
        )
    _check_duplicate_names(names, label)
    quick = _quick_count(raw, encoding, sep)
    starts = None if quick is not None else _field_counts(raw, encoding, sep, len(names), label)
    may_have_commas = (b'"' in raw) if sep == "," else (b"," in raw)
    # Integers in the first column may be written back as text (below) when that column is
    # kept as text and its first value looks like a number.
    newline = raw.find(b"\n")
    first_byte = raw[newline + 1 : newline + 2] if newline >= 0 else b""
    check_first = (
        quick is not None
        and bool(names)
        and names[0] in text_columns
        and len(first_byte) == 1
        and first_byte in b"-0123456789"
    )

    options: dict = {"sep": sep, "encoding": encoding, "index_col": False}
    options |= {"skip_blank_lines": False, "keep_default_na": True}
    if decimal is not None:
        if decimal not in (".", ","):
            raise _error(label, f"decimal must be '.' or ',', got {decimal!r}", "pass '.' or ','")
        options["decimal"] = decimal
    # pandas reads the file itself (in parallel for a large local file) while the bytes are
    # hashed and counted beside it
    with ThreadPoolExecutor(max_workers=1) as pool:
        scanning = pool.submit(_scan, raw, quick, check_first)
        del raw
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", pd.errors.ParserWarning)
                frame = pd.read_csv(path, **options)
        except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
            _field_counts(path.read_bytes(), encoding, sep, len(names), label)
            raise _error(
                label,
                f"the file could not be read as a table: {exc}",
                "check the separator (sep=) and that quotes are balanced",
            ) from None
        except (UnicodeDecodeError, ValueError) as exc:
            raise _error(
                label,
                f"the file could not be read as a table: {exc}",
                "check the encoding (encoding=) and the separator (sep=)",
            ) from None
        scan = scanning.result()
    sha, n_lines, n_separators, first_as_written = scan
    # Text columns are read as written only when pandas took them for numbers (ids such as
    # 007): asking for text up front makes pandas parse the whole file markedly slower.
    # Integers in the first column that can only have been written as Python writes them
    # are written back instead of read again.
    numeric_text = [
        c for c in text_columns if c in frame and not pd.api.types.is_string_dtype(frame[c])
    ]
    rewritten = [
        c
        for c in numeric_text
        if first_as_written and c == names[0] == frame.columns[0] and frame[c].dtype == np.int64
    ]
    if rewritten:
        frame = frame.assign(**{c: frame[c].astype(ARROW_TEXT) for c in rewritten})
    reread = [c for c in numeric_text if c not in rewritten]
    if reread:
        as_text = pd.read_csv(path, **options, usecols=reread, dtype=dict.fromkeys(reread, "str"))
        frame = frame.assign(**{c: as_text[c].array for c in reread})
    empty = _empty_rows(frame)
    if starts is None:
        # As pandas refuses a line with too many fields, separators adding up to
        # (fields - 1) × lines, with no blank line, mean that no line has too few.
        if (
            not empty.any()
            and n_lines == len(frame) + 1
            and n_separators == (len(names) - 1) * n_lines
        ):
            starts = np.arange(1, n_lines + 1)
        else:
            starts = _field_counts(path.read_bytes(), encoding, sep, len(names), label)

    if len(frame) <= len(starts) - 1:
        lines = starts[1 : len(frame) + 1]
        noun = "line"
    else:  # line ends pandas knows and this count does not (a lone carriage return)
        lines = np.arange(1, len(frame) + 1)
        noun = "record"
    frame, lines = _drop_empty_rows(frame, empty, lines, steps, noun)
    rows = numbered_rows(lines, noun)
    if decimal is None and may_have_commas:
        frame = _decimal_commas(frame, sep, text_columns, label, steps)
    return Table(frame, label, sha, rows, tuple(steps))


def _encoding(raw: bytes, encoding: str | None, label: str, steps: list[str]) -> str:
    if raw[:4] == b"PK\x03\x04":
        raise _error(
            label,
            "this is a zip archive (an Excel workbook?) with a text file's name",
            "give it its real extension (.xlsx) or export it as CSV",
        )
    if encoding is not None:
        try:
            raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise _error(
                label,
                f"the file cannot be decoded as {encoding}: {exc}",
                "give the encoding the file was saved with, or omit encoding= to detect it",
            ) from None
        return encoding
    if raw.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        steps.append("text decoded as UTF-16")
        return "utf-16"
    elif b"\x00" in raw[:4096]:
        raise _error(
            label,
            "the file contains NUL bytes: it is binary or UTF-16 without a byte-order mark",
            "export it as UTF-8 CSV, or pass encoding='utf-16-le'",
        )
    else:
        encoding = "utf-8"
    if raw.isascii():
        return encoding
    try:
        raw.decode(encoding)
        return encoding
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    for legacy in ("cp1252", "latin-1"):
        try:
            text = raw.decode(legacy)
        except UnicodeDecodeError:
            continue
        odd = sorted({ch for ch in text if ord(ch) > 127 and not _plausible_char(ch)})
        if not odd:
            steps.append(f"text decoded as {legacy} (the file is not UTF-8)")
            return legacy
        break
    line = raw.count(b"\n", 0, first_bad) + 1
    raise _error(
        label,
        f"the file is not UTF-8 (line {line} has byte 0x{raw[first_bad]:02x}) and does not "
        "look like Latin-1 text either",
        "pass encoding=... (e.g. 'cp1250', 'mac_roman'), or save the file as UTF-8",
    )


def _plausible_char(ch: str) -> bool:
    return unicodedata.category(ch).startswith("L") or ch in _SYMBOLS


def _header_line(raw: bytes, encoding: str) -> str:
    end = raw.find(b"\n")
    head = raw if end < 0 else raw[: end + 1]
    if encoding.startswith("utf-16"):
        text = raw.decode(encoding)
        return text.splitlines()[0] if text else ""
    return head.decode(encoding).lstrip("\ufeff").rstrip("\r\n")


def _sniff_separator(header: str) -> str:
    unquoted = re.sub(r'"[^"]*"', "", header)
    counts = {s: unquoted.count(s) for s in _SEPARATORS}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] > 0 else ","


def _header_fields(header: str, sep: str) -> list[str]:
    return next(csv.reader([header], delimiter=sep)) if header else []


def _check_duplicate_names(names: list[str], label: str) -> None:
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


def _quick_count(raw: bytes, encoding: str, sep: str) -> bytes | None:
    """The separator byte when fields can be counted by counting it (no quotes, one byte)."""
    if encoding.startswith("utf-16") or b'"' in raw:
        return None
    sep_bytes = sep.encode(encoding)
    return sep_bytes if len(sep_bytes) == 1 else None


def _count_byte(raw: bytes, byte: bytes, chunk: int = 1 << 22) -> int:
    """How many times a one-byte string occurs in ``raw`` (vectorised, in chunks)."""
    body = np.frombuffer(raw, dtype=np.uint8)
    value = byte[0]
    return sum(
        int(np.count_nonzero(body[start : start + chunk] == value))
        for start in range(0, len(body), chunk)
    )


def _scan(raw: bytes, quick: bytes | None, check_first: bool) -> tuple[str, int, int, bool]:
    """The SHA-256 of a file's bytes; its lines and separators, when fields can be counted by
    counting the separator byte (``quick``); whether integers in its first column read back
    as written (only when ``check_first``)."""
    sha = hashlib.sha256(raw).hexdigest()
    if quick is None:
        return sha, 0, 0, False
    n_lines = _count_byte(raw, b"\n") + (0 if raw.endswith(b"\n") else 1)
    first_as_written = check_first and _first_field_as_written(raw)
    return sha, n_lines, _count_byte(raw, quick), first_as_written


_NOT_PLAIN_INTEGER = (b" ", b"\t", b"\v", b"\f", b"+")
"""Bytes with which an integer can be written otherwise than Python writes it."""


def _first_field_as_written(raw: bytes) -> bool:
    """True when ``str(value)`` gives back, as written, every integer in the first column.

    pandas reads ``[spaces][+|-]digits[spaces]`` as an integer; the text differs from
    ``str(value)`` only with spaces, a '+' or a leading zero (``007``, ``-0``). No space or
    '+' anywhere in the file, and no line after the header that starts with 0 and a digit
    or with -0, means that no integer of the first column differs.
    """
    if any(byte in raw for byte in _NOT_PLAIN_INTEGER):
        return False
    body = np.frombuffer(raw, dtype=np.uint8)
    zero = ord("0")
    for end in (b"\n", b"\r"):
        if end not in raw:
            continue
        starts = _find_byte(body, end[0]) + 1
        head = body.take(starts, mode="clip")
        follows = body.take(starts + 1, mode="clip")
        head[starts >= len(body)] = 0
        follows[starts + 1 >= len(body)] = 0
        leading_zero = (head == zero) & (follows >= zero) & (follows <= zero + 9)
        if (leading_zero | ((head == ord("-")) & (follows == zero))).any():
            return False
    return True


def _find_byte(body: np.ndarray, byte: int, chunk: int = 1 << 22) -> np.ndarray:
    """Positions of a byte value in ``body`` (vectorised, in chunks)."""
    found = [
        np.flatnonzero(body[start : start + chunk] == byte) + start
        for start in range(0, len(body), chunk)
    ]
    return np.concatenate(found) if found else np.zeros(0, dtype=np.intp)


def _field_counts(raw: bytes, encoding: str, sep: str, n_fields: int, label: str) -> np.ndarray:
    """Refuse records with more or fewer fields than the header (blank lines are allowed).

    Returns the line number on which each record (the header first) starts.
    """
    quick = _quick_count(raw, encoding, sep)
    if quick is not None:
        counts, blank = _count_fields_fast(raw, quick[0])
        starts = np.arange(1, len(counts) + 1)
    else:
        counts, blank, starts = _count_fields_csv(raw.decode(encoding), sep)
    wrong = np.flatnonzero((counts != n_fields) & ~blank)
    wrong = wrong[wrong > 0]
    if len(wrong) == 0:
        return starts
    lines = starts[wrong]
    seen = ", ".join(f"line {ln}: {counts[i]}" for ln, i in zip(lines[:5], wrong[:5], strict=True))
    hint = "fix those lines; a value with the separator in it must be quoted"
    if sep == "," and (counts[wrong] > n_fields).any():
        hint += " (numbers with a decimal comma in a comma-separated file: export with ';')"
    raise TrialDataError(
        [
            Problem(
                None,
                f"{len(wrong)} line(s) with a number of fields other than the header's "
                f"{n_fields} ({seen})",
                hint,
                rows=tuple(f"line {ln}" for ln in lines),
            )
        ],
        label,
    )


def _count_fields_fast(raw: bytes, sep: int, chunk: int = 1 << 22) -> tuple[np.ndarray, np.ndarray]:
    """Fields per line and blank lines, for a file without quotes (vectorised, in chunks)."""
    body = np.frombuffer(raw, dtype=np.uint8)
    newlines = np.flatnonzero(body == 10)
    ends = np.append(newlines, len(body)) if (len(body) and body[-1] != 10) else newlines
    counts = np.empty(len(ends), dtype=np.int64)
    blank = np.empty(len(ends), dtype=bool)
    start_line = 0
    begin = 0
    while start_line < len(ends):
        stop_line = int(np.searchsorted(ends, begin + chunk, side="right"))
        stop_line = max(stop_line, start_line + 1)
        end = int(ends[stop_line - 1]) + 1
        part = body[begin:end]
        line_ends = ends[start_line:stop_line] - begin
        seps = np.flatnonzero(part == sep)
        before = np.searchsorted(seps, line_ends, side="left")
        counts[start_line:stop_line] = np.diff(np.append(0, before)) + 1
        starts = np.append(0, line_ends[:-1] + 1)
        length = line_ends - starts
        cr = (length > 0) & (part[np.maximum(line_ends - 1, 0)] == 13)
        blank[start_line:stop_line] = (length - cr) == 0
        start_line, begin = stop_line, end
    return counts, blank


def _count_fields_csv(text: str, sep: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fields per record, blank records and the line each record starts on, honouring quotes
    (a quoted value may span several lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    counts: list[int] = []
    starts: list[int] = []
    previous = 0
    for record in reader:
        counts.append(len(record))
        starts.append(previous + 1)
        previous = reader.line_num
    n = np.array(counts, dtype=np.int64)
    return n, n == 0, np.array(starts, dtype=np.int64)


def _empty_rows(frame: pd.DataFrame) -> np.ndarray:
    """Rows with every value missing, found column by column until none can be."""
    empty = np.ones(len(frame), dtype=bool)
    for i in range(frame.shape[1]):
        if not empty.any():
            break
        empty &= frame.iloc[:, i].isna().to_numpy()
    return empty


def _drop_empty_rows(
    frame: pd.DataFrame,
    empty: np.ndarray,
    lines: np.ndarray,
    steps: list[str],
    noun: str = "line",
) -> tuple[pd.DataFrame, np.ndarray]:
    if not empty.any():
        return frame, lines
    n = int(empty.sum())
    shown = ", ".join(str(v) for v in lines[empty][:10])
    more = f" and {n - 10} more" if n > 10 else ""
    plural = "s" if n > 1 else ""
    steps.append(f"empty {noun}(s) skipped: {noun}{plural} {shown}{more}")
    keep = ~empty
    return frame.loc[keep].reset_index(drop=True), lines[keep]


def _decimal_commas(
    frame: pd.DataFrame,
    sep: str,
    text_columns: Sequence[str],
    label: str,
    steps: list[str],
    typed: bool = False,
) -> pd.DataFrame:
    """Convert text columns written with a decimal comma; refuse mixed decimal marks.

    With ``;`` as separator (or in a workbook) a comma is a decimal mark. Otherwise a column
    whose commas all group thousands (``1,234``) is ambiguous and refused. In a text file, a
    decimal comma in some columns and a decimal point in others is refused; in a workbook
    (``typed``) numeric cells are numbers whatever their display, so only text cells count.
    """
    candidates = [
        c
        for c in frame.columns
        if c not in text_columns
        and not pd.api.types.is_numeric_dtype(frame[c].dtype)
        and not pd.api.types.is_bool_dtype(frame[c].dtype)
    ]
    converted: list[str] = []
    for col in candidates:
        values = frame[col]
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        tokens = [u for u in uniques if isinstance(u, str)]
        if len(tokens) != len(uniques) or not any("," in t for t in tokens):
            continue
        if not all(_COMMA_NUMBER.fullmatch(t) for t in tokens):
            continue
        with_comma = [t.strip() for t in tokens if "," in t]
        if sep != ";" and all(_THOUSANDS.fullmatch(t) for t in with_comma):
            raise _error(
                label,
                f"column {col!r} has numbers such as {with_comma[0]!r}: a decimal comma or a "
                "thousands separator?",
                "pass decimal=',' if it is a decimal comma; remove thousands separators otherwise",
                column=str(col),
            )
        numbers = np.array([float(t.strip().replace(",", ".")) for t in tokens] + [np.nan])
        frame = frame.assign(**{col: numbers[codes]})
        converted.append(col)
    if not converted:
        return frame
    if typed:
        steps.append(f"decimal comma read in text cells of column(s) {', '.join(converted)}")
        return frame
    pointed = [
        c
        for c in frame.columns
        if c not in converted
        and pd.api.types.is_float_dtype(frame[c].dtype)
        and _has_fraction(frame[c].to_numpy())
    ]
    if pointed:
        raise _error(
            label,
            f"mixed decimal marks: column(s) {', '.join(converted)} use a decimal comma and "
            f"column(s) {', '.join(pointed)} a point, which may be a thousands separator",
            "pass decimal=',' or decimal='.' to say which, after making the file consistent",
        )
    steps.append(f"decimal comma read in column(s) {', '.join(converted)}")
    return frame


def _has_fraction(values: np.ndarray) -> bool:
    finite = values[np.isfinite(values)]
    return bool((finite != np.round(finite)).any())


# -- Excel and Parquet ---------------------------------------------------------------------------


def _read_excel(
    path: Path, sheet: str | int | None, decimal: str | None, text_columns: Sequence[str]
) -> Table:
    raw = path.read_bytes()
    sha = hashlib.sha256(raw).hexdigest()
    try:
        book = pd.ExcelFile(io.BytesIO(raw), engine="openpyxl")
    except Exception as exc:  # openpyxl raises several unrelated types for a bad workbook
        raise _error(
            path.name,
            f"not a readable Excel workbook: {exc}",
            "open it in a spreadsheet and save it again as .xlsx, or export it as CSV",
        ) from None
    names = [str(n) for n in book.sheet_names]
    if sheet is None:
        if len(names) > 1:
            raise _error(
                path.name,
                f"the workbook has {len(names)} sheets ({', '.join(map(repr, names))})",
                "name the sheet to read with sheet=...",
            )
        sheet = names[0]
    if isinstance(sheet, int):
        if not 0 <= sheet < len(names):
            raise _error(
                path.name,
                f"no sheet number {sheet}; sheets: {names}",
                "sheets are numbered from 0; or give the sheet's name",
            )
        sheet = names[sheet]
    if sheet not in names:
        raise _error(
            path.name,
            f"no sheet named {sheet!r}; sheets: {', '.join(map(repr, names))}",
            "pass one of those names as sheet=...",
        )
    label = f"{path.name}, sheet {sheet!r}"
    header = pd.read_excel(book, sheet_name=sheet, header=None, nrows=1)
    names = [str(v) for v in header.iloc[0].tolist()] if len(header) else []
    _check_duplicate_names([n for n in names if n != "nan"], label)
    dtype = {c: "str" for c in text_columns if c in names}
    frame = pd.read_excel(book, sheet_name=sheet, dtype=dtype or None)
    book.close()
    unnamed = [str(c) for c in frame.columns if str(c).startswith("Unnamed:")]
    if unnamed and len(unnamed) == frame.shape[1]:
        raise _error(
            label,
            "the first row of the sheet is empty: the header must be on row 1",
            "move the column names to the first row",
        )
    steps: list[str] = []
    lines = np.arange(2, len(frame) + 2)
    frame, lines = _drop_empty_rows(frame, _empty_rows(frame), lines, steps, "row")
    rows = numbered_rows(lines, f"sheet {sheet!r} row")
    if decimal is None:
        frame = _decimal_commas(frame, ";", text_columns, label, steps, typed=True)
    return Table(frame, label, sha, rows, tuple(steps))


def _read_parquet(path: Path) -> Table:
    raw = path.read_bytes()
    sha = hashlib.sha256(raw).hexdigest()
    try:
        frame = pd.read_parquet(io.BytesIO(raw))
    except Exception as exc:  # pyarrow raises its own error types for a bad file
        raise _error(
            path.name,
            f"not a readable Parquet file: {exc}",
            "check that the file was written completely (Parquet, not Feather or CSV)",
        ) from None
    if not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index()
    return Table(frame, path.name, sha, numbered_rows(np.arange(1, len(frame) + 1), "row"))


def _read_xpt(path: Path, encoding: str | None) -> Table:
    raw = path.read_bytes()
    sha = hashlib.sha256(raw).hexdigest()
    encoding = encoding or "utf-8"
    try:
        frame = pd.read_sas(io.BytesIO(raw), format="xport", encoding=encoding)
    except UnicodeDecodeError as exc:
        raise _error(
            path.name, f"text in the file is not {encoding}: {exc}", "pass encoding=..."
        ) from None
    except Exception as exc:  # the SAS reader raises several types for a bad file
        raise _error(
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
