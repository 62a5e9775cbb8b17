"""The REML and ML log-likelihood of a grouped data set and its exact derivatives.

See :mod:`~lifestyle_trials.models.engine.reml` for the formulas; :func:`evaluate` computes
them at one value of the natural covariance parameters, all missingness patterns together
from :class:`~lifestyle_trials.models.engine.patterns.StackedPatterns` (pattern by pattern
when the stacked arrays would be large, subject by subject for a structure over each
subject's own times).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg

from .covariance import Structure
from .evaluation import Evaluation, informations, profiled
from .patterns import GroupedData, PatternBlock, StackedPatterns
from .subject_times import subject_evaluation

__all__ = ["evaluate", "pattern_pieces"]

_STACK_LIMIT = 4e6  # values per derivative array above which patterns are evaluated one by one


@dataclass(frozen=True)
class _Pieces:
    """Per-pattern quantities at one ``ψ``."""

    block: PatternBlock
    w: np.ndarray  # Σ_p⁻¹, (k, k)
    logdet: float
    d_sigma: np.ndarray  # (K, k, k)


def pattern_pieces(
    data: GroupedData, struct: Structure, psi: np.ndarray
) -> tuple[list[_Pieces], np.ndarray | None] | None:
    """Inverse covariance and derivatives of every pattern; None if ``Σ`` is not positive
    definite. Also returns the full ``∂Σ/∂ψ`` (K, T, T), None for a
    :attr:`~lifestyle_trials.models.engine.covariance.Structure.local` structure."""
    local = struct.local  # Σ of each pattern from its own visits, no T × T matrix
    sigma = None if local else struct.sigma(psi)
    d_sigma = None if local else struct.d_sigma(psi)
    pieces = []
    for block in data.blocks:
        idx = block.visits
        sub = struct.sigma_at(psi, idx) if sigma is None else sigma[idx][:, idx]
        try:
            chol = np.linalg.cholesky(sub)
        except np.linalg.LinAlgError:
            return None
        diag = np.diag(chol)
        if not np.all(diag > 0):
            return None
        root = linalg.solve_triangular(chol, np.eye(idx.size), lower=True, check_finite=False)
        w = root.T @ root
        logdet = 2.0 * float(np.sum(np.log(diag)))
        d_sub = struct.d_sigma_at(psi, idx) if d_sigma is None else d_sigma[:, idx][:, :, idx]
        pieces.append(_Pieces(block, w, logdet, d_sub))
    return pieces, d_sigma


def evaluate(
    data: GroupedData,
    struct: Structure,
    psi: np.ndarray,
    *,
    reml: bool = True,
    order: int = 0,
) -> Evaluation | None:
    """Log-likelihood at ``psi`` and, for ``order`` 1 and 2, its derivatives.

    ``order=1`` adds the gradient, the expected information and ``Q_k``; ``order=2`` adds
    the observed information. Returns None when ``Σ(ψ)`` is not positive definite or the
    fixed effects are not estimable.

    All patterns are evaluated together from :attr:`GroupedData.stacked` (a few array
    operations whatever the number of patterns); pattern by pattern when the stacked
    arrays would be too large.
    """
    psi = np.asarray(psi, dtype=float)
    if struct.local:  # each subject its own Σ_i: vectorised over subjects
        return subject_evaluation(data, struct, psi, reml=reml, order=order)
    stacked = data.stacked
    k_par = psi.size
    if stacked is not None:
        width = k_par * (1 if struct.linear or order < 2 else k_par)
        if stacked.n.size * width * stacked.kmax**2 <= _STACK_LIMIT:
            return _evaluate_stacked(data, stacked, struct, psi, reml, order)
    return _evaluate_blocks(data, struct, psi, reml, order)


def _evaluate_stacked(
    data: GroupedData,
    st: StackedPatterns,
    struct: Structure,
    psi: np.ndarray,
    reml: bool,
    order: int,
) -> Evaluation | None:
    """:func:`evaluate` with all patterns at once: each pattern's ``Σ_j`` in the corner of
    a ``kmax × kmax`` square with the identity beside it, so its inverse is ``Σ_j⁻¹``
    beside the identity, which is masked to zero; every product below then vanishes
    outside the pattern's visits."""
    p = data.n_coef
    m, kmax = st.visits.shape
    rows, cols = st.visits[:, :, None], st.visits[:, None, :]
    sub = np.where(st.mask, struct.sigma(psi)[rows, cols], np.eye(kmax))
    try:
        chol = np.linalg.cholesky(sub)
    except np.linalg.LinAlgError:
        return None
    diag = np.diagonal(chol, axis1=1, axis2=2)
    if not np.all(diag > 0):
        return None
    root = np.linalg.inv(chol)
    w = np.matmul(root.transpose(0, 2, 1), root) * st.mask  # Σ_j⁻¹, (m, kmax, kmax)
    logdet_v = float(st.n @ (2.0 * np.sum(np.log(diag), axis=1)))
    w_rows = w.reshape(-1)[st.flat]
    a = (w_rows @ st.xx).reshape(p, p)
    c = w_rows @ st.xy
    got = profiled(data, a, c, float(w_rows @ st.yy), logdet_v, reml)
    if got is None:
        return None
    loglik, beta, vcov = got
    if order == 0:
        return Evaluation(psi, loglik, beta, vcov)

    k_par = psi.size
    resid_cross, x_resid = st.residual_cross(beta)
    trace_cross = st.square(st.xx @ vcov.ravel())  # tr(A⁻¹ S_ab)
    mm = resid_cross + trace_cross if reml else resid_cross
    d_sub = np.moveaxis(struct.d_sigma(psi)[:, rows, cols], 0, 1)  # (m, K, kmax, kmax)
    wv = w[:, None] @ d_sub
    wvw = wv @ w[:, None]
    wvw_rows = wvw.transpose(1, 0, 2, 3).reshape(k_par, -1)[:, st.flat]  # (K, R)
    flat_wv = wv.transpose(1, 0, 2, 3).reshape(k_par, -1)

    def trace_with(other: np.ndarray) -> np.ndarray:
        """``Σ_j tr(W_j V_k O_j)`` for ``O_j = W_j V_l X_j`` given as (m, K, kmax, kmax)."""
        return flat_wv @ other.transpose(1, 0, 3, 2).reshape(k_par, -1).T

    tr_wv = np.trace(wv, axis1=2, axis2=3)  # (m, K)
    grad = -0.5 * (st.n @ tr_wv - np.einsum("jkab,jba->k", wvw, mm))
    trace_vv = trace_with(wv * st.n[:, None, None, None])
    q = (wvw_rows @ st.xx).reshape(k_par, p, p)
    trace_vvc = trace_with(wv @ (w @ trace_cross)[:, None]) if reml else np.zeros((k_par,) * 2)
    hess_v = quad_vv = u = None
    if order >= 2:
        quad_vv = trace_with(wv @ (w @ resid_cross)[:, None])
        u = wvw_rows @ x_resid
        hess_v = np.zeros((k_par, k_par))
        if not struct.linear:
            d2 = struct.d2_sigma(psi)[:, :, rows, cols]  # (K, K, m, kmax, kmax)
            wv2 = w[:, None, None] @ np.moveaxis(d2, 2, 0)
            hess_v = 0.5 * (
                np.einsum("j,jklaa->kl", st.n, wv2) - np.einsum("jklab,jba->kl", wv2, w @ mm)
            )
    return informations(
        psi, loglik, beta, vcov, reml, grad, trace_vv, trace_vvc, q, hess_v, quad_vv, u
    )


def _evaluate_blocks(
    data: GroupedData, struct: Structure, psi: np.ndarray, reml: bool, order: int
) -> Evaluation | None:
    """:func:`evaluate` pattern by pattern (cross-products recomputed on demand)."""
    got = pattern_pieces(data, struct, psi)
    if got is None:
        return None
    pieces, _ = got
    p = data.n_coef
    a = np.zeros((p, p))
    c = np.zeros(p)
    ywy = 0.0
    logdet_v = 0.0
    for pc in pieces:
        b = pc.block
        wf = pc.w.ravel()
        a += (wf @ b.flat_xx()).reshape(p, p)
        c += wf @ b.flat_xy
        ywy += float(wf @ b.syy.ravel())
        logdet_v += b.n * pc.logdet
    fit = profiled(data, a, c, ywy, logdet_v, reml)
    if fit is None:
        return None
    loglik, beta, vcov = fit
    if order == 0:
        return Evaluation(psi, loglik, beta, vcov)

    k_par = psi.size
    grad = np.zeros(k_par)
    trace_vv = np.zeros((k_par, k_par))  # tr(V⁻¹V_k V⁻¹V_l)
    trace_vvc = np.zeros((k_par, k_par))  # tr(A⁻¹ XᵀV⁻¹V_k V⁻¹V_l V⁻¹X)
    q = np.zeros((k_par, p, p))
    hess_v = quad_vv = u = None
    if order >= 2:
        d2_full = None if struct.linear else struct.d2_sigma(psi)
        hess_v = np.zeros((k_par, k_par))  # the V_kl terms of -∂²ℓ
        quad_vv = np.zeros((k_par, k_par))  # r̃ᵀV_k V⁻¹ V_l r̃
        u = np.zeros((k_par, p))  # XᵀV⁻¹V_k V⁻¹ r
    beta_outer = np.outer(beta, beta).ravel()
    for pc in pieces:
        b = pc.block
        fxx = b.flat_xx()
        kk = b.visits.size
        w = pc.w
        xy = (b.flat_xy @ beta).reshape(kk, kk)  # Σ_i (x_ia·β) y_ib
        resid_cross = b.syy - xy - xy.T + (fxx @ beta_outer).reshape(kk, kk)  # Σ_i r_ia r_ib
        resid_cross = 0.5 * (resid_cross + resid_cross.T)
        trace_cross = (fxx @ vcov.ravel()).reshape(kk, kk)  # tr(A⁻¹ S_ab)
        m = resid_cross + trace_cross if reml else resid_cross
        wv = w @ pc.d_sigma  # (K, k, k)
        wvw = wv @ w
        wvw_flat = wvw.reshape(k_par, kk * kk)
        grad += -0.5 * (b.n * np.einsum("kaa->k", wv) - np.einsum("kab,ba->k", wvw, m))
        trace_vv += b.n * np.einsum("kab,lba->kl", wv, wv)
        q += (wvw_flat @ fxx).reshape(k_par, p, p)
        if reml:
            trace_vvc += np.einsum("kab,lbc,ca->kl", wv, wv, w @ trace_cross)
        if hess_v is not None and quad_vv is not None and u is not None:
            quad_vv += np.einsum("kab,lbc,ca->kl", wv, wv, w @ resid_cross)
            sxr = b.flat_xy - fxx.reshape(kk * kk, p, p) @ beta  # Σ_i x_ia r_ib, (k², p)
            u += wvw_flat @ sxr
            if d2_full is not None:
                idx = b.visits
                d2 = d2_full[:, :, idx][:, :, :, idx]
                wv2 = w @ d2
                hess_v += 0.5 * (
                    b.n * np.einsum("klaa->kl", wv2) - np.einsum("klab,bc,ca->kl", wv2, w, m)
                )
    return informations(
        psi, loglik, beta, vcov, reml, grad, trace_vv, trace_vvc, q, hess_v, quad_vv, u
    )
