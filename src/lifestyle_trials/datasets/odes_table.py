"""The long table of the synthetic ODES trial: one row per subject and attended visit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..arms import ARM_CODES, ARMS
from ..indices import homa_ir

__all__ = ["COVARIATES", "OUTCOMES", "long_table", "subject_ids"]

OUTCOMES: tuple[str, ...] = (
    "glucose",
    "insulin",
    "homa_ir",
    "weight",
    "bmi",
    "waist",
    "vo2max",
    "triglycerides",
    "hdl",
    "cholesterol",
    "sbp",
    "dbp",
)
"""Outcome columns of the synthetic trial, in table order."""

COVARIATES: tuple[str, ...] = ("age", "sex", "height")
"""Subject-level covariates: age (years, 41–50), sex ("M"/"F"), height (cm)."""


def subject_ids(n: int) -> np.ndarray:
    """Subject ids "ODES-001", "ODES-002", ..., at least three digits wide.

    Parameters
    ----------
    n : int
        Number of subjects.

    Returns
    -------
    ndarray of object

    Examples
    --------
    >>> subject_ids(2).tolist()
    ['ODES-001', 'ODES-002']
    """
    width = max(3, len(str(n)))
    numbers = np.char.zfill(np.arange(1, n + 1).astype(str), width)
    return np.char.add("ODES-", numbers).astype(object)


def long_table(
    ids: np.ndarray,
    arm: np.ndarray,
    age: np.ndarray,
    male: np.ndarray,
    height: np.ndarray,
    visits: np.ndarray,
    values: Mapping[str, np.ndarray],
    attended: np.ndarray,
) -> pd.DataFrame:
    """One row per subject and attended visit, subject-major.

    Parameters
    ----------
    ids, arm, age, male, height : ndarray
        Per subject: id, arm (an index into ``ARMS``), age, sex, height.
    visits : ndarray of float
        The visits in months, baseline first.
    values : mapping of str to ndarray
        Per outcome other than HOMA-IR, subjects × visits.
    attended : ndarray of int
        Per subject, the index of the last visit attended.

    Returns
    -------
    DataFrame
        Columns subject, diet, exercise, visit, the ``COVARIATES`` and the ``OUTCOMES``;
        HOMA-IR computed from glucose and insulin.
    """
    n, n_visits = len(ids), len(visits)
    keep = (np.arange(n_visits) <= attended[:, None]).ravel()
    subject_row = np.repeat(np.arange(n), n_visits)[keep]
    codes = np.array([ARM_CODES[a] for a in ARMS])[arm]
    columns: dict[str, Any] = {
        "subject": ids[subject_row],
        "diet": codes[subject_row, 0],
        "exercise": codes[subject_row, 1],
        "visit": np.tile(visits, n)[keep],
        "age": age[subject_row],
        "sex": np.where(male, "M", "F")[subject_row],
        "height": height[subject_row],
    }
    flat = {name: v.ravel()[keep] for name, v in values.items()}
    flat["homa_ir"] = homa_ir(flat["glucose"], flat["insulin"])
    columns.update({name: flat[name] for name in OUTCOMES})
    return pd.DataFrame(columns)
