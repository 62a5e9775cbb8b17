"""The engine, driven by hand from arrays, against R mmrm on its own bcva_data (1000
subjects, 10 visits); R's numbers in tests/reference/mmrm_bcva/expected.json."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.tolerances import DF_EXACT_RTOL, LOGLIK_RTOL, REML_RTOL

from lifestyle_trials.models.engine import reml
from lifestyle_trials.models.engine.covariance import structure
from lifestyle_trials.models.engine.inference import contrast_inference

CASE = Path(__file__).resolve().parents[1] / "reference" / "mmrm_bcva"
EXPECTED = json.loads((CASE / "expected.json").read_text())
VISITS = tuple(float(v) for v in range(1, 11))
METHODS = {
    "satterthwaite": ("satterthwaite", "model"),
    "kenward_roger": ("kenward-roger", "model"),
    "kenward_roger_linear": ("kenward-roger-linear", "model"),
    "empirical": ("satterthwaite", "empirical"),
}
CASES = [
    (key.removesuffix("_reml"), method)
    for key, entry in EXPECTED["fits"].items()
    for method in METHODS
    if method in entry
]


@cache
def fitted(name: str):
    d = pd.read_csv(CASE / "data.csv")
    x = d[[f"X:{c}" for c in EXPECTED["x_columns"]]].to_numpy(dtype=float)
    visit = d["AVISIT"].str[3:].astype(int).to_numpy() - 1
    data = reml.group_by_pattern(
        d["BCVA_CHG"].to_numpy(), x, d["USUBJID"].to_numpy(), visit, len(VISITS)
    )
    struct = structure(name, VISITS)
    _, ev, conv = reml.fit_covariance(data, struct)
    assert conv.converged
    return data, struct, ev


@pytest.mark.parametrize("name", sorted({name for name, _ in CASES}))
def test_fit_equals_mmrm(name: str) -> None:
    _, struct, ev = fitted(name)
    ref = EXPECTED["fits"][f"{name}_reml"]["fit"]
    # logLik(fit), VarCorr(fit)
    np.testing.assert_allclose(ev.loglik, ref["loglik"], rtol=LOGLIK_RTOL)
    sigma = np.array(ref["sigma"])
    np.testing.assert_allclose(
        struct.sigma(ev.psi), sigma, rtol=REML_RTOL, atol=1e-6 * np.abs(sigma).max()
    )


@pytest.mark.parametrize(("name", "method"), CASES)
def test_inference_equals_mmrm(name: str, method: str) -> None:
    data, struct, ev = fitted(name)
    df_method, vcov = METHODS[method]
    inf = contrast_inference(data, struct, ev, df_method=df_method, vcov=vcov)
    ref = EXPECTED["fits"][f"{name}_reml"][method]
    p = len(EXPECTED["x_columns"])
    # summary(fit)$coefficients
    np.testing.assert_allclose(inf.beta, ref["estimate"], rtol=REML_RTOL, atol=1e-8)
    np.testing.assert_allclose(inf.df(np.eye(p)), ref["df"], rtol=DF_EXACT_RTOL)
    # mmrm's "Kenward-Roger" SEs are computed in its own parameterisation (see
    # test_kenward_roger.py); the df are not
    check_se = not (method == "kenward_roger" and not struct.linear)
    if check_se:
        np.testing.assert_allclose(np.sqrt(np.diag(inf.vcov)), ref["std_error"], rtol=REML_RTOL)
    # emmeans(fit, ~ ARMCD | AVISIT) and contrast(..., "revpairwise"), on emmeans' own rows
    for key in ("means", "trt_minus_ctl"):
        rows = np.array(ref[key]["linfct"], dtype=float)
        np.testing.assert_allclose(rows @ inf.beta, ref[key]["estimate"], rtol=REML_RTOL)
        np.testing.assert_allclose(inf.df(rows), ref[key]["df"], rtol=DF_EXACT_RTOL)
        if check_se:
            se = np.sqrt(np.einsum("ij,jk,ik->i", rows, inf.vcov, rows))
            np.testing.assert_allclose(se, ref[key]["std_error"], rtol=REML_RTOL)
