"""Fitting a model over visits to an analysis set: shared by ``mmrm`` and ``lmm``.

From :class:`~lifestyle_trials.models.design.prepare.AnalysisData` to a fitted model: design matrix
(:mod:`~lifestyle_trials.models.design.model_matrix`), checks that the data can support the model,
grouping by missingness pattern and REML/ML fit (:mod:`~lifestyle_trials.models.engine.reml`), and
the inference object of the chosen df method (:mod:`~lifestyle_trials.models.engine.inference`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..arms import ARMS
from ..errors import ConvergenceError, ModelError, computed
from ..trial import format_visit
from .design.model_matrix import VisitModel, visit_model
from .design.prepare import AnalysisData
from .engine.covariance import Structure, structure
from .engine.inference import DF_METHODS, ContrastInference
from .engine.kenward_roger import kenward_roger
from .engine.reml import (
    Convergence,
    Evaluation,
    GroupedData,
    contract,
    fit_covariance,
    group_by_pattern,
)
from .engine.sandwich import empirical_vcov
from .engine.satterthwaite import parameter_covariance
from .marginal import count_grid

__all__ = ["VisitFit", "check_options", "fit_visits"]

METHODS: tuple[str, ...] = ("reml", "ml")
VCOV_TYPES: tuple[str, ...] = ("model", "empirical")


@dataclass(frozen=True)
class VisitFit:
    """A fitted model over visits (internal to the result classes).

    Attributes
    ----------
    model : VisitModel
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
    """

    model: VisitModel
    struct: Structure
    data: GroupedData
    theta: np.ndarray
    evaluation: Evaluation
    convergence: Convergence
    inference: ContrastInference
    reml: bool
    counts: pd.DataFrame

    @property
    def coef(self) -> pd.Series:
        return pd.Series(self.evaluation.beta, index=list(self.model.columns), name="estimate")

    @property
    def vcov(self) -> pd.DataFrame:
        names = list(self.model.columns)
        return pd.DataFrame(self.inference.vcov, index=names, columns=names)

    @property
    def grid_variables(self) -> dict[str, tuple[Any, ...]]:
        return self.model.grid_variables

    @property
    def grid_counts(self) -> pd.DataFrame:
        """Observations per combination of diet, exercise, visit and categorical
        covariates (for proportional weights in marginal means)."""
        return self.counts

    @property
    def sigma(self) -> pd.DataFrame:
        """Estimated covariance matrix over the visits."""
        labels = [format_visit(v) for v in self.model.visits]
        mat = self.struct.sigma(self.evaluation.psi)
        return pd.DataFrame(mat, index=pd.Index(labels, name="visit"), columns=labels)

    @property
    def correlation(self) -> pd.DataFrame:
        sig = self.sigma
        sd = np.sqrt(np.diag(sig.to_numpy()))
        return sig / np.outer(sd, sd)

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
    if d == "kenward-roger" and m != "reml":
        raise ModelError("Kenward-Roger degrees of freedom need a REML fit (method='reml')")
    if d == "kenward-roger" and v == "empirical":
        raise ModelError(
            "Kenward-Roger adjusts the model-based covariance; with vcov='empirical' use "
            "df_method='satterthwaite' (Bell-McCaffrey df) or 'between-within'"
        )
    return m == "reml", d, v


def fit_visits(
    ad: AnalysisData,
    covariance: str,
    *,
    reml: bool = True,
    df_method: str = "satterthwaite",
    vcov: str = "model",
) -> VisitFit:
    """Fit ``y ~ baseline × visit + diet × exercise × visit (+ covariates)`` with the
    covariance structure ``covariance`` to an analysis set.

    Raises
    ------
    ModelError
        Arms missing, coefficients not estimable, too few subjects for the structure.
    ConvergenceError
        The optimiser did not converge.
    """
    frame = ad.frame
    _require_factorial(ad)
    model = visit_model(frame, ad.visits, ad.covariates)
    x = model.matrix(frame)
    _require_estimable(x, model, frame)
    visits = np.asarray(model.visits)
    position = np.searchsorted(visits, frame["visit"].to_numpy(dtype=float))
    struct = structure(covariance, model.visits)
    data = group_by_pattern(
        frame["y"].to_numpy(dtype=float),
        x,
        frame["subject"].to_numpy(dtype=object),
        position,
        len(visits),
    )
    _require_full_rank(data, model)
    _require_support(data, struct, model)
    theta, ev, conv = fit_covariance(data, struct, reml=reml)
    if not conv.converged:
        raise ConvergenceError(
            f"the {struct.description} covariance model did not converge ({conv.message} "
            f"after {conv.iterations} iterations; largest gradient {conv.gradient_norm:.3g}); "
            f"{struct.simpler_hint()}, or check for a visit whose values the model "
            "predicts exactly (zero residual variance)"
        )
    _require_regular(struct, ev)
    inference = _inference(data, struct, ev, model, frame, df_method, vcov)
    factors = ["diet", "exercise", "visit", *model.levels]
    counts = count_grid(frame, factors)
    return VisitFit(model, struct, data, theta, ev, conv, inference, reml, counts)


def _require_factorial(ad: AnalysisData) -> None:
    missing = [a for a in ARMS if ad.analysed.get(a, 0) == 0]
    if missing:
        raise ModelError(
            "a model of the 2 × 2 design needs subjects in all four arms; no analysed "
            f"subject in {', '.join(missing)}. For a trial without all four arms, compare "
            "each arm with control at one visit: lt.ancova(trial, outcome, estimand='arms', "
            "visit=...)"
        )


def _require_estimable(x: np.ndarray, model: VisitModel, frame: pd.DataFrame) -> None:
    arm = pd.Categorical(frame["arm"], categories=list(ARMS)).codes.astype(np.int64)
    visit = np.searchsorted(np.asarray(model.visits), frame["visit"].to_numpy(dtype=float))
    counts = np.bincount(arm * len(model.visits) + visit, minlength=len(ARMS) * len(model.visits))
    counts = counts.reshape(len(ARMS), len(model.visits))
    empty = [
        f"{ARMS[a]} at visit {format_visit(model.visits[v])}"
        for a, v in zip(*np.nonzero(counts == 0), strict=True)
    ]
    if empty:
        raise ModelError(
            f"no observed outcome for {', '.join(empty)}: the arm-by-visit effects there "
            "cannot be estimated; analyse fewer visits (ancova at one visit) or check the data"
        )


def _require_full_rank(data: GroupedData, model: VisitModel) -> None:
    """Collinear columns (a constant or duplicated covariate), from ``XᵀX`` summed over the
    pattern cross-products (no second pass over the rows)."""
    gram = np.zeros((data.n_coef, data.n_coef))
    for b in data.blocks:
        gram += contract(np.eye(b.visits.size), b.cross_xx())
    scale = np.sqrt(np.diag(gram))
    scale[scale == 0] = 1.0
    w = np.linalg.eigvalsh(gram / np.outer(scale, scale))
    if w[0] <= 1e-10 * w[-1]:
        raise ModelError(
            "the coefficients are not all estimable (collinear columns in "
            f"{', '.join(model.columns[2:])}); remove a covariate that is constant or "
            "duplicates another"
        )


def _require_regular(struct: Structure, ev: Evaluation) -> None:
    """A fitted covariance matrix that is numerically singular is a degenerate fit."""
    values = np.linalg.eigvalsh(struct.sigma(ev.psi))
    if values[0] <= 1e-10 * values[-1]:
        raise ConvergenceError(
            f"the fitted {struct.description} covariance matrix is singular (smallest "
            f"eigenvalue {values[0]:.3g}, largest {values[-1]:.3g}): some combination of "
            "visits has no residual variance, and the likelihood has no maximum. Check for a "
            "visit whose values the model predicts exactly (e.g. copied or imputed values); "
            f"{struct.simpler_hint()}"
        )


def _require_support(data: GroupedData, struct: Structure, model: VisitModel) -> None:
    t = data.n_visits
    if data.n_obs - data.n_coef <= struct.n_params:
        raise ModelError(
            f"{data.n_subjects} subjects with {data.n_obs} observations at {t} visits cannot "
            f"support {data.n_coef} coefficients and {struct.n_params} covariance parameters "
            f"({struct.description}); {struct.simpler_hint()} or analyse fewer visits"
        )
    if struct.name in ("us", "toeph", "toep", "csh", "cs", "ar1", "ar1h") and t > 1:
        together = np.zeros((t, t), dtype=int)
        for b in data.blocks:
            together[np.ix_(b.visits, b.visits)] += b.n
        if struct.name == "us":
            never = np.argwhere(np.triu(together == 0, 1))
            if never.size:
                a, b = never[0]
                raise ModelError(
                    f"no subject was observed at both visit {format_visit(model.visits[a])} "
                    f"and visit {format_visit(model.visits[b])}, so their covariance cannot be "
                    f"estimated with an unstructured covariance; {struct.simpler_hint()}"
                )
            if data.n_subjects <= t:
                raise ModelError(
                    f"an unstructured covariance over {t} visits needs more subjects than "
                    f"visits; there are {data.n_subjects} subjects. "
                    f"{struct.simpler_hint()[0].upper()}{struct.simpler_hint()[1:]}"
                )


def _inference(
    data: GroupedData,
    struct: Structure,
    ev: Evaluation,
    model: VisitModel,
    frame: pd.DataFrame,
    df_method: str,
    vcov: str,
) -> ContrastInference:
    common: dict[str, Any] = {"beta": ev.beta, "model_vcov": ev.vcov}
    if vcov == "empirical":
        sandwich = empirical_vcov(data, struct, ev.psi, ev.beta, ev.vcov)
        if df_method == "satterthwaite":
            return ContrastInference(
                method="empirical",
                vcov=sandwich,
                data=data,
                struct=struct,
                psi=ev.psi,
                **common,
            )
        return ContrastInference(
            method=df_method, vcov=sandwich, coef_df=_coef_df(data, frame, df_method), **common
        )
    if df_method == "satterthwaite":
        cov_psi = parameter_covariance(computed(ev.observed, "the observed information"))
        d_vcov = ev.vcov @ computed(ev.q, "the derivative of the coefficient covariance") @ ev.vcov
        return ContrastInference(
            method=df_method, vcov=ev.vcov, d_vcov=d_vcov, cov_psi=cov_psi, **common
        )
    if df_method == "kenward-roger":
        kr = kenward_roger(data, struct, ev)
        return ContrastInference(method=df_method, vcov=kr.vcov_adjusted, kr=kr, **common)
    return ContrastInference(
        method=df_method, vcov=ev.vcov, coef_df=_coef_df(data, frame, df_method), **common
    )


def _coef_df(data: GroupedData, frame: pd.DataFrame, df_method: str) -> np.ndarray:
    """Residual or between-within df of each coefficient."""
    p = data.n_coef
    if df_method == "residual":
        return np.full(p, float(data.n_obs - p))
    # between-within: does each column vary within a subject?
    varies = np.zeros(p, dtype=bool)
    for b in data.blocks:
        if b.x.shape[1] > 1:
            varies |= np.any(b.x.max(axis=1) != b.x.min(axis=1), axis=0)
    intercept = np.all(np.concatenate([b.x[:, :, 0].ravel() for b in data.blocks]) == 1.0)
    between = ~varies
    if intercept:
        between[0] = False
    n_between = int(between.sum())
    n_within = int(varies.sum()) - (1 if intercept and varies[0] else 0)
    df_between = data.n_subjects - n_between - (1 if intercept else 0)
    df_within = data.n_obs - data.n_subjects - n_within
    out = np.where(between, float(df_between), float(df_within))
    if df_between <= 0 or df_within <= 0:
        raise ModelError(
            f"between-within degrees of freedom are not positive for these data (between "
            f"{df_between}, within {df_within}); use df_method='satterthwaite'"
        )
    return out
