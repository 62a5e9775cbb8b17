"""The CONSORT 2010 participant flow of a trial, per arm, read from the data and the logs.

:func:`consort_flow` returns the four stages of the CONSORT 2010 diagram (Schulz et al.,
BMJ 2010;340:c332, doi:10.1136/bmj.c332) as plain numbers, with every reason in words:

- **enrolment**: subjects assessed for eligibility and those not randomised, with reasons,
  where the source gives them (``[report]`` of analysis.toml, or subjects set aside when the
  data were read because their arm is not part of the trial, e.g. screen failures);
- **allocation**: subjects allocated to each arm and, when the data record it (a
  disposition column), those who did not receive the allocated intervention;
- **follow-up**: subjects lost to follow-up (no visit at or after the primary visit; the
  reason is the last visit they attended, or the disposition the source records) and those
  who discontinued the intervention but were followed up;
- **analysis**: subjects analysed in the primary analysis and those excluded from it, each
  with the reason, worked out per subject from the data (no baseline value, no visit at
  the primary visit, a visit without the outcome, a missing covariate).

Everything here counts subjects; nothing is formatted.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..trial import Trial

__all__ = ["COMPLETED", "consort_flow"]

COMPLETED: frozenset[str] = frozenset({"", "completed", "complete", "none", "nan"})
"""Disposition values (lower case) that mean the subject completed the trial."""

_LOST = re.compile(r"lost to follow[- ]?up", re.IGNORECASE)
_NOT_RANDOMISED = re.compile(r"'([^']*)' mapped to None", re.IGNORECASE)


def consort_flow(
    trial: Trial,
    outcome: str,
    visit: float,
    analysed: Mapping[str, int] | None,
    excluded_subjects: Sequence[str],
    *,
    read_exclusions: Sequence[Mapping[str, Any]] = (),
    assessed: int | None = None,
    not_randomised: Mapping[str, int] | None = None,
    disposition: str = "",
    words: Callable[[str], str] = str,
    visit_words: Callable[[float], str] = lambda v: f"visit {v:g}",
    at_visit: Callable[[float], str] = lambda v: f"at visit {v:g}",
) -> dict[str, Any]:
    """The participant flow of ``trial`` for the primary analysis of ``outcome`` at ``visit``.

    Parameters
    ----------
    trial : Trial
        The analysed trial.
    outcome : str
        The primary outcome.
    visit : float
        The visit of the primary analysis.
    analysed : mapping or None
        Arm → subjects in the primary analysis (None when it was not fitted).
    excluded_subjects : sequence of str
        Subjects the primary analysis set aside.
    read_exclusions : sequence of mapping
        The exclusion log of reading (``reason, subjects, column``); arms mapped to None
        (subjects outside the trial) are counted as not randomised.
    assessed : int, optional
        Subjects assessed for eligibility, as the source reports.
    not_randomised : mapping, optional
        Reason → subjects assessed and not randomised, as the source reports.
    disposition : str
        A subject-level column with the reason a subject left the trial or stopped the
        intervention (empty or "completed" otherwise).
    words, visit_words, at_visit : callable
        The printed name of a variable, a visit as words ("month 12") and as a phrase
        ("at month 12").

    Returns
    -------
    dict
        ``enrolment`` (``assessed``, ``not_randomised``: list of ``{reason, n}``,
        ``randomised``), ``disposition`` (the column used, "" when none) and ``arms``:
        one entry per arm with ``arm, allocated, received``
        (None when not recorded), ``not_received``, ``lost``, ``discontinued`` and
        ``excluded`` (lists of ``{reason, n}``), ``measured`` (``{visit, n}`` per
        post-baseline visit of the outcome) and ``analysed``.

    Examples
    --------
    >>> import lifestyle_trials as lt
    >>> trial = lt.simulate_odes(seed=1, n_per_arm=(10, 10, 10, 10), dropout=0.2)
    >>> fit = lt.ancova(trial, "homa_ir")
    >>> out = consort_flow(trial, "homa_ir", 12.0, fit.n_analysed,
    ...                    [s for e in fit.exclusions for s in e.subjects])
    >>> control = out["arms"][0]
    >>> control["allocated"], control["lost"], control["analysed"]
    (10, [{'reason': 'no visit after baseline', 'n': 2}], 8)
    """
    subjects = trial.subjects().set_index("subject")
    arm_of = subjects["arm"].astype(str)
    last = _last_visit(trial)
    wide = trial.wide(outcome)
    post = list(trial.design.post_baseline)
    reasons = _disposition(subjects, disposition)
    excluded = set(excluded_subjects)
    lost_ids = {s for s, v in last.items() if v < visit}
    arms = []
    for arm in trial.design.arms:
        ids = arm_of.index[arm_of == arm]
        lost: Counter[str] = Counter()
        when: dict[str, float] = {}
        discontinued: Counter[str] = Counter()
        for s in ids:
            reason = reasons.get(s)
            if s in lost_ids:
                text = _last_words(last[s], trial, visit_words)
                if reason and not _LOST.search(reason):
                    text = f"{reason} ({text})"
                lost[text] += 1
                when[text] = last[s]
            elif reason:
                discontinued[reason] += 1
        not_analysed: Counter[str] = Counter()
        for s in ids:
            if s in excluded:
                not_analysed[
                    _why_excluded(
                        s, trial, subjects, wide, outcome, visit, lost_ids, words, at_visit
                    )
                ] += 1
        measured = [{"visit": float(v), "n": int(wide.loc[ids, v].notna().sum())} for v in post]
        arms.append(
            {
                "arm": arm,
                "allocated": int(len(ids)),
                "received": None,
                "not_received": [],
                "lost": _counts(lost, when),
                "discontinued": _counts(discontinued),
                "measured": measured,
                "analysed": None if analysed is None else int(analysed.get(arm, 0)),
                "excluded": _counts(not_analysed),
            }
        )
    before: Counter[str] = Counter()
    for e in read_exclusions:
        match = _NOT_RANDOMISED.search(str(e.get("reason", "")))
        if match:
            before[match.group(1) or "no arm"] += len(set(e.get("subjects", ())))
    for reason, n in (not_randomised or {}).items():
        before[reason] += int(n)
    randomised = int(trial.design.n_subjects)
    if assessed is None and before:
        assessed = randomised + sum(before.values())
    return {
        "enrolment": {
            "assessed": assessed,
            "not_randomised": _counts(before),
            "randomised": randomised,
        },
        "disposition": disposition if disposition in subjects.columns else "",
        "arms": arms,
    }


def _counts(
    counter: Counter[str], order: Mapping[str, float] | None = None
) -> list[dict[str, Any]]:
    """Reasons with their counts: in ``order`` (e.g. by visit), else most frequent first."""
    first = {r: i for i, r in enumerate(counter)}
    if order is not None:
        items = sorted(counter.items(), key=lambda kv: (order.get(kv[0], np.inf), first[kv[0]]))
    else:
        items = sorted(counter.items(), key=lambda kv: (-kv[1], first[kv[0]]))
    return [{"reason": r, "n": int(n)} for r, n in items]


def _last_visit(trial: Trial) -> dict[str, float]:
    """Each subject's last visit with any outcome recorded (the baseline when none)."""
    data = trial.data
    seen = data[list(trial.outcomes)].notna().any(axis=1).to_numpy()
    visits = np.where(seen, data["visit"].to_numpy(dtype=float), -np.inf)
    frame = pd.DataFrame({"subject": data["subject"].astype(str).to_numpy(), "visit": visits})
    last = frame.groupby("subject", sort=False)["visit"].max()
    baseline = float(trial.design.baseline)
    return {s: (baseline if not np.isfinite(v) else float(v)) for s, v in last.items()}


def _last_words(last: float, trial: Trial, visit_words: Callable[[float], str]) -> str:
    if last <= trial.design.baseline:
        return "no visit after baseline"
    return f"last visit: {visit_words(last)}"


def _disposition(subjects: pd.DataFrame, column: str) -> dict[str, str]:
    """Subject → the recorded reason for leaving or stopping (completers left out)."""
    if not column or column not in subjects.columns:
        return {}
    out = {}
    for s, value in subjects[column].items():
        text = "" if pd.isna(value) else str(value).strip()
        if text.lower() not in COMPLETED:
            out[str(s)] = text[:1].upper() + text[1:].lower()
    return out


def _why_excluded(
    subject: str,
    trial: Trial,
    subjects: pd.DataFrame,
    wide: pd.DataFrame,
    outcome: str,
    visit: float,
    lost: set[str],
    words: Callable[[str], str],
    at_visit: Callable[[float], str],
) -> str:
    """Why one subject is not in the primary analysis, in words."""
    name = words(outcome)
    if not np.isfinite(wide.loc[subject, trial.design.baseline]):
        return f"no baseline measurement of {name}"
    if subject in lost:
        return f"no follow-up measurement {at_visit(visit)} (lost to follow-up)"
    if not np.isfinite(wide.loc[subject, visit]):
        return f"{name} not measured {at_visit(visit)}"
    row = subjects.loc[subject]
    missing = [c for c in trial.covariates if pd.isna(row[c])]
    if missing:
        return f"{', '.join(words(c) for c in missing)} not recorded"
    return "set aside by the model"
