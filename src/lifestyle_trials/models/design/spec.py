"""Design matrices of baseline-adjusted models of a diet × exercise trial, and their coding.

A :class:`ModelSpec` names the terms of one model — the treatment terms of the estimand, the
numeric regressors (the baseline value, numeric covariates) and the categorical covariates with
their levels — and builds the design matrix of any table that has those columns: the analysed
rows to fit, or the points of a reference grid for marginal means.

Two codings of the factors, both full rank:

``"treatment"`` (R's ``contr.treatment``)
    a 0/1 indicator per level other than the first (diet and exercise: the 0/1 codes
    themselves; arms: an indicator per arm other than control). Coefficients are differences
    from the reference level. Used for estimation; marginal means and contrasts do not depend
    on the coding.
``"sum"`` (R's ``contr.sum``)
    level ``j < k`` of a ``k``-level factor is coded by the unit vector ``e_j``, the last level
    by ``-1`` in every column (a two-level factor: +1 for the first level, -1 for the second).
    Used for type III tests, which are only meaningful with sum-to-zero contrasts.

Numeric regressors enter as they are (not centred), as in R's ``lm``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ...arms import ARM_CODES, ARMS
from ...errors import ModelError

__all__ = ["CODINGS", "TREATMENTS", "ModelSpec"]

TREATMENTS: tuple[str, ...] = ("additive", "factorial", "arms")
"""Treatment parts: ``diet + exercise``, ``diet * exercise``, one factor of the arms present."""

CODINGS: tuple[str, ...] = ("treatment", "sum")


@dataclass(frozen=True)
class ModelSpec:
    """The terms of a linear model of a diet × exercise trial.

    Attributes
    ----------
    treatment : {"additive", "factorial", "arms"}
        ``"additive"``: diet + exercise; ``"factorial"``: diet + exercise + diet:exercise;
        ``"arms"``: one factor with a level per arm in ``arms`` (control first).
    arms : tuple of str
        The arms present (canonical order), used by ``"arms"``.
    numeric : tuple of str
        Numeric regressors, in order (the baseline value first when the model has it).
    factors : Mapping[str, tuple]
        Categorical covariates and their levels (sorted; the first is the reference).
    """

    treatment: str
    arms: tuple[str, ...] = ARMS
    numeric: tuple[str, ...] = ()
    factors: Mapping[str, tuple[Any, ...]] | None = None

    def __post_init__(self) -> None:
        if self.treatment not in TREATMENTS:
            raise ModelError(f"unknown treatment part {self.treatment!r}")

    @property
    def factor_levels(self) -> dict[str, tuple[Any, ...]]:
        """Categorical covariates and their levels."""
        return dict(self.factors or {})

    def terms(self) -> tuple[str, ...]:
        """Model terms in order (the intercept is implicit)."""
        if self.treatment == "arms":
            design: tuple[str, ...] = ("arm",)
        elif self.treatment == "additive":
            design = ("diet", "exercise")
        else:
            design = ("diet", "exercise", "diet:exercise")
        return (*design, *self.numeric, *self.factor_levels)

    def columns(self) -> list[tuple[str, str]]:
        """``(column name, term)`` of every column, the intercept first.

        Names: ``intercept``, ``diet``, ``exercise``, ``diet:exercise``, ``arm[diet]``, ...,
        the numeric regressors by name, ``sex[M]`` for a level of a categorical covariate.
        """
        cols = [("intercept", "(Intercept)")]
        if self.treatment == "arms":
            cols += [(f"arm[{a}]", "arm") for a in self._arm_columns()]
        else:
            cols += [("diet", "diet"), ("exercise", "exercise")]
            if self.treatment == "factorial":
                cols.append(("diet:exercise", "diet:exercise"))
        cols += [(name, name) for name in self.numeric]
        for name, levels in self.factor_levels.items():
            cols += [(f"{name}[{lev}]", name) for lev in levels[1:]]
        return cols

    def _arm_columns(self) -> tuple[str, ...]:
        return tuple(a for a in self.arms if a != "control")

    def term_columns(self) -> dict[str, np.ndarray]:
        """Column positions of each term, ``"(Intercept)"`` included."""
        out: dict[str, list[int]] = {}
        for j, (_, term) in enumerate(self.columns()):
            out.setdefault(term, []).append(j)
        return {k: np.array(v) for k, v in out.items()}

    def matrix(self, frame: pd.DataFrame, coding: str = "treatment") -> np.ndarray:
        """The design matrix of ``frame`` (rows of analysed data or grid points).

        ``frame`` needs ``diet`` and ``exercise`` (0/1), the numeric regressors and the
        categorical covariates. A row in an arm the model has no level for (the arms model of a
        trial without that arm) is all NaN: it cannot be predicted.
        """
        if coding not in CODINGS:
            raise ModelError(f"unknown coding {coding!r}; use one of {', '.join(CODINGS)}")
        n = len(frame)
        diet = np.asarray(frame["diet"], dtype=float)
        exercise = np.asarray(frame["exercise"], dtype=float)
        blocks: list[np.ndarray] = [np.ones((n, 1))]
        unknown = np.zeros(n, dtype=bool)
        if self.treatment == "arms":
            code = diet.astype(np.int64) + 2 * exercise.astype(np.int64)
            arm_of_code = {d + 2 * e: arm for arm, (d, e) in ARM_CODES.items()}
            present = np.array([arm_of_code[c] in self.arms for c in range(4)])
            unknown |= ~present[code]
            labels = np.array(
                [self.arms.index(arm_of_code[c]) if present[c] else -1 for c in range(4)]
            )[code]
            blocks.append(_coded(labels, len(self.arms), coding))
        else:
            d, e = (diet, exercise) if coding == "treatment" else (1 - 2 * diet, 1 - 2 * exercise)
            blocks.append(np.column_stack([d, e]))
            if self.treatment == "factorial":
                blocks.append((d * e)[:, None])
        for name in self.numeric:
            blocks.append(np.asarray(frame[name], dtype=float)[:, None])
        for name, levels in self.factor_levels.items():
            lookup = {lev: i for i, lev in enumerate(levels)}
            idx = np.array([lookup.get(v, -1) for v in frame[name].tolist()])
            if (idx < 0).any():
                bad = sorted(
                    {str(v) for v, i in zip(frame[name].tolist(), idx, strict=True) if i < 0}
                )
                raise ModelError(
                    f"covariate {name!r} has level(s) {', '.join(bad)} the model was not "
                    f"fitted with; its levels are {', '.join(map(str, levels))}"
                )
            blocks.append(_coded(idx, len(levels), coding))
        out = np.hstack(blocks)
        out[unknown] = np.nan
        return out


def _coded(index: np.ndarray, k: int, coding: str) -> np.ndarray:
    """Columns of a ``k``-level factor given each row's level position (-1: unknown)."""
    n = len(index)
    safe = np.where(index < 0, 0, index)
    if coding == "treatment":
        full = np.zeros((n, k))
        full[np.arange(n), safe] = 1.0
        return full[:, 1:]
    eye = np.vstack([np.eye(k - 1), -np.ones((1, k - 1))])
    return eye[safe]
