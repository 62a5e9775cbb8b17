"""The analysis set of a model: outcome at post-baseline visits beside its baseline value.

Every model of a baseline-adjusted analysis (ANCOVA at one visit, MMRM over several) starts
from the same table, built here once: one row per subject and analysed visit where the outcome
was observed, with the subject's baseline value and covariates. Subjects set aside are
counted in ``exclusions`` with the reason, never dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...arms import ARMS
from ...errors import ModelError
from ...trial import Exclusion, Trial, format_visit

__all__ = ["AnalysisData", "analysis_data"]


@dataclass(frozen=True)
class AnalysisData:
    """The rows a model is fitted to, and what was set aside.

    Attributes
    ----------
    frame : DataFrame
        One row per subject and analysed visit with an observed outcome. Columns: subject,
        diet, exercise, arm, visit, ``y`` (the outcome, logged when ``log``), ``baseline``
        (its baseline value, logged when ``log``), then the covariates. Sorted by subject and
        visit.
    outcome : str
    log : bool
    visits : tuple of float
        The analysed visits, in order.
    covariates : tuple of str
    exclusions : tuple of Exclusion
        Subjects not analysed, with reasons (no baseline, no follow-up, missing covariate).
    randomised : dict
        Subjects per arm in the trial.
    analysed : dict
        Subjects per arm in ``frame``.
    """

    frame: pd.DataFrame
    outcome: str
    log: bool
    visits: tuple[float, ...]
    covariates: tuple[str, ...]
    exclusions: tuple[Exclusion, ...]
    randomised: dict[str, int]
    analysed: dict[str, int]


def analysis_data(
    trial: Trial,
    outcome: str,
    *,
    visits: Sequence[float] | None = None,
    log: bool = False,
    covariates: Iterable[str] = (),
    step: str = "",
    need_baseline: bool = True,
) -> AnalysisData:
    """Outcome at the analysed visits beside its baseline, for baseline-adjusted models.

    Parameters
    ----------
    trial : Trial
    outcome : str
        An outcome of the trial.
    visits : sequence of float, optional
        The post-baseline visits to analyse (default: all of them).
    log : bool
        Natural log of outcome and baseline; a non-positive value is an error naming the
        subjects.
    covariates : iterable of str
        Subject-level covariates to carry.
    step : str
        Label of the analysis in the exclusion log (e.g. ``"ancova homa_ir visit 12"``).
    need_baseline : bool, default True
        Set aside subjects without a baseline value. False keeps them (``baseline`` is then
        NaN), for analyses of the follow-up value alone, which do not use the baseline.

    Returns
    -------
    AnalysisData

    Raises
    ------
    ModelError
        Unknown outcome, visit or covariate; the baseline visit asked for as a follow-up;
        a non-positive value on the log scale; no subject left.
    """
    trial.require_outcome(outcome)
    covs = trial.require_covariates(covariates)
    base = trial.design.baseline
    if visits is None:
        chosen = trial.design.post_baseline
    else:
        chosen = tuple(sorted({trial.require_visit(v) for v in visits}))
    if not chosen or any(v <= base for v in chosen):
        raise ModelError(
            f"analysed visits must be after the baseline visit {format_visit(base)}; "
            f"the trial's post-baseline visits are "
            f"{', '.join(format_visit(v) for v in trial.design.post_baseline) or 'none'}"
        )
    step = step or f"{outcome} at visit(s) {', '.join(format_visit(v) for v in chosen)}"

    all_visits = trial.design.visits
    values = trial.wide_values(outcome)
    baseline = values[:, all_visits.index(base)]
    follow = values[:, [all_visits.index(v) for v in chosen]]
    _, first = trial.subject_runs()
    subjects = trial.data[["subject", "diet", "exercise", "arm", *covs]].take(first)
    ids = subjects["subject"].array
    _require_finite(values, ids, outcome, all_visits, subjects, covs)

    if log:
        checked = np.column_stack([baseline, follow]) if need_baseline else follow
        _require_positive(checked, ids, outcome)
        with np.errstate(divide="ignore", invalid="ignore"):
            baseline = np.log(baseline)
            follow = np.log(follow)

    exclusions: list[Exclusion] = []
    keep = np.ones(len(ids), dtype=bool)
    observed = np.isfinite(follow)

    def exclude(mask: np.ndarray, reason: str, column: str | None) -> None:
        newly = mask & keep
        if newly.any():
            rows = observed[newly].sum() + np.isfinite(baseline[newly]).sum()
            exclusions.append(
                Exclusion(
                    reason=reason,
                    subjects=tuple(str(s) for s in ids[newly]),
                    rows=int(rows),
                    step=step,
                    column=column,
                )
            )
            keep[newly] = False

    if need_baseline:
        exclude(np.isnan(baseline), f"no baseline value of {outcome}", outcome)
    when = "at visit " + format_visit(chosen[0]) if len(chosen) == 1 else "after baseline"
    exclude(~observed.any(axis=1), f"no value of {outcome} {when}", outcome)
    for cov in covs:
        exclude(subjects[cov].isna().to_numpy(), f"missing covariate {cov}", cov)

    if not keep.any():
        needed = "both a baseline and a follow-up value" if need_baseline else "a follow-up value"
        raise ModelError(f"no subject has {needed} of {outcome}")

    # one row per kept subject and observed visit, subjects in order, visits in order
    cell = observed & keep[:, None]
    row_subject, row_visit = np.nonzero(cell)
    frame = subjects.take(row_subject).reset_index(drop=True)
    frame["visit"] = np.asarray(chosen, dtype=float)[row_visit]
    frame["y"] = follow[cell]
    frame["baseline"] = baseline[row_subject]
    frame = frame[["subject", "diet", "exercise", "arm", *covs, "visit", "y", "baseline"]]
    frame["arm"] = frame["arm"].cat.remove_unused_categories()

    _require_variation(frame["y"].to_numpy(), outcome, log)

    randomised = dict(trial.design.arm_sizes)
    analysed_subjects = keep & cell.any(axis=1)
    code = 2 * subjects["exercise"].to_numpy() + subjects["diet"].to_numpy()
    per_arm = np.bincount(code[analysed_subjects], minlength=4)
    analysed = {a: int(per_arm[ARMS.index(a)]) for a in randomised}
    return AnalysisData(
        frame=frame,
        outcome=outcome,
        log=log,
        visits=chosen,
        covariates=covs,
        exclusions=tuple(exclusions),
        randomised=randomised,
        analysed=analysed,
    )


def _require_positive(values: np.ndarray, ids: Sequence[str], outcome: str) -> None:
    bad = np.flatnonzero((values <= 0).any(axis=1))
    if bad.size:
        named = ", ".join(str(ids[i]) for i in bad[:10])
        more = f" and {bad.size - 10} more" if bad.size > 10 else ""
        raise ModelError(
            f"log=True needs positive values of {outcome}; subject(s) {named}{more} have "
            "values <= 0. Correct the data, or analyse on the original scale (log=False)"
        )


def _require_finite(
    values: np.ndarray,
    ids: Sequence[str],
    outcome: str,
    visits: Sequence[float],
    subjects: pd.DataFrame,
    covariates: Sequence[str],
) -> None:
    """Infinite values (written into a Trial's data after it was read) are refused, not
    taken for missing ones."""
    where = [
        f"subject {ids[i]} visit {format_visit(visits[j])}"
        for i, j in zip(*np.nonzero(np.isinf(values)), strict=True)
    ]
    column = outcome
    if not where:
        for cov in covariates:
            col = subjects[cov]
            if pd.api.types.is_numeric_dtype(col.dtype):
                bad = np.flatnonzero(np.isinf(col.to_numpy(dtype=float, na_value=np.nan)))
                if bad.size:
                    where, column = [f"subject {ids[i]}" for i in bad], cov
                    break
    if where:
        more = f" and {len(where) - 5} more" if len(where) > 5 else ""
        raise ModelError(
            f"{column}: infinite value(s) in the trial's data ({'; '.join(where[:5])}{more}); "
            "set them to NaN to have them treated as missing, or correct them"
        )


def _require_variation(y: np.ndarray, outcome: str, log: bool) -> None:
    """An outcome with the same value for every analysed subject and visit has nothing to
    model (every fit would be degenerate)."""
    if y.size and np.ptp(y) == 0:
        value = float(np.exp(y[0])) if log else float(y[0])
        raise ModelError(
            f"{outcome} is constant ({value:g}) in all {y.size} analysed values after "
            "baseline: there is nothing to model. Check the data or the outcome name"
        )
