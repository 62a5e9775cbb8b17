"""Validation of a long trial table: every problem found, named by column and row.

:func:`validate_long` is the strict core behind :func:`lifestyle_trials.read_trial` and the
other loaders. It never raises half-way: it collects every hard problem, raises one
:class:`~lifestyle_trials.errors.TrialDataError` listing them, and warns (with a hint) about
values that are valid but look wrong (units, visits before baseline).

Rows are named so that users can find them in their source: file line numbers for text files,
sheet rows for Excel, index labels for DataFrames (see :func:`index_rows`, :func:`numbered_rows`).

The checks are vectorised: subjects are factorised once and the table is put in subject ×
visit order once (no copy when it already is); duplicates, factors that change within a
subject and covariates that vary are then comparisons of neighbouring rows.
"""

from __future__ import annotations

import difflib
import re
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .arms import ARM_CODES, ARMS
from .errors import Problem, TrialDataError, TrialDataWarning, UnitError
from .factorize import factorize
from .trial import DESIGN_COLUMNS, Exclusion, format_visit
from .units import (
    CANONICAL_UNITS,
    DEFAULT_UNITS,
    INSULIN_PMOL_L_PER_UU_ML,
    canonical_unit,
    to_canonical,
)

__all__ = [
    "FACTOR_TOKENS",
    "KNOWN_COVARIATES",
    "POSITIVE_COLUMNS",
    "RowLabeller",
    "ValidTable",
    "arm_codes",
    "arm_target",
    "index_rows",
    "numbered_rows",
    "validate_long",
]

FACTOR_TOKENS: dict[str, int] = {
    "0": 0,
    "1": 1,
    "0.0": 0,
    "1.0": 1,
    "false": 0,
    "true": 1,
    "no": 0,
    "yes": 1,
    "n": 0,
    "y": 1,
}
"""Text accepted for a 0/1 factor (after trimming and lower-casing)."""

POSITIVE_COLUMNS: tuple[str, ...] = ("glucose", "insulin", "homa_ir", "quicki", "matsuda")
"""Columns whose values must be > 0 (a zero concentration or index is a data or unit error)."""

KNOWN_COVARIATES: tuple[str, ...] = ("age", "sex", "height", "centre", "center", "site")
"""Column names taken as subject-level covariates without looking at their values."""

_BLANK_TOKENS = frozenset({"", "na", "n/a", "nan", ".", "-", "missing"})
"""Text read as a missing value in a numeric column (after trimming and lower-casing)."""

# (column, unit) → (low, high, what it looks like): a median outside suggests the wrong unit.
_PLAUSIBLE_MEDIAN: dict[tuple[str, str], tuple[float, float, str]] = {
    ("insulin", "uU/mL"): (1.0, 60.0, "pmol/L; declare 'pmol/L' to convert"),
    ("insulin", "pmol/L"): (6.0, 360.0, "uU/mL (mU/L); declare 'uU/mL'"),
    ("glucose", "mmol/L"): (2.5, 30.0, "mg/dL; declare 'mg/dL' to convert"),
    ("glucose", "mg/dL"): (45.0, 540.0, "mmol/L; declare 'mmol/L'"),
    ("homa_ir", "1"): (0.1, 40.0, "HOMA-IR computed with insulin in pmol/L or glucose in mg/dL"),
    ("weight", "kg"): (30.0, 250.0, "pounds; declare units={'weight': 'lb'}"),
    ("bmi", "kg/m2"): (12.0, 70.0, "another quantity"),
}

RowLabeller = Callable[[np.ndarray], list[str]]
"""Turns 0-based row positions of the table being validated into labels users can find."""


def index_rows(index: pd.Index) -> RowLabeller:
    """Label rows by a DataFrame's index labels.

    Examples
    --------
    >>> index_rows(pd.Index(["a", "b", "c"]))(np.array([2, 0]))
    ['c', 'a']
    """
    values = index.to_numpy()
    return lambda pos: [str(v) for v in values[np.asarray(pos, dtype=np.intp)]]


def numbered_rows(numbers: Sequence[int] | np.ndarray, noun: str = "line") -> RowLabeller:
    """Label rows by a number per row, e.g. the line of a text file each row came from.

    Examples
    --------
    >>> numbered_rows([2, 3, 5])(np.array([2]))
    ['line 5']
    >>> numbered_rows(np.arange(2, 10), "sheet 'Data' row")(np.array([0]))
    ["sheet 'Data' row 2"]
    """
    values = np.asarray(numbers)
    return lambda pos: [f"{noun} {v}" for v in values[np.asarray(pos, dtype=np.intp)].tolist()]


def _subset_rows(rows: RowLabeller, kept: np.ndarray) -> RowLabeller:
    return lambda pos: rows(kept[np.asarray(pos, dtype=np.intp)])


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
    """

    data: pd.DataFrame
    outcomes: tuple[str, ...]
    covariates: tuple[str, ...]
    units: dict[str, str]
    steps: tuple[str, ...]
    exclusions: tuple[Exclusion, ...] = ()


ArmValue = str | tuple[int, int] | None
"""What an arm label maps to: an arm name, (diet, exercise) codes, or None (not randomised)."""


def arm_codes(label: object) -> tuple[int, int] | None:
    """(diet, exercise) codes of an arm label, tolerant of case, spacing and 'and'/'&'.

    Accepted: control, diet, exercise, diet+exercise (also "Diet + Exercise",
    "diet and exercise", "diet & exercise", "exercise+diet"). Anything else gives None.

    Examples
    --------
    >>> arm_codes("Diet + Exercise"), arm_codes(" control "), arm_codes("placebo")
    ((1, 1), (0, 0), None)
    """
    key = re.sub(r"\s*(?:\+|&|\band\b)\s*", "+", str(label).strip().lower())
    key = re.sub(r"\s+", " ", key)
    if key == "exercise+diet":
        key = "diet+exercise"
    return ARM_CODES.get(key)


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
    problems: list[Problem] = []
    steps: list[str] = []
    exclusions: list[Exclusion] = []

    design_names = {"subject": subject, "visit": visit}
    if arm is None:
        design_names |= {"diet": diet, "exercise": exercise}
    else:
        design_names["arm"] = arm
    _check_columns(frame, design_names, source)

    # -- design columns ----------------------------------------------------------------------
    if arm is not None:
        diet_codes, exercise_codes, keep = _parse_arm(frame[arm], arm, arms, rows, problems, steps)
        if not keep.all():
            kept = np.flatnonzero(keep)
            dropped = frame.loc[~keep, [subject, arm]]
            for label, group in dropped.groupby(arm, sort=False, dropna=False):
                exclusions.append(
                    Exclusion(
                        reason=f"arm {label!r} mapped to None (not part of the trial)",
                        subjects=tuple(pd.unique(group[subject].astype(str))),
                        rows=len(group),
                        step="read",
                        column=arm,
                    )
                )
            frame = frame.iloc[kept]
            rows = _subset_rows(rows, kept)
            diet_codes, exercise_codes = diet_codes[kept], exercise_codes[kept]
    else:
        lv = dict(levels or {})
        diet_codes = _parse_factor(frame[diet], diet, lv.get("diet"), rows, problems, steps)
        exercise_codes = _parse_factor(
            frame[exercise], exercise, lv.get("exercise"), rows, problems, steps
        )

    codes, subjects = _parse_subjects(frame[subject], subject, rows, problems)
    visits = _parse_visits(frame[visit], visit, rows, problems)
    groups = _Groups(codes, visits, len(subjects))
    key_ok = (codes >= 0) & ~np.isnan(visits)

    for role, values in (("diet", diet_codes), ("exercise", exercise_codes)):
        changing = groups.varies(values, values >= 0)
        if changing.any():
            problems.append(
                Problem(
                    design_names.get(role, arm),
                    f"{role} assignment changes between visits of the same subject",
                    "randomised assignment is fixed per subject: correct the rows, "
                    "or check that subject ids are not reused",
                    subjects=tuple(subjects[changing]),
                )
            )
    _check_duplicates(groups, subjects, key_ok, f"{subject} × {visit}", rows, problems)
    _check_baseline(visits, key_ok, baseline, visit, problems)

    # -- the other columns -------------------------------------------------------------------
    used = set(design_names.values())
    others = [str(c) for c in frame.columns if c not in used]
    reserved = [c for c in others if c in DESIGN_COLUMNS]
    for col in reserved:
        _check_redundant(frame[col], col, diet_codes, exercise_codes, rows, problems, steps)
    others = [c for c in others if c not in reserved]

    declared_units = dict(units or {})
    unknown_units = [c for c in declared_units if c not in others]
    if unknown_units:
        problems.append(
            Problem(
                None,
                f"units declared for column(s) not in the data: {', '.join(unknown_units)}",
                f"check the spelling of the units mapping; columns found: {', '.join(others)}",
            )
        )
    numeric: dict[str, np.ndarray] = {}
    text: dict[str, tuple[np.ndarray, Any]] = {}
    for col in others:
        parsed, factorized = _parse_numeric(frame[col], col, rows, problems)
        if parsed is not None:
            numeric[col] = parsed
        elif factorized is not None:
            text[col] = factorized

    for col in POSITIVE_COLUMNS:
        if col in numeric:
            nonpos = numeric[col] <= 0
            if nonpos.any():
                problems.append(
                    Problem(
                        col,
                        f"{int(nonpos.sum())} value(s) <= 0",
                        "it must be positive: a 0 or negative value is a data entry or unit "
                        "error; correct it or leave it empty (missing)",
                        rows=tuple(rows(np.flatnonzero(nonpos))),
                    )
                )

    outcome_cols, covariate_cols, unused = _decide_roles(
        numeric, text, groups, outcomes, covariates, others, problems, fixed_outcomes
    )
    if unused:
        steps.append(f"columns not used: {', '.join(unused)}")

    out: dict[str, Any] = {
        "subject": subjects.take(np.maximum(codes, 0)).array,
        "diet": diet_codes,
        "exercise": exercise_codes,
        "visit": visits,
    }
    for col in covariate_cols:
        if col in numeric:
            filled, varies, n_filled = groups.fill_constant(numeric[col])
        else:
            filled, varies, n_filled = groups.fill_text(*text[col], frame[col])
        if varies.any():
            problems.append(
                Problem(
                    col,
                    "covariate changes between visits of the same subject",
                    "a covariate must be one value per subject (e.g. its baseline value); "
                    "give it as an outcome if it is measured at each visit",
                    subjects=tuple(subjects[varies]),
                )
            )
        if n_filled:
            steps.append(f"covariate {col} filled within subject on {n_filled} row(s)")
        if (
            isinstance(filled, np.ndarray)
            and filled.dtype.kind == "f"
            and pd.api.types.is_integer_dtype(frame[col].dtype)
            and not np.isnan(filled).any()
        ):
            filled = filled.astype(np.int64)  # integer covariates (age) stay integers
        out[col] = filled
    for col in outcome_cols:
        out[col] = numeric[col]

    unit_of: dict[str, str] = {}
    declared_as: dict[str, tuple[np.ndarray, str]] = {}
    for col in (*covariate_cols, *outcome_cols):
        if col not in numeric:
            continue
        unit = declared_units.get(col) or DEFAULT_UNITS.get(col, "")
        if col in CANONICAL_UNITS:
            try:
                declared_as[col] = (out[col], canonical_unit(col, unit))
                converted, note = to_canonical(out[col], col, unit, insulin_factor)
            except UnitError as exc:
                problems.append(Problem(col, str(exc), "declare a unit this package knows"))
                continue
            if note:
                out[col] = converted
                steps.append(note)
            unit = CANONICAL_UNITS[col]
        else:
            declared_as[col] = (out[col], unit)
        unit_of[col] = unit

    if problems:
        raise TrialDataError(problems, source)

    for col, (values, unit) in declared_as.items():
        _warn_implausible(values, col, unit, source)
    _warn_before_baseline(visits, baseline, visit, source)

    data = pd.DataFrame(out)
    return ValidTable(
        data=data,
        outcomes=tuple(outcome_cols),
        covariates=tuple(covariate_cols),
        units=unit_of,
        steps=tuple(steps),
        exclusions=tuple(exclusions),
    )


# -- structure ---------------------------------------------------------------------------------


def _check_columns(frame: pd.DataFrame, design_names: Mapping[str, str], source: str) -> None:
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


def _check_baseline(
    visits: np.ndarray, key_ok: np.ndarray, baseline: float, column: str, problems: list[Problem]
) -> None:
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


class _Groups:
    """Rows grouped by subject, in subject × visit order (computed once, reused by checks)."""

    def __init__(self, codes: np.ndarray, visits: np.ndarray, n_subjects: int) -> None:
        self.codes = codes
        self.visits = visits
        self.n_subjects = n_subjects
        if len(codes) < 2 or _is_sorted(codes, visits):
            self.order: np.ndarray | None = None
            self.sorted_codes = codes
        else:
            self.order = np.lexsort((visits, codes))
            self.sorted_codes = codes[self.order]

    def sort(self, values: np.ndarray) -> np.ndarray:
        return values if self.order is None else values[self.order]

    def subject_level(self, values: np.ndarray, observed: np.ndarray) -> bool:
        """True when the values look like a subject-level covariate: no subject's values vary,
        and each subject has them on all its rows, on none, or only on its first visit."""
        if self.varies(values, observed).any():
            return False
        valid = self.codes >= 0
        n_rows = np.bincount(self.codes[valid], minlength=self.n_subjects)
        n_obs = np.bincount(self.codes[valid & observed], minlength=self.n_subjects)
        c = self.sorted_codes
        start = np.flatnonzero((c >= 0) & np.append(True, c[1:] != c[:-1]))
        first_observed = np.zeros(self.n_subjects, dtype=bool)
        first_observed[c[start]] = self.sort(observed)[start]
        ok = (n_obs == n_rows) | (n_obs == 0) | ((n_obs == 1) & first_observed)
        return bool(ok.all())

    def varies(self, values: np.ndarray, observed: np.ndarray) -> np.ndarray:
        """Per subject: True when the observed values are not all equal."""
        mask = self.sort(observed & (self.codes >= 0))
        c = self.sorted_codes[mask]
        v = self.sort(values)[mask]
        flag = np.zeros(self.n_subjects, dtype=bool)
        if len(c) > 1:
            change = (c[1:] == c[:-1]) & (v[1:] != v[:-1])
            flag[c[1:][change]] = True
        return flag

    def fill_constant(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        """Subject-level numeric values on every row, subjects where they vary, rows filled.

        A value missing on some of a subject's rows is filled from the subject's other rows.
        """
        observed = ~np.isnan(values)
        varies = self.varies(values, observed)
        filled, n_filled = self._fill(values, observed, np.nan)
        return filled, varies, n_filled

    def fill_text(
        self, ids: np.ndarray, uniques: Any, values: pd.Series
    ) -> tuple[Any, np.ndarray, int]:
        """As :meth:`fill_constant` for a text column given by its factorisation."""
        observed = ids >= 0
        varies = self.varies(ids, observed)
        filled_ids, n_filled = self._fill(ids, observed, -1)
        if not n_filled:
            return values.array, varies, 0
        filled = pd.Series(np.asarray(uniques, dtype=object)).take(np.maximum(filled_ids, 0))
        out = filled.to_numpy(dtype=object)
        out[filled_ids < 0] = None
        return out, varies, n_filled

    def _fill(self, values: np.ndarray, observed: np.ndarray, empty: float) -> tuple[Any, int]:
        missing = ~observed & (self.codes >= 0)
        if not missing.any():
            return values, 0
        mask = self.sort(observed & (self.codes >= 0))
        c = self.sorted_codes[mask]
        v = self.sort(values)[mask]
        first = np.ones(len(c), dtype=bool)
        first[1:] = c[1:] != c[:-1]
        per_subject = np.full(self.n_subjects, empty, dtype=values.dtype)
        per_subject[c[first]] = v[first]
        out = values.copy()
        out[missing] = per_subject[self.codes[missing]]
        now = out[missing]
        n_filled = int((~np.isnan(now)).sum() if values.dtype.kind == "f" else (now >= 0).sum())
        return out, n_filled


def _is_sorted(codes: np.ndarray, visits: np.ndarray) -> bool:
    """True when rows are already grouped by subject in first-appearance order, visits rising."""
    step = codes[1:] - codes[:-1]
    if (step < 0).any():
        return False
    with np.errstate(invalid="ignore"):
        return bool(((step > 0) | (visits[1:] > visits[:-1])).all())


def _check_duplicates(
    groups: _Groups,
    subjects: pd.Index,
    key_ok: np.ndarray,
    column: str,
    rows: RowLabeller,
    problems: list[Problem],
) -> None:
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


# -- parsing -----------------------------------------------------------------------------------


def _parse_subjects(
    values: pd.Series, column: str, rows: RowLabeller, problems: list[Problem]
) -> tuple[np.ndarray, pd.Index]:
    """Integer codes per row (-1 when missing) and the subject ids (text) they index.

    Ids are kept as written, trimmed of surrounding spaces; numbers written as floats
    (``1.0``, from a column with gaps) are shown as integers.
    """
    codes, uniques = factorize(values)
    if pd.api.types.is_float_dtype(values.dtype):
        labels = pd.Index([format_visit(u) for u in np.asarray(uniques, dtype=float)], dtype=str)
        changed = True
    else:
        labels = pd.Index(uniques).astype(str)
        stripped = labels.str.strip()
        changed = bool((stripped != labels).any())
        labels = stripped
    blank = np.asarray(labels == "", dtype=bool)
    if blank.any():
        codes = np.where((codes >= 0) & np.append(blank, False)[codes], -1, codes)
    if changed and not labels.is_unique:
        # ids that differ only by surrounding spaces are the same subject
        merged, labels = pd.factorize(labels)
        codes = np.where(codes >= 0, merged[np.maximum(codes, 0)], -1)
        labels = pd.Index(labels, dtype=str)
    missing = codes < 0
    if missing.any():
        problems.append(
            Problem(
                column,
                "missing subject identifier",
                "give every row a subject id",
                rows=tuple(rows(np.flatnonzero(missing))),
            )
        )
    return codes.astype(np.int64), labels


def _parse_visits(
    values: pd.Series, column: str, rows: RowLabeller, problems: list[Problem]
) -> np.ndarray:
    if pd.api.types.is_bool_dtype(values.dtype):
        parsed = np.full(len(values), np.nan)
        missing = np.zeros(len(values), dtype=bool)
        text = np.ones(len(values), dtype=bool)
    elif pd.api.types.is_numeric_dtype(values.dtype):
        parsed = values.to_numpy(dtype=float, na_value=np.nan, copy=True)
        missing = np.isnan(parsed)
        text = np.zeros(len(values), dtype=bool)
    else:
        parsed, missing, failed, _ = _numbers_from_text(values)
        text = failed
    if missing.any():
        problems.append(
            Problem(
                column,
                "missing visit",
                "give every row a visit (time since randomisation)",
                rows=tuple(rows(np.flatnonzero(missing))),
            )
        )
    if text.any():
        examples = ", ".join(repr(v) for v in pd.unique(values[text].astype(str))[:5])
        problems.append(
            Problem(
                column,
                f"visits must be numbers (time since randomisation), found {examples}",
                "recode visits as numbers, e.g. 'Baseline' → 0, 'Month 12' → 12",
                rows=tuple(rows(np.flatnonzero(text))),
            )
        )
        parsed[text] = np.nan
    inf = np.isinf(parsed)
    if inf.any():
        problems.append(
            Problem(
                column,
                "infinite visit",
                "give a finite time since randomisation",
                rows=tuple(rows(np.flatnonzero(inf))),
            )
        )
        parsed[inf] = np.nan
    return parsed


def _normal_key(value: object) -> str:
    return re.sub(r"\s+", " ", str(value).strip().lower())


def _parse_factor(
    values: pd.Series,
    column: str,
    levels: Mapping[Any, int] | None,
    rows: RowLabeller,
    problems: list[Problem],
    steps: list[str],
) -> np.ndarray:
    """0/1 codes of a factor column (-1 where invalid, with a problem recorded)."""
    codes, uniques = factorize(values)
    uniq = list(uniques)
    if levels is not None:
        table = {_normal_key(k): int(v) for k, v in levels.items()}
        bad_levels = {k: v for k, v in levels.items() if v not in (0, 1)}
        if bad_levels:
            problems.append(
                Problem(
                    column,
                    f"levels must map labels to 0 or 1, got {bad_levels}",
                    "code the untreated level 0 and the treated level 1",
                )
            )
        mapped = [levels.get(u, table.get(_normal_key(u), -1)) for u in uniq]
        steps.append(
            f"{column} levels coded: "
            + ", ".join(f"{u} → {m}" for u, m in zip(uniq, mapped, strict=True) if m >= 0)
        )
    else:
        mapped = [_factor_token(u) for u in uniq]
    per_unique = np.array(mapped + [-1], dtype=np.int8)
    out = per_unique[codes]  # code -1 picks the trailing -1
    missing = codes < 0
    if missing.any():
        problems.append(
            Problem(
                column,
                "missing value in a design factor",
                "every row needs its subject's assignment (0 or 1)",
                rows=tuple(rows(np.flatnonzero(missing))),
            )
        )
    invalid = (out < 0) & ~missing
    if invalid.any():
        bad = [repr(u) for u, m in zip(uniq, mapped, strict=True) if m < 0]
        accepted = (
            f"the declared levels ({', '.join(map(repr, levels))})"
            if levels is not None
            else "0/1, True/False or yes/no"
        )
        problems.append(
            Problem(
                column,
                f"factor values must be {accepted}, found {', '.join(bad[:5])}",
                "recode the column, declare its labels with levels={'"
                + ("diet" if "diet" in column.lower() else "exercise")
                + "': {label: 0 or 1}}, or give a single column of arm labels with arm=...",
                rows=tuple(rows(np.flatnonzero(invalid))),
            )
        )
    return out


def _factor_token(value: object) -> int:
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return int(value) if value in (0, 1) else -1
    return FACTOR_TOKENS.get(_normal_key(value), -1)


def _parse_arm(
    values: pd.Series,
    column: str,
    arms: Mapping[Any, ArmValue] | None,
    rows: RowLabeller,
    problems: list[Problem],
    steps: list[str],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Diet and exercise codes from arm labels, and the rows to keep (arm not None)."""
    codes, uniques = factorize(values)
    uniq = list(uniques)
    table: dict[str, ArmValue] = {}
    if arms is not None:
        for key, target in arms.items():
            table[_normal_key(key)] = target
    pairs: list[tuple[int, int]] = []
    keep_label: list[bool] = []
    unknown: list[object] = []
    described: list[str] = []
    for u in uniq:
        if arms is not None and (u in arms or _normal_key(u) in table):
            target = arms[u] if u in arms else table[_normal_key(u)]
            if target is None:
                pairs.append((-1, -1))
                keep_label.append(False)
                described.append(f"{u} → set aside")
                continue
            pair = arm_target(target)
            if pair is None:
                problems.append(
                    Problem(
                        column,
                        f"arms maps {u!r} to {target!r}, which is not an arm",
                        f"map labels to one of {', '.join(ARMS)}, to (diet, exercise) codes "
                        "such as (1, 0), or to None to set the subjects aside",
                    )
                )
                pair = (-1, -1)
        else:
            pair = arm_codes(u) or (-1, -1)
            if pair[0] < 0:
                unknown.append(u)
        pairs.append(pair)
        keep_label.append(True)
        if pair[0] >= 0:
            described.append(f"{u} → {ARMS[pair[0] + 2 * pair[1]]}")
    per_unique = np.array(pairs + [(-1, -1)], dtype=np.int8).reshape(-1, 2)
    keep = np.array([*keep_label, True], dtype=bool)[codes]
    diet_codes = per_unique[codes, 0]
    exercise_codes = per_unique[codes, 1]
    if arms is not None or any(str(u) not in ARMS for u in uniq):
        steps.append(f"arm labels in {column}: {', '.join(described)}")
    missing = codes < 0
    if missing.any():
        problems.append(
            Problem(
                column,
                "missing arm",
                "every row needs its subject's arm",
                rows=tuple(rows(np.flatnonzero(missing))),
            )
        )
    if unknown:
        bad_rows = np.isin(codes, [uniq.index(u) for u in unknown])
        problems.append(
            Problem(
                column,
                f"arm label(s) not recognised: {', '.join(map(repr, unknown[:8]))}",
                f"use {', '.join(ARMS)}, or map every label with arms={{label: arm name, "
                "(diet, exercise) codes or None}}",
                rows=tuple(rows(np.flatnonzero(bad_rows))),
            )
        )
    return diet_codes, exercise_codes, keep


def arm_target(target: ArmValue) -> tuple[int, int] | None:
    """(diet, exercise) codes of what an arm label is mapped to (None if not an arm).

    Examples
    --------
    >>> arm_target("diet+exercise"), arm_target((0, 1)), arm_target("placebo")
    ((1, 1), (0, 1), None)
    """
    if isinstance(target, str):
        return arm_codes(target)
    try:
        d, e = target  # type: ignore[misc]
    except (TypeError, ValueError):
        return None
    if d in (0, 1) and e in (0, 1):
        return int(d), int(e)
    return None


def _check_redundant(
    values: pd.Series,
    column: str,
    diet_codes: np.ndarray,
    exercise_codes: np.ndarray,
    rows: RowLabeller,
    problems: list[Problem],
    steps: list[str],
) -> None:
    """A column named like a design column but not used as one: it must agree, then it goes.

    Only values that can be read as design codes (0/1, arm names) are compared; a column of
    other labels (e.g. "Group A") is not used, and this is recorded.
    """
    if column in ("diet", "exercise"):
        given = _parse_factor(values, column, None, rows, [], [])
        expected = diet_codes if column == "diet" else exercise_codes
    elif column == "arm":
        codes, uniques = factorize(values)
        per_unique = [arm_codes(u) or (-1, -1) for u in uniques]
        table = np.array([*per_unique, (-1, -1)], dtype=np.int8).reshape(-1, 2)
        given = 2 * table[codes, 1].astype(np.int16) + table[codes, 0]
        given = np.where(table[codes, 0] < 0, -1, given)
        expected = 2 * exercise_codes.astype(np.int16) + diet_codes
    else:
        steps.append(f"column {column} not used (the name is reserved for the design)")
        return
    readable = given >= 0
    disagree = readable & (given != expected) & (diet_codes >= 0) & (exercise_codes >= 0)
    if disagree.any():
        problems.append(
            Problem(
                column,
                "disagrees with the design columns on the same rows",
                "the arm and the diet/exercise codes must describe the same assignment: "
                "correct the rows, or drop the redundant column",
                rows=tuple(rows(np.flatnonzero(disagree))),
            )
        )
    elif readable.all():
        steps.append(f"column {column} not used (it agrees with the design columns)")
    else:
        steps.append(
            f"column {column} not used (the name is reserved for the design; its values that "
            "are design codes agree with the design columns)"
        )


def _numbers_from_text(
    values: pd.Series,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[np.ndarray, Any]]:
    """Numbers from a text column: values, missing (blank) rows, rows that are not numbers.

    The distinct values are parsed once and spread back by their codes, so a long column of
    repeated text costs one factorisation.
    """
    codes, uniques = factorize(values)
    text = pd.Series(np.asarray(uniques, dtype=object), dtype=object).map(_clean_token)
    parsed_u = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    blank_u = text.isna().to_numpy()
    failed_u = np.isnan(parsed_u) & ~blank_u
    parsed = np.append(parsed_u, np.nan)[codes]
    missing = np.append(blank_u, True)[codes]
    failed = np.append(failed_u, False)[codes]
    return parsed, missing, failed, (codes, uniques)


def _clean_token(value: object) -> object:
    if isinstance(value, (bool, np.bool_)):
        return float(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return value
    token = str(value).strip()
    return None if token.lower() in _BLANK_TOKENS else token


def _parse_numeric(
    values: pd.Series, column: str, rows: RowLabeller, problems: list[Problem]
) -> tuple[np.ndarray | None, tuple[np.ndarray, Any] | None]:
    """Numeric values of a column, or None for a text column (no value is a number), and the
    factorisation of a text column (codes, distinct values), to be reused."""
    if pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_numeric_dtype(values.dtype):
        arr = values.to_numpy(dtype=float, na_value=np.nan)
    elif pd.api.types.is_datetime64_any_dtype(values.dtype):
        return None, factorize(values)
    else:
        arr, _, failed, factorized = _numbers_from_text(values)
        if failed.any():
            if not np.isfinite(arr).any() and column not in DEFAULT_UNITS:
                return None, factorized
            failed_pos = np.flatnonzero(failed)
            examples = ", ".join(repr(v) for v in pd.unique(values.iloc[failed_pos])[:5])
            problems.append(
                Problem(
                    column,
                    f"{len(failed_pos)} non-numeric value(s) in a numeric column: {examples}",
                    "replace censored values such as '<2.0' with a number or leave them empty "
                    "(missing); a decimal comma needs decimal=',' or a file whose numbers all "
                    "use the same decimal mark",
                    rows=tuple(rows(failed_pos)),
                )
            )
            arr[failed] = np.nan
    inf = np.isinf(arr)
    if inf.any():
        problems.append(
            Problem(
                column,
                "infinite value(s)",
                "replace with a number or leave empty",
                rows=tuple(rows(np.flatnonzero(inf))),
            )
        )
    return arr, None


def _decide_roles(
    numeric: Mapping[str, np.ndarray],
    text: Mapping[str, tuple[np.ndarray, Any]],
    groups: _Groups,
    outcomes: Iterable[str] | None,
    covariates: Iterable[str] | None,
    columns: list[str],
    problems: list[Problem],
    fixed_outcomes: Sequence[str] = (),
) -> tuple[list[str], list[str], list[str]]:
    available = [c for c in columns if c in numeric or c in text]
    if outcomes is not None or covariates is not None:
        outs = list(outcomes or [])
        covs = list(covariates or [])
        for col in (*outs, *covs):
            if col not in available:
                close = difflib.get_close_matches(col, columns, n=2)
                guess = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
                problems.append(
                    Problem(
                        col,
                        "column named in outcomes/covariates is not in the data",
                        f"columns found: {', '.join(columns)}{guess}",
                    )
                )
        for col in outs:
            if col in text:
                problems.append(
                    Problem(
                        col,
                        "an outcome must be numeric; this column is text",
                        "give it as a covariate, or correct its values",
                    )
                )
        outs = [c for c in outs if c in numeric]
        covs = [c for c in covs if c in available]
        if outcomes is None:
            outs = [c for c in numeric if c not in covs]
        unused = [c for c in available if c not in outs and c not in covs]
        return outs, covs, unused
    outs, covs, unused = [], [], []
    for col in available:
        if col in fixed_outcomes and col in numeric:
            outs.append(col)
        elif col in KNOWN_COVARIATES:
            covs.append(col)
        elif col in numeric and col in DEFAULT_UNITS:
            outs.append(col)
        elif col in numeric:
            values = numeric[col]
            (covs if groups.subject_level(values, ~np.isnan(values)) else outs).append(col)
        else:
            ids = text[col][0]
            (covs if groups.subject_level(ids, ids >= 0) else unused).append(col)
    return outs, covs, unused


# -- soft problems -----------------------------------------------------------------------------


def _warn_implausible(values: np.ndarray, column: str, unit: str, source: str) -> None:
    bounds = _PLAUSIBLE_MEDIAN.get((column, unit))
    if bounds is None:
        return
    step = max(1, len(values) // 100_000)  # a fixed systematic sample is enough for a hint
    sample = values[::step]
    finite = sample[np.isfinite(sample)]
    if finite.size == 0:
        return
    low, high, suggestion = bounds
    median = float(np.median(finite))
    if not low <= median <= high:
        warnings.warn(
            f"{source}: column {column!r} has median {median:.3g}, implausible for {unit}; "
            f"it looks like {suggestion}. Declare the unit with units={{{column!r}: ...}}",
            TrialDataWarning,
            stacklevel=4,
        )


def _warn_before_baseline(visits: np.ndarray, baseline: float, column: str, source: str) -> None:
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
