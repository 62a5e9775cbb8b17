"""The likelihood when each subject has its own covariance matrix (subject-specific times).

With a :attr:`~lifestyle_trials.models.engine.covariance.Structure.local` structure
(``sp_exp`` over subject-specific times) subjects seldom share a pattern, so the per-pattern
cross-products of :mod:`~lifestyle_trials.models.engine.reml` save nothing and a loop over
patterns is a loop over subjects. Here the subjects with the same number of observations
``k`` are stacked (``S`` subjects: ``X`` of shape ``(S, k, p)``, ``Σ_i`` of shape
``(S, k, k)`` from each subject's own times) and every sum over subjects of
:func:`~lifestyle_trials.models.engine.reml.evaluate` (the same formulas: the REML/ML
log-likelihood, its gradient, expected and observed information, and
``Q_k = Σ_i X_iᵀ Σ_i⁻¹ V_ik Σ_i⁻¹ X_i``) is one batched product per ``k``, with no
``T × T`` matrix over the distinct times. The stacks are built once per data set.

References
----------
Jennrich RI, Schluchter MD. Unbalanced repeated-measures models with structured covariance
matrices. Biometrics 1986;42:805-20. doi:10.2307/2530695
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

import numpy as np
from scipy import linalg

from .covariance import Structure
from .evaluation import Evaluation, informations, profiled
from .patterns import GroupedData

__all__ = ["subject_evaluation", "subject_stacks", "subject_start"]

_STACKS: dict[int, tuple[weakref.ref, list[tuple[np.ndarray, np.ndarray, np.ndarray]]]] = {}
"""Stacks of the grouped data sets alive (built once per data set, not per evaluation)."""


def subject_stacks(data: GroupedData) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """The subjects stacked by number of observations ``k``: ``(positions (S, k), x (S, k, p),
    y (S, k))`` for each ``k``, in increasing ``k``.

    Examples
    --------
    >>> from lifestyle_trials.models.engine.reml import group_by_pattern
    >>> data = group_by_pattern(np.arange(5.0), np.ones((5, 1)), np.array([0, 0, 1, 2, 2]),
    ...                         np.array([0, 2, 1, 1, 3]), 4)
    >>> [(idx.tolist(), y.tolist()) for idx, _, y in subject_stacks(data)]
    [([[1]], [[2.0]]), ([[0, 2], [1, 3]], [[0.0, 1.0], [3.0, 4.0]])]
    """
    key = id(data)
    hit = _STACKS.get(key)
    if hit is not None and hit[0]() is data:
        return hit[1]
    groups: dict[int, list[int]] = {}
    for j, b in enumerate(data.blocks):
        groups.setdefault(b.visits.size, []).append(j)
    out = []
    for k in sorted(groups):
        blocks = [data.blocks[j] for j in groups[k]]
        idx = np.repeat(np.stack([b.visits for b in blocks]), [b.n for b in blocks], axis=0)
        x = np.concatenate([b.x for b in blocks])
        y = np.concatenate([b.y for b in blocks])
        for array in (idx, x, y):
            array.flags.writeable = False
        out.append((idx, x, y))
    _STACKS[key] = (weakref.ref(data, _forget(key)), out)
    return out


def _forget(key: int) -> Callable[[weakref.ref], None]:
    """The callback that drops a data set's stacks when the data set is collected."""

    def forget(_: weakref.ref) -> None:
        _STACKS.pop(key, None)

    return forget


def subject_start(data: GroupedData, struct: Structure) -> np.ndarray:
    """Starting working parameters of a local structure: its
    :meth:`~lifestyle_trials.models.engine.covariance.Structure.start_local` from the
    least-squares residuals of each subject."""
    stacks = subject_stacks(data)
    p = data.n_coef
    xtx = np.zeros((p, p))
    xty = np.zeros(p)
    for _, x, y in stacks:
        xtx += np.einsum("skp,skq->pq", x, x)
        xty += np.einsum("skp,sk->p", x, y)
    beta = linalg.lstsq(xtx, xty)[0]
    return struct.start_local([(idx, y - x @ beta) for idx, x, y in stacks])


def subject_evaluation(
    data: GroupedData,
    struct: Structure,
    psi: np.ndarray,
    *,
    reml: bool = True,
    order: int = 0,
) -> Evaluation | None:
    """The :class:`~lifestyle_trials.models.engine.evaluation.Evaluation` at ``psi`` for
    a local structure (see the module description); None when some ``Σ_i`` is not positive
    definite or the fixed effects are not estimable."""
    p = data.n_coef
    a = np.zeros((p, p))
    c = np.zeros(p)
    ywy = 0.0
    logdet_v = 0.0
    parts = []
    for idx, x, y in subject_stacks(data):
        sig = struct.sigma_at(psi, idx)
        try:
            chol = np.linalg.cholesky(sig)
        except np.linalg.LinAlgError:
            return None
        diag = np.diagonal(chol, axis1=1, axis2=2)
        if not np.all(diag > 0):
            return None
        root = np.linalg.solve(chol, np.broadcast_to(np.eye(idx.shape[1]), chol.shape))
        w = np.swapaxes(root, 1, 2) @ root  # Σ_i⁻¹
        logdet_v += 2.0 * float(np.sum(np.log(diag)))
        xw = np.swapaxes(x, 1, 2) @ w  # X_iᵀ Σ_i⁻¹, (S, p, k)
        a += np.einsum("spk,skq->pq", xw, x)
        c += np.einsum("spk,sk->p", xw, y)
        ywy += float(np.einsum("sa,sab,sb->", y, w, y))
        parts.append((idx, x, y, w))
    got = profiled(data, a, c, ywy, logdet_v, reml)
    if got is None:
        return None
    loglik, beta, vcov = got
    if order == 0:
        return Evaluation(psi, loglik, beta, vcov)

    k_par = psi.size
    grad = np.zeros(k_par)
    trace_vv = np.zeros((k_par, k_par))  # tr(V⁻¹V_k V⁻¹V_l)
    trace_vvc = np.zeros((k_par, k_par))  # tr(A⁻¹ XᵀV⁻¹V_k V⁻¹V_l V⁻¹X)
    q = np.zeros((k_par, p, p))
    hess_v = np.zeros((k_par, k_par))  # the V_kl terms of -∂²ℓ
    quad_vv = np.zeros((k_par, k_par))  # r̃ᵀV_k V⁻¹ V_l r̃
    u = np.zeros((k_par, p))  # XᵀV⁻¹V_k V⁻¹ r
    for idx, x, y, w in parts:
        r = y - x @ beta  # (S, k)
        resid_cross = r[:, :, None] * r[:, None, :]
        trace_cross = np.einsum("sap,pq,sbq->sab", x, vcov, x)  # X_i Φ X_iᵀ
        m = resid_cross + trace_cross if reml else resid_cross
        wv = w[:, None] @ np.moveaxis(struct.d_sigma_at(psi, idx), 0, 1)  # (S, K, k, k)
        wvw = wv @ w[:, None]
        grad += -0.5 * (np.einsum("skaa->k", wv) - np.einsum("skab,sba->k", wvw, m))
        trace_vv += np.einsum("skab,slba->kl", wv, wv)
        xwvw = np.einsum("sap,skab->skpb", x, wvw)  # X_iᵀ W V_k W, (S, K, p, k)
        q += np.einsum("skpb,sbq->kpq", xwvw, x)
        if reml:
            trace_vvc += np.einsum("skab,slba->kl", wv, wv @ (w @ trace_cross)[:, None])
        if order >= 2:
            quad_vv += np.einsum("skab,slba->kl", wv, wv @ (w @ resid_cross)[:, None])
            u += np.einsum("skpb,sb->kp", xwvw, r)
            if not struct.linear:
                d2 = np.moveaxis(struct.d2_sigma_at(psi, idx), 2, 0)  # (S, K, K, k, k)
                wv2 = w[:, None, None] @ d2
                hess_v += 0.5 * (
                    np.einsum("sklaa->kl", wv2) - np.einsum("sklab,sba->kl", wv2, w @ m)
                )
    second = order >= 2
    return informations(
        psi, loglik, beta, vcov, reml, grad, trace_vv, trace_vvc, q,
        hess_v if second else None, quad_vv if second else None, u if second else None,
    )  # fmt: skip
