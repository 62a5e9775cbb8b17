"""The likelihood engine of marginal linear models with a covariance over visits (MMRM).

Model: subject ``i`` has outcomes ``y_i`` at the visits ``v_i`` it was seen at, with
``y_i ~ N(X_i β, Σ_i)``, ``Σ_i`` the rows and columns ``v_i`` of the ``T × T`` matrix
``Σ(ψ)`` of a covariance structure (:mod:`lifestyle_trials.models.engine.covariance`), subjects
independent.

Restricted (REML) and ordinary (ML) log-likelihoods, with ``β̂(ψ)`` profiled out
(``N`` observations, ``p`` coefficients, ``A = Σ_i X_iᵀ Σ_i⁻¹ X_i``, ``r_i = y_i - X_i β̂``)::

    ℓ_ML   = -½ [ Σ_i log|Σ_i| + Σ_i r_iᵀ Σ_i⁻¹ r_i + N log 2π ]
    ℓ_REML = -½ [ Σ_i log|Σ_i| + log|A| + Σ_i r_iᵀ Σ_i⁻¹ r_i + (N - p) log 2π ]

(the same constants as R's nlme and SAS PROC MIXED; ``ℓ_REML`` depends on the scaling of the
columns of ``X`` through ``log|A|``, as theirs does).

Subjects are grouped by their *missingness pattern* (the set of visits observed). For each
pattern the engine keeps the cross-products ``Σ_i x_ia x_ibᵀ``, ``Σ_i x_ia y_ib`` and
``Σ_i y_ia y_ib`` over its subjects (``a, b`` visits of the pattern), computed once with one
matrix product. Every later evaluation of the likelihood, its gradient and its exact first
and second derivatives costs ``O(patterns × k² p²)``, independent of the number of subjects,
and no ``N × N`` matrix is ever formed.

Derivatives with respect to the natural covariance parameters ``ψ`` (``V_k = ∂V/∂ψ_k``,
``P = V⁻¹ - V⁻¹X A⁻¹XᵀV⁻¹`` for REML, ``V⁻¹`` for ML; Harville 1977)::

    ∂ℓ/∂ψ_k        = -½ tr(P V_k) + ½ yᵀP V_k P y
    E[-∂²ℓ/∂ψ_k∂ψ_l] = ½ tr(P V_k P V_l)
    -∂²ℓ/∂ψ_k∂ψ_l  = ½ tr(P V_kl) - ½ tr(P V_k P V_l) - ½ yᵀP V_kl P y + yᵀP V_k P V_l P y

The optimiser works on unconstrained parameters ``θ`` (``ψ = ψ(θ)``): Newton steps with the
observed information when it is positive definite, Fisher scoring otherwise, with a
backtracking line search, from starting values built from the least-squares residuals (the
first step from there a Fisher scoring step).

References
----------
Harville DA. Maximum likelihood approaches to variance component estimation and to related
problems. J Am Stat Assoc 1977;72:320-38. doi:10.1080/01621459.1977.10480998
Jennrich RI, Schluchter MD. Unbalanced repeated-measures models with structured covariance
matrices. Biometrics 1986;42:805-20. doi:10.2307/2530695
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import linalg
from scipy.linalg.lapack import dpotrf as _potrf
from scipy.linalg.lapack import dpotrs as _potrs

from ...errors import ConvergenceError, ModelError, computed
from .covariance import Structure
from .subject_times import subject_evaluation, subject_start

__all__ = [
    "Convergence",
    "Evaluation",
    "GroupedData",
    "PatternBlock",
    "contract",
    "evaluate",
    "fit_covariance",
    "group_by_pattern",
    "pattern_pieces",
]

_LOG_2PI = float(np.log(2.0 * np.pi))
_GRAM_LIMIT = 64e6  # bytes per pattern above which cross-products are recomputed on demand
_STACK_LIMIT = 4e6  # values per derivative array above which patterns are evaluated one by one


@dataclass(frozen=True)
class PatternBlock:
    """The subjects that share one missingness pattern.

    Attributes
    ----------
    visits : ndarray of int, shape (k,)
        Positions of the observed visits (0-based, increasing).
    rows : ndarray of int, shape (n, k)
        Row numbers of the observations in the input arrays, one row per subject.
    x : ndarray, shape (n, k, p)
    y : ndarray, shape (n, k)
    sxx : ndarray, shape (k, p, k, p) or None
        ``Σ_i x_ia x_ibᵀ`` over the subjects (None when recomputed on demand).
    sxy : ndarray, shape (k, p, k)
    syy : ndarray, shape (k, k)
    """

    visits: np.ndarray
    rows: np.ndarray
    x: np.ndarray
    y: np.ndarray
    sxx: np.ndarray | None
    sxy: np.ndarray
    syy: np.ndarray

    @property
    def n(self) -> int:
        """Number of subjects."""
        return int(self.y.shape[0])

    def cross_xx(self) -> np.ndarray:
        """``Σ_i x_ia x_ibᵀ``, shape (k, p, k, p)."""
        if self.sxx is not None:
            return self.sxx
        n, k, p = self.x.shape
        flat = self.x.reshape(n, k * p)
        return (flat.T @ flat).reshape(k, p, k, p)

    def flat_xx(self) -> np.ndarray:
        """``Σ_i x_ia x_ibᵀ`` as a ``(k², p²)`` matrix (row ``a k + b``, column
        ``i p + j``), so that ``Σ_ab w_ab S_ab`` is one matrix product."""
        if self.sxx is not None:
            return self._flat_xx
        k, p = self.visits.size, self.x.shape[2]
        return self.cross_xx().transpose(0, 2, 1, 3).reshape(k * k, p * p)

    @cached_property
    def _flat_xx(self) -> np.ndarray:
        k, p = self.visits.size, self.x.shape[2]
        return np.ascontiguousarray(
            computed(self.sxx, "the cross-products").transpose(0, 2, 1, 3).reshape(k * k, p * p)
        )

    @cached_property
    def flat_xy(self) -> np.ndarray:
        """``Σ_i x_ia y_ib`` as a ``(k², p)`` matrix (row ``a k + b``)."""
        k, p = self.visits.size, self.x.shape[2]
        return np.ascontiguousarray(self.sxy.transpose(0, 2, 1).reshape(k * k, p))


@dataclass(frozen=True)
class GroupedData:
    """Observations grouped by missingness pattern (see :func:`group_by_pattern`).

    Attributes
    ----------
    blocks : tuple of PatternBlock
    n_visits : int
    n_coef : int
    n_obs : int
    n_subjects : int
    subject_index : ndarray of int, shape (n_obs,)
        Subject number (0-based, in order of first appearance) of every input row.
    log_weight_sum : float
        ``Σ log w`` over the observations (0 without weights): the log-likelihood of the
        weighted model is that of the rescaled data plus ``½ Σ log w``.
    root_weights : ndarray or None, shape (n_obs,)
        ``√w`` of every input row (None without weights), to rescale new outcomes.
    """

    blocks: tuple[PatternBlock, ...]
    n_visits: int
    n_coef: int
    n_obs: int
    n_subjects: int
    subject_index: np.ndarray
    log_weight_sum: float = 0.0
    root_weights: np.ndarray | None = None

    @cached_property
    def stacked(self) -> StackedPatterns | None:
        """The patterns' cross-products in one array (see :class:`StackedPatterns`); None
        when they would take more than the memory allowed for cross-products."""
        return stack_patterns(self.blocks, self.n_coef)


def group_by_pattern(
    y: np.ndarray,
    x: np.ndarray,
    subject: np.ndarray,
    visit: np.ndarray,
    n_visits: int,
    *,
    weights: np.ndarray | None = None,
) -> GroupedData:
    """Group observations by subject and missingness pattern.

    Rows may come in any order: each is placed by its subject and visit position, so the
    result does not depend on the order of the input.

    With observation weights ``w`` the covariance of subject ``i`` is
    ``W_i^{-1/2} Σ_i W_i^{-1/2}`` (``W_i = diag(w_i)``; R mmrm's ``weights``, SAS's
    ``WEIGHT``): the rows of ``y`` and ``X`` are multiplied by ``√w``, which gives them
    covariance ``Σ_i``, and the log-likelihood gains ``½ Σ log w``
    (:attr:`GroupedData.log_weight_sum`). Every later computation (likelihood, derivatives,
    df, sandwich) then applies to the weighted model unchanged.

    Parameters
    ----------
    y : ndarray, shape (N,)
    x : ndarray, shape (N, p)
        Fixed-effects design matrix.
    subject : array-like, shape (N,)
        Subject identifiers (any hashable values).
    visit : ndarray of int, shape (N,)
        Position of each row's visit among the ``n_visits`` analysed visits (0-based).
    n_visits : int
    weights : ndarray, shape (N,), optional
        Positive observation weights.

    Raises
    ------
    ModelError
        Non-finite values, a visit position out of range or not an integer, a subject
        with two rows at the same visit, or weights that are not positive and finite.

    Examples
    --------
    >>> y = np.array([1.0, 2.0, 3.0]); x = np.ones((3, 1))
    >>> data = group_by_pattern(y, x, np.array(["a", "a", "b"]), np.array([1, 0, 1]), 2)
    >>> [(b.visits.tolist(), b.n) for b in data.blocks]
    [([1], 1), ([0, 1], 1)]
    """
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or y.ndim != 1 or x.shape[0] != y.shape[0]:
        raise ModelError("y must have one value per row of x")
    n_obs, n_coef = x.shape
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(x))):
        raise ModelError("the outcome and the design matrix must be finite (no NaN or inf)")
    log_weight_sum = 0.0
    root = None
    if weights is not None:
        w = np.asarray(weights, dtype=float)
        if w.shape != (n_obs,) or not np.all(np.isfinite(w) & (w > 0)):
            raise ModelError("weights must be positive and finite, one per row")
        root = np.sqrt(w)
        y = y * root
        x = x * root[:, None]
        log_weight_sum = float(np.sum(np.log(w)))
    visit_raw = np.asarray(visit)
    if visit_raw.shape != (n_obs,) or not np.all(np.mod(visit_raw, 1) == 0):
        raise ModelError("visit positions must be integers, one per row")
    vis = visit_raw.astype(np.int64)
    if vis.size and (vis.min() < 0 or vis.max() >= n_visits):
        raise ModelError(f"visit positions must lie in 0..{n_visits - 1}")
    # subjects numbered in order of first appearance (hash-based, fast for text ids)
    subj, _ = pd.factorize(np.asarray(subject, dtype=object), use_na_sentinel=False)
    subj = subj.astype(np.int64)
    n_subjects = int(subj.max() + 1) if subj.size else 0

    if n_visits <= 62:
        key = subj * n_visits + vis
        counts = np.bincount(key, minlength=n_subjects * n_visits)
        dup = np.flatnonzero(counts > 1)[:5] // n_visits
        observed = np.zeros((n_subjects, n_visits), dtype=bool)
        observed[subj, vis] = True
        code = observed.astype(np.int64) @ (np.int64(1) << np.arange(n_visits, dtype=np.int64))
    else:  # many visits (subject-specific times): patterns numbered by their visit tuples
        code, dup = _tuple_patterns(subj, vis, n_subjects)
    if dup.size:
        raise ModelError(
            "a subject has more than one row at the same visit "
            f"(subject number(s) {', '.join(str(d) for d in dup)}); "
            "keep one value per subject and visit"
        )
    per_subject = np.bincount(subj, minlength=n_subjects)
    order = np.lexsort((vis, subj, code[subj]))
    sorted_code = code[subj[order]]
    starts = np.flatnonzero(np.r_[True, sorted_code[1:] != sorted_code[:-1]])
    ends = np.r_[starts[1:], n_obs]

    blocks = []
    for start, end in zip(starts, ends, strict=True):
        k = int(per_subject[subj[order[start]]])
        visits = vis[order[start : start + k]]
        rows = order[start:end].reshape(-1, k)
        xb = x[rows]
        yb = y[rows]
        n = rows.shape[0]
        flat = xb.reshape(n, k * n_coef)
        gram_bytes = 8.0 * (k * n_coef) ** 2
        keep = gram_bytes <= _GRAM_LIMIT and n >= k * n_coef // 4
        sxx = (flat.T @ flat).reshape(k, n_coef, k, n_coef) if keep else None
        sxy = (flat.T @ yb).reshape(k, n_coef, k)
        blocks.append(
            PatternBlock(visits=visits, rows=rows, x=xb, y=yb, sxx=sxx, sxy=sxy, syy=yb.T @ yb)
        )
    return GroupedData(
        blocks=tuple(blocks),
        n_visits=n_visits,
        n_coef=n_coef,
        n_obs=n_obs,
        n_subjects=n_subjects,
        subject_index=subj,
        log_weight_sum=log_weight_sum,
        root_weights=root,
    )


def _tuple_patterns(
    subj: np.ndarray, vis: np.ndarray, n_subjects: int
) -> tuple[np.ndarray, np.ndarray]:
    """Pattern number of each subject (patterns ordered by size, then by their visit
    positions) and the subjects with two rows at one visit (at most 5), without a
    subjects × visits table."""
    order = np.lexsort((vis, subj))
    s, v = subj[order], vis[order]
    repeated = (s[1:] == s[:-1]) & (v[1:] == v[:-1])
    dup = np.unique(s[1:][repeated])[:5]
    sizes = np.bincount(subj, minlength=n_subjects)
    first = np.r_[0, np.cumsum(sizes)[:-1]]
    code = np.zeros(n_subjects, dtype=np.int64)
    offset = 0
    for k in np.unique(sizes[sizes > 0]):
        who = np.flatnonzero(sizes == k)
        tuples = v[first[who][:, None] + np.arange(k)[None, :]]
        _, rank = np.unique(tuples, axis=0, return_inverse=True)
        code[who] = offset + rank.ravel()
        offset += int(rank.max()) + 1
    return code, dup


def contract(weights: np.ndarray, cross: np.ndarray) -> np.ndarray:
    """``Σ_ab w_ab S[a, :, b, ...]``: weights of shape ``(..., k, k)`` against
    cross-products of shape ``(k, p, k, ...)``."""
    return np.tensordot(weights, cross, axes=([-2, -1], [0, 2]))


@dataclass(frozen=True)
class StackedPatterns:
    """Every pattern's cross-products in one array, so that an evaluation of the likelihood
    costs a few array operations whatever the number of patterns.

    Pattern ``j`` with ``k_j`` visits fills the top-left ``k_j × k_j`` corner of a
    ``kmax × kmax`` square (``kmax`` the largest ``k_j``); its rows of the stacked
    cross-products are ``(a, b)`` for ``a, b < k_j``, and ``flat`` locates each row in the
    squares raveled (``j kmax² + a kmax + b``).

    Attributes
    ----------
    visits : ndarray of int, shape (m, kmax)
        Visit positions of each pattern (padded with 0).
    mask : ndarray of bool, shape (m, kmax, kmax)
        True where both visits are observed.
    n : ndarray, shape (m,)
        Subjects per pattern.
    flat : ndarray of int, shape (R,)
        Position of each stacked row in the ``(m, kmax, kmax)`` squares raveled.
    xx : ndarray, shape (R, p²)
        ``Σ_i x_ia x_ibᵀ`` (raveled) of every pattern and pair of its visits.
    xy : ndarray, shape (R, p)
        ``Σ_i x_ia y_ib``.
    yy : ndarray, shape (R,)
        ``Σ_i y_ia y_ib``.
    """

    visits: np.ndarray
    mask: np.ndarray
    n: np.ndarray
    flat: np.ndarray
    xx: np.ndarray
    xy: np.ndarray
    yy: np.ndarray

    @property
    def kmax(self) -> int:
        """Largest number of visits of a pattern."""
        return int(self.visits.shape[1])

    def square(self, rows: np.ndarray) -> np.ndarray:
        """Values of the stacked rows (leading axis) as ``(m, kmax, kmax)`` squares, zero
        outside each pattern."""
        m, kmax = self.visits.shape
        out = np.zeros((m * kmax * kmax, *rows.shape[1:]))
        out[self.flat] = rows
        return out.reshape(m, kmax, kmax, *rows.shape[1:])

    def residual_cross(self, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``Σ_i r_ia r_ib`` as (m, kmax, kmax) squares and ``Σ_i x_ia r_ib`` as stacked
        rows (R, p), for the residuals ``r = y - Xβ``."""
        p = beta.size
        xb = self.xx.reshape(-1, p, p) @ beta  # Σ_i x_ia (x_ib·β), (R, p)
        xy = self.square(self.xy @ beta)  # Σ_i (x_ia·β) y_ib
        cross = self.square(self.yy) - xy - xy.transpose(0, 2, 1) + self.square(xb @ beta)
        return 0.5 * (cross + cross.transpose(0, 2, 1)), self.xy - xb


def stack_patterns(blocks: tuple[PatternBlock, ...], n_coef: int) -> StackedPatterns | None:
    """The cross-products of ``blocks`` stacked (see :class:`StackedPatterns`); None without
    patterns or when they would take more than the memory allowed per pattern for
    cross-products."""
    if not blocks:
        return None
    sizes = [b.visits.size for b in blocks]
    if 8.0 * sum(k * k for k in sizes) * n_coef * n_coef > _GRAM_LIMIT:
        return None
    m, kmax = len(blocks), max(sizes)
    visits = np.zeros((m, kmax), dtype=np.int64)
    observed = np.zeros((m, kmax), dtype=bool)
    flat = []
    for j, (b, k) in enumerate(zip(blocks, sizes, strict=True)):
        visits[j, :k] = b.visits
        observed[j, :k] = True
        a, c = np.divmod(np.arange(k * k), k)
        flat.append(j * kmax * kmax + a * kmax + c)
    return StackedPatterns(
        visits=visits,
        mask=observed[:, :, None] & observed[:, None, :],
        n=np.array([b.n for b in blocks], dtype=float),
        flat=np.concatenate(flat),
        xx=np.concatenate(
            [
                b.cross_xx().transpose(0, 2, 1, 3).reshape(k * k, -1)
                for b, k in zip(blocks, sizes, strict=True)
            ]
        ),
        xy=np.concatenate([b.flat_xy for b in blocks]),
        yy=np.concatenate([b.syy.ravel() for b in blocks]),
    )


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
        fields = subject_evaluation(data, struct, psi, reml=reml, order=order)
        return None if fields is None else Evaluation(**fields)
    stacked = data.stacked
    k_par = psi.size
    if stacked is not None:
        width = k_par * (1 if struct.linear or order < 2 else k_par)
        if stacked.n.size * width * stacked.kmax**2 <= _STACK_LIMIT:
            return _evaluate_stacked(data, stacked, struct, psi, reml, order)
    return _evaluate_blocks(data, struct, psi, reml, order)


def _profiled(
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
    got = _profiled(data, a, c, float(w_rows @ st.yy), logdet_v, reml)
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
    return _finish(psi, loglik, beta, vcov, reml, grad, trace_vv, trace_vvc, q, hess_v, quad_vv, u)


def _finish(
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
    """The informations from the sums over patterns: ``tr(V⁻¹V_k V⁻¹V_l)``,
    ``tr(A⁻¹ XᵀV⁻¹V_k V⁻¹V_l V⁻¹X)``, ``Q_k``, and for the observed information the
    ``V_kl`` terms, ``r̃ᵀV_k V⁻¹ V_l r̃`` and ``XᵀV⁻¹V_k V⁻¹ r``."""
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
    profiled = _profiled(data, a, c, ywy, logdet_v, reml)
    if profiled is None:
        return None
    loglik, beta, vcov = profiled
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
    return _finish(psi, loglik, beta, vcov, reml, grad, trace_vv, trace_vvc, q, hess_v, quad_vv, u)


def _residual_cross(block: PatternBlock, sxx: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """``Σ_i r_ia r_ib`` from the cross-products."""
    xy = np.tensordot(block.sxy, beta, axes=([1], [0]))  # Σ_i (x_ia·β) y_ib, (k, k)
    xbx = np.tensordot(np.tensordot(sxx, beta, axes=([3], [0])), beta, axes=([1], [0]))
    out = block.syy - xy - xy.T + xbx
    return 0.5 * (out + out.T)


@dataclass(frozen=True)
class Convergence:
    """How the optimiser ended.

    Attributes
    ----------
    converged : bool
    iterations : int
    gradient_norm : float
        Largest absolute derivative of the log-likelihood with respect to the working
        parameters at the end.
    decrement : float
        ``gᵀ H⁻¹ g`` at the end: twice the log-likelihood still to gain by a Newton step.
    message : str
    """

    converged: bool
    iterations: int
    gradient_norm: float
    decrement: float
    message: str


def fit_covariance(
    data: GroupedData,
    struct: Structure,
    *,
    reml: bool = True,
    theta0: np.ndarray | None = None,
    max_iter: int = 200,
    tol: float = 1e-11,
) -> tuple[np.ndarray, Evaluation, Convergence]:
    """Maximise the (restricted) likelihood over the covariance parameters.

    Parameters
    ----------
    data : GroupedData
    struct : Structure
    reml : bool, default True
        REML (True) or ML (False).
    theta0 : ndarray, optional
        Starting working parameters (default: from the least-squares residuals).
    max_iter : int, default 200
    tol : float, default 1e-11
        Convergence when the Newton decrement ``gᵀH⁻¹g`` (twice the predicted gain in
        log-likelihood) falls below ``tol``.

    Returns
    -------
    theta : ndarray
        Working parameters at the optimum.
    evaluation : Evaluation
        Likelihood and derivatives (order 2) at the optimum.
    convergence : Convergence

    Raises
    ------
    ConvergenceError
        When no positive definite starting point is found or the optimiser fails; the
        message says what to try.
    """
    theta = start_values(data, struct) if theta0 is None else np.asarray(theta0, dtype=float)
    current = _evaluate_theta(data, struct, theta, reml)
    if current is None:
        raise ConvergenceError(
            f"the {struct.description} covariance model cannot be evaluated at its starting "
            f"values; {struct.simpler_hint()}"
        )
    message = "iteration limit reached"
    converged = False
    decrement = np.inf
    grad_theta = np.zeros_like(theta)
    iterations = 0
    # Cheap steps first (no curvature of ψ(θ)); with the exact Hessian in θ from the first
    # step whose line search fails (a fit heading for the boundary of the parameter space).
    # From the least-squares start, which is far from the optimum, the first step is a
    # Fisher scoring step (the expected information), which saves about one Newton step
    # there; a warm start is close to the optimum and takes Newton steps only.
    exact = False
    scoring = theta0 is None
    for iterations in range(1, max_iter + 1):
        ev, jac = current
        grad_theta, hess_theta = _theta_derivatives(
            data, struct, theta, ev, jac, reml, curvature=exact
        )
        if scoring and iterations == 1:
            hess_theta = None
        direction = _ascent_direction(grad_theta, hess_theta, jac.T @ ev.expected @ jac)
        decrement = float(grad_theta @ direction)
        if decrement < tol:
            # one last Newton step, within rounding error of the optimum
            trial = theta + direction
            got = _evaluate_theta(data, struct, trial, reml)
            if got is not None and got[0].loglik >= ev.loglik - 1e-12 * max(1.0, abs(ev.loglik)):
                theta, current = trial, got
            converged, message = True, "converged"
            break
        step = 1.0
        improved = False
        # Near the optimum the predicted gain is below the rounding error of the
        # log-likelihood, which then cannot confirm an ascent: take the Newton step and let
        # the decrement (from exact derivatives) decide convergence.
        quadratic = decrement < 1e-9 * max(1.0, abs(ev.loglik))
        while step > 1e-10:
            trial = theta + step * direction
            got = _evaluate_theta(data, struct, trial, reml)
            if got is not None and (
                quadratic or got[0].loglik >= ev.loglik + 1e-4 * step * decrement
            ):
                theta, current, improved = trial, got, True
                break
            step *= 0.5
        if not improved and not exact:
            exact = True
            continue
        if not improved:
            # no ascent along the direction: the log-likelihood is flat to rounding error
            converged = decrement < 1e-9 * max(1.0, abs(ev.loglik))
            message = "converged (flat to rounding error)" if converged else "line search failed"
            break
    ev, jac = current
    final = ev  # evaluated with order=2 at theta
    if not converged and not struct.local:
        values = np.linalg.eigvalsh(struct.sigma(ev.psi))
        if values[0] <= 1e-10 * values[-1]:
            message = (
                f"{message}: the covariance matrix is singular, some combination of visits "
                "has no residual variance"
            )
    grad_theta = jac.T @ final.gradient if final.gradient is not None else grad_theta
    info = Convergence(
        converged=converged,
        iterations=iterations,
        gradient_norm=float(np.max(np.abs(grad_theta))) if grad_theta.size else 0.0,
        decrement=float(max(decrement, 0.0)),
        message=message,
    )
    return theta, final, info


def _evaluate_theta(
    data: GroupedData, struct: Structure, theta: np.ndarray, reml: bool
) -> tuple[Evaluation, np.ndarray] | None:
    if not np.all(np.isfinite(theta)):
        return None
    # Far out in the working parameters a variance underflows to zero or a correlation
    # reaches ±1: such a point is outside the parameter space, not an error.
    with np.errstate(invalid="ignore", divide="ignore", over="ignore", under="ignore"):
        psi = struct.psi(theta)
        ev = evaluate(data, struct, psi, reml=reml, order=2)
        jac = struct.jacobian(theta)
    if ev is None or not _finite(ev) or not np.all(np.isfinite(jac)):
        return None
    return ev, jac


def _finite(ev: Evaluation) -> bool:
    parts = (ev.loglik, ev.gradient, ev.observed, ev.expected)
    return all(part is None or bool(np.all(np.isfinite(part))) for part in parts)


def _theta_derivatives(
    data: GroupedData,
    struct: Structure,
    theta: np.ndarray,
    ev: Evaluation,
    jac: np.ndarray,
    reml: bool,
    curvature: bool = True,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Gradient and observed information with respect to θ by the chain rule: ``Jᵀ ∂ℓ/∂ψ``
    and ``Jᵀ I_O J - Σ_k ∂ℓ/∂ψ_k ∂²ψ_k/∂θ∂θᵀ`` (``J = ∂ψ/∂θ``; the curvature of ``ψ(θ)``
    from central differences of the exact Jacobian). With ``curvature=False`` the last term,
    which vanishes with the gradient, is left out: the cheap steps of an interior fit."""
    gradient = computed(ev.gradient, "the gradient")
    grad = jac.T @ gradient
    info = jac.T @ computed(ev.observed, "the observed information") @ jac
    if not curvature:
        return grad, 0.5 * (info + info.T)
    h = 1e-5 * (1.0 + np.abs(theta))
    bend = np.zeros_like(info)
    for j in range(theta.size):
        step = np.zeros_like(theta)
        step[j] = h[j]
        d_jac = (struct.jacobian(theta + step) - struct.jacobian(theta - step)) / (2 * h[j])
        bend[:, j] = gradient @ d_jac
    info = info - 0.5 * (bend + bend.T)
    return grad, info


def _ascent_direction(
    grad: np.ndarray, observed: np.ndarray | None, expected: np.ndarray
) -> np.ndarray:
    """Newton direction with the observed information when positive definite, else Fisher
    scoring, else a damped version of the latter."""
    for matrix in (observed, expected):
        if matrix is None:
            continue
        chol, info = _potrf(matrix, lower=1, clean=1)
        if info == 0:
            return _potrs(chol, grad, lower=1)[0]
    scale = float(np.max(np.abs(np.diag(expected)))) if expected.size else 1.0
    damping = 1e-8 * max(scale, 1e-300)
    eye = np.eye(grad.size)
    while True:
        try:
            chol = linalg.cho_factor(expected + damping * eye, lower=True)
            return linalg.cho_solve(chol, grad)
        except linalg.LinAlgError:
            damping *= 100.0


def start_values(data: GroupedData, struct: Structure) -> np.ndarray:
    """Starting working parameters from the covariance of the least-squares residuals
    (pairwise over the subjects observed at both visits)."""
    if struct.local:  # no T × T matrix: each subject's residuals
        return subject_start(data, struct)
    t, p = data.n_visits, data.n_coef
    st = data.stacked
    if st is not None:
        return struct.start(_stacked_start_covariance(st, t, p))
    xtx = np.zeros((p, p))
    xty = np.zeros(p)
    for b in data.blocks:
        eye = np.eye(b.visits.size)
        xtx += contract(eye, b.cross_xx())
        xty += contract(eye, b.sxy)
    beta = linalg.lstsq(xtx, xty)[0]
    total = np.zeros((t, t))
    count = np.zeros((t, t))
    for b in data.blocks:
        idx = np.ix_(b.visits, b.visits)
        total[idx] += _residual_cross(b, b.cross_xx(), beta)
        count[idx] += b.n
    return struct.start(_pairwise_covariance(total, count))


def _stacked_start_covariance(st: StackedPatterns, t: int, p: int) -> np.ndarray:
    """:func:`start_values`' covariance of the least-squares residuals from the stacked
    cross-products."""
    kmax = st.kmax
    local = st.flat % (kmax * kmax)
    same = local // kmax == local % kmax  # the rows Σ_i x_ia x_iaᵀ
    xtx = st.xx[same].sum(axis=0).reshape(p, p)
    xty = st.xy[same].sum(axis=0)
    beta = linalg.lstsq(xtx, xty)[0]
    cross, _ = st.residual_cross(beta)
    rows = np.broadcast_to(st.visits[:, :, None], st.mask.shape)
    cols = np.broadcast_to(st.visits[:, None, :], st.mask.shape)
    total = np.zeros((t, t))
    count = np.zeros((t, t))
    np.add.at(total, (rows[st.mask], cols[st.mask]), cross[st.mask])
    np.add.at(count, (rows[st.mask], cols[st.mask]), (st.n[:, None, None] * st.mask)[st.mask])
    return _pairwise_covariance(total, count)


def _pairwise_covariance(total: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Sums of residual products over counts of subjects, NaN where no subject has both
    visits, the diagonal filled where a variance is missing or not positive."""
    t = total.shape[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        s = total / count
    s = np.where(count > 0, s, np.nan)
    diag = np.diag(s).copy()
    if not np.all(np.isfinite(diag) & (diag > 0)):
        fallback = np.nanmean(diag[np.isfinite(diag) & (diag > 0)]) if np.any(diag > 0) else 1.0
        diag = np.where(np.isfinite(diag) & (diag > 0), diag, fallback)
        s[np.diag_indices(t)] = diag
    return s
