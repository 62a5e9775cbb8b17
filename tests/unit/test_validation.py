"""Validation of long trial tables: each problem is named by column and by rows or subjects.

Every hard problem must raise one TrialDataError (a ValueError) that names the column and
where the problem is; all problems found are reported together; soft problems warn.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import lifestyle_trials as lt
from lifestyle_trials.validation import arm_codes, index_rows, numbered_rows, validate_long


def long_frame(**changes: list) -> pd.DataFrame:
    """Three subjects (control, diet, diet+exercise) at visits 0 and 12: valid as is."""
    data = {
        "subject": ["s1", "s1", "s2", "s2", "s3", "s3"],
        "diet": [0, 0, 1, 1, 1, 1],
        "exercise": [0, 0, 0, 0, 1, 1],
        "visit": [0, 12, 0, 12, 0, 12],
        "age": [45, 45, 47, 47, 43, 43],
        "glucose": [5.6, 5.5, 6.0, 5.7, 5.4, 5.0],
        "insulin": [11.0, 12.0, 14.0, 11.5, 9.0, 7.5],
        "homa_ir": [2.74, 2.93, 3.73, 2.91, 2.16, 1.67],
    }
    data.update(changes)
    return pd.DataFrame(data)


def problem_for(error: lt.TrialDataError, column: str) -> lt.Problem:
    matches = [p for p in error.problems if p.column == column]
    assert matches, f"no problem about {column!r} in: {error}"
    return matches[0]


def raises(frame, **kwargs) -> lt.TrialDataError:
    with pytest.raises(lt.TrialDataError) as info:
        lt.read_trial(frame, **kwargs)
    assert isinstance(info.value, ValueError)
    return info.value


def test_valid_frame_passes():
    trial = lt.read_trial(long_frame())
    assert trial.design.arms == ("control", "diet", "diet+exercise")
    assert trial.outcomes == ("glucose", "insulin", "homa_ir")
    assert trial.covariates == ("age",)


def test_missing_required_column_is_named_with_the_columns_found():
    error = raises(long_frame().drop(columns="exercise"))
    problem = problem_for(error, "exercise")
    assert "missing" in problem.message
    assert "columns found: subject, diet, visit" in problem.hint
    assert "exercise=" in problem.hint


def test_missing_column_suggests_a_close_name():
    frame = long_frame().rename(columns={"subject": "Subject "})  # spaces are trimmed
    problem = problem_for(raises(frame), "subject")
    assert "did you mean 'Subject'?" in problem.hint


def test_column_name_used_twice():
    frame = long_frame()
    frame.columns = ["subject", "diet", "exercise", "visit", "age", "glucose", "glucose", "x"]
    problem = problem_for(raises(frame), "glucose")
    assert "2 times" in problem.message and "columns 6, 7" in problem.message


def test_column_name_used_twice_in_a_file(tmp_path):
    path = tmp_path / "twice.csv"
    long_frame().rename(columns={"homa_ir": "insulin"}).to_csv(path, index=False)
    problem = problem_for(raises(path), "insulin")
    assert "columns 7, 8" in problem.message


def test_duplicate_subject_visit_rows_name_the_rows_and_pairs():
    frame = long_frame(visit=[0, 12, 0, 0, 0, 12])
    problem = problem_for(raises(frame), "subject × visit")
    assert problem.rows == ("2", "3")
    assert "s2 at visit 0" in problem.message


def test_duplicates_found_in_an_unsorted_table():
    frame = long_frame(visit=[0, 12, 0, 12, 12, 12]).iloc[[5, 0, 3, 1, 4, 2]]
    problem = problem_for(raises(frame), "subject × visit")
    assert sorted(problem.rows) == ["4", "5"]


@pytest.mark.parametrize("bad", ["2", "maybe", "-1"])
def test_factor_values_other_than_0_1_are_refused(bad):
    values = ["0", "0", "1", bad, "1", "1"]
    problem = problem_for(raises(long_frame(diet=values)), "diet")
    assert repr(bad) in problem.message
    assert problem.rows == ("3",)


def test_factor_numbers_other_than_0_1_are_refused():
    problem = problem_for(raises(long_frame(exercise=[0, 0, 0, 0, 2, 2])), "exercise")
    assert problem.rows == ("4", "5")


def test_factor_tokens_true_false_yes_no_are_accepted():
    frame = long_frame(
        diet=["no", "No", "yes", "YES", "y", "y"], exercise=[False, False, False, False, True, True]
    )
    trial = lt.read_trial(frame)
    assert trial.data["diet"].tolist() == [0, 0, 1, 1, 1, 1]
    assert trial.data["exercise"].tolist() == [0, 0, 0, 0, 1, 1]


def test_factor_labels_can_be_declared_with_levels():
    frame = long_frame(diet=["usual", "usual", "low fat", "low fat", "Low Fat", "low fat"])
    trial = lt.read_trial(frame, levels={"diet": {"low fat": 1, "usual": 0}})
    assert trial.data["diet"].tolist() == [0, 0, 1, 1, 1, 1]
    assert any("diet levels coded" in s for s in trial.provenance.steps)


def test_missing_factor_value():
    problem = problem_for(raises(long_frame(diet=[0, 0, 1, None, 1, 1])), "diet")
    assert "missing" in problem.message and problem.rows == ("3",)


def test_subject_whose_assignment_changes_is_named():
    error = raises(long_frame(diet=[0, 1, 1, 1, 1, 1]))
    problem = problem_for(error, "diet")
    assert problem.subjects == ("s1",)
    assert "changes between visits" in problem.message


def test_non_numeric_value_in_numeric_column():
    frame = long_frame(insulin=["11.0", "<2.0", "14", "11.5", "9", "n/a"])
    problem = problem_for(raises(frame), "insulin")
    assert "'<2.0'" in problem.message
    assert problem.rows == ("1",)  # "n/a" is a missing value, not an error
    assert "censored" in problem.hint


def test_text_in_a_known_outcome_column_is_an_error_even_if_all_text():
    frame = long_frame(glucose=["high"] * 6)
    assert problem_for(raises(frame), "glucose").rows == tuple(str(i) for i in range(6))


@pytest.mark.parametrize("column", ["glucose", "insulin", "homa_ir"])
def test_non_positive_concentrations_are_refused(column):
    values = list(long_frame()[column])
    values[1], values[4] = 0.0, -1.0
    problem = problem_for(raises(long_frame(**{column: values})), column)
    assert "<= 0" in problem.message
    assert problem.rows == ("1", "4")


def test_no_baseline_visit():
    problem = problem_for(raises(long_frame(visit=[1, 12, 1, 12, 1, 12])), "visit")
    assert "baseline visit 0" in problem.message
    assert "visits found: 1, 12" in problem.hint


def test_baseline_can_be_another_visit():
    trial = lt.read_trial(long_frame(visit=[1, 12, 1, 12, 1, 12]), baseline=1)
    assert trial.design.baseline == 1.0 and trial.design.post_baseline == (12.0,)


def test_visits_that_are_not_numbers():
    frame = long_frame(visit=["Baseline", "Month 12", "0", "12", "0", "12"])
    problem = problem_for(raises(frame), "visit")
    assert "'Baseline'" in problem.message and "'Month 12'" in problem.message
    assert problem.rows == ("0", "1")


def test_visits_given_as_text_numbers_are_numbers_and_sort_numerically():
    frame = long_frame(
        visit=["12", "0", "3", "0", "12", "0"], subject=list("aabbbc"), age=45, exercise=0
    )
    trial = lt.read_trial(frame)
    assert trial.design.visits == (0.0, 3.0, 12.0)
    assert trial.data.loc[trial.data["subject"] == "b", "visit"].tolist() == [0.0, 3.0, 12.0]


def test_missing_subject_and_visit():
    error = raises(
        long_frame(subject=["s1", None, "s2", "s2", " ", "s3"], visit=[0, 12, 0, None, 0, 12])
    )
    assert problem_for(error, "subject").rows == ("1", "4")
    assert problem_for(error, "visit").rows == ("3",)


def test_a_subject_column_with_no_id_at_all_is_a_problem_not_a_crash():
    error = raises(long_frame(subject=[None] * 6))
    assert problem_for(error, "subject").rows == ("0", "1", "2", "3", "4", "5")


def test_covariate_that_changes_within_subject():
    problem = problem_for(
        raises(long_frame(age=[45, 46, 47, 47, 43, 43]), covariates=["age"]), "age"
    )
    assert problem.subjects == ("s1",)


def test_covariate_given_once_is_filled_within_subject_and_recorded():
    trial = lt.read_trial(long_frame(age=[45, None, None, 47, 43, 43]))
    assert trial.data["age"].tolist() == [45, 45, 47, 47, 43, 43]
    assert "covariate age filled within subject on 2 row(s)" in trial.provenance.steps


def test_outcome_measured_only_at_follow_up_is_not_taken_for_a_covariate():
    frame = long_frame(
        gain=[None, 3.0, None, 1.5, None, 2.0], ldl_base=[3.1, None, 2.9, None, 3.4, None]
    )
    trial = lt.read_trial(frame)
    assert "gain" in trial.outcomes and "ldl_base" in trial.covariates
    assert trial.data["gain"].isna().tolist() == [True, False] * 3  # nothing filled in
    assert trial.data["ldl_base"].tolist() == [3.1, 3.1, 2.9, 2.9, 3.4, 3.4]


def test_infinite_values():
    problem = problem_for(raises(long_frame(insulin=[11, np.inf, 14, 11.5, 9, 7.5])), "insulin")
    assert "infinite" in problem.message and problem.rows == ("1",)


def test_unknown_unit_and_units_for_absent_columns():
    error = raises(long_frame(), units={"insulin": "mg", "glucos": "mmol/L"})
    assert "unknown insulin unit" in problem_for(error, "insulin").message
    assert any("glucos" in p.message for p in error.problems if p.column is None)


def test_all_problems_are_collected_in_one_error():
    frame = long_frame(
        diet=[0, 0, 1, 1, 1, 5],
        visit=[0, 12, 0, 12, "x", 12],
        insulin=[11, 12, 0, 11.5, 9, 7.5],
        glucose=["5.6", "5.5", "<3", "5.7", "5.4", "5.0"],
    )
    error = raises(frame)
    assert set(error.columns) >= {"diet", "visit", "insulin", "glucose"}
    text = str(error)
    assert text.startswith(f"{len(error.problems)} problem(s) in the DataFrame:")
    for column in ("diet", "visit", "insulin", "glucose"):
        assert f"column {column!r}" in text


def test_index_labels_of_a_dataframe_name_the_rows():
    frame = long_frame(insulin=[11, 12, 0, 11.5, 9, 7.5])
    frame.index = [f"r{i}" for i in range(10, 16)]
    assert problem_for(raises(frame), "insulin").rows == ("r12",)


def test_insulin_that_looks_like_pmol_warns_with_a_hint():
    frame = long_frame(insulin=[66.0, 72, 84, 69, 54, 45])
    with pytest.warns(lt.TrialDataWarning, match="pmol/L; declare 'pmol/L'") as record:
        lt.read_trial(frame)
    assert "'insulin'" in str(record[0].message)


def test_declared_pmol_insulin_is_converted_without_warning():
    frame = long_frame(insulin=[66.0, 72, 84, 69, 54, 45])
    trial = lt.read_trial(frame, units={"insulin": "pmol/L"})
    np.testing.assert_allclose(trial.data["insulin"], [11, 12, 14, 11.5, 9, 7.5])
    assert trial.units["insulin"] == "uU/mL"
    assert any("divided by 6.0" in step for step in trial.provenance.steps)


def test_glucose_that_looks_like_mg_dl_warns():
    frame = long_frame(glucose=[101.0, 99, 108, 103, 97, 90])
    with pytest.warns(lt.TrialDataWarning, match="mg/dL"):
        lt.read_trial(frame)


def test_visits_before_baseline_warn():
    with pytest.warns(lt.TrialDataWarning, match="before the baseline"):
        lt.read_trial(long_frame(visit=[-2, 0, 0, 12, 0, 12]))


def test_unused_text_column_is_recorded():
    trial = lt.read_trial(long_frame(note=["a", "b", "c", "d", "e", "f"]))
    assert "note" not in trial.data
    assert "columns not used: note" in trial.provenance.steps


def test_arm_column_that_agrees_is_dropped_and_one_that_disagrees_is_an_error():
    arms = ["control", "control", "diet", "diet", "diet+exercise", "diet+exercise"]
    trial = lt.read_trial(long_frame(arm=arms))
    assert trial.data["arm"].tolist() == arms
    wrong = arms[:5] + ["exercise"]
    problem = problem_for(raises(long_frame(arm=wrong)), "arm")
    assert problem.rows == ("5",)


def test_arm_column_of_other_labels_beside_diet_and_exercise_is_not_used():
    trial = lt.read_trial(long_frame(arm=["A", "A", "B", "B", "C", "C"]))
    assert trial.data["arm"].tolist()[0] == "control"
    assert any(s.startswith("column arm not used") for s in trial.provenance.steps)


def test_arm_labels_are_tolerant_of_case_and_spacing():
    assert arm_codes("DIET and  exercise") == (1, 1)
    assert arm_codes("Exercise + Diet") == (1, 1)
    assert arm_codes("Diet & Exercise") == (1, 1)
    assert arm_codes("usual care") is None


def test_validate_long_row_labels_from_a_labeller():
    frame = long_frame(homa_ir=[2.74, 2.93, -3.73, 2.91, 2.16, 1.67])
    with pytest.raises(lt.TrialDataError) as info:
        validate_long(frame, rows=numbered_rows(np.arange(2, 8)), source="trial.csv")
    assert problem_for(info.value, "homa_ir").rows == ("line 4",)
    assert "in trial.csv" in str(info.value)


def test_index_rows_and_numbered_rows():
    assert index_rows(pd.Index([5, 7]))(np.array([1])) == ["7"]
    assert numbered_rows([2, 4], "row")(np.array([0, 1])) == ["row 2", "row 4"]


def test_large_table_of_many_problems_lists_counts_not_everything():
    n = 30
    frame = pd.DataFrame(
        {
            "subject": np.repeat(np.arange(n), 2),
            "diet": 0,
            "exercise": 0,
            "visit": np.tile([0, 12], n),
            "insulin": 0.0,
        }
    )
    error = raises(frame)
    assert len(problem_for(error, "insulin").rows) == 2 * n
    assert "and 50 more" in str(error)
