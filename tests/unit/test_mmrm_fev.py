"""The engine, driven by hand from arrays, against R mmrm on its own fev_data.

``FEV1 ~ RACE + SEX + ARMCD * AVISIT + <cov>(AVISIT | USUBJID)`` with the model matrix as R
builds it (the ``X:`` columns of tests/reference/mmrm_fev/data.csv); R's numbers at a
polished optimum in expected.json (see the case's README.md).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.tolerances import DF_EXACT_RTOL, LOGLIK_RTOL, REML_RTOL

from lifestyle_trials import ModelError
from lifestyle_trials.models.engine import reml
from lifestyle_trials.models.engine.covariance import grouped, grouped_positions, structure
from lifestyle_trials.models.engine.inference import ContrastInference, contrast_inference

CASE = Path(__file__).resolve().parents[1] / "reference" / "mmrm_fev"
EXPECTED = json.loads((CASE / "expected.json").read_text())
VISITS = (1.0, 2.0, 3.0, 4.0)
REML_FITS = [k.removesuffix("_reml") for k in EXPECTED["fits"] if k.endswith("_reml")]


@cache
def arrays() -> tuple[pd.DataFrame, np.ndarray]:
    d = pd.read_csv(CASE / "data.csv")
    x = d[[f"X:{c}" for c in EXPECTED["x_columns"]]].to_numpy(dtype=float)
    return d, x


@cache
def fitted(name: str, use_reml: bool = True):
    d, x = arrays()
    visit = d["AVISIT"].str[-1].astype(int).to_numpy() - 1
    data = reml.group_by_pattern(d["FEV1"].to_numpy(), x, d["USUBJID"].to_numpy(), visit, 4)
    struct = structure(name, VISITS)
    _, ev, conv = reml.fit_covariance(data, struct, reml=use_reml)
    assert conv.converged
    return data, struct, ev


def grid_rows(arm: str, visit: str) -> np.ndarray:
    """emmeans' reference-grid row for ARMCD × AVISIT, equal weights over RACE and SEX."""
    row = []
    for col in EXPECTED["x_columns"]:
        if col == "(Intercept)":
            row.append(1.0)
        elif col.startswith("RACE"):
            row.append(1.0 / 3.0)
        elif col.startswith("SEX"):
            row.append(0.5)
        else:
            parts = col.split(":")
            value = 1.0
            for part in parts:
                if part.startswith("ARMCD"):
                    value *= float(part == f"ARMCD{arm}")
                elif part.startswith("AVISIT"):
                    value *= float(part == f"AVISIT{visit}")
            row.append(value)
    return np.array(row)


def check_numbers(inf: ContrastInference, ref: dict, se_rtol: float = REML_RTOL) -> None:
    """Coefficients, emmeans means and TRT - PBO contrasts, and the F tests of ref."""
    p = len(EXPECTED["x_columns"])
    # summary(fit)$coefficients: Estimate, Std. Error, df
    np.testing.assert_allclose(inf.beta, ref["estimate"], rtol=REML_RTOL)
    np.testing.assert_allclose(np.sqrt(np.diag(inf.vcov)), ref["std_error"], rtol=se_rtol)
    np.testing.assert_allclose(inf.df(np.eye(p)), ref["df"], rtol=DF_EXACT_RTOL)
    # emmeans(fit, ~ ARMCD | AVISIT) and contrast(..., "revpairwise")
    means = ref["means"]
    rows = np.array([grid_rows(a, v) for a, v in zip(means["ARMCD"], means["AVISIT"], strict=True)])
    np.testing.assert_allclose(rows @ inf.beta, means["estimate"], rtol=REML_RTOL)
    se = np.sqrt(np.einsum("ij,jk,ik->i", rows, inf.vcov, rows))
    np.testing.assert_allclose(se, means["std_error"], rtol=se_rtol)
    np.testing.assert_allclose(inf.df(rows), means["df"], rtol=DF_EXACT_RTOL)
    diff = ref["trt_minus_pbo"]
    rows = np.array([grid_rows("TRT", v) - grid_rows("PBO", v) for v in diff["AVISIT"]])
    np.testing.assert_allclose(rows @ inf.beta, diff["estimate"], rtol=REML_RTOL)
    se = np.sqrt(np.einsum("ij,jk,ik->i", rows, inf.vcov, rows))
    np.testing.assert_allclose(se, diff["std_error"], rtol=se_rtol)
    np.testing.assert_allclose(inf.df(rows), diff["df"], rtol=DF_EXACT_RTOL)
    # df_md(fit, L): the interaction written two ways
    for key, test in ref["tests"].items():
        f, q, den, _ = inf.f_test(np.array(test["contrast"], dtype=float))
        assert q == test["num_df"], key
        np.testing.assert_allclose(f, test["f_stat"], rtol=se_rtol, err_msg=key)
        np.testing.assert_allclose(den, test["den_df"], rtol=DF_EXACT_RTOL, err_msg=key)


@pytest.mark.parametrize("name", REML_FITS)
def test_fit_equals_mmrm(name: str) -> None:
    data, struct, ev = fitted(name)
    ref = EXPECTED["fits"][f"{name}_reml"]["fit"]
    # logLik(fit), VarCorr(fit) (for sp_exp mmrm gives Σ at distances 0 and 1 only)
    np.testing.assert_allclose(ev.loglik, ref["loglik"], rtol=LOGLIK_RTOL)
    sigma = np.array(ref["sigma"])
    t = sigma.shape[0]
    ours = struct.sigma(ev.psi)[:t, :t]
    np.testing.assert_allclose(ours, sigma, rtol=REML_RTOL, atol=1e-6 * sigma.max())


@pytest.mark.parametrize("name", REML_FITS)
@pytest.mark.parametrize(
    ("key", "df_method", "vcov"),
    [
        ("satterthwaite", "satterthwaite", "model"),
        ("kenward_roger_linear", "kenward-roger-linear", "model"),
        ("residual", "residual", "empirical"),  # mmrm's Residual uses the sandwich
        ("between_within", "between-within", "model"),
        ("empirical", "satterthwaite", "empirical"),
    ],
)
def test_inference_equals_mmrm(name: str, key: str, df_method: str, vcov: str) -> None:
    data, struct, ev = fitted(name)
    inf = contrast_inference(data, struct, ev, df_method=df_method, vcov=vcov)
    check_numbers(inf, EXPECTED["fits"][f"{name}_reml"][key])


@pytest.mark.parametrize("name", REML_FITS)
def test_kenward_roger_df_equal_mmrm(name: str) -> None:
    """mmrm's "Kenward-Roger" differentiates Σ twice in its own working parameters, these
    in the natural ones (as SAS): the df and the F scale do not depend on the
    parameterisation and equal mmrm's; the standard errors of structures not linear in
    their natural parameters differ (SAS's are checked in test_kenward_roger.py)."""
    data, struct, ev = fitted(name)
    inf = contrast_inference(data, struct, ev, df_method="kenward-roger")
    ref = EXPECTED["fits"][f"{name}_reml"]["kenward_roger"]
    p = len(EXPECTED["x_columns"])
    np.testing.assert_allclose(inf.df(np.eye(p)), ref["df"], rtol=DF_EXACT_RTOL)
    for key, test in ref["tests"].items():
        _, q, den, _ = inf.f_test(np.array(test["contrast"], dtype=float))
        assert q == test["num_df"]
        np.testing.assert_allclose(den, test["den_df"], rtol=DF_EXACT_RTOL, err_msg=key)
    if struct.linear:  # Σ linear in ψ: KR = KR(LINEAR), as in SAS
        linear = contrast_inference(data, struct, ev, df_method="kenward-roger-linear")
        np.testing.assert_allclose(inf.vcov, linear.vcov, rtol=1e-12)


@pytest.mark.parametrize("name", REML_FITS)
def test_kenward_roger_mmrm_equals_mmrm(name: str) -> None:
    """With the second derivatives of Σ in mmrm's working parameters, mmrm's "Kenward-Roger"
    itself: adjusted covariance, SEs, df, means, contrasts and F tests."""
    data, struct, ev = fitted(name)
    inf = contrast_inference(data, struct, ev, df_method="kenward-roger-mmrm")
    ref = EXPECTED["fits"][f"{name}_reml"]["kenward_roger"]
    check_numbers(inf, ref)
    # vcov(fit), the whole adjusted matrix
    np.testing.assert_allclose(inf.vcov, ref["vcov"], rtol=REML_RTOL, atol=1e-9)


@pytest.mark.parametrize("name", ["us", "ar1"])
def test_ml_fit_equals_mmrm(name: str) -> None:
    data, struct, ev = fitted(name, use_reml=False)
    ref = EXPECTED["fits"][f"{name}_ml"]
    np.testing.assert_allclose(ev.loglik, ref["fit"]["loglik"], rtol=LOGLIK_RTOL)
    check_numbers(contrast_inference(data, struct, ev), ref["satterthwaite"])


# One covariance per arm (us(AVISIT | ARMCD / USUBJID)) and observation weights
# (weights = WEIGHT): reference_groups.R, expected_groups.json.
GROUPS = json.loads((CASE / "expected_groups.json").read_text())["fits"]


@cache
def fitted_variant(key: str):
    entry = GROUPS[key]
    d, x = arrays()
    visit = d["AVISIT"].str[-1].astype(int).to_numpy() - 1
    base = structure(entry["term"].split("(")[0], VISITS)
    weights = d["WEIGHT"].to_numpy() if entry["weighted"] else None
    if "ARMCD /" in entry["term"]:
        arms = ("PBO", "TRT")  # the levels of ARMCD, in order
        group = d["ARMCD"].map({a: i for i, a in enumerate(arms)}).to_numpy()
        struct = grouped(base, arms)
        position, n_positions = grouped_positions(visit, group, 4), 8
    else:
        struct, position, n_positions = base, visit, 4
    data = reml.group_by_pattern(
        d["FEV1"].to_numpy(), x, d["USUBJID"].to_numpy(), position, n_positions, weights=weights
    )
    _, ev, conv = reml.fit_covariance(data, struct, reml=entry["reml"])
    assert conv.converged
    return data, struct, ev


VARIANT_METHODS = {
    "satterthwaite": ("satterthwaite", "model"),
    "kenward_roger": ("kenward-roger-mmrm", "model"),
    "kenward_roger_linear": ("kenward-roger-linear", "model"),
    "empirical": ("satterthwaite", "empirical"),
}


@pytest.mark.parametrize("key", sorted(GROUPS))
def test_groups_and_weights_equal_mmrm(key: str) -> None:
    data, struct, ev = fitted_variant(key)
    entry = GROUPS[key]
    # logLik(fit); VarCorr(fit): one matrix per arm for a grouped structure
    np.testing.assert_allclose(ev.loglik, entry["fit"]["loglik"], rtol=LOGLIK_RTOL)
    sigma = entry["fit"]["sigma"]
    ours = struct.sigma(ev.psi)
    if isinstance(sigma, dict):
        for g, arm in enumerate(("PBO", "TRT")):
            block = ours[4 * g : 4 * g + 4, 4 * g : 4 * g + 4]
            ref = np.array(sigma[arm])
            np.testing.assert_allclose(block, ref, rtol=REML_RTOL, atol=1e-6 * ref.max())
    else:
        ref = np.array(sigma)
        np.testing.assert_allclose(ours, ref, rtol=REML_RTOL, atol=1e-6 * ref.max())
    for method, (df_method, vcov) in VARIANT_METHODS.items():
        if method not in entry:
            continue
        inf = contrast_inference(data, struct, ev, df_method=df_method, vcov=vcov)
        ref = entry[method]
        p = len(EXPECTED["x_columns"])
        np.testing.assert_allclose(inf.beta, ref["estimate"], rtol=REML_RTOL)
        np.testing.assert_allclose(inf.df(np.eye(p)), ref["df"], rtol=DF_EXACT_RTOL)
        np.testing.assert_allclose(np.sqrt(np.diag(inf.vcov)), ref["std_error"], rtol=REML_RTOL)
        means = ref["means"]
        rows = np.array(
            [grid_rows(a, v) for a, v in zip(means["ARMCD"], means["AVISIT"], strict=True)]
        )
        np.testing.assert_allclose(rows @ inf.beta, means["estimate"], rtol=REML_RTOL)
        se = np.sqrt(np.einsum("ij,jk,ik->i", rows, inf.vcov, rows))
        np.testing.assert_allclose(se, means["std_error"], rtol=REML_RTOL)
        np.testing.assert_allclose(inf.df(rows), means["df"], rtol=DF_EXACT_RTOL)


def test_unit_weights_change_nothing() -> None:
    d, x = arrays()
    visit = d["AVISIT"].str[-1].astype(int).to_numpy() - 1
    args = (d["FEV1"].to_numpy(), x, d["USUBJID"].to_numpy(), visit, 4)
    struct = structure("ar1", VISITS)
    plain = reml.fit_covariance(reml.group_by_pattern(*args), struct)[1]
    ones = reml.fit_covariance(reml.group_by_pattern(*args, weights=np.ones(len(d))), struct)[1]
    np.testing.assert_allclose(ones.loglik, plain.loglik, rtol=1e-12)
    np.testing.assert_allclose(ones.beta, plain.beta, rtol=1e-10)
    with pytest.raises(ModelError, match="weights must be positive"):
        reml.group_by_pattern(*args, weights=np.zeros(len(d)))
