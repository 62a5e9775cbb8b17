"""Kenward-Roger as SAS PROC MIXED computes it, and as pbkrtest does.

SAS (``DDFM=KR`` and ``DDFM=KR(LINEAR)``) on R mmrm's ``fev_data``: ``FEV1 ~ ARMCD`` with
``REPEATED AVISIT / TYPE=<cov>``, the difference TRT - PBO of least-squares means (from
mmrm's design/ddfm_covtype, parsed into tests/reference/mmrm_fev/sas.json). With the
inverse *observed* information the engine reproduces SAS; with the inverse *expected*
information it reproduces pbkrtest (lmerTest / emmeans for ``lmer`` fits).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.tolerances import DF_EXACT_RTOL, REML_RTOL, SAS_RTOL

import lifestyle_trials as lt
from lifestyle_trials import ModelError
from lifestyle_trials.models.engine import reml
from lifestyle_trials.models.engine.covariance import structure
from lifestyle_trials.models.engine.ftest import f_test_kenward_roger
from lifestyle_trials.models.engine.kenward_roger import (
    information_inverse,
    kenward_roger,
    kr_f_test,
)

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
SAS = json.loads((REFERENCE / "mmrm_fev" / "sas.json").read_text())
FEV_VISITS = (1.0, 2.0, 3.0, 4.0)


def fev_armcd() -> reml.GroupedData:
    """fev_data rows with FEV1, X = [1, ARMCD == TRT] (SAS ``MODEL FEV1 = ARMCD`` with
    ``ARMCD(ref = 'PBO')``)."""
    d = pd.read_csv(REFERENCE / "mmrm_fev" / "data.csv")
    x = np.c_[np.ones(len(d)), (d["ARMCD"] == "TRT").to_numpy(dtype=float)]
    visit = d["AVISIT"].str[-1].astype(int).to_numpy() - 1
    return reml.group_by_pattern(d["FEV1"].to_numpy(), x, d["USUBJID"].to_numpy(), visit, 4)


SAS_STRUCTURES = ["ar1", "ar1h", "cs", "csh", "adh", "toep", "toeph", "us"]


@pytest.mark.parametrize("name", SAS_STRUCTURES)
@pytest.mark.parametrize("linear", [False, True])
def test_kenward_roger_equals_sas(name: str, linear: bool) -> None:
    data = fev_armcd()
    struct = structure(name, FEV_VISITS)
    _, ev, conv = reml.fit_covariance(data, struct)
    assert conv.converged
    kr = kenward_roger(data, struct, ev, linear=linear)
    contrast = np.array([[0.0, 1.0]])
    sas = SAS["fev1_armcd_trt_minus_pbo"][name][
        "kenward_roger_linear" if linear else "kenward_roger"
    ]
    # SAS: Differences of Least Squares Means, TRT - PBO (Estimate, StdErr, DF)
    np.testing.assert_allclose(ev.beta[1], sas["estimate"], rtol=SAS_RTOL)
    se = float(np.sqrt(contrast @ kr.vcov_adjusted @ contrast.T)[0, 0])
    np.testing.assert_allclose(se, sas["std_error"], rtol=SAS_RTOL)
    np.testing.assert_allclose(kr_f_test(kr, contrast)[0], sas["df"], rtol=SAS_RTOL)


def test_kenward_roger_linear_differs_where_sigma_is_not_linear() -> None:
    # SAS: KR and KR(LINEAR) standard errors differ by 0.2% for ar1 (Σ not linear in ρ)
    data = fev_armcd()
    struct = structure("ar1", FEV_VISITS)
    _, ev, _ = reml.fit_covariance(data, struct)
    full = kenward_roger(data, struct, ev).vcov_adjusted[1, 1]
    lin = kenward_roger(data, struct, ev, linear=True).vcov_adjusted[1, 1]
    sas = SAS["fev1_armcd_trt_minus_pbo"]["ar1"]
    ratio = sas["kenward_roger_linear"]["std_error"] / sas["kenward_roger"]["std_error"]
    np.testing.assert_allclose(np.sqrt(lin / full), ratio, rtol=1e-5)


def test_expected_information_equals_pbkrtest() -> None:
    """mmrm_kr: compound symmetry = random intercept; pbkrtest's Kenward-Roger (through
    lmerTest::anova, ddf = "Kenward-Roger") weights by the inverse expected information."""
    folder = REFERENCE / "mmrm_kr"
    exp = json.loads((folder / "expected.json").read_text())
    trial = lt.read_trial(pd.read_csv(folder / "data.csv"), outcomes=["homa_ir"])
    fit = lt.mmrm(trial, "homa_ir", covariance="cs")
    inner = fit._fit
    kr = kenward_roger(inner.data, inner.struct, inner.evaluation, information="expected")
    names = list(fit.coef.index)
    anova = exp["anova_kr"]
    for term, rows, den, stat in zip(
        anova["term"], anova["contrasts"], anova["den_df"], anova["statistic"], strict=True
    ):
        lmat = pd.DataFrame(np.array(rows, dtype=float), columns=anova["coefficients"])[names]
        f, _, den_df, _ = f_test_kenward_roger(lmat.to_numpy(), inner.evaluation.beta, kr)
        np.testing.assert_allclose(den_df, den, rtol=DF_EXACT_RTOL, err_msg=term)
        np.testing.assert_allclose(f, stat, rtol=REML_RTOL, err_msg=term)


def near_singular_data(seed: int = 4, scale: float = 0.01) -> reml.GroupedData:
    """Three visits, the third equal to the second up to noise of SD ``scale``; arm and
    baseline terms; 20% of later visits missing."""
    rng = np.random.default_rng(seed)
    n = 40
    e = rng.normal(size=(n, 3))
    e[:, 2] = e[:, 1] + scale * rng.normal(size=n)
    arm = rng.integers(0, 2, n)
    base = rng.normal(size=n)
    y = e + arm[:, None] * 0.5 + base[:, None]
    x = np.zeros((n, 3, 7))
    for v in range(3):
        x[:, v, 2 * v] = 1.0
        x[:, v, 2 * v + 1] = arm
    x[:, :, 6] = base[:, None]
    keep = np.ones((n, 3), dtype=bool)
    keep[:, 1:] = rng.random((n, 2)) > 0.2
    rows = keep.ravel()
    subj = np.repeat(np.arange(n), 3)[rows]
    vis = np.tile(np.arange(3), n)[rows]
    return reml.group_by_pattern(y.ravel()[rows], x.reshape(-1, 7)[rows], subj, vis, 3)


@pytest.mark.parametrize("information", ["observed", "expected"])
def test_adjusted_variance_never_below_unadjusted_near_singular_us(information: str) -> None:
    # Σ nearly singular (corr(visit 2, visit 3) ≈ 0.99995): the information is ill
    # conditioned; the adjustment of a linear structure is positive semi-definite.
    data = near_singular_data()
    struct = structure("us", (1.0, 2.0, 3.0))
    _, ev, conv = reml.fit_covariance(data, struct)
    assert conv.converged
    kr = kenward_roger(data, struct, ev, information=information)
    extra = kr.vcov_adjusted - kr.vcov
    assert np.linalg.eigvalsh(extra).min() >= -1e-12 * np.abs(extra).max()
    assert np.all(np.diag(kr.vcov_adjusted) >= np.diag(kr.vcov))


def test_information_inverse_drops_directions_without_curvature() -> None:
    w, root = information_inverse(np.diag([4.0, 1e-30, -2.0]))
    np.testing.assert_allclose(w, np.diag([0.25, 0.0, 0.0]))
    np.testing.assert_allclose(root @ root.T, w)
    with pytest.raises(ModelError, match="no direction of positive curvature"):
        information_inverse(-np.eye(2))


def test_kenward_roger_linear_through_mmrm() -> None:
    trial = lt.simulate_odes(seed=5, visits=(0, 3, 6, 12))
    kr = lt.mmrm(trial, "homa_ir", covariance="ar1", df_method="kenward-roger")
    lin = lt.mmrm(trial, "homa_ir", covariance="ar1", df_method="kenward-roger-linear")
    np.testing.assert_allclose(lin.coef, kr.coef, rtol=1e-12)
    np.testing.assert_allclose(lin.effects["df"], kr.effects["df"], rtol=1e-10)
    assert not np.allclose(lin.effects["std_error"], kr.effects["std_error"], rtol=1e-7)
    with pytest.raises(ModelError, match="REML"):
        lt.mmrm(trial, "homa_ir", df_method="kenward-roger-linear", method="ml")
