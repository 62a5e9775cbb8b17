"""Insulin-sensitivity indices from fasting (and OGTT) glucose and insulin.

Pure vectorised functions: each accepts scalars, array-likes and pandas Series, returns the
same kind (a float for scalars, an ndarray for arrays, a Series with the same index for a
Series), propagates NaN, and raises :class:`~lifestyle_trials.errors.DomainError` for a
non-positive concentration. Units are arguments, never guessed.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from .errors import DomainError, TrialDataWarning
from .units import INSULIN_PMOL_L_PER_UU_ML, convert_glucose, convert_insulin

__all__ = ["homa_b", "homa_ir", "matsuda", "quicki"]

HOMA_IR_DIVISOR = 22.5
"""HOMA1-IR divisor with glucose in mmol/L and insulin in µU/mL (Matthews et al. 1985)."""


def _as_array(values: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DomainError(f"{name} must be numeric: {exc}") from None
    bad = arr <= 0  # NaN compares False and propagates
    if np.any(bad):
        where = np.flatnonzero(bad.ravel())
        shown = ", ".join(str(i) for i in where[:10])
        raise DomainError(
            f"{name} must be positive; {bad.sum()} value(s) <= 0 at position(s) {shown}. "
            "A zero or negative concentration is a data or unit error: check the source."
        )
    return arr


def _like(template: Any, result: np.ndarray, name: str) -> Any:
    if isinstance(template, pd.Series):
        return pd.Series(result, index=template.index, name=name)
    if result.ndim == 0:
        return float(result)
    return result


def _fasting_inputs(
    glucose: Any, insulin: Any, glucose_unit: str, insulin_unit: str, insulin_factor: float
) -> tuple[np.ndarray, np.ndarray]:
    g = convert_glucose(_as_array(glucose, "glucose"), glucose_unit, "mmol/L")
    i = convert_insulin(_as_array(insulin, "insulin"), insulin_unit, "uU/mL", insulin_factor)
    return np.asarray(g, dtype=float), np.asarray(i, dtype=float)


def homa_ir(
    glucose: Any,
    insulin: Any,
    glucose_unit: str = "mmol/L",
    insulin_unit: str = "uU/mL",
    insulin_factor: float = INSULIN_PMOL_L_PER_UU_ML,
) -> Any:
    """Homeostasis model assessment of insulin resistance (HOMA1-IR).

    ``HOMA-IR = insulin [µU/mL] × glucose [mmol/L] / 22.5``
    (equivalently glucose [mg/dL] × insulin [µU/mL] / 405). Dimensionless.

    Parameters
    ----------
    glucose : float, array-like or Series
        Fasting plasma glucose, in ``glucose_unit``.
    insulin : float, array-like or Series
        Fasting plasma insulin, in ``insulin_unit``.
    glucose_unit : {"mmol/L", "mg/dL"}, default "mmol/L"
    insulin_unit : {"uU/mL", "pmol/L"} (or an alias such as "mU/L"), default "uU/mL"
    insulin_factor : float, default 6.00
        pmol/L per µU/mL, used only when ``insulin_unit`` is pmol/L.

    Returns
    -------
    float, ndarray or Series
        HOMA1-IR; NaN where an input is NaN.

    Raises
    ------
    DomainError
        When a concentration is zero or negative.

    References
    ----------
    Matthews DR, Hosker JP, Rudenski AS, et al. Homeostasis model assessment: insulin
    resistance and beta-cell function from fasting plasma glucose and insulin concentrations
    in man. Diabetologia 1985;28:412-9. doi:10.1007/BF00280883

    Examples
    --------
    >>> homa_ir(5.0, 9.0)
    2.0
    >>> round(homa_ir(90.08, 54.0, glucose_unit="mg/dL", insulin_unit="pmol/L"), 12)
    2.0
    """
    g, i = _fasting_inputs(glucose, insulin, glucose_unit, insulin_unit, insulin_factor)
    return _like(insulin, g * i / HOMA_IR_DIVISOR, "homa_ir")


def homa_b(
    glucose: Any,
    insulin: Any,
    glucose_unit: str = "mmol/L",
    insulin_unit: str = "uU/mL",
    insulin_factor: float = INSULIN_PMOL_L_PER_UU_ML,
) -> Any:
    """Homeostasis model assessment of beta-cell function (HOMA1-%B), in percent.

    ``HOMA-%B = 20 × insulin [µU/mL] / (glucose [mmol/L] − 3.5)``.

    The formula is undefined at glucose <= 3.5 mmol/L (the denominator is not positive);
    such values give NaN and a :class:`~lifestyle_trials.errors.TrialDataWarning` with the count.

    Parameters
    ----------
    glucose, insulin, glucose_unit, insulin_unit, insulin_factor
        As in :func:`homa_ir`.

    Returns
    -------
    float, ndarray or Series
        HOMA1-%B in percent.

    References
    ----------
    Matthews DR et al. Diabetologia 1985;28:412-9. doi:10.1007/BF00280883

    Examples
    --------
    >>> homa_b(5.5, 10.0)
    100.0
    """
    g, i = _fasting_inputs(glucose, insulin, glucose_unit, insulin_unit, insulin_factor)
    denom = g - 3.5
    undefined = denom <= 0
    if np.any(undefined):
        warnings.warn(
            f"HOMA-%B is undefined for glucose <= 3.5 mmol/L; {int(undefined.sum())} value(s) "
            "set to NaN",
            TrialDataWarning,
            stacklevel=2,
        )
    out = np.where(undefined, np.nan, 20.0 * i / np.where(undefined, 1.0, denom))
    return _like(insulin, out, "homa_b")


def quicki(
    glucose: Any,
    insulin: Any,
    glucose_unit: str = "mmol/L",
    insulin_unit: str = "uU/mL",
    insulin_factor: float = INSULIN_PMOL_L_PER_UU_ML,
) -> Any:
    """Quantitative insulin sensitivity check index (QUICKI).

    ``QUICKI = 1 / (log10 insulin [µU/mL] + log10 glucose [mg/dL])``. Dimensionless;
    higher means more insulin-sensitive.

    Parameters
    ----------
    glucose, insulin, glucose_unit, insulin_unit, insulin_factor
        As in :func:`homa_ir` (glucose is converted to mg/dL with 18.016).

    Returns
    -------
    float, ndarray or Series

    References
    ----------
    Katz A, Nambi SS, Mather K, et al. Quantitative insulin sensitivity check index: a simple,
    accurate method for assessing insulin sensitivity in humans. J Clin Endocrinol Metab
    2000;85:2402-10. doi:10.1210/jcem.85.7.6661

    Examples
    --------
    >>> round(quicki(100.0, 10.0, glucose_unit="mg/dL"), 12)
    0.333333333333
    """
    g, i = _fasting_inputs(glucose, insulin, glucose_unit, insulin_unit, insulin_factor)
    g_mgdl = np.asarray(convert_glucose(g, "mmol/L", "mg/dL"), dtype=float)
    return _like(insulin, 1.0 / (np.log10(i) + np.log10(g_mgdl)), "quicki")


def matsuda(
    glucose: Any,
    insulin: Any,
    glucose_unit: str = "mmol/L",
    insulin_unit: str = "uU/mL",
    insulin_factor: float = INSULIN_PMOL_L_PER_UU_ML,
) -> Any:
    """Matsuda whole-body insulin sensitivity index from an oral glucose tolerance test.

    ``ISI = 10000 / sqrt(G0 × I0 × Gmean × Imean)`` with glucose in mg/dL and insulin in
    µU/mL; G0, I0 are the fasting values and Gmean, Imean the means over all OGTT samples
    (fasting included), e.g. 0, 30, 60, 90 and 120 min. Dimensionless.

    Parameters
    ----------
    glucose, insulin : array-like or DataFrame, shape (n_subjects, n_samples) or (n_samples,)
        OGTT concentrations, one column per sampling time in time order, the first column
        fasting. A DataFrame's rows are subjects; a 1-D input is one subject. A subject with a
        missing sample gets NaN.
    glucose_unit, insulin_unit, insulin_factor
        As in :func:`homa_ir`.

    Returns
    -------
    float (one subject), ndarray, or Series indexed like a DataFrame input.

    References
    ----------
    Matsuda M, DeFronzo RA. Insulin sensitivity indices obtained from oral glucose tolerance
    testing: comparison with the euglycemic insulin clamp. Diabetes Care 1999;22:1462-70.
    doi:10.2337/diacare.22.9.1462

    Examples
    --------
    >>> glucose = [5.0, 8.0, 7.0, 6.0, 5.0]     # mmol/L at 0, 30, 60, 90, 120 min
    >>> insulin = [10.0, 60.0, 50.0, 40.0, 20.0]  # µU/mL
    >>> round(matsuda(glucose, insulin), 4)
    5.2542
    """
    g, i = _fasting_inputs(glucose, insulin, glucose_unit, insulin_unit, insulin_factor)
    if g.shape != i.shape:
        raise DomainError(
            f"glucose and insulin must have the same shape, got {g.shape} and {i.shape}"
        )
    if g.ndim not in (1, 2) or g.shape[-1] < 2:
        raise DomainError(
            "Matsuda needs OGTT samples along the last axis (at least fasting and one more), "
            f"got shape {g.shape}"
        )
    g_mgdl = np.asarray(convert_glucose(g, "mmol/L", "mg/dL"), dtype=float)
    product = g_mgdl[..., 0] * i[..., 0] * g_mgdl.mean(axis=-1) * i.mean(axis=-1)
    out = 10000.0 / np.sqrt(product)
    if isinstance(insulin, pd.DataFrame):
        return pd.Series(out, index=insulin.index, name="matsuda")
    return float(out) if out.ndim == 0 else out
