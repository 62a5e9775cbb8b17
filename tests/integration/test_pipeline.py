"""`make report` as a user runs it, on a small simulated analysis in a temporary folder.

One build (module-scoped fixture) is checked for: the files of every step, progress lines,
up-to-date detection (`make -q`), a no-op rerun, rebuilds after an input changes, identical
bytes when steps are rerun, `verify` against stored expected outputs, and a broken
configuration failing with a clear message and no partial output.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lifestyle_trials.pipeline import steps, verify
from lifestyle_trials.pipeline.fits import FIT_FILES
from lifestyle_trials.pipeline.pdf import find_chromium

ROOT = Path(__file__).resolve().parents[2]
MAKE = shutil.which("make")

TINY = """\
title = "Tiny synthetic trial"
description = "A small simulated 2 × 2 trial for the pipeline test."
seed = 11
published = "odes"

[data]
source = "simulate"
options = { n_per_arm = [14, 14, 14, 14], visits = [0, 6, 12], dropout = 0.15 }

[outcomes]
primary = "homa_ir"
secondary = ["insulin", "weight"]
log = ["homa_ir", "insulin"]

[table1]
variables = ["age", "sex", "weight", "homa_ir"]
"""

pytestmark = pytest.mark.skipif(MAKE is None, reason="needs GNU make")


def make(
    tmp: Path, *goals: str, check: bool = True, **variables: str
) -> subprocess.CompletedProcess[str]:
    """Run the repository's Makefile on the analyses in ``tmp``, building into ``tmp/out``."""
    stamp = tmp / "installed"
    stamp.touch()
    args = [
        MAKE,
        "--no-print-directory",
        "-C",
        str(ROOT),
        *goals,
        f"ANALYSES={tmp / 'analyses'}",
        f"OUT={tmp / 'out'}",
        f"PY={sys.executable}",
        f"STAMP={stamp}",
    ] + [f"{k}={v}" for k, v in variables.items()]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    result = subprocess.run(args, capture_output=True, text=True, env=env)
    if check and result.returncode != 0:
        raise AssertionError(f"make failed:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def built(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    tmp = tmp_path_factory.mktemp("pipeline")
    (tmp / "analyses" / "tiny").mkdir(parents=True)
    (tmp / "analyses" / "tiny" / "analysis.toml").write_text(TINY, encoding="utf-8")
    return tmp, make(tmp, "report")


def test_every_step_writes_its_files_and_reports_progress(built):
    tmp, result = built
    out = tmp / "out"
    for stage in ("raw", "interim", "processed"):
        assert (out / "data" / stage / "tiny.csv").is_file()
        manifest = json.loads((out / "data" / stage / "tiny.json").read_text())
        assert manifest["stamp"]["version"] and manifest["stamp"]["seed"] == 11
        assert manifest["stamp"]["inputs"]["config"]["sha256"]
    report = out / "reports" / "tiny"
    for name in FIT_FILES:
        assert (report / "fits" / f"{name}.json").is_file()
    assert (report / "numbers.json").is_file() and (report / "index.html").is_file()
    assert (report / "tables" / "table1.csv").is_file()
    assert json.loads((report / "figures" / "index.json").read_text())["figures"]
    verbs = re.findall(r"^\s+(\w+)\s+\S*tiny", result.stdout, flags=re.M)
    steps = ["raw", "validate", "derive", "fit", "numbers", "figures", "render", "tables"]
    if find_chromium() is not None:  # the print-ready PDF beside the HTML
        steps.append("pdf")
        assert (report / "index.pdf").read_bytes()[:5] == b"%PDF-"
    assert sorted(verbs) == sorted(steps)
    assert not list(out.rglob("*.tmp")), "temporary files left behind"


def test_numbers_are_stamped_with_inputs_config_and_seed(built):
    tmp, _ = built
    numbers = json.loads((tmp / "out" / "reports" / "tiny" / "numbers.json").read_text())
    stamp = numbers["stamp"]
    assert stamp["step"] == "numbers" and stamp["seed"] == 11
    assert set(stamp["inputs"]) >= {"config", "processed", "fit ancova", "fit mmrm"}
    assert stamp["config"]["outcomes"]["primary"] == "homa_ir"
    assert "/" not in stamp["inputs"]["processed"]["file"], "no machine-specific paths"


def test_nothing_to_do_when_up_to_date_and_rerun_is_fast(built):
    tmp, _ = built
    assert make(tmp, "-q", "report", check=False).returncode == 0
    started = time.perf_counter()
    again = make(tmp, "report")
    assert time.perf_counter() - started < 2.0
    assert "tiny" not in again.stdout


def test_changing_an_input_makes_the_report_out_of_date(built):
    tmp, _ = built
    later = time.time() + 5
    processed = tmp / "out" / "data" / "processed" / "tiny.csv"
    original = processed.stat()
    try:
        os.utime(processed, (later, later))
        assert make(tmp, "-q", "report", check=False).returncode == 1
    finally:
        os.utime(processed, (original.st_atime, original.st_mtime))
    assert make(tmp, "-q", "report", check=False).returncode == 0


def test_rerunning_the_steps_gives_identical_bytes(built, tmp_path):
    tmp, _ = built
    config = tmp / "analyses" / "tiny" / "analysis.toml"
    report = tmp / "out" / "reports" / "tiny"
    processed = tmp / "out" / "data" / "processed" / "tiny.csv"
    steps.numbers(config, processed, report / "fits", tmp_path / "numbers.json")
    assert (tmp_path / "numbers.json").read_bytes() == (report / "numbers.json").read_bytes()
    steps.figures(report / "numbers.json", processed, report / "fits", tmp_path / "figures")
    for svg in (report / "figures").glob("*.svg"):
        assert (tmp_path / "figures" / svg.name).read_bytes() == svg.read_bytes(), svg.name
    steps.render(report / "numbers.json", report / "figures", tmp_path / "index.html")
    assert (tmp_path / "index.html").read_bytes() == (report / "index.html").read_bytes()


def test_verify_passes_against_itself_and_reports_each_difference(built, tmp_path, capsys):
    tmp, _ = built
    report = tmp / "out" / "reports" / "tiny"
    copy = tmp_path / "reports" / "tiny"
    shutil.copytree(report, copy)
    verify.store_expected(copy)
    assert verify.verify_reports(tmp / "out" / "reports", tmp_path / "reports", ["tiny"]) == 0
    printed = capsys.readouterr().out
    assert "ok       numbers.json" in printed and "no differences" in printed

    expected = copy / "expected" / "numbers.json"
    numbers = json.loads(expected.read_text())
    numbers["primary"]["effects"][0]["estimate"] *= 1.001
    expected.write_text(json.dumps(numbers))
    (copy / "expected" / "figures.json").write_text(
        json.dumps(
            {**json.loads((copy / "expected" / "figures.json").read_text()), "flow": "0" * 64}
        )
    )
    assert verify.verify_reports(tmp / "out" / "reports", tmp_path / "reports", ["tiny"]) == 1
    printed = capsys.readouterr().out
    assert "DIFFERS  numbers.json: 1 value(s)" in printed
    assert "primary.effects[0].estimate" in printed
    assert "DIFFERS  figures/flow.svg" in printed


def test_broken_configuration_fails_clearly_without_partial_output(tmp_path):
    (tmp_path / "analyses" / "bad").mkdir(parents=True)
    (tmp_path / "analyses" / "bad" / "analysis.toml").write_text(
        TINY.replace('primary = "homa_ir"', 'primary = "homa_ir"\nvisit = "twelve"')
    )
    result = make(tmp_path, "report", check=False)
    assert result.returncode != 0
    assert "outcomes.visit" in result.stderr and "must be a number" in result.stderr
    assert "Traceback" not in result.stderr
    assert not list((tmp_path / "out").rglob("*.csv")) if (tmp_path / "out").exists() else True


def test_makefile_lists_the_fit_files_the_step_writes():
    text = (ROOT / "Makefile").read_text()
    listed = re.search(r"FIT_FILES = \$\(foreach f,([\w ]+),", text)
    assert listed is not None
    assert tuple(listed.group(1).split()) == FIT_FILES
