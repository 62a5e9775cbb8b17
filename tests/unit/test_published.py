"""The published tables shipped as package data: complete, cited, with units, as printed."""

from __future__ import annotations

import numpy as np
import pytest

import lifestyle_trials as lt
from lifestyle_trials.datasets.published import TRIALS, check_tables
from lifestyle_trials.errors import DatasetError


def test_every_source_is_cited_and_every_row_has_a_unit():
    check_tables()
    sources = lt.published_sources()
    assert sources["citation"].str.len().gt(10).all()
    summaries = lt.published_summaries()
    assert summaries["unit"].str.len().gt(0).all()
    assert set(summaries["trial"]) == set(TRIALS) - {"Kitzman"}  # Kitzman: effects only
    assert set(lt.published_tests()["trial"]) == set(TRIALS)


def test_arms_and_quantities_are_known():
    summaries = lt.published_summaries()
    assert set(summaries["arm"]) <= set(lt.ARMS)
    assert set(summaries["quantity"]) <= {
        "baseline",
        "follow_up",
        "change",
        "net_change",
        "percent_change",
    }
    assert set(summaries["spread_type"]) <= {"SD", "SE", "±", ""}


def test_odes_numbers_as_in_the_abstracts():
    sizes = lt.published_arm_sizes("ODES").set_index("basis")
    assert sizes.loc["randomised", list(lt.ARMS)].sum() == 219
    assert sizes.loc["completers", list(lt.ARMS)].sum() == 188
    odes = lt.published_summaries("ODES")
    insulin = odes[odes["outcome"] == "fasting_insulin"].set_index("arm")
    assert insulin.loc["control", "mean"] == 3.9 and insulin.loc["control", "spread"] == 6.2
    assert insulin.loc["diet+exercise", "mean"] == -22.6
    assert insulin.loc["diet+exercise", "spread_type"] == "±"


def test_printed_decimals_are_kept():
    t = lt.published_tests("ODES").set_index(["outcome", "comparison"])
    assert t.loc[("fasting_insulin", "diet+exercise vs control"), "p_value_decimals"] == 3
    assert (
        t.loc[("insulin_after_glucose_load", "diet+exercise vs control"), "p_value_decimals"] == 4
    )
    v = lt.published_summaries("Villareal")
    row = v[
        (v["outcome"] == "physical_performance_test")
        & (v["arm"] == "exercise")
        & (v["quantity"] == "change")
    ].iloc[0]
    assert row["mean"] == 4.0 and row["mean_decimals"] == 1  # printed "4.0"


def test_villareal_table2_complete():
    v = lt.published_summaries("Villareal")
    table2 = v[v["source"] == "villareal2011"]
    assert len(table2) == 3 * 2 * 4
    assert (table2["spread_type"] == "SD").all()
    assert np.isfinite(table2[["n", "mean", "spread"]].to_numpy()).all()


def test_unknown_trial():
    with pytest.raises(DatasetError, match="no published summaries of 'DPP'"):
        lt.published_summaries("DPP")


def test_tables_are_copies():
    a = lt.published_summaries()
    a.loc[0, "mean"] = 99.0
    assert lt.published_summaries().loc[0, "mean"] != 99.0
