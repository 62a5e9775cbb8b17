"""The analysed rows of a DataFrame for a model given as a formula, and what was set aside.

From a table and a :class:`~lifestyle_trials.models.design.formula.ParsedFormula` to the rows a
model over visits is fitted to: the columns checked, rows with a missing value in a column the
model uses set aside (each reason in ``exclusions``, as R's ``na.omit`` would drop them
silently), the fixed-effects model built, and each row's position among the visits of the
covariance (the levels of the visit factor; the distinct times of a random slope; the row's
number within its subject for a random intercept alone). A covariance per group
(``us(AVISIT | ARMCD / USUBJID)``) adds each row's group; observation weights (a column)
are checked and returned beside the rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import formulaic
import numpy as np
import pandas as pd

from ...errors import ModelError
from ...trial import Exclusion
from ..engine.covariance import STRUCTURES
from .formula import ParsedFormula
from .model_matrix import DesignModel, design_model, factor_levels, level_label, level_positions

__all__ = ["FormulaFrame", "formula_frame"]


@dataclass(frozen=True, eq=False)
class FormulaFrame:
    """The analysed rows of a formula model.

    Attributes
    ----------
    frame : DataFrame
        The rows without missing values in the model's columns, in their original order.
    model : DesignModel
    structure : str
        Name of the covariance structure (``"intercept"``/``"slope"`` for random effects).
    position : ndarray of int
        Position of each row among the visits.
    times : tuple of float
        The visits as numbers.
    labels : tuple of str
        The visits as text.
    exclusions : tuple of Exclusion
    groups : tuple of str
        The levels of the group of a covariance per group, in R's order (empty without).
    group_codes : ndarray of int or None
        Position of each row's group among ``groups``.
    weights : ndarray or None
        The observation weights of the rows.
    coordinates : bool
        ``sp_exp`` over a numeric column: ``times`` are the distinct times of the rows, which
        may differ from subject to subject (each subject's covariance from its own times).
    """

    frame: pd.DataFrame
    model: DesignModel
    structure: str
    position: np.ndarray
    times: tuple[float, ...]
    labels: tuple[str, ...]
    exclusions: tuple[Exclusion, ...]
    response: str
    subject: str
    visit: str | None
    groups: tuple[str, ...] = ()
    group_codes: np.ndarray | None = None
    weights: np.ndarray | None = None
    coordinates: bool = False


def formula_frame(
    data: pd.DataFrame, parsed: ParsedFormula, *, step: str, weights: str | None = None
) -> FormulaFrame:
    """The rows, model and visit positions of a formula model (see the module description).

    Raises
    ------
    ModelError
        A column the formula names that the data lack; no covariance or random-effects term;
        an unknown structure; a visit column that is not a factor (numeric coordinates are
        for ``sp_exp``); times of ``sp_exp`` that are dates, durations or true/false, not
        finite, or repeated within a subject; a group of a covariance per group with a
        single subject, or a subject in two groups; a weights column that is missing, not
        numeric, or with values missing or not positive; no row left.
    """
    if not isinstance(data, pd.DataFrame):
        raise ModelError(
            f"a model given by a formula needs a pandas DataFrame, not {type(data).__name__}"
        )
    cov, rnd = parsed.covariance, parsed.random
    if cov is None and rnd is None:
        raise ModelError(
            "the formula has no covariance or random-effects term: add one, e.g. "
            "us(visit | subject) for an MMRM or (1 | subject) for a random intercept"
        )
    visit: str | None
    if cov is not None:
        subject, visit = cov.subject, cov.visit
        if cov.structure not in STRUCTURES:
            raise ModelError(
                f"unknown covariance structure {cov.structure!r} in {str(cov)!r}; use one of "
                f"{', '.join(STRUCTURES)}"
            )
        if cov.group is not None and cov.group not in data.columns:
            raise ModelError(
                f"the group {cov.group!r} of the covariance term {str(cov)!r} is not a column "
                f"of the data; its columns are {', '.join(map(str, data.columns))}. Name the "
                f"column of the groups, or fit one covariance for all subjects, "
                f"{cov.structure}({cov.visit} | {cov.subject})"
            )
    else:
        subject, visit = (rnd.subject, rnd.slope) if rnd is not None else ("", None)
    special = [parsed.response, subject, *([visit] if visit else [])]
    missing = [c for c in dict.fromkeys(special) if c not in data.columns]
    if missing:
        raise ModelError(
            f"the formula names column(s) {', '.join(repr(m) for m in missing)} that the data "
            f"do not have; its columns are {', '.join(map(str, data.columns))}"
        )
    if weights is not None:
        _require_weights_column(data, weights)
    coordinates = cov is not None and cov.structure == "sp_exp"
    if cov is not None and coordinates:
        _require_time_type(data, cov.visit, str(cov))
    if cov is not None and not coordinates and factor_levels(data[visit]) is None:
        raise ModelError(
            f"the visit column {visit!r} of {str(cov)!r} is numeric; a covariance structure "
            "is over the levels of a factor: make it one, e.g. "
            f"df[{visit!r}] = df[{visit!r}].astype('category') (levels in the order of visits)"
        )
    if rnd is not None and visit is not None and factor_levels(data[visit]) is not None:
        raise ModelError(
            f"the random slope {visit!r} of {str(rnd)!r} must be a numeric time, not a factor"
        )
    # the columns the fixed part uses are checked by design_model; collect them for NA rows
    probe = design_model_columns(data, parsed.fixed)
    group = cov.group if cov is not None else None
    extra = [c for c in (visit, group) if c]
    used = list(dict.fromkeys([parsed.response, subject, *extra, *probe]))
    frame = data.reset_index(drop=True)
    exclusions: list[Exclusion] = []
    keep = np.ones(len(frame), dtype=bool)
    for column in used:
        bad = frame[column].isna().to_numpy() & keep
        if bad.any():
            what = "no value of the response" if column == parsed.response else "missing"
            exclusions.append(
                Exclusion(
                    reason=f"{what} {column}" if column != parsed.response else what,
                    subjects=tuple(dict.fromkeys(str(s) for s in frame.loc[bad, subject])),
                    rows=int(bad.sum()),
                    step=step,
                    column=str(column),
                )
            )
            keep &= ~bad
    if not keep.any():
        raise ModelError(f"no row has values of all the columns {', '.join(used)}")
    frame = frame.loc[keep].reset_index(drop=True)
    groups: tuple[str, ...] = ()
    group_codes = None
    if group is not None and cov is not None:
        groups, group_codes = _group_codes(frame, group, subject, str(cov))
    weight_values = None
    if weights is not None:
        weight_values = _weight_values(frame, weights, subject)
    if cov is not None and coordinates and factor_levels(frame[visit]) is None:
        model = design_model(frame, parsed.fixed)
        values = frame[visit].to_numpy(dtype=float)
        _require_distinct_times(frame, values, cov.visit, subject, str(cov))
        distinct = np.unique(values)
        position = np.searchsorted(distinct, values).astype(np.int64)
        times = tuple(float(t) for t in distinct)
        labels = tuple(level_label(t) for t in distinct)
        name = cov.structure
    elif cov is not None:
        visits = factor_levels(frame[visit])
        if visits is None or len(visits) < 1:
            raise ModelError(f"the visit column {visit!r} has no level with data")
        model = design_model(frame, parsed.fixed, visit=visit)
        if cov.visit in model.levels:
            visits = model.levels[cov.visit]
        position = level_positions(frame[cov.visit], visits, cov.visit).astype(np.int64)
        times = tuple(float(i + 1) for i in range(len(visits)))
        labels = tuple(level_label(v) for v in visits)
        name = cov.structure
    elif visit is not None:
        model = design_model(frame, parsed.fixed)
        values = frame[visit].to_numpy(dtype=float)
        distinct = np.unique(values)
        position = np.searchsorted(distinct, values)
        times = tuple(float(t) for t in distinct)
        labels = tuple(level_label(t) for t in distinct)
        name = "slope"
    else:
        model = design_model(frame, parsed.fixed)
        position = frame.groupby(subject, sort=False).cumcount().to_numpy(dtype=np.int64)
        n = int(position.max()) + 1
        times = tuple(float(i + 1) for i in range(n))
        labels = tuple(str(i + 1) for i in range(n))
        name = "intercept"
    return FormulaFrame(
        frame=frame,
        model=model,
        structure=name,
        position=position,
        times=times,
        labels=labels,
        exclusions=tuple(exclusions),
        response=parsed.response,
        subject=subject,
        visit=visit if cov is not None else None,
        groups=groups,
        group_codes=group_codes,
        weights=weight_values,
        coordinates=coordinates and factor_levels(frame[visit]) is None,
    )


def design_model_columns(data: pd.DataFrame, fixed: str) -> list[str]:
    """The data columns the fixed part uses (a ModelError names those missing)."""
    try:
        required = sorted(str(v) for v in formulaic.Formula(fixed).required_variables)
    except Exception as exc:  # formulaic's own error types for unreadable formulas
        raise ModelError(f"cannot read the formula part {fixed!r}: {exc}") from None
    missing = [v for v in required if v not in data.columns]
    if missing:
        raise ModelError(
            f"the formula names column(s) {', '.join(repr(m) for m in missing)} that the data "
            f"do not have; its columns are {', '.join(map(str, data.columns))}"
        )
    return required


def _group_codes(
    frame: pd.DataFrame, group: str, subject: str, term: str
) -> tuple[tuple[str, ...], np.ndarray]:
    """The levels of ``group`` (R's order) and each row's level position; each level needs
    two subjects or more, and each subject one level."""
    levels = factor_levels(frame[group])
    if levels is None:
        levels = tuple(sorted(frame[group].unique()))
    per_subject = frame.groupby(subject, sort=False)[group].nunique()
    mixed = [str(s) for s, n in per_subject.items() if n > 1]
    if mixed:
        raise ModelError(
            f"the covariance per group of {term!r} needs each subject in one level of "
            f"{group!r}; subject(s) {', '.join(mixed[:5])} have rows in more than one. "
            "Group by a subject-level column (such as the arm)"
        )
    per_group = frame.groupby(group, observed=True, sort=False)[subject].nunique()
    single = [str(g) for g, n in per_group.items() if n < 2]
    if single:
        raise ModelError(
            f"the covariance per group of {term!r} is estimated within each level of "
            f"{group!r}; level(s) {', '.join(sorted(single))} have a single subject with "
            "data. Merge them with another level, or fit one covariance for all subjects"
        )
    codes = pd.Index(levels).get_indexer(frame[group].astype(object).to_numpy())
    return tuple(level_label(g) for g in levels), codes.astype(np.int64)


def _require_time_type(data: pd.DataFrame, visit: str, term: str) -> None:
    """``sp_exp`` is over numeric times (or the levels of a visit factor, equally spaced)."""
    values = data[visit]
    kind = None
    if pd.api.types.is_datetime64_any_dtype(values):
        kind = "dates"
    elif pd.api.types.is_timedelta64_dtype(values):
        kind = "durations"
    elif pd.api.types.is_bool_dtype(values):
        kind = "true/false values"
    elif pd.api.types.is_complex_dtype(values):
        kind = "complex numbers"
    if kind is not None:
        raise ModelError(
            f"the time column {visit!r} of {term!r} holds {kind} ({values.dtype}); sp_exp "
            "needs numeric times, e.g. days since randomisation: "
            f"(df[{visit!r}] - df['randomised']).dt.days, or a visit factor"
        )


def _require_distinct_times(
    frame: pd.DataFrame, values: np.ndarray, visit: str, subject: str, term: str
) -> None:
    """Finite times, none repeated within a subject (two observations at one time would
    be perfectly correlated: a singular covariance)."""
    bad = ~np.isfinite(values)
    if bad.any():
        who = frame.loc[bad, subject].astype(str).unique()
        raise ModelError(
            f"the time column {visit!r} of {term!r} has {int(bad.sum())} infinite value(s) "
            f"(subject(s) {', '.join(who[:5])}); give finite times"
        )
    pairs = pd.DataFrame({"subject": frame[subject].to_numpy(), "time": values})
    repeated = pairs.duplicated(keep="first").to_numpy()
    if repeated.any():
        shown = pairs.loc[repeated].drop_duplicates().head(5)
        where = ", ".join(
            f"subject {s} at {visit} {float(t):.12g}"
            for s, t in zip(shown["subject"], shown["time"], strict=True)
        )
        raise ModelError(
            f"{int(repeated.sum())} row(s) repeat a time of their subject in {term!r}: "
            f"{where}. Two observations of a subject at one time have correlation 1 under "
            "sp_exp (a singular covariance); keep one row per subject and time, or "
            "average them"
        )


def _require_weights_column(data: pd.DataFrame, weights: str) -> None:
    if not isinstance(weights, str) or weights not in data.columns:
        raise ModelError(
            f"weights={weights!r} is not a column of the data; name the column of the "
            f"observation weights (its columns are {', '.join(map(str, data.columns))})"
        )
    if not pd.api.types.is_numeric_dtype(data[weights]) or pd.api.types.is_bool_dtype(
        data[weights]
    ):
        raise ModelError(
            f"the weights column {weights!r} must be numeric (positive observation weights), "
            f"not {data[weights].dtype}"
        )


def _weight_values(frame: pd.DataFrame, weights: str, subject: str) -> np.ndarray:
    """The weights of the analysed rows: every one present, finite and positive."""
    values = frame[weights].to_numpy(dtype=float)
    missing = np.isnan(values)
    bad = ~missing & ~(np.isfinite(values) & (values > 0))
    if missing.any() or bad.any():
        who = frame.loc[missing | bad, subject].astype(str).unique()
        raise ModelError(
            f"the weights column {weights!r} has {int(missing.sum())} missing and "
            f"{int(bad.sum())} not positive or infinite value(s) among the analysed rows "
            f"(subject(s) {', '.join(who[:5])}); observation weights must be positive and "
            "finite: fix them, or drop those rows before fitting"
        )
    return values
