"""The MMRM result: table shapes, the LinearFit protocol, summary and to_dict."""

from __future__ import annotations

import json
from functools import cache

import numpy as np
import pytest
from tests.reference.mmrm_checks import load_case

import lifestyle_trials as lt
from lifestyle_trials.models.results import EFFECT_COLUMNS, RATIO_COLUMNS, LinearFit


@cache
def fit(**options) -> lt.MMRMResult:
    trial, _ = load_case("mmrm_log")
    return lt.mmrm(trial, "homa_ir", log=True, **options)


def test_effects_table_follows_the_contract() -> None:
    effects = fit().effects
    expected = [EFFECT_COLUMNS[0], "visit", *EFFECT_COLUMNS[1:], *RATIO_COLUMNS]
    assert list(effects.columns) == expected
    assert list(effects["term"].unique()) == ["diet", "exercise", "diet:exercise"]
    assert sorted(effects["visit"].unique()) == [3.0, 6.0, 12.0]
    np.testing.assert_allclose(effects["ratio"], np.exp(effects["estimate"]))
    inside = (effects["conf_low"] < effects["estimate"]) & (
        effects["estimate"] < effects["conf_high"]
    )
    assert inside.all()


def test_means_by_arm_and_visit() -> None:
    means = fit().means
    assert list(means.columns[:4]) == ["arm", "diet", "exercise", "visit"]
    assert len(means) == 4 * 3
    assert list(means["arm"][:4]) == ["control", "diet", "exercise", "diet+exercise"]
    # the effects are contrasts of these means: diet at 12 months
    at12 = means[means["visit"] == 12.0].set_index("arm")["estimate"]
    diet = 0.5 * (at12["diet"] + at12["diet+exercise"] - at12["control"] - at12["exercise"])
    row = fit().effects.query("term == 'diet' and visit == 12.0")
    np.testing.assert_allclose(row["estimate"], diet, rtol=1e-12)


def test_is_a_linear_fit_for_marginal_means() -> None:
    result = fit()
    assert isinstance(result, LinearFit)
    by_diet = lt.marginal_means(result, "diet", by="visit")
    assert len(by_diet.table) == 6
    assert np.all(np.isfinite(by_diet.table["df"]))
    assert result.grid_counts["n"].sum() == result.n_obs


def test_empirical_f_test_of_one_contrast_is_the_squared_t_test() -> None:
    result = fit(vcov="empirical")
    arms = lt.marginal_means(result, ["diet", "exercise"], by="visit")
    contrasts = lt.contrast(arms, "factorial")
    row = contrasts.table.iloc[0]
    f, q, den, p = result.f_test(contrasts.linfct[:1])
    assert q == 1
    np.testing.assert_allclose(f, row["statistic"] ** 2, rtol=1e-10)
    np.testing.assert_allclose(den, row["df"], rtol=1e-10)


def test_summary_and_to_dict() -> None:
    result = fit()
    text = result.summary()
    assert text.startswith("MMRM of homa_ir (log scale)")
    assert "Type III tests:" in text
    assert ("Not analysed:" in text) == bool(result.exclusions)
    out = result.to_dict()
    json.dumps(out)  # JSON-ready
    assert out["covariance"] == "us" and out["method"] == "REML"
    assert len(out["effects"]) == 9
    assert np.asarray(out["sigma"]["values"]).shape == (3, 3)
    assert out["convergence"]["converged"] is True
    # every float survives the round trip through JSON exactly
    back = json.loads(json.dumps(out))
    assert [r["estimate"] for r in back["effects"]] == result.effects["estimate"].tolist()
    assert [r["std_error"] for r in back["effects"]] == result.effects["std_error"].tolist()


def test_rebuilt_result_without_its_fit_says_so() -> None:
    import dataclasses

    bare = dataclasses.replace(fit(), _fit=None)
    with pytest.raises(AttributeError, match="without its fit"):
        bare.contrast_df(np.eye(1, len(bare.coef)))
