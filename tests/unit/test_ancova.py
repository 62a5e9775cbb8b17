"""lt.ancova: behaviour, results object and bad input (the numbers against R are in
test_ancova_reference.py)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from tests.tolerances import CLOSED_FORM_RTOL

import lifestyle_trials as lt
from lifestyle_trials.errors import ModelError
from lifestyle_trials.models.ancova import possible_estimands
from lifestyle_trials.models.results import EFFECT_COLUMNS, LinearFit

ARM_CODES = ((0, 0), (1, 0), (0, 1), (1, 1))


def long_table(sizes=(8, 9, 10, 11), seed=5, visits=(0, 6, 12), outcome="homa_ir"):
    """A small trial in long form; the outcome is positive."""
    rng = np.random.default_rng(seed)
    codes = np.repeat(np.arange(4), sizes)
    n = len(codes)
    diet = np.array([ARM_CODES[c][0] for c in codes])
    exercise = np.array([ARM_CODES[c][1] for c in codes])
    base = rng.lognormal(1.0, 0.4, n)
    rows = []
    for v in visits:
        y = base if v == 0 else base * np.exp(-0.2 * diet - 0.1 * exercise + rng.normal(0, 0.3, n))
        rows.append(
            pd.DataFrame(
                {
                    "subject": [f"p{i:02d}" for i in range(n)],
                    "diet": diet,
                    "exercise": exercise,
                    "visit": v,
                    "age": np.round(rng.normal(45, 3, n), 1) if v == 0 else np.nan,
                    outcome: np.round(y, 4),
                }
            )
        )
    table = pd.concat(rows, ignore_index=True)
    table["age"] = table.groupby("subject")["age"].transform("first")
    return table


def trial_of(table, **kw):
    return lt.read_trial(table, **kw)


@pytest.fixture(scope="module")
def trial():
    return trial_of(long_table())


def test_fit_is_a_linear_fit_with_contract_effects(trial):
    fit = lt.ancova(trial, "homa_ir", estimand="factorial")
    assert isinstance(fit, LinearFit)
    assert list(fit.effects.columns) == list(EFFECT_COLUMNS)
    assert fit.effects["term"].tolist() == ["diet", "exercise", "diet:exercise"]
    assert fit.visit == 12.0  # the last visit by default
    with pytest.raises(AttributeError):
        fit.estimand = "arms"  # frozen


def test_agrees_with_statsmodels_ols(trial):
    fit = lt.ancova(trial, "homa_ir", estimand="factorial", visit=6)
    wide = trial.wide("homa_ir")
    subjects = trial.subjects().set_index("subject").loc[wide.index]
    X = pd.DataFrame(
        {
            "const": 1.0,
            "diet": subjects["diet"],
            "exercise": subjects["exercise"],
            "de": subjects["diet"] * subjects["exercise"],
            "baseline": wide[0.0],
        }
    )
    ols = sm.OLS(wide[6.0], X).fit()
    np.testing.assert_allclose(fit.coef["diet:exercise"], ols.params["de"], rtol=CLOSED_FORM_RTOL)
    np.testing.assert_allclose(
        fit.effects.loc[2, "std_error"], ols.bse["de"], rtol=CLOSED_FORM_RTOL
    )
    hc3 = lt.ancova(trial, "homa_ir", estimand="factorial", visit=6, vcov="HC3")
    np.testing.assert_allclose(
        hc3.vcov.to_numpy(),
        ols.get_robustcov_results("HC3").cov_params(),
        rtol=CLOSED_FORM_RTOL,
    )


def test_margins_reports_interaction_from_the_factorial_model(trial):
    margins = lt.ancova(trial, "homa_ir")
    factorial = lt.ancova(trial, "homa_ir", estimand="factorial")
    assert margins.effects["term"].tolist() == ["diet", "exercise"]
    pd.testing.assert_frame_equal(
        margins.interaction, factorial.effects.iloc[[2]].reset_index(drop=True)
    )
    assert "interaction diet:exercise" in margins.summary()
    # the main effects differ: the additive model is another estimand
    assert not np.isclose(margins.effects.loc[0, "estimate"], factorial.effects.loc[0, "estimate"])


def test_arms_of_a_full_trial_equal_factorial_cells(trial):
    arms = lt.ancova(trial, "homa_ir", estimand="arms")
    factorial = lt.ancova(trial, "homa_ir", estimand="factorial")
    np.testing.assert_allclose(
        arms.means["estimate"], factorial.means["estimate"], rtol=CLOSED_FORM_RTOL
    )
    assert arms.effects["term"].tolist() == [
        "diet vs control",
        "exercise vs control",
        "diet+exercise vs control",
    ]
    np.testing.assert_allclose(
        arms.interaction["estimate"], factorial.interaction["estimate"], rtol=CLOSED_FORM_RTOL
    )


def test_log_scale_ratios(trial):
    fit = lt.ancova(trial, "homa_ir", estimand="factorial", log=True)
    assert list(fit.effects.columns[-3:]) == ["ratio", "ratio_low", "ratio_high"]
    np.testing.assert_allclose(fit.effects["ratio"], np.exp(fit.effects["estimate"]))
    assert {"response", "response_low", "response_high"} <= set(fit.means.columns)
    assert "log(homa_ir) ~ baseline + diet * exercise" in fit.summary()


def test_change_and_followup_analyses(trial):
    change = lt.ancova(trial, "homa_ir", estimand="factorial", analysis="change")
    follow = lt.ancova(trial, "homa_ir", estimand="factorial", analysis="followup")
    assert "baseline" not in change.coef.index and "baseline" not in follow.coef.index
    wide = trial.wide("homa_ir")
    subjects = trial.subjects().set_index("subject").loc[wide.index]
    delta = (wide[12.0] - wide[0.0]).groupby(subjects["arm"].to_numpy(), observed=True).mean()
    # a change-score model with the full interaction reproduces the raw mean change per arm
    np.testing.assert_allclose(
        change.means["estimate"], delta.loc[list(lt.ARMS)].to_numpy(), rtol=CLOSED_FORM_RTOL
    )
    assert change.formula == "homa_ir - homa_ir_0 ~ diet * exercise"
    assert follow.formula == "homa_ir ~ diet * exercise"


def test_adjusted_arm_comparisons_add_columns(trial):
    fit = lt.ancova(trial, "homa_ir", estimand="arms", adjust="bonferroni")
    assert {"p_adjusted", "conf_low_adjusted", "conf_high_adjusted"} <= set(fit.effects.columns)
    np.testing.assert_allclose(
        fit.effects["p_adjusted"], np.minimum(1, 3 * fit.effects["p_value"]), rtol=1e-12
    )


def test_simple_effects_and_factor_means(trial):
    fit = lt.ancova(trial, "homa_ir", estimand="factorial")
    simple = fit.simple_effects.set_index(["term", "at"])
    means = fit.means.set_index("arm")["estimate"]
    np.testing.assert_allclose(
        simple.loc[("diet", "exercise=1"), "estimate"],
        means["diet+exercise"] - means["exercise"],
        rtol=CLOSED_FORM_RTOL,
    )
    diet_means = fit.factor_means.loc[fit.factor_means["factor"] == "diet", "estimate"]
    np.testing.assert_allclose(
        diet_means.diff().iloc[1], fit.effects.loc[0, "estimate"], rtol=CLOSED_FORM_RTOL
    )


def test_covariates_numeric_and_categorical():
    table = long_table(seed=9)
    table["sex"] = np.where(table["subject"].str[-1].isin(list("02468")), "F", "M")
    fit = lt.ancova(trial_of(table), "homa_ir", covariates=("age", "sex"))
    assert {"age", "sex[M]"} <= set(fit.coef.index)
    assert fit.grid_variables["sex"] == ("F", "M")
    np.testing.assert_allclose(fit.grid_variables["age"][0], table["age"].mean() * 1.0)


def test_exclusions_are_counted_with_reasons():
    table = long_table()
    table.loc[(table["subject"] == "p03") & (table["visit"] == 0), "homa_ir"] = np.nan
    table.loc[(table["subject"].isin(["p10", "p11"])) & (table["visit"] == 12), "homa_ir"] = np.nan
    fit = lt.ancova(trial_of(table), "homa_ir")
    reasons = {e.reason: e.subjects for e in fit.exclusions}
    assert reasons == {
        "no baseline value of homa_ir": ("p03",),
        "no value of homa_ir at visit 12": ("p10", "p11"),
    }
    assert sum(fit.n_analysed.values()) == sum(fit.n_randomised.values()) - 3
    assert "excluded 2: no value of homa_ir at visit 12" in fit.summary()


def test_to_dict_is_json(trial):
    fit = lt.ancova(trial, "homa_ir", estimand="arms", log=True, adjust="holm")
    text = json.dumps(fit.to_dict(), allow_nan=False)
    back = json.loads(text)
    assert back["estimand"] == "arms" and back["effects"][0]["term"] == "diet vs control"
    assert back["n_analysed"] == {"control": 8, "diet": 9, "exercise": 10, "diet+exercise": 11}


def test_summary_text(trial):
    text = lt.ancova(trial, "homa_ir", estimand="factorial").summary()
    assert text.startswith("ANCOVA of homa_ir at visit 12")
    assert "type III tests (sum-to-zero contrasts):" in text
    assert "control 8/8" in text


def test_possible_estimands():
    assert possible_estimands(lt.ARMS) == ("margins", "factorial", "arms")
    assert possible_estimands(["control", "diet", "exercise"]) == ("arms",)
    assert possible_estimands(["diet", "exercise", "diet+exercise"]) == ()
    assert possible_estimands(["control", "diet+exercise"]) == ("arms",)
    assert possible_estimands(["diet", "exercise"]) == ()


def test_three_arm_trial():
    table = long_table(sizes=(8, 9, 0, 11))
    trial = trial_of(table)
    fit = lt.ancova(trial, "homa_ir", estimand="arms")
    assert fit.effects["term"].tolist() == ["diet vs control", "diet+exercise vs control"]
    # the default estimand of a trial without the four arms: each arm against control
    pd.testing.assert_frame_equal(lt.ancova(trial, "homa_ir").effects, fit.effects)
    # the main effects of the 2 × 2 are not estimated from three arms (never relabelled)
    for estimand in ("margins", "factorial"):
        with pytest.raises(ModelError, match="needs subjects in all four arms.*possible: 'arms'"):
            lt.ancova(trial, "homa_ir", estimand=estimand)


# -- bad input ------------------------------------------------------------------------------------


def test_outcome_not_in_trial(trial):
    with pytest.raises(ModelError, match="outcome 'insulin' is not in the trial.*homa_ir"):
        lt.ancova(trial, "insulin")


def test_visit_that_does_not_exist(trial):
    with pytest.raises(ModelError, match="visit 9 is not in the trial; its visits are 0, 6, 12"):
        lt.ancova(trial, "homa_ir", visit=9)
    with pytest.raises(ModelError, match="after the baseline visit 0"):
        lt.ancova(trial, "homa_ir", visit=0)


def test_empty_design_cell_names_the_arm_and_what_remains():
    table = long_table()
    exercise_only = table["subject"].isin([f"p{i:02d}" for i in range(17, 27)])
    table.loc[exercise_only & (table["visit"] == 12), "homa_ir"] = np.nan
    with pytest.raises(ModelError) as info:
        lt.ancova(trial_of(table), "homa_ir", estimand="factorial")
    message = str(info.value)
    assert "needs subjects in all four arms" in message
    assert "has none in exercise" in message
    assert "estimands still possible: 'arms'" in message


def test_fewer_subjects_than_parameters():
    table = long_table(sizes=(1, 1, 1, 2))
    with pytest.raises(ModelError, match="5 subjects analysed .* 5 parameters.*at least 6"):
        lt.ancova(trial_of(table), "homa_ir", estimand="factorial")


def test_log_of_non_positive_value_names_subjects():
    table = long_table(outcome="score")
    table.loc[(table["subject"] == "p05") & (table["visit"] == 12), "score"] = 0.0
    table.loc[(table["subject"] == "p07") & (table["visit"] == 0), "score"] = -1.0
    with pytest.raises(ModelError, match="subject\\(s\\) p05, p07 have values <= 0"):
        lt.ancova(trial_of(table, outcomes=["score"]), "score", log=True)


def test_constant_outcome():
    table = long_table()
    table.loc[table["visit"] == 12, "homa_ir"] = 2.5
    with pytest.raises(ModelError, match="homa_ir is constant \\(2.5\\) in all 38 analysed"):
        lt.ancova(trial_of(table), "homa_ir")


def test_constant_baseline_is_collinear():
    table = long_table()
    table.loc[table["visit"] == 0, "homa_ir"] = 3.0
    with pytest.raises(ModelError, match="term 'baseline' is constant or a linear combination"):
        lt.ancova(trial_of(table), "homa_ir")


def test_hc3_with_a_subject_alone_in_its_arm():
    table = long_table(sizes=(8, 9, 10, 1))
    with pytest.raises(ModelError, match="leverage below 1"):
        lt.ancova(trial_of(table), "homa_ir", estimand="factorial", vcov="HC3")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"estimand": "interaction"}, "unknown estimand 'interaction'"),
        ({"analysis": "anova"}, "unknown analysis 'anova'"),
        ({"vcov": "HC1"}, "unknown vcov 'HC1'"),
        ({"adjust": "tukey"}, "unknown adjustment 'tukey'"),
        ({"level": 95}, "level must be between 0 and 1"),
        ({"covariates": ("bmi",)}, "covariate\\(s\\) 'bmi' not in the trial"),
    ],
)
def test_bad_arguments(trial, kwargs, message):
    with pytest.raises(ModelError, match=message):
        lt.ancova(trial, "homa_ir", **kwargs)
