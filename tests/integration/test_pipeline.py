"""`make report` as a user runs it, on a small simulated analysis in a temporary folder.

One build (module-scoped fixture) is checked for: the files of every step, progress lines,
up-to-date detection (`make -q`), a no-op rerun, rebuilds after an input changes, identical
bytes when steps are rerun, `verify` against stored expected outputs (clean against itself;
clean with every simulated value one ulp off, or with numpy's AVX-512 code paths turned off;
failing, and naming the item, for one changed number, table cell or plotted point), and a
broken configuration failing with a clear message and no partial output.
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

import numpy as np
import pandas as pd
import pytest

from lifestyle_trials.pipeline import steps, verify
from lifestyle_trials.pipeline.files import write_csv
from lifestyle_trials.pipeline.fits import FIT_FILES

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
    assert verbs == [
        "raw",
        "validate",
        "derive",
        "fit",
        "numbers",
        "figures",
        "render",
        "tables",
    ] or sorted(verbs) == sorted(
        ["raw", "validate", "derive", "fit", "numbers", "figures", "render", "tables"]
    )
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


def _copy_build(out: Path, target: Path) -> Path:
    """Copy a build's data and the tiny report to ``target`` (the layout make report uses)."""
    shutil.copytree(out / "data", target / "data")
    shutil.copytree(out / "reports" / "tiny", target / "reports" / "tiny")
    return target


@pytest.fixture
def expected(built, tmp_path) -> Path:
    """A folder holding reports/tiny/expected/, stored from the module's build."""
    tmp, _ = built
    root = _copy_build(tmp / "out", tmp_path / "expected")
    verify.store_expected(root / "reports" / "tiny")
    return root / "reports"


def _verify(built_reports: Path, expected: Path, capsys) -> tuple[int, str]:
    status = verify.verify_reports(built_reports, expected, ["tiny"])
    return status, capsys.readouterr().out


def test_verify_passes_against_itself_with_identical_bytes(built, expected, capsys):
    tmp, _ = built
    status, printed = _verify(tmp / "out" / "reports", expected, capsys)
    assert status == 0, printed
    assert "ok       numbers.json" in printed and "no differences in 1 report(s)" in printed
    for item in ("tables/table1.csv", "figures/flow", "index.html", "data/raw/tiny.csv"):
        assert re.search(rf"ok +{re.escape(item)}: .*identical bytes", printed), item
    assert "other bytes" not in printed


def _change_number(expected: Path) -> str:
    path = expected / "tiny" / "expected" / "numbers.json"
    numbers = json.loads(path.read_text())
    numbers["primary"]["effects"][0]["estimate"] *= 1.001  # the 4th significant digit
    path.write_text(json.dumps(numbers))
    return r"DIFFERS  numbers.json: 1 value\(s\)\n +primary\.effects\[0\]\.estimate: "


def _change_cell(expected: Path) -> str:
    path = expected / "tiny" / "expected" / "tables" / "primary_effects.csv"
    table = pd.read_csv(path)
    table.loc[1, "conf_low"] *= 1.001
    write_csv(path, table)
    return r"DIFFERS  tables/primary_effects.csv: 1 cell\(s\)\n +row 2, conf_low: "


def _change_point(expected: Path) -> str:
    path = expected / "tiny" / "expected" / "figures" / "interaction.json"
    drawn = json.loads(path.read_text())
    line = next(x for x in drawn["axes"][0]["lines"] if len(x["y"]) == 2)
    line["y"][1] *= 1.001
    path.write_text(json.dumps(drawn))
    return r"DIFFERS  figures/interaction: 1 value\(s\)\n +axes\[0\]\.lines\[\d+\]\.y\[1\]: "


def _change_data(expected: Path) -> str:
    path = expected / "tiny" / "expected" / "data" / "processed.csv"
    data = pd.read_csv(path)
    data.loc[4, "insulin"] *= 1.001
    write_csv(path, data)
    return r"DIFFERS  data/processed/tiny.csv: 1 cell\(s\)\n +row 5, insulin: "


def _change_text(expected: Path) -> str:
    path = expected / "tiny" / "expected" / "index.html"
    html = path.read_text()
    path.write_text(html.replace("Tiny synthetic trial", "Tiny simulated trial", 1))
    return r"DIFFERS  index.html: 1 difference\(s\) in the text\n +line \d+: "


@pytest.mark.parametrize(
    "change", [_change_number, _change_cell, _change_point, _change_data, _change_text]
)
def test_verify_fails_and_names_the_item_that_changed(built, expected, capsys, change):
    tmp, _ = built
    named = change(expected)
    status, printed = _verify(tmp / "out" / "reports", expected, capsys)
    assert status == 1
    assert re.search(named, printed), printed
    assert len(re.findall("DIFFERS", printed)) == 1, printed
    assert "verify: 1 difference(s) in 1 of 1 report(s)" in printed


def test_verify_tolerates_a_printed_number_rounded_the_other_way(built, expected, capsys):
    """A value on a rounding boundary may print one unit apart in its last digit."""
    tmp, _ = built
    path = expected / "tiny" / "expected" / "index.html"
    html = path.read_text()
    match = re.search(r"(?<=>)(\d+)\.(\d{3})(?=<)", html)
    assert match is not None
    last = int(match.group(2))
    other = f"{match.group(1)}.{last + 1 if last < 999 else last - 1:03d}"
    path.write_text(html[: match.start()] + other + html[match.end() :])
    status, printed = _verify(tmp / "out" / "reports", expected, capsys)
    assert status == 0, printed
    assert "printed numbers within their last digit" in printed

    two_units = f"{match.group(1)}.{last + 2 if last < 998 else last - 2:03d}"
    path.write_text(html[: match.start()] + two_units + html[match.end() :])
    status, printed = _verify(tmp / "out" / "reports", expected, capsys)
    assert status == 1 and "DIFFERS  index.html" in printed


def _rebuild_from_raw(root: Path) -> None:
    """Rerun every step after data/raw, as make report runs them, in the folder ``root``."""
    config = root / "analyses" / "tiny" / "analysis.toml"
    data, report = root / "data", root / "reports" / "tiny"
    steps.validate(config, data / "raw" / "tiny.csv", data / "interim" / "tiny.csv")
    steps.derive(config, data / "interim" / "tiny.csv", data / "processed" / "tiny.csv")
    processed = data / "processed" / "tiny.csv"
    steps.fit(config, processed, report / "fits")
    steps.numbers(config, processed, report / "fits", report / "numbers.json")
    steps.tables(report / "numbers.json", report / "tables")
    steps.figures(report / "numbers.json", processed, report / "fits", report / "figures")
    steps.render(report / "numbers.json", report / "figures", report / "index.html")


@pytest.mark.slow
def test_every_simulated_value_one_ulp_off_still_verifies(built, expected, tmp_path, capsys):
    """What another CPU's exp/log do to the simulated data: the last bit of each value."""
    tmp, _ = built
    root = _copy_build(tmp / "out", tmp_path / "ulp")
    shutil.copytree(tmp / "analyses", root / "analyses")
    raw = root / "data" / "raw" / "tiny.csv"
    frame = pd.read_csv(raw)
    floats = [c for c in frame.columns if frame[c].dtype == float and c != "visit"]
    assert len(floats) >= 10
    frame[floats] = np.nextafter(frame[floats].to_numpy(), np.inf)
    write_csv(raw, frame)
    _rebuild_from_raw(root)

    status, printed = _verify(root / "reports", expected, capsys)
    assert status == 0, printed
    other = "same content, other bytes: another CPU or library build"
    for item in ("data/raw/tiny.csv", "data/processed/tiny.csv", "numbers.json"):
        assert re.search(rf"ok +{re.escape(item)}: .*{other}", printed), item
    assert re.search(r"ok +index\.html: .*checksum", printed), printed
    assert "no differences in 1 report(s); " in printed


def _cpu_features() -> set[str]:
    from numpy._core._multiarray_umath import __cpu_features__

    return {name for name, found in __cpu_features__.items() if found}


@pytest.mark.slow
@pytest.mark.skipif(
    "X86_V4" not in _cpu_features(), reason="numpy takes no AVX-512 code path on this CPU"
)
def test_a_build_without_avx512_verifies_against_one_with_it(built, expected, tmp_path):
    """numpy's AVX-512 exp/log/power round differently in the last bit from its AVX2 ones."""
    tmp, _ = built
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    env["NPY_DISABLE_CPU_FEATURES"] = "AVX512_ICL X86_V4"
    stamp = tmp / "installed"
    args = [MAKE, "--no-print-directory", "-C", str(ROOT), f"ANALYSES={tmp / 'analyses'}"]
    args += [f"OUT={tmp_path / 'avx2'}", f"PY={sys.executable}", f"STAMP={stamp}"]
    result = subprocess.run([*args, "report"], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    raw = "data/raw/tiny.csv"
    assert (tmp_path / "avx2" / raw).read_bytes() != (tmp / "out" / raw).read_bytes()
    result = subprocess.run(
        [sys.executable, "-m", "lifestyle_trials", "verify", "--built", "reports", "--expected"]
        + [str(expected), "tiny"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path / "avx2",
    )
    assert result.returncode == 0, result.stdout
    assert "same content, other bytes: another CPU or library build" in result.stdout


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
