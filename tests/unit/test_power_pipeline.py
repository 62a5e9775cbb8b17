"""Power analyses in the pipeline: the configuration, the power and power-report verbs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import lifestyle_trials as lt
from lifestyle_trials.cli import main
from lifestyle_trials.config import load_config
from lifestyle_trials.pipeline.files import read_json
from lifestyle_trials.pipeline.power import is_power_analysis, load_power_config

ROOT = Path(__file__).resolve().parents[2]

TINY = """
kind = "power"
title = "Tiny power"
seed = 3

[design]
n_per_arm = [10, 12, 11, 9]
dropout = 0.1

[analysis]
outcome = "homa_ir"
n_sim = 40

[curve]
n_per_arm = [8, 16]
targets = [0.5]

[links]
trial = "the trial"
"""


@pytest.mark.parametrize(
    "folder",
    [p for p in sorted((ROOT / "analyses").glob("*/analysis.toml")) if is_power_analysis(p)],
)
def test_committed_power_analyses_are_valid(folder):
    cfg = load_power_config(folder)
    assert cfg.id == folder.parent.name and cfg.title and len(cfg.curve) >= 2


def test_trial_loader_points_to_the_power_verb(tmp_path):
    path = tmp_path / "p" / "analysis.toml"
    path.parent.mkdir()
    path.write_text(TINY, encoding="utf-8")
    with pytest.raises(lt.ConfigError, match="lifestyle-trials power"):
        load_config(path)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda t: t.replace("[curve]", "[curve]\nsizes = 3"), "unknown key curve.'sizes'"),
        (
            lambda t: t.replace('outcome = "homa_ir"', 'outcome = "homa_ir"\nn_sims = 3'),
            "analysis.'n_sims'",
        ),
        (lambda t: t.replace("n_per_arm = [8, 16]", "n_per_arm = [1]"), "curve.n_per_arm"),
        (lambda t: t.replace("dropout = 0.1", "dropout = 0.1\nseed = 4"), "own seed"),
        (lambda t: t.replace("n_sim = 40", "n_sim = 40\nalpha = 2"), "alpha"),
        (lambda t: t.replace("seed = 3", "seed = -3"), "seed"),
    ],
)
def test_bad_power_configuration(tmp_path, change, words):
    path = tmp_path / "p" / "analysis.toml"
    path.parent.mkdir()
    path.write_text(change(TINY), encoding="utf-8")
    with pytest.raises(lt.ConfigError, match=words):
        load_power_config(path)


def test_power_verbs_build_a_report(tmp_path, capsys):
    config = tmp_path / "analyses" / "tiny" / "analysis.toml"
    config.parent.mkdir(parents=True)
    config.write_text(TINY, encoding="utf-8")
    out = tmp_path / "reports" / "tiny"
    assert (
        main(
            [
                "power",
                "-c",
                str(config),
                "--tables",
                str(out / "tables"),
                "-o",
                str(out / "numbers.json"),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "power-report",
                str(out / "numbers.json"),
                "--figures",
                str(out / "figures"),
                "-o",
                str(out / "index.html"),
            ]
        )
        == 0
    )
    numbers = read_json(out / "numbers.json")
    # the numbers are lt.power's for the same arguments
    same = lt.power({"n_per_arm": (10, 12, 11, 9), "dropout": 0.1}, n_sim=40, seed=3)
    pd.testing.assert_frame_equal(pd.DataFrame(numbers["at_design"]), same.table, check_dtype=False)
    at16 = lt.power({"n_per_arm": (16,) * 4, "dropout": 0.1}, n_sim=40, seed=3).table
    curve = pd.read_csv(out / "tables" / "power_curve.csv")
    got = curve[curve["n_per_arm"] == 16].drop(columns="n_per_arm").reset_index(drop=True)
    pd.testing.assert_series_equal(got["power"], at16["power"])
    assert {t["name"] for t in read_json(out / "tables" / "index.json")["tables"]} == {
        "power_at_design",
        "power_curve",
    }
    assert [f["name"] for f in read_json(out / "figures" / "index.json")["figures"]] == [
        "power_curves"
    ]
    html = (out / "index.html").read_text("utf-8")
    assert "<h1>Tiny power</h1>" in html
    assert 'href="../trial/index.html"' in html
    first = numbers["at_design"][0]
    assert f"{100 * first['power']:.1f}%" in html
    assert "data:image/svg+xml;base64," in html
    # the same inputs give the same page
    again = tmp_path / "again.html"
    main(
        [
            "power-report",
            str(out / "numbers.json"),
            "--figures",
            str(tmp_path / "fig2"),
            "-o",
            str(again),
        ]
    )
    assert again.read_text("utf-8").split("-->", 1)[1] == html.split("-->", 1)[1]
    capsys.readouterr()


def test_check_verb_describes_a_power_analysis(capsys):
    assert main(["check", str(ROOT / "analyses" / "odes_power" / "analysis.toml")]) == 0
    assert "power of ancova on homa_ir" in capsys.readouterr().out


def test_a_power_report_is_stored_and_verified_without_data_files(tmp_path, capsys):
    from lifestyle_trials.pipeline import verify

    config = tmp_path / "analyses" / "tiny" / "analysis.toml"
    config.parent.mkdir(parents=True)
    config.write_text(TINY, encoding="utf-8")
    out = tmp_path / "reports" / "tiny"
    main(
        [
            "power",
            "-c",
            str(config),
            "--tables",
            str(out / "tables"),
            "-o",
            str(out / "numbers.json"),
        ]
    )
    main(
        [
            "power-report",
            str(out / "numbers.json"),
            "--figures",
            str(out / "figures"),
            "-o",
            str(out / "index.html"),
        ]
    )
    # what the power curve draws is written beside it, for verify to compare
    assert (out / "figures" / "power_curves.json").is_file()
    verify.store_expected(out)
    assert verify.verify_reports(tmp_path / "reports", tmp_path / "reports", ["tiny"]) == 0
    # one plotted point changed is named
    data = out / "figures" / "power_curves.json"
    data.write_text(data.read_text().replace("0.", "0.9", 1))
    capsys.readouterr()
    assert verify.verify_reports(tmp_path / "reports", tmp_path / "reports", ["tiny"]) != 0
    assert "figures/power_curves" in capsys.readouterr().out
