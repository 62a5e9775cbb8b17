"""lt.mi against R's rbmi: conditional mean imputation with jackknife (Wolbers et al. 2022).

Each case folder in tests/reference/rbmi_*/ holds the data, the R script that ran rbmi and
expected.json. Pooled estimates and standard errors agree to RBMI_RTOL (rbmi's optimiser
stops about 1e-5 from the REML optimum); p-values, computed from them, to an absolute 1e-4.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from tests.tolerances import RBMI_RTOL

import lifestyle_trials as lt
from lifestyle_trials.mi.model import grouped_data
from lifestyle_trials.models.engine.covariance import structure
from lifestyle_trials.models.engine.reml import evaluate

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
STRATEGIES = ("MAR", "JR", "CR", "CIR")


def _trial_antidepressant() -> lt.Trial:
    case = REFERENCE / "rbmi_antidepressant"
    return lt.read_trial(
        case / "data.csv", subject="subject", diet="diet", exercise="exercise", visit="visit"
    )


@cache
def antidepressant() -> tuple[lt.mi.Draws, dict[str, Any]]:
    case = REFERENCE / "rbmi_antidepressant"
    trial = _trial_antidepressant()
    ice = pd.read_csv(case / "ice.csv", dtype={"subject": str})
    expected = json.loads((case / "expected.json").read_text())
    return lt.mi.draws(trial, "hamd17", ice=ice), expected


@cache
def odes() -> tuple[lt.mi.Draws, dict[str, Any]]:
    case = REFERENCE / "rbmi_odes"
    trial = lt.read_trial(
        case / "data.csv", subject="subject", diet="diet", exercise="exercise", visit="visit"
    )
    expected = json.loads((case / "expected.json").read_text())
    return lt.mi.draws(trial, "homa_ir", log=True), expected


def check(effects: pd.DataFrame, expected: dict[str, Any], name) -> None:
    """Every pooled row against rbmi's pool(): est, se, lci, uci, pval."""
    for row in effects.itertuples(index=False):
        exp = expected[name(row.term, row.visit)]
        np.testing.assert_allclose(row.estimate, exp["est"], rtol=RBMI_RTOL, atol=1e-12)
        np.testing.assert_allclose(row.std_error, exp["se"], rtol=RBMI_RTOL)
        np.testing.assert_allclose(
            [row.conf_low, row.conf_high],
            [exp["lci"], exp["uci"]],
            rtol=RBMI_RTOL,
            atol=RBMI_RTOL * exp["se"],
        )
        np.testing.assert_allclose(row.p_value, exp["pval"], atol=1e-4)
    assert np.isinf(effects["df"]).all()


def test_antidepressant_default_events_are_the_vignette_events() -> None:
    # the vignette's dat_ice: first missing visit, except subject 3618 (intermittent)
    draws, _ = antidepressant()
    default = lt.mi.draws(_trial_antidepressant(), "hamd17")
    np.testing.assert_array_equal(default.events.index, draws.events.index)


@pytest.mark.parametrize("case", ["antidepressant", "odes"])
def test_full_fit_is_the_reml_optimum(case: str) -> None:
    """The covariance of the fit to all subjects is rbmi's to its optimiser's precision, and
    its REML log-likelihood is at least as high as that of rbmi's covariance."""
    draws, exp = antidepressant() if case == "antidepressant" else odes()
    r_sigma = np.array(exp["full_fit"]["sigma"])
    # drawObj$samples[[1]]$sigma[[1]]
    np.testing.assert_allclose(draws.fits[0].sigma, r_sigma, rtol=1e-3)
    data = draws.data
    grouped = grouped_data(draws.matrices, data.values, ~data.missing, np.arange(data.n_subjects))
    struct = structure("us", data.visits)
    ours, theirs = (
        evaluate(grouped, struct, struct.psi(struct.start(s)), reml=True).loglik
        for s in (draws.fits[0].sigma, r_sigma)
    )
    assert ours >= theirs - 1e-9


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_antidepressant_strategies(strategy: str) -> None:
    draws, exp = antidepressant()
    imputed = lt.mi.impute(draws, strategy, references={"diet": "control"})
    pooled = lt.mi.pool(lt.mi.analyse(imputed, "ancova", estimand="arms"))
    # pool(analyse(impute(drawObj, update_strategy = <strategy>), ancova))$pars$trt_<visit>
    check(pooled.effects, exp[strategy], lambda term, visit: f"trt_{visit:g}")


def test_antidepressant_delta() -> None:
    draws, exp = antidepressant()
    imputed = lt.mi.impute(draws, references={"diet": "control"})  # JR, from ice.csv
    delta = lt.mi.delta_template(imputed)
    delta["delta"] = np.where((delta["arm"] == "diet") & delta["is_missing"], 5.0, 0.0)
    pooled = lt.mi.pool(lt.mi.analyse(imputed, "ancova", estimand="arms", delta=delta))
    # pool(analyse(imputeObj, ancova, delta = delta_df))
    check(pooled.effects, exp["JR_delta"], lambda term, visit: f"trt_{visit:g}")


def test_antidepressant_events_followed_by_observed_values() -> None:
    """JR events followed by observed values (ice_post.csv): rbmi leaves those values out of
    the fit and conditions the imputation of subject 3618's earlier missing value on them."""
    draws, exp = antidepressant()
    case = REFERENCE / "rbmi_antidepressant"
    ice = pd.read_csv(case / "ice_post.csv", dtype={"subject": str})
    post = lt.mi.draws(_trial_antidepressant(), "hamd17", ice=ice)
    assert not np.allclose(post.fits[0].beta, draws.fits[0].beta)
    imputed = lt.mi.impute(post, references={"diet": "control"})
    pooled = lt.mi.pool(lt.mi.analyse(imputed, "ancova", estimand="arms"))
    # pool(analyse(impute(drawPost, references = refs), ancova))
    check(pooled.effects, exp["JR_post_ice"], lambda term, visit: f"trt_{visit:g}")


ODES_REFS = {"diet": "control", "exercise": "control", "diet+exercise": "control"}


def odes_name(estimand: str):
    if estimand == "arms":
        return lambda term, visit: f"{term}_{visit:g}"
    return lambda term, visit: f"{estimand} {term}_{visit:g}"


@pytest.mark.parametrize("strategy", STRATEGIES)
@pytest.mark.parametrize("estimand", ["arms", "factorial", "margins"])
def test_odes_strategies(strategy: str, estimand: str) -> None:
    draws, exp = odes()
    imputed = lt.mi.impute(draws, strategy, references=ODES_REFS)
    pooled = lt.mi.pool(lt.mi.analyse(imputed, "ancova", estimand=estimand))
    check(pooled.effects, exp[strategy], odes_name(estimand))
    assert {"ratio", "ratio_low", "ratio_high"} <= set(pooled.effects.columns)


def test_odes_delta() -> None:
    draws, exp = odes()
    imputed = lt.mi.impute(draws, "JR", references=ODES_REFS)
    delta = lt.mi.delta_template(imputed)
    delta["delta"] = np.where((delta["arm"] != "control") & delta["is_missing"], 0.1, 0.0)
    for estimand in ("arms", "factorial", "margins"):
        pooled = lt.mi.pool(lt.mi.analyse(imputed, "ancova", estimand=estimand, delta=delta))
        check(pooled.effects, exp["JR_delta"], odes_name(estimand))


def test_pooling_formulas() -> None:
    """Rubin's rules (Barnard-Rubin df) and the von Hippel-Bartlett pooling against rbmi's
    internal rubin_rules() and get_ests_bmlmi() on the same 40 estimates (rbmi_pool)."""
    from lifestyle_trials.mi.pooling import _bmlmi, rubin
    from lifestyle_trials.models.results import t_inference

    case = REFERENCE / "rbmi_pool"
    data = pd.read_csv(case / "data.csv")
    exp = json.loads((case / "expected.json").read_text())
    est = data["est"].to_numpy()[:, None]
    se = data["se"].to_numpy()[:, None]
    for name, (point, spread, df) in {
        "rubin": rubin(est, se, 50.0),  # rbmi:::rubin_rules(ests, ses, v_com = 50)
        "bmlmi": _bmlmi(est, 2),  # rbmi:::get_ests_bmlmi(ests, D = 2)
    }.items():
        _, p, low, high = t_inference(point, spread, df)
        got = [point[0], spread[0], df[0], low[0], high[0], p[0]]
        want = [exp[name][k] for k in ("est", "se", "df", "lci", "uci", "pval")]
        np.testing.assert_allclose(got, want, rtol=1e-10)


@pytest.mark.parametrize("case", ["as_is", "shifted", "ties_at_zero", "level_90"])
def test_bootstrap_pooling_equals_rbmi(case: str) -> None:
    """Conditional mean + bootstrap: rbmi's pool_bootstrap_percentile() and
    pool_bootstrap_normal() on 40 estimates (the first the full data's), rbmi_pool."""
    from lifestyle_trials.mi.pooling import percentile_interval
    from lifestyle_trials.models.results import t_inference

    exp = json.loads((REFERENCE / "rbmi_pool" / "expected.json").read_text())["bootstrap"][case]
    est = np.array(exp["est"])
    level = exp.get("level", 0.95)
    low, high, p = percentile_interval(est[1:, None], level)
    ref = exp["percentile"]
    np.testing.assert_allclose([low[0], high[0]], [ref["lci"], ref["uci"]], rtol=1e-12)
    # rbmi finds the quantile at zero with uniroot (tolerance about 1e-4), this one exactly
    np.testing.assert_allclose(p[0], ref["pval"], atol=2e-4)
    if case == "level_90":
        return
    spread = est[1:].std(ddof=1)
    _, p, low, high = t_inference(np.array([est[0]]), np.array([spread]), np.array([np.inf]))
    ref = exp["normal"]
    got = [spread, low[0], high[0], p[0]]
    np.testing.assert_allclose(got, [ref[k] for k in ("se", "lci", "uci", "pval")], rtol=1e-10)
