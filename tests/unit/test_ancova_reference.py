"""lt.ancova and marginal means against R (lm + emmeans + car::Anova + sandwich).

Every case in tests/reference/ancova_*/ holds data.csv (written by make_data.py with a seed),
reference.R (sourcing ../ancova_common.R) and expected.json (R and package versions inside).
Each fit key is ``estimand/analysis/vcov``; each assertion names the R expression it mirrors.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.tolerances import CLOSED_FORM_RTOL

import lifestyle_trials as lt

REFERENCE = Path(__file__).resolve().parent.parent / "reference"
CASES = sorted(p.parent.name for p in REFERENCE.glob("ancova_*/expected.json"))

MVT_PRECISE_ATOL = 1e-4
"""Dunnett p-values and critical value against mvtnorm::pmvt with abseps = 1e-6: both are
quasi-Monte Carlo integrals; ours has an absolute error below 1e-4."""

MVT_EMMEANS_ATOL = 3e-3
"""Against emmeans' own adjust = "mvt": emmeans calls mvtnorm::pmvt with its default
GenzBretz(maxpts = 25000, abseps = 0.001), so its p-values and limits carry a Monte Carlo
error of up to about 1e-3."""


@cache
def expected(case: str) -> dict:
    return json.loads((REFERENCE / case / "expected.json").read_text())


@cache
def trial(case: str) -> lt.Trial:
    return lt.read_trial(REFERENCE / case / "data.csv")


@cache
def fit(case: str, key: str, adjust: str = "none") -> lt.AncovaFit:
    settings = expected(case)["settings"]
    estimand, analysis, vcov = key.split("/")
    return lt.ancova(
        trial(case),
        settings["outcome"],
        estimand=estimand,
        visit=settings["visit"],
        log=settings["log"],
        covariates=tuple(np.atleast_1d(settings["covariates"]).tolist()),
        analysis=analysis,
        vcov=vcov,
        adjust=adjust,
    )


@cache
def four_arms(case: str) -> bool:
    data = pd.read_csv(REFERENCE / case / "data.csv")
    return len(data[["diet", "exercise"]].drop_duplicates()) == 4


def fit_keys() -> list[tuple[str, str]]:
    """The fits of every case; R's additive ('margins') model of a trial without the four
    arms is not one of them (the package refuses it: see the test below)."""
    return [
        (case, key)
        for case in CASES
        for key in expected(case)["fits"]
        if four_arms(case) or not key.startswith("margins")
    ]


def test_margins_without_the_four_arms_is_refused() -> None:
    """R fits the additive model of a three-arm trial; the package does not estimate the
    main effects of the 2 × 2 from three arms (it would assume the interaction away)."""
    refused = [
        (c, k)
        for c in CASES
        for k in expected(c)["fits"]
        if k.startswith("margins") and not four_arms(c)
    ]
    assert refused  # the three-arm case has them
    for case, key in refused:
        with pytest.raises(lt.ModelError, match="needs subjects in all four arms"):
            fit(case, key)


def vec(values) -> np.ndarray:
    """As floats; jsonlite writes R's NA as the string "NA"."""
    values = [np.nan if v == "NA" else v for v in np.atleast_1d(np.asarray(values, dtype=object))]
    return np.asarray(values, dtype=float)


def close(actual, desired, rtol: float = CLOSED_FORM_RTOL, *, matrix: bool = False) -> None:
    """Relative tolerance; for a matrix, relative to its largest entry (a covariance of
    balanced data has exact zeros that are 1e-17 either side in floating point)."""
    desired = vec(desired)
    atol = rtol * np.max(np.abs(desired)) if matrix else 0.0
    np.testing.assert_allclose(vec(actual), desired, rtol=rtol, atol=atol)


def check_inference(ours: pd.DataFrame, r: dict, *, tests: bool = True) -> None:
    """estimate, SE, df, CI (and t, p) of a summary(..., infer = TRUE) table."""
    est = "estimate" if "estimate" in r else "emmean"
    close(ours["estimate"], r[est])
    close(ours["std_error"], r["SE"])
    close(ours["df"], r["df"])
    close(ours["conf_low"], r["lower.CL"])
    close(ours["conf_high"], r["upper.CL"])
    if tests:
        close(ours["statistic"], r["t.ratio"])
        close(ours["p_value"], r["p.value"])


@pytest.mark.parametrize(("case", "key"), fit_keys())
def test_coefficients_vcov_and_residual_df(case, key):
    ours = fit(case, key)
    r = expected(case)["fits"][key]
    # coef(m)
    assert set(ours.coef.index) == set(r["coef"])
    close(ours.coef[list(r["coef"])], list(r["coef"].values()))
    # vcov(m), or sandwich::vcovHC(m, type = "HC3")
    names = r["vcov_names"]
    close(ours.vcov.loc[names, names].to_numpy().ravel(), np.ravel(r["vcov"]), matrix=True)
    # m$df.residual; summary(m)$sigma
    assert ours.df_resid == r["df_resid"]
    close(ours.residual_sd, r["sigma"])


@pytest.mark.parametrize("case", CASES)
def test_analysis_set_matches_r(case):
    ours = fit(case, next(iter(expected(case)["fits"])))
    # table(s$arm)
    counts = {a: n for a, n in ours.n_analysed.items() if n > 0}
    assert counts == expected(case)["n_analysed"]
    n_excluded = sum(e.n_subjects for e in ours.exclusions)
    assert n_excluded == trial(case).design.n_subjects - sum(counts.values())


@pytest.mark.parametrize(("case", "key"), fit_keys())
def test_effects(case, key):
    ours = fit(case, key)
    r = expected(case)["fits"][key]
    # summary(contrast(emmeans(m, ~ diet + exercise), FACTORIAL), infer = TRUE), or
    # summary(contrast(emmeans(m, ~ arm), "trt.vs.ctrl"), infer = TRUE, adjust = "none")
    assert len(ours.effects) == len(vec(r["effects"]["estimate"]))
    check_inference(ours.effects, r["effects"])
    expected_terms = [
        c.replace("(diet+exercise)", "diet+exercise").replace(" - ", " vs ")
        for c in np.atleast_1d(r["effects"]["contrast"])
    ]
    assert ours.effects["term"].tolist() == expected_terms
    if "effects_response" in r:
        # summary(..., type = "response"): ratio of geometric means and its limits
        close(ours.effects["ratio"], r["effects_response"]["ratio"])
        close(ours.effects["ratio_low"], r["effects_response"]["lower.CL"])
        close(ours.effects["ratio_high"], r["effects_response"]["upper.CL"])


@pytest.mark.parametrize(("case", "key"), fit_keys())
def test_arm_means(case, key):
    ours = fit(case, key)
    r = expected(case)["fits"][key]
    means = ours.means.loc[np.isfinite(ours.means["estimate"])]
    # summary(emmeans(m, ~ diet + exercise), infer = TRUE), or emmeans(m, ~ arm)
    check_inference(means, r["arm_means"], tests=False)
    if "arm_means_response" in r:
        # summary(emmeans(m, ~ diet + exercise), type = "response"): geometric means
        close(means["response"], r["arm_means_response"]["response"])
        close(means["response_low"], r["arm_means_response"]["lower.CL"])
    if "arm_means_proportional" in r:
        # emmeans(m, ~ diet + exercise, weights = "proportional"): over sex by its frequency
        prop = lt.marginal_means(ours, ["diet", "exercise"], weights="proportional")
        check_inference(prop.table, r["arm_means_proportional"], tests=False)


FACTOR_KEYS = [(c, k) for c, k in fit_keys() if not k.startswith("arms")]


@pytest.mark.parametrize(("case", "key"), FACTOR_KEYS)
def test_factor_means_equal_and_proportional(case, key):
    ours = fit(case, key)
    r = expected(case)["fits"][key]
    for factor in ("diet", "exercise"):
        # summary(emmeans(m, ~ diet), infer = TRUE): equal weights over exercise
        rows = ours.factor_means.loc[ours.factor_means["factor"] == factor]
        check_inference(rows, r[f"{factor}_means_equal"], tests=False)
        # emmeans(m, ~ diet, weights = "proportional")
        prop = lt.marginal_means(ours, factor, weights="proportional").table
        check_inference(prop, r[f"{factor}_means_proportional"], tests=False)


@pytest.mark.parametrize(("case", "key"), FACTOR_KEYS)
def test_simple_effects(case, key):
    ours = fit(case, key).simple_effects
    r = expected(case)["fits"][key]
    # summary(contrast(emmeans(m, ~ diet | exercise), "trt.vs.ctrl"), infer = TRUE)
    diet = ours.loc[ours["term"] == "diet"]
    assert diet["at"].tolist() == ["exercise=0", "exercise=1"]
    check_inference(diet, r["simple_diet"])
    # summary(contrast(emmeans(m, ~ exercise | diet), "trt.vs.ctrl"), infer = TRUE)
    check_inference(ours.loc[ours["term"] == "exercise"], r["simple_exercise"])


@pytest.mark.parametrize(("case", "key"), FACTOR_KEYS)
def test_holm_adjusted_factorial_terms(case, key):
    ours = fit(case, key, adjust="holm").effects
    r = expected(case)["fits"][key]["holm"]
    # summary(contrast(em, FACTORIAL), infer = TRUE, adjust = "holm"): Holm p-values,
    # Bonferroni limits
    close(ours["p_adjusted"], r["p.value"])
    close(ours["conf_low_adjusted"], r["lower.CL"])
    close(ours["conf_high_adjusted"], r["upper.CL"])


ARM_KEYS = [(c, k) for c, k in fit_keys() if k.startswith("arms")]


@pytest.mark.parametrize(("case", "key"), ARM_KEYS)
@pytest.mark.parametrize("adjust", ["holm", "bonferroni"])
def test_arm_comparisons_holm_bonferroni(case, key, adjust):
    ours = fit(case, key, adjust=adjust).effects
    r = expected(case)["fits"][key]["adjusted"][adjust]
    # summary(contrast(emmeans(m, ~ arm), "trt.vs.ctrl"), infer = TRUE, adjust = adjust)
    close(ours["p_adjusted"], r["p.value"])
    close(ours["conf_low_adjusted"], r["lower.CL"])
    close(ours["conf_high_adjusted"], r["upper.CL"])
    # the unadjusted columns stay unadjusted
    close(ours["p_value"], expected(case)["fits"][key]["effects"]["p.value"])


@pytest.mark.parametrize(("case", "key"), ARM_KEYS)
def test_arm_comparisons_dunnett(case, key):
    ours = fit(case, key, adjust="dunnett").effects
    r = expected(case)["fits"][key]
    precise = r["dunnett_precise"]
    # 1 - pmvt(-|t|, |t|, df, corr = cov2cor(L V L'), GenzBretz(abseps = 1e-6))
    np.testing.assert_allclose(ours["p_adjusted"], vec(precise["p_value"]), atol=MVT_PRECISE_ATOL)
    # uniroot(pmvt(-c, c, ...) = 0.95): the simultaneous critical value
    crit = (ours["conf_high_adjusted"] - ours["estimate"]) / ours["std_error"]
    np.testing.assert_allclose(crit, precise["critical"], atol=MVT_PRECISE_ATOL)
    # summary(contrast(em, "trt.vs.ctrl"), infer = TRUE, adjust = "mvt") (Monte Carlo)
    mvt = r["adjusted"]["mvt"]
    np.testing.assert_allclose(ours["p_adjusted"], vec(mvt["p.value"]), atol=MVT_EMMEANS_ATOL)
    np.testing.assert_allclose(
        ours["conf_low_adjusted"], vec(mvt["lower.CL"]), atol=MVT_EMMEANS_ATOL
    )


@pytest.mark.parametrize(("case", "key"), fit_keys())
def test_anova_type2_and_type3(case, key):
    ours = fit(case, key)
    r = expected(case)["fits"][key]
    for table, ref in ((ours.anova_type2, r["anova2"]), (ours.anova_type3, r["anova3"])):
        # car::Anova(m, type = 2); car::Anova(lm(..., contrasts = contr.sum), type = 3)
        terms = [t for t in np.atleast_1d(ref["term"]) if t != "Residuals"]
        keep = [i for i, t in enumerate(np.atleast_1d(ref["term"])) if t != "Residuals"]
        mine = table.set_index("term").loc[terms]
        close(mine["sum_sq"], vec(ref["sum_sq"])[keep])
        close(mine["num_df"], vec(ref["df"])[keep])
        close(mine["statistic"], vec(ref["f"])[keep])
        close(mine["p_value"], vec(ref["p"])[keep])
        # the Residuals row: its df are the denominator df
        assert (mine["den_df"] == vec(ref["df"])[-1]).all()


MARGIN_KEYS = [
    (c, k)
    for c, k in fit_keys()
    if k.startswith("margins") and k.replace("margins", "factorial") in expected(c)["fits"]
]


@pytest.mark.parametrize(("case", "key"), MARGIN_KEYS)
def test_interaction_reported_with_margins_estimand(case, key):
    ours = fit(case, key).interaction
    r = expected(case)["fits"][key.replace("margins", "factorial")]["effects"]
    # the diet:exercise row of the factorial model's contrasts
    row = {k: vec(v)[2] for k, v in r.items() if k != "contrast"}
    close(ours["estimate"], row["estimate"])
    close(ours["std_error"], row["SE"])
    close(ours["conf_low"], row["lower.CL"])
    close(ours["p_value"], row["p.value"])


def test_three_arm_case_reports_only_estimable_comparisons():
    ours = fit("ancova_three_arm", "arms/ancova/classical")
    assert ours.effects["term"].tolist() == ["diet vs control", "diet+exercise vs control"]
    assert ours.interaction is None
    assert np.isnan(ours.means.set_index("arm").loc["exercise", "estimate"])
    assert ours.simple_effects.empty
