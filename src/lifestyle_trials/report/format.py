"""How numbers are printed in the report: the only place numbers become text.

Conventions (stated in the report's methods section):

- a mean and SD (or an estimate and its interval) share one number of decimals, chosen from
  the spread so that the SD shows two significant digits (at most 4 decimals);
- ratios with 2 decimals, percentages with 1;
- P values with 3 decimals, below 0.001 as "<0.001";
- negative numbers with a true minus sign (−), intervals as "low to high".
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = [
    "MINUS",
    "ci",
    "decimals_for",
    "estimate_ci",
    "mean_sd",
    "median_iqr",
    "n_pct",
    "num",
    "p_text",
    "p_value",
    "percent_change",
    "plain_text",
    "ratio_ci",
    "short_number",
]

MINUS = "\u2212"


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and not math.isfinite(x))


def decimals_for(spread: float | None, *, most: int = 4) -> int:
    """Decimals that show ``spread`` (an SD or SE) with two significant digits.

    Examples
    --------
    >>> decimals_for(10.3), decimals_for(3.2), decimals_for(0.55), decimals_for(0.031)
    (0, 1, 2, 3)
    """
    if spread is None or not math.isfinite(spread) or spread == 0:
        return 1
    return max(0, min(most, 1 - math.floor(math.log10(abs(spread)))))


def num(x: Any, decimals: int = 2) -> str:
    """A number with fixed decimals and a true minus sign; "–" when missing.

    Examples
    --------
    >>> num(-0.2149, 2), num(3, 0), num(None)
    ('−0.21', '3', '–')
    """
    if _missing(x):
        return "–"
    text = f"{float(x):.{decimals}f}"
    if text.startswith("-"):
        text = text[1:] if float(text) == 0 else MINUS + text[1:]
    return text


def ci(low: Any, high: Any, decimals: int = 2) -> str:
    """A confidence interval, ``low to high``.

    Examples
    --------
    >>> ci(-0.5, 0.25)
    '−0.50 to 0.25'
    """
    return f"{num(low, decimals)} to {num(high, decimals)}"


def estimate_ci(estimate: Any, low: Any, high: Any, decimals: int = 2) -> str:
    """``estimate (low to high)``.

    Examples
    --------
    >>> estimate_ci(-1.234, -2.5, 0.03, 1)
    '−1.2 (−2.5 to 0.0)'
    """
    return f"{num(estimate, decimals)} ({ci(low, high, decimals)})"


def ratio_ci(ratio: Any, low: Any, high: Any) -> str:
    """A ratio with its interval, 2 decimals.

    Examples
    --------
    >>> ratio_ci(0.9123, 0.8401, 0.9907)
    '0.91 (0.84 to 0.99)'
    """
    return estimate_ci(ratio, low, high, 2)


def percent_change(ratio: Any) -> str:
    """A ratio as a signed percentage change.

    Examples
    --------
    >>> percent_change(0.912), percent_change(1.05), percent_change(None)
    ('−8.8%', '+5.0%', '–')
    """
    if _missing(ratio):
        return "–"
    pct = (float(ratio) - 1.0) * 100.0
    sign = "+" if pct > 0 else ""
    return f"{sign}{num(pct, 1)}%"


def p_value(p: Any) -> str:
    """A P value: 3 decimals, "<0.001" below that.

    Examples
    --------
    >>> p_value(0.04912), p_value(0.0004), p_value(1.0)
    ('0.049', '<0.001', '1.000')
    """
    if _missing(p):
        return "–"
    if float(p) < 0.001:
        return "<0.001"
    return f"{float(p):.3f}"


def p_text(p: Any) -> str:
    """A P value in running text: ``P = 0.049`` or ``P < 0.001``.

    Examples
    --------
    >>> p_text(0.04912), p_text(0.0004)
    ('P = 0.049', 'P < 0.001')
    """
    text = p_value(p)
    return f"P {text[0]} {text[1:]}" if text.startswith("<") else f"P = {text}"


def mean_sd(row: Mapping[str, Any], decimals: int | None = None) -> str:
    """``mean ± SD`` from a row with ``mean`` and ``sd``.

    Examples
    --------
    >>> mean_sd({"mean": 95.234, "sd": 12.5})
    '95 ± 12'
    """
    d = decimals_for(row.get("sd")) if decimals is None else decimals
    return f"{num(row.get('mean'), d)} ± {num(row.get('sd'), d)}"


def median_iqr(row: Mapping[str, Any], decimals: int | None = None) -> str:
    """``median [Q1, Q3]`` from a row with ``median``, ``q1`` and ``q3``.

    Examples
    --------
    >>> median_iqr({"median": 4.41, "q1": 3.2, "q3": 6.05})
    '4.4 [3.2, 6.0]'
    """
    if decimals is None:
        spread = None if _missing(row.get("q3")) else (row["q3"] - row["q1"]) / 1.349
        decimals = decimals_for(spread)
    q1, q3 = num(row.get("q1"), decimals), num(row.get("q3"), decimals)
    return f"{num(row.get('median'), decimals)} [{q1}, {q3}]"


def n_pct(count: Any, percent: Any) -> str:
    """``count (percent%)``.

    Examples
    --------
    >>> n_pct(21, 9.589)
    '21 (9.6%)'
    """
    if _missing(count):
        return "–"
    return f"{int(count)} ({num(percent, 1)}%)"


_FLOAT = re.compile(
    r"(?<![\w.])-?\d+\.\d+(?:[eE][-+]?\d+)?(?![\w.])|(?<![\w.])-?\d+[eE][-+]?\d+(?![\w.])"
)


def short_number(x: float, digits: int = 4) -> str:
    """A number for running text: ``digits`` significant digits, no exponent, no float noise.

    Values within 1e-9 of zero (rounding residue such as ``-1.3877787807814457e-17``) are 0.

    Examples
    --------
    >>> short_number(0.13953488372093023), short_number(-1.3877787807814457e-17)
    ('0.1395', '0')
    >>> short_number(-1.1166666666666671), short_number(2024.0), short_number(12)
    ('−1.117', '2024', '12')
    """
    if isinstance(x, bool):
        return str(x).lower()
    if isinstance(x, int):
        return num(x, 0)
    value = float(x)
    if not math.isfinite(value):
        return "–"
    if abs(value) < 1e-9:
        return "0"
    text = np.format_float_positional(value, precision=digits, unique=False, fractional=False)
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return MINUS + text[1:] if text.startswith("-") else text


def _plain(value: Any) -> str:
    if isinstance(value, Mapping):
        return "; ".join(f"{k} {_plain(v)}" for k, v in value.items())
    if isinstance(value, list):
        inner = ", ".join(_plain(v) for v in value)
        return f"({inner})"
    if isinstance(value, (int, float)):
        return short_number(value)
    return str(value)


def plain_text(text: str) -> str:
    """Text from the data or the pipeline made readable: JSON objects written out as words and
    every long or exponent float shortened (:func:`short_number`).

    Examples
    --------
    >>> plain_text('simulated with parameters {"dropout":[0.139534,0.2],"seed":7}')
    'simulated with parameters: dropout (0.1395, 0.2); seed 7'
    >>> plain_text("effect -1.3877787807814457e-17 at visit 12")
    'effect 0 at visit 12'
    """
    start = text.find("{")
    if start >= 0 and text.rstrip().endswith("}"):
        try:
            data = json.loads(text[start:])
        except ValueError:
            data = None
        if isinstance(data, Mapping):
            head = text[:start].rstrip()
            text = f"{head}: {_plain(data)}" if head else _plain(data)
    return _FLOAT.sub(lambda m: short_number(float(m.group(0))), text)
