"""Vectorised scans of a text file's bytes: checksum, lines, separators and fields per line.

When a file has no quotes and a one-byte separator, its fields can be counted by counting
that byte. These scans do so on the raw bytes with NumPy, in chunks of 4 MiB, so that a
large file is checked beside pandas' own reading of it at little cost.
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["count_fields_fast", "quick_count", "scan"]

_CHUNK = 1 << 22
"""Bytes compared at once: bounds the memory of the boolean masks."""

_NOT_PLAIN_INTEGER = (b" ", b"\t", b"\v", b"\f", b"+")
"""Bytes with which an integer can be written otherwise than Python writes it."""


def quick_count(raw: bytes, encoding: str, sep: str) -> bytes | None:
    """The separator byte when fields can be counted by counting it (no quotes, one byte).

    Parameters
    ----------
    raw : bytes
        The whole file.
    encoding : str
        Its encoding.
    sep : str
        The field separator.

    Returns
    -------
    bytes or None
        The separator encoded as one byte, or None when quotes, UTF-16 or a multi-byte
        separator make counting it unreliable.

    Examples
    --------
    >>> quick_count(b"a;b\\n1;2\\n", "utf-8", ";"), quick_count(b'a;"b"\\n', "utf-8", ";")
    (b';', None)
    """
    if encoding.startswith("utf-16") or b'"' in raw:
        return None
    sep_bytes = sep.encode(encoding)
    return sep_bytes if len(sep_bytes) == 1 else None


def scan(raw: bytes, quick: bytes | None, check_first: bool) -> tuple[str, int, int, bool]:
    """The SHA-256 of a file's bytes, and what its bytes say about its lines.

    Parameters
    ----------
    raw : bytes
        The whole file.
    quick : bytes or None
        The separator byte when fields can be counted by counting it (:func:`quick_count`).
    check_first : bool
        Whether to check that integers in the first column read back as written.

    Returns
    -------
    tuple of (str, int, int, bool)
        The SHA-256 (hex); when ``quick`` is given, the number of lines and of separators
        (0 and 0 otherwise); whether every integer in the first column is written as
        ``str(value)`` writes it (False unless ``check_first`` and ``quick``).
    """
    sha = hashlib.sha256(raw).hexdigest()
    if quick is None:
        return sha, 0, 0, False
    n_lines = _count_byte(raw, b"\n") + (0 if raw.endswith(b"\n") else 1)
    first_as_written = check_first and _first_field_as_written(raw)
    return sha, n_lines, _count_byte(raw, quick), first_as_written


def _count_byte(raw: bytes, byte: bytes) -> int:
    """How many times a one-byte string occurs in ``raw``."""
    body = np.frombuffer(raw, dtype=np.uint8)
    value = byte[0]
    return sum(
        int(np.count_nonzero(body[start : start + _CHUNK] == value))
        for start in range(0, len(body), _CHUNK)
    )


def _find_byte(body: np.ndarray, byte: int) -> np.ndarray:
    """Positions of a byte value in ``body``."""
    found = [
        np.flatnonzero(body[start : start + _CHUNK] == byte) + start
        for start in range(0, len(body), _CHUNK)
    ]
    return np.concatenate(found) if found else np.zeros(0, dtype=np.intp)


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


def count_fields_fast(raw: bytes, sep: int) -> tuple[np.ndarray, np.ndarray]:
    """Fields per line and blank lines, for a file without quotes.

    Parameters
    ----------
    raw : bytes
        The whole file.
    sep : int
        The separator's byte value.

    Returns
    -------
    tuple of (ndarray of int64, ndarray of bool)
        For each line (the header first): its number of fields, and whether it is blank
        (nothing but its line end).

    Examples
    --------
    >>> count_fields_fast(b"a;b\\n1;2;3\\n\\r\\n4", ord(";"))
    (array([2, 3, 1, 1]), array([False, False,  True, False]))
    """
    body = np.frombuffer(raw, dtype=np.uint8)
    newlines = np.flatnonzero(body == 10)
    ends = np.append(newlines, len(body)) if (len(body) and body[-1] != 10) else newlines
    counts = np.empty(len(ends), dtype=np.int64)
    blank = np.empty(len(ends), dtype=bool)
    start_line = 0
    begin = 0
    while start_line < len(ends):
        stop_line = int(np.searchsorted(ends, begin + _CHUNK, side="right"))
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
