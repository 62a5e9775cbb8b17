"""The arguments of :func:`~lifestyle_trials.simulate_odes`, checked and made canonical.

:func:`checked_settings` refuses an argument out of range with a
:class:`~lifestyle_trials.ConfigError` that names it and what it accepts, and returns every
argument in a JSON-serialisable form: the simulation reads only that form,
``trial.truth["settings"]`` records it and its SHA-256 is the trial's checksum.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

from ..errors import ConfigError
from .odes_calibration import (
    CHANGE_OUTCOMES,
    DEFAULT_EFFECTS,
    DROPOUT_STRENGTH,
    PUBLISHED_COMPLETERS,
    PUBLISHED_N_PER_ARM,
)
from .odes_params import FactorialEffects

__all__ = ["DROPOUT_MECHANISMS", "checked_settings", "settings_of"]

DROPOUT_MECHANISMS: tuple[str, ...] = ("baseline", "mar", "mnar")
"""What a subject's dropout depends on: the baseline value, the last observed post-baseline
value (missing at random), or the first unobserved value (missing not at random)."""


def settings_of(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`checked_settings` of keyword arguments of ``simulate_odes`` (all but ``seed``),
    the missing ones at ``simulate_odes``' defaults.

    Examples
    --------
    >>> settings_of({"visits": (0, 6, 12)})["n_per_arm"]
    [43, 55, 54, 67]
    """
    a = dict(arguments)
    return checked_settings(
        0,
        a.get("n_per_arm", PUBLISHED_N_PER_ARM),
        a.get("visits", (0, 12)),
        a.get("dropout", "published"),
        a.get("effects"),
        a.get("effect_scale", 1.0),
        a.get("dropout_mechanism", "baseline"),
        a.get("dropout_strength", DROPOUT_STRENGTH),
    )


def checked_settings(
    seed: Any,
    n_per_arm: Any,
    visits: Any,
    dropout: Any,
    effects: Any,
    effect_scale: Any,
    dropout_mechanism: Any = "baseline",
    dropout_strength: Any = DROPOUT_STRENGTH,
) -> dict[str, Any]:
    """Checked arguments in canonical form (JSON-serialisable).

    Parameters
    ----------
    seed, n_per_arm, visits, dropout, effects, effect_scale, dropout_mechanism, dropout_strength
        The arguments of :func:`~lifestyle_trials.simulate_odes`, as given.

    Returns
    -------
    dict
        ``generator``, ``seed`` (int), ``n_per_arm`` (four ints), ``visits`` (sorted
        floats), ``dropout`` (a proportion per arm), ``dropout_mechanism`` (one of
        ``DROPOUT_MECHANISMS``), ``dropout_strength``, ``effect_scale`` (floats) and
        ``effects`` (per outcome of ``CHANGE_OUTCOMES``, the control, diet, exercise and
        interaction changes).

    Raises
    ------
    ConfigError
        For an argument out of range, naming it and what it accepts.

    Examples
    --------
    >>> s = checked_settings(1, (2, 2, 2, 2), (12, 0), 0.5, None, 1, "mar", 2)
    >>> s["visits"], s["dropout"], s["effects"]["weight"] == list(s["effects"]["weight"])
    ([0.0, 12.0], [0.5, 0.5, 0.5, 0.5], True)
    >>> s["dropout_mechanism"], s["dropout_strength"]
    ('mar', 2.0)
    """
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ConfigError(f"seed must be a non-negative integer, got {seed!r}")
    sizes = _sizes(n_per_arm)
    times = _visits(visits)
    proportions = _dropout(dropout)
    scale = _finite(effect_scale, "effect_scale")
    if dropout_mechanism not in DROPOUT_MECHANISMS:
        raise ConfigError(
            f"dropout_mechanism must be one of {', '.join(map(repr, DROPOUT_MECHANISMS))}, "
            f"got {dropout_mechanism!r}"
        )
    strength = _finite(dropout_strength, "dropout_strength")
    chosen = dict(DEFAULT_EFFECTS)
    if effects is not None:
        if not isinstance(effects, Mapping):
            raise ConfigError(
                "effects must be a mapping of outcome name to FactorialEffects, "
                f"got {type(effects).__name__}"
            )
        for name, value in effects.items():
            if name not in CHANGE_OUTCOMES:
                hint = (
                    " (it follows from glucose and insulin)"
                    if name == "homa_ir"
                    else " (it follows from weight)"
                    if name == "bmi"
                    else ""
                )
                raise ConfigError(
                    f"effects: cannot set {name!r}{hint}; set one of {', '.join(CHANGE_OUTCOMES)}"
                )
            if not isinstance(value, FactorialEffects):
                raise ConfigError(
                    f"effects[{name!r}] must be a FactorialEffects, got {type(value).__name__}; "
                    "e.g. FactorialEffects.from_arms(control=0, diet=-1, exercise=-1, "
                    "diet_exercise=-2)"
                )
            for field in ("control", "diet", "exercise", "interaction"):
                _finite(getattr(value, field), f"effects[{name!r}].{field}")
            chosen[name] = value
    return {
        "generator": "simulate_odes",
        "seed": int(seed),
        "n_per_arm": sizes,
        "visits": times,
        "dropout": proportions,
        "dropout_mechanism": str(dropout_mechanism),
        "dropout_strength": strength,
        "effect_scale": scale,
        "effects": {
            k: [
                float(chosen[k].control),
                float(chosen[k].diet),
                float(chosen[k].exercise),
                float(chosen[k].interaction),
            ]
            for k in CHANGE_OUTCOMES
        },
    }


def _finite(value: Any, name: str) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(out):
        raise ConfigError(f"{name} must be finite, got {value!r}")
    return out


def _sizes(n_per_arm: Any) -> list[int]:
    msg = (
        "n_per_arm must be four non-negative integers (control, diet, exercise, "
        f"diet+exercise) with at least one subject, got {n_per_arm!r}"
    )
    try:
        values = list(n_per_arm)
    except TypeError:
        raise ConfigError(msg) from None
    if len(values) != 4 or not all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in values
    ):
        raise ConfigError(msg)
    sizes = [int(v) for v in values]
    if min(sizes) < 0 or sum(sizes) == 0:
        raise ConfigError(msg)
    return sizes


def _visits(visits: Any) -> list[float]:
    values = _floats(visits, f"visits must be a sequence of numbers (months), got {visits!r}")
    if not all(math.isfinite(v) and v >= 0 for v in values):
        raise ConfigError(f"visits must be finite and >= 0 (months), got {visits!r}")
    if len(set(values)) != len(values):
        raise ConfigError(f"visits must not repeat, got {visits!r}")
    if 0.0 not in values or len(values) < 2:
        raise ConfigError(
            f"visits must include the baseline 0 and at least one later visit, got {visits!r}"
        )
    return sorted(values)


def _dropout(dropout: Any) -> list[float]:
    if isinstance(dropout, str):
        if dropout != "published":
            raise ConfigError(
                f'dropout must be "published", a proportion, four proportions or 0, got {dropout!r}'
            )
        return [(n - c) / n for n, c in zip(PUBLISHED_N_PER_ARM, PUBLISHED_COMPLETERS, strict=True)]
    if dropout is None:
        return [0.0] * 4
    if isinstance(dropout, numbers.Real):
        values = [float(dropout)] * 4
    else:
        values = _floats(
            dropout,
            f"dropout must be a proportion or four proportions (one per arm), got {dropout!r}",
        )
        if len(values) != 4:
            raise ConfigError(
                f"dropout needs one proportion per arm (4), got {len(values)}: {dropout!r}"
            )
    if not all(0.0 <= v <= 1.0 for v in values):
        raise ConfigError(f"dropout proportions must be between 0 and 1, got {dropout!r}")
    return values


def _floats(values: Any, message: str) -> list[float]:
    """``values`` as a list of floats; a ConfigError with ``message`` if they are not numbers."""
    try:
        return [float(v) for v in values]
    except (TypeError, ValueError):
        raise ConfigError(message) from None
