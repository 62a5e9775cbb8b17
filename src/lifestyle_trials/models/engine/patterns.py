"""Subjects grouped by missingness pattern: the data layout the likelihood engine works on.

Subjects with the same set of observed visits share a :class:`PatternBlock` with its
cross-products ``Σ_i x_ia x_ibᵀ``, ``Σ_i x_ia y_ib`` and ``Σ_i y_ia y_ib`` (``a, b`` visits of
the pattern), computed once with one matrix product (recomputed on demand when they would be
large); :class:`StackedPatterns` lays all patterns side by side so that the likelihood of
every pattern is evaluated with a few array operations. :func:`group_by_pattern` builds the
:class:`GroupedData` of a fit from the long arrays (outcome, model matrix, subject, visit
position, weights).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from ...errors import ModelError, computed

__all__ = [
    "GroupedData",
    "PatternBlock",
    "StackedPatterns",
    "contract",
    "group_by_pattern",
    "residual_cross",
    "stack_patterns",
]

_GRAM_LIMIT = 64e6  # bytes per pattern above which cross-products are recomputed on demand


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


def residual_cross(block: PatternBlock, sxx: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """``Σ_i r_ia r_ib`` from the cross-products."""
    xy = np.tensordot(block.sxy, beta, axes=([1], [0]))  # Σ_i (x_ia·β) y_ib, (k, k)
    xbx = np.tensordot(np.tensordot(sxx, beta, axes=([3], [0])), beta, axes=([1], [0]))
    out = block.syy - xy - xy.T + xbx
    return 0.5 * (out + out.T)
