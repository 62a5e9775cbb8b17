"""The command line: ``lifestyle-trials <verb>`` (or ``python -m lifestyle_trials <verb>``).

Each verb is one step of the pipeline that ``make report`` runs, with real input and
output files; ``make report`` is the usual way in, and ``lifestyle-trials <verb> --help``
says what each step reads and writes. Errors about the input (a broken analysis.toml,
invalid data) print one message and exit with status 2; ``verify`` exits with 1 when a
report differs from its expected version.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from ._version import __version__
from .errors import LifestyleTrialsError

__all__ = ["main"]

_EPILOG = """\
The steps, in order (each reads the previous one's output):
  raw       analysis.toml               -> data/raw/<id>.csv (+ .json manifest)
  validate  data/raw/<id>.csv           -> data/interim/<id>.csv
  derive    data/interim/<id>.csv       -> data/processed/<id>.csv (indices added)
  data      the three steps above, in one process (as `make report` runs them)
  fit       data/processed/<id>.csv     -> reports/<id>/fits/*.json
  numbers   processed data + fits       -> reports/<id>/numbers.json (every reported number)
  tables    numbers.json                -> reports/<id>/tables/*.csv (numbers --tables does it too)
  figures   numbers.json + data + fits  -> reports/<id>/figures/*.svg
  render    numbers.json + figures      -> reports/<id>/index.html
  report    figures and render, in one process (as `make report` runs them)
  pdf       reports/<id>/index.html     -> reports/<id>/index.pdf (headless Chromium, if installed)
Power analyses (kind = "power" in analysis.toml):
  power         analysis.toml           -> reports/<id>/numbers.json and tables/*.csv
  power-report  numbers.json            -> reports/<id>/figures/*.svg and index.html
Checks:
  check     analysis.toml               -> reads its data as `make report` would; prints the
                                           analysis it describes, or the problem
  verify    a rebuilt reports folder    -> compares it with reports/<id>/expected/
  expected  reports/<id>                -> stores its outputs as reports/<id>/expected/

`make report` runs the steps for every analysis in analyses/; `make verify` rebuilds them in
a temporary folder and compares.
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 0
    try:
        _check_inputs(args)
        status: int = args.run(args)
    except LifestyleTrialsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            f"error: {args.verb}: interrupted; each output file is written whole or not at all",
            file=sys.stderr,
        )
        return 130
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        # an input that exists but is not what the previous step writes (cut short, edited,
        # or another file): one message, not a traceback
        shown = ", ".join(str(p) for _, p in _inputs(args))
        print(
            f"error: {args.verb}: an input is damaged or not the file this step expects "
            f"({type(exc).__name__}: {exc}); inputs: {shown}. Rebuild them with the previous "
            "step (make report rebuilds what is out of date)",
            file=sys.stderr,
        )
        return 2
    return status


_INPUTS: dict[str, tuple[tuple[str, str], ...]] = {
    "raw": (("config", "file"),),
    "validate": (("input", "file"), ("config", "file")),
    "derive": (("input", "file"), ("config", "file")),
    "data": (("config", "file"),),
    "fit": (("input", "file"), ("config", "file")),
    "numbers": (("input", "file"), ("config", "file"), ("fits", "folder")),
    "tables": (("input", "file"),),
    "figures": (("input", "file"), ("data", "file"), ("fits", "folder")),
    "render": (("input", "file"), ("figures", "folder")),
    "report": (("input", "file"), ("data", "file"), ("fits", "folder")),
    "power": (("config", "file"),),
    "power-report": (("input", "file"),),
    "check": (("input", "file"),),
    "verify": (("built", "folder"), ("expected", "folder")),
    "expected": (("report", "folder"),),
}
"""The inputs of each verb (argument, kind), checked before the step runs."""


def _inputs(args: argparse.Namespace) -> list[tuple[str, Path]]:
    out = []
    for name, kind in _INPUTS.get(args.verb, ()):
        value = getattr(args, name, None)
        for path in value if isinstance(value, list) else [value]:
            if path is not None:
                out.append((kind, Path(path)))
    return out


def _check_inputs(args: argparse.Namespace) -> None:
    """Every input of the verb exists and is a file (or a folder where one is expected)."""
    for kind, path in _inputs(args):
        if not path.exists():
            raise LifestyleTrialsError(
                f"{args.verb}: {path}: not found; check the path (make report builds the "
                "inputs of each step in order)"
            )
        if kind == "file" and path.is_dir():
            raise LifestyleTrialsError(f"{args.verb}: {path}: is a folder; give a file")
        if kind == "folder" and not path.is_dir():
            raise LifestyleTrialsError(f"{args.verb}: {path}: is a file; give a folder")


def _progress(verb: str, target: object, started: float) -> None:
    """One line per step done: the verb, its output and the time it took."""
    print(f"  {verb:<9} {target}  ({time.perf_counter() - started:.1f} s)", flush=True)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lifestyle-trials",
        description="Reproducible re-analysis of diet × exercise trials: the steps of "
        "`make report`, one verb each.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    verbs = parser.add_subparsers(dest="verb", metavar="<verb>")

    def verb(
        name: str, help: str, run: Callable[[argparse.Namespace], int]
    ) -> argparse.ArgumentParser:
        sub = verbs.add_parser(name, help=help, description=help.replace("%%", "%"))
        sub.set_defaults(run=run)
        return sub

    def config(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--config",
            "-c",
            required=True,
            type=Path,
            help="the analysis configuration, analyses/<id>/analysis.toml",
        )

    def output(sub: argparse.ArgumentParser, what: str) -> None:
        sub.add_argument("--output", "-o", required=True, type=Path, help=what)

    sub = verb(
        "raw", "Build the raw data the configuration names (simulate, dataset or file).", _raw
    )
    config(sub)
    output(sub, "the raw table, data/raw/<id>.csv (a manifest .json is written beside it)")

    sub = verb(
        "validate", "Check the raw table with read_trial: data/raw → data/interim.", _validate
    )
    sub.add_argument("input", type=Path, help="data/raw/<id>.csv")
    config(sub)
    output(sub, "data/interim/<id>.csv (and its .json manifest)")

    sub = verb(
        "derive", "Add HOMA-IR, HOMA-%%B and QUICKI: data/interim → data/processed.", _derive
    )
    sub.add_argument("input", type=Path, help="data/interim/<id>.csv")
    config(sub)
    output(sub, "data/processed/<id>.csv (and its .json manifest)")

    sub = verb(
        "data", "Run raw, validate and derive in one process (what make report runs).", _data
    )
    config(sub)
    sub.add_argument("--raw", required=True, type=Path, help="data/raw/<id>.csv")
    sub.add_argument("--interim", required=True, type=Path, help="data/interim/<id>.csv")
    output(sub, "data/processed/<id>.csv (each table gets its .json manifest)")

    sub = verb("fit", "Fit the models of the analysis: ANCOVA, MMRM, mixed ANOVA.", _fit)
    sub.add_argument("input", type=Path, help="data/processed/<id>.csv")
    config(sub)
    output(sub, "the fits folder, reports/<id>/fits/")

    sub = verb("numbers", "Collect every number the report shows into numbers.json.", _numbers)
    sub.add_argument("input", type=Path, help="data/processed/<id>.csv")
    sub.add_argument("--fits", required=True, type=Path, help="reports/<id>/fits/")
    config(sub)
    sub.add_argument(
        "--tables", type=Path, help="also write the tables (as the tables verb) into this folder"
    )
    output(sub, "reports/<id>/numbers.json")

    sub = verb("tables", "Write the report's tables as CSV, from numbers.json.", _tables)
    sub.add_argument("input", type=Path, help="reports/<id>/numbers.json")
    output(sub, "the tables folder, reports/<id>/tables/ (with index.json)")

    sub = verb("figures", "Draw the report's figures as SVG.", _figures)
    sub.add_argument("input", type=Path, help="reports/<id>/numbers.json")
    sub.add_argument("--data", required=True, type=Path, help="data/processed/<id>.csv")
    sub.add_argument("--fits", required=True, type=Path, help="reports/<id>/fits/")
    output(sub, "the figures folder, reports/<id>/figures/ (with index.json)")

    sub = verb(
        "render", "Render the self-contained HTML report from numbers.json and figures.", _render
    )
    sub.add_argument("input", type=Path, help="reports/<id>/numbers.json")
    sub.add_argument("--figures", required=True, type=Path, help="reports/<id>/figures/")
    output(sub, "reports/<id>/index.html")

    sub = verb(
        "report",
        "Draw the figures and render the HTML in one process (what make report runs).",
        _report,
    )
    sub.add_argument("input", type=Path, help="reports/<id>/numbers.json")
    sub.add_argument("--data", required=True, type=Path, help="data/processed/<id>.csv")
    sub.add_argument("--fits", required=True, type=Path, help="reports/<id>/fits/")
    sub.add_argument("--figures", required=True, type=Path, help="reports/<id>/figures/")
    output(sub, "reports/<id>/index.html")

    sub = verb("pdf", "Print the HTML report to a print-ready PDF with headless Chromium.", _pdf)
    sub.add_argument("input", type=Path, help="reports/<id>/index.html")
    output(sub, "reports/<id>/index.pdf")

    sub = verb("power", "Simulate the power of a design (a power analysis).", _power)
    config(sub)
    sub.add_argument("--tables", required=True, type=Path, help="reports/<id>/tables/")
    output(sub, "reports/<id>/numbers.json")

    sub = verb("power-report", "Draw and render a power analysis's report.", _power_report)
    sub.add_argument("input", type=Path, help="reports/<id>/numbers.json")
    sub.add_argument("--figures", required=True, type=Path, help="reports/<id>/figures/")
    output(sub, "reports/<id>/index.html")

    sub = verb(
        "check",
        "Check an analysis.toml and everything make report needs from it (the data file, its "
        "reader options, the outcomes and covariates named), without writing anything.",
        _check,
    )
    sub.add_argument("input", type=Path, nargs="+", help="analyses/<id>/analysis.toml")

    sub = verb(
        "verify", "Compare rebuilt reports with the committed reports/<id>/expected/.", _verify
    )
    sub.add_argument("--built", required=True, type=Path, help="the rebuilt reports folder")
    sub.add_argument(
        "--expected",
        required=True,
        type=Path,
        help="the folder holding <id>/expected/ (normally reports/)",
    )
    sub.add_argument("ids", nargs="+", help="analysis ids to compare")

    sub = verb(
        "expected", "Store a built report as its expected version (review it first).", _expected
    )
    sub.add_argument("report", type=Path, nargs="+", help="reports/<id>")
    return parser


# Each runner imports its step lazily, so that `--help` and light steps start quickly.


def _step(verb: str, target: object, name: str, *arguments: object) -> None:
    """Run ``pipeline.steps.<name>(*arguments)`` and print its progress line."""
    from .pipeline import steps

    started = time.perf_counter()
    getattr(steps, name)(*arguments)
    _progress(verb, target, started)


def _raw(args: argparse.Namespace) -> int:
    _step("raw", args.output, "raw", args.config, args.output)
    return 0


def _validate(args: argparse.Namespace) -> int:
    _step("validate", args.output, "validate", args.config, args.input, args.output)
    return 0


def _derive(args: argparse.Namespace) -> int:
    _step("derive", args.output, "derive", args.config, args.input, args.output)
    return 0


def _data(args: argparse.Namespace) -> int:
    _step("raw", args.raw, "raw", args.config, args.raw)
    _step("validate", args.interim, "validate", args.config, args.raw, args.interim)
    _step("derive", args.output, "derive", args.config, args.interim, args.output)
    return 0


def _fit(args: argparse.Namespace) -> int:
    _step("fit", args.output, "fit", args.config, args.input, args.output)
    return 0


def _numbers(args: argparse.Namespace) -> int:
    _step("numbers", args.output, "numbers", args.config, args.input, args.fits, args.output)
    if args.tables is not None:
        _step("tables", args.tables, "tables", args.output, args.tables)
    return 0


def _tables(args: argparse.Namespace) -> int:
    _step("tables", args.output, "tables", args.input, args.output)
    return 0


def _figures(args: argparse.Namespace) -> int:
    _step("figures", args.output, "figures", args.input, args.data, args.fits, args.output)
    return 0


def _render(args: argparse.Namespace) -> int:
    _step("render", args.output, "render", args.input, args.figures, args.output)
    return 0


def _report(args: argparse.Namespace) -> int:
    _step("figures", args.figures, "figures", args.input, args.data, args.fits, args.figures)
    _step("render", args.output, "render", args.input, args.figures, args.output)
    return 0


def _power(args: argparse.Namespace) -> int:
    from .pipeline import power

    started = time.perf_counter()
    power.power(args.config, args.output, args.tables)
    _progress("power", args.output, started)
    return 0


def _power_report(args: argparse.Namespace) -> int:
    from .pipeline import power

    started = time.perf_counter()
    power.power_report(args.input, args.figures, args.output)
    _progress("render", args.output, started)
    return 0


def _pdf(args: argparse.Namespace) -> int:
    from .pipeline.pdf import print_pdf

    started = time.perf_counter()
    if print_pdf(args.input, args.output):
        _progress("pdf", args.output, started)
    else:
        print(
            f"  note: no PDF of {args.input}: Chromium is not installed "
            "(Debian: apt-get install chromium; or set CHROMIUM)",
            flush=True,
        )
    return 0


def _check(args: argparse.Namespace) -> int:
    from .pipeline import steps

    failed = 0
    for path in args.input:
        try:
            print(steps.check(path), flush=True)
        except LifestyleTrialsError as exc:
            print(f"error: {exc}", file=sys.stderr, flush=True)
            failed += 1
    return 2 if failed else 0


def _verify(args: argparse.Namespace) -> int:
    from .pipeline import verify

    return verify.verify_reports(args.built, args.expected, args.ids)


def _expected(args: argparse.Namespace) -> int:
    from .pipeline import verify

    for report in args.report:
        verify.store_expected(report)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
