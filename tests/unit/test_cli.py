"""The command line: verbs, help, progress lines, and errors as one message with status 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import lifestyle_trials as lt
from lifestyle_trials.cli import main

VERBS = (
    "raw",
    "validate",
    "derive",
    "data",
    "fit",
    "numbers",
    "tables",
    "figures",
    "render",
    "report",
    "check",
    "verify",
    "expected",
)

CONFIG = """\
title = "CLI test"
seed = 5

[data]
source = "simulate"
options = { n_per_arm = [6, 6, 6, 6], visits = [0, 12], dropout = 0 }

[outcomes]
primary = "homa_ir"
secondary = ["insulin"]
log = ["homa_ir"]
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    folder = tmp_path / "analyses" / "cli"
    folder.mkdir(parents=True)
    path = folder / "analysis.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def test_help_lists_every_verb_and_the_pipeline(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    for verb in VERBS:
        assert f"    {verb}" in text
    assert "make report" in text and "make verify" in text


@pytest.mark.parametrize("verb", VERBS)
def test_each_verb_has_help(verb, capsys):
    with pytest.raises(SystemExit) as done:
        main([verb, "--help"])
    assert done.value.code == 0
    assert "usage: lifestyle-trials " + verb in capsys.readouterr().out


def test_no_verb_prints_help(capsys):
    assert main([]) == 0
    assert "usage:" in capsys.readouterr().out


def test_check_describes_the_analysis(config, capsys):
    assert main(["check", str(config)]) == 0
    assert "'cli', simulate_odes(seed=5); primary outcome homa_ir (log scale)" in (
        capsys.readouterr().out
    )


def test_a_broken_configuration_is_one_message_and_status_2(config, capsys):
    config.write_text(CONFIG.replace('primary = "homa_ir"', "primary = 7"), encoding="utf-8")
    assert (
        main(
            ["data", "--config", str(config), "--raw", "r.csv", "--interim", "i.csv", "-o", "p.csv"]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "outcomes.primary" in err
    assert "Traceback" not in err


def test_an_unknown_outcome_is_a_config_error_at_the_fit_step(config, tmp_path, capsys):
    data = tmp_path / "data"
    assert (
        main(
            [
                "data",
                "--config",
                str(config),
                "--raw",
                str(data / "raw" / "cli.csv"),
                "--interim",
                str(data / "interim" / "cli.csv"),
                "-o",
                str(data / "processed" / "cli.csv"),
            ]
        )
        == 0
    )
    config.write_text(
        CONFIG.replace('secondary = ["insulin"]', 'secondary = ["insuline"]'), encoding="utf-8"
    )
    status = main(
        [
            "fit",
            str(data / "processed" / "cli.csv"),
            "--config",
            str(config),
            "-o",
            str(tmp_path / "fits"),
        ]
    )
    assert status == 2
    err = capsys.readouterr().err
    assert "outcomes.secondary: 'insuline' is not an outcome of the data" in err
    assert "glucose, insulin" in err


def test_data_verb_writes_the_three_stages_with_progress(config, tmp_path, capsys):
    data = tmp_path / "data"
    status = main(
        [
            "data",
            "--config",
            str(config),
            "--raw",
            str(data / "raw" / "cli.csv"),
            "--interim",
            str(data / "interim" / "cli.csv"),
            "-o",
            str(data / "processed" / "cli.csv"),
        ]
    )
    assert status == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == ["raw", "validate", "derive"]
    for stage in ("raw", "interim", "processed"):
        manifest = json.loads((data / stage / "cli.json").read_text())
        assert (
            manifest["stamp"]["step"]
            == {"raw": "raw", "interim": "validate", "processed": "derive"}[stage]
        )
    processed = json.loads((data / "processed" / "cli.json").read_text())
    assert {"homa_b", "quicki"} <= set(processed["outcomes"])
    assert processed["provenance"]["seed"] == 5
    assert processed["truth"]["settings"]["seed"] == 5
    # the processed table is the simulated trial with indices, value for value
    from lifestyle_trials.pipeline.trials import read_trial_files

    trial, _ = read_trial_files(data / "processed" / "cli.csv")
    expected = lt.add_indices(
        lt.simulate_odes(seed=5, n_per_arm=(6, 6, 6, 6), visits=(0, 12), dropout=0)
    )
    columns = ["subject", "visit", "homa_ir", "homa_b", "weight", "sex"]
    assert trial.data[columns].equals(expected.data[columns])


def test_module_and_console_script_run():
    version = subprocess.run(
        [sys.executable, "-m", "lifestyle_trials", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert version.stdout.strip() == f"lifestyle-trials {lt.__version__}"
    script = Path(sys.executable).parent / "lifestyle-trials"
    if script.exists():
        out = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=True)
        assert "usage: lifestyle-trials" in out.stdout
