"""The data step for each kind of source: simulate, bundled dataset, a file next to the config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import lifestyle_trials as lt
from lifestyle_trials.pipeline import steps
from lifestyle_trials.pipeline.trials import read_trial_files

ROOT = Path(__file__).resolve().parents[2]


def run_data(config: Path, out: Path) -> Path:
    raw, interim, processed = (out / s / "x.csv" for s in ("raw", "interim", "processed"))
    steps.raw(config, raw)
    steps.validate(config, raw, interim)
    steps.derive(config, interim, processed)
    return processed


def test_file_source_reads_the_file_with_its_options(tmp_path):
    trial = lt.simulate_odes(seed=8, n_per_arm=(5, 5, 5, 5), dropout=0)
    frame = trial.data.drop(columns="arm").rename(columns={"subject": "id"})
    frame["insulin"] = frame["insulin"] * 6.0  # the file holds pmol/L
    folder = tmp_path / "analyses" / "mine"
    folder.mkdir(parents=True)
    frame.to_csv(folder / "trial.csv", index=False)
    (folder / "analysis.toml").write_text(
        'title = "From a file"\n\n[data]\nsource = "file"\npath = "trial.csv"\n'
        'options = { subject = "id", units = { insulin = "pmol/L" }, citation = "Mine 2025" }\n'
        '\n[outcomes]\nprimary = "homa_ir"\n',
        encoding="utf-8",
    )
    processed = run_data(folder / "analysis.toml", tmp_path / "data")
    read, manifest = read_trial_files(processed)
    assert read.design.n_subjects == 20
    assert manifest["provenance"]["citation"] == "Mine 2025"
    assert any("pmol/L" in step for step in manifest["provenance"]["steps"])
    assert read.data["insulin"].round(9).tolist() == trial.data["insulin"].round(9).tolist()
    raw = json.loads((tmp_path / "data" / "raw" / "x.json").read_text())
    assert raw["stamp"]["inputs"]["source"]["file"] == "trial.csv"


def test_dataset_source_keeps_citation_licence_and_checksum(tmp_path):
    processed = run_data(ROOT / "analyses" / "anorexia" / "analysis.toml", tmp_path / "data")
    read, manifest = read_trial_files(processed)
    source = lt.load_dataset("anorexia")
    assert dict(read.design.arm_sizes) == dict(source.design.arm_sizes)
    prov = manifest["provenance"]
    assert prov["licence"] == source.provenance.licence
    assert prov["sha256"] == source.provenance.sha256
    assert prov["citation"].startswith("Hand DJ")
    assert "no indices added" in prov["steps"][-1]


def test_an_option_the_loader_does_not_take_is_a_config_error(tmp_path):
    folder = tmp_path / "analyses" / "bad"
    folder.mkdir(parents=True)
    path = folder / "analysis.toml"
    path.write_text(
        'title = "x"\nseed = 1\n\n[data]\nsource = "simulate"\n'
        'options = { n_per_arms = [5, 5, 5, 5] }\n\n[outcomes]\nprimary = "homa_ir"\n'
    )
    with pytest.raises(
        lt.ConfigError,
        match=r"data\.options\.n_per_arms: simulate_odes has no "
        r"option 'n_per_arms'; its options are .*n_per_arm",
    ):
        steps.raw(path, tmp_path / "raw.csv")
    path.write_text(path.read_text().replace("n_per_arms = [5, 5, 5, 5]", "n_per_arm = [5, 5]"))
    with pytest.raises(lt.ConfigError, match=r"analysis.toml: data: simulate_odes refused"):
        steps.raw(path, tmp_path / "raw.csv")
    assert not (tmp_path / "raw.csv").exists()


def test_a_missing_data_file_is_a_config_error(tmp_path):
    folder = tmp_path / "analyses" / "nofile"
    folder.mkdir(parents=True)
    path = folder / "analysis.toml"
    path.write_text(
        'title = "x"\n\n[data]\nsource = "file"\npath = "gone.csv"\n\n'
        '[outcomes]\nprimary = "weight"\n'
    )
    with pytest.raises(lt.ConfigError, match=r"data\.path: file .*gone\.csv not found"):
        steps.raw(path, tmp_path / "raw.csv")
