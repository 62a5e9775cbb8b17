"""Satterthwaite degrees of freedom for contrasts of a mixed or marginal linear model.

For a contrast ``l`` of the coefficients, with model-based covariance ``Φ(ψ)`` of ``β̂``
depending on the covariance parameters ``ψ``::

    ν = 2 (lᵀ Φ l)² / (gᵀ C g),    g_k = lᵀ (∂Φ/∂ψ_k) l,    ∂Φ/∂ψ_k = Φ Q_k Φ

where ``C`` is the asymptotic covariance of ``ψ̂``: the inverse of the observed information
(minus the Hessian of the REML log-likelihood) at the optimum, as in R's lmerTest and mmrm
(SAS PROC MIXED uses the same quantities). At an interior optimum ``ν`` does not depend on
how ``ψ`` is parameterised. R's emmeans computes the same df for ``nlme::gls`` fits by
numerical differentiation, so its values differ from these in the third or fourth digit.

For an F test of ``q`` contrasts (rows of ``L``), the Fai & Cornelius (1996) method used by
lmerTest: with ``L Φ Lᵀ = U D Uᵀ``, each row of ``Uᵀ L`` has its own ``ν_m`` and the
denominator df is ``2E / (E - q)`` with ``E = Σ_m ν_m / (ν_m - 2)`` (2 when some
``ν_m ≤ 2``).

References
----------
Satterthwaite FE. An approximate distribution of estimates of variance components.
Biometrics Bull 1946;2:110-4. doi:10.2307/3002019
Fai AH-T, Cornelius PL. Approximate F-tests of multiple degree of freedom hypotheses in
generalized least squares analyses of unbalanced split-plot experiments. J Stat Comput Simul
1996;54:363-78. doi:10.1080/00949659608811740
Kuznetsova A, Brockhoff PB, Christensen RHB. lmerTest package: tests in linear mixed effects
models. J Stat Softw 2017;82(13):1-26. doi:10.18637/jss.v082.i13
"""

from __future__ import annotations

import numpy as np
from scipy import linalg

from ...errors import ModelError

__all__ = ["combine_f_df", "parameter_covariance", "satterthwaite_df"]


def parameter_covariance(information: np.ndarray) -> np.ndarray:
    """Asymptotic covariance of the covariance parameters: the inverse of ``information``.

    Raises
    ------
    ModelError
        When the information matrix is not positive definite (the likelihood is flat or
        the fit is on a boundary): Satterthwaite df cannot be computed.
    """
    info = 0.5 * (information + information.T)
    try:
        chol = linalg.cho_factor(info, lower=True)
    except linalg.LinAlgError:
        raise ModelError(
            "the information matrix of the covariance parameters is not positive definite "
            "(a flat likelihood or a fit on the boundary), so Satterthwaite degrees of "
            "freedom are not defined; use a simpler covariance structure or "
            "df_method='between-within'"
        ) from None
    return linalg.cho_solve(chol, np.eye(info.shape[0]))


def satterthwaite_df(
    contrasts: np.ndarray, vcov: np.ndarray, d_vcov: np.ndarray, cov_psi: np.ndarray
) -> np.ndarray:
    """Satterthwaite df of each row of ``contrasts``.

    Parameters
    ----------
    contrasts : ndarray, shape (m, p)
    vcov : ndarray, shape (p, p)
        ``Φ``.
    d_vcov : ndarray, shape (K, p, p)
        ``∂Φ/∂ψ_k``.
    cov_psi : ndarray, shape (K, K)
        Covariance of ``ψ̂``.

    Returns
    -------
    ndarray, shape (m,)
        ``inf`` for a contrast whose variance does not depend on ``ψ``; NaN for a zero
        contrast.

    Examples
    --------
    One variance ``σ²`` estimated with 10 df: ``Φ = σ² M``, ``Var(σ̂²) = 2σ⁴/10``.

    >>> m = np.array([[0.5]]); sigma2 = 2.0
    >>> float(satterthwaite_df(np.eye(1), sigma2 * m, m[None], np.array([[2 * sigma2**2 / 10]]))[0])
    10.0
    """
    lmat = np.atleast_2d(np.asarray(contrasts, dtype=float))
    var = np.einsum("mi,ij,mj->m", lmat, vcov, lmat)
    grad = np.einsum("mi,kij,mj->mk", lmat, d_vcov, lmat)
    denom = np.einsum("mk,kl,ml->m", grad, cov_psi, grad)
    with np.errstate(divide="ignore", invalid="ignore"):
        df = np.where(denom > 0, 2.0 * var**2 / denom, np.inf)
    return np.where(var > 0, df, np.nan)


def combine_f_df(nu: np.ndarray) -> float:
    """Denominator df of an F test from the df of its orthogonalised contrasts
    (Fai & Cornelius 1996).

    Examples
    --------
    >>> combine_f_df(np.array([20.0, 20.0]))
    20.0
    >>> round(combine_f_df(np.array([10.0, 40.0])), 4)
    15.2174
    """
    nu = np.asarray(nu, dtype=float)
    if nu.size == 1:
        return float(nu[0])
    if np.all(np.abs(np.diff(nu)) < 1e-8):
        return float(np.mean(nu))
    if np.any(nu <= 2):
        return 2.0
    e = float(np.sum(nu / (nu - 2.0)))
    return 2.0 * e / (e - nu.size)
