"""The engine, driven by hand from arrays, against R mmrm on its own bcva_data (1000
subjects, 10 visits).

``BCVA_CHG ~ BCVA_BL + RACE + ARMCD * AVISIT + <cov>(AVISIT | USUBJID)`` with the model
matrix as R builds it (the ``X:`` columns of tests/reference/mmrm_bcva/data.csv); R's numbers
at a polished optimum in expected.json (see the case's README.md). One test per fit, so that
each structure is fitted once whichever worker runs it; every df method of the fit is checked
and all mismatches are reported together.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.tolerances import DF_EXACT_RTOL, LOGLIK_RTOL, REML_RTOL

from lifestyle_trials.models.engine import reml
from lifestyle_trials.models.engine.covariance import structure
from lifestyle_trials.models.engine.inference import ContrastInference, contrast_inference

CASE = Path(__file__).resolve().parents[1] / "reference" / "mmrm_bcva"
EXPECTED = json.loads((CASE / "expected.json").read_text())
VISITS = tuple(float(v) for v in range(1, 11))
FITS = sorted(EXPECTED["fits"])

# block of expected.json -> (df_method, vcov) of the engine
METHODS = {
    "satterthwaite": ("satterthwaite", "model"),
    "kenward_roger_linear": ("kenward-roger-linear", "model"),
    "kenward_roger": ("kenward-roger-mmrm", "model"),  # mmrm's "Kenward-Roger"
    "between_within": ("between-within", "model"),
    "residual": ("residual", "empirical"),  # mmrm's "Residual" uses the sandwich
    "empirical": ("satterthwaite", "empirical"),
}


@cache
def arrays() -> tuple[pd.DataFrame, np.ndarray]:
    d = pd.read_csv(CASE / "data.csv")
    x = d[[f"X:{c}" for c in EXPECTED["x_columns"]]].to_numpy(dtype=float)
    return d, x


@cache
def fitted(key: str):
    name, kind = key.rsplit("_", 1)
    d, x = arrays()
    visit = d["AVISIT"].str[3:].astype(int).to_numpy() - 1
    data = reml.group_by_pattern(
        d["BCVA_CHG"].to_numpy(), x, d["USUBJID"].to_numpy(), visit, len(VISITS)
    )
    struct = structure(name, VISITS)  # sp_exp: the visit number as coordinate (VISITN)
    _, ev, conv = reml.fit_covariance(data, struct, reml=kind == "reml")
    assert conv.converged
    return data, struct, ev


def close(actual, desired, rtol: float, what: str, atol: float = 0.0) -> None:
    np.testing.assert_allclose(actual, desired, rtol=rtol, atol=atol, err_msg=what)


def check_block(inf: ContrastInference, ref: dict, *, se: bool = True, df: bool = True) -> None:
    """summary(fit)$coefficients, emmeans' means and TRT - CTL contrasts (on emmeans' own
    rows) and the df_md F tests of a block of expected.json; standard errors and F
    statistics only with ``se``, df wherever the block has them and ``df``."""
    p = len(EXPECTED["x_columns"])
    close(inf.beta, ref["estimate"], REML_RTOL, "estimate", atol=1e-8)
    if se:
        close(np.sqrt(np.diag(inf.vcov)), ref["std_error"], REML_RTOL, "std_error")
    if df and "df" in ref:
        close(inf.df(np.eye(p)), ref["df"], DF_EXACT_RTOL, "coefficient df")
    for key in ("means", "trt_minus_ctl"):
        rows = np.array(ref[key]["linfct"], dtype=float)
        close(rows @ inf.beta, ref[key]["estimate"], REML_RTOL, f"{key} estimate", atol=1e-8)
        if se:
            ses = np.sqrt(np.einsum("ij,jk,ik->i", rows, inf.vcov, rows))
            close(ses, ref[key]["std_error"], REML_RTOL, f"{key} std_error")
        if df and "df" in ref[key]:
            close(inf.df(rows), ref[key]["df"], DF_EXACT_RTOL, f"{key} df")
    for key, test in ref["tests"].items():
        f, q, den, _ = inf.f_test(np.array(test["contrast"], dtype=float))
        assert q == test["num_df"], key
        if se:
            close(f, test["f_stat"], REML_RTOL, f"{key} F")
        if df:
            close(den, test["den_df"], DF_EXACT_RTOL, f"{key} den df")


def check_all(checks: dict[str, Callable[[], None]]) -> None:
    failed = []
    for what, check in checks.items():
        try:
            check()
        except AssertionError as e:
            failed.append(f"{what}: {e}")
    if failed:
        pytest.fail("\n\n".join(failed))


@pytest.mark.slow
@pytest.mark.parametrize("key", FITS)
def test_fit_equals_mmrm(key: str) -> None:
    data, struct, ev = fitted(key)
    entry = EXPECTED["fits"][key]

    def fit() -> None:
        # logLik(fit), VarCorr(fit) (for sp_exp mmrm gives Σ at distances 0 and 1 only)
        close(ev.loglik, entry["fit"]["loglik"], LOGLIK_RTOL, "loglik")
        sigma = np.array(entry["fit"]["sigma"])
        t = sigma.shape[0]
        ours = struct.sigma(ev.psi)[:t, :t]
        close(ours, sigma, REML_RTOL, "sigma", atol=1e-6 * np.abs(sigma).max())

    def block(method: str) -> Callable[[], None]:
        df_method, vcov = METHODS[method]

        def check() -> None:
            inf = contrast_inference(data, struct, ev, df_method=df_method, vcov=vcov)
            check_block(inf, entry[method])
            if method == "kenward_roger":
                # SAS's Kenward-Roger (natural parameters): the same df and F-test df
                sas = contrast_inference(data, struct, ev, df_method="kenward-roger")
                check_block(sas, entry[method], se=False)

        return check

    check_all({"fit": fit} | {m: block(m) for m in METHODS if m in entry})


def test_reference_covers_the_plan() -> None:
    """expected.json holds the blocks README.md describes (a rerun that stopped early, or
    a block dropped, shows here rather than as fewer tests)."""
    structures = ("us", "toep", "toeph", "ar1", "ar1h", "cs", "csh", "ad", "adh", "sp_exp")
    for name in structures:
        assert set(EXPECTED["fits"][f"{name}_reml"]) == {"fit"} | set(METHODS), name
    for name in ("us", "ar1"):
        assert set(EXPECTED["fits"][f"{name}_ml"]) == {"fit", "satterthwaite"}, name
    for entry in EXPECTED["fits"].values():
        assert entry["fit"]["max_abs_gradient"] < 1e-9
        assert entry["fit"]["converged"]


def test_emmeans_rows_are_the_reference_grid() -> None:
    """emmeans' rows: ARMCD × AVISIT, BCVA_BL at its mean over the rows used, RACE's levels
    weighted equally; the contrasts are TRT - CTL at each visit."""
    d, _ = arrays()
    ref = EXPECTED["fits"]["ar1_reml"]["satterthwaite"]

    def row(arm: str, visit: str) -> np.ndarray:
        out = []
        for col in EXPECTED["x_columns"]:
            value = 1.0
            for part in col.split(":"):
                if part == "BCVA_BL":
                    value *= d["BCVA_BL"].mean()
                elif part.startswith("RACE"):
                    value /= 3.0
                elif part.startswith("ARMCD"):
                    value *= float(part == f"ARMCD{arm}")
                elif part.startswith("AVISIT"):
                    value *= float(part == f"AVISIT{visit}")
            out.append(value)
        return np.array(out)

    means = ref["means"]
    rows = np.array([row(a, v) for a, v in zip(means["ARMCD"], means["AVISIT"], strict=True)])
    np.testing.assert_allclose(rows, means["linfct"], rtol=1e-12)
    diff = ref["trt_minus_ctl"]
    rows = np.array([row("TRT", v) - row("CTL", v) for v in diff["AVISIT"]])
    np.testing.assert_allclose(rows, diff["linfct"], rtol=1e-12, atol=1e-12)
