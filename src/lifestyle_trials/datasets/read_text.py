"""Reading a CSV/TSV file as written: its encoding, dialect, decimal mark and line numbers.

pandas reads the file; beside it, the bytes are hashed and scanned (:mod:`.text_scan`) so
that every row keeps the line of the file it came from, lines with the wrong number of
fields are refused (:mod:`.text_dialect`), empty lines are skipped and recorded, and
columns written with a decimal comma are converted (:mod:`.decimal_comma`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from ..factorize import ARROW_TEXT
from ..validation import numbered_rows
from .decimal_comma import decimal_commas
from .raw_table import Table, check_duplicate_names, drop_empty_rows, empty_rows, read_error
from .text_dialect import field_counts, header_fields, sniff_separator
from .text_encoding import detect_encoding, header_line
from .text_scan import quick_count, scan

__all__ = ["read_text"]


def check_separator(sep: object, decimal: str | None, label: str) -> None:
    """Refuse a separator that cannot delimit the fields of a table.

    Raises
    ------
    TrialDataError
        A separator that is not one character, or is a quote, a line end, a letter, a
        digit or the decimal mark.

    Examples
    --------
    >>> check_separator("::", None, "f.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    lifestyle_trials.errors.TrialDataError: 1 problem(s) in f.csv:
      - the separator must be one character, got '::'. Pass sep=',', ';', '\\t' or '|'
    """
    hint = "pass sep=',', ';', '\\t' or '|'"
    if not isinstance(sep, str) or len(sep) != 1:
        raise read_error(label, f"the separator must be one character, got {sep!r}", hint)
    if sep in '"\r\n' or sep.isalnum() or sep == ".":
        raise read_error(label, f"{sep!r} cannot separate fields", hint)
    if decimal is not None and sep == decimal:
        raise read_error(
            label, f"the separator and the decimal mark are both {sep!r}", "pass another sep="
        )


def read_text(
    path: Path,
    encoding: str | None,
    sep: str | None,
    decimal: str | None,
    text_columns: Sequence[str],
) -> Table:
    """Read a delimited text file.

    Parameters
    ----------
    path : Path
        An existing file.
    encoding : str, optional
        Text encoding; detected when None (:func:`.text_encoding.detect_encoding`).
    sep : str, optional
        Field separator; detected from the header line when None.
    decimal : {'.', ','}, optional
        Decimal mark; when None, columns written with a decimal comma are detected and
        converted.
    text_columns : sequence of str
        Columns kept as text as written (e.g. subject ids such as ``007``).

    Returns
    -------
    Table
        Rows labelled by the line of the file they start on ("line 4"), or by their
        position ("record 3") where pandas found line ends this count does not.

    Raises
    ------
    TrialDataError
        A file that cannot be read unambiguously (see :mod:`.readers`).
    """
    raw = path.read_bytes()
    label = path.name
    if b"\r" in raw and b"\n" not in raw:
        raise read_error(
            label,
            "lines end with a carriage return only (the classic Mac OS convention)",
            "save the file with Unix (LF) or Windows (CR LF) line endings and read it again",
        )
    steps: list[str] = []
    encoding = detect_encoding(raw, encoding, label, steps)
    header = header_line(raw, encoding)
    if not header.strip():
        raise read_error(
            label,
            "the file is empty" if not header else "the first line of the file is empty",
            "the first line must hold the column names; check that the file was saved completely",
        )
    if sep is None:
        sep = sniff_separator(header)
    check_separator(sep, decimal, label)
    names = header_fields(header, sep)
    if len(names) == 1 and not decimal:
        raise read_error(
            label,
            f"only one column found in the header ({header[:60]!r})",
            "the separator was not recognised: pass sep=... (',', ';' or '\\t')",
        )
    check_duplicate_names(names, label)
    quick = quick_count(raw, encoding, sep)
    starts = None if quick is not None else field_counts(raw, encoding, sep, len(names), label)
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
            raise read_error(
                label, f"decimal must be '.' or ',', got {decimal!r}", "pass '.' or ','"
            )
        options["decimal"] = decimal
    # pandas reads the file itself (in parallel for a large local file) while the bytes are
    # hashed and counted beside it
    with ThreadPoolExecutor(max_workers=1) as pool:
        scanning = pool.submit(scan, raw, quick, check_first)
        del raw
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", pd.errors.ParserWarning)
                frame = pd.read_csv(path, **options)
        except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
            field_counts(path.read_bytes(), encoding, sep, len(names), label)
            raise read_error(
                label,
                f"the file could not be read as a table: {exc}",
                "check the separator (sep=) and that quotes are balanced",
            ) from None
        except (UnicodeDecodeError, ValueError) as exc:
            raise read_error(
                label,
                f"the file could not be read as a table: {exc}",
                "check the encoding (encoding=) and the separator (sep=)",
            ) from None
        sha, n_lines, n_separators, first_as_written = scanning.result()
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
    empty = empty_rows(frame)
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
            starts = field_counts(path.read_bytes(), encoding, sep, len(names), label)

    if len(frame) <= len(starts) - 1:
        lines = starts[1 : len(frame) + 1]
        noun = "line"
    else:  # line ends pandas knows and this count does not (a lone carriage return)
        lines = np.arange(1, len(frame) + 1)
        noun = "record"
    frame, lines = drop_empty_rows(frame, empty, lines, steps, noun)
    rows = numbered_rows(lines, noun)
    if decimal is None and may_have_commas:
        frame = decimal_commas(frame, sep, text_columns, label, steps)
    return Table(frame, label, sha, rows, tuple(steps))
