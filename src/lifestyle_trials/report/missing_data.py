"""The missing-data numbers of a report: multiple imputation of the primary outcome.

:func:`missing_data` calls :func:`lifestyle_trials.mi.summary.missing_data_numbers` with the
analysis' settings (primary outcome and visit, log scale, estimand, covariates) and records
why when it cannot be computed, so that the report says so instead of failing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..config import AnalysisConfig
from ..errors import LifestyleTrialsError
from ..mi.summary import missing_data_numbers
from ..trial import Trial

__all__ = ["missing_data"]


def missing_data(
    config: AnalysisConfig,
    trial: Trial,
    primary: str,
    log: bool,
    numbers: Mapping[str, Any],
) -> dict[str, Any] | None:
    """numbers.json's ``missing_data``: None when no follow-up value of the primary outcome
    is missing, ``{"error": why}`` when the imputation cannot be done, else the numbers of
    :func:`~lifestyle_trials.mi.summary.missing_data_numbers`."""
    primary_numbers = numbers.get("primary") or {}
    estimand = primary_numbers.get("estimand", "factorial" if trial.design.is_factorial else "arms")
    try:
        return missing_data_numbers(
            trial,
            primary,
            visit=float(numbers["outcomes"]["visit"]),
            log=log,
            estimand=estimand,
            covariates=tuple(config.models.covariates),
        )
    except LifestyleTrialsError as exc:
        return {"error": str(exc)}
