"""Fitting a model over visits to an analysis set: shared by ``mmrm`` and ``lmm``.

From :class:`~lifestyle_trials.models.design.prepare.AnalysisData` to a fitted model: design matrix
(:mod:`~lifestyle_trials.models.design.model_matrix`), checks that the data can support the model,
grouping by missingness pattern and REML/ML fit (:mod:`~lifestyle_trials.models.engine.reml`), and
the inference object of the chosen df method (:mod:`~lifestyle_trials.models.engine.inference`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConvergenceError, ModelError
from .design.model_matrix import DesignModel, level_label
from .engine.covariance import Structure, grouped, grouped_positions, structure
from .engine.covariance.spatial import SpatialExponential
from .engine.inference import DF_METHODS, ContrastInference, contrast_inference
from .engine.reml import (
    Convergence,
    Evaluation,
    GroupedData,
    contract,
    fit_covariance,
    group_by_pattern,
)
from .engine.subject_times import subject_stacks
from .grid import count_grid, level_labels

__all__ = ["VisitFit", "check_options", "fit_visits"]

METHODS: tuple[str, ...] = ("reml", "ml")
LISTED_TIMES = 62
"""``sigma`` lists a structure over subject-specific times (``sp_exp(time | subject)``) at
its distinct times when there are at most this many, else at distances 0 and 1."""
VCOV_TYPES: tuple[str, ...] = ("model", "empirical")


@dataclass(frozen=True)
class VisitFit:
    """A fitted model over visits (internal to the result classes).

    Attributes
    ----------
    model : DesignModel
    struct : Structure
    data : GroupedData
    theta : ndarray
        Working covariance parameters at the optimum.
    evaluation : Evaluation
        Likelihood, estimates and derivatives at the optimum.
    convergence : Convergence
    inference : ContrastInference
    reml : bool
    counts : DataFrame
        Observations per grid cell (see ``grid_counts``).
    visit_labels : tuple of str
        The visits the covariance is over, as text.
    """

    model: DesignModel
    struct: Structure
    data: GroupedData
    theta: np.ndarray
    evaluation: Evaluation
    convergence: Convergence
    inference: ContrastInference
    reml: bool
    counts: pd.DataFrame
    visit_labels: tuple[str, ...]
    groups: tuple[str, ...] = ()

    @property
    def coef(self) -> pd.Series:
        return pd.Series(self.evaluation.beta, index=list(self.model.columns), name="estimate")

    @property
    def vcov(self) -> pd.DataFrame:
        names = list(self.model.columns)
        return pd.DataFrame(self.inference.vcov, index=names, columns=names)

    @property
    def grid_variables(self) -> Mapping[str, tuple[Any, ...]]:
        return self.model.grid_variables

    @property
    def grid_counts(self) -> pd.DataFrame:
        """Observations per combination of the model's factors (for proportional weights
        in marginal means)."""
        return self.counts

    @property
    def sigma(self) -> pd.DataFrame:
        """Estimated covariance matrix over the visits; with a covariance per group, the
        groups' matrices stacked, rows indexed by ``(group, visit)`` (``sigma.loc[g]`` is
        group ``g``'s). Over more than :data:`LISTED_TIMES` subject-specific times
        (``sp_exp(time | subject)``), ``Σ`` at distances 0 and 1 (R mmrm's ``VarCorr``), rows
        indexed by ``distance``."""
        labels = list(self.visit_labels)
        if self.struct.local and len(labels) > LISTED_TIMES:
            unit = SpatialExponential((0.0, 1.0))
            psi, k = self.evaluation.psi, unit.n_params
            mats = [unit.sigma(psi[g * k : (g + 1) * k]) for g in range(len(self.groups) or 1)]
            distance = ["0", "1"]
            if not self.groups:
                index = pd.Index(distance, name="distance")
                return pd.DataFrame(mats[0], index=index, columns=distance)
            names = ["group", "distance"]
            index = pd.MultiIndex.from_product([self.groups, distance], names=names)
            return pd.DataFrame(np.vstack(mats), index=index, columns=distance)
        mat = self.struct.sigma(self.evaluation.psi)
        if not self.groups:
            return pd.DataFrame(mat, index=pd.Index(labels, name="visit"), columns=labels)
        t = len(labels)
        blocks = [mat[g * t : (g + 1) * t, g * t : (g + 1) * t] for g in range(len(self.groups))]
        index = pd.MultiIndex.from_product([self.groups, labels], names=["group", "visit"])
        return pd.DataFrame(np.vstack(blocks), index=index, columns=labels)

    @property
    def correlation(self) -> pd.DataFrame:
        sig = self.sigma
        t = sig.shape[1]
        mats = sig.to_numpy().reshape(-1, t, t)
        sd = np.sqrt(np.diagonal(mats, axis1=1, axis2=2))
        corr = mats / (sd[:, :, None] * sd[:, None, :])
        return pd.DataFrame(corr.reshape(-1, t), index=sig.index, columns=sig.columns)

    @property
    def parameters(self) -> pd.Series:
        return pd.Series(
            self.evaluation.psi, index=list(self.struct.param_names()), name="estimate"
        )

    def information_criteria(self) -> tuple[float, float, float]:
        """Log-likelihood, AIC and BIC (parameters: covariance parameters, plus the
        coefficients for ML; BIC with the number of subjects)."""
        loglik = self.evaluation.loglik
        k = self.struct.n_params + (0 if self.reml else self.data.n_coef)
        return loglik, -2.0 * loglik + 2.0 * k, -2.0 * loglik + k * np.log(self.data.n_subjects)

    def model_rows(self, grid: pd.DataFrame) -> np.ndarray:
        return self.model.matrix(grid)

    def contrast_df(self, contrasts: np.ndarray) -> np.ndarray:
        return self.inference.df(contrasts)


def check_options(
    method: str, df_method: str, vcov: str, level: float = 0.95
) -> tuple[bool, str, str]:
    """Validate and normalise ``method``, ``df_method`` and ``vcov`` (and ``level``)."""
    if not 0.0 < float(level) < 1.0:
        raise ModelError(f"level must be between 0 and 1 (e.g. 0.95), not {level!r}")
    m = str(method).lower()
    if m not in METHODS:
        raise ModelError(f"method must be 'reml' or 'ml', not {method!r}")
    d = str(df_method).lower().replace("_", "-")
    d = {"kr": "kenward-roger", "kenward_roger": "kenward-roger", "bw": "between-within"}.get(d, d)
    if d not in DF_METHODS:
        raise ModelError(f"df_method must be one of {', '.join(DF_METHODS)}, not {df_method!r}")
    v = str(vcov).lower()
    if v not in VCOV_TYPES:
        raise ModelError(f"vcov must be 'model' or 'empirical', not {vcov!r}")
    if d.startswith("kenward-roger") and m != "reml":
        raise ModelError("Kenward-Roger degrees of freedom need a REML fit (method='reml')")
    if d.startswith("kenward-roger") and v == "empirical":
        raise ModelError(
            "Kenward-Roger adjusts the model-based covariance; with vcov='empirical' use "
            "df_method='satterthwaite' (Bell-McCaffrey df) or 'between-within'"
        )
    return m == "reml", d, v


def fit_visits(
    frame: pd.DataFrame,
    model: DesignModel,
    covariance: str,
    *,
    position: np.ndarray,
    times: Sequence[float],
    visit_labels: Sequence[str],
    response: str = "y",
    subject: str = "subject",
    reml: bool = True,
    df_method: str = "satterthwaite",
    vcov: str = "model",
    visit: str | None = None,
    group_codes: np.ndarray | None = None,
    groups: Sequence[str] = (),
    weights: np.ndarray | None = None,
    coordinates: bool = False,
) -> VisitFit:
    """Fit the fixed effects ``model`` with the covariance structure ``covariance`` over the
    visits of each subject.

    Parameters
    ----------
    frame : DataFrame
        The analysed rows: the response, the subject and the model's columns.
    model : DesignModel
    covariance : str
        A structure of the registry (``"us"``, ``"ar1"``, ...; ``"intercept"``/``"slope"``
        for random effects).
    position : ndarray of int
        Position of each row's visit among the visits (0-based).
    times : sequence of float
        The visits as numbers (times for a random slope; order for the others).
    visit_labels : sequence of str
        The visits as text (names of the covariance matrix's rows).
    visit : str, optional
        The column of the visits, when it is a factor of the model: every combination of it
        with the other factors of an interaction must be observed.
    group_codes : ndarray of int, optional
        Position of each row's group among ``groups``: one covariance matrix per group (the
        structure ``covariance`` with its own parameters in each; R mmrm's
        ``us(AVISIT | ARMCD / USUBJID)``).
    groups : sequence of str
        The groups' names.
    weights : ndarray, optional
        Positive observation weights: row ``i`` has variance ``Σ_vv / w_i`` (R mmrm's
        ``weights``, SAS's ``WEIGHT``).
    coordinates : bool, default False
        ``sp_exp`` over subject-specific times: ``times`` are the distinct times of the
        rows and each subject's covariance comes from its own times
        (:class:`~lifestyle_trials.models.engine.covariance.spatial.SpatialExponential`),
        with ``group_codes`` its group's parameters.

    Raises
    ------
    ModelError
        Empty cells, coefficients not estimable, too few subjects for the structure.
    ConvergenceError
        The optimiser did not converge.
    """
    _require_cells(frame, model, visit)
    x = model.x if model.x is not None and len(model.x) == len(frame) else model.matrix(frame)
    struct = structure(covariance, tuple(float(t) for t in times))
    if coordinates and isinstance(struct, SpatialExponential):
        struct = SpatialExponential(struct.visits, coordinates=True)
    n_positions = len(visit_labels)
    group_names = tuple(str(g) for g in groups)
    if group_codes is not None:
        struct = grouped(struct, group_names)
        position = grouped_positions(position, group_codes, n_positions)
        n_positions *= len(group_names)
    data = group_by_pattern(
        frame[response].to_numpy(dtype=float),
        x,
        frame[subject].to_numpy(dtype=object),
        position,
        n_positions,
        weights=weights,
    )
    _require_full_rank(data, model)
    labels = tuple(str(v) for v in visit_labels)
    _require_support(data, struct, labels, group_names)
    theta, ev, conv = fit_covariance(data, struct, reml=reml)
    if not conv.converged:
        raise ConvergenceError(
            f"the {struct.description} covariance model did not converge ({conv.message} "
            f"after {conv.iterations} iterations; largest gradient {conv.gradient_norm:.3g}); "
            f"{struct.simpler_hint()}, or check for a visit whose values the model "
            "predicts exactly (zero residual variance)"
        )
    _require_regular(struct, ev, data)
    inference = contrast_inference(data, struct, ev, df_method=df_method, vcov=vcov)
    counts = count_grid(frame, list(model.factors))
    return VisitFit(
        model, struct, data, theta, ev, conv, inference, reml, counts, labels, group_names
    )


def _require_cells(frame: pd.DataFrame, model: DesignModel, visit: str | None) -> None:
    """Every combination of the factors of an interaction with the visit is observed."""
    if visit is None or visit not in model.levels:
        return
    seen: set[tuple[str, ...]] = set()
    for term in dict.fromkeys(model.terms):
        names = term.split(":")
        if visit not in names or len(names) < 2 or any(n not in model.levels for n in names):
            continue
        others = tuple(n for n in model.levels if n in names and n != visit)
        if others in seen:
            continue
        seen.add(others)
        keys = [*others, visit]
        codes = np.zeros(len(frame), dtype=np.int64)
        size = 1
        for k in keys:
            lev = model.levels[k]
            pos = pd.Index(lev).get_indexer(frame[k].astype(object).to_numpy())
            codes = codes * len(lev) + pos
            size *= len(lev)
        counts = np.bincount(codes, minlength=size)
        if (counts == 0).any():
            empty = pd.MultiIndex.from_product([model.levels[k] for k in keys], names=keys)[
                counts == 0
            ]
            table = empty.to_frame(index=False)
            labels = level_labels(table, list(others), model.grid_variables)
            if len(others) == 1 and table[others[0]].dtype.kind not in "biuf":
                labels = [f"{others[0]} {lab}" for lab in labels]
            where = [
                f"{lab} at {visit} {level_label(v)}"
                for lab, v in zip(labels, table[visit], strict=True)
            ]
            raise ModelError(
                f"no observed outcome for {', '.join(where)}: the effects there cannot be "
                "estimated; analyse fewer visits (ancova at one visit) or check the data"
            )


def _require_full_rank(data: GroupedData, model: DesignModel) -> None:
    """Collinear columns (a constant or duplicated covariate, an empty cell), from ``XᵀX``
    summed over the pattern cross-products (no second pass over the rows)."""
    gram = np.zeros((data.n_coef, data.n_coef))
    for b in data.blocks:
        gram += contract(np.eye(b.visits.size), b.cross_xx())
    scale = np.sqrt(np.diag(gram))
    scale[scale == 0] = 1.0
    w, v = np.linalg.eigh(gram / np.outer(scale, scale))
    if w[0] <= 1e-10 * w[-1]:
        null = np.abs(v[:, 0]) > 1e-6 * np.abs(v[:, 0]).max()
        columns = [c for c, bad in zip(model.columns, null, strict=True) if bad]
        terms = list(dict.fromkeys(t for t, bad in zip(model.terms, null, strict=True) if bad))
        raise ModelError(
            "the coefficients are not all estimable: the design matrix is rank deficient, "
            f"collinear columns {', '.join(columns)} (terms {', '.join(terms)}); remove a "
            "term that is constant or duplicates another, or a combination of factor levels "
            "with no data"
        )


def _require_regular(struct: Structure, ev: Evaluation, data: GroupedData) -> None:
    """A fitted covariance matrix that is numerically singular is a degenerate fit (for a
    structure over subject-specific times: the matrix of some subject)."""
    if struct.local:
        spectra = [
            np.linalg.eigvalsh(struct.sigma_at(ev.psi, i)) for i, _, _ in subject_stacks(data)
        ]
        worst = [v[np.argmin(v[:, 0] / v[:, -1])] for v in spectra]
        values = min(worst, key=lambda v: v[0] / v[-1])
    else:
        values = np.linalg.eigvalsh(struct.sigma(ev.psi))
    if values[0] <= 1e-10 * values[-1]:
        raise ConvergenceError(
            f"the fitted {struct.description} covariance matrix is singular (smallest "
            f"eigenvalue {values[0]:.3g}, largest {values[-1]:.3g}): some combination of "
            "visits has no residual variance, and the likelihood has no maximum. Check for a "
            "visit whose values the model predicts exactly (e.g. copied or imputed values); "
            f"{struct.simpler_hint()}"
        )


def _require_support(
    data: GroupedData, struct: Structure, labels: tuple[str, ...], groups: tuple[str, ...] = ()
) -> None:
    t = len(labels)
    if data.n_subjects < 2:
        raise ModelError(
            f"one subject cannot support a covariance model over visits; there is "
            f"{data.n_subjects}. Check the subject column"
        )
    if data.n_obs - data.n_coef <= struct.n_params:
        raise ModelError(
            f"{data.n_subjects} subjects with {data.n_obs} observations at {t} visits cannot "
            f"support {data.n_coef} coefficients and {struct.n_params} covariance parameters "
            f"({struct.description}); {struct.simpler_hint()} or analyse fewer visits"
        )
    base = getattr(struct, "base", struct)
    if base.name != "us" or t < 2:
        return
    for g in range(max(len(groups), 1)):
        together = np.zeros((t, t), dtype=int)
        n_subjects = 0
        for b in data.blocks:
            if b.visits[0] // t != g:
                continue
            together[np.ix_(b.visits - g * t, b.visits - g * t)] += b.n
            n_subjects += b.n
        where = f" in group {groups[g]}" if groups else ""
        never = np.argwhere(np.triu(together == 0, 1))
        if never.size:
            a, b = never[0]
            raise ModelError(
                f"no subject{where} was observed at both visit {labels[a]} "
                f"and visit {labels[b]}, so their covariance cannot be "
                f"estimated with an unstructured covariance; {struct.simpler_hint()}"
            )
        if n_subjects <= t:
            raise ModelError(
                f"an unstructured covariance over {t} visits needs more subjects than "
                f"visits; there are {n_subjects} subjects{where}. "
                f"{struct.simpler_hint()[0].upper()}{struct.simpler_hint()[1:]}"
            )
