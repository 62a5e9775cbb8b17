"""Design-matrix rows built from the model's columns as products of variables and level
indicators equal formulaic's, for the grids of marginal means and for new rows."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from lifestyle_trials import ModelError
from lifestyle_trials.models.design import model_matrix
from lifestyle_trials.models.design.model_matrix import design_model
from lifestyle_trials.models.grid import reference_grid


def _frame(seed: int = 0, n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "y": rng.normal(size=n),
            "arm": rng.choice(["PBO", "TRT", "LOW"], n),
            "sex": rng.choice(["F", "M"], n),
            "smoker": rng.random(n) < 0.4,
            "age": rng.normal(50, 10, n),
            "bmi": rng.normal(30, 4, n),
            "diet": rng.integers(0, 2, n).astype(np.int8),
            "exercise": rng.integers(0, 2, n).astype(np.int8),
        }
    )
    frame["visit"] = pd.Categorical(rng.choice([3.0, 6.0, 12.0], n), categories=[3.0, 6.0, 12.0])
    frame["site"] = pd.Categorical(rng.choice(["b", "a", "c"], n), categories=["c", "b", "a"])
    return frame


PLAIN = [
    "age + arm * visit",
    "bmi * visit + diet * exercise * visit",
    "sex + smoker + site + age:bmi + arm:visit",
    "arm * sex * visit - 1",
    "age:visit + bmi:sex",
]


@pytest.mark.parametrize("formula", PLAIN)
def test_rows_equal_formulaic(formula: str) -> None:
    frame = _frame()
    levels = {"diet": (0, 1), "exercise": (0, 1)} if "diet" in formula else None
    model = design_model(frame, formula, visit="visit", levels=levels)
    assert model._recipe is not None
    slow = replace(model, _recipe=None)
    for rows in (frame.sample(25, random_state=1), _grid(model)):
        fast_x = model.matrix(rows)
        assert fast_x.shape == (len(rows), len(model.columns))
        np.testing.assert_array_equal(fast_x, slow.matrix(rows))
    np.testing.assert_array_equal(model.matrix(frame), model.x)


def _grid(model: Any) -> pd.DataFrame:
    return reference_grid(model)


@pytest.mark.parametrize("formula", ["np.log(age) + arm", "I(age ** 2) + arm * visit"])
def test_transforms_keep_formulaic(formula: str) -> None:
    frame = _frame()
    model = design_model(frame, formula)
    assert model._recipe is None
    x = model.matrix(frame.head(10))
    np.testing.assert_allclose(x, model.x[:10])


def test_dropped_columns_stay_dropped() -> None:
    frame = _frame()
    model = design_model(frame, "arm * visit", drop=lambda name, term: name.endswith("visit12"))
    assert "armTRT:visit12" not in model.columns
    assert model._recipe is not None
    np.testing.assert_array_equal(model.matrix(frame), replace(model, _recipe=None).matrix(frame))


def test_unknown_level_is_a_model_error_on_both_paths() -> None:
    frame = _frame()
    model = design_model(frame, "age + arm * visit", visit="visit")
    bad = frame.head(3).assign(arm=["PBO", "HIGH", "TRT"])
    for m in (model, replace(model, _recipe=None)):
        with pytest.raises(ModelError, match="'arm' has level"):
            m.matrix(bad)


@pytest.mark.parametrize("formula", PLAIN)
def test_design_from_the_first_rows_equals_formulaic_on_all_rows(
    formula: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame = _frame(seed=3, n=300)
    levels = {"diet": (0, 1), "exercise": (0, 1)} if "diet" in formula else None
    fast = design_model(frame, formula, visit="visit", levels=levels)
    monkeypatch.setattr(model_matrix, "_SAMPLE_ROWS", 10**9)
    whole = design_model(frame, formula, visit="visit", levels=levels)
    assert fast.columns == whole.columns and fast.terms == whole.terms
    assert fast.x is not None and whole.x is not None
    np.testing.assert_array_equal(fast.x, whole.x)
