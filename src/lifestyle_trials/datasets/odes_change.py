"""Change over time in the synthetic ODES trial: its shape, and each arm's expected change.

Every outcome moves along the same :func:`trajectory`, from 0 at baseline to 1 at one year.
An arm's one-year change is set on the outcome's scale (:class:`~.odes_params.FactorialEffects`);
for the outcomes simulated multiplicatively it becomes a log ratio at the reference mean of
the eligible population, for this trial's sex mix.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..units import DEFAULT_UNITS
from .odes_calibration import CHANGE_OUTCOMES, LOG_OUTCOMES, TRAJECTORY_MONTHS
from .odes_params import FactorialEffects
from .odes_reference_means import REFERENCE_MEANS

__all__ = ["arm_changes", "level_key", "reference_means", "trajectory"]

_SELECTED_OUTCOMES = ("triglycerides", "hdl", "cholesterol", "dbp")
"""Outcomes selected on at baseline whose visit noise makes them regress to the mean."""


def trajectory(visit: Any) -> Any:
    """Fraction of the one-year change reached at ``visit`` months.

    ``f(t) = (1 − exp(−t/τ)) / (1 − exp(−12/τ))`` with τ = 3 months (assumed), so f(0) = 0,
    f(12) = 1 and most of the change appears in the first months.

    Parameters
    ----------
    visit : float or array_like
        Months since randomisation.

    Returns
    -------
    float or ndarray
        A float for a scalar ``visit``, an array otherwise.

    Examples
    --------
    >>> [round(trajectory(t), 3) for t in (0, 3, 6, 12)]
    [0.0, 0.644, 0.881, 1.0]
    """
    t = np.asarray(visit, dtype=float)
    tau = TRAJECTORY_MONTHS
    f = -np.expm1(-t / tau) / -np.expm1(-12.0 / tau)
    return float(f) if f.ndim == 0 else f


def reference_means(male: np.ndarray) -> dict[str, float]:
    """Reference means of the eligible population for this trial's sex mix (Trial units).

    Parameters
    ----------
    male : ndarray of bool
        One flag per subject.

    Returns
    -------
    dict of str to float
        The keys of ``odes_reference_means.REFERENCE_MEANS``, weighted by the share of men.
    """
    n = len(male)
    w_m = float(male.sum()) / n if n else 0.0
    men, women = REFERENCE_MEANS["M"], REFERENCE_MEANS["F"]
    return {key: w_m * men[key] + (1.0 - w_m) * women[key] for key in men}


def level_key(name: str) -> str:
    """The key of an outcome's reference mean: its level (without visit noise) if selected on.

    Parameters
    ----------
    name : str
        An outcome.

    Returns
    -------
    str

    Examples
    --------
    >>> level_key("hdl"), level_key("insulin")
    ('hdl_level', 'insulin')
    """
    return f"{name}_level" if name in _SELECTED_OUTCOMES else name


def arm_changes(
    settings: Mapping[str, Any], ref: Mapping[str, float]
) -> dict[str, dict[str, float]]:
    """Per outcome and arm: the log ratio δ (log outcomes) or the change Δ (additive).

    Parameters
    ----------
    settings : mapping
        The checked arguments (``effects`` as four numbers per outcome, ``effect_scale``).
    ref : mapping of str to float
        Reference means (:func:`reference_means`).

    Returns
    -------
    dict of str to dict of str to float
        ``δ_a = log(1 + Δ_a / m)`` for the outcomes in ``LOG_OUTCOMES``, m the reference
        mean of the level; ``Δ_a`` for the others.

    Raises
    ------
    ConfigError
        An arm change that would take a multiplicative outcome's mean to zero or below.
    """
    out: dict[str, dict[str, float]] = {}
    for name in CHANGE_OUTCOMES:
        effects = FactorialEffects(*settings["effects"][name])
        changes = effects.arm_changes(settings["effect_scale"])
        if name not in LOG_OUTCOMES:
            out[name] = changes
            continue
        m = ref[level_key(name)]
        low = min(changes.values())
        if 1.0 + low / m <= 0:
            raise ConfigError(
                f"effects[{name!r}]: an arm change of {low:g} would take the mean below zero "
                f"(reference mean {m:.4g} {DEFAULT_UNITS[name]}); use a smaller decrease"
            )
        out[name] = {a: math.log1p(c / m) for a, c in changes.items()}
    return out
