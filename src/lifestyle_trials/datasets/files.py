"""read_trial: a trial from a DataFrame or a file (CSV, TSV, Excel, Parquet), validated.

Reading (formats, encodings, separators, decimal commas) is in :mod:`.readers`, wide to long
in :mod:`.reshape`, the checks in :mod:`lifestyle_trials.validation`; this module strings
them together and records what was done in the Trial's provenance.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from ..errors import Problem, TrialDataError
from ..trial import Provenance, Trial, make_trial
from ..units import INSULIN_PMOL_L_PER_UU_ML
from ..validation import ArmValue, number_argument, validate_long
from .raw_table import DEFAULT_LIMITS
from .readers import ReadLimits, Source, read_table
from .reshape import wide_to_long

__all__ = ["Source", "read_trial"]


def read_trial(
    source: Source,
    subject: str = "subject",
    diet: str = "diet",
    exercise: str = "exercise",
    visit: str = "visit",
    *,
    arm: str | None = None,
    arms: Mapping[Any, ArmValue] | None = None,
    levels: Mapping[str, Mapping[Any, int]] | None = None,
    layout: Literal["long", "wide"] = "long",
    wide: Mapping[str, tuple[str, float]] | None = None,
    unmeasured_visits: Iterable[float] = (),
    baseline: float = 0.0,
    outcomes: Iterable[str] | None = None,
    covariates: Iterable[str] | None = None,
    units: Mapping[str, str] | None = None,
    insulin_factor: float = INSULIN_PMOL_L_PER_UU_ML,
    sheet: str | int | None = None,
    encoding: str | None = None,
    sep: str | None = None,
    decimal: str | None = None,
    name: str | None = None,
    citation: str = "",
    licence: str = "",
    max_rows: int = DEFAULT_LIMITS.max_rows,
    max_xlsx_bytes: int = DEFAULT_LIMITS.max_xlsx_bytes,
) -> Trial:
    """Read a trial into a validated Trial, from a DataFrame or a CSV, TSV, Excel or Parquet file.

    Parameters
    ----------
    source : DataFrame or path
        A DataFrame, or a .csv/.txt/.tsv/.tab, .xlsx/.xlsm or .parquet file.
    subject, diet, exercise, visit : str
        Column names of the subject id, the diet and exercise factors (0/1, True/False,
        yes/no, or labels declared in ``levels``) and the visit (a number: time since
        randomisation, e.g. months). Subject ids are kept as text exactly as written.
    arm : str, optional
        One column of arm labels instead of ``diet`` and ``exercise``: control, diet,
        exercise, diet+exercise (case and spacing tolerant; "diet and exercise" and
        "diet & exercise" too), or any labels mapped with ``arms``. Three-arm trials (no
        exercise-only arm, say) are valid.
    arms : mapping, optional
        Arm label → arm name, ``(diet, exercise)`` codes, or None to set the label's
        subjects aside (logged in ``trial.exclusions``), e.g.
        ``{"Usual care": "control", "Diet": (1, 0), "Screen failure": None}``.
    levels : mapping, optional
        Labels of the factor columns, by role, e.g. ``{"diet": {"low fat": 1, "usual": 0}}``.
    layout : {'long', 'wide'}, default 'long'
        'long': one row per subject and visit. 'wide': one row per subject, outcomes in
        columns named ``<outcome>_<visit>`` (``homa_ir_0``, ``homa_ir_12``); ``visit`` is
        then not used.
    wide : mapping, optional
        For ``layout='wide'``: ``{column: (outcome, visit)}`` for columns named otherwise,
        e.g. ``{"ins_pre": ("insulin", 0), "ins_post": ("insulin", 12)}``.
    unmeasured_visits : iterable of float
        For ``layout='wide'``: design visits with no measurement in the table (e.g. a
        baseline that was not recorded); each subject gets a row there with the outcomes
        missing, and this is recorded in provenance.
    baseline : float, default 0
        The baseline visit.
    outcomes, covariates : iterable of str, optional
        Roles of the remaining columns; guessed when omitted (see
        :func:`lifestyle_trials.validation.validate_long`).
    units : mapping, optional
        Unit per column. Glucose is stored in mmol/L and insulin in µU/mL: other declared
        units (mg/dL, pmol/L) are converted and the conversion is recorded in provenance;
        other columns keep the declared unit, recorded in ``trial.units``.
    insulin_factor : float, default 6.00
        pmol/L per µU/mL for an insulin conversion.
    sheet : str or int, optional
        Excel sheet; required when the workbook has several.
    encoding, sep, decimal : str, optional
        Text files: encoding, separator and decimal mark. Detected when omitted; a file that
        cannot be read unambiguously is refused, never guessed (see
        :mod:`lifestyle_trials.datasets.readers`).
    name, citation, licence : str
        Provenance: a name for the data (default: the file name), what to cite, the licence.
    max_rows, max_xlsx_bytes : int
        The largest Parquet file (rows, default 5,000,000) and .xlsx workbook (XML once
        unzipped, default 32 MiB) read: a larger file is refused from its metadata before
        its data are expanded. Raise them for a file that is meant to be that large.

    Returns
    -------
    Trial
        Provenance records the file's SHA-256 and every step (reading, reshaping, arm
        labels, unit conversions); subjects set aside are in ``trial.exclusions``.

    Raises
    ------
    TrialDataError
        Listing every problem found, each with its column, rows (file lines, sheet rows or
        index labels) or subjects, and what to do.

    Warns
    -----
    TrialDataWarning
        Values that are valid but look wrong, e.g. insulin whose median suggests pmol/L
        when µU/mL is declared.

    Examples
    --------
    >>> import pandas as pd, lifestyle_trials as lt
    >>> df = pd.DataFrame({"subject": [1, 1, 2, 2], "diet": [0, 0, 1, 1],
    ...                    "exercise": [1, 1, 0, 0], "visit": [0, 12, 0, 12],
    ...                    "glucose": [5.6, 5.4, 6.1, 5.8], "insulin": [12.0, 11.0, 15.0, 12.5]})
    >>> trial = lt.read_trial(df)
    >>> trial.design.arms, trial.design.visits
    (('diet', 'exercise'), (0.0, 12.0))

    The same trial, one row per subject with an arm column:

    >>> wide = pd.DataFrame({"id": [1, 2], "group": ["Exercise", "Diet"],
    ...                      "glucose_0": [5.6, 6.1], "glucose_12": [5.4, 5.8],
    ...                      "insulin_0": [12.0, 15.0], "insulin_12": [11.0, 12.5]})
    >>> same = lt.read_trial(wide, subject="id", arm="group", layout="wide")
    >>> same.data.equals(trial.data)
    True
    """
    label = Path(source).name if isinstance(source, (str, Path)) else "the DataFrame"
    baseline = number_argument(baseline, "baseline", "the baseline visit, e.g. baseline=0", label)
    limits = ReadLimits(max_rows=max_rows, max_xlsx_bytes=max_xlsx_bytes)
    table = read_table(
        source,
        sheet=sheet,
        encoding=encoding,
        sep=sep,
        decimal=decimal,
        text_columns=[subject],
        limits=limits,
    )
    frame, rows, steps = table.frame, table.rows, list(table.steps)
    visit_column = visit
    fixed_outcomes: tuple[str, ...] = ()
    if layout == "wide":
        long = wide_to_long(
            frame,
            columns=wide,
            unmeasured_visits=unmeasured_visits,
            visit_column="visit",
            rows=rows,
            source=table.label,
        )
        frame, rows, visit_column = long.frame, long.rows, "visit"
        fixed_outcomes = long.outcomes
        steps += long.steps
    elif layout != "long":
        raise TrialDataError(
            [
                Problem(
                    None,
                    f"layout must be 'long' or 'wide', got {layout!r}",
                    "'long': one row per subject and visit; 'wide': one row per subject",
                )
            ],
            table.label,
        )
    elif wide is not None or tuple(unmeasured_visits):
        raise TrialDataError(
            [
                Problem(
                    None,
                    "wide= and unmeasured_visits= need layout='wide'",
                    "pass layout='wide' for a table with one row per subject",
                )
            ],
            table.label,
        )
    valid = validate_long(
        frame,
        subject=subject,
        diet=diet,
        exercise=exercise,
        visit=visit_column,
        arm=arm,
        arms=arms,
        levels=levels,
        baseline=baseline,
        outcomes=outcomes,
        covariates=covariates,
        fixed_outcomes=fixed_outcomes,
        units=units,
        insulin_factor=insulin_factor,
        source=table.label,
        rows=rows,
    )
    provenance = Provenance(
        source=name or table.label,
        citation=citation,
        licence=licence,
        sha256=table.sha256,
        steps=(*steps, *valid.steps),
    )
    return make_trial(
        valid.data,
        baseline=baseline,
        units=valid.units,
        provenance=provenance,
        outcomes=valid.outcomes,
        covariates=valid.covariates,
        exclusions=valid.exclusions,
        subject_codes=valid.subject_codes,
    )
