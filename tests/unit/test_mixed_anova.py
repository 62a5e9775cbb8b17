"""lt.mixed_anova against R's afex::aov_ez (car's univariate tests and sphericity corrections)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tests.reference.mmrm_checks import load_case
from tests.reference.mmrm_simulate import simulate
from tests.tolerances import CLOSED_FORM_RTOL

import lifestyle_trials as lt
from lifestyle_trials import ModelError


@pytest.mark.parametrize(
    ("case", "log"), [("mixed_anova_balanced", False), ("mixed_anova_missing", True)]
)
def test_equals_afex(case: str, log: bool) -> None:
    trial, exp = load_case(case)
    aov = lt.mixed_anova(trial, "homa_ir", log=log)
    table = aov.table
    assert list(table["term"]) == exp["term"]
    # summary(aov_ez(..., type = 2)$Anova, multivariate = FALSE)$univariate.tests
    np.testing.assert_allclose(table["sum_sq"], exp["sum_sq"], rtol=CLOSED_FORM_RTOL)
    np.testing.assert_array_equal(table["num_df"], exp["num_df"])
    np.testing.assert_array_equal(table["den_df"], exp["den_df"])
    np.testing.assert_allclose(table["statistic"], exp["statistic"], rtol=CLOSED_FORM_RTOL)
    np.testing.assert_allclose(table["p_value"], exp["p_value"], rtol=CLOSED_FORM_RTOL)
    # $pval.adjustments: GG and HF epsilon and corrected p-values (within-subject terms)
    within = table.iloc[1:]
    np.testing.assert_allclose(within["eps_gg"], exp["eps_gg"], rtol=CLOSED_FORM_RTOL)
    np.testing.assert_allclose(within["p_value_gg"], exp["p_value_gg"], rtol=CLOSED_FORM_RTOL)
    np.testing.assert_allclose(within["eps_hf"], np.minimum(exp["eps_hf"], 1.0), rtol=1e-8)
    np.testing.assert_allclose(within["p_value_hf"], exp["p_value_hf"], rtol=CLOSED_FORM_RTOL)
    assert table.loc[0, ["eps_gg", "p_value_gg", "eps_hf", "p_value_hf"]].isna().all()
    # $sphericity.tests: Mauchly's W and p
    np.testing.assert_allclose(
        aov.sphericity.iloc[0].to_numpy(dtype=float), exp["mauchly"], rtol=CLOSED_FORM_RTOL
    )
    assert aov.n["analysed"].sum() == exp["n_complete"]


def test_incomplete_subjects_are_counted_and_type3_differs_only_for_visit() -> None:
    trial, exp = load_case("mixed_anova_missing")
    aov = lt.mixed_anova(trial, "homa_ir", log=True)
    (excluded,) = aov.exclusions
    assert excluded.n_subjects == trial.design.n_subjects - exp["n_complete"] == 15
    assert "complete cases only" in excluded.reason
    # unequal arms: afex's type III table differs from type II for visit only
    type3 = pd.DataFrame(exp["type3"]).set_index("term")
    ours = aov.table.set_index("term")
    for term in ("arm", "arm:visit"):
        np.testing.assert_allclose(
            ours.loc[term, "statistic"], type3.loc[term, "statistic"], rtol=CLOSED_FORM_RTOL
        )
    assert abs(ours.loc["visit", "statistic"] / type3.loc["visit", "statistic"] - 1) > 1e-3


def test_bad_input() -> None:
    trial, _ = load_case("mixed_anova_balanced")
    with pytest.raises(ModelError, match="outcome 'glucose' is not in the trial"):
        lt.mixed_anova(trial, "glucose")
    baseline_only = simulate(1, n_per_arm=(5, 5, 5, 5), visits=(0, 12)).query("visit == 0")
    one = lt.read_trial(baseline_only, outcomes=["homa_ir"])
    with pytest.raises(ModelError, match="at least two visits"):
        lt.mixed_anova(one, "homa_ir")
    data = simulate(2, n_per_arm=(5, 5, 5, 5), dropout=0.99)
    with pytest.raises(ModelError, match="complete cases in at least two arms.*lt.mmrm"):
        lt.mixed_anova(lt.read_trial(data, outcomes=["homa_ir"]), "homa_ir")
    data = simulate(3, n_per_arm=(5, 5, 5, 5)).rename(columns={"homa_ir": "score"})
    data.loc[3, "score"] = 0.0
    with pytest.raises(ModelError, match="log=True needs positive values of score"):
        lt.mixed_anova(lt.read_trial(data, outcomes=["score"]), "score", log=True)


def test_summary_points_to_mmrm() -> None:
    trial, _ = load_case("mixed_anova_missing")
    aov = lt.mixed_anova(trial, "homa_ir", log=True)
    assert "prefer it" in aov.summary()
    out = aov.to_dict()
    assert [row["term"] for row in out["table"]] == ["arm", "visit", "arm:visit"]


def test_two_visits_equal_afex_without_sphericity() -> None:
    trial, exp = load_case("mixed_anova_two_visits")
    aov = lt.mixed_anova(trial, "homa_ir")
    table = aov.table
    # summary(aov_ez(..., type = 2)$Anova, multivariate = FALSE)$univariate.tests
    np.testing.assert_allclose(table["sum_sq"], exp["sum_sq"], rtol=CLOSED_FORM_RTOL)
    np.testing.assert_array_equal(table["den_df"], exp["den_df"])
    np.testing.assert_allclose(table["statistic"], exp["statistic"], rtol=CLOSED_FORM_RTOL)
    np.testing.assert_allclose(table["p_value"], exp["p_value"], rtol=CLOSED_FORM_RTOL)
    # anova(lm(change ~ arm)): with two visits arm x visit is the one-way ANOVA of the change
    np.testing.assert_allclose(table["statistic"].iloc[2], exp["change_anova_f"], rtol=1e-8)
    # no sphericity to test with two visits
    assert aov.sphericity.isna().all(axis=None)
    assert aov.n["analysed"].sum() == exp["n_complete"] < trial.design.n_subjects
