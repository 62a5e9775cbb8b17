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

from ..errors import ModelError
from ..trial import Exclusion, Trial, format_visit

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

    wide = trial.wide(outcome)
    subjects = trial.subjects().set_index("subject").loc[wide.index]
    baseline = wide[base].to_numpy(dtype=float)
    follow = wide[list(chosen)].to_numpy(dtype=float)

    if log:
        _require_positive(wide, (base, *chosen) if need_baseline else chosen, outcome)
        with np.errstate(divide="ignore", invalid="ignore"):
            baseline = np.log(baseline)
            follow = np.log(follow)

    ids = wide.index.to_numpy(dtype=object)
    exclusions: list[Exclusion] = []
    keep = np.ones(len(ids), dtype=bool)

    def exclude(mask: np.ndarray, reason: str, column: str | None) -> None:
        newly = mask & keep
        if newly.any():
            exclusions.append(
                Exclusion(
                    reason=reason,
                    subjects=tuple(str(s) for s in ids[newly]),
                    rows=int(np.isfinite(follow[newly]).sum() + np.isfinite(baseline[newly]).sum()),
                    step=step,
                    column=column,
                )
            )
            keep[newly] = False

    if need_baseline:
        exclude(np.isnan(baseline), f"no baseline value of {outcome}", outcome)
    when = "at visit " + format_visit(chosen[0]) if len(chosen) == 1 else "after baseline"
    exclude(~np.isfinite(follow).any(axis=1), f"no value of {outcome} {when}", outcome)
    for cov in covs:
        exclude(subjects[cov].isna().to_numpy(), f"missing covariate {cov}", cov)

    if not keep.any():
        needed = "both a baseline and a follow-up value" if need_baseline else "a follow-up value"
        raise ModelError(f"no subject has {needed} of {outcome}")

    n_kept, n_visits = int(keep.sum()), len(chosen)
    frame = pd.DataFrame(
        {
            "subject": np.repeat(ids[keep], n_visits),
            "visit": np.tile(np.asarray(chosen, dtype=float), n_kept),
            "y": follow[keep].ravel(),
            "baseline": np.repeat(baseline[keep], n_visits),
        }
    )
    design = subjects.loc[keep, ["diet", "exercise", "arm", *covs]]
    design = design.loc[np.repeat(design.index.to_numpy(), n_visits)].reset_index(drop=True)
    frame = pd.concat([frame[["subject"]], design, frame[["visit", "y", "baseline"]]], axis=1)
    frame = frame.loc[np.isfinite(frame["y"].to_numpy())].reset_index(drop=True)
    frame["arm"] = frame["arm"].cat.remove_unused_categories()

    randomised = dict(trial.design.arm_sizes)
    counts = frame.drop_duplicates("subject")["arm"].value_counts(sort=False)
    analysed = {a: int(counts.get(a, 0)) for a in randomised}
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


def _require_positive(wide: pd.DataFrame, visits: Sequence[float], outcome: str) -> None:
    values = wide[list(visits)]
    bad = (values <= 0).any(axis=1)
    if bad.any():
        named = ", ".join(map(str, wide.index[bad.to_numpy()][:10]))
        more = f" and {int(bad.sum()) - 10} more" if bad.sum() > 10 else ""
        raise ModelError(
            f"log=True needs positive values of {outcome}; subject(s) {named}{more} have "
            "values <= 0. Correct the data, or analyse on the original scale (log=False)"
        )
