"""lt.mmrm and lt.lmm on a DataFrame with a formula, against R mmrm, emmeans, lme4 and lmerTest.

The case is mmrm's own fev_data (tests/reference/mmrm_formula_fev: reference.R fits it with
mmrm 0.3.18 at a polished optimum, emmeans and lmerTest, and writes expected.json).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from tests.tolerances import DF_EXACT_RTOL, DF_RTOL, LOGLIK_RTOL, REML_RTOL, SAS_RTOL

import lifestyle_trials as lt
from lifestyle_trials.errors import ModelError
from lifestyle_trials.models.engine.covariance import STRUCTURES

CASE = Path(__file__).resolve().parents[1] / "reference" / "mmrm_formula_fev"
FIXED = "FEV1 ~ RACE + SEX + ARMCD * AVISIT"


@cache
def expected() -> dict[str, Any]:
    return json.loads((CASE / "expected.json").read_text())


@cache
def fev() -> pd.DataFrame:
    """fev_data with R's factor levels (SEX: Male, Female — factor order, not sorted)."""
    data = pd.read_csv(CASE / "data.csv")
    for name, levels in expected()["levels"].items():
        if name != "USUBJID":
            data[name] = pd.Categorical(data[name], categories=levels)
    return data


@cache
def fit(structure: str, **options: Any) -> lt.MMRMResult:
    formula = f"{FIXED} + {structure}(AVISIT | USUBJID)"
    return lt.mmrm(fev(), formula=formula, **options)


def structures() -> list[Any]:
    marks = []
    for name in expected()["structures"]:
        skip = pytest.mark.skipif(name not in STRUCTURES, reason=f"no {name!r} structure")
        marks.append(pytest.param(name, marks=skip))
    return marks


def check_coefficients(
    result: lt.MMRMResult, ref: dict[str, Any], *, df: bool = True, se_share: float = 0.0
) -> None:
    table = result.coefficients
    coef = ref["coef"]
    # rownames(summary(fit)$coefficients)
    assert table["term"].tolist() == coef["term"]
    # summary(fit)$coefficients[, "Estimate"], [, "Std. Error"], [, "df"]
    np.testing.assert_allclose(
        table["estimate"],
        coef["estimate"],
        rtol=REML_RTOL,
        atol=se_share * float(np.min(coef["std_error"])),
    )
    np.testing.assert_allclose(table["std_error"], coef["std_error"], rtol=REML_RTOL)
    if df:
        np.testing.assert_allclose(table["df"], coef["df"], rtol=DF_EXACT_RTOL)


def check_means(result: lt.MMRMResult, ref: dict[str, Any], *, df: bool = True) -> None:
    # summary(emmeans(fit, ~ ARMCD | AVISIT))
    means = lt.marginal_means(result, "ARMCD", by="AVISIT")
    table = means.table
    assert table["ARMCD"].tolist() == ref["means"]["ARMCD"]
    assert table["AVISIT"].tolist() == ref["means"]["AVISIT"]
    np.testing.assert_allclose(table["estimate"], ref["means"]["emmean"], rtol=REML_RTOL)
    np.testing.assert_allclose(table["std_error"], ref["means"]["SE"], rtol=REML_RTOL)
    # summary(contrast(emm, "trt.vs.ctrl")): TRT - PBO at each visit
    contrasts = lt.contrast(means, "trt.vs.ctrl").table
    np.testing.assert_allclose(contrasts["estimate"], ref["contrasts"]["estimate"], rtol=REML_RTOL)
    np.testing.assert_allclose(contrasts["std_error"], ref["contrasts"]["SE"], rtol=REML_RTOL)
    if df:
        np.testing.assert_allclose(table["df"], ref["means"]["df"], rtol=DF_EXACT_RTOL)
        np.testing.assert_allclose(contrasts["df"], ref["contrasts"]["df"], rtol=DF_EXACT_RTOL)


@pytest.mark.parametrize("structure", structures())
def test_satterthwaite_equals_r_mmrm(structure: str) -> None:
    ref = expected()["structures"][structure]["satterthwaite"]
    result = fit(structure)
    check_coefficients(result, ref)
    # logLik(fit), AIC(fit), BIC(fit)
    np.testing.assert_allclose(result.loglik, ref["loglik"], rtol=LOGLIK_RTOL)
    np.testing.assert_allclose(result.aic, ref["aic"], rtol=LOGLIK_RTOL)
    np.testing.assert_allclose(result.bic, ref["bic"], rtol=LOGLIK_RTOL)
    # VarCorr(fit)
    np.testing.assert_allclose(result.sigma.to_numpy(), np.array(ref["sigma"]), rtol=1e-4)
    check_means(result, ref)


@pytest.mark.parametrize("structure", structures())
def test_empirical_equals_r_mmrm(structure: str) -> None:
    ref = expected()["structures"][structure]["empirical"]
    result = fit(structure, vcov="empirical")
    check_coefficients(result, ref)
    check_means(result, ref)


@pytest.mark.parametrize("structure", structures())
def test_kenward_roger_estimates_equal_r_mmrm(structure: str) -> None:
    ref = expected()["structures"][structure]["kenward_roger"]
    result = fit(structure, df_method="kenward-roger")
    # summary(fit)$coefficients[, "Estimate"]: the same REML fit
    np.testing.assert_allclose(
        result.coefficients["estimate"], ref["coef"]["estimate"], rtol=REML_RTOL
    )
    np.testing.assert_allclose(result.loglik, ref["loglik"], rtol=LOGLIK_RTOL)


@pytest.mark.parametrize("structure", structures())
def test_kenward_roger_mmrm_equals_r_mmrm(structure: str) -> None:
    """df_method="kenward-roger-mmrm": R mmrm's "Kenward-Roger" (second derivatives of Σ in
    its working parameters): coefficients, adjusted SEs, df, emmeans means and contrasts."""
    ref = expected()["structures"][structure]["kenward_roger"]
    result = fit(structure, df_method="kenward-roger-mmrm")
    check_coefficients(result, ref)
    check_means(result, ref)


def test_ml_residual_and_between_within_equal_r_mmrm() -> None:
    ml = fit("us", method="ml")
    ref = expected()["us_ml"]
    check_coefficients(ml, ref)
    np.testing.assert_allclose(ml.loglik, ref["loglik"], rtol=LOGLIK_RTOL)
    # AIC(fit): mmrm counts the covariance parameters only, also under ML; lifestyle-trials
    # counts the coefficients too under ML, as SAS does (and as mmrm's own logLik df does)
    n_coef = len(ml.coef)
    np.testing.assert_allclose(ml.aic, ref["aic"] + 2 * n_coef, rtol=LOGLIK_RTOL)
    # mmrm's method = "Residual" takes the empirical covariance by default
    check_coefficients(fit("us", df_method="residual", vcov="empirical"), expected()["us_residual"])
    check_coefficients(fit("us", df_method="between-within"), expected()["us_between_within"])


def test_formula_result_tables() -> None:
    result = fit("us")
    # the rows with no FEV1 are set aside with a reason, not silently
    assert sum(e.rows for e in result.exclusions) == int(fev()["FEV1"].isna().sum())
    assert result.n_obs == int(fev()["FEV1"].notna().sum())
    assert list(result.sigma.index) == ["VIS1", "VIS2", "VIS3", "VIS4"]
    assert result.estimand is None
    assert result.effects.equals(result.coefficients)
    assert set(result.tests["term"]) == {"RACE", "SEX", "ARMCD", "AVISIT", "ARMCD:AVISIT"}
    assert "Coefficients:" in result.summary()
    json.dumps(result.to_dict())


@pytest.mark.parametrize(
    ("key", "formula", "by"),
    [
        ("lmer_intercept", "FEV1 ~ ARMCD * AVISIT + (1 | USUBJID)", "AVISIT"),
        ("lmer_slope", "FEV1 ~ ARMCD * VISITN + (1 + VISITN | USUBJID)", "VISITN"),
    ],
)
def test_lmm_formula_equals_lmer(key: str, formula: str, by: str) -> None:
    ref = expected()[key]
    result = lt.lmm(fev(), formula=formula)
    # lme4's optimiser stops a little short of the optimum (its log-likelihood is lower in the
    # 12th digit): an estimate near zero may then differ by 1e-4 of a standard error
    check_coefficients(result, ref, se_share=1e-4)
    # logLik(fit); as.data.frame(VarCorr(fit))$vcov
    np.testing.assert_allclose(result.loglik, ref["loglik"], rtol=LOGLIK_RTOL)
    assert result.loglik >= ref["loglik"] - 1e-9
    components = result.variance_components
    got = components["variance"].tolist()
    if len(got) == 3:
        cov = components["correlation"][1] * np.prod(components["std_dev"][:2])
        got = [got[0], got[1], cov, got[2]]
    np.testing.assert_allclose(got, ref["variance"], rtol=1e-4)
    # summary(emmeans(fit, ~ ARMCD | by))
    means = lt.marginal_means(result, "ARMCD", by=by).table
    np.testing.assert_allclose(means["estimate"], ref["means"]["emmean"], rtol=REML_RTOL)
    np.testing.assert_allclose(means["std_error"], ref["means"]["SE"], rtol=REML_RTOL)
    np.testing.assert_allclose(means["df"], ref["means"]["df"], rtol=DF_EXACT_RTOL)


@pytest.mark.parametrize("structure", ["us", "toep", "ar1", "cs", "csh"])
def test_kenward_roger_df_equal_r_mmrm(structure: str) -> None:
    """Kenward-Roger as SAS computes it (second derivatives of Σ in its natural parameters;
    the standard errors are checked against SAS in test_kenward_roger.py). R mmrm
    differentiates in its own working parameters: the df do not depend on that choice and
    equal mmrm's; the standard errors of structures not linear in their parameters do."""
    ref = expected()["structures"][structure]["kenward_roger"]
    result = fit(structure, df_method="kenward-roger")
    table = result.coefficients
    # summary(fit)$coefficients[, "Estimate"], [, "df"]
    np.testing.assert_allclose(table["estimate"], ref["coef"]["estimate"], rtol=REML_RTOL)
    np.testing.assert_allclose(table["df"], ref["coef"]["df"], rtol=DF_EXACT_RTOL)
    # summary(emmeans(fit, ~ ARMCD | AVISIT))[, "df"]
    means = lt.marginal_means(result, "ARMCD", by="AVISIT").table
    np.testing.assert_allclose(means["df"], ref["means"]["df"], rtol=DF_EXACT_RTOL)


def test_kenward_roger_of_us_is_the_linear_form() -> None:
    """Σ of ``us`` is linear in its natural parameters (the variances and covariances), so
    Kenward-Roger equals its linear form, whose standard errors and df equal mmrm's
    "Kenward-Roger-Linear"."""
    ref = expected()["structures"]["us"]["kenward_roger_linear"]
    for df_method in ("kenward-roger", "kenward-roger-linear"):
        result = fit("us", df_method=df_method)
        check_coefficients(result, ref)
        check_means(result, ref)


def test_numeric_covariate_by_visit_equals_r_mmrm_and_emmeans() -> None:
    """tests/reference/mmrm_formula_covariate: FEV1_BL * AVISIT + RACE + ARMCD * AVISIT with
    ar1h; text columns (levels sorted as R's factor()), FEV1_BL held at its mean over the
    analysed rows by emmeans."""
    ref = json.loads((CASE.parent / "mmrm_formula_covariate" / "expected.json").read_text())
    data = pd.read_csv(CASE / "data.csv")  # text columns, no Categoricals
    result = lt.mmrm(
        data,
        formula="FEV1 ~ FEV1_BL * AVISIT + RACE + ARMCD * AVISIT + ar1h(AVISIT | USUBJID)",
    )
    # logLik(fit)
    np.testing.assert_allclose(result.loglik, ref["loglik"], rtol=LOGLIK_RTOL)

    # summary(fit)$coefficients; R names an interaction's variables in their order of first
    # appearance in the formula (AVISITVIS2:ARMCDTRT), lifestyle-trials as written in the term
    def canonical(name: str) -> str:
        return ":".join(sorted(name.split(":")))

    ours = result.coefficients.set_index(result.coefficients["term"].map(canonical))
    theirs = pd.DataFrame(ref["coef"]).set_index(
        pd.Index([canonical(t) for t in ref["coef"]["term"]])
    )
    assert sorted(ours.index) == sorted(theirs.index)
    theirs = theirs.loc[ours.index]
    gap = np.abs(ours["estimate"] - theirs["estimate"]) / theirs["std_error"]
    assert gap.max() < 2e-3
    np.testing.assert_allclose(ours["std_error"], theirs["std_error"], rtol=1e-4)
    np.testing.assert_allclose(ours["df"], theirs["df"], rtol=DF_EXACT_RTOL)
    # the reference grid holds FEV1_BL at mean(FEV1_BL) over the analysed rows
    np.testing.assert_allclose(result.grid_variables["FEV1_BL"][0], ref["fev1_bl_mean"], rtol=1e-12)
    # summary(emmeans(fit, ~ ARMCD | AVISIT)), summary(contrast(., "trt.vs.ctrl"))
    # (1e-4: R's optimum, above)
    means = lt.marginal_means(result, "ARMCD", by="AVISIT")
    np.testing.assert_allclose(means.table["estimate"], ref["means"]["emmean"], rtol=1e-4)
    np.testing.assert_allclose(means.table["std_error"], ref["means"]["SE"], rtol=1e-4)
    np.testing.assert_allclose(means.table["df"], ref["means"]["df"], rtol=DF_EXACT_RTOL)
    con = lt.contrast(means, "trt.vs.ctrl").table
    np.testing.assert_allclose(con["estimate"], ref["contrasts"]["estimate"], rtol=1e-4)
    np.testing.assert_allclose(con["std_error"], ref["contrasts"]["SE"], rtol=1e-4)
    np.testing.assert_allclose(con["df"], ref["contrasts"]["df"], rtol=DF_EXACT_RTOL)


@pytest.mark.parametrize("structure", structures())
def test_type3_tests_equal_emmeans_joint_tests_and_mmrm_df_md(structure: str) -> None:
    ref = expected()["structures"][structure]["satterthwaite"]
    tests = fit(structure).tests.set_index("term")
    joint = pd.DataFrame(ref["joint_tests"]).set_index("model term")
    # joint_tests(fit): the same hypotheses (equal weights), F ratios and numerator df
    # (emmeans stores F.ratio to 3 decimals and df2 to 2)
    assert sorted(tests.index) == sorted(joint.index)
    np.testing.assert_allclose(
        tests.loc[joint.index, "statistic"], joint["F.ratio"], rtol=0, atol=5e-4
    )
    assert tests.loc[joint.index, "num_df"].tolist() == joint["df1"].tolist()
    # one-df tests: the Satterthwaite df of the contrast
    single = joint.index[joint["df1"] == 1]
    np.testing.assert_allclose(
        tests.loc[single, "den_df"], joint.loc[single, "df2"], rtol=0, atol=5e-3
    )
    # several df: mmrm's df_md for RACE (emmeans' joint_tests approximates them otherwise);
    # the combination of the one-df Satterthwaite df differs from mmrm's by under 0.1%
    race = ref["race_test"]
    np.testing.assert_allclose(tests.loc["RACE", "statistic"], race["f_stat"], rtol=REML_RTOL)
    np.testing.assert_allclose(tests.loc["RACE", "den_df"], race["denom_df"], rtol=DF_RTOL)


@pytest.mark.parametrize("structure", ["ar1", "ar1h", "cs", "csh", "toep", "toeph", "us"])
@pytest.mark.parametrize("df_method", ["kenward-roger", "kenward-roger-linear"])
def test_kenward_roger_through_the_formula_equals_sas(structure: str, df_method: str) -> None:
    """SAS PROC MIXED on fev_data, ``MODEL FEV1 = ARMCD / DDFM=KR`` (or ``KR(LINEAR)``) with
    ``REPEATED AVISIT / TYPE=<cov>``: the TRT - PBO difference of least-squares means (mmrm's
    design/ddfm_covtype listings, parsed into tests/reference/mmrm_fev/sas.json)."""
    sas_all = json.loads((CASE.parent / "mmrm_fev" / "sas.json").read_text())
    key = df_method.replace("-", "_")
    sas = sas_all["fev1_armcd_trt_minus_pbo"][structure][key]
    data = pd.read_csv(CASE.parent / "mmrm_fev" / "data.csv")
    result = lt.mmrm(
        data, formula=f"FEV1 ~ ARMCD + {structure}(AVISIT | USUBJID)", df_method=df_method
    )
    diff = lt.contrast(lt.marginal_means(result, "ARMCD"), "trt.vs.ctrl").table
    # SAS: Differences of Least Squares Means, TRT - PBO (Estimate, StdErr, DF)
    np.testing.assert_allclose(diff["estimate"], [sas["estimate"]], rtol=SAS_RTOL)
    np.testing.assert_allclose(diff["std_error"], [sas["std_error"]], rtol=SAS_RTOL)
    np.testing.assert_allclose(diff["df"], [sas["df"]], rtol=SAS_RTOL)


# R mmrm on the same fev_data rows (tests/reference/mmrm_fev): one covariance per arm,
# observation weights (reference_groups.R, expected_groups.json) and the ante-dependence and
# spatial structures (reference.R, expected.json), fitted through the formula.
FEV_CASE = CASE.parent / "mmrm_fev"
DF_OPTIONS = {
    "satterthwaite": {"df_method": "satterthwaite"},
    "kenward_roger": {"df_method": "kenward-roger-mmrm"},  # mmrm's "Kenward-Roger"
    "kenward_roger_linear": {"df_method": "kenward-roger-linear"},
    "residual": {"df_method": "residual", "vcov": "empirical"},  # mmrm's Residual: sandwich
    "between_within": {"df_method": "between-within"},
    "empirical": {"df_method": "satterthwaite", "vcov": "empirical"},
}


@cache
def fev_rows() -> pd.DataFrame:
    """mmrm_fev's data.csv (FEV1 observed), SEX in R's factor order (Male, Female)."""
    data = pd.read_csv(FEV_CASE / "data.csv")
    data["SEX"] = pd.Categorical(data["SEX"], categories=["Male", "Female"])
    return data


@cache
def fev_expected(name: str) -> dict[str, Any]:
    return json.loads((FEV_CASE / name).read_text())


@cache
def fit_rows(term: str, block: str, reml: bool = True, weights: str | None = None):
    return lt.mmrm(
        fev_rows(),
        formula=f"{FIXED} + {term}",
        method="reml" if reml else "ml",
        weights=weights,
        **DF_OPTIONS[block],
    )


def check_fev_block(result: lt.MMRMResult, ref: dict[str, Any]) -> None:
    """summary(fit)$coefficients and summary(emmeans(fit, ~ ARMCD | AVISIT)) of mmrm_fev."""
    table = result.coefficients
    np.testing.assert_allclose(table["estimate"], ref["estimate"], rtol=REML_RTOL)
    np.testing.assert_allclose(table["df"], ref["df"], rtol=DF_EXACT_RTOL)
    np.testing.assert_allclose(table["std_error"], ref["std_error"], rtol=REML_RTOL)
    means = lt.marginal_means(result, "ARMCD", by="AVISIT").table
    assert [str(a) for a in means["ARMCD"]] == ref["means"]["ARMCD"]
    assert [str(v) for v in means["AVISIT"]] == ref["means"]["AVISIT"]
    np.testing.assert_allclose(means["estimate"], ref["means"]["estimate"], rtol=REML_RTOL)
    np.testing.assert_allclose(means["df"], ref["means"]["df"], rtol=DF_EXACT_RTOL)
    np.testing.assert_allclose(means["std_error"], ref["means"]["std_error"], rtol=REML_RTOL)


def group_cases() -> list[tuple[str, str]]:
    fits = fev_expected("expected_groups.json")["fits"]
    return [(key, block) for key in sorted(fits) for block in DF_OPTIONS if block in fits[key]]


@pytest.mark.parametrize(("key", "block"), group_cases())
def test_groups_and_weights_through_the_formula_equal_r_mmrm(key: str, block: str) -> None:
    """``<cov>(AVISIT | ARMCD / USUBJID)`` and ``weights = WEIGHT``, as reference_groups.R."""
    entry = fev_expected("expected_groups.json")["fits"][key]
    weights = "WEIGHT" if entry["weighted"] else None
    result = fit_rows(entry["term"], block, entry["reml"], weights)
    check_fev_block(result, entry[block])
    # logLik(fit)
    np.testing.assert_allclose(result.loglik, entry["fit"]["loglik"], rtol=LOGLIK_RTOL)
    # VarCorr(fit): one matrix per arm for a grouped structure
    sigma = entry["fit"]["sigma"]
    if isinstance(sigma, dict):
        assert result.groups == ("PBO", "TRT")
        assert list(result.sigma.index.names) == ["group", "visit"]
        for arm, ref in sigma.items():
            ref = np.array(ref)
            np.testing.assert_allclose(
                result.sigma.loc[arm].to_numpy(), ref, rtol=REML_RTOL, atol=1e-6 * ref.max()
            )
            corr = result.correlation.loc[arm].to_numpy()
            np.testing.assert_allclose(np.diag(corr), 1.0, rtol=1e-12)
            sd = np.sqrt(np.diag(ref))
            np.testing.assert_allclose(corr, ref / np.outer(sd, sd), rtol=1e-5, atol=1e-7)
    else:
        assert result.groups == ()
        ref = np.array(sigma)
        np.testing.assert_allclose(
            result.sigma.to_numpy(), ref, rtol=REML_RTOL, atol=1e-6 * ref.max()
        )
    assert result.weights == weights
    # TRT - PBO at VIS1 is the coefficient ARMCDTRT: lt.contrast on the fit equals R's row
    means = lt.marginal_means(result, "ARMCD", by="AVISIT")
    first = lt.contrast(means, "trt.vs.ctrl").table.iloc[0]
    j = result.coefficients["term"].tolist().index("ARMCDTRT")
    ref = entry[block]
    np.testing.assert_allclose(first["estimate"], ref["estimate"][j], rtol=REML_RTOL)
    np.testing.assert_allclose(first["df"], ref["df"][j], rtol=DF_EXACT_RTOL)
    np.testing.assert_allclose(first["std_error"], ref["std_error"][j], rtol=REML_RTOL)


def test_grouped_result_tables() -> None:
    result = fit_rows("ar1h(AVISIT | ARMCD / USUBJID)", "satterthwaite")
    assert result.parameters.index[0].startswith("PBO:")
    assert result.parameters.index[-1].startswith("TRT:")
    assert "one per group" in result.summary()
    json.dumps(result.to_dict())


def structure_cases() -> list[tuple[str, str]]:
    fits = fev_expected("expected.json")["fits"]
    return [
        (name, block)
        for name in ("ad", "adh", "sp_exp")
        for block in DF_OPTIONS
        if block in fits[f"{name}_reml"]
    ]


@pytest.mark.parametrize(("name", "block"), structure_cases())
def test_ante_dependence_and_spatial_through_the_formula_equal_r_mmrm(
    name: str, block: str
) -> None:
    """``ad``, ``adh`` over the visit factor and ``sp_exp(VISITN | USUBJID)`` over the visit
    numbers as coordinates (reference.R's sp_exp_coordinates)."""
    expected_all = fev_expected("expected.json")
    visit = expected_all["sp_exp_coordinates"] if name == "sp_exp" else "AVISIT"
    entry = expected_all["fits"][f"{name}_reml"]
    result = fit_rows(f"{name}({visit} | USUBJID)", block)
    ref = entry[block]
    assert result.coefficients["term"].tolist() == expected_all["x_columns"]
    check_fev_block(result, ref)
    # logLik(fit)
    np.testing.assert_allclose(result.loglik, entry["fit"]["loglik"], rtol=LOGLIK_RTOL)
    # contrast(emmeans(fit, ~ ARMCD | AVISIT), "revpairwise"): TRT - PBO by visit
    diff = lt.contrast(lt.marginal_means(result, "ARMCD", by="AVISIT"), "trt.vs.ctrl").table
    trt = ref["trt_minus_pbo"]
    np.testing.assert_allclose(diff["estimate"], trt["estimate"], rtol=REML_RTOL)
    np.testing.assert_allclose(diff["df"], trt["df"], rtol=DF_EXACT_RTOL)
    np.testing.assert_allclose(diff["std_error"], trt["std_error"], rtol=REML_RTOL)
    # VarCorr(fit) (sp_exp: mmrm gives Σ at distances 0 and 1 only)
    sigma = np.array(entry["fit"]["sigma"])
    t = sigma.shape[0]
    np.testing.assert_allclose(
        result.sigma.to_numpy()[:t, :t], sigma, rtol=REML_RTOL, atol=1e-6 * sigma.max()
    )


# -- bad input to a covariance per group and to weights ------------------------------------


def test_group_not_in_the_data_names_the_term() -> None:
    with pytest.raises(ModelError, match="group 'ARM' of the covariance term 'us\\(AVISIT \\| ARM"):
        lt.mmrm(fev_rows(), formula=f"{FIXED} + us(AVISIT | ARM / USUBJID)")


def test_group_level_with_a_single_subject_is_refused() -> None:
    data = fev_rows().copy()
    data["ARM3"] = data["ARMCD"].astype(str)
    data.loc[data["USUBJID"] == "PT1", "ARM3"] = "LONE"
    with pytest.raises(ModelError, match="'ARM3'; level\\(s\\) LONE have a single subject.*Merge"):
        lt.mmrm(data, formula=f"{FIXED} + us(AVISIT | ARM3 / USUBJID)")
    # a level whose other subjects have no analysed row counts the subjects with data
    data["ARM3"] = data["ARMCD"].astype(str)
    two = data["USUBJID"].isin(["PT1", "PT2"])
    data.loc[two, "ARM3"] = "PAIR"
    data.loc[data["USUBJID"] == "PT2", "FEV1"] = np.nan
    with pytest.raises(ModelError, match="level\\(s\\) PAIR have a single subject"):
        lt.mmrm(data, formula=f"{FIXED} + cs(AVISIT | ARM3 / USUBJID)")


def test_group_must_be_a_subject_level_column() -> None:
    with pytest.raises(ModelError, match="each subject in one level of 'VISITN'.*subject-level"):
        lt.mmrm(fev_rows(), formula=f"{FIXED} + cs(AVISIT | VISITN / USUBJID)")


def test_group_too_small_for_unstructured_names_the_group() -> None:
    data = fev_rows().copy()
    data["ARM3"] = data["ARMCD"].astype(str)
    complete = data.groupby("USUBJID")["AVISIT"].count()
    few = complete.index[complete == 4][:3]
    data.loc[data["USUBJID"].isin(few), "ARM3"] = "FEW"
    with pytest.raises(
        ModelError, match="more subjects than visits; there are 3 subjects in group FEW"
    ):
        lt.mmrm(data, formula=f"{FIXED} + us(AVISIT | ARM3 / USUBJID)")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"row": 3, "value": 0.0}, "'WEIGHT' has 0 missing and 1 not positive.*PT2"),
        ({"row": 5, "value": -1.0}, "'WEIGHT' has 0 missing and 1 not positive.*positive and"),
        ({"row": 7, "value": np.nan}, "'WEIGHT' has 1 missing and 0 not positive.*fix them"),
    ],
)
def test_weights_not_positive_or_missing_are_refused(change: dict[str, Any], message: str) -> None:
    data = fev_rows().copy()
    data.loc[change["row"], "WEIGHT"] = change["value"]
    with pytest.raises(ModelError, match=message):
        lt.mmrm(data, formula=f"{FIXED} + us(AVISIT | USUBJID)", weights="WEIGHT")


def test_weights_column_must_exist_and_be_numeric() -> None:
    with pytest.raises(ModelError, match="weights='W' is not a column of the data"):
        lt.mmrm(fev_rows(), formula=f"{FIXED} + us(AVISIT | USUBJID)", weights="W")
    with pytest.raises(ModelError, match="weights column 'ARMCD' must be numeric"):
        lt.mmrm(fev_rows(), formula=f"{FIXED} + us(AVISIT | USUBJID)", weights="ARMCD")
    trial = lt.simulate_odes(seed=1, visits=(0, 3, 6))
    with pytest.raises(ModelError, match="weights= applies to a formula model"):
        lt.mmrm(trial, "homa_ir", weights="w")


def test_kenward_roger_mmrm_needs_an_mmrm_structure() -> None:
    with pytest.raises(
        ModelError, match="R mmrm has no covariance structure 'diag'.*'kenward-roger'"
    ):
        lt.mmrm(fev(), formula=f"{FIXED} + diag(AVISIT | USUBJID)", df_method="kenward-roger-mmrm")
    assert fit("us", df_method="kenward-roger-mmrm").df_method == "kenward-roger-mmrm"
