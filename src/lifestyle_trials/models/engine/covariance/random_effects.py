"""Covariance structures implied by random effects: ``Σ = Z G Zᵀ + σ² I``.

``Z = [1]`` for a random intercept, ``Z = [1, t]`` over the visit times ``t`` for a random
intercept and slope. Both are linear in ``psi``; their working parameters allow a singular
``G`` (a variance of zero, as lme4 reports it) to be reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .base import Structure, off_diagonal

__all__ = ["RandomIntercept", "RandomSlope"]


@dataclass(frozen=True)
class RandomIntercept(Structure):
    """A random intercept per subject: ``Σ = τ² J + σ² I``; ``psi = (τ², σ²)``, linear.

    ``θ = (τ, log σ²)``: ``τ`` is unconstrained so that ``τ² = 0`` (a singular fit, as lme4
    reports it) is reachable.
    """

    name: ClassVar[str] = "intercept"
    description: ClassVar[str] = "random intercept"
    linear: ClassVar[bool] = True

    def param_names(self) -> tuple[str, ...]:
        return ("var[intercept]", "var[residual]")

    def psi(self, theta: np.ndarray) -> np.ndarray:
        return np.stack([theta[0] * theta[0], np.exp(theta[1])])

    def sigma(self, psi: np.ndarray) -> np.ndarray:
        t = self.n_visits
        return psi[0] * np.ones((t, t)) + psi[1] * np.eye(t)

    def d_sigma(self, psi: np.ndarray) -> np.ndarray:
        t = self.n_visits
        return np.stack([np.ones((t, t)), np.eye(t)])

    def start(self, s: np.ndarray) -> np.ndarray:
        var = float(np.nanmean(np.diag(s)))
        off = off_diagonal(s)
        tau2 = float(np.clip(off.mean() if off.size else 0.5 * var, 0.1 * var, 0.9 * var))
        return np.array([np.sqrt(tau2), np.log(var - tau2)])


@dataclass(frozen=True)
class RandomSlope(Structure):
    """A random intercept and slope in visit time per subject, correlated:
    ``Σ = Z G Zᵀ + σ² I`` with ``Z = [1, t]``; ``psi = (G_00, G_10, G_11, σ²)``, linear.

    ``θ = (L_00, L_10, L_11, log σ²)`` with ``G = L Lᵀ`` (``L`` lower triangular,
    unconstrained, so a singular ``G`` is reachable).
    """

    name: ClassVar[str] = "slope"
    description: ClassVar[str] = "random intercept and slope"
    linear: ClassVar[bool] = True

    def _z(self) -> np.ndarray:
        return np.column_stack([np.ones(self.n_visits), np.asarray(self.visits, dtype=float)])

    def param_names(self) -> tuple[str, ...]:
        return ("var[intercept]", "cov[intercept,slope]", "var[slope]", "var[residual]")

    def psi(self, theta: np.ndarray) -> np.ndarray:
        l00, l10, l11 = theta[0], theta[1], theta[2]
        return np.stack([l00 * l00, l10 * l00, l10 * l10 + l11 * l11, np.exp(theta[3])])

    def sigma(self, psi: np.ndarray) -> np.ndarray:
        z = self._z()
        g = np.array([[psi[0], psi[1]], [psi[1], psi[2]]])
        return z @ g @ z.T + psi[3] * np.eye(self.n_visits)

    def d_sigma(self, psi: np.ndarray) -> np.ndarray:
        z = self._z()
        basis = np.array(
            [[[1.0, 0.0], [0.0, 0.0]], [[0.0, 1.0], [1.0, 0.0]], [[0.0, 0.0], [0.0, 1.0]]]
        )
        return np.concatenate([z @ basis @ z.T, np.eye(self.n_visits)[None]])

    def start(self, s: np.ndarray) -> np.ndarray:
        z = self._z()
        basis = self.d_sigma(np.zeros(4))
        ok = np.isfinite(s)
        design = basis[:, ok].T
        psi, *_ = np.linalg.lstsq(design, s[ok], rcond=None)
        var = float(np.nanmean(np.diag(s)))
        g = np.array([[psi[0], psi[1]], [psi[1], psi[2]]])
        w, v = np.linalg.eigh(g)
        floor = 0.05 * var / max(1.0, float(np.max(np.sum(z * z, axis=1))))
        g = (v * np.maximum(w, floor)) @ v.T
        chol = np.linalg.cholesky(g)
        resid = float(np.clip(psi[3], 0.1 * var, var))
        return np.array([chol[0, 0], chol[1, 0], chol[1, 1], np.log(resid)])
