"""Bad input to lt.mmrm: the package's own errors, with what to do about them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tests.reference.mmrm_simulate import simulate

import lifestyle_trials as lt
from lifestyle_trials import ConvergenceError, ModelError
from lifestyle_trials.models.presets import visit_preset


def trial_of(data: pd.DataFrame, covariates: tuple[str, ...] = ()) -> lt.Trial:
    return lt.read_trial(data, outcomes=["homa_ir"], covariates=list(covariates))


@pytest.fixture(scope="module")
def small() -> lt.Trial:
    return trial_of(simulate(1, n_per_arm=(8, 8, 8, 8)))


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("covariance", "unstructured", "unknown covariance structure 'unstructured'"),
        ("df_method", "containment", "df_method must be one of satterthwaite"),
        ("method", "gee", "method must be 'reml' or 'ml'"),
        ("vcov", "robust", "vcov must be 'model' or 'empirical'"),
        ("level", 95, "level must be between 0 and 1"),
    ],
)
def test_unknown_options(small: lt.Trial, option: str, value: str, message: str) -> None:
    with pytest.raises(ModelError, match=message):
        lt.mmrm(small, "homa_ir", **{option: value})


def test_incompatible_options(small: lt.Trial) -> None:
    with pytest.raises(ModelError, match="Kenward-Roger degrees of freedom need a REML fit"):
        lt.mmrm(small, "homa_ir", df_method="kenward-roger", method="ml")
    with pytest.raises(ModelError, match="with vcov='empirical' use"):
        lt.mmrm(small, "homa_ir", df_method="kenward-roger", vcov="empirical")


def test_unknown_outcome_and_covariate(small: lt.Trial) -> None:
    with pytest.raises(ModelError, match="outcome 'insulin' is not in the trial"):
        lt.mmrm(small, "insulin")
    with pytest.raises(ModelError, match="covariate\\(s\\) 'age' not in the trial"):
        lt.mmrm(small, "homa_ir", covariates=["age"])


def test_missing_arm() -> None:
    data = simulate(2, n_per_arm=(8, 8, 8, 8))
    data = data[~((data["diet"] == 1) & (data["exercise"] == 1))]
    with pytest.raises(ModelError, match="all four arms.*no analysed subject in diet\\+exercise"):
        lt.mmrm(trial_of(data), "homa_ir", estimand="factorial")
    with pytest.raises(ModelError, match="estimand='arms'"):
        lt.lmm(trial_of(data), "homa_ir", estimand="factorial")
    # never relabelled: without the four arms the default is each arm against control
    fit = lt.mmrm(trial_of(data), "homa_ir")
    assert fit.estimand == "arms"
    assert set(fit.effects["term"]) == {"diet vs control", "exercise vs control"}


def test_arm_without_values_at_a_visit() -> None:
    data = simulate(3, n_per_arm=(8, 8, 8, 8))
    gone = (data["diet"] == 1) & (data["exercise"] == 0) & (data["visit"] == 12)
    data.loc[gone, "homa_ir"] = np.nan
    with pytest.raises(ModelError, match="no observed outcome for diet at visit 12"):
        lt.mmrm(trial_of(data), "homa_ir")


def test_more_visits_than_the_subjects_support_for_unstructured() -> None:
    # 8 subjects, 9 follow-up visits: 45 coefficients, 72 observations, 45 covariance
    # parameters for us; a compound-symmetry model (2 parameters) still fits
    visits = tuple(float(v) for v in range(10))
    data = simulate(4, n_per_arm=(2, 2, 2, 2), visits=visits)
    trial = trial_of(data)
    with pytest.raises(
        ModelError,
        match="8 subjects with 72 observations at 9 visits cannot "
        "support 45 coefficients and 45 covariance parameters",
    ):
        lt.mmrm(trial, "homa_ir")
    with pytest.raises(ModelError, match="simpler covariance structure"):
        lt.mmrm(trial, "homa_ir")
    assert lt.mmrm(trial, "homa_ir", covariance="cs").convergence.converged


def test_visits_never_observed_together() -> None:
    data = simulate(6, n_per_arm=(8, 8, 8, 8))
    subjects = data["subject"].unique()
    odd = data["subject"].isin(subjects[::2])
    # half of the subjects are seen at 3 and 6 only, the other half at 3 and 12 only
    data.loc[odd & (data["visit"] == 12), "homa_ir"] = np.nan
    data.loc[~odd & (data["visit"] == 6), "homa_ir"] = np.nan
    trial = trial_of(data)
    with pytest.raises(ModelError, match="no subject was observed at both visit 6 and visit 12"):
        lt.mmrm(trial, "homa_ir")
    assert lt.mmrm(trial, "homa_ir", covariance="csh").convergence.converged


def test_non_convergence_says_what_to_try() -> None:
    data = simulate(1, n_per_arm=(8, 8, 8, 8))
    base = data[data["visit"] == 0].set_index("subject")["homa_ir"]
    copied = data["visit"] == 6  # visit 6 predicted exactly by the model: no residual variance
    data.loc[copied, "homa_ir"] = (
        1.0 + 0.5 * data.loc[copied, "subject"].map(base) + data.loc[copied, "diet"]
    )
    trial = trial_of(data)
    with pytest.raises(ConvergenceError, match="covariance matrix is singular.*'toeph', 'csh'"):
        lt.mmrm(trial, "homa_ir")
    with pytest.raises(ConvergenceError, match="did not converge.*simpler covariance structure"):
        lt.mmrm(trial, "homa_ir", covariance="csh")


def test_subject_without_follow_up_is_an_exclusion_not_an_error() -> None:
    data = simulate(7, n_per_arm=(8, 8, 8, 8))
    data.loc[(data["subject"] == "s003") & (data["visit"] > 0), "homa_ir"] = np.nan
    fit = lt.mmrm(trial_of(data), "homa_ir")
    assert [(e.reason, e.subjects) for e in fit.exclusions] == [
        ("no value of homa_ir after baseline", ("s003",))
    ]
    assert fit.n_subjects == 31


def test_visit_order_is_guarded() -> None:
    data = simulate(8, n_per_arm=(8, 8, 8, 8))
    trial = trial_of(data)
    shuffled = trial_of(data.sample(frac=1.0, random_state=1))
    a = lt.mmrm(trial, "homa_ir")
    b = lt.mmrm(shuffled, "homa_ir")
    np.testing.assert_allclose(a.loglik, b.loglik, rtol=1e-12)
    np.testing.assert_allclose(a.effects["estimate"], b.effects["estimate"], rtol=1e-9)
    model = visit_preset(trial, "homa_ir").model
    assert model.visits == (3.0, 6.0, 12.0)
    grid = pd.DataFrame({"diet": [0], "exercise": [0], "visit": [9.0], "baseline": [1.0]})
    with pytest.raises(ModelError, match="'visit' has level\\(s\\) 9 not in the model"):
        model.matrix(grid)


def test_log_scale_needs_positive_values() -> None:
    data = simulate(9, n_per_arm=(8, 8, 8, 8)).rename(columns={"homa_ir": "score"})
    data.loc[5, "score"] = -1.0
    trial = lt.read_trial(data, outcomes=["score"])
    with pytest.raises(ModelError, match="log=True needs positive values of score"):
        lt.mmrm(trial, "score", log=True)


def test_constant_covariate() -> None:
    data = simulate(10, n_per_arm=(8, 8, 8, 8), covariates=True)
    data["sex"] = "M"
    with pytest.raises(ModelError, match="'sex' has a single level"):
        lt.mmrm(trial_of(data, ("age", "sex")), "homa_ir", covariates=["age", "sex"])
    data["height"] = 175.0
    with pytest.raises(ModelError, match="not all estimable"):
        lt.mmrm(trial_of(data, ("age", "height")), "homa_ir", covariates=["age", "height"])


# -- a DataFrame and a formula -------------------------------------------------------------


def fev() -> pd.DataFrame:
    from tests.unit.test_mmrm_formula import fev as load

    return load().copy()


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("FEV1 ~ RACEX + ARMCD + us(AVISIT | USUBJID)", "names column\\(s\\) 'RACEX'"),
        ("FEV1 ~ ARMCD + us(AVISIT | PATIENT)", "names column\\(s\\) 'PATIENT'"),
        ("FEV1 ~ ARMCD + spatial(AVISIT | USUBJID)", "unknown covariance structure 'spatial'"),
        ("FEV1 ~ ARMCD + us(VISITN | USUBJID)", "visit column 'VISITN'.*is numeric.*category"),
        ("FEV1 ~ ARMCD + us(AVISIT | ARMX / USUBJID)", "group 'ARMX' of the covariance term"),
        ("FEV1 ~ ARMCD * AVISIT", "no covariance term"),
        ("FEV1 ARMCD + us(AVISIT | USUBJID)", "one '~'"),
        ("log(FEV1) ~ ARMCD + us(AVISIT | USUBJID)", "response of the formula must be one"),
        ("FEV1 ~ ARMCD + (AVISIT || USUBJID)", "cannot read the term"),
    ],
)
def test_formula_errors_name_the_term(formula: str, message: str) -> None:
    with pytest.raises(ModelError, match=message):
        lt.mmrm(fev(), formula=formula)


def test_lmm_formula_errors() -> None:
    with pytest.raises(ModelError, match="no random-effects term"):
        lt.lmm(fev(), formula="FEV1 ~ ARMCD + us(AVISIT | USUBJID)")
    with pytest.raises(ModelError, match="random slope 'AVISIT'.*numeric time"):
        lt.lmm(fev(), formula="FEV1 ~ ARMCD + (1 + AVISIT | USUBJID)")
    with pytest.raises(ModelError, match="random effects .* are not supported"):
        lt.lmm(fev(), formula="FEV1 ~ ARMCD + (1 + VISITN + WEIGHT | USUBJID)")


def test_formula_rank_deficient_design_names_the_columns() -> None:
    data = fev()
    data["FEV1_BL2"] = 2.0 * data["FEV1_BL"]
    with pytest.raises(ModelError, match="rank deficient.*FEV1_BL, FEV1_BL2.*remove a term"):
        lt.mmrm(data, formula="FEV1 ~ FEV1_BL + FEV1_BL2 + ARMCD + us(AVISIT | USUBJID)")


def test_formula_factor_with_one_level() -> None:
    data = fev()
    data["SITE"] = "A"
    with pytest.raises(ModelError, match="'SITE' has a single level.*leave it out"):
        lt.mmrm(data, formula="FEV1 ~ SITE + ARMCD + us(AVISIT | USUBJID)")


def test_formula_empty_cell_names_it() -> None:
    data = fev()
    gone = (data["ARMCD"] == "TRT") & (data["AVISIT"] == "VIS4")
    data.loc[gone, "FEV1"] = np.nan
    with pytest.raises(ModelError, match="no observed outcome for ARMCD TRT at AVISIT VIS4"):
        lt.mmrm(data, formula="FEV1 ~ ARMCD * AVISIT + us(AVISIT | USUBJID)")


def test_formula_structure_the_visits_cannot_support() -> None:
    data = fev()
    # no subject observed at both VIS1 and VIS4
    odd = data["USUBJID"].str[2:].astype(int) % 2 == 1
    data.loc[odd & (data["AVISIT"] == "VIS1"), "FEV1"] = np.nan
    data.loc[~odd & (data["AVISIT"] == "VIS4"), "FEV1"] = np.nan
    with pytest.raises(ModelError, match="both visit VIS1 and visit VIS4.*simpler covariance"):
        lt.mmrm(data, formula="FEV1 ~ ARMCD + AVISIT + us(AVISIT | USUBJID)")
    # a structure with fewer parameters does not need them together
    fit = lt.mmrm(data, formula="FEV1 ~ ARMCD + AVISIT + ar1(AVISIT | USUBJID)")
    assert fit.convergence.converged


def test_formula_one_subject() -> None:
    data = fev()
    data = data[data["USUBJID"] == "PT2"].assign(FEV1=[40.0, 41.0, 43.0, 44.0])
    with pytest.raises(ModelError, match="one subject cannot support"):
        lt.mmrm(data, formula="FEV1 ~ 1 + cs(AVISIT | USUBJID)")


def test_formula_missing_values_are_logged() -> None:
    data = fev()
    data.loc[:9, "WEIGHT"] = np.nan
    fit = lt.mmrm(data, formula="FEV1 ~ WEIGHT + ARMCD * AVISIT + us(AVISIT | USUBJID)")
    reasons = {e.column: e for e in fit.exclusions}
    assert set(reasons) == {"FEV1", "WEIGHT"}
    assert reasons["WEIGHT"].reason == "missing WEIGHT"
    total = sum(e.rows for e in fit.exclusions)
    assert fit.n_obs + total == len(data)


def test_formula_group_with_a_single_subject() -> None:
    data = fev()
    data["ARM3"] = data["ARMCD"].astype(str)
    data.loc[data["USUBJID"] == "PT1", "ARM3"] = "LONE"
    with pytest.raises(ModelError, match="level\\(s\\) LONE have a single subject"):
        lt.mmrm(data, formula="FEV1 ~ ARMCD * AVISIT + us(AVISIT | ARM3 / USUBJID)")
