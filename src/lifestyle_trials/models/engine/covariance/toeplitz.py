"""Toeplitz structures: a covariance (``toep``) or a correlation (``toeph``) per lag.

The working parameters of the correlations are ``arctanh`` of the partial autocorrelations,
mapped to autocorrelations by the Durbin-Levinson recursion, so every ``theta`` gives a
positive definite ``Σ``. ``toep`` is linear in ``psi = (γ_0, ..., γ_{T-1})``. As for AR(1),
the lag is the difference of visit positions.

References
----------
Durbin J. The fitting of time-series models. Rev Int Stat Inst 1960;28:233-44.
doi:10.2307/1401322
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .base import Structure
from .correlated import Correlated, lag_means, lags

__all__ = ["Toeplitz", "ToeplitzHet", "acf_to_pacf", "pacf_to_acf"]


def pacf_to_acf(pacf: np.ndarray) -> np.ndarray:
    """Autocorrelations ``r_1..r_m`` of a stationary process from its partial
    autocorrelations (Durbin-Levinson recursion; complex-analytic).

    Any partial autocorrelations in ``(-1, 1)`` give a positive definite Toeplitz
    correlation matrix.

    Examples
    --------
    >>> pacf_to_acf(np.array([0.5, 0.0, 0.0]))
    array([0.5  , 0.25 , 0.125])
    """
    m = pacf.shape[0]
    acf: list = []
    phi: list = []
    innovation = 1.0
    for k in range(m):
        p = pacf[k]
        r = p * innovation + sum(phi[j] * acf[k - 1 - j] for j in range(k))
        phi = [phi[j] - p * phi[k - 1 - j] for j in range(k)] + [p]
        innovation = innovation * (1.0 - p * p)
        acf.append(r)
    return np.array(acf, dtype=pacf.dtype)


def acf_to_pacf(acf: np.ndarray) -> np.ndarray:
    """Partial autocorrelations from autocorrelations ``r_1..r_m`` (inverse of
    :func:`pacf_to_acf`).

    Examples
    --------
    >>> acf_to_pacf(np.array([0.5, 0.25, 0.125])).round(12)
    array([0.5, 0. , 0. ])
    """
    m = acf.shape[0]
    out = np.zeros(m)
    phi: list[float] = []
    innovation = 1.0
    for k in range(m):
        p = (acf[k] - sum(phi[j] * acf[k - 1 - j] for j in range(k))) / innovation
        out[k] = p
        phi = [phi[j] - p * phi[k - 1 - j] for j in range(k)] + [p]
        innovation *= 1.0 - p * p
    return out


def _start_pacf(corr: np.ndarray) -> np.ndarray:
    """Partial autocorrelations of the mean correlation at each lag; only the first (clipped)
    when they are not all well inside ``(-1, 1)``."""
    acf = lag_means(corr)
    pacf = acf_to_pacf(acf)
    if not np.all(np.isfinite(pacf)) or np.any(np.abs(pacf) >= 0.95):
        pacf = np.zeros_like(acf)
        if acf.size:
            pacf[0] = np.clip(acf[0], -0.9, 0.9)
    return pacf


def _lag_indicators(t: int, first: int) -> np.ndarray:
    """``out[k, a, b] = 1`` where ``|a - b| = first + k``; shape ``(t - first, t, t)``."""
    return (lags(t)[None] == np.arange(first, t)[:, None, None]).astype(float)


@dataclass(frozen=True)
class ToeplitzHet(Correlated):
    """``toeph``: one variance per visit, a correlation per lag (``ρ_1..ρ_{T-1}``)."""

    name: ClassVar[str] = "toeph"
    description: ClassVar[str] = "heterogeneous Toeplitz"
    heterogeneous: ClassVar[bool] = True

    def _n_rho(self) -> int:
        return self.n_visits - 1

    def _rho_names(self) -> list[str]:
        return [f"rho[{k}]" for k in range(1, self.n_visits)]

    def _rho(self, z: np.ndarray) -> np.ndarray:
        return pacf_to_acf(np.tanh(z))

    def _z(self, rho: np.ndarray) -> np.ndarray:
        return np.arctanh(acf_to_pacf(rho))

    def _corr(self, rho: np.ndarray) -> np.ndarray:
        return np.concatenate([[1.0], rho])[lags(self.n_visits)]

    def _d_corr(self, rho: np.ndarray) -> np.ndarray:
        return _lag_indicators(self.n_visits, 1)

    def _start_rho(self, corr: np.ndarray) -> np.ndarray:
        return pacf_to_acf(_start_pacf(corr))


@dataclass(frozen=True)
class Toeplitz(Structure):
    """``toep``: a covariance per lag, ``psi = (γ_0, ..., γ_{T-1})``; linear."""

    name: ClassVar[str] = "toep"
    description: ClassVar[str] = "Toeplitz"
    linear: ClassVar[bool] = True

    def param_names(self) -> tuple[str, ...]:
        return ("var", *(f"cov[lag {k}]" for k in range(1, self.n_visits)))

    def psi(self, theta: np.ndarray) -> np.ndarray:
        var = np.exp(theta[:1])
        return np.concatenate([var, var * pacf_to_acf(np.tanh(theta[1:]))])

    def sigma(self, psi: np.ndarray) -> np.ndarray:
        return np.asarray(psi, dtype=float)[lags(self.n_visits)]

    def d_sigma(self, psi: np.ndarray) -> np.ndarray:
        return _lag_indicators(self.n_visits, 0)

    def start(self, s: np.ndarray) -> np.ndarray:
        var = float(np.nanmean(np.diag(s)))
        return np.concatenate([[np.log(var)], np.arctanh(_start_pacf(s / var))])
