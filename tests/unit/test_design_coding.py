"""The design builder's sum-to-zero coding and term order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lifestyle_trials.errors import ModelError
from lifestyle_trials.models.design.model_matrix import design_model


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
