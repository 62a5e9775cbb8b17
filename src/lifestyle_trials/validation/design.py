"""Checks of the design: required columns, fixed assignment, one row per subject and visit,
a baseline visit.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..errors import Problem, TrialDataError, TrialDataWarning
from ..trial import format_visit
from .groups import SubjectGroups
from .rows import RowLabeller

__all__ = [
    "check_assignment",
    "check_baseline",
    "check_columns",
    "check_duplicates",
    "warn_before_baseline",
]


def check_columns(frame: pd.DataFrame, design_names: Mapping[str, str], source: str) -> None:
    """Raise at once when a column name is used twice or a design column is missing."""
    problems: list[Problem] = []
    names = [str(c) for c in frame.columns]
    counts = pd.Series(names).value_counts()
    for name in counts.index[counts.to_numpy() > 1]:
        positions = [i + 1 for i, c in enumerate(names) if c == name]
        problems.append(
            Problem(
                name,
                f"column name used {len(positions)} times (columns "
                f"{', '.join(map(str, positions))})",
                "give every column its own name",
            )
        )
    for role, name in design_names.items():
        if name in names:
            continue
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
        close += [c for c in names if c.strip().lower() == name.lower() and c not in close]
        guess = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
        problems.append(
            Problem(
                name,
                "required column is missing",
                f"columns found: {', '.join(names) or 'none'}{guess} Name the column with "
                f"the matching argument ({role}=...)",
            )
        )
    if problems:
        raise TrialDataError(problems, source)


def check_assignment(
    groups: SubjectGroups,
    codes: np.ndarray,
    role: str,
    column: str,
    subjects: pd.Index,
    problems: list[Problem],
) -> None:
    """The randomised assignment (0/1 codes, -1 where invalid) is fixed per subject."""
    changing = groups.varies(codes, codes >= 0)
    if changing.any():
        problems.append(
            Problem(
                column,
                f"{role} assignment changes between visits of the same subject",
                "randomised assignment is fixed per subject: correct the rows, "
                "or check that subject ids are not reused",
                subjects=tuple(subjects[changing]),
            )
        )


def check_duplicates(
    groups: SubjectGroups,
    subjects: pd.Index,
    key_ok: np.ndarray,
    column: str,
    rows: RowLabeller,
    problems: list[Problem],
) -> None:
    """One row per subject and visit (rows whose key is valid, ``key_ok``)."""
    c = groups.sorted_codes
    okay = groups.sort(key_ok)
    v = groups.sort(groups.visits)
    same = (c[1:] == c[:-1]) & (v[1:] == v[:-1]) & okay[1:] & okay[:-1]
    if not same.any():
        return
    dup_sorted = np.zeros(len(c), dtype=bool)
    dup_sorted[1:] |= same
    dup_sorted[:-1] |= same
    positions = np.flatnonzero(dup_sorted) if groups.order is None else groups.order[dup_sorted]
    positions = np.sort(positions)
    pairs = pd.DataFrame({"s": groups.codes[positions], "v": groups.visits[positions]})
    pairs = pairs.drop_duplicates()
    shown = "; ".join(
        f"{subjects[s]} at visit {format_visit(v)}"
        for s, v in pairs.head(5).itertuples(index=False)
    )
    problems.append(
        Problem(
            column,
            f"{len(pairs)} duplicated subject × visit pair(s) ({shown})",
            "keep one row per subject and visit (average repeated measurements first, "
            "or fix the visit)",
            rows=tuple(rows(positions)),
        )
    )


def check_baseline(
    visits: np.ndarray, key_ok: np.ndarray, baseline: float, column: str, problems: list[Problem]
) -> None:
    """Some row is at the baseline visit."""
    if not key_ok.any() or (visits[key_ok] == float(baseline)).any():
        return
    present = np.unique(visits[key_ok])
    problems.append(
        Problem(
            column,
            f"no row at the baseline visit {format_visit(baseline)}",
            f"visits found: {', '.join(format_visit(v) for v in present[:12])}; pass "
            "baseline=<the baseline visit> or recode visits as time since randomisation",
        )
    )


def warn_before_baseline(visits: np.ndarray, baseline: float, column: str, source: str) -> None:
    """Warn about rows at visits before the baseline visit (valid, but not used by models)."""
    with np.errstate(invalid="ignore"):
        early = visits < float(baseline)
    if early.any():
        found = ", ".join(format_visit(v) for v in np.unique(visits[early])[:5])
        warnings.warn(
            f"{source}: column {column!r} has {int(early.sum())} row(s) at visits before the "
            f"baseline visit {format_visit(baseline)} ({found}); baseline-adjusted models "
            "do not use them. Pass baseline=... if the baseline is another visit",
            TrialDataWarning,
            stacklevel=4,
        )
