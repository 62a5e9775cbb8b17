"""The 2 × 2 design vocabulary: arm labels and their (diet, exercise) codes."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["ARMS", "ARM_CODES", "arm_labels"]

ARMS: tuple[str, ...] = ("control", "diet", "exercise", "diet+exercise")
"""Arm labels in canonical order: control, diet, exercise, diet+exercise."""

ARM_CODES: dict[str, tuple[int, int]] = {
    "control": (0, 0),
    "diet": (1, 0),
    "exercise": (0, 1),
    "diet+exercise": (1, 1),
}
"""(diet, exercise) codes of each arm."""


def arm_labels(diet: np.ndarray | pd.Series, exercise: np.ndarray | pd.Series) -> pd.Categorical:
    """Arm labels from 0/1 diet and exercise codes, as an ordered categorical.

    Examples
    --------
    >>> list(arm_labels(np.array([0, 1, 0, 1]), np.array([0, 0, 1, 1])))
    ['control', 'diet', 'exercise', 'diet+exercise']
    """
    code = 2 * np.asarray(exercise, dtype=int) + np.asarray(diet, dtype=int)
    return pd.Categorical.from_codes(code, categories=list(ARMS), ordered=True)
