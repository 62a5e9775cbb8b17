"""Rows grouped by subject, in subject × visit order, computed once and shared by the checks.

Subjects are integer codes (in order of first appearance); the table is put in subject ×
visit order once (no copy when it already is). Duplicates, values that change within a
subject and covariates that vary are then comparisons of neighbouring rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["SubjectGroups"]


class SubjectGroups:
    """Rows grouped by subject, in subject × visit order (computed once, reused by checks).

    Parameters
    ----------
    codes : ndarray of int
        Subject code per row, -1 where the subject is missing.
    visits : ndarray of float
        Visit per row (NaN where missing).
    n_subjects : int
        Number of subject codes.

    Examples
    --------
    >>> groups = SubjectGroups(np.array([0, 1, 0]), np.array([12.0, 0.0, 0.0]), 2)
    >>> groups.varies(np.array([5, 7, 6]), np.ones(3, dtype=bool)).tolist()
    [True, False]
    """

    def __init__(self, codes: np.ndarray, visits: np.ndarray, n_subjects: int) -> None:
        self.codes = codes
        self.visits = visits
        self.n_subjects = n_subjects
        self.known = codes >= 0
        if len(codes) < 2 or _is_sorted(codes, visits):
            self.order: np.ndarray | None = None
            self.sorted_codes = codes
        else:
            self.order = np.lexsort((visits, codes))
            self.sorted_codes = codes[self.order]

    def sort(self, values: np.ndarray) -> np.ndarray:
        """The values in subject × visit order."""
        return values if self.order is None else values[self.order]

    def subject_level(self, values: np.ndarray, observed: np.ndarray) -> bool:
        """True when the values look like a subject-level covariate: no subject's values vary,
        and each subject has them on all its rows, on none, or only on its first visit."""
        if self.varies(values, observed).any():
            return False
        n_rows = np.bincount(self.codes[self.known], minlength=self.n_subjects)
        n_obs = np.bincount(self.codes[self.known & observed], minlength=self.n_subjects)
        c = self.sorted_codes
        start = np.flatnonzero((c >= 0) & np.append(True, c[1:] != c[:-1]))
        first_observed = np.zeros(self.n_subjects, dtype=bool)
        first_observed[c[start]] = self.sort(observed)[start]
        ok = (n_obs == n_rows) | (n_obs == 0) | ((n_obs == 1) & first_observed)
        return bool(ok.all())

    def varies(self, values: np.ndarray, observed: np.ndarray) -> np.ndarray:
        """Per subject: True when the observed values are not all equal."""
        c, v = self._observed(values, observed)
        flag = np.zeros(self.n_subjects, dtype=bool)
        if len(c) > 1:
            change = (c[1:] == c[:-1]) & (v[1:] != v[:-1])
            flag[c[1:][change]] = True
        return flag

    def fill_constant(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        """Subject-level numeric values on every row, subjects where they vary, rows filled.

        A value missing on some of a subject's rows is filled from the subject's other rows.
        """
        observed = ~np.isnan(values)
        varies = self.varies(values, observed)
        filled, n_filled = self._fill(values, observed, np.nan)
        return filled, varies, n_filled

    def fill_text(
        self, ids: np.ndarray, uniques: Any, values: pd.Series
    ) -> tuple[Any, np.ndarray, int]:
        """As :meth:`fill_constant` for a text column given by its factorisation."""
        observed = ids >= 0
        varies = self.varies(ids, observed)
        filled_ids, n_filled = self._fill(ids, observed, -1)
        if not n_filled:
            return values.array, varies, 0
        filled = pd.Series(np.asarray(uniques, dtype=object)).take(np.maximum(filled_ids, 0))
        out = filled.to_numpy(dtype=object)
        out[filled_ids < 0] = None
        return out, varies, n_filled

    def _observed(self, values: np.ndarray, observed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Subject codes and values of the observed rows of known subjects, in order."""
        mask = observed & self.known
        if mask.all():
            return self.sorted_codes, self.sort(values)
        mask = self.sort(mask)
        return self.sorted_codes[mask], self.sort(values)[mask]

    def _fill(self, values: np.ndarray, observed: np.ndarray, empty: float) -> tuple[Any, int]:
        missing = ~observed & self.known
        if not missing.any():
            return values, 0
        c, v = self._observed(values, observed)
        first = np.ones(len(c), dtype=bool)
        first[1:] = c[1:] != c[:-1]
        per_subject = np.full(self.n_subjects, empty, dtype=values.dtype)
        per_subject[c[first]] = v[first]
        out = values.copy()
        out[missing] = per_subject[self.codes[missing]]
        now = out[missing]
        n_filled = int((~np.isnan(now)).sum() if values.dtype.kind == "f" else (now >= 0).sum())
        return out, n_filled


def _is_sorted(codes: np.ndarray, visits: np.ndarray) -> bool:
    """True when rows are already grouped by subject in first-appearance order, visits rising."""
    step = codes[1:] - codes[:-1]
    if (step < 0).any():
        return False
    with np.errstate(invalid="ignore"):
        return bool(((step > 0) | (visits[1:] > visits[:-1])).all())
