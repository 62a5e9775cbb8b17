"""Structures built on a correlation matrix: ``Σ = S R(ρ) S`` with ``S = diag(σ)``.

One variance, or one per visit (heterogeneous), and a correlation matrix ``R`` with
parameters ``ρ``: ``psi = (variances, ρ)``. Subclasses give the correlation model (``R``,
its derivatives in ``ρ`` and the map from working parameters to ``ρ``); the variances, the
derivatives of ``Σ`` and the starting values are common to all and computed here. Working
parameters of the variances are their logs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .base import Structure, start_variances

__all__ = ["Correlated", "lag_means", "lags"]


@dataclass(frozen=True)
class Correlated(Structure):
    """``Σ = S R(ρ) S`` with ``S = diag(σ)``: one variance, or one per visit (heterogeneous),
    and a correlation matrix ``R`` with parameters ``ρ``. ``psi = (variances, ρ)``.

    By default ``ρ`` is a single correlation ``rho`` (none when there is one visit).
    """

    heterogeneous: ClassVar[bool] = False

    # correlation model, implemented by subclasses
    def _n_rho(self) -> int:
        return 1 if self.n_visits > 1 else 0

    def _rho_names(self) -> list[str]:
        return ["rho"] if self.n_visits > 1 else []

    def _rho(self, z: np.ndarray) -> np.ndarray:
        """Correlation parameters from working parameters (complex-analytic)."""
        raise NotImplementedError

    def _z(self, rho: np.ndarray) -> np.ndarray:
        """Working parameters from correlation parameters."""
        raise NotImplementedError

    def _corr(self, rho: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _d_corr(self, rho: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _d2_corr(self, rho: np.ndarray) -> np.ndarray:
        m, t = self._n_rho(), self.n_visits
        return np.zeros((m, m, t, t))

    def _start_rho(self, corr: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    # generic parts
    def _n_var(self) -> int:
        return self.n_visits if self.heterogeneous else 1

    def param_names(self) -> tuple[str, ...]:
        variances = [f"var[{v}]" for v in self.labels()] if self.heterogeneous else ["var"]
        return (*variances, *self._rho_names())

    def psi(self, theta: np.ndarray) -> np.ndarray:
        nv = self._n_var()
        return np.concatenate([np.exp(theta[:nv]), self._rho(theta[nv:])])

    def _split(self, psi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        nv = self._n_var()
        var = np.broadcast_to(np.asarray(psi[:nv], dtype=float), (self.n_visits,))
        return var, np.asarray(psi[nv:], dtype=float)

    def sigma(self, psi: np.ndarray) -> np.ndarray:
        var, rho = self._split(psi)
        sd = np.sqrt(var)
        return np.outer(sd, sd) * self._corr(rho)

    def d_sigma(self, psi: np.ndarray) -> np.ndarray:
        var, rho = self._split(psi)
        sd = np.sqrt(var)
        scale = np.outer(sd, sd)
        corr = self._corr(rho)
        d_rho = scale * self._d_corr(rho)
        if self.heterogeneous:
            d_var = _half_exponents(self.n_visits) * (scale * corr) / var[:, None, None]
        else:
            d_var = corr[None]
        return np.concatenate([d_var, d_rho])

    def d2_sigma(self, psi: np.ndarray) -> np.ndarray:
        var, rho = self._split(psi)
        sd = np.sqrt(var)
        scale = np.outer(sd, sd)
        sig = scale * self._corr(rho)
        d_corr = self._d_corr(rho)
        nv, m, t = self._n_var(), self._n_rho(), self.n_visits
        out = np.zeros((nv + m, nv + m, t, t))
        out[nv:, nv:] = scale * self._d2_corr(rho)
        if self.heterogeneous:
            e = _half_exponents(t)
            inv = 1.0 / var
            vv = e[:, None] * e[None, :] * sig * (inv[:, None] * inv[None, :])[:, :, None, None]
            vv[np.arange(t), np.arange(t)] -= e * sig * (inv**2)[:, None, None]
            out[:nv, :nv] = vv
            cross = (e * inv[:, None, None])[:, None] * (scale * d_corr)[None]
        else:
            cross = np.broadcast_to(d_corr[None], (1, m, t, t))
        out[:nv, nv:] = cross
        out[nv:, :nv] = np.swapaxes(cross, 0, 1)
        return out

    def start(self, s: np.ndarray) -> np.ndarray:
        var = start_variances(s)
        sd = np.sqrt(var)
        corr = s / np.outer(sd, sd)
        log_var = np.log(var) if self.heterogeneous else np.log([np.mean(var)])
        return np.concatenate([log_var, self._z(self._start_rho(corr))])


def _half_exponents(t: int) -> np.ndarray:
    """``e[t, a, b] = (δ_at + δ_bt) / 2``: the power of ``σ²_t`` in ``Σ_ab``."""
    eye = np.eye(t)
    return 0.5 * (eye[:, :, None] + eye[:, None, :])


def lags(t: int) -> np.ndarray:
    """``|a - b|`` for visit positions ``a, b`` of ``t`` visits, shape ``(t, t)``.

    Examples
    --------
    >>> lags(3)
    array([[0, 1, 2],
           [1, 0, 1],
           [2, 1, 0]])
    """
    idx = np.arange(t)
    return np.abs(idx[:, None] - idx[None, :])


def lag_means(corr: np.ndarray) -> np.ndarray:
    """Mean correlation at each lag 1..T-1, ignoring NaN (0 where none).

    Examples
    --------
    >>> lag_means(np.array([[1.0, 0.6, 0.2], [0.4, 1.0, np.nan], [0.2, np.nan, 1.0]]))
    array([0.5, 0.2])
    """
    t = corr.shape[0]
    lag = lags(t)
    out = np.zeros(max(t - 1, 0))
    for k in range(1, t):
        values = corr[lag == k]
        values = values[np.isfinite(values)]
        out[k - 1] = values.mean() if values.size else 0.0
    return out
