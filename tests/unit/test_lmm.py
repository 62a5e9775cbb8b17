"""lt.lmm against R's lme4 + lmerTest (Satterthwaite) and pbkrtest (Kenward-Roger)."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest
from tests.reference.mmrm_checks import by_key, check_lmertest_anova, close_vector, load_case
from tests.reference.mmrm_simulate import simulate
from tests.tolerances import (
    DF_EXACT_RTOL,
    KR_PBKRTEST_DF_RTOL,
    KR_PBKRTEST_RTOL,
    LOGLIK_RTOL,
    REML_RTOL,
)

import lifestyle_trials as lt
from lifestyle_trials import ConvergenceWarning, ModelError

CASES = [("lmm_intercept", "intercept"), ("lmm_slope", "slope")]


@cache
def fitted(case: str, random: str, **options: Any) -> lt.LMMResult:
    trial, _ = load_case(case)
    return lt.lmm(trial, "homa_ir", random=random, **options)


@pytest.mark.parametrize(("case", "random"), CASES)
def test_estimates_equal_lme4(case: str, random: str) -> None:
    _, exp = load_case(case)
    fit = fitted(case, random)
    assert not fit.singular and not exp["singular"]
    # logLik(fit) (REML)
    np.testing.assert_allclose(fit.loglik, exp["loglik"], rtol=LOGLIK_RTOL)
    # fixef(fit), sqrt(diag(vcov(fit)))
    close_vector(fit.coef, pd.Series(exp["coef"])[fit.coef.index], REML_RTOL)
    se = pd.Series(exp["std_error"])[fit.coef.index]
    np.testing.assert_allclose(np.sqrt(np.diag(fit.vcov)), se, rtol=REML_RTOL)
    # as.data.frame(VarCorr(fit)): variances, then the intercept-slope covariance
    vc = exp["varcorr"]
    comp = fit.variance_components.set_index("component")
    if random == "intercept":
        ours = [comp.loc["intercept", "variance"], comp.loc["residual", "variance"]]
        np.testing.assert_allclose(ours, vc["vcov"], rtol=REML_RTOL)
    else:
        ours = [
            comp.loc["intercept", "variance"],
            comp.loc["slope", "variance"],
            fit.parameters["cov[intercept,slope]"],
            comp.loc["residual", "variance"],
        ]
        close_vector(ours, vc["vcov"], REML_RTOL)
        np.testing.assert_allclose(comp.loc["slope", "correlation"], vc["sdcor"][2], rtol=1e-4)
    assert (fit.n_subjects, fit.n_obs) == (exp["n_subjects"], exp["n_obs"])


@pytest.mark.parametrize(("case", "random"), CASES)
@pytest.mark.parametrize(
    ("df_method", "key"), [("satterthwaite", "satterthwaite"), ("kenward-roger", "kenward_roger")]
)
def test_effects_and_means_equal_emmeans_on_lmer(
    case: str, random: str, df_method: str, key: str
) -> None:
    _, exp = load_case(case)
    fit = fitted(case, random, df_method=df_method)
    # emmeans(fit, ~ diet * exercise | visit_f, lmer.df = ...) and the factorial contrasts
    # (pbkrtest's Kenward-Roger uses the expected information: see KR_PBKRTEST_RTOL)
    se_rtol = KR_PBKRTEST_RTOL if df_method == "kenward-roger" else REML_RTOL
    df_rtol = KR_PBKRTEST_DF_RTOL if df_method == "kenward-roger" else DF_EXACT_RTOL
    eff = by_key(fit.effects, exp[key]["effects"], ["term", "visit"])
    close_vector(eff["estimate_py"], eff["estimate_r"], REML_RTOL)
    np.testing.assert_allclose(eff["std_error_py"], eff["std_error_r"], rtol=se_rtol)
    np.testing.assert_allclose(eff["df_py"], eff["df_r"], rtol=df_rtol)
    means = by_key(fit.means, exp[key]["means"], ["diet", "exercise", "visit"])
    close_vector(means["estimate_py"], means["estimate_r"], REML_RTOL)
    np.testing.assert_allclose(means["std_error_py"], means["std_error_r"], rtol=se_rtol)
    np.testing.assert_allclose(means["df_py"], means["df_r"], rtol=df_rtol)


@pytest.mark.parametrize(("case", "random"), CASES)
def test_type3_tests_equal_lmertest(case: str, random: str) -> None:
    _, exp = load_case(case)
    check_lmertest_anova(fitted(case, random), exp["anova_satterthwaite"], basis_free_df=False)


def test_kenward_roger_type3_tests_equal_pbkrtest() -> None:
    _, exp = load_case("lmm_intercept")
    fit = fitted("lmm_intercept", "intercept", df_method="kenward-roger")
    check_lmertest_anova(
        fit, exp["anova_kr"], basis_free_df=True, rtol=KR_PBKRTEST_RTOL, df_rtol=KR_PBKRTEST_DF_RTOL
    )


def test_ml_fit_equals_lme4() -> None:
    _, exp = load_case("lmm_intercept")
    fit = fitted("lmm_intercept", "intercept", method="ml")
    # logLik(lmer(..., REML = FALSE))
    np.testing.assert_allclose(fit.loglik, exp["ml"]["loglik"], rtol=LOGLIK_RTOL)
    close_vector(fit.coef, pd.Series(exp["ml"]["coef"])[fit.coef.index], REML_RTOL)


def test_random_intercept_is_compound_symmetry() -> None:
    trial, _ = load_case("lmm_intercept")
    ri = fitted("lmm_intercept", "intercept")
    cs = lt.mmrm(trial, "homa_ir", covariance="cs")
    np.testing.assert_allclose(ri.loglik, cs.loglik, rtol=1e-10)
    np.testing.assert_allclose(ri.sigma.to_numpy(), cs.sigma.to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(ri.effects["df"], cs.effects["df"], rtol=1e-6)


def test_singular_fit_is_flagged_as_lme4_does() -> None:
    trial, exp = load_case("lmm_singular")
    assert exp["singular"]
    with pytest.warns(ConvergenceWarning, match="singular fit"):
        fit = lt.lmm(trial, "homa_ir", random="slope")
    assert fit.singular
    # the boundary fit itself agrees: logLik, fixef, VarCorr
    np.testing.assert_allclose(fit.loglik, exp["loglik"], rtol=LOGLIK_RTOL)
    close_vector(fit.coef, pd.Series(exp["coef"])[fit.coef.index], REML_RTOL)
    comp = fit.variance_components.set_index("component")
    np.testing.assert_allclose(comp.loc["slope", "correlation"], 1.0, rtol=1e-4)


def test_bad_input() -> None:
    trial, _ = load_case("lmm_intercept")
    with pytest.raises(ModelError, match="random must be 'intercept' or 'slope'"):
        lt.lmm(trial, "homa_ir", random="visit")
    two = lt.read_trial(
        simulate(3, n_per_arm=(6, 6, 6, 6), visits=(0, 6, 12)), outcomes=["homa_ir"]
    )
    with pytest.raises(ModelError, match="random slope model needs at least 3 post-baseline"):
        lt.lmm(two, "homa_ir", random="slope")
    one = lt.read_trial(simulate(3, n_per_arm=(6, 6, 6, 6), visits=(0, 12)), outcomes=["homa_ir"])
    with pytest.raises(ModelError, match="needs at least 2 post-baseline visits.*lt.ancova"):
        lt.lmm(one, "homa_ir")


def test_summary_and_dict() -> None:
    fit = fitted("lmm_slope", "slope")
    text = fit.summary()
    assert text.startswith("Linear mixed model (random slope) of homa_ir")
    out = fit.to_dict()
    assert out["random"] == "slope"
    assert [c["component"] for c in out["variance_components"]] == [
        "intercept",
        "slope",
        "residual",
    ]
