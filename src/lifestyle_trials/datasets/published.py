"""Published summaries of four diet × exercise trials, as package data with citations and units.

Four tables in ``datasets/data`` (CSV, UTF-8), read by the functions here:

``published_summaries.csv`` (:func:`published_summaries`)
    One row per trial, outcome, quantity and arm: ``trial, source, outcome, unit, quantity,
    arm, n, mean, spread, spread_type, note``. ``quantity`` is ``baseline``, ``follow_up``,
    ``change`` (follow-up minus baseline within the arm), ``net_change`` (the arm's change
    minus the control arm's) or ``percent_change``; ``spread_type`` is ``SD`` or ``SE`` when
    the source says, ``±`` when it prints ± without saying (ODES); ``n`` is empty when the
    source does not give the number analysed.
``published_tests.csv`` (:func:`published_tests`)
    One row per published comparison: ``trial, source, outcome, quantity, comparison,
    estimate, conf_low, conf_high, p_value, p_relation, note``; ``p_relation`` is ``=`` or
    ``<`` (``P < 0.001``).
``published_arm_sizes.csv`` (:func:`published_arm_sizes`)
    Subjects per arm on each published basis (randomised, completers, a subgroup).
``published_sources.csv`` (:func:`published_sources`)
    The citation and DOI of every ``source`` key.

Numbers are as printed (the text of ``mean``, ``spread`` and ``p_value`` is kept, so that the
number of printed decimals, and hence the rounding, is known: columns ``*_decimals``). The
trials: the Oslo Diet and Exercise Study (ODES; Torjesen 1997, Anderssen 1995, 1996, 2007), the
Nutrition and Exercise for Women trial (NEW; Mason 2011), Villareal 2011 (with Bouchonville
2014) and SECRET (Kitzman 2016). :func:`lifestyle_trials.summary_effects` recomputes effects
from these summaries and :func:`lifestyle_trials.published_vs_recomputed` checks the published
P values.
"""

from __future__ import annotations

import importlib.resources
from functools import cache

import numpy as np
import pandas as pd

from ..errors import DatasetError

__all__ = [
    "published_arm_sizes",
    "published_sources",
    "published_summaries",
    "published_tests",
]

TRIALS: tuple[str, ...] = ("ODES", "NEW", "Villareal", "Kitzman")
"""The trials with published summaries in the package."""


@cache
def _read(name: str, text_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    path = importlib.resources.files(__package__).joinpath("data", f"published_{name}.csv")
    with path.open("r", encoding="utf-8") as handle:
        frame = pd.read_csv(handle, dtype={c: str for c in text_columns}, keep_default_na=False)
    for col in text_columns:
        printed = frame[col].str.strip()
        frame[col] = pd.to_numeric(printed.replace("", np.nan)).astype(float)
        frame[f"{col}_decimals"] = [_decimals(v) for v in printed.tolist()]
    return frame


def _decimals(printed: str) -> float:
    """Digits after the decimal point of a printed number (NaN for an empty cell)."""
    if not printed:
        return float("nan")
    return float(len(printed.split(".")[1])) if "." in printed else 0.0


def _select(frame: pd.DataFrame, trial: str | None) -> pd.DataFrame:
    if trial is None:
        return frame.copy()
    if trial not in TRIALS:
        raise DatasetError(
            f"no published summaries of {trial!r}; the trials are {', '.join(TRIALS)}"
        )
    return frame.loc[frame["trial"] == trial].reset_index(drop=True)


def published_summaries(trial: str | None = None) -> pd.DataFrame:
    """Per-arm published summaries (means, spreads, n) of one trial or all.

    Parameters
    ----------
    trial : {"ODES", "NEW", "Villareal", "Kitzman"}, optional

    Returns
    -------
    DataFrame
        ``trial, source, outcome, unit, quantity, arm, n, mean, spread, spread_type, note,
        mean_decimals, spread_decimals``; ``n``, ``mean`` and ``spread`` are floats (NaN when
        not published).

    Examples
    --------
    >>> import lifestyle_trials as lt
    >>> t = lt.published_summaries("Villareal")
    >>> rows = t[(t["outcome"] == "weight") & (t["quantity"] == "change")]
    >>> print(rows[["arm", "n", "mean", "spread", "spread_type", "unit"]].to_string(index=False))
              arm    n  mean  spread spread_type unit
          control 27.0  -0.1     3.5          SD   kg
             diet 26.0  -9.7     5.4          SD   kg
         exercise 26.0  -0.5     3.6          SD   kg
    diet+exercise 28.0  -8.6     3.8          SD   kg
    """
    table = _read("summaries", ("mean", "spread")).copy()
    table["n"] = pd.to_numeric(table["n"].replace("", np.nan)).astype(float)
    return _select(table, trial)


def published_tests(trial: str | None = None) -> pd.DataFrame:
    """Published comparisons: estimates with CIs and P values, as printed.

    Returns
    -------
    DataFrame
        ``trial, source, outcome, quantity, comparison, estimate, conf_low, conf_high,
        p_value, p_relation, note, p_value_decimals`` (plus the decimals of the estimate and
        limits).

    Examples
    --------
    >>> import lifestyle_trials as lt
    >>> t = lt.published_tests("ODES")
    >>> print(t.loc[0, ["outcome", "comparison", "p_value", "p_relation"]].to_string())
    outcome                fasting_insulin
    comparison    diet+exercise vs control
    p_value                          0.003
    p_relation                           =
    """
    table = _read("tests", ("estimate", "conf_low", "conf_high", "p_value"))
    return _select(table, trial)


def published_arm_sizes(trial: str | None = None) -> pd.DataFrame:
    """Subjects per arm on each published basis (``trial, basis, source``, one column per arm,
    ``note``).

    Examples
    --------
    >>> import lifestyle_trials as lt
    >>> print(lt.published_arm_sizes("ODES").iloc[:, :7].to_string(index=False))
    trial              basis        source  control  diet  exercise  diet+exercise
     ODES         randomised  torjesen1997       43    55        54             67
     ODES         completers     holme2007       37    45        48             58
     ODES metabolic syndrome anderssen2007       26    34        34             43
    """
    return _select(_read("arm_sizes"), trial)


def published_sources() -> pd.DataFrame:
    """Citation and DOI of every source key (``source, trial, citation, doi``)."""
    return _read("sources").copy()


def check_tables() -> None:
    """Raise DatasetError if the published tables refer to unknown sources or arms."""
    sources = set(published_sources()["source"])
    for name, frame in (
        ("summaries", published_summaries()),
        ("tests", published_tests()),
        ("arm_sizes", published_arm_sizes()),
    ):
        unknown = sorted(set(frame["source"]) - sources)
        if unknown:
            raise DatasetError(f"published_{name}.csv cites unknown source(s) {unknown}")
