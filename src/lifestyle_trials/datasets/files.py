"""read_trial: a long table from a DataFrame or a file, validated into a Trial."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TypeAlias

import pandas as pd

from ..checksums import sha256_file, sha256_frame
from ..errors import Problem, TrialDataError
from ..trial import Provenance, Trial, make_trial
from ..units import INSULIN_PMOL_L_PER_UU_ML
from ..validation import RowLabeller, row_labeller, validate_long

__all__ = ["read_trial"]

Source: TypeAlias = pd.DataFrame | str | Path


def read_trial(
    source: Source,
    subject: str = "subject",
    diet: str = "diet",
    exercise: str = "exercise",
    visit: str = "visit",
    *,
    baseline: float = 0.0,
    outcomes: Iterable[str] | None = None,
    covariates: Iterable[str] | None = None,
    units: Mapping[str, str] | None = None,
    insulin_factor: float = INSULIN_PMOL_L_PER_UU_ML,
    name: str | None = None,
    citation: str = "",
    licence: str = "",
) -> Trial:
    """Read a trial in long form (one row per subject and visit) into a validated Trial.

    Parameters
    ----------
    source : DataFrame or path
        A DataFrame or a CSV file.
    subject, diet, exercise, visit : str
        Column names of the subject id, the 0/1 diet and exercise factors (0/1, True/False
        or yes/no) and the visit (a number: time since randomisation).
    baseline : float, default 0
        The baseline visit.
    outcomes, covariates : iterable of str, optional
        Roles of the remaining columns; guessed when omitted (see
        :func:`lifestyle_trials.validation.validate_long`).
    units : mapping, optional
        Unit per column. Glucose is stored in mmol/L and insulin in µU/mL: other declared
        units (mg/dL, pmol/L) are converted and the conversion is recorded in provenance.
    insulin_factor : float, default 6.00
        pmol/L per µU/mL for an insulin conversion.
    name, citation, licence : str
        Provenance: a name for the data (default: the file name), what to cite, the licence.

    Returns
    -------
    Trial

    Raises
    ------
    TrialDataError
        Listing every problem found, each with its column, rows or subjects and what to do.

    Examples
    --------
    >>> import pandas as pd, lifestyle_trials as lt
    >>> df = pd.DataFrame({"subject": [1, 1, 2, 2], "diet": [0, 0, 1, 1],
    ...                    "exercise": [1, 1, 0, 0], "visit": [0, 12, 0, 12],
    ...                    "glucose": [5.6, 5.4, 6.1, 5.8], "insulin": [12.0, 11.0, 15.0, 12.5]})
    >>> trial = lt.read_trial(df)
    >>> trial.design.arms, trial.design.visits
    (('diet', 'exercise'), (0.0, 12.0))
    """
    frame, label, sha, rows = _load(source)
    table = validate_long(
        frame,
        subject=subject,
        diet=diet,
        exercise=exercise,
        visit=visit,
        baseline=baseline,
        outcomes=outcomes,
        covariates=covariates,
        units=units,
        insulin_factor=insulin_factor,
        source=label,
        rows=rows,
    )
    provenance = Provenance(
        source=name or label, citation=citation, licence=licence, sha256=sha, steps=table.steps
    )
    return make_trial(
        table.data,
        baseline=baseline,
        units=table.units,
        provenance=provenance,
        outcomes=table.outcomes,
        covariates=table.covariates,
    )


def _load(source: Source) -> tuple[pd.DataFrame, str, str, RowLabeller]:
    """The table, a label for messages, its checksum and a row labeller."""
    if isinstance(source, pd.DataFrame):
        return source, "the DataFrame", sha256_frame(source), row_labeller("index", source.index)
    path = Path(source)
    if not path.is_file():
        raise TrialDataError(
            [Problem(None, f"file not found: {path}", "check the path")], str(path)
        )
    frame = pd.read_csv(path)
    return frame, path.name, sha256_file(path), row_labeller("line")
