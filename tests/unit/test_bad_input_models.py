"""Bad input reaching the models: infinite values written into a Trial, constant outcomes,
one subject per arm, non-finite values at the solver, covariates given as one name."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import lifestyle_trials as lt
from lifestyle_trials.models.engine.ols import least_squares


def trial(n_per_arm: int = 4, visits=(0, 6, 12), seed: int = 3) -> lt.Trial:
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(4 * n_per_arm):
        arm = s % 4
        base = rng.normal(3.0, 0.5)
        for v in visits:
            rows.append(
                {
                    "subject": f"s{s:02d}",
                    "diet": arm % 2,
                    "exercise": arm // 2,
                    "visit": v,
                    "age": 40.0 + s,
                    "homa_ir": base + rng.normal(0, 0.3) - 0.02 * v * (arm > 0),
                }
            )
    return lt.read_trial(pd.DataFrame(rows), covariates=["age"])


def with_values(t: lt.Trial, column: str, rows, value) -> lt.Trial:
    data = t.data.copy()
    data.loc[list(rows), column] = value
    return replace(t, data=data)


@pytest.mark.parametrize("value", [np.inf, -np.inf])
def test_infinite_outcome_written_into_a_trial_is_refused_by_mmrm_and_ancova(value):
    t = with_values(trial(), "homa_ir", [4], value)
    subject = t.data.loc[4, "subject"]
    for fit in (lambda: lt.mmrm(t, "homa_ir"), lambda: lt.ancova(t, "homa_ir")):
        with pytest.raises(lt.ModelError) as info:
            fit()
        message = str(info.value)
        assert f"subject {subject} visit" in message and "homa_ir" in message
        assert "set them to NaN" in message


def test_infinite_baseline_is_refused_not_used():
    t = with_values(trial(), "homa_ir", [0], np.inf)
    with pytest.raises(lt.ModelError, match=r"subject s00 visit 0"):
        lt.ancova(t, "homa_ir")


def test_infinite_covariate_is_refused():
    t = with_values(trial(), "age", [0, 1, 2], np.inf)
    with pytest.raises(lt.ModelError, match=r"age: infinite .*subject s00"):
        lt.ancova(t, "homa_ir", covariates="age")


def test_constant_outcome_in_mmrm_is_named_as_such():
    t = trial()
    t = replace(t, data=t.data.assign(homa_ir=2.5))
    with pytest.raises(lt.ModelError) as info:
        lt.mmrm(t, "homa_ir")
    message = str(info.value)
    assert "homa_ir is constant (2.5)" in message and "nothing to model" in message
    assert "converge" not in message


def test_mixed_anova_with_a_constant_outcome_is_refused():
    t = trial()
    t = replace(t, data=t.data.assign(homa_ir=2.5))
    with pytest.raises(lt.ModelError, match=r"homa_ir is constant \(2.5"):
        lt.mixed_anova(t, "homa_ir")


def test_mixed_anova_with_one_subject_per_arm_is_refused():
    with pytest.raises(lt.ModelError) as info:
        lt.mixed_anova(trial(n_per_arm=1), "homa_ir")
    message = str(info.value)
    assert "one subject per arm" in message and "4 subject(s) in 4 arms" in message


def test_mixed_anova_refuses_infinite_values():
    t = with_values(trial(), "homa_ir", [4], np.inf)
    with pytest.raises(lt.ModelError, match="homa_ir: infinite value.*s01"):
        lt.mixed_anova(t, "homa_ir")


def test_one_subject_per_arm_in_ancova_does_not_blame_covariates():
    with pytest.raises(lt.ModelError) as info:
        lt.ancova(trial(n_per_arm=1), "homa_ir", estimand="arms")
    message = str(info.value)
    assert "per arm: control 1, diet 1, exercise 1, diet+exercise 1" in message
    assert "no covariate to remove" in message and "fewer covariates" not in message
    with pytest.raises(lt.ModelError, match="fewer covariates"):
        lt.ancova(trial(n_per_arm=1), "homa_ir", estimand="arms", covariates=["age"])


def test_covariates_given_as_one_name_are_one_covariate():
    t = trial()
    fit = lt.ancova(t, "homa_ir", covariates="age")
    assert fit.covariates == ("age",)
    with pytest.raises(lt.ModelError, match="covariates must be column names"):
        lt.ancova(t, "homa_ir", covariates=[3])


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_least_squares_refuses_non_finite_values_naming_the_term(bad):
    X = np.column_stack([np.ones(6), np.arange(6.0)])
    y = np.array([1.0, 2.1, 2.9, 4.2, 5.0, 6.1])
    X[3, 1] = bad
    with pytest.raises(lt.ModelError, match=r"slope: 1 value\(s\) .*positions 3"):
        least_squares(X, y, ["intercept", "slope"])
    X[3, 1] = 3.0
    y[2] = bad
    with pytest.raises(lt.ModelError, match="the outcome: 1 value"):
        least_squares(X, y, ["intercept", "slope"])
