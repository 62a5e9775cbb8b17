"""The terms of the ANCOVA of a diet × exercise trial, as a formula for the one design builder.

A :class:`ModelSpec` names the terms of one model — the treatment terms of the estimand, the
numeric regressors (the baseline value, numeric covariates) and the categorical covariates with
their levels — and writes them as a formula in the order the ANCOVA's tables show them::

    diet + exercise + diet:exercise + baseline + age + sex      (estimand "factorial")
    arm + baseline + age + sex                                  (estimand "arms")

The design matrices come from :func:`~.model_matrix.design_model` (formulaic), built once per
model and coding and cached: the analysed rows to fit, or the points of a reference grid for
marginal means. ``diet`` and ``exercise`` enter as their 0/1 codes, ``arm`` as a factor of the
arms present (control first); numeric regressors enter as they are (not centred), as in R's
``lm``.

Two codings of the factors, both full rank:

``"treatment"`` (R's ``contr.treatment``)
    Coefficients are differences from the reference level. Used for estimation; marginal
    means and contrasts do not depend on the coding.
``"sum"`` (R's ``contr.sum``; diet and exercise coded as factors too)
    Used for type III tests, which are only meaningful with sum-to-zero contrasts.

Coefficient names: ``intercept``, ``diet``, ``exercise``, ``diet:exercise``, ``arm[diet]``, ...,
the numeric regressors by name, ``sex[M]`` for a level of a categorical covariate.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ...arms import ARM_CODES, ARMS
from ...errors import ModelError, computed
from .model_matrix import CONTRASTS, DesignModel, design_model, level_label

__all__ = [
    "CODINGS",
    "ESTIMAND_TREATMENT",
    "FACTORIAL_CONTRASTS",
    "TREATMENTS",
    "ModelSpec",
    "arm_frame",
    "effect_weights",
]

TREATMENTS: tuple[str, ...] = ("additive", "factorial", "arms")
"""Treatment parts: ``diet + exercise``, ``diet * exercise``, one factor of the arms present."""

ESTIMAND_TREATMENT: Mapping[str, str] = {
    "margins": "additive",
    "factorial": "factorial",
    "arms": "arms",
}
"""The treatment part each estimand of the ANCOVA fits."""

FACTORIAL_CONTRASTS: Mapping[str, tuple[float, ...]] = {
    "diet": (-0.5, 0.5, -0.5, 0.5),
    "exercise": (-0.5, -0.5, 0.5, 0.5),
    "diet:exercise": (1.0, -1.0, -1.0, 1.0),
}
"""The factorial effects as contrasts of the arm means (control, diet, exercise,
diet+exercise): each main effect averaged over the other factor, the interaction
(DE - E) - (D - C)."""

CODINGS: tuple[str, ...] = CONTRASTS


def arm_frame() -> pd.DataFrame:
    """The four arms (canonical order) as ``diet`` and ``exercise`` codes.

    Examples
    --------
    >>> arm_frame()["diet"].tolist(), arm_frame()["exercise"].tolist()
    ([0, 1, 0, 1], [0, 0, 1, 1])
    """
    return pd.DataFrame(
        {"diet": [ARM_CODES[a][0] for a in ARMS], "exercise": [ARM_CODES[a][1] for a in ARMS]}
    )


def effect_weights(estimand: str, arms: Iterable[str] = ARMS) -> dict[str, np.ndarray]:
    """The effects an estimand reports, as weights over the four arm means (canonical order).

    ``"arms"``: each arm present minus control; ``"margins"``: diet and exercise;
    ``"factorial"``: those and diet:exercise (:data:`FACTORIAL_CONTRASTS`).

    Examples
    --------
    >>> for term, weights in effect_weights("arms", ["control", "diet", "diet+exercise"]).items():
    ...     print(term, weights)
    diet vs control [-1.  1.  0.  0.]
    diet+exercise vs control [-1.  0.  0.  1.]
    """
    if estimand == "arms":
        out = {}
        for arm in (a for a in ARMS if a in set(arms) and a != "control"):
            weights = np.zeros(len(ARMS))
            weights[ARMS.index(arm)], weights[ARMS.index("control")] = 1.0, -1.0
            out[f"{arm} vs control"] = weights
        return out
    terms = ("diet", "exercise") if estimand == "margins" else tuple(FACTORIAL_CONTRASTS)
    return {t: np.array(FACTORIAL_CONTRASTS[t]) for t in terms}


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

    Examples
    --------
    >>> spec = ModelSpec("factorial", numeric=("baseline",), factors={"sex": ("F", "M")})
    >>> spec.formula()
    'diet + exercise + diet:exercise + baseline + sex'
    >>> [name for name, _ in spec.columns()]
    ['intercept', 'diet', 'exercise', 'diet:exercise', 'baseline', 'sex[M]']
    >>> rows = pd.DataFrame({"diet": [0, 1], "exercise": [1, 1], "baseline": [2.5, 3.0],
    ...                      "sex": ["M", "F"]})
    >>> spec.matrix(rows)
    array([[1. , 0. , 1. , 0. , 2.5, 1. ],
           [1. , 1. , 1. , 1. , 3. , 0. ]])
    >>> spec.matrix(rows, coding="sum")
    array([[ 1. ,  1. , -1. , -1. ,  2.5, -1. ],
           [ 1. , -1. , -1. ,  1. ,  3. ,  1. ]])
    """

    treatment: str
    arms: tuple[str, ...] = ARMS
    numeric: tuple[str, ...] = ()
    factors: Mapping[str, tuple[Any, ...]] | None = None

    def __post_init__(self) -> None:
        if self.treatment not in TREATMENTS:
            raise ModelError(f"unknown treatment part {self.treatment!r}")

    @classmethod
    def for_estimand(
        cls,
        estimand: str,
        arms: tuple[str, ...],
        frame: pd.DataFrame,
        covariates: Iterable[str] = (),
        *,
        baseline: bool = True,
    ) -> ModelSpec:
        """The model of an estimand (:data:`ESTIMAND_TREATMENT`) with the covariates of
        ``frame``: the baseline first (when ``baseline``), numeric covariates linear, the others
        factors with their levels sorted."""
        covs = tuple(covariates)
        numeric = tuple(c for c in covs if frame[c].dtype.kind in "biuf")
        factors = {c: tuple(sorted(pd.unique(frame[c]).tolist())) for c in covs if c not in numeric}
        return cls(
            ESTIMAND_TREATMENT[estimand],
            arms=arms,
            numeric=(("baseline",) if baseline else ()) + numeric,
            factors=factors,
        )

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

    def formula(self) -> str:
        """The right-hand side of the model, terms in the order of :meth:`terms`."""
        return " + ".join(
            ":".join(v if v.isidentifier() else f"`{v}`" for v in term.split(":"))
            for term in self.terms()
        )

    def design(self, coding: str = "treatment") -> DesignModel:
        """The model built by :func:`~.model_matrix.design_model` (cached per model)."""
        if coding not in CODINGS:
            raise ModelError(f"unknown coding {coding!r}; use one of {', '.join(CODINGS)}")
        return self._built(coding).model

    def columns(self) -> list[tuple[str, str]]:
        """``(column name, term)`` of every column, the intercept first."""
        model = self.design()
        labels = {"(Intercept)": "intercept"}
        for name, levels in self._levels().items():
            labels.update({f"{name}{level_label(v)}": f"{name}[{v}]" for v in levels})
        return [(labels.get(c, c), t) for c, t in zip(model.columns, model.terms, strict=True)]

    def term_columns(self) -> dict[str, np.ndarray]:
        """Column positions of each term, ``"(Intercept)"`` included."""
        out: dict[str, list[int]] = {}
        for j, term in enumerate(self.design().terms):
            out.setdefault(term, []).append(j)
        return {k: np.array(v) for k, v in out.items()}

    def matrix(self, frame: pd.DataFrame, coding: str = "treatment") -> np.ndarray:
        """The design matrix of ``frame`` (rows of analysed data or grid points).

        ``frame`` needs ``diet`` and ``exercise`` (0/1), the numeric regressors and the
        categorical covariates. A row in an arm the model has no level for (the arms model of a
        trial without that arm) is all NaN: it cannot be predicted.

        Every term is a main effect of one variable (the treatment terms of the arm), so each
        column depends on one variable: the builder's rows at each arm and each level are
        kept with the model, and a matrix is a lookup in them, numeric columns copied.
        """
        if coding not in CODINGS:
            raise ModelError(f"unknown coding {coding!r}; use one of {', '.join(CODINGS)}")
        built = self._built(coding)
        code = np.asarray(frame["diet"], dtype=np.int64) + 2 * np.asarray(
            frame["exercise"], dtype=np.int64
        )
        out = np.empty((len(code), len(built.model.columns)))
        for j, values in zip(built.arm_columns, built.arm_rows.T, strict=True):
            out[:, j] = values.take(code)
        for name, (levels, columns, rows) in built.factor_rows.items():
            index = levels.get_indexer(frame[name].to_numpy(dtype=object))
            if (index < 0).any():
                bad = sorted({str(v) for v in frame[name].to_numpy(dtype=object)[index < 0]})
                raise ModelError(
                    f"covariate {name!r} has level(s) {', '.join(bad)} the model was not "
                    f"fitted with; its levels are {', '.join(map(str, levels))}"
                )
            out[:, columns] = rows[index]
        for name, j in built.numeric_columns.items():
            out[:, j] = np.asarray(frame[name], dtype=float)
        if built.absent.any():
            out[built.absent.take(code)] = np.nan
        return out

    def _built(self, coding: str) -> _Built:
        return _build(
            self.treatment,
            tuple(self.arms),
            tuple(self.numeric),
            tuple(self.factor_levels.items()),
            coding,
        )

    def _levels(self) -> dict[str, tuple[Any, ...]]:
        """The factors of the model and their levels (the arm factor first)."""
        arms = {"arm": tuple(self.arms)} if self.treatment == "arms" else {}
        return {**arms, **self.factor_levels}


@dataclass(frozen=True, eq=False)
class _Built:
    """A model built by the design builder, with its rows at each arm and level."""

    model: DesignModel
    arm_columns: np.ndarray
    """Columns of the intercept and the treatment terms."""
    arm_rows: np.ndarray
    """Their values in each arm (canonical order); NaN for an arm the model has no level for."""
    absent: np.ndarray
    """Per arm (canonical order): the model has no level for it."""
    factor_rows: Mapping[str, tuple[pd.Index, np.ndarray, np.ndarray]]
    """Per categorical covariate: its levels, its columns, their values at each level."""
    numeric_columns: Mapping[str, int]


@functools.lru_cache(maxsize=64)
def _build(
    treatment: str,
    arms: tuple[str, ...],
    numeric: tuple[str, ...],
    factors: tuple[tuple[str, tuple[Any, ...]], ...],
    coding: str,
) -> _Built:
    """Build the model once from prototype rows: the four arms, then each covariate level."""
    spec = ModelSpec(treatment, arms=arms, numeric=numeric, factors=dict(factors))
    prototype = arm_frame()
    for name in numeric:
        prototype[name] = 0.0
    for name, levels in factors:
        prototype[name] = levels[0]
    absent = np.array([a not in arms for a in ARMS])
    if treatment == "arms":
        prototype["arm"] = [arms[0] if gone else a for a, gone in zip(ARMS, absent, strict=True)]
    blocks = [prototype]
    for name, levels in factors:
        block = prototype.iloc[[0] * len(levels)].reset_index(drop=True)
        block[name] = list(levels)
        blocks.append(block)
    table = pd.concat(blocks, ignore_index=True)
    if coding == "sum" and treatment != "arms":
        for name in ("diet", "exercise"):
            table[name] = pd.Categorical(table[name], categories=(0, 1))
    model = design_model(
        table,
        spec.formula(),
        levels=spec._levels(),
        means=dict.fromkeys(numeric, 0.0),
        contrasts=coding,
        ordering="none",
    )
    x = computed(model.x, "the design matrix")
    terms = np.array(model.terms, dtype=object)
    arm_columns = np.flatnonzero(~np.isin(terms, [*numeric, *dict(factors)]))
    arm_rows = x[:4, arm_columns]
    absent &= treatment == "arms"
    arm_rows[absent] = np.nan
    factor_rows = {}
    start = 4
    for name, levels in factors:
        columns = np.flatnonzero(terms == name)
        factor_rows[name] = (pd.Index(levels), columns, x[start : start + len(levels), columns])
        start += len(levels)
    for values in (arm_rows, absent, *(rows for _, _, rows in factor_rows.values())):
        values.flags.writeable = False
    return _Built(
        model=model,
        arm_columns=arm_columns,
        arm_rows=arm_rows,
        absent=absent,
        factor_rows=factor_rows,
        numeric_columns={name: model.terms.index(name) for name in numeric},
    )
