"""``make verify``: compare rebuilt reports with the committed ``reports/<id>/expected/``.

What a reviewer must check is compared by content, within the tolerances of
:mod:`.compare`, one line per item:

- ``numbers.json``: every number within a relative tolerance of :data:`RTOL` (absolute
  :data:`ATOL` near zero), every string, flag and count exactly. Software versions and file
  checksums are reported as notes, not differences.
- ``tables/*.csv``: the same rule, cell by cell.
- ``figures/<name>``: what the figure draws (``figures/<name>.json``, written beside each SVG:
  plotted coordinates and texts), compared as numbers; not the SVG bytes.
- ``index.html``: its text, embedded images and the stylesheet (the package's
  ``report.css``, the same in every report) set aside, printed numbers compared as numbers
  within their printed precision (a value on a rounding boundary may print one unit apart in
  the last digit), checksums and software versions as notes.
- ``data/{raw,interim,processed}/<id>.csv`` and their manifests: by their values.

Bytes are the promise on one machine; content within these tolerances is the promise
anywhere. numpy's ``exp``, ``log`` and ``power`` round differently in the last bit on
different CPUs (AVX-512 against AVX2 code paths), so a rebuild elsewhere may write other bytes
for the same content: each item says whether its bytes are identical, or ``same content,
other bytes``.

:func:`store_expected` writes those items for a built report (after review).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .compare import (
    ATOL,
    RTOL,
    compare_csv,
    compare_numbers,
    compare_text,
    count_values,
)
from .files import atomic_write, read_json, write_json

__all__ = [
    "ATOL",
    "RTOL",
    "STAGES",
    "compare_numbers",
    "html_text",
    "store_expected",
    "verify_reports",
]

STAGES: tuple[str, ...] = ("raw", "interim", "processed")
"""The data stages whose files are compared (``data/<stage>/<id>.csv`` and ``.json``)."""

OTHER_BYTES = "same content, other bytes: another CPU or library build"

_NUMBERS_NOTES = (
    ("stamp",),
    ("provenance", "dependencies"),
    ("provenance", "files"),
    ("provenance", "package_version"),
    ("provenance", "source_sha256"),
)
"""Parts of numbers.json that describe the environment, reported but not compared."""

_MANIFEST_NOTES = (("stamp",),)
"""Parts of a data manifest that describe the environment, reported but not compared."""


_DATA_URI = re.compile(r'src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+"')
_STAMP = re.compile(r"<!-- lifestyle-trials stamp\n.*?\n-->\n", re.DOTALL)
_STYLE = re.compile(r"<style>\n.*?</style>", re.DOTALL)


def html_text(html: str) -> str:
    r"""The report's HTML with each embedded image and the stylesheet replaced by a
    placeholder and without the stamp comment (its input checksums change with any bit of
    the numbers).

    Examples
    --------
    >>> html_text('<head><style>\nbody { margin: 0 }\n</style></head>')
    '<head><style>…</style></head>'
    """
    text = _STYLE.sub("<style>…</style>", _STAMP.sub("", html))
    return _DATA_URI.sub('src="data:image/svg+xml;base64,…"', text)


def _data_root(reports_root: Path) -> Path:
    """``<root>/data`` beside ``<root>/reports``, as ``make report OUT=<root>`` builds them."""
    return reports_root.parent / "data"


class _Printer:
    def __init__(self) -> None:
        self.differences = 0
        self.other_bytes = 0
        self.report_ids: set[str] = set()
        self.report = ""

    def line(
        self, status: str, item: str, detail: str = "", same_bytes: bool | None = None
    ) -> None:
        if status == "DIFFERS":
            self.differences += 1
            self.report_ids.add(self.report)
        elif same_bytes is not None:
            detail = f"{detail}; " if detail else ""
            if same_bytes:
                detail += "identical bytes"
            else:
                detail += OTHER_BYTES
                self.other_bytes += 1
        print(f"  {status:<8} {item}{': ' + detail if detail else ''}")

    def details(self, messages: Sequence[str], most: int = 10) -> None:
        for message in messages[:most]:
            print(f"             {message}")
        if len(messages) > most:
            print(f"             … and {len(messages) - most} more")


def verify_reports(built_root: Path, expected_root: Path, ids: Sequence[str]) -> int:
    """Compare ``built_root/<id>`` with ``expected_root/<id>/expected``; 0 when all agree.

    The data files are read from ``data/`` beside ``built_root`` (``make report OUT=<dir>``
    writes ``<dir>/reports`` and ``<dir>/data``).
    """
    built_root, expected_root = Path(built_root), Path(expected_root)
    out = _Printer()
    for report_id in ids:
        print(report_id)
        out.report = report_id
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
        _verify_data(out, _data_root(built_root), report_id, expected)
    if out.differences:
        summary = (
            f"{out.differences} difference(s) in {len(out.report_ids)} of {len(ids)} report(s)"
        )
    else:
        summary = f"no differences in {len(ids)} report(s)"
    if out.other_bytes:
        summary += f"; {out.other_bytes} item(s) with the {OTHER_BYTES}"
    print(
        f"verify: {summary} (numbers: relative tolerance {RTOL:g}, absolute {ATOL:g}; printed "
        "numbers within their last digit; figures by what they draw; data by value)"
    )
    return 1 if out.differences else 0


def _same_bytes(a: Path, b: Path) -> bool:
    return a.read_bytes() == b.read_bytes()


def _json_item(
    out: _Printer,
    item: str,
    built: Path,
    expected: Path,
    notes: tuple[tuple[str, ...], ...] = (),
    same_bytes: bool | None = None,
) -> None:
    """Compare two JSON files by value; print the item's line, its differences and notes."""
    if not built.is_file():
        out.line("DIFFERS", item, "not built")
        return
    if not expected.is_file():
        out.line("DIFFERS", item, "built but not expected (review it and run `make expected`)")
        return
    e = read_json(expected)
    found = list(compare_numbers(read_json(built), e, notes=notes))
    differences = [m for kind, m in found if kind == "difference"]
    if same_bytes is None:
        same_bytes = _same_bytes(built, expected)
    if differences:
        out.line("DIFFERS", item, f"{len(differences)} value(s)")
        out.details(differences)
    else:
        out.line("ok", item, f"{count_values(e)} values agree", same_bytes=same_bytes)
    _print_notes(out, [m for kind, m in found if kind == "note"])


def _print_notes(out: _Printer, notes: Iterable[str]) -> None:
    """Versions one line each; checksums and stamps (which follow the bytes) counted."""
    checksums = 0
    for message in notes:
        if message.startswith(_CHECKSUM_NOTES):
            checksums += 1
        else:
            out.line("note", message)
    if checksums:
        out.line(
            "note", f"{checksums} recorded checksum(s) or stamp(s) differ (they follow the bytes)"
        )


_CHECKSUM_NOTES = ("stamp", "provenance.files", "provenance.source_sha256")


def _verify_numbers(out: _Printer, built: Path, expected: Path) -> None:
    _json_item(
        out, "numbers.json", built / "numbers.json", expected / "numbers.json", _NUMBERS_NOTES
    )


def _csv_item(out: _Printer, item: str, built: Path, expected: Path) -> None:
    if not built.is_file():
        out.line("DIFFERS", item, "not built")
        return
    if not expected.is_file():
        out.line("DIFFERS", item, "built but not expected (review it and run `make expected`)")
        return
    cells, problems = compare_csv(built, expected)
    if problems:
        out.line("DIFFERS", item, f"{len(problems)} cell(s)")
        out.details(problems)
    else:
        out.line("ok", item, f"{cells} cells agree", same_bytes=_same_bytes(built, expected))


def _verify_tables(out: _Printer, built: Path, expected: Path) -> None:
    names = sorted(p.name for p in (expected / "tables").glob("*.csv"))
    made = sorted(p.name for p in (built / "tables").glob("*.csv"))
    for name in sorted(set(names) | set(made)):
        _csv_item(out, f"tables/{name}", built / "tables" / name, expected / "tables" / name)


def _figure_index(folder: Path) -> dict[str, dict[str, Any]]:
    path = folder / "index.json"
    if not path.is_file():
        return {}
    return {f["name"]: f for f in read_json(path)["figures"]}


def _verify_figures(out: _Printer, built: Path, expected: Path) -> None:
    want = _figure_index(expected / "figures")
    have = _figure_index(built / "figures")
    if not want:
        out.line(
            "DIFFERS",
            "figures",
            "no expected figure data (an older expected version?); review the report and "
            "run `make expected`",
        )
        return
    for name in [*want, *(n for n in have if n not in want)]:
        item = f"figures/{name}"
        if name not in have:
            out.line("DIFFERS", item, "not drawn")
        elif name not in want:
            out.line("DIFFERS", item, "drawn but not expected (review it and run `make expected`)")
        else:
            data = have[name].get("data", f"{name}.json")
            _json_item(
                out,
                item,
                built / "figures" / data,
                expected / "figures" / f"{name}.json",
                same_bytes=have[name]["sha256"] == want[name]["sha256"],
            )


def _verify_html(out: _Printer, built: Path, expected: Path) -> None:
    for path, problem in ((built, "not built"), (expected, "not in the expected version")):
        if not (path / "index.html").is_file():
            out.line("DIFFERS", "index.html", problem)
            return
    text = html_text((built / "index.html").read_text("utf-8"))
    want = (expected / "index.html").read_text("utf-8")
    if text == want:
        out.line("ok", "index.html", "text agrees (figures compared above)", same_bytes=True)
        return
    found = list(compare_text(text, want))
    differences = [(m, at) for kind, m, at in found if kind == "difference"]
    notes = [m for kind, m, _ in found if kind == "note"]
    if differences:
        out.line("DIFFERS", "index.html", f"{len(differences)} difference(s) in the text")
        out.details([f"line {want.count(chr(10), 0, at) + 1}: {m}" for m, at in differences])
    else:
        out.line(
            "ok",
            "index.html",
            "text agrees, printed numbers within their last digit"
            + (f"; {len(notes)} checksum(s) or version(s) differ" if notes else ""),
            same_bytes=False,
        )


def has_data(data: Path, report_id: str) -> bool:
    """Whether the analysis has data files (a power analysis simulates and has none)."""
    return any((data / stage / f"{report_id}.csv").exists() for stage in STAGES)


def _verify_data(out: _Printer, data: Path, report_id: str, expected: Path) -> None:
    if not has_data(data, report_id) and not any((expected / "data").glob("*.csv")):
        return
    for stage in STAGES:
        item = f"data/{stage}/{report_id}"
        want = expected / "data" / stage
        _csv_item(out, f"{item}.csv", data / stage / f"{report_id}.csv", want.with_suffix(".csv"))
        _json_item(
            out,
            f"{item}.json",
            data / stage / f"{report_id}.json",
            want.with_suffix(".json"),
            _MANIFEST_NOTES,
        )


def store_expected(report: Path) -> None:
    """Copy a built report's comparable items into ``report/expected/``.

    ``report`` is ``<root>/reports/<id>``; its data files are read from ``<root>/data``.
    """
    report = Path(report)
    target = report / "expected"
    if target.exists():
        shutil.rmtree(target)
    for folder in ("tables", "figures", "data"):
        (target / folder).mkdir(parents=True)
    shutil.copyfile(report / "numbers.json", target / "numbers.json")
    for csv in sorted((report / "tables").glob("*.csv")):
        shutil.copyfile(csv, target / "tables" / csv.name)
    figures = []
    for figure in read_json(report / "figures" / "index.json")["figures"]:
        name = figure["name"]
        shutil.copyfile(report / "figures" / figure["data"], target / "figures" / f"{name}.json")
        figures.append({"name": name, "sha256": figure["sha256"], "data": f"{name}.json"})
    write_json(target / "figures" / "index.json", {"figures": figures})
    html = html_text((report / "index.html").read_text("utf-8"))
    atomic_write(target / "index.html", html.encode("utf-8"))
    data = _data_root(report.parent)
    if has_data(data, report.name):
        for stage in STAGES:
            for suffix in (".csv", ".json"):
                source = data / stage / f"{report.name}{suffix}"
                shutil.copyfile(source, target / "data" / f"{stage}{suffix}")
    print(f"  expected  {target}")
