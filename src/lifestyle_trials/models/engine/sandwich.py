"""Empirical (sandwich) covariance of the coefficients of a marginal model, clustered by subject.

With the fitted working covariance ``Σ_i``, ``W_i = Σ_i⁻¹``, residuals ``r_i = y_i - X_i β̂``
and ``Φ = (Σ_i X_iᵀ W_i X_i)⁻¹``::

    V_emp = Φ ( Σ_i X_iᵀ W_i r_i r_iᵀ W_i X_i ) Φ

(Liang & Zeger 1986; ``CR0`` in R's clubSandwich, ``vcov = "Empirical"`` in R's mmrm,
``EMPIRICAL`` in SAS PROC MIXED). It stays consistent when the covariance structure is
wrong. No small-sample correction is applied, so with few subjects it is biased downwards.

Degrees of freedom for a contrast ``c`` (Bell & McCaffrey 2002): ``V_emp`` is treated as a
quadratic form in the residuals and its first two moments are taken under the working model,
giving ``ν = (Σ_i p_iᵀ B_ii p_i)² / Σ_ij (p_iᵀ B_ij p_j)²`` with ``p_i = W_i X_i Φ c`` and
``B = V - X Φ Xᵀ`` (the covariance of the residuals). The cross-subject part of the sum is
computed through ``p × p`` matrices, so the cost is linear in the number of subjects.
This is the Satterthwaite df that clubSandwich reports for ``CR0``.

References
----------
Liang K-Y, Zeger SL. Longitudinal data analysis using generalized linear models. Biometrika
1986;73:13-22. doi:10.1093/biomet/73.1.13
Bell RM, McCaffrey DF. Bias reduction in standard errors for linear regression with multi-stage
samples. Surv Methodol 2002;28:169-81.
Pustejovsky JE, Tipton E. Small-sample methods for cluster-robust variance estimation and
hypothesis testing in fixed effects models. J Bus Econ Stat 2018;36:672-83.
doi:10.1080/07350015.2016.1247004
"""

from __future__ import annotations

import numpy as np

from .covariance import Structure
from .reml import GroupedData, pattern_pieces

__all__ = ["empirical_df", "empirical_vcov"]


def empirical_vcov(
    data: GroupedData, struct: Structure, psi: np.ndarray, beta: np.ndarray, vcov: np.ndarray
) -> np.ndarray:
    """The sandwich covariance ``Φ (Σ_i X_iᵀ W_i r_i r_iᵀ W_i X_i) Φ``."""
    got = pattern_pieces(data, struct, psi)
    if got is None:  # pragma: no cover - psi comes from a successful fit
        raise ValueError("the covariance matrix is not positive definite")
    p = data.n_coef
    meat = np.zeros((p, p))
    for pc in got[0]:
        b = pc.block
        resid = b.y - b.x @ beta  # (n, k)
        score = np.einsum("nkp,nk->np", b.x, resid @ pc.w)
        meat += score.T @ score
    out = vcov @ meat @ vcov
    return 0.5 * (out + out.T)


def empirical_df(
    data: GroupedData, struct: Structure, psi: np.ndarray, vcov: np.ndarray, contrasts: np.ndarray
) -> np.ndarray:
    """Bell-McCaffrey degrees of freedom of each row of ``contrasts`` for the sandwich
    covariance."""
    got = pattern_pieces(data, struct, psi)
    if got is None:  # pragma: no cover - psi comes from a successful fit
        raise ValueError("the covariance matrix is not positive definite")
    sigma = None if struct.local else struct.sigma(psi)
    lmat = np.atleast_2d(np.asarray(contrasts, dtype=float))
    m, p = lmat.shape[0], data.n_coef
    direction = lmat @ vcov  # (m, p): Φ c
    expect = np.zeros(m)
    diag_sq = np.zeros(m)
    gram = np.zeros((m, p, p))
    for pc in got[0]:
        b = pc.block
        if sigma is None:
            sig = struct.sigma_at(psi, b.visits)
        else:
            sig = sigma[np.ix_(b.visits, b.visits)]
        xc = np.einsum("nkp,mp->mnk", b.x, direction)  # X_i Φ c
        pv = xc @ pc.w  # p_i = W_i X_i Φ c  (m, n, k)
        a = np.einsum("mnk,kl,mnl->mn", pv, sig, pv)  # p_iᵀ Σ_i p_i
        u = np.einsum("nkp,mnk->mnp", b.x, pv)  # X_iᵀ p_i
        hb = np.einsum("mnp,pq,mnq->mn", u, vcov, u)  # p_iᵀ X_i Φ X_iᵀ p_i
        expect += np.sum(a - hb, axis=1)
        diag_sq += np.sum(a * a - 2.0 * a * hb, axis=1)
        gram += np.einsum("mnp,mnq->mpq", u, u)
    phi_g = vcov @ gram  # (m, p, p)
    cross = np.einsum("mij,mji->m", phi_g, phi_g)
    with np.errstate(divide="ignore", invalid="ignore"):
        return expect**2 / (diag_sq + cross)
