"""lt.mmrm against R: nlme::gls + emmeans, lm, lme4/lmerTest/pbkrtest, clubSandwich.

Each case folder in tests/reference/mmrm_*/ holds the data, the R script and expected.json.
Vectors of estimates (coefficients, effects, the covariance matrix) are compared relative to
their largest element (``atol = rtol * max|R|``): R's optimiser (nlminb) stops earlier than
ours, and a relative comparison element by element would be dominated by coefficients near
zero. Standard errors and degrees of freedom are compared element by element.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest
from tests.reference.mmrm_checks import (
    by_key,
    check_gls_df,
    check_lmertest_anova,
    close_vector,
    load_case,
)
from tests.tolerances import (
    CLOSED_FORM_RTOL,
    DF_EXACT_RTOL,
    KR_PBKRTEST_DF_RTOL,
    KR_PBKRTEST_RTOL,
    LOGLIK_RTOL,
    REML_RTOL,
)

import lifestyle_trials as lt

STRUCTURES = ("us", "cs", "csh", "ar1", "ar1h", "toep", "toeph", "diag")


@cache
def load(case: str, covariates: tuple[str, ...] = ()) -> tuple[lt.Trial, dict[str, Any]]:
    return load_case(case, covariates)


@cache
def fitted(case: str, covariates: tuple[str, ...] = (), **options: Any) -> lt.MMRMResult:
    trial, _ = load(case, covariates)
    return lt.mmrm(trial, "homa_ir", covariates=covariates, **options)


def check_gls(fit: lt.MMRMResult, exp: dict[str, Any]) -> None:
    """Log-likelihood, coefficients, their SEs, effects and means against an nlme fit."""
    # logLik(fit)
    np.testing.assert_allclose(fit.loglik, exp["loglik"], rtol=LOGLIK_RTOL)
    # coef(fit), sqrt(diag(vcov(fit))), renamed to lifestyle-trials' names
    coef = pd.Series(exp["coef"])
    assert set(coef.index) == set(fit.coef.index)
    close_vector(fit.coef, coef[fit.coef.index], REML_RTOL)
    se = pd.Series(exp["std_error"])[fit.coef.index]
    np.testing.assert_allclose(np.sqrt(np.diag(fit.vcov)), se, rtol=REML_RTOL)
    # contrast(emmeans(fit, ~ diet * exercise | visit_f), <factorial>)
    eff = by_key(fit.effects, exp["effects"], ["term", "visit"])
    close_vector(eff["estimate_py"], eff["estimate_r"], REML_RTOL)
    np.testing.assert_allclose(eff["std_error_py"], eff["std_error_r"], rtol=REML_RTOL)
    # summary(emmeans(fit, ~ diet * exercise | visit_f, at = subject means))
    means = by_key(fit.means, exp["means"], ["diet", "exercise", "visit"])
    close_vector(means["estimate_py"], means["estimate_r"], REML_RTOL)
    np.testing.assert_allclose(means["std_error_py"], means["std_error_r"], rtol=REML_RTOL)
    # getVarCov(fit, individual = <a subject seen at every visit>)
    close_vector(fit.sigma.to_numpy(), exp["sigma"], REML_RTOL)


UNSTRUCTURED = [
    ("mmrm_balanced", (), False),
    ("mmrm_dropout", (), False),
    ("mmrm_intermittent", ("age", "sex"), False),
    ("mmrm_log", (), True),
]


@pytest.mark.parametrize(("case", "covariates", "log"), UNSTRUCTURED)
def test_unstructured_equals_nlme_gls(case: str, covariates: tuple[str, ...], log: bool) -> None:
    _, exp = load(case, covariates)
    fit = fitted(case, covariates, log=log)
    check_gls(fit, exp)
    # nrow(d), length(unique(d$subject))
    assert (fit.n_obs, fit.n_subjects) == (exp["n_obs"], exp["n_subjects"])


@pytest.mark.parametrize(("case", "covariates", "log"), UNSTRUCTURED)
def test_satterthwaite_df_equal_exact_reference(
    case: str, covariates: tuple[str, ...], log: bool
) -> None:
    _, exp = load(case, covariates)
    fit = fitted(case, covariates, log=log)
    check_df(fit, exp)
    # the REML log-likelihood written out in the R script
    np.testing.assert_allclose(fit.loglik, exp["exact_df"]["loglik"], rtol=LOGLIK_RTOL)


def check_df(fit: lt.MMRMResult, exp: dict[str, Any]) -> None:
    """df of effects and means: satterthwaite_numeric(fit, d, L) in the R script (numDeriv
    Hessian and Jacobian of vcov in nlme's parameters) and emmeans(mode = "satterthwaite")."""
    eff = pd.DataFrame(exp["effects"])[["term", "visit", "df"]]
    eff = eff.assign(exact=exp["exact_df"]["effects"]).merge(fit.effects, on=["term", "visit"])
    check_gls_df(eff["df_y"], eff["df_x"], eff["exact"])
    keys = ["diet", "exercise", "visit"]
    means = pd.DataFrame(exp["means"])[[*keys, "df"]]
    means = means.assign(exact=exp["exact_df"]["means"]).merge(fit.means, on=keys)
    check_gls_df(means["df_y"], means["df_x"], means["exact"])


def test_first_visit_df_are_n_minus_p_with_monotone_dropout() -> None:
    """At the first visit every analysed subject is observed and dropout is monotone: the
    effect df are n - p exactly, ours and the exact R computation (emmeans' approximation for
    gls is several percent off here)."""
    _, exp = load("mmrm_dropout")
    fit = fitted("mmrm_dropout")
    first = fit.effects[fit.effects["visit"] == 3.0]
    np.testing.assert_allclose(first["df"], fit.n_subjects - 5, rtol=1e-9)
    exact = pd.DataFrame(exp["effects"]).assign(exact=exp["exact_df"]["effects"])
    at_first = exact[exact["visit"] == 3]
    np.testing.assert_allclose(at_first["exact"], fit.n_subjects - 5, rtol=DF_EXACT_RTOL)


@pytest.mark.parametrize("case", ["mmrm_balanced", "mmrm_dropout", "mmrm_intermittent"])
def test_type3_tests_equal_emmeans_joint_tests(case: str) -> None:
    """F statistics and numerator df. The denominator df are not compared here: emmeans'
    joint_tests takes the smallest df of the orthogonalised contrasts, ours combine them as
    Fai & Cornelius (lmerTest, SAS, R's mmrm); test_compound_symmetry_equals_random_intercept_lmer
    checks that combination against lmerTest."""
    covariates = ("age", "sex") if case == "mmrm_intermittent" else ()
    _, exp = load(case, covariates)
    fit = fitted(case, covariates)
    # joint_tests(fit, mode = "satterthwaite", at = subject means): F printed to 3 decimals
    tests = by_key(fit.tests, exp["joint_tests"], ["term"])
    np.testing.assert_allclose(
        tests["statistic_py"], tests["statistic_r"], rtol=REML_RTOL, atol=5e-4
    )
    np.testing.assert_array_equal(tests["num_df_py"], tests["num_df_r"])


def test_ml_fit_equals_nlme() -> None:
    _, exp = load("mmrm_balanced")
    fit = fitted("mmrm_balanced", method="ml")
    assert fit.method == "ML"
    # logLik(gls(..., method = "ML"))
    np.testing.assert_allclose(fit.loglik, exp["ml"]["loglik"], rtol=LOGLIK_RTOL)
    coef = pd.Series(exp["ml"]["coef"])[fit.coef.index]
    close_vector(fit.coef, coef, REML_RTOL)
    # sqrt(diag(vcov(fit))): nlme scales the ML covariance of the coefficients by
    # N / (N - p); ours is the inverse information (X' V^-1 X)^-1, as SAS and R's mmrm report
    se = pd.Series(exp["ml"]["std_error"])[fit.coef.index]
    scale = np.sqrt(fit.n_obs / (fit.n_obs - fit.coef.size))
    np.testing.assert_allclose(np.sqrt(np.diag(fit.vcov)) * scale, se, rtol=REML_RTOL)
    # AIC/BIC as nlme counts them (all parameters; BIC with N observations for ML)
    k = fit.parameters.size + fit.coef.size
    np.testing.assert_allclose(fit.aic, exp["ml"]["aic_nlme"], rtol=LOGLIK_RTOL)
    bic_nlme = -2 * fit.loglik + k * np.log(fit.n_obs)
    np.testing.assert_allclose(bic_nlme, exp["ml"]["bic_nlme"], rtol=LOGLIK_RTOL)


def test_reml_information_criteria_relate_to_nlme() -> None:
    _, exp = load("mmrm_balanced")
    fit = fitted("mmrm_balanced")
    k, p = fit.parameters.size, fit.coef.size
    # ours: -2 logLik + 2k (covariance parameters) and k log(subjects)
    np.testing.assert_allclose(fit.aic, -2 * fit.loglik + 2 * k, rtol=1e-12)
    np.testing.assert_allclose(fit.bic, -2 * fit.loglik + k * np.log(fit.n_subjects), rtol=1e-12)
    # AIC(fit), BIC(fit) in nlme count the coefficients too, and BIC uses N - p
    np.testing.assert_allclose(fit.aic + 2 * p, exp["aic_nlme"], rtol=LOGLIK_RTOL)
    bic_nlme = -2 * fit.loglik + (k + p) * np.log(fit.n_obs - p)
    np.testing.assert_allclose(bic_nlme, exp["bic_nlme"], rtol=LOGLIK_RTOL)


@pytest.mark.parametrize("structure", STRUCTURES)
def test_each_structure_equals_nlme(structure: str) -> None:
    _, exp = load("mmrm_structures")
    fit = fitted("mmrm_structures", covariance=structure)
    check_gls(fit, exp[structure])
    check_df(fit, exp[structure])


@pytest.mark.parametrize("structure", ["us", "csh", "ar1h", "toeph"])
def test_heterogeneous_variances_equal_nlme(structure: str) -> None:
    _, exp = load("mmrm_hetero")
    fit = fitted("mmrm_hetero", covariance=structure)
    check_gls(fit, exp[structure])
    check_df(fit, exp[structure])


def test_structures_ranked_by_aic_as_nlme() -> None:
    _, exp = load("mmrm_structures")
    fits = {s: fitted("mmrm_structures", covariance=s) for s in STRUCTURES}
    # AIC(fit) in nlme = ours + 2p (same p for all): the same ranking
    ours = sorted(STRUCTURES, key=lambda s: fits[s].aic)
    theirs = sorted(STRUCTURES, key=lambda s: exp[s]["aic_nlme"])
    assert ours == theirs


@pytest.mark.parametrize("structure", ["us", "cs", "ar1", "toeph", "diag"])
def test_one_visit_is_the_ancova(structure: str) -> None:
    _, exp = load("mmrm_onevisit", ("age", "sex"))
    fit = fitted("mmrm_onevisit", ("age", "sex"), covariance=structure)
    lm = exp["lm"]
    # coef(lm(y ~ baseline + diet * exercise + age + sex)), sqrt(diag(vcov(lm)))
    coef = pd.Series(lm["coef"])[fit.coef.index]
    np.testing.assert_allclose(fit.coef, coef, rtol=CLOSED_FORM_RTOL)
    se = pd.Series(lm["std_error"])[fit.coef.index]
    np.testing.assert_allclose(np.sqrt(np.diag(fit.vcov)), se, rtol=CLOSED_FORM_RTOL)
    # sigma(lm)^2: the one covariance parameter
    np.testing.assert_allclose(fit.sigma.iloc[0, 0], lm["sigma"] ** 2, rtol=CLOSED_FORM_RTOL)
    # contrast(emmeans(lm, ~ diet * exercise), <factorial>): df = df.residual(lm)
    eff = by_key(fit.effects, lm["effects"], ["term", "visit"])
    np.testing.assert_allclose(eff["estimate_py"], eff["estimate_r"], rtol=CLOSED_FORM_RTOL)
    np.testing.assert_allclose(eff["std_error_py"], eff["std_error_r"], rtol=CLOSED_FORM_RTOL)
    np.testing.assert_allclose(eff["df_py"], lm["df_residual"], rtol=CLOSED_FORM_RTOL)
    means = by_key(fit.means, lm["means"], ["diet", "exercise", "visit"])
    np.testing.assert_allclose(means["estimate_py"], means["estimate_r"], rtol=CLOSED_FORM_RTOL)
    # logLik(gls(y ~ ..., method = "REML"))
    np.testing.assert_allclose(fit.loglik, exp["loglik"], rtol=LOGLIK_RTOL)


@pytest.mark.parametrize(
    ("df_method", "key", "anova"),
    [
        ("kenward-roger", "kenward_roger", "anova_kr"),
        ("satterthwaite", "satterthwaite", "anova_satterthwaite"),
    ],
)
def test_compound_symmetry_equals_random_intercept_lmer(
    df_method: str, key: str, anova: str
) -> None:
    _, exp = load("mmrm_kr")
    fit = fitted("mmrm_kr", covariance="cs", df_method=df_method)
    # logLik(lmer(... + (1 | subject), REML = TRUE)) = logLik(gls(corCompSymm))
    np.testing.assert_allclose(fit.loglik, exp["loglik"], rtol=LOGLIK_RTOL)
    # VarCorr(fit): cs variance = intercept + residual, covariance = intercept
    variances = exp["variances"]
    np.testing.assert_allclose(
        fit.parameters.to_numpy(),
        [variances["intercept"] + variances["residual"], variances["intercept"]],
        rtol=REML_RTOL,
    )
    coef = pd.Series(exp["coef"])[fit.coef.index]
    close_vector(fit.coef, coef, REML_RTOL)
    # emmeans(lmer, lmer.df = "kenward-roger" | "satterthwaite"): pbkrtest::vcovAdj and
    # Lb_ddf, or lmerTest's Satterthwaite (pbkrtest's Kenward-Roger uses the expected
    # information, these the observed: see KR_PBKRTEST_RTOL)
    kr = df_method == "kenward-roger"
    se_rtol = KR_PBKRTEST_RTOL if kr else REML_RTOL
    df_rtol = KR_PBKRTEST_DF_RTOL if kr else DF_EXACT_RTOL
    eff = by_key(fit.effects, exp[key]["effects"], ["term", "visit"])
    np.testing.assert_allclose(eff["std_error_py"], eff["std_error_r"], rtol=se_rtol)
    np.testing.assert_allclose(eff["df_py"], eff["df_r"], rtol=df_rtol)
    means = by_key(fit.means, exp[key]["means"], ["diet", "exercise", "visit"])
    np.testing.assert_allclose(means["std_error_py"], means["std_error_r"], rtol=se_rtol)
    np.testing.assert_allclose(means["df_py"], means["df_r"], rtol=df_rtol)
    # lmerTest::anova(type = 3, ddf = ...) with sum-to-zero contrasts, centred baseline
    check_lmertest_anova(fit, exp[anova], basis_free_df=kr, rtol=se_rtol, df_rtol=df_rtol)


def test_empirical_covariance_equals_clubsandwich() -> None:
    _, exp = load("mmrm_sandwich")
    fit = fitted("mmrm_sandwich", vcov="empirical")
    assert fit.vcov_type == "empirical"
    coef = pd.Series(exp["coef"])[fit.coef.index]
    close_vector(fit.coef, coef, REML_RTOL)
    # coef_test(fit, vcov = vcovCR(fit, type = "CR0"), test = "Satterthwaite")
    se = pd.Series(exp["std_error"])[fit.coef.index]
    np.testing.assert_allclose(np.sqrt(np.diag(fit.vcov)), se, rtol=REML_RTOL)
    df = pd.Series(exp["df"])[fit.coef.index]
    ours = fit.contrast_df(np.eye(fit.coef.size))
    np.testing.assert_allclose(ours, df, rtol=DF_EXACT_RTOL)
    # linear_contrast(fit, vcov = V, contrasts = <factorial effects>)
    eff = by_key(fit.effects, exp["effects"], ["term", "visit"])
    close_vector(eff["estimate_py"], eff["estimate_r"], REML_RTOL)
    np.testing.assert_allclose(eff["std_error_py"], eff["std_error_r"], rtol=REML_RTOL)
    np.testing.assert_allclose(eff["df_py"], eff["df_r"], rtol=DF_EXACT_RTOL)


def test_exclusions_are_counted() -> None:
    fit = fitted("mmrm_dropout")
    reasons = {e.reason: e.subjects for e in fit.exclusions}
    assert reasons == {
        "no baseline value of homa_ir": ("s005",),
        "no value of homa_ir after baseline": ("s030",),
    }
    n = fit.n.set_index("arm")
    assert n["randomised"].sum() == 95
    assert n["analysed"].sum() == fit.n_subjects == 93
    visits = [c for c in n.columns if c.startswith("visit ")]
    assert n[visits].to_numpy().sum() == fit.n_obs
