"""The fit step: every model an analysis asks for, as plain data for the fit files.

``fit_all`` returns one entry per file of :data:`FIT_FILES`. Each holds ``fits`` (a list of
fitted models: their settings, effects, marginal means, tests, subjects analysed per arm,
exclusions with reasons and, where the report draws them, fitted values and residuals) and
``skipped`` (models not fitted, each with the reason, shown in the report). A model that is
asked for and fails raises; nothing is left out silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..config import AnalysisConfig
from ..models.ancova import AncovaFit, ancova
from ..models.anova import mixed_anova
from ..models.design.prepare import analysis_data
from ..models.marginal import contrast, marginal_means
from ..models.mmrm import mmrm
from ..trial import Exclusion, Trial, format_visit
from .files import jsonable

__all__ = ["FIT_FILES", "exclusion_records", "fit_all", "primary_estimand"]

FIT_FILES: tuple[str, ...] = ("ancova", "mmrm", "mixed_anova")
"""The fit files of an analysis, ``fits/<name>.json`` (the Makefile lists the same)."""


def fit_all(trial: Trial, config: AnalysisConfig) -> dict[str, dict[str, Any]]:
    """Fit the models of the analysis.

    Returns
    -------
    dict
        File name (:data:`FIT_FILES`) → ``{"fits": [...], "skipped": [...]}``.
    """
    return {
        "ancova": _ancova_fits(trial, config),
        "mmrm": _mmrm_fits(trial, config),
        "mixed_anova": _mixed_anova_fits(trial, config),
    }


def primary_estimand(trial: Trial) -> str:
    """``factorial`` when the trial has all four arms, else ``arms`` (each arm vs control)."""
    return "factorial" if trial.design.is_factorial else "arms"


def _ancova_fits(trial: Trial, config: AnalysisConfig) -> dict[str, Any]:
    """The primary ANCOVA, its sensitivity analyses, and the secondary outcomes.

    Keys: ``primary`` (the factorial estimand, or arms vs control without the four cells),
    ``margins`` (no interaction; four cells only), ``arms``, ``change`` (change score),
    ``followup`` (follow-up values only), then ``secondary:<outcome>`` per secondary outcome.
    For a factorial trial every record also has ``arm_effects``: each arm against control,
    contrasts of the four adjusted cell means of the same model (the model with interaction
    is the four-arm model, so these equal the ``arms`` estimand's effects).
    """
    out = config.outcomes
    visit = out.visit if out.visit is not None else trial.design.post_baseline[-1]
    covs = config.models.covariates
    estimand = primary_estimand(trial)

    def fit(
        key: str, outcome: str, estimand: str, analysis: str = "ancova", residuals: bool = False
    ) -> dict[str, Any]:
        result = ancova(
            trial,
            outcome,
            estimand=estimand,
            visit=visit,
            log=outcome in out.log,
            covariates=covs,
            analysis=analysis,
        )
        return _ancova_record(key, result, trial, residuals)

    fits = [fit("primary", out.primary, estimand, residuals=True)]
    skipped = []
    if estimand == "factorial":
        fits += [fit("margins", out.primary, "margins"), fit("arms", out.primary, "arms")]
    else:
        skipped.append(
            _skip(
                "ANCOVA at the margins and factorial estimand",
                "the trial does not have all four arms of the 2 × 2 design",
            )
        )
    fits += [
        fit("change", out.primary, estimand, "change"),
        fit("followup", out.primary, estimand, "followup"),
    ]
    secondary = (
        out.secondary
        if out.secondary is not None
        else tuple(o for o in trial.outcomes if o != out.primary)
    )
    for outcome in secondary:
        fits.append(fit(f"secondary:{outcome}", outcome, estimand))
    return {"fits": fits, "skipped": skipped}


def _ancova_record(key: str, fit: AncovaFit, trial: Trial, residuals: bool) -> dict[str, Any]:
    record = fit.to_dict()
    for large in ("coef", "vcov", "version"):
        record.pop(large, None)
    record["key"] = key
    record["exclusions"] = exclusion_records(fit.exclusions, trial)
    if fit.estimand == "factorial":
        cells = marginal_means(fit, ["diet", "exercise"], log=fit.log)
        record["arm_effects"] = _records(contrast(cells, "trt.vs.ctrl").table)
    if residuals:
        record["residuals"] = _residuals(fit, trial)
    return jsonable(record)


def _residuals(fit: AncovaFit, trial: Trial) -> dict[str, Any]:
    """Fitted values and residuals of an ANCOVA, from its analysis set and coefficients."""
    data = analysis_data(
        trial, fit.outcome, visits=[fit.visit], log=fit.log, covariates=fit.covariates
    )
    frame = data.frame
    y = frame["y"].to_numpy(dtype=float)
    if fit.analysis == "change":
        y = y - frame["baseline"].to_numpy(dtype=float)
    fitted = fit.model_rows(frame) @ fit.coef.to_numpy(dtype=float)
    return residual_record(fitted, y - fitted)


def _mmrm_fits(trial: Trial, config: AnalysisConfig) -> dict[str, Any]:
    outcome = config.outcomes.primary
    if not config.models.mmrm:
        return {"fits": [], "skipped": [_skip("MMRM", "switched off (models.mmrm = false)")]}
    post = trial.design.post_baseline
    if len(post) < 2:
        reason = (
            f"one post-baseline visit ({format_visit(post[0])}): the MMRM equals the "
            "ANCOVA at that visit"
            if post
            else "no post-baseline visit"
        )
        return {"fits": [], "skipped": [_skip("MMRM", reason)]}
    log = outcome in config.outcomes.log
    fit = mmrm(
        trial,
        outcome,
        covariance=config.models.covariance,
        log=log,
        covariates=config.models.covariates,
    )
    record = {
        "key": "mmrm",
        "model": "mmrm",
        "outcome": outcome,
        "log": log,
        "covariance": fit.covariance,
        "df_method": fit.df_method,
        "method": fit.method,
        "covariates": list(fit.covariates),
        "visits": list(fit.visits),
        "effects": _records(fit.effects),
        "means": _records(fit.means),
        "tests": _records(fit.tests),
        "n": _records(fit.n),
        "n_analysed": _analysed(fit.n),
        "exclusions": exclusion_records(fit.exclusions, trial),
        "correlation": _matrix(fit.correlation),
        "sigma": _matrix(fit.sigma),
        "loglik": fit.loglik,
        "aic": fit.aic,
        "bic": fit.bic,
        "convergence": jsonable(fit.convergence),
        "n_subjects": fit.n_subjects,
        "n_obs": fit.n_obs,
    }
    return {"fits": [record], "skipped": []}


def _mixed_anova_fits(trial: Trial, config: AnalysisConfig) -> dict[str, Any]:
    """The arm × visit mixed ANOVA of the primary outcome over every visit (complete cases)."""
    if not config.models.mixed_anova:
        reason = "switched off (models.mixed_anova = false)"
        return {"fits": [], "skipped": [_skip("mixed ANOVA", reason)]}
    outcome = config.outcomes.primary
    log = outcome in config.outcomes.log
    fit = mixed_anova(trial, outcome, log=log)
    record = {
        "key": "mixed_anova",
        "model": "mixed_anova",
        "outcome": outcome,
        "log": log,
        "visits": list(fit.visits),
        "table": _records(fit.table),
        "sphericity": _records(fit.sphericity),
        "n": _records(fit.n),
        "n_analysed": _analysed(fit.n),
        "exclusions": exclusion_records(fit.exclusions, trial),
    }
    return {"fits": [record], "skipped": []}


def _skip(what: str, reason: str) -> dict[str, str]:
    return {"model": what, "reason": reason}


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return jsonable(frame.reset_index(drop=True))


def _analysed(n: pd.DataFrame) -> dict[str, int]:
    return {str(a): int(k) for a, k in zip(n["arm"], n["analysed"], strict=True)}


def _matrix(frame: pd.DataFrame) -> dict[str, Any]:
    return {
        "visits": [float(v) for v in frame.columns],
        "values": jsonable(frame.to_numpy(dtype=float)),
    }


def exclusion_records(exclusions: Iterable[Exclusion], trial: Trial) -> list[dict[str, Any]]:
    """Exclusions as plain data, with the number of subjects per arm."""
    arm_of = trial.subjects().set_index("subject")["arm"]
    out = []
    for e in exclusions:
        arms = arm_of.reindex(list(e.subjects)).astype(str)
        counts = arms.value_counts(sort=False)
        out.append(
            {
                "reason": e.reason,
                "step": e.step,
                "column": e.column,
                "n": e.n_subjects,
                "n_by_arm": {a: int(counts.get(a, 0)) for a in trial.design.arms},
                "subjects": list(e.subjects),
            }
        )
    return out


def residual_record(fitted: Sequence[float], residuals: Sequence[float]) -> dict[str, Any]:
    """Fitted values and residuals of a model, for the diagnostic plots."""
    return {
        "fitted": jsonable(np.asarray(fitted, dtype=float)),
        "residual": jsonable(np.asarray(residuals, dtype=float)),
    }
