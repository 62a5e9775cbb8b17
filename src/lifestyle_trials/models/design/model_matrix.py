"""The fixed effects of a repeated-measures model of a 2 × 2 trial, as a design matrix.

``y ~ baseline × visit + diet × exercise × visit + covariates``, with ``visit`` a factor over
the analysed visits, in R's treatment coding (the first visit, diet = 0, exercise = 0 and
the first level of a text covariate are the references), so the coefficients have the
meaning and the names of R's ``lm``/``gls``/``lmer`` coefficients for the same formula::

    (Intercept), baseline, visit<v>, diet, exercise, <covariates>,
    baseline:visit<v>, diet:exercise, diet:visit<v>, exercise:visit<v>,
    diet:exercise:visit<v>

(``<v>`` runs over the visits after the first). With a single analysed visit the model is
the ANCOVA ``y ~ baseline + diet × exercise + covariates``. Numeric covariates enter
linearly; text, categorical and boolean covariates as indicator columns ``<name><level>``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from ...errors import ModelError
from ...trial import format_visit

__all__ = ["VisitModel", "visit_model"]


@dataclass(frozen=True)
class VisitModel:
    """The fixed-effects specification of a model over visits.

    Attributes
    ----------
    visits : tuple of float
        The analysed visits, in order.
    covariates : tuple of str
    levels : Mapping[str, tuple]
        Levels of each categorical covariate (the first is the reference).
    means : Mapping[str, float]
        Mean of ``baseline`` and of each numeric covariate over the analysed subjects
        (one value per subject): the values marginal means hold them at.
    columns : tuple of str
        Names of the coefficients, in order.
    terms : tuple of str
        The model term of each column (``"(Intercept)"``, ``"baseline"``, ``"visit"``,
        ``"diet:visit"``, a covariate name, ...).
    """

    visits: tuple[float, ...]
    covariates: tuple[str, ...]
    levels: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    means: Mapping[str, float] = field(default_factory=dict)
    columns: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()

    @property
    def grid_variables(self) -> dict[str, tuple[Any, ...]]:
        """Reference-grid variables: diet, exercise, visit and categorical covariates with
        their levels; baseline and numeric covariates at their mean."""
        out: dict[str, tuple[Any, ...]] = {
            "diet": (0, 1),
            "exercise": (0, 1),
            "visit": self.visits,
            "baseline": (self.means["baseline"],),
        }
        for cov in self.covariates:
            out[cov] = self.levels[cov] if cov in self.levels else (self.means[cov],)
        return out

    @property
    def numeric(self) -> tuple[str, ...]:
        """The numeric variables of the model (baseline and numeric covariates)."""
        return ("baseline", *(c for c in self.covariates if c not in self.levels))

    def matrix(self, frame: pd.DataFrame) -> np.ndarray:
        """Rows of the design matrix for the rows of ``frame`` (columns diet, exercise,
        visit, baseline and the covariates).

        Raises
        ------
        ModelError
            A missing column, a visit not in the model or an unknown covariate level.
        """
        needed = ["diet", "exercise", "visit", "baseline", *self.covariates]
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise ModelError(f"the grid lacks the column(s) {', '.join(missing)}")
        n = len(frame)
        visit = frame["visit"].to_numpy(dtype=float)
        known = np.asarray(self.visits, dtype=float)
        pos = np.searchsorted(known, visit)
        pos_ok = (pos < known.size) & (known[np.minimum(pos, known.size - 1)] == visit)
        if not np.all(pos_ok):
            bad = sorted({format_visit(v) for v in visit[~pos_ok]})
            raise ModelError(
                f"visit(s) {', '.join(bad)} not in the model; its visits are "
                f"{', '.join(format_visit(v) for v in self.visits)}"
            )
        ind = np.zeros((n, known.size))
        ind[np.arange(n), pos] = 1.0
        later = ind[:, 1:]
        base = frame["baseline"].to_numpy(dtype=float)[:, None]
        diet = frame["diet"].to_numpy(dtype=float)[:, None]
        exercise = frame["exercise"].to_numpy(dtype=float)[:, None]
        covs = [self._covariate_columns(frame, c) for c in self.covariates]
        blocks = [
            np.ones((n, 1)),
            base,
            later,
            diet,
            exercise,
            *covs,
            base * later,
            diet * exercise,
            diet * later,
            exercise * later,
            diet * exercise * later,
        ]
        return np.hstack(blocks)

    def _covariate_columns(self, frame: pd.DataFrame, cov: str) -> np.ndarray:
        values = frame[cov]
        if cov not in self.levels:
            return values.to_numpy(dtype=float)[:, None]
        levels = self.levels[cov]
        known = pd.Index(levels)
        codes = known.get_indexer(values.to_numpy(dtype=object))
        if np.any(codes < 0):
            bad = sorted({str(v) for v in values[codes < 0]})
            raise ModelError(
                f"covariate {cov!r} has level(s) {', '.join(bad)} not in the model; "
                f"its levels are {', '.join(map(str, levels))}"
            )
        return (codes[:, None] == np.arange(1, len(levels))[None, :]).astype(float)


def visit_model(
    frame: pd.DataFrame, visits: Sequence[float], covariates: Sequence[str] = ()
) -> VisitModel:
    """The model specification for an analysis frame (one row per subject and visit).

    ``frame`` has the columns subject, diet, exercise, visit, baseline and the covariates.
    Means of baseline and numeric covariates are taken over subjects (one value each), as
    emmeans does over the rows of a model with one row per subject; with missing visits
    the two differ and the subject mean is the one that does not depend on dropout.

    Examples
    --------
    >>> frame = pd.DataFrame({"subject": ["a", "a", "b"], "diet": [0, 0, 1],
    ...     "exercise": [1, 1, 0], "visit": [6.0, 12.0, 6.0], "baseline": [5.0, 5.0, 7.0]})
    >>> model = visit_model(frame, (6.0, 12.0))
    >>> model.columns
    ('(Intercept)', 'baseline', 'visit12', 'diet', 'exercise', 'baseline:visit12', \
'diet:exercise', 'diet:visit12', 'exercise:visit12', 'diet:exercise:visit12')
    >>> model.means["baseline"]
    6.0
    """
    visits = tuple(float(v) for v in visits)
    if list(visits) != sorted(set(visits)):
        raise ModelError("the analysed visits must be distinct and in increasing order")
    per_subject = frame.drop_duplicates("subject")
    levels: dict[str, tuple[Any, ...]] = {}
    means: dict[str, float] = {"baseline": float(per_subject["baseline"].mean())}
    for cov in covariates:
        col = per_subject[cov]
        if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
            found = pd.unique(col.dropna())
            if isinstance(col.dtype, pd.CategoricalDtype):
                cats = [c for c in col.cat.categories if c in set(found)]
            else:
                cats = sorted(found, key=str)
            if len(cats) < 2:
                raise ModelError(
                    f"covariate {cov!r} has a single level among the analysed subjects; "
                    "leave it out of the model"
                )
            levels[cov] = tuple(cats)
        else:
            means[cov] = float(col.mean())
    labels = [format_visit(v) for v in visits[1:]]
    columns: list[str] = ["(Intercept)", "baseline"]
    terms: list[str] = ["(Intercept)", "baseline"]

    def add(names: list[str], term: str) -> None:
        columns.extend(names)
        terms.extend([term] * len(names))

    add([f"visit{v}" for v in labels], "visit")
    add(["diet"], "diet")
    add(["exercise"], "exercise")
    for cov in covariates:
        add([f"{cov}{lev}" for lev in levels[cov][1:]] if cov in levels else [cov], cov)
    add([f"baseline:visit{v}" for v in labels], "baseline:visit")
    add(["diet:exercise"], "diet:exercise")
    add([f"diet:visit{v}" for v in labels], "diet:visit")
    add([f"exercise:visit{v}" for v in labels], "exercise:visit")
    add([f"diet:exercise:visit{v}" for v in labels], "diet:exercise:visit")
    return VisitModel(
        visits=visits,
        covariates=tuple(covariates),
        levels=MappingProxyType(levels),
        means=MappingProxyType(means),
        columns=tuple(columns),
        terms=tuple(terms),
    )
