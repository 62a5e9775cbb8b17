"""Validation of a long trial table: every problem found, named by column and row.

:func:`validate_long` is the strict core behind :func:`lifestyle_trials.read_trial` and the
other loaders. It never raises half-way: it collects every hard problem, raises one
:class:`~lifestyle_trials.errors.TrialDataError` listing them, and warns (with a hint) about
values that are valid but look like the wrong units.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import Problem, TrialDataError, TrialDataWarning, UnitError
from .units import (
    CANONICAL_UNITS,
    DEFAULT_UNITS,
    INSULIN_PMOL_L_PER_UU_ML,
    canonical_unit,
    to_canonical,
)

__all__ = ["ValidTable", "row_labeller", "validate_long"]

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

POSITIVE_COLUMNS: tuple[str, ...] = ("glucose", "insulin", "homa_ir")
"""Columns whose values must be > 0 (a zero concentration is a data or unit error)."""

KNOWN_COVARIATES: tuple[str, ...] = ("age", "sex", "height", "centre", "center", "site")
"""Column names taken as subject-level covariates without looking at their values."""

# (column, unit) → (low, high): a median outside suggests the declared unit is wrong.
_PLAUSIBLE_MEDIAN: dict[tuple[str, str], tuple[float, float, str]] = {
    ("insulin", "uU/mL"): (1.0, 60.0, "pmol/L; declare 'pmol/L' to convert"),
    ("insulin", "pmol/L"): (6.0, 360.0, "uU/mL (mU/L); declare 'uU/mL'"),
    ("glucose", "mmol/L"): (2.5, 30.0, "mg/dL; declare 'mg/dL' to convert"),
    ("glucose", "mg/dL"): (45.0, 540.0, "mmol/L; declare 'mmol/L'"),
    ("homa_ir", "1"): (0.1, 40.0, "insulin in pmol/L in the formula"),
    ("weight", "kg"): (30.0, 250.0, "pounds (multiply by 0.4536)"),
    ("bmi", "kg/m2"): (12.0, 70.0, "another quantity"),
}

RowLabeller = Callable[[np.ndarray], list[str]]


def row_labeller(kind: str = "index", index: pd.Index | None = None) -> RowLabeller:
    """A function that turns 0-based row positions into labels users can find.

    ``kind="line"``: line numbers of a text file with one header line (position 0 is
    line 2). ``kind="index"``: the labels of ``index`` (a DataFrame's index).
    """
    if kind == "line":
        return lambda pos: [f"line {int(p) + 2}" for p in pos]
    if index is None:
        return lambda pos: [str(int(p)) for p in pos]
    return lambda pos: [str(index[int(p)]) for p in pos]


@dataclass(frozen=True)
class ValidTable:
    """A table that passed validation, with the roles of its columns decided.

    Attributes
    ----------
    data : DataFrame
        Columns subject (str), diet, exercise (int), visit (float), covariates, outcomes.
    outcomes, covariates : tuple of str
    units : dict
        Unit of every outcome and numeric covariate.
    steps : tuple of str
        Transformations applied (unit conversions, columns not used).
    """

    data: pd.DataFrame
    outcomes: tuple[str, ...]
    covariates: tuple[str, ...]
    units: dict[str, str]
    steps: tuple[str, ...]


def validate_long(
    frame: pd.DataFrame,
    *,
    subject: str = "subject",
    diet: str = "diet",
    exercise: str = "exercise",
    visit: str = "visit",
    baseline: float = 0.0,
    outcomes: Iterable[str] | None = None,
    covariates: Iterable[str] | None = None,
    units: Mapping[str, str] | None = None,
    insulin_factor: float = INSULIN_PMOL_L_PER_UU_ML,
    source: str = "the data",
    rows: RowLabeller | None = None,
) -> ValidTable:
    """Check a long table (one row per subject and visit) and normalise it.

    Hard problems (all collected, then raised together as one TrialDataError):
    a required column missing; missing subject or visit; visits that are not numbers;
    factor values other than 0/1, True/False, yes/no; a subject whose diet or exercise
    changes between visits; duplicate subject × visit rows; non-numeric text in a numeric
    column (e.g. ``"<2.0"``); glucose, insulin or HOMA-IR <= 0; no row at the baseline visit;
    a covariate that changes within a subject.

    Soft problems warn (TrialDataWarning) with a hint: a median that suggests other units.

    Parameters
    ----------
    frame : DataFrame
        The table as read; not modified.
    subject, diet, exercise, visit : str
        Names of the design columns in ``frame``.
    baseline : float, default 0
        The baseline visit.
    outcomes, covariates : iterable of str, optional
        Roles of the other columns. When omitted: well-known outcome names (glucose,
        insulin, homa_ir, weight, ...) are outcomes, age/sex/height are covariates, other
        columns are covariates if constant within every subject and outcomes otherwise.
        Columns in neither list are not used (recorded in ``steps``).
    units : mapping, optional
        Declared unit per column; glucose and insulin are converted to mmol/L and µU/mL.
    insulin_factor : float, default 6.00
        pmol/L per µU/mL for an insulin conversion.
    source : str
        How to name the data in messages (a file name).
    rows : callable, optional
        Row positions → labels for messages (see :func:`row_labeller`).
    """
    rows = rows or row_labeller("index", frame.index)
    problems: list[Problem] = []
    steps: list[str] = []
    design_names = {"subject": subject, "diet": diet, "exercise": exercise, "visit": visit}

    missing = [name for name in design_names.values() if name not in frame.columns]
    if missing:
        for name in missing:
            problems.append(
                Problem(
                    name,
                    "required column is missing",
                    f"columns found: {', '.join(map(str, frame.columns))}; name the column with "
                    f"the matching argument (e.g. {_argument_for(name, design_names)}=...)",
                )
            )
        raise TrialDataError(problems, source)

    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    subj = frame[subject]
    bad = subj.isna().to_numpy()
    if bad.any():
        problems.append(
            Problem(
                subject,
                "missing subject identifier",
                "give every row a subject id",
                rows=tuple(rows(np.flatnonzero(bad))),
            )
        )
    out["subject"] = subj.astype(str).str.strip().to_numpy()

    out["visit"] = _parse_visits(frame[visit], visit, rows, problems)
    for role in ("diet", "exercise"):
        out[role] = _parse_factor(frame[design_names[role]], design_names[role], rows, problems)

    key_ok = ~bad & ~np.isnan(out["visit"].to_numpy())
    _check_constant_factors(out, key_ok, design_names, problems)
    _check_duplicates(out, key_ok, subject, visit, rows, problems)
    if key_ok.any() and not (out["visit"].to_numpy()[key_ok] == float(baseline)).any():
        present = np.unique(out["visit"].to_numpy()[key_ok])
        problems.append(
            Problem(
                visit,
                f"no row at the baseline visit {baseline:g}",
                f"visits found: {', '.join(f'{v:g}' for v in present[:12])}; pass "
                "baseline=<the baseline visit> or recode visits as time since randomisation",
            )
        )

    others = [c for c in frame.columns if c not in design_names.values()]
    declared_units = dict(units or {})
    unknown_units = [c for c in declared_units if c not in frame.columns]
    if unknown_units:
        problems.append(
            Problem(
                None,
                f"units declared for column(s) not in the data: {unknown_units}",
                "check the spelling of the units mapping",
            )
        )
    numeric: dict[str, np.ndarray] = {}
    text: dict[str, np.ndarray] = {}
    for col in others:
        parsed = _parse_numeric(frame[col], str(col), rows, problems)
        if parsed is None:
            text[str(col)] = frame[col].to_numpy(dtype=object)
        else:
            numeric[str(col)] = parsed

    for col in POSITIVE_COLUMNS:
        if col in numeric:
            nonpos = numeric[col] <= 0
            if nonpos.any():
                problems.append(
                    Problem(
                        col,
                        f"{int(nonpos.sum())} value(s) <= 0",
                        "concentrations must be positive: a 0 or negative value is a data "
                        "entry or unit error; correct it or set it to missing (empty)",
                        rows=tuple(rows(np.flatnonzero(nonpos))),
                    )
                )

    subject_codes = pd.factorize(out["subject"])[0]
    roles = _decide_roles(
        numeric, text, subject_codes, key_ok, outcomes, covariates, frame.columns, problems
    )
    outcome_cols, covariate_cols, unused = roles
    if unused:
        steps.append(f"columns not used: {', '.join(unused)}")

    for col in covariate_cols:
        values = numeric[col] if col in numeric else text[col]
        filled, varies = _subject_constant(values, subject_codes)
        if varies.any():
            problems.append(
                Problem(
                    col,
                    "covariate changes between visits of the same subject",
                    "a covariate must be one value per subject (e.g. its baseline value); "
                    "give it as an outcome if it is measured at each visit",
                    subjects=tuple(pd.unique(out["subject"].to_numpy()[varies])),
                )
            )
        out[col] = filled
    unit_of: dict[str, str] = {}
    declared_as: dict[str, tuple[np.ndarray, str]] = {}
    for col in outcome_cols:
        out[col] = numeric[col]
    for col in (*covariate_cols, *outcome_cols):
        if col not in numeric:
            continue
        unit = declared_units.get(col) or DEFAULT_UNITS.get(col, "")
        declared_as[col] = (out[col].to_numpy(), unit)
        if col in CANONICAL_UNITS:
            try:
                converted, note = to_canonical(out[col].to_numpy(), col, unit, insulin_factor)
                declared_as[col] = (out[col].to_numpy(), canonical_unit(col, unit))
            except UnitError as exc:
                problems.append(Problem(col, str(exc), "declare a unit this package knows"))
                continue
            if note:
                out[col] = converted
                steps.append(note)
            unit = CANONICAL_UNITS[col]
        unit_of[col] = unit

    if problems:
        raise TrialDataError(problems, source)

    for col, (values, unit) in declared_as.items():
        _warn_implausible(values, col, unit, source)

    return ValidTable(
        data=out[["subject", "diet", "exercise", "visit", *covariate_cols, *outcome_cols]],
        outcomes=tuple(outcome_cols),
        covariates=tuple(covariate_cols),
        units=unit_of,
        steps=tuple(steps),
    )


def _argument_for(name: str, design_names: Mapping[str, str]) -> str:
    return next(role for role, col in design_names.items() if col == name)


def _parse_visits(
    values: pd.Series, column: str, rows: RowLabeller, problems: list[Problem]
) -> np.ndarray:
    parsed = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    missing = values.isna().to_numpy()
    if missing.any():
        problems.append(
            Problem(
                column,
                "missing visit",
                "give every row a visit (time since randomisation)",
                rows=tuple(rows(np.flatnonzero(missing))),
            )
        )
    text = np.isnan(parsed) & ~missing
    if text.any():
        examples = ", ".join(repr(v) for v in pd.unique(values[text])[:5])
        problems.append(
            Problem(
                column,
                f"visits must be numbers (time since randomisation), found {examples}",
                "recode visits as numbers, e.g. 'Baseline' → 0, 'Month 12' → 12",
                rows=tuple(rows(np.flatnonzero(text))),
            )
        )
    inf = np.isinf(parsed)
    if inf.any():
        problems.append(
            Problem(column, "infinite visit", "", rows=tuple(rows(np.flatnonzero(inf))))
        )
        parsed[inf] = np.nan
    return parsed


def _parse_factor(
    values: pd.Series, column: str, rows: RowLabeller, problems: list[Problem]
) -> np.ndarray:
    if pd.api.types.is_bool_dtype(values.dtype) and not values.isna().any():
        return values.to_numpy(dtype=np.int8)
    if pd.api.types.is_numeric_dtype(values.dtype):
        arr = values.to_numpy(dtype=float)
        ok = (arr == 0) | (arr == 1)
        codes = np.where(ok, arr, -1).astype(np.int8)
    else:
        mapped = values.astype("string").str.strip().str.lower().map(FACTOR_TOKENS)
        ok = mapped.notna().to_numpy()
        codes = mapped.fillna(-1).to_numpy(dtype=np.int8)
    if not ok.all():
        bad = ~ok
        examples = ", ".join(repr(v) for v in pd.unique(values[bad])[:5])
        problems.append(
            Problem(
                column,
                f"factor values must be 0/1, True/False or yes/no, found {examples}",
                "recode the column, or give a single arm column with arm=... "
                "when it holds arm labels",
                rows=tuple(rows(np.flatnonzero(bad))),
            )
        )
    return codes


def _check_constant_factors(
    out: pd.DataFrame, key_ok: np.ndarray, names: Mapping[str, str], problems: list[Problem]
) -> None:
    subjects = out["subject"].to_numpy()
    for role in ("diet", "exercise"):
        vals = out[role].to_numpy()
        valid = key_ok & (vals >= 0)
        n_values = pd.Series(vals[valid]).groupby(subjects[valid], sort=False).nunique()
        changing = tuple(n_values.index[n_values.to_numpy() > 1])
        if changing:
            problems.append(
                Problem(
                    names[role],
                    f"{role} assignment changes between visits of the same subject",
                    "randomised assignment is fixed per subject: correct the rows, "
                    "or check that subject ids are not reused",
                    subjects=changing,
                )
            )


def _check_duplicates(
    out: pd.DataFrame,
    key_ok: np.ndarray,
    subject: str,
    visit: str,
    rows: RowLabeller,
    problems: list[Problem],
) -> None:
    keys = out.loc[key_ok, ["subject", "visit"]]
    dup = keys.duplicated(keep=False).to_numpy()
    if dup.any():
        positions = np.flatnonzero(key_ok)[dup]
        pairs = keys[dup].drop_duplicates()
        shown = "; ".join(f"{s} at visit {v:g}" for s, v in pairs.head(5).itertuples(index=False))
        problems.append(
            Problem(
                f"{subject} × {visit}",
                f"{len(pairs)} duplicated subject × visit pair(s) ({shown})",
                "keep one row per subject and visit (average repeated measurements first, "
                "or fix the visit)",
                rows=tuple(rows(positions)),
            )
        )


def _parse_numeric(
    values: pd.Series, column: str, rows: RowLabeller, problems: list[Problem]
) -> np.ndarray | None:
    """Numeric values of a column, or None for a text column (no value is a number)."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.to_numpy(dtype=float)
    if pd.api.types.is_numeric_dtype(values.dtype):
        arr = values.to_numpy(dtype=float)
    else:
        parsed = pd.to_numeric(values, errors="coerce")
        arr = parsed.to_numpy(dtype=float)
        failed = np.isnan(arr) & values.notna().to_numpy()
        if failed.any():
            stripped = values[failed].astype(str).str.strip()
            blank = stripped.isin(["", "NA", "N/A", "na", "NaN", "nan", "."]).to_numpy()
            failed_pos = np.flatnonzero(failed)[~blank]
            if len(failed_pos) and (np.isfinite(arr).any() or column in DEFAULT_UNITS):
                examples = ", ".join(repr(v) for v in pd.unique(values.iloc[failed_pos])[:5])
                problems.append(
                    Problem(
                        column,
                        f"{len(failed_pos)} non-numeric value(s) in a numeric column: {examples}",
                        "replace censored values such as '<2.0' with a number or leave them "
                        "empty (missing), and use '.' as the decimal mark",
                        rows=tuple(rows(failed_pos)),
                    )
                )
            elif len(failed_pos):
                return None
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
    return arr


def _varies_within(values: np.ndarray, codes: np.ndarray, valid: np.ndarray) -> bool:
    """True when some subject has more than one distinct non-missing value."""
    observed = valid & pd.notna(values)
    if not observed.any():
        return False
    counts = pd.Series(values[observed]).groupby(codes[observed]).nunique()
    return bool((counts.to_numpy() > 1).any())


def _subject_constant(values: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fill a subject-level column within subject; flag rows of subjects where it varies."""
    series = pd.Series(values)
    grouped = series.groupby(codes)
    varies_subject = grouped.nunique().to_numpy() > 1
    filled = grouped.transform("first")
    return filled.to_numpy(), varies_subject[codes]


def _decide_roles(
    numeric: Mapping[str, np.ndarray],
    text: Mapping[str, np.ndarray],
    codes: np.ndarray,
    key_ok: np.ndarray,
    outcomes: Iterable[str] | None,
    covariates: Iterable[str] | None,
    columns: pd.Index,
    problems: list[Problem],
) -> tuple[list[str], list[str], list[str]]:
    available = [*numeric, *text]
    if outcomes is not None or covariates is not None:
        outs = list(outcomes or [])
        covs = list(covariates or [])
        for col in (*outs, *covs):
            if col not in available:
                problems.append(
                    Problem(
                        col,
                        "column named in outcomes/covariates is not in the data",
                        f"columns found: {', '.join(map(str, columns))}",
                    )
                )
        for col in outs:
            if col in text:
                problems.append(Problem(col, "an outcome must be numeric; this column is text"))
        outs = [c for c in outs if c in numeric]
        covs = [c for c in covs if c in available]
        if outcomes is None:
            outs = [c for c in numeric if c not in covs]
        unused = [c for c in available if c not in outs and c not in covs]
        return outs, covs, unused
    outs, covs, unused = [], [], []
    for col in available:
        if col in KNOWN_COVARIATES:
            covs.append(col)
        elif col in numeric and col in DEFAULT_UNITS:
            outs.append(col)
        elif col in numeric:
            (outs if _varies_within(numeric[col], codes, key_ok) else covs).append(col)
        elif _varies_within(text[col], codes, key_ok):
            unused.append(col)
        else:
            covs.append(col)
    return outs, covs, unused


def _warn_implausible(values: np.ndarray, column: str, unit: str, source: str) -> None:
    bounds = _PLAUSIBLE_MEDIAN.get((column, unit))
    finite = values[np.isfinite(values)] if values.dtype.kind == "f" else values
    if bounds is None or finite.size == 0:
        return
    low, high, suggestion = bounds
    median = float(np.median(finite))
    if not low <= median <= high:
        warnings.warn(
            f"{source}: column {column!r} has median {median:.3g}, implausible for {unit}; "
            f"it looks like {suggestion}. Declare the unit with units={{{column!r}: ...}}",
            TrialDataWarning,
            stacklevel=3,
        )
