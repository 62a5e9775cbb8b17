"""The design builder's sum-to-zero coding and term order, and the ANCOVA's terms built by it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lifestyle_trials.errors import ModelError
from lifestyle_trials.models.design.model_matrix import design_model
from lifestyle_trials.models.design.spec import ModelSpec


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 60
    return pd.DataFrame(
        {
            "diet": np.tile([0, 1, 0, 1], n // 4),
            "exercise": np.repeat([0, 1], n // 2),
            "baseline": rng.normal(3.0, 1.0, n),
            "site": rng.choice(["north", "east", "south"], n),
            "sex": rng.choice(["F", "M"], n),
        }
    )


def _contr_sum(index: np.ndarray, k: int) -> np.ndarray:
    """R's contr.sum(k)[index, ]: unit vectors, the last level -1 in every column."""
    table = np.vstack([np.eye(k - 1), -np.ones((1, k - 1))])
    return table[index]


def test_sum_coding_is_r_contr_sum(frame: pd.DataFrame) -> None:
    model = design_model(frame, "site * sex + baseline", contrasts="sum")
    site = pd.Index(["east", "north", "south"]).get_indexer(frame["site"])
    sex = pd.Index(["F", "M"]).get_indexer(frame["sex"])
    s, x = _contr_sum(site, 3), _contr_sum(sex, 2)
    # model.matrix(~ site * sex + baseline, contrasts.arg = list(site = "contr.sum", sex = ...))
    expected = np.column_stack(
        [np.ones(len(frame)), s, x, frame["baseline"], s[:, :1] * x, s[:, 1:] * x]
    )
    np.testing.assert_array_equal(model.x, expected)
    assert model.columns == (
        "(Intercept)",
        "site1",
        "site2",
        "sex1",
        "baseline",
        "site1:sex1",
        "site2:sex1",
    )
    assert model.terms[1:] == ("site", "site", "sex", "baseline", "site:sex", "site:sex")
    assert model.contrasts == "sum"
    # the rows of new data (a reference grid) are coded the same way
    grid = pd.DataFrame({"site": ["south", "east"], "sex": ["M", "F"], "baseline": [3.0, 3.0]})
    np.testing.assert_array_equal(
        model.matrix(grid), [[1, -1, -1, -1, 3, 1, 1], [1, 1, 0, 1, 3, 1, 0]]
    )


def test_terms_in_the_order_written(frame: pd.DataFrame) -> None:
    degree = design_model(frame, "diet * exercise + baseline")
    written = design_model(frame, "diet * exercise + baseline", ordering="none")
    assert degree.columns == ("(Intercept)", "diet", "exercise", "baseline", "diet:exercise")
    assert written.columns == ("(Intercept)", "diet", "exercise", "diet:exercise", "baseline")
    np.testing.assert_array_equal(written.x[:, [0, 1, 2, 4, 3]], degree.x)


def test_unknown_options(frame: pd.DataFrame) -> None:
    with pytest.raises(ModelError, match="unknown contrasts 'helmert'"):
        design_model(frame, "site", contrasts="helmert")
    with pytest.raises(ModelError, match="unknown ordering 'sorted'"):
        design_model(frame, "site", ordering="sorted")


@pytest.mark.parametrize("treatment", ["additive", "factorial", "arms"])
@pytest.mark.parametrize("coding", ["treatment", "sum"])
def test_ancova_matrix_is_the_builders(frame: pd.DataFrame, treatment: str, coding: str) -> None:
    """The ANCOVA's matrix (a lookup in rows built once) equals the builder run on the rows."""
    factors = {"site": ("east", "north", "south"), "sex": ("F", "M")}
    spec = ModelSpec(treatment, numeric=("baseline",), factors=factors)
    data = frame.copy()
    arms = {0: "control", 1: "diet", 2: "exercise", 3: "diet+exercise"}
    data["arm"] = pd.Categorical(
        (data["diet"] + 2 * data["exercise"]).map(arms), categories=list(arms.values())
    )
    if coding == "sum":
        for name in ("diet", "exercise"):
            data[name] = pd.Categorical(data[name])
    direct = design_model(data, spec.formula(), contrasts=coding, ordering="none")
    np.testing.assert_array_equal(spec.matrix(frame, coding=coding), direct.x)
    assert [t for _, t in spec.columns()] == list(direct.terms)


def test_ancova_names_and_absent_arm(frame: pd.DataFrame) -> None:
    spec = ModelSpec("arms", arms=("control", "diet", "diet+exercise"), factors={"sex": ("F", "M")})
    assert spec.formula() == "arm + sex"
    assert [c for c, _ in spec.columns()] == [
        "intercept",
        "arm[diet]",
        "arm[diet+exercise]",
        "sex[M]",
    ]
    arms = pd.DataFrame({"diet": [0, 1, 0, 1], "exercise": [0, 0, 1, 1], "sex": ["M"] * 4})
    rows = spec.matrix(arms)  # control, diet, exercise (absent), diet+exercise
    np.testing.assert_array_equal(rows[[0, 1, 3], :3], [[1, 0, 0], [1, 1, 0], [1, 0, 1]])
    assert np.isnan(rows[2]).all() and not np.isnan(rows[[0, 1, 3]]).any()
    with pytest.raises(ModelError, match="covariate 'sex' has level\\(s\\) X the model was not"):
        spec.matrix(frame.iloc[:2].assign(sex=["X", "F"]))
