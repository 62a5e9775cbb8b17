"""Trial presets: the model over visits a :class:`~lifestyle_trials.Trial` gets by default.

A preset chooses the terms; the general path (:mod:`~lifestyle_trials.models.design.model_matrix`
and :mod:`~lifestyle_trials.models.visit_fit`) fits them. For an outcome ``y`` at the
post-baseline visits (``visit`` a factor):

``estimand="factorial"`` (the four arms of the 2 × 2 design present)
    ``y ~ baseline * visit + diet * exercise * visit + covariates``, diet and exercise 0/1;
    reported as the main effects of diet and exercise (averaged over the other factor with
    equal weights) and their interaction at every visit.
``estimand="arms"`` (any set of two or more arms, control among them)
    ``y ~ baseline * visit + arm * visit + covariates``, ``arm`` a factor with control first;
    reported as each arm against control at every visit.

``baseline="none"`` leaves ``baseline * visit`` out (a trial without a baseline measurement);
``baseline="response"`` is constrained longitudinal data analysis (cLDA; Liang & Zeger 2000):
the baseline value is a response at the baseline visit, with a mean common to all arms (no
treatment term at baseline), ``y ~ visit + treatment:visit`` over all visits with the
treatment columns at baseline left out, so every randomised subject with any value
contributes. Covariates named in ``covariates_by_visit`` enter as ``covariate * visit``.

References
----------
Liang KY, Zeger SL. Longitudinal data analysis of continuous and discrete responses for
pre-post designs. Sankhyā B 2000;62:134-48.
Lu K. On efficiency of constrained longitudinal data analysis versus longitudinal analysis of
covariance. Biometrics 2010;66:891-6. doi:10.1111/j.1541-0420.2009.01332.x
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..arms import ARMS
from ..errors import ModelError
from ..trial import Exclusion, Trial, format_visit
from .design.model_matrix import DesignModel, design_model
from .design.prepare import AnalysisData, analysis_data
from .visit_fit import VisitFit, fit_visits
from .visit_result import result_fields

__all__ = ["BASELINES", "ESTIMANDS", "VisitPreset", "preset_fit", "visit_preset"]

ESTIMANDS: tuple[str, ...] = ("factorial", "arms")
"""Estimands of the models over visits of a trial."""

BASELINES: tuple[str, ...] = ("covariate", "response", "none")
"""How the baseline value enters: as a covariate (by visit), as a response (cLDA), or not."""


@dataclass(frozen=True, eq=False)
class VisitPreset:
    """What a trial preset hands to the general fit.

    Attributes
    ----------
    analysis : AnalysisData
        The analysed rows (``frame``: subject, diet, exercise, arm, covariates, visit, y,
        baseline) and what was set aside.
    frame : DataFrame
        ``analysis.frame`` with ``visit`` as a factor over the analysed visits.
    formula : str
        The fixed part, R's notation (``y ~ ...``).
    model : DesignModel
    estimand : str
    baseline : str
    position : ndarray of int
        Position of each row's visit among the analysed visits.
    """

    analysis: AnalysisData
    frame: pd.DataFrame
    formula: str
    model: DesignModel
    estimand: str
    baseline: str
    position: np.ndarray
    reported: tuple[float, ...] = ()

    @property
    def visits(self) -> tuple[float, ...]:
        """The visits of the model (the baseline visit too with ``baseline="response"``)."""
        return self.analysis.visits

    @property
    def effect_visits(self) -> tuple[float, ...]:
        """The visits effects are reported at (post-baseline)."""
        return self.reported or self.analysis.visits


def visit_preset(
    trial: Trial,
    outcome: str,
    *,
    estimand: str | None = None,
    log: bool = False,
    covariates: Iterable[str] = (),
    covariates_by_visit: Iterable[str] = (),
    baseline: str | None = None,
    step: str = "",
) -> VisitPreset:
    """The preset model over visits of ``trial`` (see the module's description).

    Parameters
    ----------
    trial : Trial
    outcome : str
    estimand : {"factorial", "arms"}, optional
        Default: ``"factorial"`` when the four arms of the 2 × 2 design have analysed
        subjects, else ``"arms"``.
    log : bool
    covariates : iterable of str
        Subject-level covariates (main effects).
    covariates_by_visit : iterable of str
        Subject-level covariates that enter with their interaction with visit.
    baseline : {"covariate", "none"}, optional
        Default: ``"covariate"`` when some subject has a baseline value of ``outcome``,
        else ``"none"``.
    step : str
        Label of the analysis in the exclusion log.

    Returns
    -------
    VisitPreset

    Raises
    ------
    ModelError
        An estimand the arms cannot support (``"factorial"`` without the four arms; any
        estimand without a control arm or with one arm), an unknown option.
    """
    by_visit = tuple(covariates_by_visit)
    covs = tuple(dict.fromkeys((*covariates, *by_visit)))
    chosen = _baseline_option(trial, outcome, baseline)
    step = step or f"model of {outcome} over visits"
    if chosen == "response":
        return _clda(trial, outcome, estimand, log, covs, by_visit, step)
    ad = analysis_data(
        trial,
        outcome,
        log=log,
        covariates=covs,
        step=step,
        need_baseline=chosen == "covariate",
    )
    present = tuple(a for a in ARMS if ad.analysed.get(a, 0) > 0)
    kind = _estimand(estimand, present)
    frame = ad.frame.copy()
    visits = ad.visits
    frame["visit"] = pd.Categorical(frame["visit"], categories=list(visits))
    several = len(visits) > 1
    terms: list[str] = []
    if chosen == "covariate":
        terms.append("baseline * visit" if several else "baseline")
    treatment = "diet * exercise" if kind == "factorial" else "arm"
    terms.append(f"{treatment} * visit" if several else treatment)
    for cov in covs:
        terms.append(f"{cov} * visit" if cov in by_visit and several else cov)
    fixed = " + ".join(terms)
    levels: dict[str, tuple[Any, ...]]
    if kind == "factorial":
        levels = {"diet": (0, 1), "exercise": (0, 1)}
    else:
        frame["arm"] = pd.Categorical(frame["arm"].astype(str), categories=list(present))
        levels = {"arm": present}
    if several:
        levels["visit"] = visits
    else:
        frame = frame.drop(columns="visit").assign(visit=float(visits[0]))
        levels["visit"] = visits
    per_subject = frame.drop_duplicates("subject")
    means = {"baseline": float(per_subject["baseline"].mean())} if chosen == "covariate" else {}
    for cov in covs:
        col = per_subject[cov]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            means[cov] = float(col.mean())
    model = design_model(frame, fixed, visit="visit", levels=levels, means=means)
    if not several:
        model = _with_visit(model, visits)
    position = np.searchsorted(np.asarray(visits), ad.frame["visit"].to_numpy(dtype=float))
    return VisitPreset(
        analysis=ad,
        frame=frame,
        formula=f"y ~ {fixed}",
        model=model,
        estimand=kind,
        baseline=chosen,
        position=position,
    )


def _clda(
    trial: Trial,
    outcome: str,
    estimand: str | None,
    log: bool,
    covs: tuple[str, ...],
    by_visit: tuple[str, ...],
    step: str,
) -> VisitPreset:
    """Baseline as a response: every visit, a treatment effect at the post-baseline ones."""
    ad = every_visit(trial, outcome, log=log, covariates=covs, step=step)
    present = tuple(a for a in ARMS if ad.analysed.get(a, 0) > 0)
    kind = _estimand(estimand, present)
    visits = ad.visits
    frame = ad.frame.copy()
    frame["visit"] = pd.Categorical(frame["visit"], categories=list(visits))
    levels: dict[str, tuple[Any, ...]]
    if kind == "factorial":
        treatment = ["diet:visit", "exercise:visit", "diet:exercise:visit"]
        levels = {"diet": (0, 1), "exercise": (0, 1)}
    else:
        treatment = ["arm:visit"]
        frame["arm"] = pd.Categorical(frame["arm"].astype(str), categories=list(present))
        levels = {"arm": present}
    levels["visit"] = visits
    terms = ["visit", *treatment]
    terms += [f"{c} * visit" if c in by_visit else c for c in covs]
    fixed = " + ".join(terms)
    per_subject = frame.drop_duplicates("subject")
    means = {
        c: float(per_subject[c].mean())
        for c in covs
        if pd.api.types.is_numeric_dtype(per_subject[c])
        and not pd.api.types.is_bool_dtype(per_subject[c])
    }
    base = format_visit(trial.design.baseline)
    model = design_model(
        frame,
        fixed,
        visit="visit",
        levels=levels,
        means=means,
        drop=lambda name, term: term in treatment and name.endswith(f":visit{base}"),
    )
    position = np.searchsorted(np.asarray(visits), ad.frame["visit"].to_numpy(dtype=float))
    return VisitPreset(
        analysis=ad,
        frame=frame,
        formula=f"y ~ {fixed} (no treatment term at visit {base})",
        model=model,
        estimand=kind,
        baseline="response",
        position=position,
        reported=tuple(v for v in visits if v != trial.design.baseline),
    )


def every_visit(
    trial: Trial,
    outcome: str,
    *,
    log: bool,
    covariates: tuple[str, ...],
    step: str,
) -> AnalysisData:
    """The outcome at every visit, baseline included: one row per subject and observed
    visit; subjects with no value at all or a missing covariate set aside."""
    trial.require_outcome(outcome)
    covs = trial.require_covariates(covariates)
    visits = trial.design.visits
    values = trial.wide_values(outcome)
    _, first = trial.subject_runs()
    subjects = trial.data[["subject", "diet", "exercise", "arm", *covs]].take(first)
    ids = subjects["subject"].astype(str).to_numpy()
    if log:
        bad = np.flatnonzero((values <= 0).any(axis=1))
        if bad.size:
            raise ModelError(
                f"log=True needs positive values of {outcome}; subject(s) "
                f"{', '.join(ids[bad[:10]])} have values <= 0. Correct the data, or analyse "
                "on the original scale (log=False)"
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.log(values)
    observed = np.isfinite(values)
    keep = np.ones(len(ids), dtype=bool)
    exclusions: list[Exclusion] = []

    def exclude(mask: np.ndarray, reason: str, column: str) -> None:
        newly = mask & keep
        if newly.any():
            exclusions.append(
                Exclusion(
                    reason=reason,
                    subjects=tuple(ids[newly]),
                    rows=int(observed[newly].sum()),
                    step=step,
                    column=column,
                )
            )
            keep[newly] = False

    exclude(~observed.any(axis=1), f"no value of {outcome} at any visit", outcome)
    for cov in covs:
        exclude(subjects[cov].isna().to_numpy(), f"missing covariate {cov}", cov)
    if not keep.any():
        raise ModelError(f"no subject has a value of {outcome}")
    cell = observed & keep[:, None]
    row_subject, row_visit = np.nonzero(cell)
    frame = subjects.take(row_subject).reset_index(drop=True)
    frame["visit"] = np.asarray(visits, dtype=float)[row_visit]
    frame["y"] = values[cell]
    frame["arm"] = frame["arm"].cat.remove_unused_categories()
    code = 2 * subjects["exercise"].to_numpy() + subjects["diet"].to_numpy()
    per_arm = np.bincount(code[keep], minlength=4)
    randomised = dict(trial.design.arm_sizes)
    return AnalysisData(
        frame=frame,
        outcome=outcome,
        log=log,
        visits=tuple(visits),
        covariates=covs,
        exclusions=tuple(exclusions),
        randomised=randomised,
        analysed={a: int(per_arm[ARMS.index(a)]) for a in randomised},
    )


def _with_visit(model: DesignModel, visits: tuple[float, ...]) -> DesignModel:
    """One analysed visit: no visit term, but the grid keeps the visit (for ``by="visit"``)."""
    grid = {**model.grid_variables, "visit": visits}
    levels = {**model.levels, "visit": visits}
    return DesignModel(
        fixed=model.fixed,
        columns=model.columns,
        terms=model.terms,
        grid_variables=grid,
        levels=levels,
        means=model.means,
        visit="visit",
        visits=visits,
        _spec=model._spec,
        _categorical=model._categorical,
        _keep=model._keep,
        x=model.x,
    )


def _baseline_option(trial: Trial, outcome: str, baseline: str | None) -> str:
    trial.require_outcome(outcome)
    if baseline is None:
        values = trial.wide_values(outcome)[:, trial.design.visits.index(trial.design.baseline)]
        return "covariate" if np.isfinite(values).any() else "none"
    name = str(baseline).lower()
    if name not in BASELINES:
        raise ModelError(f"baseline must be one of {', '.join(BASELINES)}, not {baseline!r}")
    return name


def _estimand(estimand: str | None, present: tuple[str, ...]) -> str:
    four = len(present) == len(ARMS)
    if estimand is None:
        kind = "factorial" if four else "arms"
    else:
        kind = str(estimand).lower()
    if kind not in ESTIMANDS:
        raise ModelError(
            f"estimand must be one of {', '.join(ESTIMANDS)} for a model over visits, not "
            f"{estimand!r}"
        )
    if kind == "factorial" and not four:
        missing = [a for a in ARMS if a not in present]
        raise ModelError(
            "the factorial estimand needs analysed subjects in all four arms of the 2 × 2 "
            f"design; no analysed subject in {', '.join(missing)}. Compare each arm with "
            "control instead: estimand='arms'"
        )
    if kind == "arms" and ("control" not in present or len(present) < 2):
        raise ModelError(
            "comparing arms with control needs analysed subjects in the control arm and in "
            f"at least one other arm; the analysed arms are {', '.join(present) or 'none'}"
        )
    return kind


def preset_fit(
    preset: VisitPreset,
    structure: str,
    *,
    reml: bool,
    df_method: str,
    vcov: str,
    level: float,
) -> dict[str, Any]:
    """Fit a preset with the covariance ``structure``: the fields of its result."""
    fit = preset_visit_fit(preset, structure, reml=reml, df_method=df_method, vcov=vcov)
    ad = preset.analysis
    return result_fields(
        fit,
        outcome=ad.outcome,
        log=ad.log,
        visits=preset.effect_visits,
        covariates=ad.covariates,
        exclusions=ad.exclusions,
        df_method=df_method,
        vcov_type=vcov,
        level=level,
        formula=preset.formula,
        estimand=preset.estimand,
        analysis=ad,
    )


def preset_visit_fit(
    preset: VisitPreset, structure: str, *, reml: bool, df_method: str, vcov: str
) -> VisitFit:
    """The fit of a preset (see :func:`~lifestyle_trials.models.visit_fit.fit_visits`)."""
    visits = preset.visits
    return fit_visits(
        preset.frame,
        preset.model,
        structure,
        position=preset.position,
        times=visits,
        visit_labels=[format_visit(v) for v in visits],
        reml=reml,
        df_method=df_method,
        vcov=vcov,
        visit="visit" if len(visits) > 1 else None,
    )
