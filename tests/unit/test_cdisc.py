"""read_adam on the ADaM fixtures (tests/fixtures/adam, written by make_adam.R)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lifestyle_trials as lt

ADAM = Path(__file__).resolve().parents[1] / "fixtures" / "adam"
ARMS = {
    "Placebo": "control",
    "Diet": "diet",
    "Exercise": "exercise",
    "Diet + Exercise": "diet+exercise",
    "Screen Failure": None,
}
PARAMS = {"glucose": "GLUC", "insulin": "INSULIN", "homa_ir": "HOMAIR", "weight": "WEIGHT"}


def read(kind: str = "xpt", **kwargs) -> lt.Trial:
    files = [ADAM / f"{name}.{kind}" for name in ("adsl", "adlb", "advs")]
    options = {"arms": ARMS, "params": PARAMS} | kwargs
    return lt.read_adam(*files, **options)


def frames() -> dict[str, pd.DataFrame]:
    return {
        name: pd.read_csv(ADAM / f"{name}.csv", dtype={"USUBJID": str})
        for name in ("adsl", "adlb", "advs")
    }


def refused(adsl, adlb, advs=None, **kwargs) -> lt.TrialDataError:
    options = {"arms": ARMS, "params": PARAMS if advs is not None else PARAMS_LB} | kwargs
    with pytest.raises(lt.TrialDataError) as info:
        lt.read_adam(adsl, adlb, advs, **options)
    return info.value


PARAMS_LB = {k: v for k, v in PARAMS.items() if k != "weight"}


def test_xpt_and_csv_give_the_same_trial():
    xpt, csv = read("xpt"), read("csv")
    pd.testing.assert_frame_equal(xpt.data, csv.data)
    assert xpt.design == csv.design
    assert dict(xpt.units) == dict(csv.units)


def test_design_covariates_and_units():
    trial = read()
    assert dict(trial.design.arm_sizes) == {
        "control": 2,
        "diet": 2,
        "exercise": 2,
        "diet+exercise": 2,
    }
    assert trial.design.visits == (0.0, 12.0, 24.0)
    assert trial.covariates == ("age", "sex")
    assert trial.outcomes == ("glucose", "insulin", "homa_ir", "weight")
    units = dict(trial.units)
    assert units["glucose"] == "mmol/L" and units["insulin"] == "uU/mL"
    assert units["homa_ir"] == "1" and units["weight"] == "kg"


def test_values_come_from_aval_with_insulin_converted_to_uU_per_mL():
    trial = read()
    adlb = frames()["adlb"]
    analysed = adlb[
        adlb["DTYPE"].isna()
        & (adlb["LBFAST"] != "N")
        & adlb["AVISITN"].isin([0, 12, 24])
        & (adlb["PARAMCD"] == "INSULIN")
    ].set_index(["USUBJID", "AVISITN"])["AVAL"]
    ours = trial.data.set_index(["subject", "visit"])["insulin"].dropna()
    ours.index = ours.index.set_names(["USUBJID", "AVISITN"])
    pd.testing.assert_series_equal(
        ours.sort_index(), (analysed / 6.0).sort_index(), check_names=False
    )
    assert any("insulin converted from pmol/L" in s for s in trial.provenance.steps)


def test_every_record_set_aside_is_logged_once_with_its_reason():
    table = read().exclusion_table()
    reasons = dict(zip(table["reason"], table["subjects"], strict=True))
    assert reasons["TRT01P 'Screen Failure' mapped to None (not in the trial)"] == "LT01-009"
    assert reasons["derived record (DTYPE given, e.g. LOCF)"] == "LT01-006"
    assert reasons["non-fasting record (LBFAST = 'N')"] == "LT01-003"
    assert reasons["no analysis visit (AVISITN missing or not in visits=)"] == "LT01-004"
    assert reasons["before the baseline record (ABLFL)"] == "LT01-001"
    assert table["rows"].tolist() == [0, 1, 1, 1, 1]


def test_missing_values_stay_missing():
    data = read().data.set_index(["subject", "visit"])
    assert np.isnan(data.loc[("LT01-003", 12.0), "glucose"])  # only a non-fasting value
    assert np.isnan(data.loc[("LT01-006", 24.0), "insulin"])  # only an LOCF value


def test_visits_mapping_to_months():
    trial = read(visits={0: 0, 12: 3, 24: 6})
    assert trial.design.visits == (0.0, 3.0, 6.0)
    by_label = read(visits={"Baseline": 0, "Week 12": 3, "Week 24": 6})
    pd.testing.assert_frame_equal(trial.data, by_label.data)


def test_the_flagged_baseline_record_is_the_baseline_whatever_its_visit():
    f = frames()
    adlb = f["adlb"].copy()
    base = adlb["ABLFL"] == "Y"
    adlb.loc[base, "AVISITN"] = -1.0
    adlb.loc[base, "AVISIT"] = "Day -7"
    trial = lt.read_adam(f["adsl"], adlb, arms=ARMS, params=PARAMS_LB)
    assert trial.design.visits == (0.0, 12.0, 24.0)
    expected = lt.read_adam(f["adsl"], f["adlb"], arms=ARMS, params=PARAMS_LB)
    pd.testing.assert_frame_equal(trial.data, expected.data)


def test_provenance_has_each_input_checksum():
    trial = read()
    step = next(s for s in trial.provenance.steps if s.startswith("inputs:"))
    assert step.count("sha256") == 3
    assert len(trial.provenance.sha256) == 64


def test_unit_from_param_label_when_there_is_no_avalu():
    f = frames()
    adlb = f["adlb"].drop(columns="AVALU")
    adlb["PARAM"] = adlb["PARAM"].str.replace("Insulin (pmol/L)", "Insulin (mIU/L)")
    adlb.loc[adlb["PARAMCD"] == "INSULIN", "AVAL"] /= 6.0
    trial = lt.read_adam(f["adsl"], adlb, arms=ARMS, params=PARAMS_LB)
    np.testing.assert_allclose(
        trial.data["insulin"].dropna(), read().data["insulin"].dropna(), rtol=1e-12
    )
    assert not any("insulin converted" in s for s in trial.provenance.steps)


# -- bad input -------------------------------------------------------------------------------


def test_missing_adam_variable_is_named_with_the_dataset():
    f = frames()
    error = refused(f["adsl"], f["adlb"].drop(columns="AVAL"))
    assert error.problems[0].column == "AVAL"
    assert "missing from ADLB" in error.problems[0].message
    error = refused(f["adsl"].drop(columns="TRT01P"), f["adlb"], arm_variable="TRT01P")
    assert error.problems[0].column == "TRT01P" and "ADSL" in error.problems[0].message


def test_subject_in_adlb_but_not_adsl():
    f = frames()
    adsl = f["adsl"][f["adsl"]["USUBJID"] != "LT01-002"]
    error = refused(adsl, f["adlb"])
    problem = error.problems[0]
    assert problem.column == "USUBJID" and problem.subjects == ("LT01-002",)
    assert "no ADSL record" in problem.message
    assert len(problem.rows) == 9  # its analysed glucose, insulin and HOMA-IR records


def test_duplicate_subject_visit_param_records():
    f = frames()
    adlb = f["adlb"]
    copy = adlb[(adlb["USUBJID"] == "LT01-005") & (adlb["PARAMCD"] == "GLUC")].iloc[[1]]
    error = refused(f["adsl"], pd.concat([adlb, copy], ignore_index=True))
    problem = error.problems[0]
    assert problem.subjects == ("LT01-005",)
    assert "LT01-005 GLUC at visit 12" in problem.message
    assert problem.rows[-1] == "ADLB row 74"


def test_duplicate_records_from_csv_are_named_by_line(tmp_path):
    f = frames()
    adlb = f["adlb"]
    extra = adlb[(adlb["USUBJID"] == "LT01-005") & (adlb["PARAMCD"] == "GLUC")].iloc[[1]]
    pd.concat([adlb, extra]).to_csv(tmp_path / "adlb.csv", index=False)
    error = refused(ADAM / "adsl.csv", tmp_path / "adlb.csv")
    assert error.problems[0].rows[-1] == "adlb.csv line 76"


def test_mixed_units_within_a_parameter():
    f = frames()
    adlb = f["adlb"].copy()
    rows = (adlb["PARAMCD"] == "GLUC") & (adlb["USUBJID"] == "LT01-007")
    adlb.loc[rows, "AVALU"] = "mg/dL"
    adlb.loc[rows, "AVAL"] *= 18.016
    problem = refused(f["adsl"], adlb).problems[0]
    assert problem.column == "AVALU" and "'GLUC' has mixed units" in problem.message
    assert len(problem.rows) == 3


def test_unmapped_arm_label_names_the_label_and_subjects():
    f = frames()
    arms = {k: v for k, v in ARMS.items() if k != "Exercise"}
    problem = refused(f["adsl"], f["adlb"], arms=arms).problems[0]
    assert problem.column == "TRT01P" and "'Exercise'" in problem.message
    assert problem.subjects == ("LT01-005", "LT01-006")


def test_parameter_in_no_dataset():
    f = frames()
    error = refused(f["adsl"], f["adlb"], params={"glucose": "GLU"})
    assert "'GLU'" in error.problems[0].message


def test_no_unit_for_glucose_must_be_declared():
    f = frames()
    adlb = f["adlb"].drop(columns="AVALU")
    adlb["PARAM"] = adlb["PARAM"].str.replace(" (mmol/L)", "")
    error = refused(f["adsl"], adlb)
    assert "no unit for GLUC" in error.problems[0].message
    trial = lt.read_adam(f["adsl"], adlb, arms=ARMS, params=PARAMS_LB, units={"glucose": "mmol/L"})
    assert trial.units["glucose"] == "mmol/L"


def test_validation_problems_name_subject_and_visit():
    f = frames()
    adlb = f["adlb"].copy()
    adlb.loc[
        (adlb["USUBJID"] == "LT01-008") & (adlb["PARAMCD"] == "GLUC") & (adlb["AVISITN"] == 24),
        "AVAL",
    ] = 0.0
    problem = refused(f["adsl"], adlb).problems[0]
    assert problem.column == "glucose"
    assert problem.rows == ("USUBJID LT01-008 at visit 24",)
