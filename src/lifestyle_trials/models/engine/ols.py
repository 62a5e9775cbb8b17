"""Closed-form least squares by QR decomposition, with the quantities inference needs.

``[X y] = Q R`` (Householder QR, numpy/LAPACK) gives the coefficients ``b = R_XX^{-1} r_Xy``,
the residual sum of squares ``r_yy^2`` and ``(X'X)^{-1} = R_XX^{-1} R_XX^{-T}`` without forming
``X'X``. The triangular factor of ``[X y]`` also gives the residual sum of squares of any model
on a subset of the columns (``||r_y - R_S b_S||^2``), so the nested models of type II tests
cost no further pass over the data.

Covariance of the coefficients: ``"classical"`` ``s^2 (X'X)^{-1}`` with ``s^2 = RSS / (n - p)``;
``"HC3"`` (MacKinnon & White 1985) ``(X'X)^{-1} X' diag(e_i^2 / (1 - h_i)^2) X (X'X)^{-1}``,
where ``h_i`` are the leverages — R's ``sandwich::vcovHC(fit, type = "HC3")``.

References
----------
MacKinnon JG, White H. Some heteroskedasticity-consistent covariance matrix estimators with
improved finite sample properties. J Econom 1985;29:305-25. doi:10.1016/0304-4076(85)90158-7
Long JS, Ervin LH. Using heteroscedasticity consistent standard errors in the linear regression
model. Am Stat 2000;54:217-24. doi:10.1080/00031305.2000.10474549
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import linalg

from ...errors import ModelError, computed

__all__ = ["VCOV_TYPES", "LeastSquares", "least_squares", "subset_rss"]

VCOV_TYPES: tuple[str, ...] = ("classical", "HC3")

_RANK_TOL = 1e-7
"""A column whose QR diagonal is below this fraction of its norm is taken as collinear with
the columns before it (R's ``lm`` uses the same tolerance in its pivoted QR)."""


@dataclass(frozen=True, eq=False)
class LeastSquares:
    """An ordinary least-squares fit.

    Attributes
    ----------
    coef : ndarray (p,)
    vcov : ndarray (p, p)
        Covariance of ``coef`` of the kind asked for.
    rss : float
        Residual sum of squares.
    n : int
    df_resid : int
        ``n - p``.
    r_factor : ndarray (p + 1, p + 1)
        Upper-triangular factor of ``[X y]``; see :func:`subset_rss`.
    vcov_type : str
    """

    coef: np.ndarray
    vcov: np.ndarray
    rss: float
    n: int
    df_resid: int
    r_factor: np.ndarray
    vcov_type: str

    @property
    def sigma2(self) -> float:
        """Residual variance ``RSS / (n - p)``."""
        return self.rss / self.df_resid

    @property
    def classical_vcov(self) -> np.ndarray:
        """``s^2 (X'X)^{-1}`` whatever ``vcov_type``."""
        r = self.r_factor[:-1, :-1]
        r_inv = linalg.solve_triangular(r, np.eye(len(r)))
        return self.sigma2 * (r_inv @ r_inv.T)


def least_squares(
    X: np.ndarray, y: np.ndarray, names: Sequence[str], *, vcov_type: str = "classical"
) -> LeastSquares:
    """Fit ``y = X b + e`` by QR.

    Parameters
    ----------
    X : array (n, p)
    y : array (n,)
    names : sequence of str
        Column names, for the message when a column is collinear with the others.
    vcov_type : {"classical", "HC3"}

    Raises
    ------
    ModelError
        Infinite or missing values; fewer observations than coefficients; a column that is
        (nearly) a linear combination of the columns before it; an exact fit (zero residual
        variance).

    Examples
    --------
    >>> X = np.column_stack([np.ones(5), np.arange(5.0)])
    >>> fit = least_squares(X, np.array([1.0, 3.1, 4.9, 7.2, 8.8]), ["a", "b"])
    >>> np.round(fit.coef, 4), fit.df_resid
    (array([1.06, 1.97]), 3)
    """
    if vcov_type not in VCOV_TYPES:
        raise ModelError(f"unknown vcov {vcov_type!r}; use one of {', '.join(VCOV_TYPES)}")
    n, p = X.shape
    _check_finite(X, y, names)
    if n <= p:
        raise ModelError(
            f"{n} observations for a model with {p} coefficients ({', '.join(names)}); "
            f"at least {p + 1} are needed to estimate the residual variance. Use fewer "
            "covariates or a simpler estimand"
        )
    augmented = np.column_stack([X, y])
    q: np.ndarray | None = None
    if vcov_type == "HC3":
        q, r = np.linalg.qr(augmented, mode="reduced")
    else:
        r = np.asarray(np.linalg.qr(augmented, mode="r"))
    _check_rank(r[:, :-1], augmented[:, :-1], names)
    coef = linalg.solve_triangular(r[:p, :p], r[:p, p])
    rss = float(r[p, p] ** 2)
    tss = float(np.sum((y - y.mean()) ** 2))
    if rss <= 1e-20 * tss or np.ptp(y) == 0:
        raise ModelError(
            "the model fits the outcome exactly (zero residual variance): standard errors "
            "cannot be estimated. Check that the outcome is not a copy or a function of the "
            "baseline or a covariate"
        )
    df_resid = n - p
    r_inv = linalg.solve_triangular(r[:p, :p], np.eye(p))
    unscaled = r_inv @ r_inv.T
    if vcov_type == "classical":
        vcov = rss / df_resid * unscaled
    else:
        qx = computed(q, "the Q factor")[:, :p]
        leverage = np.einsum("ij,ij->i", qx, qx)
        resid = y - X @ coef
        if np.any(leverage >= 1.0 - 1e-10):
            raise ModelError(
                "HC3 standard errors need every observation's leverage below 1; an observation "
                "alone in its cell of the design has leverage 1. Use vcov='classical'"
            )
        omega = (resid / (1.0 - leverage)) ** 2
        bread = X @ unscaled
        vcov = bread.T @ (omega[:, None] * bread)
    return LeastSquares(
        coef=coef,
        vcov=vcov,
        rss=rss,
        n=n,
        df_resid=df_resid,
        r_factor=r,
        vcov_type=vcov_type,
    )


def _check_finite(X: np.ndarray, y: np.ndarray, names: Sequence[str]) -> None:
    """Refuse infinite or missing values, naming the term (or the outcome) and the rows."""
    for values, name in [*((X[:, j], names[j]) for j in range(X.shape[1])), (y, "the outcome")]:
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            shown = ", ".join(str(i) for i in bad[:10]) + (" ..." if bad.size > 10 else "")
            raise ModelError(
                f"{name}: {bad.size} value(s) that are infinite or missing (NaN) in the model's "
                f"rows (positions {shown}); correct them, or set them to NaN before the "
                "analysis set is built so that they are counted as missing"
            )


def _check_rank(r: np.ndarray, X: np.ndarray, names: Sequence[str]) -> None:
    norms = np.sqrt(np.einsum("ij,ij->j", X, X))
    diag = np.abs(np.diag(r))
    bad = np.flatnonzero((norms == 0) | (diag < _RANK_TOL * norms))
    if bad.size:
        which = names[int(bad[0])]
        raise ModelError(
            f"the model term {which!r} is constant or a linear combination of the terms before "
            "it in these data (e.g. a covariate with one value, or a baseline that is constant), "
            "so its coefficient cannot be estimated. Drop it from the model"
        )


def subset_rss(r_factor: np.ndarray, columns: Sequence[int] | np.ndarray) -> float:
    """Residual sum of squares of the model on a subset of the columns of ``X``.

    ``r_factor`` is the triangular factor of ``[X y]`` from :class:`LeastSquares`; the
    residual of the sub-model lies in the span of ``[X y]``, where ``Q`` preserves norms.
    """
    cols = list(columns)
    y = r_factor[:, -1]
    if not cols:
        return float(y @ y)
    sub = r_factor[:, cols]
    coef, *_ = np.linalg.lstsq(sub, y, rcond=None)
    resid = y - sub @ coef
    return float(resid @ resid)
