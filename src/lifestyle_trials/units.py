"""Units of insulin and glucose and the explicit conversions between them.

Insulin: 1 µU/mL (= 1 mU/L = 1 µIU/mL = 1 mIU/L) corresponds to 6.00 pmol/L by default
(Knopp JL et al. J Diabetes Sci Technol 2019;13:597-600, doi:10.1177/1932296818805074);
6.945 is the other factor in wide use, and the factor is always an explicit argument.

Glucose: mg/dL = mmol/L × 18.016 (molar mass of glucose 180.156 g/mol).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import UnitError

__all__ = [
    "CANONICAL_UNITS",
    "DEFAULT_UNITS",
    "GLUCOSE_MG_DL_PER_MMOL_L",
    "INSULIN_PMOL_L_PER_UU_ML",
    "canonical_unit",
    "convert_glucose",
    "convert_insulin",
    "glucose_unit",
    "insulin_unit",
    "to_canonical",
]

INSULIN_PMOL_L_PER_UU_ML = 6.00
GLUCOSE_MG_DL_PER_MMOL_L = 18.016

_INSULIN_ALIASES = {
    "uu/ml": "uU/mL",
    "µu/ml": "uU/mL",
    "μu/ml": "uU/mL",
    "uiu/ml": "uU/mL",
    "µiu/ml": "uU/mL",
    "μiu/ml": "uU/mL",
    "mu/l": "uU/mL",
    "miu/l": "uU/mL",
    "pmol/l": "pmol/L",
}
_GLUCOSE_ALIASES = {
    "mmol/l": "mmol/L",
    "mg/dl": "mg/dL",
}


def _canonical(unit: str, aliases: dict[str, str], what: str) -> str:
    key = str(unit).strip().replace(" ", "").lower()
    if key not in aliases:
        known = sorted(set(aliases.values()))
        raise UnitError(f"unknown {what} unit {unit!r}; use one of {known}")
    return aliases[key]


def insulin_unit(unit: str) -> str:
    """Canonical spelling of an insulin unit: ``"uU/mL"`` or ``"pmol/L"``.

    Accepts µU/mL, uU/mL, µIU/mL, mU/L, mIU/L (all the same quantity) and pmol/L,
    case and spacing tolerant.

    Examples
    --------
    >>> insulin_unit("mIU/L")
    'uU/mL'
    """
    return _canonical(unit, _INSULIN_ALIASES, "insulin")


def glucose_unit(unit: str) -> str:
    """Canonical spelling of a glucose unit: ``"mmol/L"`` or ``"mg/dL"``.

    Examples
    --------
    >>> glucose_unit("MG/DL")
    'mg/dL'
    """
    return _canonical(unit, _GLUCOSE_ALIASES, "glucose")


def _check_factor(factor: float, argument: str = "factor") -> float:
    try:
        number = float(factor) if not isinstance(factor, bool) else float("nan")
    except (TypeError, ValueError):
        number = float("nan")
    if not np.isfinite(number) or number <= 0:
        raise UnitError(
            f"{argument}: the insulin conversion factor must be a positive number (pmol/L per "
            f"uU/mL), got {factor!r}; pass e.g. {argument}=6.0 (or 6.945)"
        )
    return number


def convert_insulin(
    values: Any,
    from_unit: str,
    to_unit: str,
    factor: float = INSULIN_PMOL_L_PER_UU_ML,
) -> Any:
    """Convert insulin concentrations between µU/mL and pmol/L.

    ``pmol/L = µU/mL × factor``.

    Parameters
    ----------
    values : float, array-like or pandas.Series
        Concentrations; NaN stays NaN.
    from_unit, to_unit : str
        ``"uU/mL"`` (or µU/mL, mU/L, mIU/L, µIU/mL) or ``"pmol/L"``.
    factor : float, default 6.00
        pmol/L per µU/mL. 6.00 follows Knopp et al. (2019); 6.945 is the older convention.

    Returns
    -------
    Same type as ``values``.

    References
    ----------
    Knopp JL, Holder-Pearson L, Chase JG. Insulin units and conversion factors: a story of
    truth, boots, and faster half-truths. J Diabetes Sci Technol 2019;13:597-600.
    doi:10.1177/1932296818805074

    Examples
    --------
    >>> convert_insulin(10.0, "uU/mL", "pmol/L")
    60.0
    >>> round(convert_insulin(69.45, "pmol/L", "mU/L", factor=6.945), 6)
    10.0
    """
    src, dst = insulin_unit(from_unit), insulin_unit(to_unit)
    factor = _check_factor(factor)
    if src == dst:
        return values
    scale = factor if src == "uU/mL" else 1.0 / factor
    return _scale(values, scale)


def convert_glucose(values: Any, from_unit: str, to_unit: str) -> Any:
    """Convert glucose concentrations between mmol/L and mg/dL.

    ``mg/dL = mmol/L × 18.016`` (glucose molar mass 180.156 g/mol).

    Parameters
    ----------
    values : float, array-like or pandas.Series
        Concentrations; NaN stays NaN.
    from_unit, to_unit : str
        ``"mmol/L"`` or ``"mg/dL"``.

    Returns
    -------
    Same type as ``values``.

    Examples
    --------
    >>> round(convert_glucose(5.0, "mmol/L", "mg/dL"), 6)
    90.08
    >>> round(convert_glucose(90.08, "mg/dL", "mmol/L"), 6)
    5.0
    """
    src, dst = glucose_unit(from_unit), glucose_unit(to_unit)
    if src == dst:
        return values
    scale = GLUCOSE_MG_DL_PER_MMOL_L if src == "mmol/L" else 1.0 / GLUCOSE_MG_DL_PER_MMOL_L
    return _scale(values, scale)


def _scale(values: Any, scale: float) -> Any:
    if isinstance(values, (int, float, np.floating, np.integer)):
        return float(values) * scale
    if hasattr(values, "__array__") and hasattr(values, "index"):  # pandas Series
        return values * scale
    return np.asarray(values, dtype=float) * scale


DEFAULT_UNITS: dict[str, str] = {
    "glucose": "mmol/L",
    "insulin": "uU/mL",
    "homa_ir": "1",
    "homa_b": "%",
    "quicki": "1",
    "matsuda": "1",
    "weight": "kg",
    "bmi": "kg/m2",
    "waist": "cm",
    "vo2max": "mL/kg/min",
    "sbp": "mmHg",
    "dbp": "mmHg",
    "triglycerides": "mmol/L",
    "hdl": "mmol/L",
    "ldl": "mmol/L",
    "cholesterol": "mmol/L",
    "hba1c": "%",
    "age": "years",
    "height": "cm",
}
"""Units assumed for well-known columns when the caller declares none."""

CANONICAL_UNITS: dict[str, str] = {"glucose": "mmol/L", "insulin": "uU/mL"}
"""Units a Trial stores glucose and insulin in; other declared units are converted."""


def canonical_unit(column: str, unit: str) -> str:
    """The canonical spelling of ``unit`` when ``column`` is glucose or insulin, else ``unit``.

    Examples
    --------
    >>> canonical_unit("insulin", "mIU/L"), canonical_unit("weight", "kg")
    ('uU/mL', 'kg')
    """
    if column == "insulin":
        return insulin_unit(unit)
    if column == "glucose":
        return glucose_unit(unit)
    return unit


def to_canonical(
    values: Any, column: str, unit: str, insulin_factor: float = INSULIN_PMOL_L_PER_UU_ML
) -> tuple[Any, str | None]:
    """Convert a glucose or insulin column to the Trial's unit.

    Returns the converted values and a sentence describing the conversion, or the values
    unchanged and None when nothing was converted (other columns, or already canonical).

    Examples
    --------
    >>> to_canonical(60.0, "insulin", "pmol/L")
    (10.0, 'insulin converted from pmol/L to uU/mL (divided by 6.0 pmol/L per uU/mL)')
    """
    if column == "insulin" and insulin_unit(unit) != "uU/mL":
        insulin_factor = _check_factor(insulin_factor, "insulin_factor")
        out = convert_insulin(values, unit, "uU/mL", insulin_factor)
        note = (
            f"insulin converted from {insulin_unit(unit)} to uU/mL "
            f"(divided by {insulin_factor} pmol/L per uU/mL)"
        )
        return out, note
    if column == "glucose" and glucose_unit(unit) != "mmol/L":
        out = convert_glucose(values, unit, "mmol/L")
        note = f"glucose converted from mg/dL to mmol/L (divided by {GLUCOSE_MG_DL_PER_MMOL_L})"
        return out, note
    return values, None
