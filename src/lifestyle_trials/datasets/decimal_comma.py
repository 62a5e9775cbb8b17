"""Numbers written with a decimal comma: converted when unambiguous, refused otherwise.

Text columns whose values are all numbers written with a decimal comma (``5,6``) are
converted, and this is recorded. A column whose commas could all group thousands
(``1,234``) is refused unless ``;`` separates the fields, and a text file mixing a decimal
comma in some columns with decimal points in others is refused (the point may be a
thousands separator).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .raw_table import read_error

__all__ = ["decimal_commas"]

_COMMA_NUMBER = re.compile(r"\s*[+-]?(?:\d+(?:,\d+)?|,\d+)\s*")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+")


def decimal_commas(
    frame: pd.DataFrame,
    sep: str,
    text_columns: Sequence[str],
    label: str,
    steps: list[str],
    typed: bool = False,
) -> pd.DataFrame:
    """Convert text columns written with a decimal comma; refuse mixed decimal marks.

    With ``;`` as separator (or in a workbook) a comma is a decimal mark. Otherwise a column
    whose commas all group thousands (``1,234``) is ambiguous and refused. In a text file, a
    decimal comma in some columns and a decimal point in others is refused; in a workbook
    (``typed``) numeric cells are numbers whatever their display, so only text cells count.

    Parameters
    ----------
    frame : DataFrame
        The table as read.
    sep : str
        The field separator (``";"`` for a workbook).
    text_columns : sequence of str
        Columns kept as text as written, never converted.
    label : str
        The source, for messages.
    steps : list of str
        What reading did; a step naming the converted columns is appended.
    typed : bool, default False
        Whether the source types its cells (a workbook) rather than being text.

    Returns
    -------
    DataFrame
        ``frame`` with the converted columns as float.

    Raises
    ------
    TrialDataError
        A column that may hold thousands separators, or mixed decimal marks.

    Examples
    --------
    >>> steps = []
    >>> frame = pd.DataFrame({"id": ["1,0"], "glucose": ["5,6"], "visit": [0]})
    >>> decimal_commas(frame, ";", ["id"], "f.csv", steps).to_dict("list"), steps
    ({'id': ['1,0'], 'glucose': [5.6], 'visit': [0]}, ['decimal comma read in column(s) glucose'])
    """
    candidates = [
        c
        for c in frame.columns
        if c not in text_columns
        and not pd.api.types.is_numeric_dtype(frame[c].dtype)
        and not pd.api.types.is_bool_dtype(frame[c].dtype)
    ]
    converted: list[str] = []
    for col in candidates:
        values = frame[col]
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        tokens = [u for u in uniques if isinstance(u, str)]
        if len(tokens) != len(uniques) or not any("," in t for t in tokens):
            continue
        if not all(_COMMA_NUMBER.fullmatch(t) for t in tokens):
            continue
        with_comma = [t.strip() for t in tokens if "," in t]
        if sep != ";" and all(_THOUSANDS.fullmatch(t) for t in with_comma):
            raise read_error(
                label,
                f"column {col!r} has numbers such as {with_comma[0]!r}: a decimal comma or a "
                "thousands separator?",
                "pass decimal=',' if it is a decimal comma; remove thousands separators otherwise",
                column=str(col),
            )
        numbers = np.array([float(t.strip().replace(",", ".")) for t in tokens] + [np.nan])
        frame = frame.assign(**{col: numbers[codes]})
        converted.append(col)
    if not converted:
        return frame
    if typed:
        steps.append(f"decimal comma read in text cells of column(s) {', '.join(converted)}")
        return frame
    pointed = [
        c
        for c in frame.columns
        if c not in converted
        and pd.api.types.is_float_dtype(frame[c].dtype)
        and _has_fraction(frame[c].to_numpy())
    ]
    if pointed:
        raise read_error(
            label,
            f"mixed decimal marks: column(s) {', '.join(converted)} use a decimal comma and "
            f"column(s) {', '.join(pointed)} a point, which may be a thousands separator",
            "pass decimal=',' or decimal='.' to say which, after making the file consistent",
        )
    steps.append(f"decimal comma read in column(s) {', '.join(converted)}")
    return frame


def _has_fraction(values: np.ndarray) -> bool:
    finite = values[np.isfinite(values)]
    return bool((finite != np.round(finite)).any())
