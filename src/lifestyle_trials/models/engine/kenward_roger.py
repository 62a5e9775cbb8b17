"""Kenward-Roger: small-sample adjusted covariance of the coefficients, and F-test df.

The REML plug-in covariance ``Φ = (Xᵀ V⁻¹ X)⁻¹`` underestimates the variance of ``β̂``
because ``ψ`` is estimated. Kenward & Roger (1997) adjust it::

    Φ_A = Φ + 2 Φ { Σ_ij W_ij (Q_ij - P_i Φ P_j - ¼ R_ij) } Φ

    P_i  = Xᵀ (∂V⁻¹/∂ψ_i) X            = -Xᵀ V⁻¹ V_i V⁻¹ X
    Q_ij = Xᵀ (∂V⁻¹/∂ψ_i) V (∂V⁻¹/∂ψ_j) X = Xᵀ V⁻¹ V_i V⁻¹ V_j V⁻¹ X
    R_ij = Xᵀ V⁻¹ (∂²V/∂ψ_i∂ψ_j) V⁻¹ X

with ``W`` the asymptotic covariance of ``ψ̂``: the inverse of the *observed* REML
information ``-∂²ℓ/∂ψ∂ψᵀ`` (``information="observed"``, the default), as SAS PROC MIXED
(``DDFM=KR``) and R's mmrm compute it, or of the expected information ``½ tr(P V_i P V_j)``
(``information="expected"``), as R's pbkrtest does. ``linear=True`` drops ``R_ij`` (SAS
``DDFM=KR(LINEAR)``, mmrm's ``"Kenward-Roger-Linear"``). For the F test of ``H0: Lβ = 0``
(``q`` rows), with ``Θ = Lᵀ(LΦLᵀ)⁻¹L``::

    A1 = Σ_ij W_ij tr(ΘΦP_iΦ) tr(ΘΦP_jΦ),  A2 = Σ_ij W_ij tr(ΘΦP_iΦΘΦP_jΦ)
    B  = (A1 + 6 A2) / (2q),  g = ((q+1) A1 - (q+4) A2) / ((q+2) A2)
    c1 = g / (3q + 2(1-g)),  c2 = (q-g) / (3q + 2(1-g)),  c3 = (q+2-g) / (3q + 2(1-g))
    E* = 1 / (1 - A2/q),  V* = (2/q) (1 + c1 B) / ((1 - c2 B)² (1 - c3 B))
    ρ  = V* / (2 E*²),  m = 4 + (q + 2) / (q ρ - 1),  λ = m / (E* (m - 2))
    F  = λ/q · (Lβ̂)ᵀ (L Φ_A Lᵀ)⁻¹ (Lβ̂)  ~  F(q, m)

At an interior optimum the df ``m``, ``λ`` and the linear adjustment do not depend on how
``ψ`` is parameterised; the ``R_ij`` term does, and is computed in the natural parameters of
:mod:`~lifestyle_trials.models.engine.covariance`, those SAS uses (variances, covariances,
correlations). For ``us``, ``cs``, ``toep``, ``diag`` and random effects ``V`` is linear in
``ψ``, so ``R_ij = 0`` and both variants agree. (mmrm differentiates in its own working
parameters, so its ``"Kenward-Roger"`` standard errors of the non-linear structures differ
from SAS's and these in the third digit; its df and ``"Kenward-Roger-Linear"`` agree.)

``W`` is computed from the eigen-decomposition of the information with directions of zero
or negative curvature (a fit on the boundary, or a nearly singular ``Σ``) left out, and the
first-order part ``Σ_ij W_ij (Q_ij - P_iΦP_j)``, positive semi-definite in exact
arithmetic, is made so numerically: the adjusted variances of a linear structure are never
below the unadjusted ones.

References
----------
Kenward MG, Roger JH. Small sample inference for fixed effects from restricted maximum
likelihood. Biometrics 1997;53:983-97. doi:10.2307/2533558
Kenward MG, Roger JH. An improved approximation to the precision of fixed effects from
restricted maximum likelihood. Comput Stat Data Anal 2009;53:2583-95.
doi:10.1016/j.csda.2008.12.013
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
from .mmrm_parameters import second_order_shift
from .reml import Evaluation, GroupedData, contract, pattern_pieces

__all__ = [
    "INFORMATION_TYPES",
    "KR_DF_METHODS",
    "KR_PARAMETERS",
    "KenwardRoger",
    "information_inverse",
    "kenward_roger",
    "kr_f_test",
]


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
        Asymptotic covariance of ``ψ̂`` (inverse of the observed or expected information).
    """

    vcov: np.ndarray
    vcov_adjusted: np.ndarray
    p: np.ndarray
    w: np.ndarray


INFORMATION_TYPES: tuple[str, ...] = ("observed", "expected")
"""Information matrices whose inverse ``W`` may weight the adjustment."""

KR_PARAMETERS: tuple[str, ...] = ("natural", "mmrm")
"""Parameters the second derivatives of ``Σ`` are taken in (SAS's natural, R mmrm's)."""

KR_DF_METHODS: dict[str, dict] = {
    "kenward-roger": {},
    "kenward-roger-linear": {"linear": True},
    "kenward-roger-mmrm": {"parameters": "mmrm"},
}
"""The Kenward-Roger variants of ``df_method`` and the options of :func:`kenward_roger`
each stands for: SAS ``DDFM=KR``, SAS ``DDFM=KR(LINEAR)`` (= mmrm ``"Kenward-Roger-Linear"``),
and mmrm ``"Kenward-Roger"``."""


def kenward_roger(
    data: GroupedData,
    struct: Structure,
    ev: Evaluation,
    *,
    linear: bool = False,
    information: str = "observed",
    parameters: str = "natural",
) -> KenwardRoger:
    """The Kenward-Roger adjusted covariance at a REML fit ``ev`` (evaluated with ``order=2``
    for the observed information, ``order >= 1`` for the expected).

    Parameters
    ----------
    data : GroupedData
    struct : Structure
    ev : Evaluation
    linear : bool, default False
        Leave out the second derivatives of ``Σ`` (``R_ij``): SAS ``KR(LINEAR)``.
    information : {"observed", "expected"}
        Which information matrix ``W`` inverts (SAS and mmrm: observed; pbkrtest: expected).
    parameters : {"natural", "mmrm"}
        The parameters ``R_ij`` differentiates ``Σ`` in: the natural ones (SAS) or R mmrm's
        working ones (:mod:`~lifestyle_trials.models.engine.mmrm_parameters`). Ignored
        with ``linear=True``.

    Raises
    ------
    ModelError
        When the information has no direction of positive curvature, or an unknown
        ``information``.

    Examples
    --------
    >>> from lifestyle_trials.models.engine.covariance import structure
    >>> from lifestyle_trials.models.engine.reml import group_by_pattern, fit_covariance
    >>> rng = np.random.default_rng(1)
    >>> n = 30
    >>> y = rng.normal(size=(n, 2)) @ np.array([[1.0, 0.5], [0.0, 1.0]]) + [0.0, 1.0]
    >>> x = np.kron(np.ones((n, 1)), np.eye(2))
    >>> data = group_by_pattern(y.ravel(), x, np.repeat(np.arange(n), 2), np.tile([0, 1], n), 2)
    >>> _, ev, _ = fit_covariance(data, structure("us", (1.0, 2.0)))
    >>> kr = kenward_roger(data, structure("us", (1.0, 2.0)), ev)
    >>> bool(np.all(np.diag(kr.vcov_adjusted) >= np.diag(kr.vcov)))
    True
    """
    if parameters not in KR_PARAMETERS:
        raise ModelError(
            f"parameters must be one of {', '.join(KR_PARAMETERS)}, not {parameters!r}"
        )
    if information not in INFORMATION_TYPES:
        raise ModelError(
            f"information must be one of {', '.join(INFORMATION_TYPES)}, not {information!r}"
        )
    info = ev.observed if information == "observed" else ev.expected
    if info is None or ev.q is None:
        raise ModelError("Kenward-Roger needs a fit evaluated with derivatives")
    got = pattern_pieces(data, struct, ev.psi)
    if got is None:  # pragma: no cover - ev was computed at the same psi
        raise ModelError("the covariance matrix is not positive definite")
    pieces, _ = got
    w, root = information_inverse(info)
    second = not (struct.linear or linear)
    d2_full = struct.d2_sigma(ev.psi) if second and not struct.local else None
    shift = None if linear or parameters == "natural" else second_order_shift(struct, ev.psi, w)
    phi = ev.vcov
    p_mats = -ev.q
    k_par, p = ev.psi.size, data.n_coef
    # First-order part in the eigen-directions of W = Σ_m r_m r_mᵀ: for each direction the
    # combination Ṽ_m = Σ_i r_im V_i gives Q(Ṽ_m, Ṽ_m) - P(Ṽ_m) Φ P(Ṽ_m), a positive
    # semi-definite matrix, which keeps the sum symmetric and non-negative.
    n_dir = root.shape[1]
    q_dir = np.zeros((n_dir, p, p))
    r_ij = np.zeros((k_par, k_par, p, p))
    for pc in pieces:
        sxx = pc.block.cross_xx()
        wv = pc.w @ np.tensordot(root.T, pc.d_sigma, axes=(1, 0))  # W Ṽ_m, (M, k, k)
        q_dir += contract(wv @ wv @ pc.w, sxx)
        if second:
            idx = pc.block.visits
            if d2_full is None:
                d2 = struct.d2_sigma_at(ev.psi, idx)
            else:
                d2 = d2_full[:, :, idx][:, :, :, idx]
            r_ij += contract(pc.w @ d2 @ pc.w, sxx)
    p_dir = np.tensordot(root.T, p_mats, axes=(1, 0))  # (M, p, p)
    first = q_dir - np.matmul(p_dir @ phi, p_dir)
    inner = _psd(np.sum(0.5 * (first + np.swapaxes(first, 1, 2)), axis=0))
    if second:
        inner = inner - 0.25 * np.tensordot(w, r_ij, axes=([0, 1], [0, 1]))
    if shift is not None:
        inner = inner - 0.25 * np.tensordot(shift, ev.q, axes=(0, 0))
    adjusted = phi + 2.0 * phi @ inner @ phi
    adjusted = 0.5 * (adjusted + adjusted.T)
    return KenwardRoger(vcov=phi, vcov_adjusted=adjusted, p=p_mats, w=w)


def information_inverse(information: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``W``, the inverse of an information matrix on its directions of positive curvature,
    and a root ``r`` with ``W = r rᵀ``.

    Eigenvalues below ``K · eps`` times the largest (``K`` parameters) are left out, as a
    pseudo-inverse does; negative ones are too.

    Raises
    ------
    ModelError
        When no eigenvalue is positive.

    Examples
    --------
    >>> w, r = information_inverse(np.array([[4.0, 0.0], [0.0, -1.0]]))
    >>> w
    array([[0.25, 0.  ],
           [0.  , 0.  ]])
    """
    info = 0.5 * (information + information.T)
    if info.size == 0:
        return np.zeros((0, 0)), np.zeros((0, 0))
    values, vectors = linalg.eigh(info)
    top = float(np.max(values))
    keep = values > max(top, 0.0) * info.shape[0] * np.finfo(float).eps
    if top <= 0 or not np.all(np.isfinite(values)):
        raise ModelError(
            "the information matrix of the covariance parameters has no direction of "
            "positive curvature; Kenward-Roger is not available for this fit (try "
            "df_method='satterthwaite' or a simpler covariance structure)"
        )
    root = vectors[:, keep] / np.sqrt(values[keep])
    return root @ root.T, root


def _psd(m: np.ndarray) -> np.ndarray:
    """The nearest positive semi-definite matrix to a symmetric ``m`` (negative eigenvalues,
    rounding error of a matrix that is semi-definite in exact arithmetic, set to zero)."""
    values, vectors = linalg.eigh(m)
    if values.size == 0 or values.min() >= 0:
        return m
    return (vectors * np.maximum(values, 0.0)) @ vectors.T


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
