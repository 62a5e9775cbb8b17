"""What every arm of the synthetic ODES trial is expected to show, per outcome and visit.

The expected arm means follow from the reference means of the eligible population and the
arm changes (:mod:`.odes_change`): ``level · exp(f·δ_a)`` for the outcomes simulated
multiplicatively, ``level + f·Δ_a`` for the others. HOMA-IR and BMI are derived: their
expectations account for the correlation of the glucose and insulin changes, and for
``E[1 / height²]``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType
from typing import Any

from ..arms import ARMS
from ..units import DEFAULT_UNITS
from .odes_calibration import CHANGE_CORRELATION, CHANGE_OUTCOMES, CHANGE_SD, LOG_OUTCOMES
from .odes_change import level_key, trajectory
from .odes_params import OutcomeTruth, factorial
from .odes_table import OUTCOMES

__all__ = ["LazyTruth", "freeze", "outcome_truth", "with_completers"]


def outcome_truth(
    settings: Mapping[str, Any],
    ref: Mapping[str, float],
    arm_change: Mapping[str, Mapping[str, float]],
) -> dict[str, OutcomeTruth]:
    """Expected arm means and changes at every post-baseline visit, per outcome.

    Parameters
    ----------
    settings : mapping
        The checked arguments (``visits``).
    ref : mapping of str to float
        Reference means (:func:`.odes_change.reference_means`).
    arm_change : mapping
        Per outcome and arm, δ or Δ (:func:`.odes_change.arm_changes`).

    Returns
    -------
    dict of str to OutcomeTruth
        In the order of ``OUTCOMES``.
    """
    post = [v for v in settings["visits"] if v > 0]
    f = {v: trajectory(v) for v in post}
    out: dict[str, OutcomeTruth] = {}

    def make(
        name: str,
        scale: str,
        baseline: float,
        means: Mapping[float, Mapping[str, float]],
        logs: Mapping[float, Mapping[str, float]] | None,
    ) -> OutcomeTruth:
        change = {v: {a: m[a] - baseline for a in ARMS} for v, m in means.items()}
        return OutcomeTruth(
            outcome=name,
            unit=DEFAULT_UNITS[name],
            scale=scale,
            baseline_mean=baseline,
            change=_frozen(change),
            effects=_frozen({v: factorial(m) for v, m in means.items()}),
            log_effects=None
            if logs is None
            else _frozen({v: factorial(g) for v, g in logs.items()}),
            arm_log_ratios=None
            if logs is None
            else _frozen({v: {a: g[a] - g["control"] for a in ARMS} for v, g in logs.items()}),
        )

    for name in CHANGE_OUTCOMES:
        step = arm_change[name]
        level = ref[level_key(name)]
        if name in LOG_OUTCOMES:
            logs = {v: {a: f[v] * step[a] for a in ARMS} for v in post}
            means = {v: {a: level * math.exp(g[a]) for a in ARMS} for v, g in logs.items()}
            out[name] = make(name, "log", ref[name], means, logs)
        else:
            means = {v: {a: level + f[v] * step[a] for a in ARMS} for v in post}
            out[name] = make(name, "additive", ref[name], means, None)

    # HOMA-IR: E[G_t I_t] = E[G_0 I_0] · exp(f (δ_G + δ_I)) · exp(f² ρ σ_G σ_I)
    rho = CHANGE_CORRELATION.get(("glucose", "insulin"), 0.0)
    cross = rho * CHANGE_SD["glucose"] * CHANGE_SD["insulin"]
    g, i = arm_change["glucose"], arm_change["insulin"]
    logs = {v: {a: f[v] * (g[a] + i[a]) for a in ARMS} for v in post}
    means = {
        v: {a: ref["homa_ir"] * math.exp(lg[a] + f[v] ** 2 * cross) for a in ARMS}
        for v, lg in logs.items()
    }
    out["homa_ir"] = make("homa_ir", "derived", ref["homa_ir"], means, logs)

    # BMI = weight / height²: E[ΔBMI] = E[Δweight] · E[1 / height²] (change independent of height)
    w = arm_change["weight"]
    means = {v: {a: ref["bmi"] + f[v] * w[a] * ref["inverse_height2"] for a in ARMS} for v in post}
    out["bmi"] = make("bmi", "derived", ref["bmi"], means, None)
    return {name: out[name] for name in OUTCOMES}


def with_completers(
    truth: Mapping[str, OutcomeTruth], analysed: Mapping[str, Any] | None
) -> dict[str, OutcomeTruth]:
    """The truth with its ``completers_*`` fields filled in.

    Parameters
    ----------
    truth : mapping of str to OutcomeTruth
        What :func:`outcome_truth` returned.
    analysed : mapping or None
        :func:`.odes_analysed.analysed_means`, or None without dropout (the analysed
        subjects are then all randomised, and the fields copy the randomised truth).

    Returns
    -------
    dict of str to OutcomeTruth
    """
    out: dict[str, OutcomeTruth] = {}
    for name, t in truth.items():
        if analysed is None:
            out[name] = dataclasses.replace(
                t,
                completers_baseline_mean=MappingProxyType({a: t.baseline_mean for a in ARMS}),
                completers_change=t.change,
                completers_effects=t.effects,
                completers_log_effects=t.log_effects,
            )
            continue
        a = analysed[name]
        last = max(a["baseline"])
        logs = a["log_change"] if t.log_effects is not None else None
        out[name] = dataclasses.replace(
            t,
            completers_baseline_mean=MappingProxyType(dict(a["baseline"][last])),
            completers_change=_frozen(a["change"]),
            completers_effects=_frozen({v: factorial(m) for v, m in a["change"].items()}),
            completers_log_effects=None
            if logs is None
            else _frozen({v: factorial(m) for v, m in logs.items()}),
        )
    return out


class LazyTruth(Mapping[str, OutcomeTruth]):
    """A read-only mapping of outcome to OutcomeTruth, computed on first use.

    The completers' truth needs a pass over a large reference population
    (:mod:`.odes_analysed`); a trial whose truth is never read (one replicate of a power
    simulation, say) does not pay for it.

    Examples
    --------
    >>> lazy = LazyTruth(lambda: {"a": 1})
    >>> dict(lazy), len(lazy)
    ({'a': 1}, 1)
    """

    def __init__(self, make: Callable[[], Mapping[str, Any]]) -> None:
        self._make: Callable[[], Mapping[str, Any]] | None = make
        self._value: Mapping[str, Any] | None = None

    def _get(self) -> Mapping[str, Any]:
        if self._value is None and self._make is not None:
            self._value = MappingProxyType(dict(self._make()))
            self._make = None
        return self._value if self._value is not None else MappingProxyType({})

    def __getitem__(self, key: str) -> Any:
        return self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())

    def __repr__(self) -> str:
        return f"LazyTruth({dict(self._get())!r})"


def freeze(value: Any) -> Any:
    """A read-only copy: mappings become MappingProxyType, lists become tuples.

    Parameters
    ----------
    value : Any
        Nested mappings, lists and tuples of plain values.

    Returns
    -------
    Any

    Examples
    --------
    >>> frozen = freeze({"visits": [0.0, 12.0]})
    >>> frozen["visits"], type(frozen).__name__
    ((0.0, 12.0), 'mappingproxy')
    """
    if isinstance(value, Mapping):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    return value


def _frozen(nested: Mapping[float, Mapping[str, float]]) -> MappingProxyType[float, Any]:
    return MappingProxyType({float(k): MappingProxyType(dict(v)) for k, v in nested.items()})
