"""Trial presets of lt.mmrm and lt.lmm for any set of arms.

Two-arm and three-arm trials against R mmrm + emmeans (tests/reference/mmrm_formula_arms); a
trial without a baseline measurement against the closed form of a saturated means model;
covariates by visit; the estimands the arms support.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from tests.tolerances import CLOSED_FORM_RTOL, DF_EXACT_RTOL, LOGLIK_RTOL, REML_RTOL

import lifestyle_trials as lt
from lifestyle_trials import ModelError

CASE = Path(__file__).resolve().parents[1] / "reference" / "mmrm_formula_arms"


@cache
def expected() -> dict[str, Any]:
    return json.loads((CASE / "expected.json").read_text())


def trial_of(arms: tuple[str, ...]) -> lt.Trial:
    data = pd.read_csv(CASE / "data.csv")
    arm = np.array(lt.ARMS)[data["diet"] + 2 * data["exercise"]]
    return lt.read_trial(data[np.isin(arm, arms)], outcomes=["homa_ir"])


def canonical(name: str) -> str:
    return ":".join(sorted(name.split(":")))


@pytest.mark.parametrize("key", ["three_arms", "two_arms"])
def test_arms_preset_equals_r_mmrm(key: str) -> None:
    ref = expected()[key]
    fit = lt.mmrm(trial_of(tuple(ref["arms"])), "homa_ir")
    assert fit.estimand == "arms"
    assert fit.n_subjects == ref["n_subjects"]
    # logLik(fit)
    np.testing.assert_allclose(fit.loglik, ref["loglik"], rtol=LOGLIK_RTOL)
    # summary(fit)$coefficients; within an interaction R names the variables in the order
    # they first appear in the formula (visit6:armdiet), lifestyle-trials as the term is
    # written (armdiet:visit6)
    coef = fit.coefficients.set_index(fit.coefficients["term"].map(canonical))
    r = pd.DataFrame(ref["coef"])
    r.index = pd.Index([canonical(t) for t in ref["coef"]["term"]])
    assert sorted(coef.index) == sorted(r.index)
    r = r.loc[coef.index]
    np.testing.assert_allclose(coef["estimate"], r["estimate"], rtol=REML_RTOL)
    np.testing.assert_allclose(coef["std_error"], r["std_error"], rtol=REML_RTOL)
    np.testing.assert_allclose(coef["df"], r["df"], rtol=DF_EXACT_RTOL)
    # summary(contrast(emmeans(fit, ~ arm | visit), "trt.vs.ctrl")), ordered by visit
    con = pd.DataFrame(ref["contrasts"])
    # emmeans writes "(diet+exercise) - control"
    con["term"] = (
        con["contrast"].str.replace(" - ", " vs ", regex=False).str.replace(r"[()]", "", regex=True)
    )
    ours = fit.effects.merge(con, on=["term", "visit"], suffixes=("", "_r"))
    assert len(ours) == len(fit.effects) == len(con)
    np.testing.assert_allclose(ours["estimate"], ours["estimate_r"], rtol=REML_RTOL)
    np.testing.assert_allclose(ours["std_error"], ours["std_error_r"], rtol=REML_RTOL)
    np.testing.assert_allclose(ours["df"], ours["df_r"], rtol=DF_EXACT_RTOL)
    # summary(emmeans(fit, ~ arm | visit)): baseline at its mean over analysed rows in emmeans,
    # over subjects here; the arm differences above do not depend on it, the means do
    means = fit.means.merge(pd.DataFrame(ref["means"]), on=["arm", "visit"], suffixes=("", "_r"))
    assert len(means) == len(fit.means)
    np.testing.assert_allclose(means["std_error"], means["std_error_r"], rtol=0.05)


def test_trial_without_baseline_is_a_saturated_means_model() -> None:
    """weightloss: complete, no baseline. With an unstructured covariance and arm × visit
    means the REML fit is closed form: each effect is a difference of arm means at the
    visit, its variance the pooled within-arm variance (N - k df) times 1/n_a + 1/n_0."""
    trial = lt.load_dataset("weightloss")
    fit = lt.mmrm(trial, "weight_loss")
    assert fit.estimand == "arms"
    assert "baseline" not in fit.formula
    wide = trial.wide("weight_loss")[[1.0, 2.0, 3.0]]
    arm = trial.subjects().set_index("subject").loc[wide.index, "arm"].astype(str)
    means = wide.groupby(arm.to_numpy()).mean()
    resid = wide - means.loc[arm.to_numpy()].to_numpy()
    n = arm.value_counts()
    k = len(n)
    pooled = (resid**2).sum() / (len(wide) - k)
    for term, visit, estimate, se, df in fit.effects[
        ["term", "visit", "estimate", "std_error", "df"]
    ].itertuples(index=False):
        treated = term.removesuffix(" vs control")
        np.testing.assert_allclose(
            estimate, means.loc[treated, visit] - means.loc["control", visit], rtol=1e-9
        )
        var = pooled[visit] * (1 / n[treated] + 1 / n["control"])
        np.testing.assert_allclose(se, np.sqrt(var), rtol=REML_RTOL)
        np.testing.assert_allclose(df, len(wide) - k, rtol=DF_EXACT_RTOL)


def test_four_arms_compared_with_control_equal_the_factorial_cells() -> None:
    trial = trial_of(lt.ARMS)
    factorial = lt.mmrm(trial, "homa_ir")
    arms = lt.mmrm(trial, "homa_ir", estimand="arms")
    assert factorial.estimand == "factorial" and arms.estimand == "arms"
    # the same model (arm × visit spans diet × exercise × visit): same likelihood, and each
    # arm against control equals the contrast of the factorial model's cell means
    np.testing.assert_allclose(arms.loglik, factorial.loglik, rtol=1e-9)
    cells = lt.marginal_means(factorial, ["diet", "exercise"], by="visit")
    expected = lt.contrast(cells, "trt.vs.ctrl").table
    ours = arms.effects.merge(expected, on=["term", "visit"], suffixes=("", "_f"))
    assert len(ours) == len(arms.effects) == 3 * len(arms.visits)
    np.testing.assert_allclose(ours["estimate"], ours["estimate_f"], rtol=1e-7)
    np.testing.assert_allclose(ours["std_error"], ours["std_error_f"], rtol=1e-6)


def test_estimands_the_arms_cannot_support_are_refused() -> None:
    three = trial_of(("control", "diet", "diet+exercise"))
    with pytest.raises(ModelError, match="factorial estimand needs analysed subjects in all four"):
        lt.mmrm(three, "homa_ir", estimand="factorial")
    with pytest.raises(ModelError, match="estimand must be one of factorial, arms"):
        lt.mmrm(three, "homa_ir", estimand="margins")
    no_control = trial_of(("diet", "exercise", "diet+exercise"))
    with pytest.raises(ModelError, match="control arm"):
        lt.lmm(no_control, "homa_ir")


def test_covariates_by_visit() -> None:
    data = pd.read_csv(CASE / "data.csv")
    rng = np.random.default_rng(5)
    subjects = data["subject"].unique()
    site = dict(zip(subjects, rng.choice(["north", "south"], len(subjects)), strict=True))
    data["site"] = data["subject"].map(site)
    trial = lt.read_trial(data, outcomes=["homa_ir"], covariates=["site"])
    fit = lt.mmrm(trial, "homa_ir", covariates_by_visit=("site",))
    assert "sitesouth:visit12" in fit.coef.index
    assert "site:visit" in set(fit.tests["term"])
    # without the interaction: a different model
    plain = lt.mmrm(trial, "homa_ir", covariates=("site",))
    assert "sitesouth:visit12" not in plain.coef.index
    assert fit.loglik != plain.loglik


def test_lmm_preset_on_three_arms() -> None:
    fit = lt.lmm(trial_of(("control", "diet", "diet+exercise")), "homa_ir")
    assert set(fit.effects["term"]) == {"diet vs control", "diet+exercise vs control"}
    assert list(fit.means["arm"].unique()) == ["control", "diet", "diet+exercise"]


def test_tables_are_built_on_first_use() -> None:
    fit = lt.mmrm(trial_of(lt.ARMS), "homa_ir")
    assert "effects" not in vars(fit) and "tests" not in vars(fit)
    effects = fit.effects
    assert "effects" in vars(fit) and fit.effects is effects
    assert "tests" not in vars(fit)
    np.testing.assert_allclose(
        fit.to_dict()["effects"][0]["estimate"], effects["estimate"].iloc[0], rtol=CLOSED_FORM_RTOL
    )


def test_baseline_as_response_equals_ancova_estimates_with_complete_data() -> None:
    """cLDA with every subject complete: the treatment estimates equal ANCOVA's (Liang &
    Zeger 2000; Lu 2010, doi:10.1111/j.1541-0420.2009.01332.x), the baseline mean is
    common to the arms, and the standard errors are close to ANCOVA's (they differ by the
    estimated rather than conditional baseline variance)."""
    trial = lt.load_dataset("anorexia")
    clda = lt.mmrm(trial, "weight", baseline="response")
    ancova = lt.ancova(trial, "weight", estimand="arms")
    assert "baseline" not in clda.coef.index and "visit1" in clda.coef.index
    assert not any(name.endswith(":visit0") for name in clda.coef.index)
    ours = clda.effects.set_index("term")
    theirs = ancova.effects.set_index("term")
    np.testing.assert_allclose(
        ours.loc[theirs.index, "estimate"], theirs["estimate"], rtol=REML_RTOL
    )
    np.testing.assert_allclose(ours.loc[theirs.index, "std_error"], theirs["std_error"], rtol=0.05)
    at_baseline = clda.means[clda.means["visit"] == 0.0]["estimate"]
    np.testing.assert_allclose(at_baseline, at_baseline.iloc[0], rtol=1e-12)
    assert list(clda.effects["visit"].unique()) == [1.0]


def test_baseline_as_response_keeps_every_subject_with_a_value() -> None:
    trial = trial_of(lt.ARMS)
    covariate = lt.mmrm(trial, "homa_ir")
    clda = lt.mmrm(trial, "homa_ir", baseline="response", estimand="factorial")
    # subjects without a baseline value, or with nothing after it, are kept by cLDA
    reasons = {e.reason for e in covariate.exclusions}
    assert reasons == {"no baseline value of homa_ir", "no value of homa_ir after baseline"}
    dropped = sum(e.n_subjects for e in covariate.exclusions)
    assert clda.exclusions == ()
    assert clda.n_subjects == covariate.n_subjects + dropped
    assert set(clda.effects["visit"]) == set(covariate.effects["visit"])
    np.testing.assert_allclose(clda.effects["estimate"], covariate.effects["estimate"], atol=0.05)


def test_the_preset_and_its_formula_are_one_model() -> None:
    """The preset is a formula through the same builder: written out by hand over the
    analysis set, the formula interface gives the same fit."""
    from lifestyle_trials.models.presets import visit_preset

    trial = trial_of(("control", "diet", "diet+exercise"))
    fit = lt.mmrm(trial, "homa_ir", covariance="ar1")
    frame = visit_preset(trial, "homa_ir").frame
    by_hand = lt.mmrm(frame, formula="y ~ baseline * visit + arm * visit + ar1(visit | subject)")
    assert by_hand.coef.index.tolist() == fit.coef.index.tolist()
    np.testing.assert_allclose(by_hand.loglik, fit.loglik, rtol=1e-12)
    np.testing.assert_allclose(by_hand.coef, fit.coef, rtol=1e-10)
    means = lt.marginal_means(by_hand, "arm", by="visit")
    effects = lt.contrast(means, "trt.vs.ctrl").table
    # the preset holds baseline at its mean over subjects, a formula over rows (as emmeans):
    # the arm differences do not depend on it
    np.testing.assert_allclose(
        np.sort(effects["estimate"]), np.sort(fit.effects["estimate"]), rtol=1e-9
    )
