"""Imputation strategies: the mean of a subject's values from its intercurrent event on.

Each strategy maps the subject's mean under its own arm ``μ_own``, the mean under its
reference arm ``μ_ref`` (both over the ``T`` modelled visits, from the imputation model) and
``is_mar`` (True for the visits before the event) to the mean used for imputation; the
covariance is the model's, common to all arms (rbmi's ``same_cov = TRUE``, under which its
strategies leave the covariance unchanged). With ``e`` the first visit at or after the event
and ``l = e - 1`` the last visit before it (Carpenter, Roger & Kenward 2013):

======  ===================================================  ====================================
name    mean from visit ``e`` on                            needs
======  ===================================================  ====================================
MAR     ``μ_own``                                           --
JR      ``μ_ref`` (jump to reference)                       --
CR      ``μ_ref`` at every visit (copy reference)           --
CIR     ``μ_own,l + (μ_ref,t − μ_ref,l)`` (copy increments) a visit before the event (else CR)
LMCF    ``μ_own,l`` (last mean carried forward)             a visit before the event
======  ===================================================  ====================================

A user strategy is a function ``f(mu_own, mu_ref, is_mar) -> mu`` on arrays of shape
``(..., T)``, ``(..., T)`` and ``(T,)``.

Reference
---------
Carpenter JR, Roger JH, Kenward MG. Analysis of longitudinal trials with protocol deviation:
a framework for relevance-based multiple imputation via multiple imputation. J Biopharm Stat
2013;23:1352-71. doi:10.1080/10543406.2013.834911
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..errors import MIError

__all__ = ["STRATEGIES", "Strategy", "resolve"]

Strategy = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def _mar(mu_own: np.ndarray, mu_ref: np.ndarray, is_mar: np.ndarray) -> np.ndarray:
    return mu_own


def _jr(mu_own: np.ndarray, mu_ref: np.ndarray, is_mar: np.ndarray) -> np.ndarray:
    return np.where(is_mar, mu_own, mu_ref)


def _cr(mu_own: np.ndarray, mu_ref: np.ndarray, is_mar: np.ndarray) -> np.ndarray:
    return mu_ref


def _last(is_mar: np.ndarray) -> int:
    after = np.flatnonzero(~is_mar)
    return int(after[0]) - 1 if after.size else is_mar.size - 1


def _cir(mu_own: np.ndarray, mu_ref: np.ndarray, is_mar: np.ndarray) -> np.ndarray:
    if is_mar.all():
        return mu_own
    last = _last(is_mar)
    if last < 0:
        return mu_ref
    moved = mu_own[..., last : last + 1] + (mu_ref - mu_ref[..., last : last + 1])
    return np.where(is_mar, mu_own, moved)


def _lmcf(mu_own: np.ndarray, mu_ref: np.ndarray, is_mar: np.ndarray) -> np.ndarray:
    if is_mar.all():
        return mu_own
    last = _last(is_mar)
    if last < 0:
        raise MIError(
            "LMCF needs a visit before the event to carry the mean forward from; an event at "
            "the first post-baseline visit has none. Use another strategy for such events"
        )
    return np.where(is_mar, mu_own, mu_own[..., last : last + 1])


STRATEGIES: dict[str, Strategy] = {
    "MAR": _mar,
    "JR": _jr,
    "CR": _cr,
    "CIR": _cir,
    "LMCF": _lmcf,
}
"""The named strategies (see the module docstring)."""


def resolve(strategy: str | Strategy) -> Strategy:
    """The function of a strategy name (or a user function, returned as is).

    Raises
    ------
    MIError
        An unknown name.

    Examples
    --------
    >>> mu_own, mu_ref = np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.5, 1.7])
    >>> resolve("CIR")(mu_own, mu_ref, np.array([True, False, False]))
    array([1. , 1.5, 1.7])
    >>> resolve("JR")(mu_own, mu_ref, np.array([True, True, False]))
    array([1. , 2. , 1.7])
    """
    if callable(strategy):
        return strategy
    if strategy not in STRATEGIES:
        raise MIError(
            f"unknown strategy {strategy!r}; use one of {', '.join(STRATEGIES)} or a "
            "function f(mu_own, mu_ref, is_mar)"
        )
    return STRATEGIES[str(strategy)]
