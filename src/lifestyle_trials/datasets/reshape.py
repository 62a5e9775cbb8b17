"""Wide tables (one row per subject) to the long form (one row per subject and visit).

In the wide form an outcome measured at several visits has one column per visit, named
``<outcome>_<visit>`` (``homa_ir_0``, ``homa_ir_12``, ``weight_1.5``), or named anything with
an explicit mapping ``{column: (outcome, visit)}``. Every other column (subject, design,
covariates) is repeated on each of the subject's rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import Problem, TrialDataError
from ..trial import format_visit
from ..validation import RowLabeller

__all__ = ["WIDE_COLUMN", "Long", "wide_to_long"]

WIDE_COLUMN = re.compile(r"(?P<outcome>.+?)_(?P<visit>[+-]?\d+(?:\.\d+)?)")
"""A wide column name: an outcome, an underscore, a visit (a number)."""


@dataclass(frozen=True)
class Long:
    """The long table made from a wide one.

    Attributes
    ----------
    frame : DataFrame
        One row per subject and visit, subject-major, visits in numeric order; the column
        ``visit_column`` holds the visit.
    rows : callable
        Row positions of ``frame`` → labels of the wide source row and column.
    steps : tuple of str
        What was done (which columns became which outcome and visit).
    outcomes : tuple of str
        The outcomes made from the measured columns.
    """

    frame: pd.DataFrame
    rows: RowLabeller
    steps: tuple[str, ...]
    outcomes: tuple[str, ...] = ()


def _misnamed_columns(names: list[str], mapping: Mapping[str, tuple[str, float]]) -> list[Problem]:
    """Problems with wide columns named so that they would be read as something else.

    An outcome spelt with different case in different columns (``HOMA_IR_0``, ``homa_ir_12``)
    would become two outcomes; a column named like an outcome's columns but whose visit is not
    a number (``homa_ir_12m``, ``homa_ir_baseline``) would become a covariate.
    """
    problems = []
    by_key: dict[str, list[str]] = {}
    for outcome, _ in mapping.values():
        spellings = by_key.setdefault(outcome.casefold(), [])
        if outcome not in spellings:
            spellings.append(outcome)
    for spellings in by_key.values():
        if len(spellings) > 1:
            columns = [c for c, (o, _) in mapping.items() if o in spellings]
            problems.append(
                Problem(
                    None,
                    f"the outcome is spelt {' and '.join(map(repr, spellings))} in the wide "
                    f"columns ({', '.join(columns)}): it would become {len(spellings)} outcomes",
                    f"spell it the same way in every column (e.g. {spellings[-1]}_<visit>), or "
                    "pass wide={column: (outcome, visit)}",
                )
            )
    for col in names:
        if col in mapping:
            continue
        head, _, tail = col.rpartition("_")
        prefix = col.casefold()
        outcome = next(
            (key for key in by_key if prefix.startswith(key + "_") or head.casefold() == key),
            None,
        )
        if outcome is None:
            continue
        spelt = by_key[outcome][0]
        visit = col[len(spelt) + 1 :]
        problems.append(
            Problem(
                col,
                f"named like the columns of outcome {spelt!r}, but {visit!r} is not a visit "
                f"number, so it would not be read as {spelt}",
                f"rename it {spelt}_<visit> (e.g. {spelt}_12 for month 12), or pass "
                f"wide={{{col!r}: ({spelt!r}, <visit>)}} naming every measured column",
            )
        )
    return problems


def wide_to_long(
    frame: pd.DataFrame,
    *,
    columns: Mapping[str, tuple[str, float]] | None = None,
    unmeasured_visits: Iterable[float] = (),
    visit_column: str = "visit",
    rows: RowLabeller,
    source: str = "the data",
) -> Long:
    """Turn one row per subject into one row per subject and visit.

    Parameters
    ----------
    frame : DataFrame
        One row per subject.
    columns : mapping, optional
        ``{column: (outcome, visit)}`` for the measured columns. Default: every column named
        ``<outcome>_<visit>`` (see :data:`WIDE_COLUMN`).
    unmeasured_visits : iterable of float
        Visits at which nothing was measured but which belong to the design (e.g. a baseline
        that was not recorded): every subject gets a row there with the outcomes missing.
    visit_column : str
        Name of the visit column of the result; it must not already be a column.
    rows : callable
        Labels of the rows of ``frame``; the long rows are labelled by the wide row and the
        column their value came from.
    source : str
        Name of the data in messages.

    Returns
    -------
    Long

    Raises
    ------
    TrialDataError
        No measured columns, a mapped column that is not in the table, or a visit column that
        already exists.

    Examples
    --------
    >>> from lifestyle_trials.validation import numbered_rows
    >>> wide = pd.DataFrame({"id": [1, 2], "arm": ["diet", "control"],
    ...                      "homa_ir_0": [2.1, 3.0], "homa_ir_12": [1.8, None]})
    >>> long = wide_to_long(wide, rows=numbered_rows([2, 3]))
    >>> print(long.frame.to_string(index=False))
     id     arm  visit  homa_ir
      1    diet    0.0      2.1
      1    diet   12.0      1.8
      2 control    0.0      3.0
      2 control   12.0      NaN
    >>> long.rows(np.array([3]))
    ['line 3 (homa_ir_12)']
    """
    problems: list[Problem] = []
    names = [str(c) for c in frame.columns]
    if visit_column in names:
        problems.append(
            Problem(
                visit_column,
                "a wide table cannot have a visit column: the visits are in the column names",
                "use layout='long' for a table with one row per subject and visit",
            )
        )
    mapping: dict[str, tuple[str, float]] = {}
    if columns is not None:
        for col, target in columns.items():
            if col not in names:
                problems.append(
                    Problem(
                        col,
                        "column in the wide mapping is not in the data",
                        f"columns found: {', '.join(names)}",
                    )
                )
                continue
            try:
                outcome, visit = target
                mapping[col] = (str(outcome), float(visit))
            except (TypeError, ValueError):
                problems.append(
                    Problem(
                        col,
                        f"the wide mapping gives {target!r}",
                        "map each column to (outcome, visit number), e.g. ('insulin', 12)",
                    )
                )
    else:
        for col in names:
            match = WIDE_COLUMN.fullmatch(col)
            if match:
                mapping[col] = (match["outcome"], float(match["visit"]))
        problems += _misnamed_columns(names, mapping)
    if not mapping and not problems:
        problems.append(
            Problem(
                None,
                "no measured columns: none is named <outcome>_<visit> (e.g. homa_ir_12)",
                f"columns found: {', '.join(names)}; name them so, or pass "
                "wide={column: (outcome, visit)}",
            )
        )
    seen: dict[tuple[str, float], list[str]] = {}
    for col, target in mapping.items():
        seen.setdefault(target, []).append(col)
    for cols in seen.values():
        if len(cols) > 1:
            problems.append(
                Problem(
                    None,
                    f"columns {', '.join(cols)} give the same outcome and visit",
                    "map each outcome and visit to one column",
                )
            )
    if problems:
        raise TrialDataError(problems, source)

    extra = [float(v) for v in unmeasured_visits]
    visits = np.unique(np.array([v for _, v in mapping.values()] + extra, dtype=float))
    outcomes = list(dict.fromkeys(o for o, _ in mapping.values()))
    clash = [o for o in outcomes if o in names and o not in mapping]
    if clash:
        raise TrialDataError(
            [
                Problem(
                    o,
                    "an outcome of the wide columns has the name of another column",
                    "rename one of them",
                )
                for o in clash
            ],
            source,
        )
    n, k = len(frame), len(visits)
    where = {target: col for col, target in mapping.items()}
    kept = [c for c in frame.columns if str(c) not in mapping]
    data: dict[str, object] = {str(c): np.repeat(frame[c].to_numpy(), k) for c in kept}
    data[visit_column] = np.tile(visits, n)
    cell_names = np.empty((n, k), dtype=object)
    for j, v in enumerate(visits):
        cell_names[:, j] = f"visit {format_visit(v)}"
    for outcome in outcomes:
        block = []
        for v in visits:
            source_column = where.get((outcome, float(v)))
            if source_column is None:
                block.append(np.full(n, np.nan))
            else:
                block.append(frame[source_column].to_numpy())
        stacked = np.column_stack(block) if n else np.empty((0, k))
        data[outcome] = stacked.reshape(-1)
    for j, v in enumerate(visits):
        measured = [where[(o, float(v))] for o in outcomes if (o, float(v)) in where]
        if len(measured) == 1:
            cell_names[:, j] = measured[0]
    long = pd.DataFrame(data)
    labels = cell_names.reshape(-1)

    def label(pos: np.ndarray) -> list[str]:
        pos = np.asarray(pos, dtype=np.intp)
        base = rows(pos // k) if k else []
        return [f"{b} ({c})" for b, c in zip(base, labels[pos], strict=True)]

    by_outcome: dict[str, list[str]] = {}
    for col, (outcome, v) in mapping.items():
        by_outcome.setdefault(outcome, []).append(f"{col} → visit {format_visit(v)}")
    steps = [
        "wide to long: " + "; ".join(f"{o} ({', '.join(cols)})" for o, cols in by_outcome.items())
    ]
    if extra:
        shown = ", ".join(format_visit(v) for v in sorted(set(extra)))
        steps.append(f"visit(s) {shown}: rows added with the outcomes missing (not measured)")
    return Long(long, label, tuple(steps), tuple(outcomes))
