"""What one evaluation of the likelihood gives, and the steps shared by every way of summing it.

:func:`profiled` turns the sums ``A = Σ XᵀV⁻¹X``, ``c = Σ XᵀV⁻¹y``, ``yᵀV⁻¹y`` and
``log|V|`` into the REML or ML log-likelihood with ``β̂`` profiled out (formulas in
:mod:`~lifestyle_trials.models.engine.reml`); :func:`informations` turns the sums of trace
and quadratic terms into the gradient, expected and observed informations of an
:class:`Evaluation`. The sums themselves come from subjects grouped by pattern
(:mod:`.likelihood`) or from each subject's own times (:mod:`.subject_times`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg.lapack import dpotrf as _potrf
from scipy.linalg.lapack import dpotrs as _potrs

from .patterns import GroupedData

__all__ = ["Evaluation", "informations", "profiled"]

_LOG_2PI = float(np.log(2.0 * np.pi))


@dataclass(frozen=True)
class Evaluation:
    """The likelihood and its derivatives at one value of the covariance parameters.

    Attributes
    ----------
    psi : ndarray
        Natural covariance parameters.
    loglik : float
        REML or ML log-likelihood.
    beta : ndarray
        GLS estimate ``β̂(ψ)``.
    vcov : ndarray
        ``Φ = (Σ_i X_iᵀ Σ_i⁻¹ X_i)⁻¹``, the model-based covariance of ``β̂``.
    gradient : ndarray or None
        ``∂ℓ/∂ψ``.
    expected : ndarray or None
        Expected information ``½ tr(P V_k P V_l)``.
    observed : ndarray or None
        Observed information ``-∂²ℓ/∂ψ_k∂ψ_l``.
    q : ndarray or None, shape (K, p, p)
        ``Q_k = Xᵀ V⁻¹ V_k V⁻¹ X``; ``∂Φ/∂ψ_k = Φ Q_k Φ``.
    """

    psi: np.ndarray
    loglik: float
    beta: np.ndarray
    vcov: np.ndarray
    gradient: np.ndarray | None = None
    expected: np.ndarray | None = None
    observed: np.ndarray | None = None
    q: np.ndarray | None = None


def profiled(
    data: GroupedData, a: np.ndarray, c: np.ndarray, ywy: float, logdet_v: float, reml: bool
) -> tuple[float, np.ndarray, np.ndarray] | None:
    """Log-likelihood, ``β̂`` and ``Φ`` from ``A = Σ XᵀV⁻¹X``, ``c = Σ XᵀV⁻¹y``,
    ``yᵀV⁻¹y`` and ``log|V|``; None when ``A`` is not positive definite."""
    p = data.n_coef
    chol, info = _potrf(a, lower=1, clean=1)
    if info != 0 or not np.all(np.isfinite(chol)):
        return None
    beta = _potrs(chol, c, lower=1)[0]
    vcov = _potrs(chol, np.eye(p), lower=1)[0]
    vcov = 0.5 * (vcov + vcov.T)
    quad = ywy - float(c @ beta)
    logdet_v -= data.log_weight_sum
    if reml:
        logdet_a = 2.0 * float(np.sum(np.log(np.diag(chol))))
        loglik = -0.5 * (logdet_v + logdet_a + quad + (data.n_obs - p) * _LOG_2PI)
    else:
        loglik = -0.5 * (logdet_v + quad + data.n_obs * _LOG_2PI)
    return loglik, beta, vcov


def informations(
    psi: np.ndarray,
    loglik: float,
    beta: np.ndarray,
    vcov: np.ndarray,
    reml: bool,
    grad: np.ndarray,
    trace_vv: np.ndarray,
    trace_vvc: np.ndarray,
    q: np.ndarray,
    hess_v: np.ndarray | None,
    quad_vv: np.ndarray | None,
    u: np.ndarray | None,
) -> Evaluation:
    """The :class:`Evaluation` with its informations, from the sums over patterns or
    subjects of ``tr(V⁻¹V_k V⁻¹V_l)``, ``tr(A⁻¹ XᵀV⁻¹V_k V⁻¹V_l V⁻¹X)`` and ``Q_k`` (and,
    for the observed information, of the ``V_kl`` terms, ``r̃ᵀV_k V⁻¹ V_l r̃`` and
    ``XᵀV⁻¹V_k V⁻¹ r``; None for the expected information only)."""
    trace_vvc = 0.5 * (trace_vvc + trace_vvc.T)
    if reml:
        phi_q = vcov @ q  # (K, p, p)
        trace_pp = trace_vv - 2.0 * trace_vvc + np.einsum("kij,lji->kl", phi_q, phi_q)
    else:
        trace_pp = trace_vv
    expected = 0.5 * trace_pp
    observed = None
    if hess_v is not None and quad_vv is not None and u is not None:
        quad_vv = 0.5 * (quad_vv + quad_vv.T)
        quad_p = quad_vv - u @ vcov @ u.T
        observed = hess_v - expected + quad_p
        observed = 0.5 * (observed + observed.T)
    return Evaluation(psi, loglik, beta, vcov, grad, expected, observed, q)
