"""add_indices: insulin-sensitivity indices added to a Trial, against hand-worked values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lifestyle_trials as lt


def frame(**extra: list[float]) -> pd.DataFrame:
    data = {
        "subject": ["a", "a", "b", "b"],
        "diet": [0, 0, 1, 1],
        "exercise": [1, 1, 0, 0],
        "visit": [0, 12, 0, 12],
        "glucose": [5.0, 5.5, 6.0, np.nan],
        "insulin": [9.0, 10.0, 15.0, 9.0],
    }
    data.update(extra)
    return pd.DataFrame(data)


def test_values_match_the_formulas_worked_by_hand():
    trial = lt.add_indices(lt.read_trial(frame()))
    d = trial.data
    # Matthews 1985: HOMA1-IR = I x G / 22.5; 9 x 5 / 22.5 = 2; 10 x 5.5 / 22.5 = 2.4444...
    np.testing.assert_allclose(d["homa_ir"][:3], [2.0, 55 / 22.5, 4.0], rtol=1e-12)
    # Matthews 1985: HOMA1-%B = 20 x I / (G - 3.5); 20 x 9 / 1.5 = 120; 20 x 15 / 2.5 = 120
    np.testing.assert_allclose(d["homa_b"][:3], [120.0, 100.0, 120.0], rtol=1e-12)
    # Katz 2000: QUICKI = 1 / (log10 I + log10 G[mg/dL]), G = 5 mmol/L = 90.08 mg/dL
    assert d["quicki"][0] == pytest.approx(1 / (math.log10(9.0) + math.log10(90.08)), rel=1e-12)
    # a missing glucose gives missing indices on that row only
    assert d.loc[3, ["homa_ir", "homa_b", "quicki"]].isna().all()


def test_units_outcomes_and_provenance_recorded_and_input_untouched():
    original = lt.read_trial(frame())
    trial = lt.add_indices(original, indices=("homa_b", "homa_ir"))
    assert trial.outcomes == (*original.outcomes, "homa_b", "homa_ir")
    assert trial.units["homa_b"] == "%" and trial.units["homa_ir"] == "1"
    assert trial.provenance.steps[: len(original.provenance.steps)] == original.provenance.steps
    step = trial.provenance.steps[-1]
    assert "homa_b" in step and "Matthews" in step and "mmol/L" in step
    assert "homa_b" not in original.data.columns
    assert trial.design == original.design


def test_missing_glucose_or_insulin_is_a_clear_error():
    trial = lt.read_trial(frame().drop(columns=["insulin"]))
    with pytest.raises(lt.TrialDataError, match="insulin") as info:
        lt.add_indices(trial)
    assert info.value.columns == ("insulin",)
    trial = lt.read_trial(frame().drop(columns=["glucose", "insulin"]).assign(weight=80.0))
    with pytest.raises(lt.TrialDataError) as info:
        lt.add_indices(trial)
    assert info.value.columns == ("glucose", "insulin")


@pytest.mark.parametrize(
    ("indices", "message"),
    [(("homa_ir", "foo"), "foo"), (("matsuda",), "OGTT"), ((), "at least one")],
)
def test_unknown_index_names_the_argument(indices, message):
    with pytest.raises(lt.ConfigError, match=message):
        lt.add_indices(lt.read_trial(frame()), indices=indices)


def test_an_existing_index_that_agrees_is_kept():
    trial = lt.simulate_odes(seed=1)
    out = lt.add_indices(trial)
    pd.testing.assert_series_equal(out.data["homa_ir"], trial.data["homa_ir"])
    assert out.outcomes == (*trial.outcomes, "homa_b", "quicki")
    assert "homa_ir already present and agrees" in out.provenance.steps[-1]
    assert out.truth is trial.truth


def test_an_existing_index_that_disagrees_needs_overwrite():
    # HOMA-IR computed with insulin in pmol/L by mistake: six times too large
    wrong = frame(homa_ir=[12.0, 55 / 22.5 * 6, 24.0, 5.0])
    trial = lt.read_trial(wrong)
    with pytest.raises(lt.TrialDataError, match="overwrite=True") as info:
        lt.add_indices(trial, indices="homa_ir")
    assert info.value.columns == ("homa_ir",)
    assert info.value.problems[0].subjects == ("a", "b")
    fixed = lt.add_indices(trial, indices="homa_ir", overwrite=True)
    np.testing.assert_allclose(fixed.data["homa_ir"][:3], [2.0, 55 / 22.5, 4.0])
    assert np.isnan(fixed.data["homa_ir"][3])
    assert fixed.outcomes.count("homa_ir") == 1
    assert "3 value(s) differed" in fixed.provenance.steps[-1]


def test_missing_values_of_an_agreeing_index_are_filled_and_logged():
    trial = lt.read_trial(frame(homa_ir=[2.0, np.nan, 4.0, 1.7]))
    out = lt.add_indices(trial, indices=["homa_ir"])
    np.testing.assert_allclose(out.data["homa_ir"], [2.0, 55 / 22.5, 4.0, 1.7])
    assert "1 missing value(s) filled" in out.provenance.steps[-1]


def test_homa_b_undefined_at_low_glucose_warns():
    trial = lt.read_trial(frame(glucose=[3.4, 5.5, 6.0, 5.0]))
    with pytest.warns(lt.TrialDataWarning, match="3.5"):
        out = lt.add_indices(trial, indices=["homa_b"])
    assert np.isnan(out.data["homa_b"][0]) and out.data["homa_b"][1] == pytest.approx(100.0)


@settings(max_examples=30, deadline=None)
@given(
    glucose=st.lists(st.floats(3.6, 25.0), min_size=4, max_size=4),
    insulin=st.lists(st.floats(1.0, 60.0), min_size=4, max_size=4),  # plausible µU/mL
)
def test_indices_follow_the_formulas_for_any_positive_values(glucose, insulin):
    trial = lt.add_indices(lt.read_trial(frame(glucose=glucose, insulin=insulin)))
    g, i = np.array(glucose), np.array(insulin)
    np.testing.assert_allclose(trial.data["homa_ir"], g * i / 22.5, rtol=1e-12)
    np.testing.assert_allclose(trial.data["homa_b"], 20 * i / (g - 3.5), rtol=1e-12)
    np.testing.assert_allclose(
        trial.data["quicki"], 1 / (np.log10(i) + np.log10(g * 18.016)), rtol=1e-12
    )
