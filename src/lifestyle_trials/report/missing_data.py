"""The missing-data numbers of a report: multiple imputation of the primary outcome.

:func:`missing_data` calls :func:`lifestyle_trials.mi.summary.missing_data_numbers` with the
analysis' settings (primary outcome and visit, log scale, estimand, covariates, and the
``[missing_data]`` table: method, strategies, references, delta grid, samples, seed) and records
why when it cannot be computed, so that the report says so instead of failing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..config import AnalysisConfig
from ..errors import LifestyleTrialsError
from ..figures import STYLE
from ..mi.settings import MISettings
from ..mi.summary import missing_data_numbers
from ..trial import Trial

__all__ = ["missing_data", "tipping_figure"]

_COLOURS = ("#1f3a5f", "#b35c00", "#3c7d3c", "#7a3c7a", "#8c2d2d")


def missing_data(
    config: AnalysisConfig,
    trial: Trial,
    primary: str,
    log: bool,
    numbers: Mapping[str, Any],
) -> dict[str, Any] | None:
    """numbers.json's ``missing_data``: ``{"outcome": primary, "n_missing": 0}`` when no
    follow-up value of the primary outcome is missing, ``{"error": why}`` when the imputation
    cannot be done, else the numbers of
    :func:`~lifestyle_trials.mi.summary.missing_data_numbers`."""
    primary_numbers = numbers.get("primary") or {}
    estimand = primary_numbers.get("estimand", "factorial" if trial.design.is_factorial else "arms")
    settings = config.missing_data or MISettings()
    visits = list(trial.design.visits)
    post = [visits.index(v) for v in trial.design.post_baseline]
    if post and not np.isnan(trial.wide_values(primary)[:, post]).any():
        return {"outcome": primary, "n_missing": 0}
    try:
        out = missing_data_numbers(
            trial,
            primary,
            visit=float(numbers["outcomes"]["visit"]),
            log=log,
            estimand=estimand,
            covariates=tuple(config.models.covariates),
            deltas=settings.deltas,
            method=settings.method,
            resampling=settings.resampling,
            strategies=settings.strategies,
            references=settings.references,
            n_samples=settings.n_samples,
            seed=config.seed if settings.seed is None else settings.seed,
        )
    except LifestyleTrialsError as exc:
        return {"error": str(exc)}
    return {"outcome": primary, "n_missing": 0} if out is None else out


def tipping_figure(
    m: Mapping[str, Any], term_label: Callable[[str], str] = str, xlabel: str = ""
) -> Figure:
    """The tipping-point figure of numbers.json's ``missing_data`` ``m``: the P value of
    each effect against the shift added to the imputed values, a line at 0.05 and a point
    at each effect's tipping point."""
    grid = pd.DataFrame(m["tipping"]["grid"])
    points = {p["term"]: p["delta"] for p in m["tipping"]["points"]}
    with mpl.rc_context(STYLE):
        fig = Figure(figsize=(6.4, 3.8), layout="constrained")
        ax = fig.subplots()
        for colour, (term, part) in zip(
            _COLOURS * 3, grid.groupby("term", sort=False), strict=False
        ):
            part = part.sort_values("delta")
            ax.plot(part["delta"], part["p_value"], color=colour, label=term_label(term))
            tip = points.get(term)
            if tip is not None:
                at = part[part["delta"] == tip]
                ax.plot(at["delta"], at["p_value"], "o", color=colour, markersize=5)
        ax.axhline(0.05, color="#555555", linestyle="--", linewidth=0.8)
        ax.set_yscale("log")
        ax.set_xlabel(xlabel or "Shift added to the imputed values")
        ax.set_ylabel("P value")
        ax.legend(frameon=False, fontsize="small")
    return fig
