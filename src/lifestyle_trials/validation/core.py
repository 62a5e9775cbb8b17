"""Validation of a long trial table: every problem found, named by column and row.

:func:`validate_long` is the strict core behind :func:`lifestyle_trials.read_trial` and the
other loaders. It never raises half-way: it collects every hard problem, raises one
:class:`~lifestyle_trials.errors.TrialDataError` listing them, and warns (with a hint) about
values that are valid but look wrong (units, visits before baseline).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import Problem, TrialDataError
from ..trial import DESIGN_COLUMNS, Exclusion
from ..units import INSULIN_PMOL_L_PER_UU_ML
from .design import (
    check_assignment,
    check_baseline,
    check_columns,
    check_duplicates,
    warn_before_baseline,
)
from .factors import ArmValue, check_reserved, parse_arm, parse_factor
from .groups import SubjectGroups
from .keys import parse_subjects, parse_visits
from .numeric import (
    check_declared_units,
    check_positive,
    parse_numeric,
    resolve_units,
    warn_implausible,
)
from .roles import covariate_values, decide_roles
from .rows import RowLabeller, index_rows, subset_rows

__all__ = ["ValidTable", "validate_long"]


@dataclass(frozen=True)
class ValidTable:
    """A table that passed validation, with the roles of its columns decided.

    Attributes
    ----------
    data : DataFrame
        Columns subject (str), diet, exercise (int8), visit (float), covariates, outcomes, in
        the order of the input rows (minus excluded subjects).
    outcomes, covariates : tuple of str
    units : dict
        Unit of every numeric outcome and covariate after conversion.
    steps : tuple of str
        What was done (unit conversions, arm labels mapped, columns not used).
    exclusions : tuple of Exclusion
        Subjects set aside (an arm mapped to None, e.g. screen failures).
    subject_codes : ndarray of int64 or None
        Code of each row's subject, in order of first appearance, for
        :func:`lifestyle_trials.trial.make_trial` (which then need not compute them again).
    """

    data: pd.DataFrame
    outcomes: tuple[str, ...]
    covariates: tuple[str, ...]
    units: dict[str, str]
    steps: tuple[str, ...]
    exclusions: tuple[Exclusion, ...] = ()
    subject_codes: np.ndarray | None = field(default=None, compare=False, repr=False)


def validate_long(
    frame: pd.DataFrame,
    *,
    subject: str = "subject",
    diet: str = "diet",
    exercise: str = "exercise",
    visit: str = "visit",
    arm: str | None = None,
    arms: Mapping[Any, ArmValue] | None = None,
    levels: Mapping[str, Mapping[Any, int]] | None = None,
    baseline: float = 0.0,
    outcomes: Iterable[str] | None = None,
    covariates: Iterable[str] | None = None,
    fixed_outcomes: Sequence[str] = (),
    units: Mapping[str, str] | None = None,
    insulin_factor: float = INSULIN_PMOL_L_PER_UU_ML,
    source: str = "the data",
    rows: RowLabeller | None = None,
) -> ValidTable:
    """Check a long table (one row per subject and visit) and normalise it.

    Hard problems, all collected and raised together as one TrialDataError: a required column
    missing or a column name used twice; missing subject or visit; visits that are not
    numbers; factor values other than 0/1, True/False, yes/no (or the declared ``levels``);
    arm labels that are not known (or not in ``arms``); a subject whose diet or exercise
    changes between visits; duplicate subject × visit rows; non-numeric text in a numeric
    column (e.g. ``"<2.0"``); infinite values; glucose, insulin, HOMA-IR, QUICKI or Matsuda
    <= 0; no row at the baseline visit; a covariate that changes within a subject; an
    ``arm`` column that disagrees with diet and exercise; an unknown unit.

    Soft problems warn (TrialDataWarning) with a hint: a median that suggests other units;
    visits before the baseline visit.

    Parameters
    ----------
    frame : DataFrame
        The table as read; not modified.
    subject, diet, exercise, visit : str
        Names of the design columns in ``frame``.
    arm : str, optional
        A single column of arm labels instead of ``diet`` and ``exercise``.
    arms : mapping, optional
        Arm label → arm name (control, diet, exercise, diet+exercise), (diet, exercise)
        codes, or None for subjects who are not part of the trial (set aside and logged).
        Default: the labels are the arm names (case and spacing tolerant, see
        :func:`arm_codes`).
    levels : mapping, optional
        Codes of factor labels, by role: e.g. ``{"diet": {"low fat": 1, "usual": 0}}``.
    baseline : float, default 0
        The baseline visit.
    outcomes, covariates : iterable of str, optional
        Roles of the other columns. When omitted: well-known outcome names (glucose,
        insulin, homa_ir, weight, ...) are outcomes, age/sex/height/centre/site are
        covariates; another column is a covariate when it looks subject-level (constant
        within every subject, and given on all of a subject's rows or only on its first
        visit), else an outcome (numeric) or not used (text). Columns not used are recorded
        in ``steps``.
    fixed_outcomes : sequence of str
        Columns that are outcomes whatever their values look like (the measured columns of
        a wide table), when ``outcomes`` and ``covariates`` are omitted.
    units : mapping, optional
        Declared unit per column; glucose and insulin are converted to mmol/L and µU/mL.
    insulin_factor : float, default 6.00
        pmol/L per µU/mL for an insulin conversion.
    source : str
        How to name the data in messages (a file name).
    rows : callable, optional
        Row positions → labels for messages (default: the index labels of ``frame``).

    Returns
    -------
    ValidTable

    Examples
    --------
    >>> df = pd.DataFrame({"id": ["a", "a", "b", "b"], "group": ["Diet", "Diet", "Control",
    ...                    "Control"], "month": [0, 12, 0, 12], "insulin": [60.0, 54, 72, 70]})
    >>> table = validate_long(df, subject="id", arm="group", visit="month",
    ...                       units={"insulin": "pmol/L"})
    >>> print(table.data.round(2).to_string(index=False))
    subject  diet  exercise  visit  insulin
          a     1         0    0.0    10.00
          a     1         0   12.0     9.00
          b     0         0    0.0    12.00
          b     0         0   12.0    11.67
    >>> for step in table.steps:
    ...     print(step)
    arm labels in group: Diet → diet, Control → control
    insulin converted from pmol/L to uU/mL (divided by 6.0 pmol/L per uU/mL)
    """
    rows = rows or index_rows(frame.index)
    if not all(isinstance(c, str) for c in frame.columns):
        frame = frame.rename(columns=str)
    outcomes = column_names(outcomes, "outcomes", source)
    covariates = column_names(covariates, "covariates", source)
    baseline = number_argument(baseline, "baseline", "the baseline visit, e.g. baseline=0", source)
    insulin_factor = number_argument(
        insulin_factor, "insulin_factor", "pmol/L per uU/mL, e.g. insulin_factor=6.0", source
    )
    if not insulin_factor > 0:
        raise _argument_error(
            source,
            f"insulin_factor must be > 0 (pmol/L per uU/mL), got {insulin_factor!r}",
            "pass e.g. insulin_factor=6.0 (or 6.945)",
        )
    problems: list[Problem] = []
    steps: list[str] = []
    exclusions: list[Exclusion] = []

    design_names = {"subject": subject, "visit": visit}
    if arm is None:
        design_names |= {"diet": diet, "exercise": exercise}
    else:
        design_names["arm"] = arm
    check_columns(frame, design_names, source)
    if len(frame) == 0:
        raise TrialDataError(
            [
                Problem(
                    None,
                    "no data rows: the table has its column names but no values",
                    "check that the file is complete (was it saved after the data were pasted?)",
                )
            ],
            source,
        )

    # -- design columns ----------------------------------------------------------------------
    if arm is not None:
        diet_codes, exercise_codes, keep = parse_arm(frame[arm], arm, arms, rows, problems, steps)
        if not keep.all():
            exclusions += _set_aside_arms(frame.loc[~keep], subject, arm)
            kept = np.flatnonzero(keep)
            frame = frame.iloc[kept]
            rows = subset_rows(rows, kept)
            diet_codes, exercise_codes = diet_codes[kept], exercise_codes[kept]
            if len(kept) == 0:
                raise TrialDataError(
                    [
                        Problem(
                            arm,
                            "every row was set aside: all arm labels are mapped to None",
                            "map the trial's arm labels to arms in arms=...",
                        )
                    ],
                    source,
                )
    else:
        lv = dict(levels or {})
        diet_codes = parse_factor(frame[diet], diet, lv.get("diet"), rows, problems, steps)
        exercise_codes = parse_factor(
            frame[exercise], exercise, lv.get("exercise"), rows, problems, steps
        )

    parsed_subjects = parse_subjects(frame[subject], subject, rows, problems)
    codes, subjects = parsed_subjects.codes, parsed_subjects.ids
    visits = parse_visits(frame[visit], visit, rows, problems)
    groups = SubjectGroups(codes, visits, len(subjects))
    key_ok = (codes >= 0) & ~np.isnan(visits)

    for role, values in (("diet", diet_codes), ("exercise", exercise_codes)):
        column = design_names.get(role, arm or role)
        check_assignment(groups, values, role, column, subjects, problems)
    check_duplicates(groups, subjects, key_ok, f"{subject} × {visit}", rows, problems)
    check_baseline(visits, key_ok, baseline, visit, problems)

    # -- the other columns -------------------------------------------------------------------
    used = set(design_names.values())
    others = [str(c) for c in frame.columns if c not in used]
    reserved = [c for c in others if c in DESIGN_COLUMNS]
    for col in reserved:
        check_reserved(frame[col], col, diet_codes, exercise_codes, rows, problems, steps)
    others = [c for c in others if c not in reserved]

    declared_units = dict(units or {})
    check_declared_units(declared_units, others, problems)
    numeric: dict[str, np.ndarray] = {}
    text: dict[str, tuple[np.ndarray, Any]] = {}
    for col in others:
        parsed, factorized = parse_numeric(frame[col], col, rows, problems)
        if parsed is not None:
            numeric[col] = parsed
        elif factorized is not None:
            text[col] = factorized
    check_positive(numeric, rows, problems)

    outcome_cols, covariate_cols, unused = decide_roles(
        numeric, text, groups, outcomes, covariates, others, problems, fixed_outcomes
    )
    if unused:
        steps.append(f"columns not used: {', '.join(unused)}")

    out: dict[str, Any] = {
        "subject": parsed_subjects.by_row(),
        "diet": diet_codes,
        "exercise": exercise_codes,
        "visit": visits,
    }
    for col in covariate_cols:
        out[col] = covariate_values(
            col, frame[col], numeric.get(col), text.get(col), groups, subjects, problems, steps
        )
    for col in outcome_cols:
        out[col] = numeric[col]

    measured = {c: out[c] for c in (*covariate_cols, *outcome_cols) if c in numeric}
    converted, unit_of, declared_as = resolve_units(
        measured, declared_units, insulin_factor, problems, steps
    )
    out |= converted

    if problems:
        raise TrialDataError(problems, source)

    for col, (values, unit) in declared_as.items():
        warn_implausible(values, col, unit, source)
    warn_before_baseline(visits, baseline, visit, source)

    measured_cols = (*covariate_cols, *outcome_cols)
    data = pd.DataFrame(
        {n: _owned(v, frame[n] if n in measured_cols else None) for n, v in out.items()},
        copy=False,
    )
    return ValidTable(
        data=data,
        outcomes=tuple(outcome_cols),
        covariates=tuple(covariate_cols),
        units=unit_of,
        steps=tuple(steps),
        exclusions=tuple(exclusions),
        subject_codes=codes,
    )


def column_names(value: Any, argument: str, source: str) -> tuple[str, ...] | None:
    """Column names given as an argument: one name or an iterable of names (None: not given).

    Examples
    --------
    >>> column_names("age", "covariates", "f.csv"), column_names(["a", "b"], "outcomes", "")
    (('age',), ('a', 'b'))
    """
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    try:
        names = tuple(value)
    except TypeError:
        names = (value,)
    wrong = [n for n in names if not isinstance(n, str)]
    if wrong:
        raise _argument_error(
            source,
            f"{argument} must be column names (text), got {', '.join(map(repr, wrong))}",
            f'pass e.g. {argument}=["glucose", "insulin"]',
        )
    return names


def number_argument(value: Any, argument: str, what: str, source: str) -> float:
    """A finite number given as an argument, or an error naming the argument."""
    try:
        number = float(value) if not isinstance(value, bool) else float("nan")
    except (TypeError, ValueError):
        number = float("nan")
    if not np.isfinite(number):
        raise _argument_error(
            source, f"{argument} must be a finite number, got {value!r}", f"pass {what}"
        )
    return number


def _argument_error(source: str, message: str, hint: str) -> TrialDataError:
    return TrialDataError([Problem(None, message, hint)], source)


def _owned(values: Any, column: pd.Series | None) -> Any:
    """A column for a table built without copying, that shares nothing it could write to.

    Arrays made here are the table's own. pandas hands out its own data as read-only views:
    where ``values`` are such a view of the input ``column``, the column itself is used (pandas
    then copies only if either table is written to). Extension arrays (Arrow text) are
    wrapped anew: pandas may replace their data in place.
    """
    if not isinstance(values, np.ndarray):
        return values.copy()
    if values.flags.writeable:
        return values
    if column is not None and values.dtype == column.dtype:
        if np.may_share_memory(values, column.to_numpy()):
            return column.reset_index(drop=True)
    return values.copy()


def _set_aside_arms(dropped: pd.DataFrame, subject: str, arm: str) -> list[Exclusion]:
    """One exclusion per arm label mapped to None, with its subjects and rows."""
    return [
        Exclusion(
            reason=f"arm {label!r} mapped to None (not part of the trial)",
            subjects=tuple(pd.unique(group[subject].astype(str))),
            rows=len(group),
            step="read",
            column=arm,
        )
        for label, group in dropped[[subject, arm]].groupby(arm, sort=False, dropna=False)
    ]
