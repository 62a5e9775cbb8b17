"""The analysis set shared by baseline-adjusted models: rows, baseline, exclusions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import lifestyle_trials as lt
from lifestyle_trials.models.design.prepare import analysis_data


def small_trial() -> lt.Trial:
    rows = []
    # subject, diet, exercise, values at visits 0, 6, 12 (None = not measured), age
    spec = [
        ("c1", 0, 0, (5.0, 5.1, 5.2), 45),
        ("c2", 0, 0, (None, 5.0, 5.3), 44),  # no baseline
        ("d1", 1, 0, (6.0, 5.5, None), 42),  # no 12-month value
        ("d2", 1, 0, (6.2, None, 5.6), None),  # missing age
        ("e1", 0, 1, (5.5, None, None), 47),  # nothing after baseline
        ("x1", 1, 1, (6.5, 6.0, 5.8), 50),
    ]
    for subject, diet, exercise, values, age in spec:
        for visit, value in zip((0, 6, 12), values, strict=True):
            rows.append(
                {
                    "subject": subject,
                    "diet": diet,
                    "exercise": exercise,
                    "visit": visit,
                    "glucose": value,
                    "age": age,
                }
            )
    return lt.read_trial(pd.DataFrame(rows), covariates=["age"])


def test_single_visit_rows_and_exclusions():
    data = analysis_data(small_trial(), "glucose", visits=[12])
    assert list(data.frame["subject"]) == ["c1", "d2", "x1"]
    assert data.frame.loc[data.frame["subject"] == "d2", "baseline"].item() == 6.2
    reasons = {e.reason: e.subjects for e in data.exclusions}
    assert reasons["no baseline value of glucose"] == ("c2",)
    assert reasons["no value of glucose at visit 12"] == ("d1", "e1")
    assert data.randomised == {"control": 2, "diet": 2, "exercise": 1, "diet+exercise": 1}
    assert data.analysed == {"control": 1, "diet": 1, "exercise": 0, "diet+exercise": 1}


def test_all_post_baseline_visits_keep_partial_subjects():
    data = analysis_data(small_trial(), "glucose")
    assert data.visits == (6.0, 12.0)
    by_subject = data.frame.groupby("subject")["visit"].apply(tuple).to_dict()
    assert by_subject == {"c1": (6.0, 12.0), "d1": (6.0,), "d2": (12.0,), "x1": (6.0, 12.0)}
    reasons = {e.reason: e.subjects for e in data.exclusions}
    assert reasons["no value of glucose after baseline"] == ("e1",)


def test_missing_covariate_is_an_exclusion():
    data = analysis_data(small_trial(), "glucose", visits=[12], covariates=["age"])
    reasons = {e.reason: e.subjects for e in data.exclusions}
    assert reasons["missing covariate age"] == ("d2",)
    assert "age" in data.frame.columns


def test_every_subject_is_either_analysed_or_excluded():
    trial = small_trial()
    data = analysis_data(trial, "glucose", visits=[12], covariates=["age"])
    analysed = set(data.frame["subject"])
    excluded = {s for e in data.exclusions for s in e.subjects}
    assert analysed.isdisjoint(excluded)
    assert analysed | excluded == set(trial.data["subject"])


def test_log_scale():
    data = analysis_data(small_trial(), "glucose", visits=[12], log=True)
    row = data.frame.loc[data.frame["subject"] == "x1"]
    assert row["y"].item() == pytest.approx(np.log(5.8))
    assert row["baseline"].item() == pytest.approx(np.log(6.5))


def test_log_of_non_positive_names_subjects():
    frame = small_trial().data.copy()
    frame.loc[frame["subject"] == "x1", "glucose"] = -1.0
    frame = frame.drop(columns="arm").rename(columns={"glucose": "score"})
    trial = lt.read_trial(frame, covariates=["age"])
    with pytest.raises(lt.ModelError, match="x1"):
        analysis_data(trial, "score", log=True)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"outcome": "insulin"}, "outcome 'insulin' is not in the trial"),
        ({"outcome": "glucose", "visits": [3]}, "visit 3 is not in the trial"),
        ({"outcome": "glucose", "visits": [0]}, "after the baseline visit"),
        ({"outcome": "glucose", "covariates": ["bmi"]}, "covariate\\(s\\) 'bmi' not in"),
    ],
)
def test_bad_requests(kwargs, match):
    with pytest.raises(lt.ModelError, match=match):
        analysis_data(small_trial(), **kwargs)


def test_follow_up_only_keeps_subjects_without_baseline():
    data = analysis_data(small_trial(), "glucose", visits=[12], need_baseline=False)
    assert list(data.frame["subject"]) == ["c1", "c2", "d2", "x1"]
    assert np.isnan(data.frame.loc[data.frame["subject"] == "c2", "baseline"].item())
    reasons = {e.reason for e in data.exclusions}
    assert "no baseline value of glucose" not in reasons


def test_ancova_and_mmrm_results_share_the_count_and_test_tables():
    trial = lt.simulate_odes(seed=3, visits=(0, 6, 12))
    fits = [lt.ancova(trial, "glucose", estimand="factorial"), lt.mmrm(trial, "glucose")]
    for fit in fits:
        assert list(fit.n.columns[:3]) == ["arm", "randomised", "analysed"]
        assert fit.n["randomised"].sum() == 219
        assert {"term", "num_df", "den_df", "statistic", "p_value"} <= set(fit.tests.columns)
    assert (fits[0].n["analysed"] <= fits[1].n["analysed"]).all()
