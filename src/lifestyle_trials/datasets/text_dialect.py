"""The dialect of a text table: its separator, its header's fields and its line structure.

The separator is ``,``, ``;``, tab or ``|``, chosen from the header line. Every line must
then have as many fields as the header; a line with more or fewer is refused with its line
number (pandas would silently pad it, or shift the columns). Blank lines are allowed.
"""

from __future__ import annotations

import csv
import io
import re

import numpy as np

from ..errors import Problem, TrialDataError
from .text_scan import count_fields_fast, quick_count

__all__ = ["field_counts", "header_fields", "sniff_separator"]

_SEPARATORS = (",", ";", "\t", "|")


def sniff_separator(header: str) -> str:
    """The separator used most often in the header line, outside quotes (``,`` if none).

    Parameters
    ----------
    header : str
        The header line, decoded.

    Returns
    -------
    str

    Examples
    --------
    >>> sniff_separator('subject;"a,b";glucose'), sniff_separator("subject")
    (';', ',')
    """
    unquoted = re.sub(r'"[^"]*"', "", header)
    counts = {s: unquoted.count(s) for s in _SEPARATORS}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] > 0 else ","


def header_fields(header: str, sep: str) -> list[str]:
    """The column names in the header line, quotes honoured.

    Parameters
    ----------
    header : str
        The header line, decoded.
    sep : str
        The field separator.

    Returns
    -------
    list of str

    Examples
    --------
    >>> header_fields('a;"b;c"', ";")
    ['a', 'b;c']
    """
    return next(csv.reader([header], delimiter=sep)) if header else []


def field_counts(raw: bytes, encoding: str, sep: str, n_fields: int, label: str) -> np.ndarray:
    """Refuse records with more or fewer fields than the header (blank lines are allowed).

    Parameters
    ----------
    raw : bytes
        The whole file.
    encoding : str
        Its encoding.
    sep : str
        The field separator.
    n_fields : int
        The number of fields in the header.
    label : str
        The source, for messages.

    Returns
    -------
    ndarray of int64
        The line number on which each record (the header first) starts.

    Raises
    ------
    TrialDataError
        One problem naming every line with the wrong number of fields.

    Examples
    --------
    >>> field_counts(b'a,b\\n1,"x\\ny"\\n2,z\\n', "utf-8", ",", 2, "f.csv")
    array([1, 2, 4])
    """
    quick = quick_count(raw, encoding, sep)
    if quick is not None:
        counts, blank = count_fields_fast(raw, quick[0])
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
