"""The Trial data model: design, ordering, views."""

from __future__ import annotations

import pandas as pd
import pytest

import lifestyle_trials as lt


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "subject": ["b", "b", "a", "a", "c", "c"],
            "diet": [1, 1, 0, 0, 1, 1],
            "exercise": [1, 1, 0, 0, 0, 0],
            "visit": [12, 3, 12, 0, 0, 12],
            "insulin": [10.0, 11.0, 12.0, 13.0, 14.0, 15.0],
            "age": [44, 44, 45, 45, 46, 46],
        }
    )


def test_visits_sort_numerically_not_as_text():
    trial = lt.read_trial(frame())
    assert trial.design.visits == (0.0, 3.0, 12.0)
    assert trial.design.post_baseline == (3.0, 12.0)
    b = trial.data.loc[trial.data["subject"] == "b", "visit"].tolist()
    assert b == [3.0, 12.0]


def test_subjects_keep_order_of_first_appearance():
    trial = lt.read_trial(frame())
    assert trial.subjects()["subject"].tolist() == ["b", "a", "c"]


def test_design_and_arms():
    trial = lt.read_trial(frame())
    assert trial.design.arms == ("control", "diet", "diet+exercise")
    assert dict(trial.design.arm_sizes) == {"control": 1, "diet": 1, "diet+exercise": 1}
    assert not trial.design.is_factorial
    assert trial.data["arm"].tolist()[:2] == ["diet+exercise", "diet+exercise"]


def test_roles_and_units():
    trial = lt.read_trial(frame())
    assert trial.outcomes == ("insulin",)
    assert trial.covariates == ("age",)
    assert trial.units["insulin"] == "uU/mL"
    assert trial.units["age"] == "years"


def test_wide_has_every_subject_and_visit():
    wide = lt.read_trial(frame()).wide("insulin")
    assert wide.shape == (3, 3)
    assert wide.loc["b", 0.0] != wide.loc["b", 0.0]  # NaN: b has no baseline
    assert wide.loc["a", 12.0] == 12.0


def test_trial_is_immutable():
    trial = lt.read_trial(frame())
    with pytest.raises(AttributeError):
        trial.outcomes = ("x",)  # type: ignore[misc]


def test_requires():
    trial = lt.read_trial(frame())
    with pytest.raises(lt.ModelError, match="its visits are 0, 3, 12"):
        trial.require_visit(6)
    assert trial.require_visit("12") == 12.0
    with pytest.raises(lt.ModelError, match="its outcomes are insulin"):
        trial.require_outcome("glucose")


def test_repr_names_source_and_design():
    text = repr(lt.read_trial(frame()))
    assert "3 subjects" in text and "visits 0, 3, 12" in text


def test_provenance_of_a_frame_has_a_stable_checksum():
    first = lt.read_trial(frame()).provenance.sha256
    assert first == lt.read_trial(frame()).provenance.sha256
    changed = frame()
    changed.loc[0, "insulin"] = 99.0
    assert lt.read_trial(changed).provenance.sha256 != first


def test_unit_conversion_is_recorded():
    data = frame()
    data["insulin"] = data["insulin"] * 6.0
    trial = lt.read_trial(data, units={"insulin": "pmol/L"})
    assert trial.wide("insulin").loc["b", 12.0] == pytest.approx(10.0)
    assert any("insulin converted from pmol/L" in s for s in trial.provenance.steps)
