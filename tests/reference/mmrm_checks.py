"""Comparisons shared by the tests of lt.mmrm and lt.lmm against R's expected.json files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tests.tolerances import DF_EXACT_RTOL, DF_RTOL, REML_RTOL

import lifestyle_trials as lt

REFERENCE = Path(__file__).resolve().parent


def load_case(case: str, covariates: tuple[str, ...] = ()) -> tuple[lt.Trial, dict[str, Any]]:
    """The trial in ``<case>/data.csv`` (outcome homa_ir) and the case's expected.json."""
    folder = REFERENCE / case
    data = pd.read_csv(folder / "data.csv")
    trial = lt.read_trial(data, outcomes=["homa_ir"], covariates=list(covariates))
    return trial, json.loads((folder / "expected.json").read_text())


def close_vector(ours: Any, ref: Any, rtol: float) -> None:
    """Equal within ``rtol`` relative to the largest element of ``ref``."""
    ref = np.asarray(ref, dtype=float)
    np.testing.assert_allclose(ours, ref, rtol=rtol, atol=rtol * np.max(np.abs(ref)))


def by_key(ours: pd.DataFrame, ref: dict[str, list], keys: list[str]) -> pd.DataFrame:
    """Rows of ``ours`` and R's table side by side (suffixes _py, _r), every row matched."""
    table = pd.DataFrame({k: v for k, v in ref.items() if k != "contrasts" and k != "coefficients"})
    merged = ours.merge(table, on=keys, suffixes=("_py", "_r"), validate="one_to_one")
    assert len(merged) == len(table) == len(ours)
    return merged


def check_gls_df(ours: Any, emmeans: Any, exact: Any) -> None:
    """Satterthwaite df of a gls fit: equal to the exact computation of the reference script
    (``satterthwaite_numeric``), and within ``DF_RTOL`` of emmeans' approximation unless
    emmeans is itself further than that from the exact value (then no further from emmeans
    than emmeans is from the exact df)."""
    ours, emmeans, exact = (np.asarray(v, dtype=float) for v in (ours, emmeans, exact))
    np.testing.assert_allclose(ours, exact, rtol=DF_EXACT_RTOL)
    allowed = np.maximum(DF_RTOL * emmeans, 1.01 * np.abs(exact - emmeans))
    assert np.all(np.abs(ours - emmeans) <= allowed), (ours, emmeans, exact)


def check_lmertest_anova(
    fit: Any,
    anova: dict[str, Any],
    basis_free_df: bool,
    rtol: float = REML_RTOL,
    df_rtol: float = DF_EXACT_RTOL,
) -> None:
    """Type III tests against ``lmerTest::anova(type = 3)``.

    F statistics and numerator df do not depend on the basis of a term's hypothesis; the
    denominator df of Fai & Cornelius (Satterthwaite) do for terms of more than one df, so
    those are compared on lmerTest's own contrast matrices through ``fit.f_test``.
    Kenward-Roger's do not (``basis_free_df``). ``rtol`` for the F statistics
    and ``df_rtol`` for the df (``KR_PBKRTEST_RTOL`` and ``DF_RTOL`` against pbkrtest's
    Kenward-Roger).
    """
    tests = by_key(fit.tests, anova, ["term"])
    np.testing.assert_array_equal(tests["num_df_py"], tests["num_df_r"])
    np.testing.assert_allclose(tests["statistic_py"], tests["statistic_r"], rtol=rtol)
    one = tests["num_df_py"] == 1 if not basis_free_df else np.ones(len(tests), dtype=bool)
    np.testing.assert_allclose(
        tests.loc[one, "den_df_py"], tests.loc[one, "den_df_r"], rtol=df_rtol
    )
    names = list(fit.coef.index)
    for term, rows, den, stat in zip(
        anova["term"], anova["contrasts"], anova["den_df"], anova["statistic"], strict=True
    ):
        lmat = pd.DataFrame(np.array(rows, dtype=float), columns=anova["coefficients"])[names]
        f, _, den_df, _ = fit.f_test(lmat.to_numpy())
        np.testing.assert_allclose(den_df, den, rtol=df_rtol, err_msg=term)
        np.testing.assert_allclose(f, stat, rtol=rtol, err_msg=term)
