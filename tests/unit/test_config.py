"""analysis.toml: what a valid file gives, and a clear ConfigError for every broken one."""

from __future__ import annotations

from pathlib import Path

import pytest

from lifestyle_trials import ConfigError
from lifestyle_trials.config import load_config

ROOT = Path(__file__).resolve().parents[2]

MINIMAL = """\
title = "Demo"
seed = 7

[data]
source = "simulate"

[outcomes]
primary = "homa_ir"
"""


def write(tmp_path: Path, text: str, name: str = "demo") -> Path:
    folder = tmp_path / name
    folder.mkdir(exist_ok=True)
    path = folder / "analysis.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_file_gets_the_documented_defaults(tmp_path):
    cfg = load_config(write(tmp_path, MINIMAL))
    assert cfg.id == "demo"
    assert cfg.seed == 7
    assert cfg.data.source == "simulate" and dict(cfg.data.options) == {}
    assert cfg.outcomes.primary == "homa_ir"
    assert cfg.outcomes.secondary is None  # every other outcome
    assert cfg.outcomes.log == () and cfg.outcomes.visit is None
    assert cfg.models.covariance == "us" and cfg.models.mmrm and not cfg.models.mixed_anova
    assert cfg.report.decimals == {} and cfg.report.assessed is None
    assert cfg.published is None
    assert len(cfg.sha256) == 64


def test_full_file_is_read_as_written(tmp_path):
    text = MINIMAL.replace(
        'primary = "homa_ir"',
        'primary = "homa_ir"\nsecondary = ["insulin"]\nlog = ["homa_ir", "insulin"]\nvisit = 12',
    )
    text += """
[models]
covariates = ["age"]
covariance = "cs"
mixed_anova = false

[table1]
variables = ["age", "homa_ir"]
median_iqr = ["homa_ir"]

[labels]
arms = { diet = "Low fat" }
visits = { "12" = "at one year" }
"""
    cfg = load_config(write(tmp_path, text))
    assert cfg.outcomes.secondary == ("insulin",)
    assert cfg.outcomes.log == ("homa_ir", "insulin")
    assert cfg.outcomes.visit == 12.0
    assert cfg.models.covariates == ("age",) and cfg.models.covariance == "cs"
    assert not cfg.models.mixed_anova
    assert cfg.table1.variables == ("age", "homa_ir")
    assert dict(cfg.labels.arms) == {"diet": "Low fat"}
    assert cfg.to_dict()["outcomes"]["log"] == ["homa_ir", "insulin"]


@pytest.mark.parametrize(
    "folder",
    [
        p
        for p in sorted((ROOT / "analyses").glob("*/analysis.toml"))
        if 'kind = "power"' not in p.read_text("utf-8")  # tests/unit/test_power_pipeline.py
    ],
)
def test_every_committed_analysis_is_valid(folder):
    cfg = load_config(folder)
    assert cfg.id == folder.parent.name
    assert cfg.title


BROKEN = [
    # (change to MINIMAL, key named in the message, words of the advice)
    (lambda t: t + "\n[modles]\n", "modles", "the keys are"),
    (lambda t: t.replace('title = "Demo"\n', ""), "title", "required"),
    (lambda t: t.replace('title = "Demo"', "title = 3"), "title", "non-empty string"),
    (
        lambda t: t.replace('source = "simulate"', 'source = "simulated"'),
        "data.source",
        '"simulate", "dataset", "file"',
    ),
    (lambda t: t.replace("seed = 7\n", ""), "seed", "needs a seed"),
    (lambda t: t.replace("seed = 7", "seed = -1"), "seed", "whole number"),
    (
        lambda t: t.replace('source = "simulate"', 'source = "dataset"'),
        "data.name",
        "list_datasets",
    ),
    (lambda t: t.replace('source = "simulate"', 'source = "file"'), "data.path", "relative"),
    (
        lambda t: t.replace('source = "simulate"', 'source = "simulate"\npath = "x.csv"'),
        "data.path",
        "only used with",
    ),
    (
        lambda t: t.replace('source = "simulate"', 'source = "simulate"\noptions = { seed = 1 }'),
        "data.options.seed",
        "once",
    ),
    (
        lambda t: t.replace("[outcomes]\nprimary", '[outcomes]\nsecondary = ["homa_ir"]\nprimary'),
        "outcomes.secondary",
        "primary outcome",
    ),
    (
        lambda t: t.replace('primary = "homa_ir"', 'primary = "homa_ir"\nlog = "homa_ir"'),
        "outcomes.log",
        "list of names",
    ),
    (
        lambda t: t.replace('primary = "homa_ir"', 'primary = "homa_ir"\nlog = ["a", "a"]'),
        "outcomes.log",
        "more than once",
    ),
    (
        lambda t: t.replace('primary = "homa_ir"', 'primary = "homa_ir"\nvisit = "12"'),
        "outcomes.visit",
        "number",
    ),
    (lambda t: t + '\n[models]\ncovariance = "unstructured"\n', "models.covariance", '"us"'),
    (lambda t: t + "\n[models]\nmmrm = 1\n", "models.mmrm", "true or false"),
    (lambda t: t + '\n[labels]\narms = { placebo = "P" }\n', "labels.arms.placebo", "unknown"),
    (lambda t: t.replace('[outcomes]\nprimary = "homa_ir"\n', ""), "outcomes", "missing"),
    (lambda t: t.replace('title = "Demo"', 'title = "Demo'), "line 1", "fix the syntax"),
]


@pytest.mark.parametrize(("change", "key", "advice"), BROKEN)
def test_broken_file_names_file_key_and_what_to_do(tmp_path, change, key, advice):
    path = write(tmp_path, change(MINIMAL))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    message = str(info.value)
    assert str(path) in message
    assert key in message
    assert advice in message


def test_config_error_is_a_value_error_and_missing_file_says_where(tmp_path):
    missing = tmp_path / "nothere" / "analysis.toml"
    with pytest.raises(ValueError, match="file not found; an analysis is a folder"):
        load_config(missing)


def test_not_utf8_is_refused(tmp_path):
    path = write(tmp_path, "")
    path.write_bytes(b'title = "D\xe9mo"\n')
    with pytest.raises(ConfigError, match="UTF-8"):
        load_config(path)


def test_report_keys_are_checked(tmp_path):
    from lifestyle_trials.config import parse_config

    base = {
        "title": "Demo",
        "seed": 1,
        "data": {"source": "simulate"},
        "outcomes": {"primary": "homa_ir"},
    }
    cfg = parse_config(
        {
            **base,
            "report": {
                "decimals": {"weight": 1},
                "assessed": 300,
                "not_randomised": {"declined": 12},
                "disposition": "dcsreas",
            },
        },
        file="a/analysis.toml",
    )
    assert cfg.report.decimals == {"weight": 1} and cfg.report.assessed == 300
    assert cfg.report.not_randomised == {"declined": 12} and cfg.report.disposition == "dcsreas"
    with pytest.raises(ConfigError, match=r"report.decimals.weight: must be a whole number"):
        parse_config({**base, "report": {"decimals": {"weight": 1.5}}}, file="a/analysis.toml")
    with pytest.raises(ConfigError, match=r"unknown key 'report.colour'"):
        parse_config({**base, "report": {"colour": "red"}}, file="a/analysis.toml")
