"""Structures with a free parameter for every entry they allow: ``us`` and ``diag``.

``us`` leaves every variance and covariance free; its working parameters are a log-Cholesky
factor of ``Σ`` (Pinheiro & Bates 1996), so any ``theta`` gives a positive definite ``Σ``.
``diag`` leaves every variance free and sets the covariances to zero. Both are linear in
``psi``.

References
----------
Pinheiro JC, Bates DM. Unconstrained parametrizations for variance-covariance matrices.
Stat Comput 1996;6:289-96. doi:10.1007/BF00140873
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

import numpy as np

from .base import Structure, start_variances

__all__ = ["Diagonal", "Unstructured"]


@dataclass(frozen=True)
class Unstructured(Structure):
    """``us``: every variance and covariance free; ``θ`` is a log-Cholesky factor."""

    name: ClassVar[str] = "us"
    description: ClassVar[str] = "unstructured"
    linear: ClassVar[bool] = True

    def _tril(self) -> tuple[np.ndarray, np.ndarray]:
        return _tril_indices(self.n_visits)

    def param_names(self) -> tuple[str, ...]:
        lab = self.labels()
        rows, cols = self._tril()
        return tuple(
            f"var[{lab[a]}]" if a == b else f"cov[{lab[b]},{lab[a]}]"
            for a, b in zip(rows, cols, strict=True)
        )

    def psi(self, theta: np.ndarray) -> np.ndarray:
        t = self.n_visits
        rows, cols = self._tril()
        values = np.array(theta, dtype=np.result_type(theta, float))
        diagonal = rows == cols
        values[diagonal] = np.exp(values[diagonal])
        chol = np.zeros((t, t), dtype=values.dtype)
        chol[rows, cols] = values
        return (chol @ chol.T)[rows, cols]

    def jacobian(self, theta: np.ndarray) -> np.ndarray:
        """``∂ψ/∂θ`` in closed form: with ``Σ = L Lᵀ`` and ``θ_j`` the entry ``(r, c)`` of
        ``L`` (its log on the diagonal), ``∂Σ_ab/∂θ_j = s_j (δ_ar L_bc + δ_br L_ac)``,
        ``s_j = L_rc`` on the diagonal and 1 below it."""
        t = self.n_visits
        rows, cols = self._tril()
        theta = np.asarray(theta, dtype=float)
        diagonal = rows == cols
        values = np.where(diagonal, np.exp(theta), theta)
        chol = np.zeros((t, t))
        chol[rows, cols] = values
        scale = np.where(diagonal, values, 1.0)
        r, c = rows[None, :], cols[None, :]
        a, b = rows[:, None], cols[:, None]
        return scale * ((a == r) * chol[b, c] + (b == r) * chol[a, c])

    def sigma(self, psi: np.ndarray) -> np.ndarray:
        t = self.n_visits
        rows, cols = self._tril()
        out = np.zeros((t, t))
        out[rows, cols] = psi
        out[cols, rows] = psi
        return out

    def d_sigma(self, psi: np.ndarray) -> np.ndarray:
        t = self.n_visits
        rows, cols = self._tril()
        out = np.zeros((rows.size, t, t))
        k = np.arange(rows.size)
        out[k, rows, cols] = 1.0
        out[k, cols, rows] = 1.0
        return out

    def start(self, s: np.ndarray) -> np.ndarray:
        chol = np.linalg.cholesky(_positive_definite(s))
        rows, cols = self._tril()
        values = chol[rows, cols]
        return np.where(rows == cols, np.log(np.where(rows == cols, values, 1.0)), values)


@lru_cache(maxsize=64)
def _tril_indices(t: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the lower triangle (read-only, shared between calls)."""
    rows, cols = np.tril_indices(t)
    rows.flags.writeable = False
    cols.flags.writeable = False
    return rows, cols


def _positive_definite(s: np.ndarray, floor: float = 1e-3) -> np.ndarray:
    """A positive definite matrix near ``s`` (NaN off-diagonal entries set to 0,
    eigenvalues floored at ``floor`` × mean variance)."""
    s = np.where(np.isfinite(s), s, 0.0)
    s = 0.5 * (s + s.T)
    mean_var = float(np.mean(np.diag(s))) if np.all(np.diag(s) > 0) else 1.0
    w, v = np.linalg.eigh(s)
    return (v * np.maximum(w, floor * mean_var)) @ v.T


@dataclass(frozen=True)
class Diagonal(Structure):
    """``diag``: one variance per visit, no correlation; linear."""

    name: ClassVar[str] = "diag"
    description: ClassVar[str] = "diagonal (heterogeneous, uncorrelated)"
    linear: ClassVar[bool] = True

    def param_names(self) -> tuple[str, ...]:
        return tuple(f"var[{v}]" for v in self.labels())

    def psi(self, theta: np.ndarray) -> np.ndarray:
        return np.exp(theta)

    def sigma(self, psi: np.ndarray) -> np.ndarray:
        return np.diag(np.asarray(psi, dtype=float))

    def d_sigma(self, psi: np.ndarray) -> np.ndarray:
        t = self.n_visits
        out = np.zeros((t, t, t))
        out[np.arange(t), np.arange(t), np.arange(t)] = 1.0
        return out

    def start(self, s: np.ndarray) -> np.ndarray:
        return np.log(start_variances(s))
