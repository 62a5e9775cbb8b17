"""Covariance structures over the visits of a subject: parameters and exact derivatives.

A structure maps parameters to the ``T × T`` covariance matrix ``Σ`` of one subject's
outcomes at the ``T`` analysed visits; a subject observed at a subset of visits has the
corresponding sub-matrix of ``Σ``.

Each structure has two parameter vectors:

``psi`` (natural parameters)
    Variances, covariances and correlations, as SAS PROC MIXED reports them. Every
    derivative used for inference (information matrices, Satterthwaite and Kenward-Roger
    degrees of freedom) is taken with respect to ``psi``; ``d_sigma`` and ``d2_sigma`` give
    ``∂Σ/∂ψ_k`` and ``∂²Σ/∂ψ_k∂ψ_l`` in closed form. For ``us``, ``cs``, ``toep``, ``diag``
    and the random-effects structures ``Σ`` is linear in ``psi`` (second derivatives zero).
``theta`` (working parameters)
    Unconstrained reals used by the optimiser; every ``theta`` gives a positive definite
    ``Σ``: log variances, a log-Cholesky factor for ``us`` (Pinheiro & Bates 1996),
    ``tanh`` of partial autocorrelations for Toeplitz (Durbin-Levinson recursion), a scaled
    logistic for the compound-symmetry correlation. ``jacobian`` gives ``∂ψ/∂θ`` to machine
    precision by complex-step differentiation (Squire & Trapp 1998), which is why
    :meth:`Structure.psi` uses only complex-analytic operations.

Structures (``T`` visits; "h" = heterogeneous, one variance per visit)

======  ================================================  ===============================
name    Σ_ab                                              psi
======  ================================================  ===============================
us      unstructured                                      σ_ab, a ≥ b (T(T+1)/2)
cs      σ² if a = b, else c                               σ², c
csh     σ_a σ_b ρ^[a≠b]                                   σ²_1..σ²_T, ρ
ar1     σ² ρ^|a-b|                                        σ², ρ
ar1h    σ_a σ_b ρ^|a-b|                                   σ²_1..σ²_T, ρ
toep    γ_|a-b|                                           γ_0..γ_{T-1}
toeph   σ_a σ_b ρ_|a-b| (ρ_0 = 1)                         σ²_1..σ²_T, ρ_1..ρ_{T-1}
diag    σ²_a if a = b, else 0                             σ²_1..σ²_T
======  ================================================  ===============================

AR(1) and Toeplitz structures use the order of the visits (lag = difference of visit
positions), not the time between them, as nlme's ``corAR1(form = ~ index | subject)`` and
SAS's ``TYPE=AR(1)`` do; for unequally spaced visits ``us`` makes no such assumption.

Random-effects models imply structures too (:class:`RandomIntercept`, :class:`RandomSlope`):
``Σ = Z G Zᵀ + σ² I`` with ``Z = [1, t]`` over the visit times ``t``.

References
----------
Pinheiro JC, Bates DM. Unconstrained parametrizations for variance-covariance matrices.
Stat Comput 1996;6:289-96. doi:10.1007/BF00140873
Squire W, Trapp G. Using complex variables to estimate derivatives of real functions.
SIAM Rev 1998;40:110-2. doi:10.1137/S003614459631241X
Durbin J. The fitting of time-series models. Rev Int Stat Inst 1960;28:233-44.
doi:10.2307/1401322
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import ClassVar

import numpy as np

from ..errors import ModelError
from ..trial import format_visit

__all__ = [
    "STRUCTURES",
    "RandomIntercept",
    "RandomSlope",
    "Structure",
    "acf_to_pacf",
    "pacf_to_acf",
    "structure",
]

STRUCTURES: tuple[str, ...] = ("us", "cs", "csh", "ar1", "ar1h", "toep", "toeph", "diag")
"""Names of the covariance structures accepted by ``mmrm(covariance=...)``."""

_STEP = 1e-30  # complex-step size: no subtractive cancellation, so any tiny step is exact


@dataclass(frozen=True)
class Structure:
    """A covariance structure over the visits ``visits`` (base class).

    Attributes
    ----------
    visits : tuple of float
        The visits the structure spans, in order.
    """

    visits: tuple[float, ...]

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    linear: ClassVar[bool] = False
    """True when Σ is linear in psi (all second derivatives are zero)."""

    @property
    def n_visits(self) -> int:
        """Number of visits ``T``."""
        return len(self.visits)

    @property
    def n_params(self) -> int:
        """Number of covariance parameters."""
        return len(self.param_names())

    def labels(self) -> list[str]:
        """Visit labels used in parameter names."""
        return [format_visit(v) for v in self.visits]

    def param_names(self) -> tuple[str, ...]:
        """Names of the natural parameters ``psi``."""
        raise NotImplementedError

    def psi(self, theta: np.ndarray) -> np.ndarray:
        """Natural parameters from working parameters (complex-analytic)."""
        raise NotImplementedError

    def sigma(self, psi: np.ndarray) -> np.ndarray:
        """The ``T × T`` covariance matrix."""
        raise NotImplementedError

    def d_sigma(self, psi: np.ndarray) -> np.ndarray:
        """``∂Σ/∂ψ_k``, shape ``(K, T, T)``."""
        raise NotImplementedError

    def d2_sigma(self, psi: np.ndarray) -> np.ndarray:
        """``∂²Σ/∂ψ_k∂ψ_l``, shape ``(K, K, T, T)``."""
        k, t = self.n_params, self.n_visits
        return np.zeros((k, k, t, t))

    def start(self, s: np.ndarray) -> np.ndarray:
        """Working parameters that start the optimiser from an empirical covariance ``s``
        (``T × T``; NaN where two visits were never observed together)."""
        raise NotImplementedError

    def jacobian(self, theta: np.ndarray) -> np.ndarray:
        """``∂ψ/∂θ``, shape ``(K, K)``, by complex-step differentiation."""
        theta = np.asarray(theta, dtype=float)
        steps = theta + 1j * _STEP * np.eye(theta.size)
        return np.stack([self.psi(row).imag / _STEP for row in steps], axis=1)

    def simpler_hint(self) -> str:
        """What to try when a fit with this structure fails."""
        simpler = {
            "us": "'toeph', 'csh' or 'ar1h'",
            "toeph": "'toep' or 'ar1h'",
            "csh": "'cs'",
            "ar1h": "'ar1'",
            "toep": "'ar1' or 'cs'",
            "diag": "'cs'",
            "slope": "a random intercept only",
        }.get(self.name)
        if simpler is None:
            return "try another covariance structure"
        return f"try a simpler covariance structure ({simpler})"


# -- unstructured ------------------------------------------------------------------------------


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
    rows, cols = np.tril_indices(t)
    rows.flags.writeable = False
    cols.flags.writeable = False
    return rows, cols


# -- structures built on a correlation matrix ---------------------------------------------------


@dataclass(frozen=True)
class _Correlated(Structure):
    """``Σ = S R(ρ) S`` with ``S = diag(σ)``: one variance, or one per visit (heterogeneous),
    and a correlation matrix ``R`` with parameters ``ρ``. ``psi = (variances, ρ)``."""

    heterogeneous: ClassVar[bool] = False

    # correlation model, implemented by subclasses
    def _n_rho(self) -> int:
        raise NotImplementedError

    def _rho_names(self) -> list[str]:
        raise NotImplementedError

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
        var = np.diag(s).copy()
        var = np.where(np.isfinite(var) & (var > 0), var, np.nanmean(var))
        sd = np.sqrt(var)
        corr = s / np.outer(sd, sd)
        log_var = np.log(var) if self.heterogeneous else np.log([np.mean(var)])
        return np.concatenate([log_var, self._z(self._start_rho(corr))])


def _half_exponents(t: int) -> np.ndarray:
    """``e[t, a, b] = (δ_at + δ_bt) / 2``: the power of ``σ²_t`` in ``Σ_ab``."""
    eye = np.eye(t)
    return 0.5 * (eye[:, :, None] + eye[:, None, :])


def _lags(t: int) -> np.ndarray:
    idx = np.arange(t)
    return np.abs(idx[:, None] - idx[None, :])


def _lag_means(corr: np.ndarray) -> np.ndarray:
    """Mean correlation at each lag 1..T-1, ignoring NaN (0 where none)."""
    t = corr.shape[0]
    lags = _lags(t)
    out = np.zeros(max(t - 1, 0))
    for k in range(1, t):
        values = corr[lags == k]
        values = values[np.isfinite(values)]
        out[k - 1] = values.mean() if values.size else 0.0
    return out


@dataclass(frozen=True)
class CompoundSymmetryHet(_Correlated):
    """``csh``: one variance per visit and a common correlation ``ρ``."""

    name: ClassVar[str] = "csh"
    description: ClassVar[str] = "heterogeneous compound symmetry"
    heterogeneous: ClassVar[bool] = True

    def _lower(self) -> float:
        return -1.0 / (self.n_visits - 1)

    def _n_rho(self) -> int:
        return 1 if self.n_visits > 1 else 0

    def _rho_names(self) -> list[str]:
        return ["rho"] if self.n_visits > 1 else []

    def _rho(self, z: np.ndarray) -> np.ndarray:
        if self.n_visits == 1:
            return z
        low = self._lower()
        return low + (1.0 - low) / (1.0 + np.exp(-z))

    def _z(self, rho: np.ndarray) -> np.ndarray:
        if self.n_visits == 1:
            return rho
        low = self._lower()
        u = (rho - low) / (1.0 - low)
        return np.log(u / (1.0 - u))

    def _corr(self, rho: np.ndarray) -> np.ndarray:
        t = self.n_visits
        r = rho[0] if t > 1 else 0.0
        return (1.0 - r) * np.eye(t) + r * np.ones((t, t))

    def _d_corr(self, rho: np.ndarray) -> np.ndarray:
        t = self.n_visits
        return (np.ones((t, t)) - np.eye(t))[None, :, :][: self._n_rho()]

    def _start_rho(self, corr: np.ndarray) -> np.ndarray:
        if self.n_visits == 1:
            return np.zeros(0)
        off = corr[~np.eye(self.n_visits, dtype=bool)]
        off = off[np.isfinite(off)]
        low = self._lower()
        r = float(off.mean()) if off.size else 0.0
        return np.array([np.clip(r, low + 0.05 * (1 - low), 0.95)])


@dataclass(frozen=True)
class CompoundSymmetry(Structure):
    """``cs``: a common variance ``σ²`` and covariance ``c``; linear in ``psi = (σ², c)``."""

    name: ClassVar[str] = "cs"
    description: ClassVar[str] = "compound symmetry"
    linear: ClassVar[bool] = True

    def _het(self) -> CompoundSymmetryHet:
        return CompoundSymmetryHet(self.visits)

    def param_names(self) -> tuple[str, ...]:
        return ("var", "cov") if self.n_visits > 1 else ("var",)

    def psi(self, theta: np.ndarray) -> np.ndarray:
        var = np.exp(theta[:1])
        if self.n_visits == 1:
            return var
        rho = self._het()._rho(theta[1:])
        return np.concatenate([var, var * rho])

    def sigma(self, psi: np.ndarray) -> np.ndarray:
        t = self.n_visits
        cov = psi[1] if t > 1 else 0.0
        return (psi[0] - cov) * np.eye(t) + cov * np.ones((t, t))

    def d_sigma(self, psi: np.ndarray) -> np.ndarray:
        t = self.n_visits
        eye = np.eye(t)
        return np.stack([eye, np.ones((t, t)) - eye])[: self.n_params]

    def start(self, s: np.ndarray) -> np.ndarray:
        het = self._het().start(s)
        var = np.exp(np.mean(het[: self.n_visits]))
        return np.concatenate([[np.log(var)], het[self.n_visits :]])


@dataclass(frozen=True)
class AutoRegressiveHet(_Correlated):
    """``ar1h``: one variance per visit, correlation ``ρ^|a-b|`` (``ρ = tanh θ``)."""

    name: ClassVar[str] = "ar1h"
    description: ClassVar[str] = "heterogeneous first-order autoregressive"
    heterogeneous: ClassVar[bool] = True

    def _n_rho(self) -> int:
        return 1 if self.n_visits > 1 else 0

    def _rho_names(self) -> list[str]:
        return ["rho"] if self.n_visits > 1 else []

    def _rho(self, z: np.ndarray) -> np.ndarray:
        return np.tanh(z)

    def _z(self, rho: np.ndarray) -> np.ndarray:
        return np.arctanh(rho)

    def _corr(self, rho: np.ndarray) -> np.ndarray:
        lags = _lags(self.n_visits)
        if self.n_visits == 1:
            return np.ones((1, 1))
        return rho[0] ** lags

    def _d_corr(self, rho: np.ndarray) -> np.ndarray:
        if self.n_visits == 1:
            return np.zeros((0, 1, 1))
        lags = _lags(self.n_visits)
        return (lags * rho[0] ** np.maximum(lags - 1, 0))[None]

    def _d2_corr(self, rho: np.ndarray) -> np.ndarray:
        if self.n_visits == 1:
            return np.zeros((0, 0, 1, 1))
        lags = _lags(self.n_visits)
        return (lags * (lags - 1) * rho[0] ** np.maximum(lags - 2, 0))[None, None]

    def _start_rho(self, corr: np.ndarray) -> np.ndarray:
        if self.n_visits == 1:
            return np.zeros(0)
        return np.clip(_lag_means(corr)[:1], -0.9, 0.9)


@dataclass(frozen=True)
class AutoRegressive(AutoRegressiveHet):
    """``ar1``: a common variance, correlation ``ρ^|a-b|``."""

    name: ClassVar[str] = "ar1"
    description: ClassVar[str] = "first-order autoregressive"
    heterogeneous: ClassVar[bool] = False


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
    acf = _lag_means(corr)
    pacf = acf_to_pacf(acf)
    if not np.all(np.isfinite(pacf)) or np.any(np.abs(pacf) >= 0.95):
        pacf = np.zeros_like(acf)
        if acf.size:
            pacf[0] = np.clip(acf[0], -0.9, 0.9)
    return pacf


@dataclass(frozen=True)
class ToeplitzHet(_Correlated):
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
        return np.concatenate([[1.0], rho])[_lags(self.n_visits)]

    def _d_corr(self, rho: np.ndarray) -> np.ndarray:
        lags = _lags(self.n_visits)
        return (lags[None] == np.arange(1, self.n_visits)[:, None, None]).astype(float)

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
        return np.asarray(psi, dtype=float)[_lags(self.n_visits)]

    def d_sigma(self, psi: np.ndarray) -> np.ndarray:
        lags = _lags(self.n_visits)
        return (lags[None] == np.arange(self.n_visits)[:, None, None]).astype(float)

    def start(self, s: np.ndarray) -> np.ndarray:
        var = float(np.nanmean(np.diag(s)))
        return np.concatenate([[np.log(var)], np.arctanh(_start_pacf(s / var))])


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
        var = np.diag(s).copy()
        return np.log(np.where(np.isfinite(var) & (var > 0), var, np.nanmean(var)))


# -- random-effects structures -----------------------------------------------------------------


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
        off = s[~np.eye(self.n_visits, dtype=bool)]
        off = off[np.isfinite(off)]
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


_REGISTRY: dict[str, type[Structure]] = {
    cls.name: cls
    for cls in (
        Unstructured,
        CompoundSymmetry,
        CompoundSymmetryHet,
        AutoRegressive,
        AutoRegressiveHet,
        Toeplitz,
        ToeplitzHet,
        Diagonal,
        RandomIntercept,
        RandomSlope,
    )
}


def structure(name: str, visits: tuple[float, ...]) -> Structure:
    """The covariance structure called ``name`` over ``visits``.

    Parameters
    ----------
    name : str
        One of :data:`STRUCTURES` (``"us"``, ``"cs"``, ``"csh"``, ``"ar1"``, ``"ar1h"``,
        ``"toep"``, ``"toeph"``, ``"diag"``), or ``"intercept"``/``"slope"`` for the
        structures implied by random effects.
    visits : tuple of float

    Examples
    --------
    >>> s = structure("ar1", (3.0, 6.0, 12.0))
    >>> s.param_names()
    ('var', 'rho')
    >>> s.sigma(np.array([2.0, 0.5]))
    array([[2. , 1. , 0.5],
           [1. , 2. , 1. ],
           [0.5, 1. , 2. ]])
    """
    key = str(name).lower()
    if key not in _REGISTRY:
        raise ModelError(
            f"unknown covariance structure {name!r}; use one of {', '.join(STRUCTURES)}"
        )
    return _REGISTRY[key](tuple(float(v) for v in visits))


def _positive_definite(s: np.ndarray, floor: float = 1e-3) -> np.ndarray:
    """A positive definite matrix near ``s`` (NaN off-diagonal entries set to 0,
    eigenvalues floored at ``floor`` × mean variance)."""
    s = np.where(np.isfinite(s), s, 0.0)
    s = 0.5 * (s + s.T)
    mean_var = float(np.mean(np.diag(s))) if np.all(np.diag(s) > 0) else 1.0
    w, v = np.linalg.eigh(s)
    return (v * np.maximum(w, floor * mean_var)) @ v.T
