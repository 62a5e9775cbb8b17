"""numbers.json and the HTML report: numbers right, the page made from numbers.json only."""

from __future__ import annotations

import copy
import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lifestyle_trials as lt
from lifestyle_trials.pipeline import steps
from lifestyle_trials.pipeline.files import read_json
from lifestyle_trials.pipeline.trials import read_trial_files
from lifestyle_trials.report import format as fmt
from lifestyle_trials.report.descriptives import baseline_table, by_visit
from lifestyle_trials.report.html import render_report
from lifestyle_trials.report.tables import report_tables

CONFIG = """\
title = "Report test"
description = "A small simulated trial."
seed = 3
published = "odes"

[data]
source = "simulate"
options = { n_per_arm = [15, 16, 17, 18], visits = [0, 6, 12], dropout = 0.12 }

[outcomes]
primary = "homa_ir"
secondary = ["insulin", "weight"]
log = ["homa_ir", "insulin"]

[models]
mixed_anova = true

[table1]
variables = ["age", "sex", "weight", "homa_ir"]
median_iqr = ["homa_ir"]
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("report")
    folder = tmp / "analyses" / "small"
    folder.mkdir(parents=True)
    config = folder / "analysis.toml"
    config.write_text(CONFIG, encoding="utf-8")
    raw, interim = tmp / "data/raw/small.csv", tmp / "data/interim/small.csv"
    processed = tmp / "data/processed/small.csv"
    steps.raw(config, raw)
    steps.validate(config, raw, interim)
    steps.derive(config, interim, processed)
    report = tmp / "reports" / "small"
    steps.fit(config, processed, report / "fits")
    steps.numbers(config, processed, report / "fits", report / "numbers.json")
    steps.figures(report / "numbers.json", processed, report / "fits", report / "figures")
    steps.render(report / "numbers.json", report / "figures", report / "index.html")
    return {"config": config, "processed": processed, "report": report}


@pytest.fixture(scope="module")
def numbers(built) -> dict:
    return read_json(built["report"] / "numbers.json")


@pytest.fixture(scope="module")
def svgs(built) -> dict[str, bytes]:
    index = read_json(built["report"] / "figures" / "index.json")
    return {
        f["name"]: (built["report"] / "figures" / f["file"]).read_bytes() for f in index["figures"]
    }


# -- formatting ---------------------------------------------------------------------------------


def test_formatting_rules():
    assert fmt.num(-0.0001, 2) == "0.00"  # no negative zero
    assert fmt.num(float("nan")) == "–"
    assert fmt.decimals_for(None) == 1 and fmt.decimals_for(0.0) == 1
    assert fmt.decimals_for(1e-9) == 4  # at most four decimals
    assert fmt.p_value(0.001) == "0.001" and fmt.p_value(0.00099) == "<0.001"
    assert fmt.estimate_ci(1.0, -1.0, 3.0, 1) == "1.0 (−1.0 to 3.0)"
    assert fmt.percent_change(1.0) == "0.0%"


# -- numbers.json -------------------------------------------------------------------------------


def test_numbers_are_plain_json_without_nan(built):
    text = (built["report"] / "numbers.json").read_text()
    json.loads(text)
    assert "NaN" not in text and "Infinity" not in text


def test_table1_counts_and_moments_match_the_data(built, numbers):
    trial, _ = read_trial_files(built["processed"])
    base = trial.data[trial.data["visit"] == 0]
    rows = {(r["variable"], r["level"], r["arm"]): r for r in numbers["table1"]}
    for arm, size in trial.design.arm_sizes.items():
        weight = base.loc[base["arm"] == arm, "weight"]
        row = rows[("weight", "", arm)]
        assert row["n"] == size and row["summary"] == "mean_sd"
        assert math.isclose(row["mean"], weight.mean(), rel_tol=1e-12)
        assert math.isclose(row["sd"], weight.std(ddof=1), rel_tol=1e-12)
    homa = rows[("homa_ir", "", "all")]
    assert homa["summary"] == "median_iqr"
    assert math.isclose(homa["median"], base["homa_ir"].median(), rel_tol=1e-12)
    sexes = [r for r in numbers["table1"] if r["variable"] == "sex" and r["arm"] == "all"]
    assert sum(r["count"] for r in sexes) == trial.design.n_subjects


def test_geometric_means_by_visit(built, numbers):
    trial, _ = read_trial_files(built["processed"])
    row = next(
        r
        for r in numbers["by_visit"]
        if r["outcome"] == "homa_ir" and r["arm"] == "diet" and r["visit"] == 12.0
    )
    values = trial.data.loc[
        (trial.data["arm"] == "diet") & (trial.data["visit"] == 12.0), "homa_ir"
    ].dropna()
    assert row["geometric"] and row["n"] == len(values)
    assert math.isclose(row["mean"], float(np.exp(np.log(values).mean())), rel_tol=1e-12)
    assert row["conf_low"] < row["mean"] < row["conf_high"]


def test_primary_numbers_are_the_ancova_of_the_processed_data(built, numbers):
    trial, _ = read_trial_files(built["processed"])
    fit = lt.ancova(trial, "homa_ir", estimand="factorial", log=True)
    expected = fit.effects.set_index("term")
    for e in numbers["primary"]["effects"]:
        assert math.isclose(e["estimate"], expected.loc[e["term"], "estimate"], rel_tol=1e-12)
        assert math.isclose(e["ratio"], math.exp(e["estimate"]), rel_tol=1e-12)
    arms = {
        e["term"]: e
        for e in next(a for a in numbers["arms"] if a["outcome"] == "homa_ir")["effects"]
    }
    by_arms = lt.ancova(trial, "homa_ir", estimand="arms", log=True).effects.set_index("term")
    for term, e in arms.items():  # contrasts of the cell means equal the four-arm model
        assert math.isclose(e["estimate"], by_arms.loc[term, "estimate"], rel_tol=1e-9)
        assert math.isclose(e["std_error"], by_arms.loc[term, "std_error"], rel_tol=1e-9)


def test_flow_adds_up_and_gives_reasons_in_words(built, numbers):
    trial, _ = read_trial_files(built["processed"])
    primary = numbers["primary"]
    data = trial.data
    seen = data[list(trial.outcomes)].notna().any(axis=1)
    last = data[seen].groupby("subject")["visit"].max()
    arm_of = trial.subjects().set_index("subject")["arm"]
    flow = numbers["flow"]
    assert flow["enrolment"]["randomised"] == trial.design.n_subjects
    assert flow["enrolment"]["assessed"] is None  # a simulated trial has no screening log
    for f in flow["arms"]:
        ids = arm_of.index[arm_of == f["arm"]]
        lost = int((last.reindex(ids).fillna(0.0) < 12.0).sum())
        excluded = sum(e["n"] for e in f["excluded"])
        assert f["allocated"] == numbers["design"]["arm_sizes"][f["arm"]]
        assert sum(r["n"] for r in f["lost"]) == lost
        assert f["analysed"] == primary["n_analysed"][f["arm"]]
        assert f["analysed"] + excluded == f["allocated"]
        for r in [*f["lost"], *f["excluded"]]:
            assert "_" not in r["reason"] and "homa" not in r["reason"], r["reason"]
    reasons = {r["reason"] for f in flow["arms"] for r in f["excluded"]}
    assert reasons <= {
        "no follow-up measurement at month 12 (lost to follow-up)",
        "HOMA-IR not measured at month 12",
    }


def test_flow_counts_enrolment_and_disposition_when_the_source_has_them():
    from lifestyle_trials.report.consort import consort_flow

    trial = lt.simulate_odes(seed=4, n_per_arm=(6, 6, 6, 6), visits=(0, 6, 12), dropout=0.0)
    who = trial.subjects()
    subjects = list(who.loc[who["arm"] == "control", "subject"])
    reason = {subjects[0]: "ADVERSE EVENT", subjects[1]: "Lost to follow-up"}
    data = trial.data.assign(dcsreas=trial.data["subject"].map(reason).fillna("COMPLETED"))
    data.loc[(data["subject"] == subjects[1]) & (data["visit"] > 0), list(trial.outcomes)] = np.nan
    with_disposition = lt.read_trial(data, covariates=["age", "sex", "height", "dcsreas"])
    fit = lt.ancova(with_disposition, "homa_ir")
    read_log = [
        {
            "reason": "arm 'Screen failure' mapped to None (not part of the trial)",
            "subjects": ["S1", "S2", "S3"],
        }
    ]
    flow = consort_flow(
        with_disposition,
        "homa_ir",
        12.0,
        fit.n_analysed,
        [s for e in fit.exclusions for s in e.subjects],
        read_exclusions=read_log,
        not_randomised={"declined to participate": 4},
        disposition="dcsreas",
    )
    assert flow["enrolment"] == {
        "assessed": 24 + 3 + 4,
        "not_randomised": [
            {"reason": "declined to participate", "n": 4},
            {"reason": "Screen failure", "n": 3},
        ],
        "randomised": 24,
    }
    control = flow["arms"][0]
    assert control["discontinued"] == [{"reason": "Adverse event", "n": 1}]
    assert control["lost"] == [{"reason": "no visit after baseline", "n": 1}]
    assert control["analysed"] == 5


def test_sensitivity_includes_each_analysis_and_the_mmrm(numbers):
    keys = [r["key"] for r in numbers["sensitivity"]]
    assert keys == ["primary", "margins", "arms", "change", "followup", "mmrm"]
    mmrm = numbers["sensitivity"][-1]
    assert {e["visit"] for e in mmrm["effects"]} == {12.0}
    assert mmrm["n_analysed"] >= numbers["sensitivity"][0]["n_analysed"]


def test_standardised_effects_divide_by_the_baseline_sd(built, numbers):
    trial, _ = read_trial_files(built["processed"])
    base = trial.data.loc[trial.data["visit"] == 0, "weight"]
    row = next(
        s for s in numbers["standardised"] if s["outcome"] == "weight" and s["term"] == "diet"
    )
    effect = next(
        e
        for e in next(s for s in numbers["secondary"] if s["outcome"] == "weight")["effects"]
        if e["term"] == "diet"
    )
    assert math.isclose(row["baseline_sd"], base.std(ddof=1), rel_tol=1e-12)
    assert math.isclose(row["estimate"], effect["estimate"] / row["baseline_sd"], rel_tol=1e-12)


def test_truth_is_the_generators(numbers, built):
    manifest = read_json(built["processed"].with_suffix(".json"))
    spec = manifest["truth"]["outcomes"]["homa_ir"]
    truth = spec["log_effects"]["12.0"]
    analysed = spec["completers_log_effects"]["12.0"]
    assert numbers["truth"]["homa_ir"] == {"scale": "log", **truth, "analysed": analysed}
    assert numbers["truth"]["weight"]["scale"] == "natural"
    weight = manifest["truth"]["outcomes"]["weight"]["completers_effects"]["12.0"]
    assert numbers["truth"]["weight"]["analysed"] == weight


def test_the_primary_table_shows_the_truth_over_all_randomised_and_over_completers(built):
    html = (built["report"] / "index.html").read_text(encoding="utf-8")
    assert "True, completers" in html
    assert "over all randomised subjects" in html


def test_tables_hold_the_numbers_at_full_precision(numbers):
    tables = report_tables(numbers)
    assert {"flow", "table1", "means_by_visit", "mmrm_effects"} <= set(tables)
    assert tables["table1"]["mean"].dropna().tolist() == [
        r["mean"] for r in numbers["table1"] if r["mean"] is not None
    ]


def test_descriptives_reject_unknown_variables():
    trial = lt.simulate_odes(seed=1, n_per_arm=(3, 3, 3, 3), dropout=0)
    with pytest.raises(lt.ModelError):
        baseline_table(trial, ["nope"])
    with pytest.raises(lt.ModelError):
        by_visit(trial, ["nope"])


# -- HTML ---------------------------------------------------------------------------------------


class _Images(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.images: list[dict[str, str | None]] = []
        self.links: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs))
        elif tag not in ("meta", "br", "link", "img"):
            self.stack.append(tag)
        for key, value in attrs:
            if key in ("href", "src") and value and not value.startswith(("#", "data:")):
                self.links.append(value)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1:]}>"
        self.stack.pop()


def test_report_is_well_formed_self_contained_with_alt_text(built, svgs):
    html = (built["report"] / "index.html").read_text()
    parser = _Images()
    parser.feed(html)
    assert parser.stack == []
    assert parser.links == [], "the report must not load anything from elsewhere"
    assert len(parser.images) == len(svgs) >= 7
    for image in parser.images:
        assert image["src"].startswith("data:image/svg+xml;base64,")
        assert len(image["alt"] or "") > 40


def test_report_shows_the_numbers_of_numbers_json(numbers, svgs):
    html = render_report(numbers, svgs)
    diet = next(e for e in numbers["primary"]["effects"] if e["term"] == "diet")
    shown = fmt.ratio_ci(diet["ratio"], diet["ratio_low"], diet["ratio_high"])
    assert shown in html
    changed = copy.deepcopy(numbers)
    target = next(e for e in changed["primary"]["effects"] if e["term"] == "diet")
    target.update(ratio=0.4321, ratio_low=0.3111, ratio_high=0.5999)
    again = render_report(changed, svgs)
    assert "0.43 (0.31 to 0.60)" in again and "0.43 (0.31 to 0.60)" not in html


def test_rendering_is_deterministic_and_escapes_text(numbers, svgs):
    assert render_report(numbers, svgs) == render_report(numbers, svgs)
    hostile = copy.deepcopy(numbers)
    hostile["analysis"]["title"] = "<script>alert(1)</script>"
    html = render_report(hostile, svgs)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_tables_and_figures_are_numbered_in_order(built):
    html = (built["report"] / "index.html").read_text()
    tables = [int(n) for n in re.findall(r"<figcaption>Table (\d+)\.", html)]
    figures = [int(n) for n in re.findall(r"<figcaption>Figure (\d+)\.", html)]
    assert tables == list(range(1, len(tables) + 1)) and len(tables) >= 8
    assert figures == list(range(1, len(figures) + 1))
    assert "<figcaption>Table 1. Baseline characteristics by arm" in html  # as journals number
    assert "<figcaption>Figure 1. CONSORT 2010 flow diagram" in html
    for caption in re.findall(r"<figcaption>(Table \d+\..*?)</figcaption>", html):
        if "checksums" not in caption and "set aside" not in caption:
            assert "analysis set" in caption, caption


def test_every_section_of_the_report_is_there(built):
    html = (built["report"] / "index.html").read_text()
    for section in (
        "summary",
        "flow",
        "baseline",
        "primary",
        "secondary",
        "arms",
        "repeated",
        "mmrm",
        "mixed-anova",
        "sensitivity",
        "figures",
        "methods",
        "provenance",
    ):
        assert f'<section id="{section}">' in html, section
    assert "True value" in html  # simulated data: the truth beside the estimates
    assert "simulated data" in html


# -- published results --------------------------------------------------------------------------


def test_published_odes_figures_beside_the_same_quantities_from_the_data(built, numbers):
    pub = numbers["published"]
    assert pub["trial"] == "ODES"
    published = lt.published_summaries("ODES")
    assert len(pub["summaries"]) == len(published)
    trial, _ = read_trial_files(built["processed"])
    wide = trial.wide("insulin")
    arms = trial.subjects().set_index("subject").loc[wide.index, "arm"]
    both = wide[[0.0, 12.0]].dropna()
    change = (both[12.0] - both[0.0]) * 6.0  # pmol/L
    row = next(
        r for r in pub["summaries"] if r["outcome"] == "fasting_insulin" and r["arm"] == "control"
    )
    assert row["mean"] == 3.9 and row["unit"] == "pmol/L"
    control = change[arms.loc[both.index] == "control"]
    assert row["reanalysed"]["n"] == len(control)
    assert math.isclose(row["reanalysed"]["mean"], control.mean(), rel_tol=1e-12)
    load = next(r for r in pub["summaries"] if r["outcome"] == "insulin_after_glucose_load")
    assert "glucose tolerance" in load["reanalysed"]["reason"]
    test = next(t for t in pub["tests"] if t["outcome"] == "fasting_insulin")
    assert test["p_value"] == 0.003 and test["verdict"] == "reproduced"
    de = change[arms.loc[both.index] == "diet+exercise"]
    from scipy import stats

    welch = stats.ttest_ind(de, control, equal_var=False)
    assert math.isclose(test["reanalysed"]["p_value"], welch.pvalue, rel_tol=1e-9)


def test_unknown_published_trial_is_a_config_error(built, tmp_path):
    from lifestyle_trials.config import load_config
    from lifestyle_trials.report.published import trial_name

    path = tmp_path / "x" / "analysis.toml"
    path.parent.mkdir()
    path.write_text(CONFIG.replace('published = "odes"', 'published = "oslo"'))
    with pytest.raises(lt.ConfigError, match=r"published: no published summaries of 'oslo'"):
        trial_name(load_config(path))


def test_the_page_carries_its_stamp_as_json(built):
    html = (built["report"] / "index.html").read_text()
    match = re.search(r"<!-- lifestyle-trials stamp\n(.*?)\n-->", html, flags=re.DOTALL)
    assert match is not None
    made = json.loads(match.group(1))
    assert made["step"] == "render" and made["seed"] == 3
    assert set(made["inputs"]) == {"numbers", "figures"}
    assert made["config"]["outcomes"]["primary"] == "homa_ir"


def test_a_title_cannot_end_the_stamp_comment(numbers, svgs):
    hostile = {"config": {"title": "a --> <b>"}}
    html = render_report(numbers, svgs, hostile)
    comment = html.split("<!-- lifestyle-trials stamp\n", 1)[1].split("\n-->", 1)[0]
    assert "-->" not in comment and "--" not in comment


# -- methods written from the fitted models -----------------------------------------------------

SITE_CONFIG = """\
title = "Two sites"
description = "A simulated trial read from a file with a site column."

[data]
source = "file"
path = "trial.csv"

[outcomes]
primary = "weight"
secondary = ["glucose"]

[models]
covariates = ["site"]
"""


def _build(folder: Path, config_text: str, data=None) -> str:
    folder.mkdir(parents=True)
    config = folder / "analysis.toml"
    config.write_text(config_text, encoding="utf-8")
    if data is not None:
        data.to_csv(folder / "trial.csv", index=False)
    root = folder.parent.parent
    raw, interim = root / "data/raw/x.csv", root / "data/interim/x.csv"
    processed = root / "data/processed/x.csv"
    steps.raw(config, raw)
    steps.validate(config, raw, interim)
    steps.derive(config, interim, processed)
    report = root / "reports" / "x"
    steps.fit(config, processed, report / "fits")
    steps.numbers(config, processed, report / "fits", report / "numbers.json")
    steps.figures(report / "numbers.json", processed, report / "fits", report / "figures")
    steps.render(report / "numbers.json", report / "figures", report / "index.html")
    return (report / "index.html").read_text(encoding="utf-8")


def _visible(html: str) -> str:
    """The text a reader sees: no style, no comments, no image data, tags removed."""
    html = re.sub(r"<style>.*?</style>|<!--.*?-->", " ", html, flags=re.DOTALL)
    html = re.sub(r'(src|alt)="[^"]*"', " ", html)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _section(html: str, sid: str) -> str:
    match = re.search(rf'<section id="{sid}">(.*?)</section>', html, flags=re.DOTALL)
    assert match is not None, sid
    return _visible(match.group(1))


@pytest.fixture(scope="module")
def site_report(tmp_path_factory: pytest.TempPathFactory) -> str:
    trial = lt.simulate_odes(seed=5, n_per_arm=(12, 12, 12, 12), visits=(0, 6, 12), dropout=0.1)
    subjects = list(pd.unique(trial.data["subject"]))
    site = {s: ("Oslo" if i % 2 else "Bergen") for i, s in enumerate(subjects)}
    data = trial.data.assign(site=trial.data["subject"].map(site))
    tmp = tmp_path_factory.mktemp("site")
    return _build(tmp / "analyses" / "x", SITE_CONFIG, data)


def test_a_fitted_covariate_is_named_in_every_model_line_and_the_methods(site_report):
    primary = _section(site_report, "primary")
    assert re.search(
        r"Model: ANCOVA of Weight at month 12 on its baseline value, .* and site;", primary
    )
    mmrm = _section(site_report, "mmrm")
    assert re.search(
        r"Model: MMRM of Weight at month 6 and month 12 on baseline × visit, "
        r"diet × exercise × visit and site;",
        mmrm,
    )
    methods = _section(site_report, "methods")
    assert methods.count("and site") >= 3  # primary, secondary outcomes, MMRM
    assert "unstructured covariance" in methods and "Satterthwaite" in methods
    estimand = primary.split("Table")[0]
    assert "adjusted for its baseline value and site" in estimand
    assert "Intercurrent events" in estimand and "treatment policy" in estimand


def test_nothing_is_said_about_models_or_scales_that_were_not_used(site_report):
    text = _visible(site_report)
    assert "mixed ANOVA" not in text and "Mixed ANOVA" not in text  # not asked for
    for word in (r"\blog\b", "geometric", "log-transformed", r"\bratios?\b"):
        assert not re.search(word, text), word
    methods = _section(site_report, "methods")
    assert "Sensitivity analyses of the primary outcome" in methods


# -- numbers as journals print them -------------------------------------------------------------

ANOREXIA = """\
title = "Anorexia"

[data]
source = "dataset"
name = "anorexia"

[outcomes]
primary = "weight"
secondary = []

[labels]
arms = { diet = "Family therapy", exercise = "Cognitive behavioural therapy" }
visits = { "0" = "before treatment", "1" = "after treatment" }
"""

_RAW_NUMBER = re.compile(
    r"\d\.\d{6,}"  # more digits than any printed quantity has
    r"|(?<![0-9a-f])\d+(?:\.\d+)?[eE][-+]?\d+(?![0-9a-f])"  # exponent notation
    r"|\bNaN\b|\bnan\b|\binf\b|\bNone\b|\bnull\b|\{\"|\":"  # JSON or Python leftovers
)


@pytest.fixture(scope="module")
def anorexia_report(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _build(tmp_path_factory.mktemp("anorexia") / "analyses" / "x", ANOREXIA)


def _unformatted(html: str) -> list[str]:
    text = _visible(html)
    text = re.sub(r"\b[0-9a-f]{64}\b", "<sha256>", text)  # checksums are identifiers
    text = re.sub(r"\b10\.\d{4,}/\S+", "<doi>", text)  # and so are DOIs
    return [text[max(0, m.start() - 40) : m.end() + 20] for m in _RAW_NUMBER.finditer(text)]


def test_no_page_shows_an_unformatted_number(built, site_report, anorexia_report):
    pages = {
        "simulated": (built["report"] / "index.html").read_text(encoding="utf-8"),
        "file with site": site_report,
        "anorexia": anorexia_report,
    }
    for name, html in pages.items():
        assert _unformatted(html) == [], name
    # the scan finds what it is meant to find
    assert _unformatted("<p>effect -1.3877787807814457e-17</p><p>0.13953488372093023</p>")
    assert _unformatted('<p>parameters {"dropout": 0.2}</p>')


def _estimates(text: str) -> list[tuple[str, str, str]]:
    number = r"[−-]?\d+(?:\.\d+)?"
    return re.findall(rf"({number}) \(({number}) to ({number})\)", text)


def _decimals(x: str) -> int:
    return len(x.split(".")[1]) if "." in x else 0


def test_one_number_of_decimals_per_outcome_estimate_and_ci_alike(site_report, anorexia_report):
    for html, section in (
        (site_report, "sensitivity"),
        (site_report, "mmrm"),
        (anorexia_report, "sensitivity"),
        (anorexia_report, "primary"),
    ):
        found = _estimates(_section(html, section))
        assert found, section
        for triple in found:
            assert len({_decimals(x) for x in triple}) == 1, triple
        assert len({_decimals(t[0]) for t in found}) == 1, (section, found)
    # weight (kg) in the site report: the same decimals in the summary, tables and MMRM
    weight = {
        _decimals(t[0])
        for s in ("summary", "primary", "sensitivity", "mmrm")
        for t in _estimates(_section(site_report, s))
    }
    assert len(weight) == 1


DISPOSITION = """\
title = "Disposition from the data"

[data]
source = "file"
path = "trial.csv"
options = { covariates = ["age", "sex", "height", "DCSREAS"] }

[outcomes]
primary = "weight"
secondary = []

[models]
mmrm = false

[report]
assessed = 70
not_randomised = { "did not meet the inclusion criteria" = 14, "declined to participate" = 4 }
"""


def test_the_flow_reads_enrolment_from_the_configuration_and_disposition_from_the_data(
    tmp_path,
):
    trial = lt.simulate_odes(seed=6, n_per_arm=(13, 13, 13, 13), visits=(0, 12), dropout=0.0)
    who = trial.subjects()
    control = list(who.loc[who["arm"] == "control", "subject"])
    reason = {control[0]: "ADVERSE EVENT", control[1]: "WITHDRAWAL BY SUBJECT"}
    data = trial.data.assign(DCSREAS=trial.data["subject"].map(reason).fillna("COMPLETED"))
    data.loc[(data["subject"] == control[1]) & (data["visit"] > 0), list(trial.outcomes)] = np.nan
    html = _build(tmp_path / "analyses" / "x", DISPOSITION, data)
    numbers = read_json(tmp_path / "reports" / "x" / "numbers.json")
    flow = numbers["flow"]
    assert flow["disposition"] == "DCSREAS"
    assert flow["enrolment"]["assessed"] == 70
    arm = flow["arms"][0]
    assert arm["discontinued"] == [{"reason": "Adverse event", "n": 1}]
    assert arm["lost"] == [{"reason": "Withdrawal by subject (no visit after baseline)", "n": 1}]
    alt = re.search(r'<figure class="chart" id="figure-1">\s*<img src="[^"]*" alt="([^"]*)"', html)
    assert alt is not None
    text = alt.group(1)
    for words in (
        "Assessed for eligibility (n = 70)",
        "Not randomised (n = 18)",
        "did not meet the inclusion criteria (n = 14)",
        "Discontinued intervention (n = 1)",
        "Adverse event (n = 1)",
    ):
        assert words in text, words


WEIGHTLOSS = """\
title = "Weight loss"

[data]
source = "dataset"
name = "weightloss"

[outcomes]
primary = "weight_loss"
secondary = []
"""


def test_a_trial_without_baseline_is_described_as_fitted(tmp_path):
    """weightloss has no baseline measurement: no sentence may say a model adjusted for it,
    and the MMRM line names the terms fitted (arm × visit)."""
    text = _visible(_build(tmp_path / "analyses" / "x", WEIGHTLOSS))
    assert "adjusted for baseline" not in text
    assert "adjusted for its baseline" not in text
    assert "baseline × visit" not in text and "diet × exercise × visit" not in text
    assert "MMRM of Weight loss" in text and "arm × visit" in text
    assert "with at least one value after randomisation" in text
    assert "no baseline adjustment" in text
