"""``make verify``: compare rebuilt reports with the committed ``reports/<id>/expected/``.

What is compared, one line per item:

- ``numbers.json``: every number within a relative tolerance of :data:`RTOL` (absolute
  :data:`ATOL` near zero), every string, flag and count exactly. Software versions and file
  checksums are reported as notes, not differences: a reviewer with other library versions
  may get bitwise-different files and still the same numbers.
- ``tables/*.csv``: the same rule, cell by cell.
- ``figures/*.svg``: by content (SHA-256 of the SVG, whose metadata are fixed).
- ``index.html``: its text with the embedded images set aside, exactly.

:func:`store_expected` writes those four kinds of item for a built report (after review).
"""

from __future__ import annotations

import math
import re
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .files import atomic_write, read_json, write_json

__all__ = ["ATOL", "RTOL", "compare_numbers", "html_text", "store_expected", "verify_reports"]

RTOL = 1e-6
"""Relative tolerance for numbers (iterative fits converge to about 1e-8)."""

ATOL = 1e-9
"""Absolute tolerance for numbers near zero."""

_NOTES_ONLY = (
    ("stamp",),
    ("provenance", "dependencies"),
    ("provenance", "files"),
    ("provenance", "package_version"),
)
"""Parts of numbers.json that describe the environment, reported but not compared."""

_DATA_URI = re.compile(r'src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+"')


_STAMP = re.compile(r"<!-- lifestyle-trials stamp\n.*?\n-->\n", re.DOTALL)


def html_text(html: str) -> str:
    """The report's HTML with each embedded image replaced by a placeholder and without the
    stamp comment (its input checksums change with any bit of the numbers)."""
    return _DATA_URI.sub('src="data:image/svg+xml;base64,…"', _STAMP.sub("", html))


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=RTOL, abs_tol=ATOL)


def compare_numbers(
    built: Any, expected: Any, path: tuple[str, ...] = ()
) -> Iterator[tuple[str, str]]:
    """Differences between two JSON values: ``(kind, message)`` with kind difference/note.

    Examples
    --------
    >>> list(compare_numbers({"a": 1.0, "b": "x"}, {"a": 1.0 + 1e-12, "b": "x"}))
    []
    >>> list(compare_numbers({"a": [1.0, 2.0]}, {"a": [1.0, 2.1]}))
    [('difference', 'a[1]: 2.0, expected 2.1')]
    """
    where = ".".join(path) if path else "(top)"
    if any(path[: len(p)] == p for p in _NOTES_ONLY):
        if built != expected:
            yield "note", f"{where}: {_short(built)}, expected {_short(expected)}"
        return
    if isinstance(expected, dict) and isinstance(built, dict):
        for key in expected:
            if key not in built:
                yield "difference", f"{where}.{key}: missing"
        for key in built:
            if key not in expected:
                yield "difference", f"{where}.{key}: not in the expected numbers"
            else:
                yield from compare_numbers(built[key], expected[key], (*path, str(key)))
        return
    if isinstance(expected, list) and isinstance(built, list):
        if len(built) != len(expected):
            yield "difference", f"{where}: {len(built)} items, expected {len(expected)}"
            return
        for i, (b, e) in enumerate(zip(built, expected, strict=True)):
            label = (*path[:-1], f"{path[-1]}[{i}]") if path else (f"[{i}]",)
            yield from compare_numbers(b, e, label)
        return
    numeric = (int, float)
    if (
        isinstance(built, numeric)
        and isinstance(expected, numeric)
        and not isinstance(built, bool)
        and not isinstance(expected, bool)
    ):
        if isinstance(built, float) or isinstance(expected, float):
            if not _close(float(built), float(expected)):
                yield "difference", f"{where}: {built!r}, expected {expected!r}"
        elif built != expected:
            yield "difference", f"{where}: {built!r}, expected {expected!r}"
        return
    if built != expected:
        yield "difference", f"{where}: {_short(built)}, expected {_short(expected)}"


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _count(value: Any) -> int:
    if isinstance(value, dict):
        return sum(_count(v) for v in value.values())
    if isinstance(value, list):
        return sum(_count(v) for v in value)
    return 1


def _compare_csv(built: Path, expected: Path) -> list[str]:
    b, e = pd.read_csv(built), pd.read_csv(expected)
    if list(b.columns) != list(e.columns) or b.shape != e.shape:
        return [f"shape {b.shape} {list(b.columns)[:6]}, expected {e.shape} {list(e.columns)[:6]}"]
    problems = []
    for col in e.columns:
        bc, ec = b[col], e[col]
        if pd.api.types.is_numeric_dtype(ec) and pd.api.types.is_numeric_dtype(bc):
            for i, (x, y) in enumerate(zip(bc.to_numpy(float), ec.to_numpy(float), strict=True)):
                if not (math.isnan(x) and math.isnan(y)) and not _close(x, y):
                    problems.append(f"row {i + 1}, {col}: {x!r}, expected {y!r}")
        elif not bc.astype(str).equals(ec.astype(str)):
            rows = [
                i + 1
                for i, (x, y) in enumerate(zip(bc.astype(str), ec.astype(str), strict=True))
                if x != y
            ]
            problems.append(f"{col}: text differs in row(s) {rows[:5]}")
    return problems


class _Printer:
    def __init__(self) -> None:
        self.differences = 0

    def line(self, status: str, item: str, detail: str = "") -> None:
        if status == "DIFFERS":
            self.differences += 1
        print(f"  {status:<8} {item}{': ' + detail if detail else ''}")


def verify_reports(built_root: Path, expected_root: Path, ids: Sequence[str]) -> int:
    """Compare ``built_root/<id>`` with ``expected_root/<id>/expected``; 0 when all agree."""
    out = _Printer()
    for report_id in ids:
        print(report_id)
        built, expected = built_root / report_id, expected_root / report_id / "expected"
        if not expected.is_dir():
            out.line(
                "DIFFERS",
                str(expected),
                "no expected version; review the report and run `make expected`",
            )
            continue
        _verify_numbers(out, built, expected)
        _verify_tables(out, built, expected)
        _verify_figures(out, built, expected)
        _verify_html(out, built, expected)
    summary = "no differences" if not out.differences else f"{out.differences} difference(s)"
    print(
        f"verify: {summary} in {len(ids)} report(s) (numbers: relative tolerance {RTOL:g}, "
        f"absolute {ATOL:g}; figures by content)"
    )
    return 1 if out.differences else 0


def _verify_numbers(out: _Printer, built: Path, expected: Path) -> None:
    b, e = read_json(built / "numbers.json"), read_json(expected / "numbers.json")
    found = list(compare_numbers(b, e))
    differences = [m for kind, m in found if kind == "difference"]
    if differences:
        out.line("DIFFERS", "numbers.json", f"{len(differences)} value(s)")
        for message in differences[:20]:
            print(f"             {message}")
        if len(differences) > 20:
            print(f"             … and {len(differences) - 20} more")
    else:
        out.line("ok", "numbers.json", f"{_count(e)} values agree")
    for kind, message in found:
        if kind == "note":
            out.line("note", message)


def _verify_tables(out: _Printer, built: Path, expected: Path) -> None:
    names = sorted(p.name for p in (expected / "tables").glob("*.csv"))
    made = sorted(p.name for p in (built / "tables").glob("*.csv"))
    for name in names:
        if name not in made:
            out.line("DIFFERS", f"tables/{name}", "not built")
            continue
        problems = _compare_csv(built / "tables" / name, expected / "tables" / name)
        if problems:
            out.line("DIFFERS", f"tables/{name}", "; ".join(problems[:3]))
        else:
            out.line("ok", f"tables/{name}")
    for name in made:
        if name not in names:
            out.line("DIFFERS", f"tables/{name}", "built but not expected")


def _verify_figures(out: _Printer, built: Path, expected: Path) -> None:
    want = read_json(expected / "figures.json")
    have = {f["name"]: f["sha256"] for f in read_json(built / "figures" / "index.json")["figures"]}
    for name, sha in want.items():
        if name not in have:
            out.line("DIFFERS", f"figures/{name}.svg", "not built")
        elif have[name] != sha:
            out.line(
                "DIFFERS",
                f"figures/{name}.svg",
                f"content differs (sha256 {have[name][:12]}…, expected {sha[:12]}…)",
            )
        else:
            out.line("ok", f"figures/{name}.svg", f"sha256 {sha[:12]}…")
    for name in have:
        if name not in want:
            out.line("DIFFERS", f"figures/{name}.svg", "built but not expected")


def _verify_html(out: _Printer, built: Path, expected: Path) -> None:
    text = html_text((built / "index.html").read_text("utf-8"))
    want = (expected / "index.html").read_text("utf-8")
    if text == want:
        out.line("ok", "index.html", "text identical (images compared above)")
        return
    b, e = text.splitlines(), want.splitlines()
    first = next(
        (i for i, (x, y) in enumerate(zip(b, e, strict=False)) if x != y), min(len(b), len(e))
    )
    out.line("DIFFERS", "index.html", f"first difference at line {first + 1}")


def store_expected(report: Path) -> None:
    """Copy a built report's comparable items into ``report/expected/``."""
    target = report / "expected"
    if target.exists():
        shutil.rmtree(target)
    (target / "tables").mkdir(parents=True)
    shutil.copyfile(report / "numbers.json", target / "numbers.json")
    for csv in sorted((report / "tables").glob("*.csv")):
        shutil.copyfile(csv, target / "tables" / csv.name)
    index = read_json(report / "figures" / "index.json")
    write_json(target / "figures.json", {f["name"]: f["sha256"] for f in index["figures"]})
    html = html_text((report / "index.html").read_text("utf-8"))
    atomic_write(target / "index.html", html.encode("utf-8"))
    print(f"  expected  {target}")
