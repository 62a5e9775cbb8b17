"""Kenward-Roger: small-sample adjusted covariance of the coefficients, and F-test df.

The REML plug-in covariance ``Φ = (Xᵀ V⁻¹ X)⁻¹`` underestimates the variance of ``β̂``
because ``ψ`` is estimated. Kenward & Roger (1997) adjust it::

    Φ_A = Φ + 2 Φ { Σ_ij W_ij (Q_ij - P_i Φ P_j - ¼ R_ij) } Φ

    P_i  = Xᵀ (∂V⁻¹/∂ψ_i) X            = -Xᵀ V⁻¹ V_i V⁻¹ X
    Q_ij = Xᵀ (∂V⁻¹/∂ψ_i) V (∂V⁻¹/∂ψ_j) X = Xᵀ V⁻¹ V_i V⁻¹ V_j V⁻¹ X
    R_ij = Xᵀ V⁻¹ (∂²V/∂ψ_i∂ψ_j) V⁻¹ X

with ``W`` the inverse of the expected REML information ``½ tr(P V_i P V_j)``. For the F
test of ``H0: Lβ = 0`` (``q`` rows), with ``Θ = Lᵀ(LΦLᵀ)⁻¹L``::

    A1 = Σ_ij W_ij tr(ΘΦP_iΦ) tr(ΘΦP_jΦ),  A2 = Σ_ij W_ij tr(ΘΦP_iΦΘΦP_jΦ)
    B  = (A1 + 6 A2) / (2q),  g = ((q+1) A1 - (q+4) A2) / ((q+2) A2)
    c1 = g / (3q + 2(1-g)),  c2 = (q-g) / (3q + 2(1-g)),  c3 = (q+2-g) / (3q + 2(1-g))
    E* = 1 / (1 - A2/q),  V* = (2/q) (1 + c1 B) / ((1 - c2 B)² (1 - c3 B))
    ρ  = V* / (2 E*²),  m = 4 + (q + 2) / (q ρ - 1),  λ = m / (E* (m - 2))
    F  = λ/q · (Lβ̂)ᵀ (L Φ_A Lᵀ)⁻¹ (Lβ̂)  ~  F(q, m)

The adjustment depends on the parameterisation of the covariance when ``V`` is not linear in
``ψ``; it is computed in the natural parameters of :mod:`~lifestyle_trials.models.engine.covariance`
(those SAS uses), which are linear for ``us``, ``cs``, ``toep``, ``diag`` and random
effects, so for those ``R_ij = 0`` and the results equal R's pbkrtest (used by lmerTest) and
SAS ``DDFM=KR``.

References
----------
Kenward MG, Roger JH. Small sample inference for fixed effects from restricted maximum
likelihood. Biometrics 1997;53:983-97. doi:10.2307/2533558
Halekoh U, Højsgaard S. A Kenward-Roger approximation and parametric bootstrap methods for
tests in linear mixed models - the R package pbkrtest. J Stat Softw 2014;59(9):1-30.
doi:10.18637/jss.v059.i09
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg

from ...errors import ModelError
from .covariance import Structure
from .reml import Evaluation, GroupedData, contract, pattern_pieces

__all__ = ["KenwardRoger", "kenward_roger", "kr_f_test"]


@dataclass(frozen=True)
class KenwardRoger:
    """What the Kenward-Roger method needs of a fit.

    Attributes
    ----------
    vcov : ndarray, shape (p, p)
        Unadjusted ``Φ``.
    vcov_adjusted : ndarray, shape (p, p)
        ``Φ_A``.
    p : ndarray, shape (K, p, p)
        ``P_i``.
    w : ndarray, shape (K, K)
        Inverse expected information of ``ψ``.
    """

    vcov: np.ndarray
    vcov_adjusted: np.ndarray
    p: np.ndarray
    w: np.ndarray


def kenward_roger(data: GroupedData, struct: Structure, ev: Evaluation) -> KenwardRoger:
    """The Kenward-Roger adjusted covariance at a REML fit ``ev`` (``order >= 1``).

    Raises
    ------
    ModelError
        When the expected information is singular.
    """
    if ev.expected is None or ev.q is None:
        raise ModelError("Kenward-Roger needs a fit evaluated with derivatives")
    got = pattern_pieces(data, struct, ev.psi)
    if got is None:  # pragma: no cover - ev was computed at the same psi
        raise ModelError("the covariance matrix is not positive definite")
    pieces, _ = got
    d2_full = None if struct.linear else struct.d2_sigma(ev.psi)
    k_par, p = ev.psi.size, data.n_coef
    q_ij = np.zeros((k_par, k_par, p, p))
    r_ij = np.zeros((k_par, k_par, p, p))
    for pc in pieces:
        sxx = pc.block.cross_xx()
        wv = pc.w @ pc.d_sigma  # (K, k, k)
        wvw = wv @ pc.w
        wvwvw = np.matmul(wv[:, None], wvw[None, :])  # W V_i W V_j W
        q_ij += contract(wvwvw, sxx)
        if d2_full is not None:
            idx = pc.block.visits
            d2 = d2_full[:, :, idx][:, :, :, idx]
            r_ij += contract(pc.w @ d2 @ pc.w, sxx)
    try:
        w = linalg.inv(0.5 * (ev.expected + ev.expected.T))
    except linalg.LinAlgError:
        raise ModelError(
            "the expected information of the covariance parameters is singular; "
            "Kenward-Roger is not available for this fit (try df_method='satterthwaite' "
            "or a simpler covariance structure)"
        ) from None
    phi = ev.vcov
    p_mats = -ev.q
    phi_p = phi @ p_mats  # Φ P_j
    pphip = np.matmul(p_mats[:, None], phi_p[None, :])  # P_i Φ P_j
    inner = np.tensordot(w, q_ij - pphip - 0.25 * r_ij, axes=([0, 1], [0, 1]))
    adjusted = phi + 2.0 * phi @ inner @ phi
    adjusted = 0.5 * (adjusted + adjusted.T)
    return KenwardRoger(vcov=phi, vcov_adjusted=adjusted, p=p_mats, w=w)


def kr_f_test(kr: KenwardRoger, contrasts: np.ndarray) -> tuple[float, float]:
    """Denominator df ``m`` and scale ``λ`` of the Kenward-Roger F test of ``L β = 0``.

    ``contrasts`` (``q × p``) must have full row rank. For a single contrast the t test
    uses the standard error from ``Φ_A`` and ``m`` df, without ``λ`` (as pbkrtest and
    lmerTest do).
    """
    lmat = np.atleast_2d(np.asarray(contrasts, dtype=float))
    q = lmat.shape[0]
    phi = kr.vcov
    middle = lmat @ phi @ lmat.T
    theta = lmat.T @ linalg.solve(middle, lmat, assume_a="pos")
    u = (theta @ phi) @ kr.p @ phi  # ΘΦP_kΦ
    traces = np.einsum("kaa->k", u)
    a1 = float(traces @ kr.w @ traces)
    a2 = float(np.sum(kr.w * np.einsum("iab,jba->ij", u, u, optimize=True)))
    b = (a1 + 6.0 * a2) / (2.0 * q)
    g = ((q + 1) * a1 - (q + 4) * a2) / ((q + 2) * a2)
    denom = 3.0 * q + 2.0 * (1.0 - g)
    c1, c2, c3 = g / denom, (q - g) / denom, (q + 2 - g) / denom
    v0 = 1.0 + c1 * b
    v1 = 1.0 - c2 * b
    v2 = 1.0 - c3 * b
    rho = (1.0 / q) * ((1.0 - a2 / q) / v1) ** 2 * v0 / v2
    df = 4.0 + (q + 2.0) / (q * rho - 1.0)
    scale = 1.0 if abs(df - 2.0) < 0.01 else df * (1.0 - a2 / q) / (df - 2.0)
    return float(df), float(scale)
