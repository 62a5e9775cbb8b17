"""lt.ancova_batch: many responses at once equal one-at-a-time lt.ancova fits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tests.tolerances import CLOSED_FORM_RTOL

import lifestyle_trials as lt
from lifestyle_trials.errors import ModelError

N_PER_ARM = (9, 12, 10, 13)
K = 3


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(21)
    codes = np.repeat(np.arange(4), N_PER_ARM)
    n = len(codes)
    diet, exercise = codes % 2, codes // 2
    base = rng.lognormal(1.0, 0.4, (n, K))
    y = base * np.exp(-0.2 * diet[:, None] - 0.1 * exercise[:, None] + rng.normal(0, 0.3, (n, K)))
    covs = pd.DataFrame(
        {"age": np.round(rng.normal(45, 3, n), 1), "sex": np.where(rng.random(n) < 0.5, "F", "M")}
    )
    # one trial with K outcomes, for the one-at-a-time fits
    outcomes = [f"out{j}" for j in range(K)]
    frames = []
    for visit, values in ((0, base), (12, y)):
        frame = pd.DataFrame(
            {
                "subject": [f"s{i:03d}" for i in range(n)],
                "diet": diet,
                "exercise": exercise,
                "visit": visit,
                "age": covs["age"],
                "sex": covs["sex"],
            }
        )
        for j, name in enumerate(outcomes):
            frame[name] = values[:, j]
        frames.append(frame)
    trial = lt.read_trial(
        pd.concat(frames, ignore_index=True), outcomes=outcomes, covariates=["age", "sex"]
    )
    return {
        "y": y,
        "base": base,
        "diet": diet,
        "exercise": exercise,
        "covs": covs,
        "trial": trial,
        "outcomes": outcomes,
    }


@pytest.mark.parametrize(
    ("estimand", "analysis", "log", "with_covariates"),
    [
        ("margins", "ancova", False, False),
        ("factorial", "ancova", True, True),
        ("arms", "ancova", False, True),
        ("arms", "ancova", True, False),
        ("factorial", "change", True, False),
        ("arms", "change", False, False),
        ("margins", "followup", False, True),
        ("factorial", "followup", False, False),
    ],
)
def test_batch_equals_one_at_a_time(data, estimand, analysis, log, with_covariates):
    covs = data["covs"] if with_covariates else None
    batch = lt.ancova_batch(
        data["y"],
        data["base"],
        data["diet"],
        data["exercise"],
        covariates=covs,
        estimand=estimand,
        analysis=analysis,
        log=log,
    )
    assert batch.n_fits == K
    table = batch.effects(names=data["outcomes"])
    for j, outcome in enumerate(data["outcomes"]):
        single = lt.ancova(
            data["trial"],
            outcome,
            estimand=estimand,
            analysis=analysis,
            log=log,
            covariates=("age", "sex") if with_covariates else (),
        )
        mine = table.loc[table["response"] == outcome].drop(columns="response")
        assert mine["term"].tolist() == single.effects["term"].tolist()
        for col in single.effects.columns[1:]:
            np.testing.assert_allclose(
                mine[col].to_numpy(), single.effects[col].to_numpy(), rtol=CLOSED_FORM_RTOL
            )
        assert batch.df == single.df_resid
        np.testing.assert_allclose(batch.residual_sd[j], single.residual_sd, rtol=CLOSED_FORM_RTOL)


def test_shared_baseline_column(data):
    shared = data["base"][:, 0]
    batch = lt.ancova_batch(data["y"], shared, data["diet"], data["exercise"])
    each = lt.ancova_batch(
        data["y"], np.repeat(shared[:, None], K, axis=1), data["diet"], data["exercise"]
    )
    np.testing.assert_allclose(batch.estimate, each.estimate, rtol=CLOSED_FORM_RTOL)
    np.testing.assert_allclose(batch.std_error, each.std_error, rtol=CLOSED_FORM_RTOL)


def test_three_arm_batch(data):
    keep = ~((data["diet"] == 0) & (data["exercise"] == 1))
    batch = lt.ancova_batch(
        data["y"][keep],
        data["base"][keep],
        data["diet"][keep],
        data["exercise"][keep],
        estimand="arms",
    )
    assert batch.terms == ("diet vs control", "diet+exercise vs control")
    with pytest.raises(ModelError, match="possible: arms"):
        lt.ancova_batch(
            data["y"][keep],
            data["base"][keep],
            data["diet"][keep],
            data["exercise"][keep],
            estimand="factorial",
        )


def test_bad_input(data):
    y, base, d, e = data["y"].copy(), data["base"], data["diet"], data["exercise"]
    y[3, 2] = np.nan
    with pytest.raises(ModelError, match="non-finite value\\(s\\) in column\\(s\\) 2"):
        lt.ancova_batch(y, base, d, e)
    with pytest.raises(ModelError, match="positive values; y has 1 value"):
        lt.ancova_batch(np.where(np.isnan(y), -1.0, y), base, d, e, log=True)
    with pytest.raises(ModelError, match="baseline must have shape"):
        lt.ancova_batch(data["y"], base[:5], d, e)
    with pytest.raises(ModelError, match="coded 0"):
        lt.ancova_batch(data["y"], base, d * 2, e)
    with pytest.raises(ModelError, match="needs the baseline"):
        lt.ancova_batch(data["y"], None, d, e)
    constant = data["y"].copy()
    constant[:, 2] = 1.0
    with pytest.raises(ModelError, match="column\\(s\\) 2 are constant or fitted exactly"):
        lt.ancova_batch(constant, base, d, e, analysis="followup")
    flat = base.copy()
    flat[:, 1] = 2.0
    with pytest.raises(ModelError, match="baseline column\\(s\\) 1 are constant"):
        lt.ancova_batch(data["y"], flat, d, e)
    one_each = np.array([0, 9, 21, 31])  # one subject per arm: 4 subjects, 4 parameters
    with pytest.raises(ModelError, match="4 subjects for a model with 4 parameters"):
        lt.ancova_batch(
            data["y"][one_each], base[one_each], d[one_each], e[one_each], estimand="margins"
        )
