"""The Trial: one tidy long table of a diet × exercise trial and what describes it.

A :class:`Trial` is immutable. Its ``data`` has one row per subject and visit with the
columns ``subject`` (str), ``diet`` and ``exercise`` (0/1 int), ``arm`` (ordered categorical),
``visit`` (float, time since randomisation; the baseline visit is ``design.baseline``),
then the covariates and the outcomes. Rows are sorted by subject and visit (numerically).

Build a Trial with :func:`lifestyle_trials.read_trial` (user data),
:func:`lifestyle_trials.simulate_odes` or :func:`lifestyle_trials.load_dataset`;
:func:`make_trial` is the constructor those share.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from ._version import __version__
from .arms import ARMS, arm_labels
from .errors import ModelError
from .factorize import ARROW_TEXT, factorize

__all__ = [
    "DESIGN_COLUMNS",
    "Design",
    "Exclusion",
    "Provenance",
    "Trial",
    "format_visit",
    "make_trial",
]

DESIGN_COLUMNS: tuple[str, ...] = ("subject", "diet", "exercise", "arm", "visit")
"""Columns every Trial's table starts with."""


def format_visit(visit: float) -> str:
    """A visit as people write it: ``12.0`` → ``"12"``, ``1.5`` → ``"1.5"``.

    Examples
    --------
    >>> format_visit(12.0), format_visit(1.5)
    ('12', '1.5')
    """
    v = float(visit)
    return str(int(v)) if v.is_integer() else repr(v)


@dataclass(frozen=True)
class Design:
    """The design of a diet × exercise trial.

    Attributes
    ----------
    arms : tuple of str
        Arms present, in canonical order (a subset of control, diet, exercise, diet+exercise).
    visits : tuple of float
        Visits present, in numeric order.
    baseline : float
        The baseline visit.
    arm_sizes : Mapping[str, int]
        Subjects per arm (all subjects in the table, whatever their visits).
    factors : tuple of str
        The factor names, ``("diet", "exercise")``.
    levels : tuple of int
        The levels of each factor, ``(0, 1)``: 0 untreated, 1 treated.
    """

    arms: tuple[str, ...]
    visits: tuple[float, ...]
    baseline: float
    arm_sizes: Mapping[str, int]
    factors: tuple[str, str] = ("diet", "exercise")
    levels: tuple[int, int] = (0, 1)

    @property
    def post_baseline(self) -> tuple[float, ...]:
        """The visits after baseline, in order."""
        return tuple(v for v in self.visits if v > self.baseline)

    @property
    def is_factorial(self) -> bool:
        """True when all four cells of the 2 × 2 design have subjects."""
        return all(self.arm_sizes.get(a, 0) > 0 for a in ARMS)

    @property
    def n_subjects(self) -> int:
        """Number of subjects in the table."""
        return int(sum(self.arm_sizes.values()))


@dataclass(frozen=True)
class Provenance:
    """Where a Trial came from and what was done to it.

    Attributes
    ----------
    source : str
        Name of the source: a file name, a dataset name or a generator.
    citation : str
        Reference to cite for the data.
    licence : str
        Licence of the data.
    sha256 : str
        SHA-256 of the input bytes (file or canonical serialisation), "" when not applicable.
    seed : int or None
        Random seed of a generator.
    version : str
        lifestyle-trials version that built the Trial.
    steps : tuple of str
        Transformations applied, in order (unit conversions, reshaping, derived columns).
    """

    source: str
    citation: str = ""
    licence: str = ""
    sha256: str = ""
    seed: int | None = None
    version: str = __version__
    steps: tuple[str, ...] = ()

    def with_step(self, step: str) -> Provenance:
        """A copy with one more transformation recorded."""
        return replace(self, steps=(*self.steps, step))


@dataclass(frozen=True)
class Exclusion:
    """Rows or subjects set aside, and why.

    Attributes
    ----------
    reason : str
        Why they were set aside, in words a reader of the report understands.
    subjects : tuple of str
        The subjects concerned.
    rows : int
        Number of rows of the long table set aside.
    step : str
        Where it happened (e.g. ``"read"``, ``"ancova homa_ir visit 12"``).
    column : str or None
        The column at issue, if one.
    """

    reason: str
    subjects: tuple[str, ...]
    rows: int
    step: str
    column: str | None = None

    @property
    def n_subjects(self) -> int:
        """Number of distinct subjects concerned."""
        return len(set(self.subjects))


@dataclass(frozen=True)
class Trial:
    """A diet × exercise trial: the long table, its design, units, provenance and exclusions.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per subject and visit; see the module docstring for the columns.
    design : Design
    units : Mapping[str, str]
        Unit of every outcome and numeric covariate (``"1"`` for dimensionless).
    provenance : Provenance
    outcomes : tuple of str
        Columns that vary by visit.
    covariates : tuple of str
        Subject-level columns (constant within subject), such as age and sex.
    exclusions : tuple of Exclusion
        Everything set aside while building the Trial.
    truth : Mapping or None
        The parameters a simulated trial was generated with (None for real data).

    Examples
    --------
    >>> import lifestyle_trials as lt
    >>> trial = lt.simulate_odes(seed=1)
    >>> dict(trial.design.arm_sizes)
    {'control': 43, 'diet': 55, 'exercise': 54, 'diet+exercise': 67}
    """

    data: pd.DataFrame
    design: Design
    units: Mapping[str, str]
    provenance: Provenance
    outcomes: tuple[str, ...]
    covariates: tuple[str, ...] = ()
    exclusions: tuple[Exclusion, ...] = ()
    truth: Mapping[str, Any] | None = field(default=None, compare=False)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{a} {n}" for a, n in self.design.arm_sizes.items())
        visits = ", ".join(format_visit(v) for v in self.design.visits)
        return (
            f"Trial({self.provenance.source!r}: {self.design.n_subjects} subjects ({sizes}); "
            f"visits {visits}; outcomes {', '.join(self.outcomes)})"
        )

    # -- views -------------------------------------------------------------------------------

    def subject_runs(self) -> tuple[np.ndarray, np.ndarray]:
        """Each row's subject as a code 0..n_subjects−1, and the first row of each subject.

        Rows are grouped by subject (a Trial keeps them so), so this needs no hashing: a new
        code starts wherever the subject differs from the row before.

        Examples
        --------
        >>> import lifestyle_trials as lt
        >>> codes, first = lt.simulate_odes(seed=1).subject_runs()
        >>> codes[:4].tolist(), first[:3].tolist()
        ([0, 0, 1, 1], [0, 2, 4])
        """
        ids = self.data["subject"].array
        n = len(ids)
        if n == 0:
            return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
        starts = np.ones(n, dtype=bool)
        starts[1:] = np.asarray(ids[1:] != ids[:-1], dtype=bool)
        return np.cumsum(starts, dtype=np.intp) - 1, np.flatnonzero(starts)

    def subjects(self) -> pd.DataFrame:
        """One row per subject: subject, diet, exercise, arm and the covariates."""
        cols = ["subject", "diet", "exercise", "arm", *self.covariates]
        _, first = self.subject_runs()
        return self.data[cols].take(first).reset_index(drop=True)

    def wide_values(self, outcome: str) -> np.ndarray:
        """The outcome as an array, one row per subject (in order) and one column per visit.

        Missing values are NaN; columns are ``design.visits`` in order.
        """
        self.require_outcome(outcome)
        codes, first = self.subject_runs()
        column = np.searchsorted(np.asarray(self.design.visits), self.data["visit"].to_numpy())
        values = np.full((len(first), len(self.design.visits)), np.nan)
        values[codes, column] = self.data[outcome].to_numpy(dtype=float, na_value=np.nan)
        return values

    def wide(self, outcome: str) -> pd.DataFrame:
        """The outcome with one row per subject and one column per visit (NaN when missing).

        Every subject of the trial has a row, in subject order; columns are the design's
        visits in numeric order.
        """
        _, first = self.subject_runs()
        index = pd.Index(self.data["subject"].take(first), name="subject")
        columns = pd.Index(self.design.visits, name="visit")
        return pd.DataFrame(self.wide_values(outcome), index=index, columns=columns)

    def exclusion_table(self) -> pd.DataFrame:
        """The exclusion log as a table: step, reason, column, subjects, rows."""
        rows = [
            {
                "step": e.step,
                "reason": e.reason,
                "column": e.column,
                "n_subjects": e.n_subjects,
                "rows": e.rows,
                "subjects": ", ".join(e.subjects),
            }
            for e in self.exclusions
        ]
        cols = ["step", "reason", "column", "n_subjects", "rows", "subjects"]
        return pd.DataFrame(rows, columns=cols)

    # -- checks used by the models -----------------------------------------------------------

    def require_outcome(self, outcome: str) -> None:
        """Raise ModelError unless ``outcome`` is an outcome of this trial."""
        if outcome not in self.outcomes:
            raise ModelError(
                f"outcome {outcome!r} is not in the trial {self.provenance.source!r}; "
                f"its outcomes are {', '.join(self.outcomes) or 'none'}"
            )

    def require_visit(self, visit: float) -> float:
        """Return the visit as a float; raise ModelError if the trial has no such visit."""
        try:
            v = float(visit)
        except (TypeError, ValueError):
            raise ModelError(f"visit must be a number, got {visit!r}") from None
        if v not in self.design.visits:
            known = ", ".join(format_visit(x) for x in self.design.visits)
            raise ModelError(f"visit {visit!r} is not in the trial; its visits are {known}")
        return v

    def require_covariates(self, covariates: Iterable[str]) -> tuple[str, ...]:
        """Return the covariates as a tuple; raise ModelError for a name not in the trial."""
        covs = (covariates,) if isinstance(covariates, str) else tuple(covariates)
        wrong = [c for c in covs if not isinstance(c, str)]
        if wrong:
            raise ModelError(
                f"covariates must be column names (text), got {', '.join(map(repr, wrong))}; "
                'pass e.g. covariates=("age", "sex")'
            )
        unknown = [c for c in covs if c not in self.data.columns]
        if unknown:
            raise ModelError(
                f"covariate(s) {', '.join(map(repr, unknown))} not in the trial; "
                f"its covariates are {', '.join(self.covariates) or 'none'}"
            )
        return covs


def make_trial(
    data: pd.DataFrame,
    *,
    baseline: float,
    units: Mapping[str, str],
    provenance: Provenance,
    outcomes: Iterable[str],
    covariates: Iterable[str] = (),
    exclusions: Iterable[Exclusion] = (),
    truth: Mapping[str, Any] | None = None,
    subject_codes: np.ndarray | None = None,
) -> Trial:
    """Assemble a Trial from a table that is already valid.

    ``data`` must have ``subject``, ``diet``, ``exercise`` and ``visit`` with valid values
    (the loaders validate first). This adds ``arm``, orders the columns, sorts rows by
    subject and visit, and derives the design. ``subject_codes``, when the caller has them
    (validation does), are the integer codes of ``data["subject"]`` in order of first
    appearance; they are computed otherwise.
    """
    outcomes = tuple(outcomes)
    covariates = tuple(covariates)
    if not data.index.equals(pd.RangeIndex(len(data))):
        data = data.reset_index(drop=True)
    subject = data["subject"]
    if not pd.api.types.is_string_dtype(subject.dtype):
        subject = subject.astype(str)
    if subject_codes is None:
        codes, _ = factorize(subject)
    elif len(subject_codes) == len(data):
        codes = np.asarray(subject_codes, dtype=np.int64)
    else:
        raise ValueError(f"{len(subject_codes)} subject codes for a table of {len(data)} rows")
    # Columns are taken from ``data`` as Series, so that the new table shares their values
    # until either is written to (pandas then copies), instead of copying every column.
    coded = {
        "diet": data["diet"].astype(np.int8),
        "exercise": data["exercise"].astype(np.int8),
        "visit": data["visit"].astype(float),
    }
    visit = coded["visit"].to_numpy()
    diet, exercise = coded["diet"].to_numpy(), coded["exercise"].to_numpy()
    columns: dict[str, Any] = {
        "subject": subject.to_numpy(copy=True) if subject.dtype == object else subject,
        "diet": coded["diet"],
        "exercise": coded["exercise"],
        "arm": arm_labels(diet, exercise),
        "visit": coded["visit"],
    }
    for col in (*covariates, *outcomes):
        values = data[col]
        kept = values.dtype == ARROW_TEXT or (
            isinstance(values.dtype, np.dtype) and values.dtype.kind in "biuf"
        )
        columns[col] = values if kept else values.to_numpy(copy=True)
    frame = pd.DataFrame(columns, copy=False)
    # subjects keep the order in which they first appear; visits sort numerically
    in_order = len(codes) < 2 or bool(
        np.all((np.diff(codes) > 0) | ((np.diff(codes) == 0) & (np.diff(visit) > 0)))
    )
    if not in_order:
        order = np.lexsort((visit, codes))
        frame = frame.take(order).reset_index(drop=True)
        codes = codes[order]

    first_rows = np.flatnonzero(np.r_[True, np.diff(codes) != 0]) if len(codes) else codes
    per_arm = np.bincount(
        2 * frame["exercise"].to_numpy()[first_rows] + frame["diet"].to_numpy()[first_rows],
        minlength=4,
    )
    arm_sizes = {a: int(n) for a, n in zip(ARMS, per_arm, strict=True) if n > 0}
    design = Design(
        arms=tuple(arm_sizes),
        visits=tuple(float(v) for v in np.unique(frame["visit"].to_numpy())),
        baseline=float(baseline),
        arm_sizes=MappingProxyType(arm_sizes),
    )
    return Trial(
        data=frame,
        design=design,
        units=MappingProxyType(dict(units)),
        provenance=provenance,
        outcomes=outcomes,
        covariates=covariates,
        exclusions=tuple(exclusions),
        truth=None if truth is None else MappingProxyType(dict(truth)),
    )
