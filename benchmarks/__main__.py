"""Run the benchmarks: ``python -m benchmarks [name-filter]``.

Discovers ``benchmarks/bench_*.py``, runs each module's ``run()`` (only the modules whose
name contains the filter, when one is given), prints one table and writes
``benchmarks/results/latest.json`` with the rows and the machine and library versions.
A module that fails is reported and the others still run; the exit status is then 1.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import math
import os
import platform
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from . import ROW_KEYS

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "latest.json"


def discover(name_filter: str = "") -> list[str]:
    """Names of the benchmark modules (``bench_*.py``) whose name contains the filter."""
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    return [n for n in names if name_filter in n]


def run_module(name: str) -> tuple[list[dict[str, Any]], str | None]:
    """The rows of one module, or no rows and the error."""
    try:
        module = importlib.import_module(f"{__package__}.{name}")
        rows = [_check_row(row, name) for row in module.run()]
    except Exception:  # report and carry on with the next module
        return [], traceback.format_exc()
    return [{"module": name, **row} for row in rows], None


def _check_row(row: dict[str, Any], module: str) -> dict[str, Any]:
    missing = [k for k in ROW_KEYS if k not in row]
    if missing:
        raise KeyError(f"{module}: a row lacks {', '.join(missing)}")
    return {k: row[k] for k in ROW_KEYS}


def _number(value: Any, digits: int) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.{digits}f}"


def table(rows: list[dict[str, Any]]) -> str:
    """The rows as a plain-text table."""
    header = ("benchmark", "ours s", "peer", "peer s", "ratio", "peak MB", "notes")
    body = [
        (
            str(r["name"]),
            _number(r["ours_s"], 3),
            str(r["peer"]),
            _number(r["peer_s"], 3),
            _number(r["ratio"], 2),
            _number(r["peak_mb"], 0),
            str(r["notes"]),
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in (header, *body)) for i in range(len(header) - 1)]
    right = {1, 3, 4, 5}

    def fmt(line: tuple[str, ...]) -> str:
        cells = [
            cell.rjust(w) if i in right else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(line[:-1], widths, strict=True))
        ]
        return "  ".join(cells) + "  " + line[-1]

    rule = "-" * (sum(widths) + 2 * len(widths) + len(header[-1]))
    return "\n".join([fmt(header), rule, *(fmt(line) for line in body)])


def environment() -> dict[str, Any]:
    """What the numbers depend on: versions, machine, time."""
    versions = {}
    for lib in ("lifestyle_trials", "numpy", "pandas", "scipy", "statsmodels"):
        try:
            versions[lib] = importlib.import_module(lib).__version__
        except Exception:  # a missing library is recorded, not fatal
            versions[lib] = None
    return {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "versions": versions,
    }


def write_results(rows: list[dict[str, Any]], errors: dict[str, str], name_filter: str) -> Path:
    """Write the results JSON (atomically) and return its path."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "environment": environment(),
        "filter": name_filter,
        "rows": [{k: _json_number(v) for k, v in r.items()} for r in rows],
        "errors": errors,
    }
    tmp = RESULTS.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    tmp.replace(RESULTS)
    return RESULTS


def _json_number(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or (args and args[0] in ("-h", "--help")):
        print(__doc__)
        return 0 if args and args[0] in ("-h", "--help") else 2
    name_filter = args[0] if args else ""
    names = discover(name_filter)
    if not names:
        print(f"no benchmark module matches {name_filter!r}; found {', '.join(discover())}")
        return 2
    rows: list[dict[str, Any]] = []
    errors: dict[str, str] = {}
    for name in names:
        print(f"running {name} ...", flush=True)
        start = time.perf_counter()
        module_rows, error = run_module(name)
        print(f"  done in {time.perf_counter() - start:.1f} s", flush=True)
        rows += module_rows
        if error:
            errors[name] = error
            print(error, file=sys.stderr)
    print()
    print(table(rows))
    path = write_results(rows, errors, name_filter)
    print(f"\nresults written to {path.relative_to(HERE.parent)}")
    if errors:
        print(f"failed: {', '.join(errors)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
