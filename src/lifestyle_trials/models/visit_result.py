"""What MMRM and random-effects results share: the result class and its tables.

The tables (factorial effects at each visit, marginal means by arm and visit, type III
tests, subjects per arm and visit) are built from a
:class:`~lifestyle_trials.models.visit_fit.VisitFit` through
:mod:`~lifestyle_trials.models.marginal` and :mod:`~lifestyle_trials.models.engine.ftest`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from ..arms import ARM_CODES
from ..jsonable import jsonable
from ..trial import Exclusion, format_visit
from .design.formula_frame import FormulaFrame
from .design.model_matrix import level_label
from .design.prepare import AnalysisData
from .engine.ftest import TEST_COLUMNS, type3_hypotheses
from .engine.reml import Convergence
from .marginal import MarginalMeans, contrast, marginal_means
from .results import effects_table, text_table
from .visit_fit import VisitFit

__all__ = [
    "VisitModelResult",
    "arm_counts",
    "arm_tables",
    "factorial_tables",
    "result_dict",
    "summary_text",
    "type3_table",
]


@dataclass(frozen=True, kw_only=True)
class VisitModelResult:
    """A fitted model over visits (MMRM or random effects): what both results share.

    The tables are built when first read and kept (a fit that is one of thousands, in
    multiple imputation or a power simulation, costs only what is read of it).

    Attributes
    ----------
    outcome : str
        The outcome (the response column of a formula).
    df_method : str
    method : str
        ``"REML"`` or ``"ML"``.
    vcov_type : str
        ``"model"`` or ``"empirical"`` (sandwich) standard errors.
    log : bool
    visits : tuple
        The analysed visits (post-baseline visits of a trial; levels of the visit factor of a
        formula).
    covariates : tuple of str
    formula : str
        The fixed part fitted, in R's notation.
    estimand : str or None
        ``"factorial"`` or ``"arms"`` for a trial; None for a model given by a formula.
    effects : DataFrame
        ``term, visit, estimate, std_error, df, statistic, p_value, conf_low, conf_high``
        (+ ``ratio, ratio_low, ratio_high`` when ``log``). Factorial estimand: ``diet`` and
        ``exercise`` (main effects, averaged over the other factor with equal weights) and
        ``diet:exercise`` ((DE − E) − (D − C)) at each visit; arms: ``<arm> vs control`` at
        each visit. A model given by a formula: the coefficient table (``coefficients``).
    coefficients : DataFrame
        One row per coefficient, R's names: ``term, estimate, std_error, df, statistic,
        p_value, conf_low, conf_high``.
    means : DataFrame
        Marginal means by arm and visit: ``arm, diet, exercise, visit, estimate, std_error,
        df, conf_low, conf_high`` (baseline and numeric covariates at their mean over
        subjects, averaged over the levels of categorical covariates). Empty for a formula.
    tests : DataFrame
        Type III F tests of each term: ``term, num_df, den_df, statistic, p_value``.
    n : DataFrame
        ``arm, randomised, analysed`` and the number of subjects observed at each visit (a
        trial), or the subjects and rows analysed (a formula).
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
    visits: tuple[Any, ...]
    covariates: tuple[str, ...]
    exclusions: tuple[Exclusion, ...]
    loglik: float
    aic: float
    bic: float
    convergence: Convergence
    n_subjects: int
    n_obs: int
    level: float = 0.95
    formula: str = ""
    estimand: str | None = None
    _fit: VisitFit | None = field(default=None, repr=False, compare=False)
    _analysis: AnalysisData | None = field(default=None, repr=False, compare=False)

    # -- tables, built on first use -----------------------------------------------------------

    @cached_property
    def _tables(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        fit = self._require_fit()
        if self.estimand is None:
            return self.coefficients, pd.DataFrame()
        if self.estimand == "factorial":
            return factorial_tables(fit, log=self.log, level=self.level, visits=self.visits)
        return arm_tables(fit, log=self.log, level=self.level, visits=self.visits)

    @cached_property
    def effects(self) -> pd.DataFrame:
        return self._tables[0]

    @cached_property
    def means(self) -> pd.DataFrame:
        return self._tables[1]

    @cached_property
    def tests(self) -> pd.DataFrame:
        return type3_table(self._require_fit())

    @cached_property
    def n(self) -> pd.DataFrame:
        if self._analysis is not None:
            return arm_counts(self._analysis)
        return pd.DataFrame({"subjects": [self.n_subjects], "rows": [self.n_obs]})

    @cached_property
    def coef(self) -> pd.Series:
        return self._require_fit().coef

    @cached_property
    def vcov(self) -> pd.DataFrame:
        return self._require_fit().vcov

    @cached_property
    def sigma(self) -> pd.DataFrame:
        return self._require_fit().sigma

    @cached_property
    def correlation(self) -> pd.DataFrame:
        return self._require_fit().correlation

    @cached_property
    def parameters(self) -> pd.Series:
        return self._require_fit().parameters

    @cached_property
    def coefficients(self) -> pd.DataFrame:
        fit = self._require_fit()
        p = len(fit.model.columns)
        eye = np.eye(p)
        se = np.sqrt(np.diag(fit.inference.vcov))
        df = fit.inference.df(eye)
        return effects_table(list(fit.model.columns), fit.evaluation.beta, se, df, level=self.level)

    # -- LinearFit -----------------------------------------------------------------------------

    @property
    def grid_variables(self) -> Mapping[str, tuple[Any, ...]]:
        """Reference-grid variables: the model's factors with their levels; numeric
        variables at their mean."""
        return self._require_fit().model.grid_variables

    @property
    def grid_counts(self) -> pd.DataFrame:
        """Observations per combination of the model's factors: for
        ``weights="proportional"`` marginal means."""
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


TABLES: tuple[str, ...] = (
    "effects",
    "means",
    "tests",
    "n",
    "coef",
    "vcov",
    "sigma",
    "correlation",
    "parameters",
)
"""The tables of a result that ``to_dict`` writes (after the fields)."""


def at_visits(means: MarginalMeans, visits: tuple[Any, ...] | None) -> MarginalMeans:
    """The means at ``visits`` only (all when None or when they are all there is)."""
    if visits is None:
        return means
    keep = means.table["visit"].isin(visits).to_numpy()
    if keep.all():
        return means
    return replace(
        means,
        table=means.table[keep].reset_index(drop=True),
        linfct=means.linfct[keep],
        labels=tuple(np.asarray(means.labels, dtype=object)[keep]),
    )


def factorial_tables(
    fit: VisitFit, *, log: bool, level: float, visits: tuple[Any, ...] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The factorial effects at each visit (of ``visits``, default all) and the marginal
    means by arm and visit (through :mod:`~lifestyle_trials.models.marginal`, equal
    weights)."""
    arms = marginal_means(fit, ["diet", "exercise"], by="visit", level=level, log=log)
    effects = contrast(at_visits(arms, visits), "factorial").effects
    order = {term: i for i, term in enumerate(("diet", "exercise", "diet:exercise"))}
    effects = effects.sort_values(
        ["term", "visit"], key=lambda col: col.map(order) if col.name == "term" else col
    ).reset_index(drop=True)
    means = arms.table.copy()
    means.insert(0, "arm", list(arms.labels))
    return effects, means


def arm_tables(
    fit: VisitFit, *, log: bool, level: float, visits: tuple[Any, ...] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each arm against control at each visit (of ``visits``, default all), and the marginal
    means by arm and visit."""
    arms = marginal_means(fit, "arm", by="visit", level=level, log=log)
    effects = contrast(at_visits(arms, visits), "trt.vs.ctrl").effects
    names = [a for a in fit.model.levels["arm"]]
    order = {f"{a} vs {names[0]}": i for i, a in enumerate(names)}
    effects = effects.sort_values(
        ["term", "visit"], key=lambda col: col.map(order) if col.name == "term" else col
    ).reset_index(drop=True)
    means = arms.table.copy()
    means["arm"] = means["arm"].astype(str)
    codes = [ARM_CODES[a] for a in means["arm"]]
    means.insert(1, "diet", [c[0] for c in codes])
    means.insert(2, "exercise", [c[1] for c in codes])
    return effects, means


def result_fields(
    fit: VisitFit,
    *,
    outcome: str,
    log: bool,
    visits: tuple[Any, ...],
    covariates: tuple[str, ...],
    exclusions: tuple[Exclusion, ...],
    df_method: str,
    vcov_type: str,
    level: float,
    formula: str,
    estimand: str | None,
    analysis: AnalysisData | None,
) -> dict[str, Any]:
    """The fields every result over visits shares.

    ``MMRMResult(covariance=..., **result_fields(...))`` and the random-effects result add
    their own fields to these.
    """
    loglik, aic, bic = fit.information_criteria()
    return {
        "outcome": outcome,
        "df_method": df_method,
        "method": "REML" if fit.reml else "ML",
        "vcov_type": vcov_type,
        "log": log,
        "visits": visits,
        "covariates": covariates,
        "exclusions": exclusions,
        "loglik": loglik,
        "aic": aic,
        "bic": bic,
        "convergence": fit.convergence,
        "n_subjects": fit.data.n_subjects,
        "n_obs": fit.data.n_obs,
        "level": level,
        "formula": formula,
        "estimand": estimand,
        "_fit": fit,
        "_analysis": analysis,
    }


def formula_fields(
    fit: VisitFit,
    ff: FormulaFrame,
    *,
    visits: tuple[Any, ...],
    df_method: str,
    vcov_type: str,
    level: float,
) -> dict[str, Any]:
    """:func:`result_fields` of a model given by a formula: the response as outcome, not
    logged, the reference-grid variables as covariates, the formula frame's exclusions, no
    trial estimand or analysis set."""
    return result_fields(
        fit,
        outcome=ff.response,
        log=False,
        visits=visits,
        covariates=tuple(ff.model.grid_variables),
        exclusions=ff.exclusions,
        df_method=df_method,
        vcov_type=vcov_type,
        level=level,
        formula=f"{ff.response} ~ {ff.model.fixed}",
        estimand=None,
        analysis=None,
    )


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
    visits = ", ".join(level_label(v) for v in result.visits)
    lines = [
        f"{title} of {result.outcome}{scale}: {result.n_subjects} subjects, "
        f"{result.n_obs} observations at visits {visits}",
        f"Covariance: {fit.struct.description if fit else result.covariance}; "
        f"{result.method}; df: {result.df_method}; standard errors: {result.vcov_type}",
        f"Log-likelihood {result.loglik:.4f}, AIC {result.aic:.2f}, BIC {result.bic:.2f}; "
        f"{conv.message} in {conv.iterations} iterations",
        f"Fixed effects: {result.formula}",
        "",
        "Subjects per arm:" if result.estimand else "Analysed:",
        result.n.to_string(index=False),
        "",
        "Effects (treated minus untreated):" if result.estimand else "Coefficients:",
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
    names = [f.name for f in fields(result) if not f.name.startswith("_")]
    extra = [t for t in ("variance_components",) if t in names]
    for name in [*(n for n in names if n not in extra), *TABLES, *extra]:
        value = getattr(result, name)
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
