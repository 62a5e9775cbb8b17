"""``sp_exp(TIME | USUBJID)`` at subject-specific times through ``lt.mmrm``, against R mmrm.

The case is tests/reference/mmrm_spexp_times: mmrm's fev_data with ``TIME = VISITN + u``, a
seeded jitter per row, so that no two observations share a time (reference.R fits it with
mmrm 0.3.18 at a polished optimum, with emmeans, and writes expected.json). Every fit here
runs with the dense (``T × T``) methods of the structure over the distinct times disabled:
each subject's covariance comes from its own times.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from tests.tolerances import DF_EXACT_RTOL, LOGLIK_RTOL, REML_RTOL

import lifestyle_trials as lt
from lifestyle_trials.errors import ModelError
from lifestyle_trials.models.engine.covariance.spatial import SpatialExponential
from lifestyle_trials.models.engine.reml import evaluate, group_by_pattern

CASE = Path(__file__).resolve().parents[1] / "reference" / "mmrm_spexp_times"
FIXED = "FEV1 ~ RACE + SEX + ARMCD * AVISIT"
FORMULA = f"{FIXED} + sp_exp(TIME | USUBJID)"
OPTIONS: dict[str, dict[str, str]] = {
    "satterthwaite": {"df_method": "satterthwaite"},
    "kenward_roger": {"df_method": "kenward-roger-mmrm"},  # mmrm's "Kenward-Roger"
    "kenward_roger_linear": {"df_method": "kenward-roger-linear"},
    "residual": {"df_method": "residual", "vcov": "empirical"},  # mmrm's Residual: sandwich
    "between_within": {"df_method": "between-within"},
    "empirical": {"df_method": "satterthwaite", "vcov": "empirical"},
}


@cache
def expected() -> dict[str, Any]:
    return json.loads((CASE / "expected.json").read_text())


@cache
def rows() -> pd.DataFrame:
    """data.csv, all 800 rows; SEX in R's factor order (Male, Female)."""
    data = pd.read_csv(CASE / "data.csv")
    data["SEX"] = pd.Categorical(data["SEX"], categories=["Male", "Female"])
    return data


def _dense_refused(method: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(self: SpatialExponential, *args: Any) -> Any:
        if self.coordinates:
            raise AssertionError(f"{method.__name__} over all {self.n_visits} distinct times")
        return method(self, *args)

    return guarded


@contextmanager
def no_dense_matrix() -> Iterator[None]:
    """The structure over subject-specific times may not form its T × T matrices."""
    names = ("sigma", "d_sigma", "d2_sigma", "start")
    with mock.patch.multiple(
        SpatialExponential, **{n: _dense_refused(getattr(SpatialExponential, n)) for n in names}
    ):
        yield


@cache
def numbers(block: str, method: str = "reml") -> dict[str, Any]:
    """Everything the tests compare, computed under :func:`no_dense_matrix`."""
    with no_dense_matrix():
        result = lt.mmrm(rows(), formula=FORMULA, method=method, **OPTIONS[block])
        means = lt.marginal_means(result, "ARMCD", by="AVISIT")
        interaction = np.array(expected()["reml"][block]["interaction"]["contrast"], dtype=float)
        return {
            "result": result,
            "coefficients": result.coefficients,
            "means": means.table,
            "trt_minus_pbo": lt.contrast(means, "trt.vs.ctrl").table,
            "interaction": result.f_test(interaction),
            "sigma": result.sigma,
            "parameters": result.parameters,
        }


@pytest.mark.parametrize("block", list(OPTIONS))
def test_inference_equals_r_mmrm(block: str) -> None:
    """Coefficients, emmeans' means and TRT - PBO by visit, and the F test of the
    interaction, for each df method (mmrm's Kenward-Roger is df_method="kenward-roger-mmrm")."""
    got = numbers(block)
    ref = expected()["reml"][block]
    # summary(fit)$coefficients
    table = got["coefficients"]
    assert table["term"].tolist() == ref["coefficients"] == expected()["x_columns"]
    np.testing.assert_allclose(table["estimate"], ref["estimate"], rtol=REML_RTOL)
    np.testing.assert_allclose(table["df"], ref["df"], rtol=DF_EXACT_RTOL)
    np.testing.assert_allclose(table["std_error"], ref["std_error"], rtol=REML_RTOL)
    # summary(emmeans(fit, ~ ARMCD | AVISIT))
    means = got["means"]
    assert [str(a) for a in means["ARMCD"]] == ref["means"]["ARMCD"]
    assert [str(v) for v in means["AVISIT"]] == ref["means"]["AVISIT"]
    np.testing.assert_allclose(means["estimate"], ref["means"]["estimate"], rtol=REML_RTOL)
    np.testing.assert_allclose(means["df"], ref["means"]["df"], rtol=DF_EXACT_RTOL)
    np.testing.assert_allclose(means["std_error"], ref["means"]["std_error"], rtol=REML_RTOL)
    # contrast(emmeans(fit, ~ ARMCD | AVISIT), "revpairwise"): TRT - PBO
    diff, trt = got["trt_minus_pbo"], ref["trt_minus_pbo"]
    assert [str(v) for v in diff["AVISIT"]] == trt["AVISIT"]
    np.testing.assert_allclose(diff["estimate"], trt["estimate"], rtol=REML_RTOL)
    np.testing.assert_allclose(diff["df"], trt["df"], rtol=DF_EXACT_RTOL)
    np.testing.assert_allclose(diff["std_error"], trt["std_error"], rtol=REML_RTOL)
    # df_md(fit, L) for the three ARMCD x AVISIT coefficients
    f, q, den, _ = got["interaction"]
    assert q == ref["interaction"]["num_df"]
    np.testing.assert_allclose(den, ref["interaction"]["den_df"], rtol=DF_EXACT_RTOL)
    np.testing.assert_allclose(f, ref["interaction"]["f_stat"], rtol=REML_RTOL)


@pytest.mark.parametrize("method", ["reml", "ml"])
def test_fit_equals_r_mmrm(method: str) -> None:
    got = numbers("satterthwaite", method)
    ref = expected()[method]
    fit = ref["fit"]
    result = got["result"]
    assert result.convergence.converged
    # logLik(fit)
    np.testing.assert_allclose(result.loglik, fit["loglik"], rtol=LOGLIK_RTOL)
    # VarCorr(fit): sigma^2 rho^d at distances 0 and 1; our range is -1 / log(rho)
    np.testing.assert_allclose(got["sigma"].to_numpy(), fit["sigma"], rtol=REML_RTOL)
    assert got["sigma"].index.name == "distance"
    np.testing.assert_allclose(got["parameters"]["var"], fit["var"], rtol=REML_RTOL)
    np.testing.assert_allclose(got["parameters"]["range"], fit["range"], rtol=REML_RTOL)
    # summary(fit)$coefficients (ML: Satterthwaite)
    block = ref["satterthwaite"]
    table = got["coefficients"]
    np.testing.assert_allclose(table["estimate"], block["estimate"], rtol=REML_RTOL)
    np.testing.assert_allclose(table["std_error"], block["std_error"], rtol=REML_RTOL)
    np.testing.assert_allclose(table["df"], block["df"], rtol=DF_EXACT_RTOL)
    # the rows R's na.omit drops (FEV1 missing) are logged, and the subjects and rows used
    assert (result.n_obs, result.n_subjects) == (fit["n_obs"], fit["n_subjects"])
    assert [(e.column, e.rows) for e in result.exclusions] == [("FEV1", 800 - fit["n_obs"])]


def test_times_at_the_visits_equal_the_visit_structure() -> None:
    """With each time equal to its visit number the subject-specific path (numeric TIME, a
    covariance per subject from its own times) equals the existing one over the visit factor
    (Σ over the four visits, times 1..4), and R mmrm's sp_exp(VISITN | USUBJID)."""
    data = rows().copy()
    data["TIME"] = data["VISITN"]  # integers
    with no_dense_matrix():
        times = lt.mmrm(data, formula=FORMULA, df_method="kenward-roger")
        times_table = times.coefficients
        times_means = lt.marginal_means(times, "ARMCD", by="AVISIT").table
    assert times._fit is not None and times._fit.struct.local
    visits = lt.mmrm(data, formula=f"{FIXED} + sp_exp(AVISIT | USUBJID)", df_method="kenward-roger")
    assert visits._fit is not None and not visits._fit.struct.local
    np.testing.assert_allclose(times.loglik, visits.loglik, rtol=1e-10)
    np.testing.assert_allclose(times.parameters, visits.parameters, rtol=1e-7)
    # four common times: Σ listed over them, as before
    np.testing.assert_allclose(times.sigma.to_numpy(), visits.sigma.to_numpy(), rtol=1e-7)
    assert times.sigma.shape == (4, 4)
    for column in ("estimate", "std_error", "df"):
        np.testing.assert_allclose(times_table[column], visits.coefficients[column], rtol=1e-7)
        means = lt.marginal_means(visits, "ARMCD", by="AVISIT").table
        np.testing.assert_allclose(times_means[column], means[column], rtol=1e-7)
    # R: mmrm(FEV1 ~ RACE + SEX + ARMCD * AVISIT + sp_exp(VISITN | USUBJID), data = fev_data)
    fev = json.loads((CASE.parent / "mmrm_fev" / "expected.json").read_text())
    ref = fev["fits"]["sp_exp_reml"]
    np.testing.assert_allclose(times.loglik, ref["fit"]["loglik"], rtol=LOGLIK_RTOL)
    np.testing.assert_allclose(
        times_table["estimate"], ref["kenward_roger"]["estimate"], rtol=REML_RTOL
    )
    np.testing.assert_allclose(times_table["df"], ref["kenward_roger"]["df"], rtol=DF_EXACT_RTOL)


def test_one_covariance_per_arm_equals_r_mmrm() -> None:
    """``sp_exp(TIME | ARMCD / USUBJID)``: each arm its own variance and range."""
    ref = expected()["grouped"]
    with no_dense_matrix():
        result = lt.mmrm(rows(), formula=ref["formula"])
        table = result.coefficients
        sigma = result.sigma
    # logLik(fit), VarCorr(fit) (a 2 x 2 matrix at distances 0 and 1 per arm)
    np.testing.assert_allclose(result.loglik, ref["fit"]["loglik"], rtol=LOGLIK_RTOL)
    assert result.groups == ("PBO", "TRT")
    for arm in result.groups:
        np.testing.assert_allclose(
            sigma.loc[arm].to_numpy(), ref["fit"]["sigma"][arm], rtol=REML_RTOL
        )
    params = result.parameters
    np.testing.assert_allclose(params[["PBO:var", "TRT:var"]], ref["fit"]["var"], rtol=REML_RTOL)
    np.testing.assert_allclose(
        params[["PBO:range", "TRT:range"]], ref["fit"]["range"], rtol=REML_RTOL
    )
    # summary(fit)$coefficients
    block = ref["satterthwaite"]
    np.testing.assert_allclose(table["estimate"], block["estimate"], rtol=REML_RTOL)
    np.testing.assert_allclose(table["std_error"], block["std_error"], rtol=REML_RTOL)
    np.testing.assert_allclose(table["df"], block["df"], rtol=DF_EXACT_RTOL)


@pytest.mark.parametrize("reml", [True, False])
def test_subjects_stacked_equal_the_patterns_of_the_dense_structure(reml: bool) -> None:
    """The likelihood and every derivative of the vectorised per-subject evaluation equal
    those of the per-pattern engine given the same structure over all 800 distinct times
    as one (dense) matrix, away from the optimum."""
    fit = numbers("satterthwaite")["result"]._fit
    dense = SpatialExponential(fit.struct.visits)
    psi = fit.evaluation.psi * np.array([1.1, 0.8])
    stacked = evaluate(fit.data, fit.struct, psi, reml=reml, order=2)
    patterns = evaluate(fit.data, dense, psi, reml=reml, order=2)
    assert stacked is not None and patterns is not None
    for name in ("loglik", "beta", "vcov", "gradient", "expected", "observed", "q"):
        ours, ref = np.asarray(getattr(stacked, name)), np.asarray(getattr(patterns, name))
        np.testing.assert_allclose(
            ours, ref, rtol=1e-10, atol=1e-12 * np.abs(ref).max(), err_msg=name
        )


def test_row_order_does_not_matter() -> None:
    shuffled = rows().sample(frac=1.0, random_state=3).reset_index(drop=True)
    with no_dense_matrix():
        result = lt.mmrm(shuffled, formula=FORMULA)
        table = result.coefficients
    reference = numbers("satterthwaite")
    np.testing.assert_allclose(result.loglik, reference["result"].loglik, rtol=1e-12)
    for column in ("estimate", "std_error", "df"):
        np.testing.assert_allclose(table[column], reference["coefficients"][column], rtol=1e-9)


def test_missing_times_are_excluded_and_logged() -> None:
    data = rows().copy()
    observed = data.index[data["FEV1"].notna()]
    gone = observed[[0, 5, 17]]
    data.loc[gone, "TIME"] = np.nan
    with no_dense_matrix():
        result = lt.mmrm(data, formula=FORMULA)
        fewer = lt.mmrm(data.drop(index=gone), formula=FORMULA)
        np.testing.assert_allclose(result.coefficients["estimate"], fewer.coefficients["estimate"])
    reasons = {e.column: e for e in result.exclusions}
    assert reasons["TIME"].reason == "missing TIME"
    assert reasons["TIME"].rows == 3
    assert set(reasons["TIME"].subjects) == set(data.loc[gone, "USUBJID"])
    assert result.n_obs == expected()["reml"]["fit"]["n_obs"] - 3
    assert result.loglik == fewer.loglik


def test_many_visits_group_subjects_as_the_visit_bitmask_does() -> None:
    """Beyond 62 visit positions patterns are numbered by their tuples of positions: the
    same subjects share a pattern as with the bitmask of up to 62 positions."""
    rng = np.random.default_rng(7)
    n, t = 60, 8
    seen = rng.random((n, t)) < 0.6
    seen[:, 0] = True
    subject, visit = np.nonzero(seen)
    y = rng.normal(size=subject.size)
    x = np.ones((subject.size, 1))
    few = group_by_pattern(y, x, subject, visit, t)
    many = group_by_pattern(y, x, subject, visit, 500)
    assert sorted((b.visits.tolist(), sorted(b.rows[:, 0].tolist())) for b in few.blocks) == sorted(
        (b.visits.tolist(), sorted(b.rows[:, 0].tolist())) for b in many.blocks
    )
    # subjects are numbered in order of first appearance: "b" is number 1
    with pytest.raises(ModelError, match="more than one row at the same visit.*number\\(s\\) 1\\)"):
        group_by_pattern(
            np.ones(3), np.ones((3, 1)), np.array(["a", "b", "b"]), np.array([2, 9, 9]), 100
        )


def test_duplicate_time_within_a_subject_is_refused() -> None:
    """R mmrm fits such data without a word (a singular covariance, nonsense estimates)."""
    data = rows().copy()
    first = data.index[(data["USUBJID"] == "PT2") & data["FEV1"].notna()]
    data.loc[first[1], "TIME"] = data.loc[first[0], "TIME"]
    time = float(data.loc[first[0], "TIME"])
    with pytest.raises(
        ModelError, match=f"repeat a time of their subject.*subject PT2 at TIME {time:.12g}\\."
    ):
        lt.mmrm(data, formula=FORMULA)


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (lambda d: pd.Timestamp("2024-01-01") + pd.to_timedelta(d["TIME"] * 30, unit="D"), "dates"),
        (lambda d: pd.to_timedelta(d["TIME"] * 30, unit="D"), "durations"),
        (lambda d: d["VISITN"] > 2, "true/false values"),
    ],
)
def test_time_column_that_is_not_numeric_is_refused(
    values: Callable[[pd.DataFrame], pd.Series], kind: str
) -> None:
    data = rows().copy()
    data["TIME"] = values(data)
    with pytest.raises(
        ModelError, match=f"time column 'TIME' of 'sp_exp\\(TIME \\| USUBJID\\)' holds {kind}"
    ):
        lt.mmrm(data, formula=FORMULA)


def test_infinite_time_is_refused() -> None:
    data = rows().copy()
    data.loc[data["USUBJID"] == "PT3", "TIME"] = np.inf
    with pytest.raises(ModelError, match="'TIME'.*infinite value\\(s\\) \\(subject\\(s\\) PT3\\)"):
        lt.mmrm(data, formula=FORMULA)
