"""lt.summary_effects against R (tests/reference/summary_welch), and the published P checks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.tolerances import CLOSED_FORM_RTOL

import lifestyle_trials as lt
from lifestyle_trials.errors import ModelError

CASE = Path(__file__).resolve().parent.parent / "reference" / "summary_welch"
COLUMNS = ("estimate", "std_error", "df", "statistic", "p_value", "conf_low", "conf_high")


@pytest.fixture(scope="module")
def expected() -> dict:
    return json.loads((CASE / "expected.json").read_text())["effects"]


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return pd.read_csv(CASE / "data.csv")


def test_sd_input_equals_r(data, expected):
    table = data[data["sd"].notna()].drop(columns="se")
    ours = lt.summary_effects(table, by="outcome", contrasts=("factorial", "pairwise"))
    compared = 0
    for outcome, effects in expected.items():
        if outcome == "fasting_insulin":
            continue
        for term, r in effects.items():
            row = ours[(ours["outcome"] == outcome) & (ours["term"] == term)]
            assert len(row) == 1, (outcome, term)
            # factorial terms: the Welch-Satterthwaite formula in reference.R;
            # "A vs B": t.test(A, B, var.equal = FALSE) on exact-moment samples
            for col in COLUMNS:
                np.testing.assert_allclose(row[col].iloc[0], r[col], rtol=CLOSED_FORM_RTOL)
            compared += 1
    assert compared == 3 * (3 + 6)


def test_se_input_equals_r(data, expected):
    table = data[data["se"].notna()].drop(columns="sd")
    ours = lt.summary_effects(table, contrasts="arms")
    assert ours["term"].tolist() == ["diet+exercise vs control"]
    # t.test(x_DE, x_C, var.equal = FALSE) with SD = SE sqrt(n)
    r = expected["fasting_insulin"]["diet+exercise vs control"]
    for col in COLUMNS:
        np.testing.assert_allclose(ours[col].iloc[0], r[col], rtol=CLOSED_FORM_RTOL)
    assert ours["method"].iloc[0] == "Welch"


def test_se_without_n_is_a_z_test():
    table = pd.DataFrame({"arm": ["control", "diet"], "mean": [1.0, 0.0], "se": [0.3, 0.4]})
    out = lt.summary_effects(table, contrasts="arms")
    assert np.isinf(out["df"].iloc[0]) and out["method"].iloc[0] == "z (n unknown)"
    np.testing.assert_allclose(out["std_error"], 0.5)
    np.testing.assert_allclose(out["p_value"], 0.04550026389635842, rtol=1e-12)  # 2 Φ(-2)


def test_spread_column_and_n_mapping():
    table = pd.DataFrame(
        {
            "arm": ["control", "diet"],
            "mean": [1.0, 0.0],
            "spread": [2.0, 3.0],
            "spread_type": ["SD", "SD"],
        }
    )
    out = lt.summary_effects(table, contrasts="arms", n={"control": 20, "diet": 30})
    np.testing.assert_allclose(out["std_error"], np.sqrt(4 / 20 + 9 / 30), rtol=1e-12)
    as_se = lt.summary_effects(table.drop(columns="spread_type"), spread="se", contrasts="arms")
    np.testing.assert_allclose(as_se["std_error"], np.sqrt(13.0), rtol=1e-12)


def test_factorial_needs_all_arms_and_by_groups():
    table = lt.published_summaries("Villareal")
    table = table[(table["source"] == "villareal2011")]
    out = lt.summary_effects(table, by=("outcome", "quantity"), contrasts="factorial")
    assert len(out) == 3 * 2 * 3
    three = table[table["arm"] != "exercise"]
    out3 = lt.summary_effects(three, by=("outcome", "quantity"))
    assert set(out3["term"]) == {"diet vs control", "diet+exercise vs control"}


@pytest.mark.parametrize(
    ("table", "kwargs", "message"),
    [
        (pd.DataFrame({"arm": ["control"], "mean": [1.0]}), {}, "needs a column 'sd', 'se'"),
        (pd.DataFrame({"mean": [1.0], "sd": [1.0]}), {}, "lacks column\\(s\\) arm"),
        (
            pd.DataFrame({"arm": ["placebo"], "mean": [1.0], "sd": [1.0], "n": [5]}),
            {},
            "unknown arm\\(s\\) placebo",
        ),
        (
            pd.DataFrame(
                {"arm": ["diet", "diet"], "mean": [1.0, 2.0], "sd": [1.0, 1.0], "n": [5, 5]}
            ),
            {},
            "diet listed more than once",
        ),
        (
            pd.DataFrame({"arm": ["control", "diet"], "mean": [1.0, 2.0], "sd": [1.0, 1.0]}),
            {},
            "an SD needs the arm size n",
        ),
        (
            pd.DataFrame(
                {"arm": ["control", "diet"], "mean": [1.0, 2.0], "sd": [1.0, -1.0], "n": [5, 5]}
            ),
            {},
            "must be positive",
        ),
        (
            pd.DataFrame(
                {"arm": ["control", "diet"], "mean": [1.0, 2.0], "sd": [1.0, 1.0], "n": [1, 5]}
            ),
            {},
            "n of at least 2",
        ),
        (
            pd.DataFrame({"arm": ["control", "diet"], "mean": [1.0, 2.0], "spread": [1.0, 1.0]}),
            {},
            "pass spread='sd' or spread='se'",
        ),
        (
            pd.DataFrame({"arm": ["control", "diet"], "mean": [1.0, 2.0], "se": [1.0, 1.0]}),
            {"contrasts": "tukey"},
            "unknown contrasts 'tukey'",
        ),
    ],
)
def test_bad_tables(table, kwargs, message):
    with pytest.raises(ModelError, match=message):
        lt.summary_effects(table, **kwargs)


# -- published vs recomputed ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def verdicts() -> pd.DataFrame:
    return lt.published_vs_recomputed().set_index(["trial", "outcome", "comparison"]).sort_index()


def test_every_published_comparison_has_a_verdict(verdicts):
    assert len(verdicts) == len(lt.published_tests())
    assert set(verdicts["verdict"]) <= {
        "reproduced",
        "not reproduced",
        "not recomputable",
        "no published P",
    }


def test_odes_fasting_insulin_is_a_bonferroni_adjusted_two_sample_test(verdicts):
    row = verdicts.loc[("ODES", "fasting_insulin", "diet+exercise vs control")]
    assert row["verdict"] == "reproduced"
    readings = row["consistent_readings"].split("; ")
    assert "± as SE, randomised n, Bonferroni x3" in readings
    assert not any(r.endswith(", none") for r in readings)  # the unadjusted P is 0.001
    np.testing.assert_allclose(row["p_unadjusted"], 0.0010034805171881883, rtol=1e-9)


def test_odes_glucose_load_p_values_are_not_reproduced(verdicts):
    for arm in ("diet", "exercise"):
        row = verdicts.loc[("ODES", "insulin_after_glucose_load", f"{arm} vs control")]
        assert row["verdict"] == "not reproduced"


def test_villareal_weight(verdicts):
    weight = verdicts.loc["Villareal", "weight"]
    assert weight.loc["diet vs control", "verdict"] == "reproduced"
    assert weight.loc["exercise vs control", "verdict"] == "reproduced"
    # a Welch test of change scores gives P = 0.39, not the published 0.67
    assert weight.loc["diet+exercise vs diet", "verdict"] == "not reproduced"
    np.testing.assert_allclose(
        weight.loc["diet+exercise vs diet", "p_unadjusted"], 0.3946, atol=5e-4
    )


def test_new_trial_has_no_spread_and_kitzman_ci_only(verdicts):
    assert (verdicts.loc["NEW", "verdict"] == "not recomputable").all()
    kitzman = verdicts.loc["Kitzman", "weight"]
    assert kitzman.loc["exercise", "verdict"] == "no published P"
    assert kitzman.loc["diet:exercise", "verdict"] == "not recomputable"


def test_detail_rounding_ranges_contain_the_point_value():
    detail = lt.published_vs_recomputed(detail=True)
    assert (detail["p_low"] <= detail["p_value"] + 1e-15).all()
    assert (detail["p_value"] <= detail["p_high"] + 1e-15).all()
    assert set(detail["adjustment"]) == {"none", "Bonferroni x3", "Bonferroni x6"}


def test_odes_glucose_load_combined_arm_depends_on_the_printed_se():
    from lifestyle_trials.models.summary import _net_rows, _printed_interval

    odes = lt.published_summaries("ODES")
    rows = odes[odes["outcome"] == "insulin_after_glucose_load"].copy()
    sizes = lt.published_arm_sizes()
    low, high = _printed_interval(0.0004, "=", 4)

    def consistent(se: float) -> bool:
        rows.loc[rows["arm"] == "diet+exercise", "spread"] = se
        readings = _net_rows(rows, "diet+exercise vs control", sizes, "ODES")
        t_tests = [r for r in readings if np.isfinite(r["df"])]
        return all(3 * r["p_low"] <= high and 3 * r["p_high"] >= low for r in t_tests)

    assert not consistent(46.1)  # as printed in PubMed
    assert consistent(45.1)  # as printed in the publisher's abstract
