"""The comparison rules of ``make verify``: numbers, printed text and tables of values.

A rebuilt report agrees with its expected version when

- every number agrees within a relative tolerance of :data:`RTOL` (absolute :data:`ATOL`
  near zero), and every count, flag and string is equal;
- every printed text agrees with the numbers in it read as numbers: two printed numbers agree
  when some values, one rounding to each as printed, lie within those tolerances of each
  other. A last-digit difference ("0.1235" against "0.1234") therefore passes only when the
  true values sit on either side of a rounding boundary; a difference of two units in the last
  digit never does;
- SHA-256 checksums (runs of 12 to 64 lower-case hex digits) and software versions (three or
  more dot-separated parts, ``2.4.6``) in a text are set aside: checksums change with any bit
  of a file, versions with the environment (which ``make report`` pins; see
  ``constraints.txt``); both are reported as notes, apart from differences.

The underlying numbers are checked at full precision in ``numbers.json``, the data files and
the tables; the printed rule only keeps a value lying on a rounding boundary from failing a
text that is otherwise the same.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "ATOL",
    "RTOL",
    "Printed",
    "close",
    "compare_csv",
    "compare_numbers",
    "compare_text",
    "printed_agree",
    "printed_tokens",
]

RTOL = 1e-6
"""Relative tolerance for numbers (iterative fits converge to about 1e-8)."""

ATOL = 1e-9
"""Absolute tolerance for numbers near zero."""


def close(a: float, b: float) -> bool:
    """Whether two numbers agree within :data:`RTOL` (:data:`ATOL` near zero); NaN equals NaN.

    Examples
    --------
    >>> close(1.0, 1.0 + 1e-9), close(1.0, 1.0001), close(float("nan"), float("nan"))
    (True, False, True)
    """
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=RTOL, abs_tol=ATOL)


@dataclass(frozen=True)
class Printed:
    """A number as printed: its value and the unit of its last printed digit."""

    value: float
    unit: float

    def agrees(self, other: Printed) -> bool:
        """Whether values rounding to ``self`` and to ``other`` can lie within tolerance.

        Each printed number stands for the interval of values that round to it (half a unit
        of its last digit either side); the two agree when the gap between the intervals is
        within :data:`RTOL` of the value (:data:`ATOL` near zero).
        """
        low = max(self.value - self.unit / 2, other.value - other.unit / 2)
        high = min(self.value + self.unit / 2, other.value + other.unit / 2)
        size = max(abs(self.value), abs(other.value))
        return low - high <= RTOL * size + ATOL + 1e-12 * max(self.unit, other.unit)


_CHECKSUM = r"(?<![0-9A-Za-z_])[0-9a-f]{12,64}(?![0-9A-Za-z_])"
_NUMBER = r"(?<![\w.])(?<!\w[-−])[-−]?\d+(?:\.\d+)?(?:[eE][-+−]?\d+)?(?![\w])"
_VERSION = r"(?<![\w.])\d+\.\d+\.\d+(?:[.+-]?[A-Za-z0-9]+)*(?!\w|\.\d)"
_TOKEN = re.compile(f"(?P<sum>{_CHECKSUM})|(?P<version>{_VERSION})|(?P<num>{_NUMBER})")


def _printed(text: str) -> Printed:
    plain = text.replace("−", "-")
    mantissa, _, exponent = plain.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return Printed(float(plain), 10.0 ** (int(exponent or 0) - decimals))


def printed_tokens(text: str) -> list[tuple[str, Any, int]]:
    """Split a text into ``(kind, value, offset)``: kind ``text``, ``number``, ``checksum`` or
    ``version``.

    A number is a run of digits with an optional sign (``-`` or ``−``), decimals and
    exponent, standing alone (not part of a word such as ``homa_ir_12`` or ``ODES-034``);
    its value is a :class:`Printed`.

    Examples
    --------
    >>> [(k, v) for k, v, _ in printed_tokens("HR 0.81 (−0.2 to 1e-05), visit_12, ODES-034")]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('text', 'HR '), ('number', Printed(value=0.81, unit=0.01)), ('text', ' ('),
     ('number', Printed(value=-0.2, unit=0.1)), ('text', ' to '),
     ('number', Printed(value=1e-05, unit=1e-05)), ('text', '), visit_12, ODES-034')]
    """
    out: list[tuple[str, Any, int]] = []
    at = 0
    for match in _TOKEN.finditer(text):
        if match.start() > at:
            out.append(("text", text[at : match.start()], at))
        if match.group("sum"):
            out.append(("checksum", match.group(), match.start()))
        elif match.group("version"):
            out.append(("version", match.group(), match.start()))
        else:
            out.append(("number", _printed(match.group()), match.start()))
        at = match.end()
    if at < len(text):
        out.append(("text", text[at:], at))
    return out


def printed_agree(built: str, expected: str) -> bool:
    """Whether two texts agree, their printed numbers compared as numbers (checksums aside).

    Examples
    --------
    >>> printed_agree("mean 0.1235 (n = 40)", "mean 0.1234 (n = 40)")
    True
    >>> printed_agree("mean 0.1236 (n = 40)", "mean 0.1234 (n = 40)")
    False
    >>> printed_agree("10.00", "9.999"), printed_agree("mean", "median")
    (True, False)
    >>> printed_agree("numpy 2.4.6, sha 0123456789abcdef", "numpy 2.3.1, sha 123456789abcdef0")
    True
    """
    if built == expected:
        return True
    return all(kind != "difference" for kind, _, _ in compare_text(built, expected))


def compare_text(built: str, expected: str) -> Iterator[tuple[str, str, int]]:
    """Differences between two texts: ``(kind, message, offset in expected)``.

    kind is ``difference`` (text, a number beyond its printed precision, a number where
    text was) or ``note`` (a checksum or a software version that differs).
    """
    b, e = printed_tokens(built), printed_tokens(expected)
    for (bk, bv, _), (ek, ev, at) in zip(b, e, strict=False):
        if bk != ek:
            yield "difference", f"{_show(bv)!r}, expected {_show(ev)!r}", at
            return
        if bk == "number":
            if not bv.agrees(ev):
                yield "difference", f"{_number_text(built, b, bv)}, expected {_show(ev)}", at
        elif bv != ev:
            kind = "difference" if bk == "text" else "note"
            yield kind, f"{bv!r}, expected {ev!r}", at
            if bk == "text":
                return
    if len(b) != len(e):
        at = e[len(b)][2] if len(e) > len(b) else len(expected)
        yield "difference", f"{len(b)} parts, expected {len(e)} (text cut or added)", at


def _show(value: Any) -> str:
    if isinstance(value, Printed):
        return f"{value.value:g}"
    text = str(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _number_text(text: str, tokens: list[tuple[str, Any, int]], value: Printed) -> str:
    for kind, v, at in tokens:
        if kind == "number" and v is value:
            return re.match(_NUMBER, text[at:]).group()  # type: ignore[union-attr]
    return _show(value)


def compare_numbers(
    built: Any, expected: Any, path: tuple[str, ...] = (), notes: tuple[tuple[str, ...], ...] = ()
) -> Iterator[tuple[str, str]]:
    """Differences between two JSON values: ``(kind, message)`` with kind difference/note.

    Numbers are compared with :func:`close` (integers exactly), strings with
    :func:`printed_agree`, everything else exactly. Parts under a path in ``notes``
    (describing the environment: versions, checksums) are reported as notes only.

    Examples
    --------
    >>> list(compare_numbers({"a": 1.0, "b": "x"}, {"a": 1.0 + 1e-12, "b": "x"}))
    []
    >>> list(compare_numbers({"a": [1.0, 2.0]}, {"a": [1.0, 2.1]}))
    [('difference', 'a[1]: 2.0, expected 2.1')]
    """
    where = ".".join(path) if path else "(top)"
    if any(path[: len(p)] == p for p in notes):
        if built != expected:
            yield "note", f"{where}: {_short(built)}, expected {_short(expected)}"
        return
    if isinstance(expected, dict) and isinstance(built, dict):
        for key in expected:
            if key not in built:
                yield "difference", f"{where}.{key}: missing"
        for key in built:
            if key not in expected:
                yield "difference", f"{where}.{key}: not in the expected version"
            else:
                yield from compare_numbers(built[key], expected[key], (*path, str(key)), notes)
        return
    if isinstance(expected, list) and isinstance(built, list):
        if len(built) != len(expected):
            yield "difference", f"{where}: {len(built)} items, expected {len(expected)}"
            return
        for i, (b, e) in enumerate(zip(built, expected, strict=True)):
            label = (*path[:-1], f"{path[-1]}[{i}]") if path else (f"[{i}]",)
            yield from compare_numbers(b, e, label, notes)
        return
    numeric = (int, float)
    if (
        isinstance(built, numeric)
        and isinstance(expected, numeric)
        and not isinstance(built, bool)
        and not isinstance(expected, bool)
    ):
        if isinstance(built, float) or isinstance(expected, float):
            if not close(float(built), float(expected)):
                yield "difference", f"{where}: {built!r}, expected {expected!r}"
        elif built != expected:
            yield "difference", f"{where}: {built!r}, expected {expected!r}"
        return
    if isinstance(built, str) and isinstance(expected, str):
        if not printed_agree(built, expected):
            yield "difference", f"{where}: {_short(built)}, expected {_short(expected)}"
        return
    if built != expected:
        yield "difference", f"{where}: {_short(built)}, expected {_short(expected)}"


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def count_values(value: Any) -> int:
    """The number of leaves (numbers, strings, flags, nulls) in a JSON value."""
    if isinstance(value, dict):
        return sum(count_values(v) for v in value.values())
    if isinstance(value, list):
        return sum(count_values(v) for v in value)
    return 1


def compare_csv(built: Path, expected: Path) -> tuple[int, list[str]]:
    """Compare two CSV tables cell by cell: ``(cells compared, problems)``.

    Numbers are compared with :func:`close`, text cells with :func:`printed_agree`; a
    problem names its row (1 = first data row) and column.
    """
    b = pd.read_csv(built, keep_default_na=False, dtype=str)
    e = pd.read_csv(expected, keep_default_na=False, dtype=str)
    if list(b.columns) != list(e.columns) or b.shape != e.shape:
        return 0, [
            f"shape {b.shape} {list(b.columns)[:6]}, expected {e.shape} {list(e.columns)[:6]}"
        ]
    problems = []
    for col in e.columns:
        for i, (x, y) in enumerate(zip(b[col], e[col], strict=True)):
            if x != y and not _cell_agrees(x, y):
                problems.append(f"row {i + 1}, {col}: {x!r}, expected {y!r}")
    return e.size, problems


def _cell_agrees(built: str, expected: str) -> bool:
    """Numbers (the tables hold them at full precision) with :func:`close`, text with
    :func:`printed_agree`."""
    if _NUMERIC.fullmatch(built) and _NUMERIC.fullmatch(expected):
        return close(float(built), float(expected))
    return printed_agree(built, expected)


_NUMERIC = re.compile(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|nan|-?inf")
