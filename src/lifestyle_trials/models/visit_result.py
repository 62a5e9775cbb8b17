"""What MMRM and random-effects results share: the result class and its tables.

The tables (factorial effects at each visit, marginal means by arm and visit, type III
tests, subjects per arm and visit) are built from a
:class:`~lifestyle_trials.models.visit_fit.VisitFit` through
:mod:`~lifestyle_trials.models.marginal` and :mod:`~lifestyle_trials.models.engine.ftest`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..jsonable import jsonable
from ..trial import Exclusion, format_visit
from .design.prepare import AnalysisData
from .engine.ftest import TEST_COLUMNS, type3_hypotheses
from .engine.reml import Convergence
from .marginal import contrast, marginal_means
from .results import text_table
from .visit_fit import VisitFit

__all__ = [
    "VisitModelResult",
    "arm_counts",
    "factorial_tables",
    "result_dict",
    "summary_text",
    "type3_table",
]


@dataclass(frozen=True, kw_only=True)
class VisitModelResult:
    """A fitted model over visits (MMRM or random effects): what both results share.

    Attributes
    ----------
    outcome : str
    df_method : str
    method : str
        ``"REML"`` or ``"ML"``.
    vcov_type : str
        ``"model"`` or ``"empirical"`` (sandwich) standard errors.
    log : bool
    visits : tuple of float
        The analysed (post-baseline) visits.
    covariates : tuple of str
    effects : DataFrame
        ``term, visit, estimate, std_error, df, statistic, p_value, conf_low, conf_high``
        (+ ``ratio, ratio_low, ratio_high`` when ``log``): ``diet`` and ``exercise`` (main
        effects, averaged over the other factor with equal weights) and ``diet:exercise``
        ((DE − E) − (D − C)) at each visit.
    means : DataFrame
        Marginal means by arm and visit: ``arm, diet, exercise, visit, estimate, std_error,
        df, conf_low, conf_high`` (baseline and numeric covariates at their mean over
        subjects, averaged over the levels of categorical covariates).
    tests : DataFrame
        Type III F tests of each term: ``term, num_df, den_df, statistic, p_value``.
    n : DataFrame
        ``arm, randomised, analysed`` and the number of subjects observed at each visit.
    exclusions : tuple of Exclusion
    coef : Series
    vcov : DataFrame
        Covariance of the coefficients used for inference (Kenward-Roger adjusted, or the
        sandwich, when asked).
    sigma, correlation : DataFrame
        Estimated covariance and correlation matrices over the visits.
    parameters : Series
        Covariance parameters (variances, covariances, correlations).
    loglik, aic, bic : float
    convergence : Convergence
    n_subjects, n_obs : int
    """

    outcome: str
    df_method: str
    method: str
    vcov_type: str
    log: bool
    visits: tuple[float, ...]
    covariates: tuple[str, ...]
    effects: pd.DataFrame
    means: pd.DataFrame
    tests: pd.DataFrame
    n: pd.DataFrame
    exclusions: tuple[Exclusion, ...]
    coef: pd.Series
    vcov: pd.DataFrame
    sigma: pd.DataFrame
    correlation: pd.DataFrame
    parameters: pd.Series
    loglik: float
    aic: float
    bic: float
    convergence: Convergence
    n_subjects: int
    n_obs: int
    level: float = 0.95
    _fit: VisitFit | None = field(default=None, repr=False, compare=False)

    # -- LinearFit -----------------------------------------------------------------------------

    @property
    def grid_variables(self) -> Mapping[str, tuple[Any, ...]]:
        """Reference-grid variables: diet, exercise, visit, categorical covariates with their
        levels; baseline and numeric covariates at their subject mean."""
        return self._require_fit().model.grid_variables

    @property
    def grid_counts(self) -> pd.DataFrame:
        """Observations per combination of diet, exercise, visit (and categorical
        covariates): for ``weights="proportional"`` marginal means."""
        return self._require_fit().counts

    def model_rows(self, grid: pd.DataFrame) -> np.ndarray:
        """Design-matrix rows for the points of ``grid``."""
        return self._require_fit().model.matrix(grid)

    def contrast_df(self, contrasts: np.ndarray) -> np.ndarray:
        """Degrees of freedom (of ``df_method``) of each row of a contrast matrix."""
        return self._require_fit().inference.df(contrasts)

    def f_test(self, contrasts: np.ndarray) -> tuple[float, int, float, float]:
        """F test of ``L β = 0`` with the fit's df method: ``(F, num_df, den_df, p)``."""
        return self._require_fit().inference.f_test(contrasts)

    def _require_fit(self) -> VisitFit:
        if self._fit is None:
            raise AttributeError("this result was rebuilt without its fit; fit the model again")
        return self._fit

    # -- output --------------------------------------------------------------------------------

    def summary(self) -> str:
        """A readable report of the fit."""
        return summary_text(self, self.title)

    @property
    def title(self) -> str:
        """Name of the model in ``summary()``."""
        return "Model"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready content (tables as lists of records)."""
        return result_dict(self)


def factorial_tables(
    fit: VisitFit, *, log: bool, level: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The factorial effects at each visit and the marginal means by arm and visit
    (through :mod:`~lifestyle_trials.models.marginal`, equal weights)."""
    arms = marginal_means(fit, ["diet", "exercise"], by="visit", level=level, log=log)
    effects = contrast(arms, "factorial").effects
    order = {term: i for i, term in enumerate(("diet", "exercise", "diet:exercise"))}
    effects = effects.sort_values(
        ["term", "visit"], key=lambda col: col.map(order) if col.name == "term" else col
    ).reset_index(drop=True)
    means = arms.table.copy()
    means.insert(0, "arm", list(arms.labels))
    return effects, means


def result_fields(
    fit: VisitFit, ad: AnalysisData, *, df_method: str, vcov_type: str, level: float
) -> dict[str, Any]:
    """The fields every result over visits shares, from a fit and its analysis set.

    ``MMRMResult(covariance=..., **result_fields(...))`` and the random-effects result add
    their own fields to these.
    """
    effects, means = factorial_tables(fit, log=ad.log, level=level)
    loglik, aic, bic = fit.information_criteria()
    return {
        "outcome": ad.outcome,
        "df_method": df_method,
        "method": "REML" if fit.reml else "ML",
        "vcov_type": vcov_type,
        "log": ad.log,
        "visits": fit.model.visits,
        "covariates": fit.model.covariates,
        "effects": effects,
        "means": means,
        "tests": type3_table(fit),
        "n": arm_counts(ad),
        "exclusions": ad.exclusions,
        "coef": fit.coef,
        "vcov": fit.vcov,
        "sigma": fit.sigma,
        "correlation": fit.correlation,
        "parameters": fit.parameters,
        "loglik": loglik,
        "aic": aic,
        "bic": bic,
        "convergence": fit.convergence,
        "n_subjects": fit.data.n_subjects,
        "n_obs": fit.data.n_obs,
        "level": level,
        "_fit": fit,
    }


def type3_table(fit: VisitFit) -> pd.DataFrame:
    """Type III F tests of each model term."""
    terms = [t for t in dict.fromkeys(fit.model.terms) if t != "(Intercept)"]
    hyps = type3_hypotheses(fit.model.grid_variables, fit.model.matrix, terms)
    rows = []
    for term in terms:
        if term not in hyps:
            continue
        f, q, den, p = fit.inference.f_test(hyps[term])
        rows.append((term, q, den, f, p))
    return pd.DataFrame(rows, columns=list(TEST_COLUMNS))


def arm_counts(ad: AnalysisData) -> pd.DataFrame:
    """Subjects per arm: randomised, analysed, and observed at each visit."""
    frame = ad.frame
    table = pd.DataFrame(
        {
            "arm": list(ad.randomised),
            "randomised": [ad.randomised[a] for a in ad.randomised],
            "analysed": [ad.analysed.get(a, 0) for a in ad.randomised],
        }
    )
    by_visit = pd.crosstab(frame["arm"], frame["visit"]).reindex(
        index=list(ad.randomised), fill_value=0
    )
    for v in ad.visits:
        col = by_visit[v] if v in by_visit.columns else pd.Series(0, index=by_visit.index)
        table[f"visit {format_visit(v)}"] = col.to_numpy()
    return table


def summary_text(result: Any, title: str) -> str:
    """The text of ``summary()`` for MMRM and random-effects results."""
    fit = result._fit
    scale = " (log scale)" if result.log else ""
    conv = result.convergence
    visits = ", ".join(format_visit(v) for v in result.visits)
    lines = [
        f"{title} of {result.outcome}{scale}: {result.n_subjects} subjects, "
        f"{result.n_obs} observations at visits {visits}",
        f"Covariance: {fit.struct.description if fit else result.covariance}; "
        f"{result.method}; df: {result.df_method}; standard errors: {result.vcov_type}",
        f"Log-likelihood {result.loglik:.4f}, AIC {result.aic:.2f}, BIC {result.bic:.2f}; "
        f"{conv.message} in {conv.iterations} iterations",
        "",
        "Subjects per arm:",
        result.n.to_string(index=False),
        "",
        "Effects (treated minus untreated):",
        text_table(result.effects),
        "",
        "Type III tests:",
        text_table(result.tests),
    ]
    if result.exclusions:
        lines += ["", "Not analysed:"]
        lines += [f"  {e.n_subjects} subject(s): {e.reason}" for e in result.exclusions]
    return "\n".join(lines)


def result_dict(result: Any) -> dict[str, Any]:
    """JSON-ready content of an MMRM or random-effects result."""

    out: dict[str, Any] = {}
    for name, value in vars(result).items():
        if name.startswith("_"):
            continue
        if isinstance(value, pd.DataFrame):
            if name in ("sigma", "correlation", "vcov"):
                out[name] = {
                    "index": [str(i) for i in value.index],
                    "values": value.to_numpy().tolist(),
                }
            else:
                out[name] = jsonable(value)
        elif isinstance(value, pd.Series):
            out[name] = {str(k): float(v) for k, v in value.items()}
        elif isinstance(value, Convergence):
            out[name] = dict(vars(value))
        elif isinstance(value, tuple) and value and isinstance(value[0], Exclusion):
            out[name] = [dict(vars(e)) for e in value]
        elif isinstance(value, tuple):
            out[name] = list(value)
        else:
            out[name] = value
    return out
