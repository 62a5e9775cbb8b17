"""The text encoding of a table file, detected or checked, and its decoded header line.

UTF-8 (with or without a byte-order mark) and UTF-16 with a byte-order mark are read as such.
A file that is not UTF-8 is read as Windows-1252/Latin-1 only when every non-ASCII character
then decodes to a letter or a common symbol (µ, °, ±, ², ·, ×); this is recorded. Anything
else is refused: the caller passes ``encoding=``.
"""

from __future__ import annotations

import unicodedata

from .raw_table import read_error

__all__ = ["detect_encoding", "header_line"]

_SYMBOLS = frozenset("µ°±²·×€–—‘’“”«»§½¼¾")
"""Non-letters that a legacy-encoded table plausibly holds."""


def detect_encoding(raw: bytes, encoding: str | None, label: str, steps: list[str]) -> str:
    """The encoding to read a text file with: ``encoding`` once checked, or the detected one.

    Parameters
    ----------
    raw : bytes
        The whole file.
    encoding : str, optional
        The encoding the caller gave; the file must decode with it.
    label : str
        The source, for messages.
    steps : list of str
        What reading did; a step is appended when the encoding is not plain UTF-8.

    Returns
    -------
    str
        A codec name for :meth:`bytes.decode` and :func:`pandas.read_csv`.

    Raises
    ------
    TrialDataError
        A zip archive, a file with NUL bytes and no byte-order mark, a file that does not
        decode with ``encoding``, or one that is neither UTF-8 nor plausible Latin-1 text.

    Examples
    --------
    >>> steps = []
    >>> detect_encoding("µg;°C\\n".encode("cp1252"), None, "f.csv", steps), steps
    ('cp1252', ['text decoded as cp1252 (the file is not UTF-8)'])
    """
    if raw[:4] == b"PK\x03\x04":
        raise read_error(
            label,
            "this is a zip archive (an Excel workbook?) with a text file's name",
            "give it its real extension (.xlsx) or export it as CSV",
        )
    if encoding is not None:
        try:
            raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise read_error(
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
        raise read_error(
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
        if exc.reason == "unexpected end of data" and _utf8_before(raw, first_bad):
            line = raw.count(b"\n", 0, first_bad) + 1
            raise read_error(
                label,
                f"the file ends inside a UTF-8 character (line {line}): it was cut short",
                "copy or export the file again, complete",
            ) from None
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
    raise read_error(
        label,
        f"the file is not UTF-8 (line {line} has byte 0x{raw[first_bad]:02x}) and does not "
        "look like Latin-1 text either",
        "pass encoding=... (e.g. 'cp1250', 'mac_roman'), or save the file as UTF-8",
    )


def _utf8_before(raw: bytes, end: int) -> bool:
    """Whether the bytes before ``end`` are UTF-8 with at least one non-ASCII character (so
    that a sequence cut at ``end`` is a cut UTF-8 file, not Latin-1 text)."""
    try:
        return not raw[:end].decode("utf-8-sig").isascii()
    except UnicodeDecodeError:
        return False


def _plausible_char(ch: str) -> bool:
    return unicodedata.category(ch).startswith("L") or ch in _SYMBOLS


def header_line(raw: bytes, encoding: str) -> str:
    """The first line of a text file, decoded, without byte-order mark or line end.

    Parameters
    ----------
    raw : bytes
        The whole file.
    encoding : str
        Its encoding (see :func:`detect_encoding`).

    Returns
    -------
    str
        Empty for an empty file.

    Examples
    --------
    >>> header_line(b"\\xef\\xbb\\xbfa;b\\r\\n1;2\\r\\n", "utf-8-sig")
    'a;b'
    """
    end = raw.find(b"\n")
    head = raw if end < 0 else raw[: end + 1]
    if encoding.startswith("utf-16"):
        text = raw.decode(encoding)
        return text.splitlines()[0] if text else ""
    return head.decode(encoding).lstrip("\ufeff").rstrip("\r\n")
