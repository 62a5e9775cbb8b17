"""Degrees of freedom of MMRM contrasts: identities that hold exactly.

With complete balanced data, an unstructured covariance and the same design at every visit,
GLS is least squares visit by visit (Zellner 1962), and a contrast at one visit has exactly
``n - p`` df (``p`` coefficients per visit) by Satterthwaite and by Kenward-Roger; the
Kenward-Roger F test of a term over ``q`` visit contrasts reproduces Hotelling's T²:
``F(q, n - p - q + 1)`` with the Wald statistic scaled by ``(n - p - q + 1) / (n - p)``
(Kenward & Roger 1997, section 4). With one visit everything reduces to least squares.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lifestyle_trials as lt
from lifestyle_trials.models.engine.satterthwaite import combine_f_df, satterthwaite_df
from lifestyle_trials.models.marginal import contrast, marginal_means

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
P_PER_VISIT = 5  # intercept, baseline, diet, exercise, diet:exercise


@cache
def balanced() -> lt.Trial:
    data = pd.read_csv(REFERENCE / "mmrm_balanced" / "data.csv")
    return lt.read_trial(data, outcomes=["homa_ir"])


@cache
def one_visit() -> lt.Trial:
    data = pd.read_csv(REFERENCE / "mmrm_onevisit" / "data.csv")
    return lt.read_trial(data, outcomes=["homa_ir"], covariates=["age", "sex"])


@cache
def fit(df_method: str, trial: str = "balanced", **options) -> lt.MMRMResult:
    data = balanced() if trial == "balanced" else one_visit()
    covs = ("age", "sex") if trial == "one_visit" else ()
    return lt.mmrm(data, "homa_ir", df_method=df_method, covariates=covs, **options)


@pytest.mark.parametrize("df_method", ["satterthwaite", "kenward-roger"])
def test_single_visit_contrasts_have_n_minus_p_df(df_method: str) -> None:
    result = fit(df_method)
    n = result.n_subjects
    np.testing.assert_allclose(result.effects["df"], n - P_PER_VISIT, rtol=1e-9)
    np.testing.assert_allclose(result.means["df"], n - P_PER_VISIT, rtol=1e-9)


def test_kenward_roger_reproduces_hotelling() -> None:
    kr = fit("kenward-roger")
    wald = fit("satterthwaite")  # same estimates; its F is the unscaled Wald statistic / q
    n = kr.n_subjects
    tests = kr.tests.merge(wald.tests, on="term", suffixes=("_kr", "_wald"))
    for row in tests.itertuples():
        q = row.num_df_kr
        if "visit" in row.term:  # q contrasts of the visits: Hotelling's T²
            assert q == 2
            expected_df = n - P_PER_VISIT - q + 1
            scale = expected_df / (n - P_PER_VISIT)
        else:
            expected_df, scale = n - P_PER_VISIT, 1.0
        np.testing.assert_allclose(row.den_df_kr, expected_df, rtol=1e-8)
        np.testing.assert_allclose(row.statistic_kr, scale * row.statistic_wald, rtol=1e-6)


def test_one_visit_kenward_roger_is_least_squares() -> None:
    kr = fit("kenward-roger", "one_visit")
    sat = fit("satterthwaite", "one_visit")
    dof = kr.n_obs - kr.coef.size
    np.testing.assert_allclose(kr.effects["df"], dof, rtol=1e-8)
    np.testing.assert_allclose(sat.effects["df"], dof, rtol=1e-8)
    # no adjustment of the covariance: Φ_A = Φ
    np.testing.assert_allclose(kr.vcov.to_numpy(), sat.vcov.to_numpy(), rtol=1e-8, atol=1e-14)
    np.testing.assert_allclose(kr.tests["den_df"], dof, rtol=1e-8)


@pytest.mark.parametrize("df_method", ["satterthwaite", "kenward-roger", "between-within"])
def test_f_test_of_one_contrast_is_the_squared_t_test(df_method: str) -> None:
    result = fit(df_method)
    row = result.effects.iloc[4]
    arms = marginal_means(result, ["diet", "exercise"], by="visit")
    contrasts = contrast(arms, "factorial")
    index = contrasts.table.index[
        (contrasts.table["term"] == row["term"]) & (contrasts.table["visit"] == row["visit"])
    ][0]
    f, q, den, p = result.f_test(contrasts.linfct[index][None, :])
    assert q == 1
    np.testing.assert_allclose(f, row["statistic"] ** 2, rtol=1e-10)
    np.testing.assert_allclose(den, row["df"], rtol=1e-10)
    np.testing.assert_allclose(p, row["p_value"], rtol=1e-8)


def test_residual_and_between_within_df() -> None:
    res = fit("residual")
    n_obs, p = res.n_obs, res.coef.size
    assert (n_obs, p) == (180, 15)
    np.testing.assert_array_equal(res.effects["df"], n_obs - p)
    bw = fit("between-within")
    # between: baseline, diet, exercise, diet:exercise (4) and the intercept: 60 - 4 - 1
    # within: the 10 visit columns: 180 - 60 - 10
    np.testing.assert_array_equal(bw.effects["df"], 55.0)
    dens = bw.tests.set_index("term")["den_df"]
    assert dens["diet"] == 55.0
    assert dens["diet:visit"] == 110.0
    assert dens["visit"] == 110.0


def test_satterthwaite_formula() -> None:
    # Φ = σ² M with σ² estimated on ν df: Var(σ̂²) = 2σ⁴/ν gives back ν for any contrast
    m = np.array([[2.0, 0.3], [0.3, 1.0]])
    sigma2, nu = 1.7, 23.0
    contrasts = np.array([[1.0, 0.0], [1.0, -1.0], [0.0, 0.0]])
    out = satterthwaite_df(contrasts, sigma2 * m, m[None], np.array([[2 * sigma2**2 / nu]]))
    np.testing.assert_allclose(out[:2], nu)
    assert np.isnan(out[2])


def test_fai_cornelius_combination() -> None:
    assert combine_f_df(np.array([12.5])) == 12.5
    assert combine_f_df(np.array([30.0, 30.0, 30.0])) == 30.0
    assert combine_f_df(np.array([1.5, 30.0])) == 2.0
    nu = np.array([10.0, 40.0])
    e = np.sum(nu / (nu - 2))
    assert combine_f_df(nu) == pytest.approx(2 * e / (e - 2))
