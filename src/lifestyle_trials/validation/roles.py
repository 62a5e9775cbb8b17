"""Roles of the columns other than the design: outcomes, covariates, or not used.

Outcomes vary by visit; covariates are subject-level, one value per subject (given on all of
a subject's rows, or only on its first visit, and then filled on its other rows).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import Problem
from ..units import DEFAULT_UNITS
from .groups import SubjectGroups

__all__ = ["KNOWN_COVARIATES", "covariate_values", "decide_roles"]

KNOWN_COVARIATES: tuple[str, ...] = ("age", "sex", "height", "centre", "center", "site")
"""Column names taken as subject-level covariates without looking at their values."""


def decide_roles(
    numeric: Mapping[str, np.ndarray],
    text: Mapping[str, tuple[np.ndarray, Any]],
    groups: SubjectGroups,
    outcomes: Iterable[str] | None,
    covariates: Iterable[str] | None,
    columns: list[str],
    problems: list[Problem],
    fixed_outcomes: Sequence[str] = (),
) -> tuple[list[str], list[str], list[str]]:
    """Outcomes, covariates and columns not used, as declared or guessed.

    Declared roles are checked (a name not in the data, a text outcome). Guessed: well-known
    outcome names are outcomes and :data:`KNOWN_COVARIATES` covariates; another column is a
    covariate when it looks subject-level, else an outcome (numeric) or not used (text).
    """
    available = [c for c in columns if c in numeric or c in text]
    if outcomes is not None or covariates is not None:
        outs = list(outcomes or [])
        covs = list(covariates or [])
        for col in (*outs, *covs):
            if col not in available:
                close = difflib.get_close_matches(col, columns, n=2)
                guess = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
                problems.append(
                    Problem(
                        col,
                        "column named in outcomes/covariates is not in the data",
                        f"columns found: {', '.join(columns)}{guess}",
                    )
                )
        for col in outs:
            if col in text:
                problems.append(
                    Problem(
                        col,
                        "an outcome must be numeric; this column is text",
                        "give it as a covariate, or correct its values",
                    )
                )
        outs = [c for c in outs if c in numeric]
        covs = [c for c in covs if c in available]
        if outcomes is None:
            outs = [c for c in numeric if c not in covs]
        unused = [c for c in available if c not in outs and c not in covs]
        return outs, covs, unused
    outs, covs, unused = [], [], []
    for col in available:
        if col in fixed_outcomes and col in numeric:
            outs.append(col)
        elif col in KNOWN_COVARIATES:
            covs.append(col)
        elif col in numeric and col in DEFAULT_UNITS:
            outs.append(col)
        elif col in numeric:
            values = numeric[col]
            (covs if groups.subject_level(values, ~np.isnan(values)) else outs).append(col)
        else:
            ids = text[col][0]
            (covs if groups.subject_level(ids, ids >= 0) else unused).append(col)
    return outs, covs, unused


def covariate_values(
    name: str,
    column: pd.Series,
    numeric: np.ndarray | None,
    factorized: tuple[np.ndarray, Any] | None,
    groups: SubjectGroups,
    subjects: pd.Index,
    problems: list[Problem],
    steps: list[str],
) -> Any:
    """A covariate's values on every row, filled within subject; a problem where they vary.

    ``column`` is the covariate as read; ``numeric`` holds the parsed values of a numeric
    column, ``factorized`` the codes and distinct values of a text column. Integer covariates
    (age) stay integers.
    """
    if numeric is not None:
        filled, varies, n_filled = groups.fill_constant(numeric)
    elif factorized is not None:
        filled, varies, n_filled = groups.fill_text(*factorized, column)
    else:
        raise TypeError(f"covariate {name!r}: give its numeric values or its factorisation")
    if varies.any():
        problems.append(
            Problem(
                name,
                "covariate changes between visits of the same subject",
                "a covariate must be one value per subject (e.g. its baseline value); "
                "give it as an outcome if it is measured at each visit",
                subjects=tuple(subjects[varies]),
            )
        )
    if n_filled:
        steps.append(f"covariate {name} filled within subject on {n_filled} row(s)")
    if (
        isinstance(filled, np.ndarray)
        and filled.dtype.kind == "f"
        and pd.api.types.is_integer_dtype(column.dtype)
        and not np.isnan(filled).any()
    ):
        filled = filled.astype(np.int64)  # integer covariates (age) stay integers
    return filled
