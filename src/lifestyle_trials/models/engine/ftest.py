"""Wald F tests of several contrasts at once, and the type III hypothesis of each model term.

``F = (Lβ̂)ᵀ (L Φ Lᵀ)⁻¹ (Lβ̂) / q`` for the ``q`` rows of ``L`` (after dropping linearly
dependent rows), referred to an F distribution with ``q`` and ``ν`` df, ``ν`` from the
df method of the fit: Satterthwaite (Fai & Cornelius 1996), Kenward-Roger (with its scaled
statistic and adjusted ``Φ_A``), or a fixed number (residual, between-within).

Type III hypotheses are built on the reference grid, as R's ``emmeans::joint_tests`` does:
for a term made of factors (diet, exercise, visit, categorical covariates), the interaction
contrasts of the cell means over the factors of the term, averaged with equal weights over
the other factors, with numeric variables at their reference value. For a term with a numeric
variable (``baseline``, ``baseline:visit``, a numeric covariate) the same construction is
applied to the slope of the cell means in that variable. These hypotheses equal SAS's type
III tests and ``car::Anova(type = 3)`` with sum-to-zero contrasts, and do not depend on how
the factors are coded. The ``visit`` and ``baseline`` tests are at the reference values of
the other variables (baseline at its mean), as in emmeans.

References
----------
Searle SR, Speed FM, Milliken GA. Population marginal means in the linear model: an
alternative to least squares means. Am Stat 1980;34:216-21. doi:10.1080/00031305.1980.10483031
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from itertools import product
from typing import Any

import numpy as np
import pandas as pd
from scipy import linalg, stats

from .kenward_roger import KenwardRoger, kr_f_test
from .satterthwaite import combine_f_df, satterthwaite_df

__all__ = [
    "TEST_COLUMNS",
    "f_test_fixed",
    "f_test_kenward_roger",
    "f_test_satterthwaite",
    "full_rank_rows",
    "type3_hypotheses",
]

TEST_COLUMNS: tuple[str, ...] = ("term", "num_df", "den_df", "statistic", "p_value")
"""Columns of a table of F tests (``statistic`` is the F value)."""


def full_rank_rows(contrasts: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """An orthonormal basis (as rows) of the row space of ``contrasts``."""
    lmat = np.atleast_2d(np.asarray(contrasts, dtype=float))
    if lmat.size == 0:
        return lmat
    _, s, vt = linalg.svd(lmat, full_matrices=False)
    keep = s > tol * max(s[0], 1e-300)
    return vt[keep]


def _f_statistic(lmat: np.ndarray, beta: np.ndarray, vcov: np.ndarray) -> float:
    est = lmat @ beta
    middle = lmat @ vcov @ lmat.T
    return float(est @ linalg.solve(middle, est, assume_a="pos")) / lmat.shape[0]


def f_test_fixed(
    contrasts: np.ndarray, beta: np.ndarray, vcov: np.ndarray, den_df: float
) -> tuple[float, int, float, float]:
    """F test with a given denominator df: ``(F, q, den_df, p)``.

    Examples
    --------
    >>> f, q, d, p = f_test_fixed(np.eye(2), np.array([1.0, 1.0]), np.eye(2), 20.0)
    >>> f, q, round(p, 4)
    (1.0, 2, 0.3855)
    """
    lmat = full_rank_rows(contrasts)
    f = _f_statistic(lmat, beta, vcov)
    q = lmat.shape[0]
    return f, q, float(den_df), float(stats.f.sf(f, q, den_df))


def f_test_satterthwaite(
    contrasts: np.ndarray,
    beta: np.ndarray,
    vcov: np.ndarray,
    d_vcov: np.ndarray,
    cov_psi: np.ndarray,
) -> tuple[float, int, float, float]:
    """F test with the Satterthwaite (Fai-Cornelius) denominator df: ``(F, q, ν, p)``.

    ``L Φ Lᵀ = U D Uᵀ``; the rows of ``Uᵀ L`` are uncorrelated contrasts, each with its own
    Satterthwaite df ``ν_m``; ``ν`` combines them (:func:`combine_f_df`).
    """
    lmat = np.atleast_2d(np.asarray(contrasts, dtype=float))
    middle = lmat @ vcov @ lmat.T
    values, vectors = linalg.eigh(0.5 * (middle + middle.T))
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    keep = values > max(np.sqrt(np.finfo(float).eps) * values[0], 0.0)
    rotated = vectors[:, keep].T @ lmat
    f = float(np.sum((rotated @ beta) ** 2 / values[keep])) / rotated.shape[0]
    nu = satterthwaite_df(rotated, vcov, d_vcov, cov_psi)
    den = combine_f_df(nu)
    q = rotated.shape[0]
    return f, q, den, float(stats.f.sf(f, q, den))


def f_test_kenward_roger(
    contrasts: np.ndarray, beta: np.ndarray, kr: KenwardRoger
) -> tuple[float, int, float, float]:
    """Kenward-Roger F test: the Wald statistic with ``Φ_A``, scaled by ``λ``, on ``q`` and
    ``m`` df: ``(λF, q, m, p)``."""
    lmat = full_rank_rows(contrasts)
    f = _f_statistic(lmat, beta, kr.vcov_adjusted)
    den, scale = kr_f_test(kr, lmat)
    q = lmat.shape[0]
    f *= scale
    return f, q, den, float(stats.f.sf(f, q, den))


def _successive_differences(n: int) -> np.ndarray:
    return np.eye(n)[1:] - np.eye(n)[:-1]


def type3_hypotheses(
    grid_variables: Mapping[str, tuple[Any, ...]],
    model_rows: Callable[[pd.DataFrame], np.ndarray],
    terms: Sequence[str],
) -> dict[str, np.ndarray]:
    """The contrast matrix of the type III hypothesis of each term.

    Parameters
    ----------
    grid_variables : mapping
        Variables of the reference grid and their levels (one value for numeric variables).
    model_rows : callable
        Design-matrix rows of a grid (``LinearFit.model_rows``).
    terms : sequence of str
        Model terms, variables joined by ``":"`` (e.g. ``"diet:visit"``).

    Returns
    -------
    dict
        Term → contrast matrix over the coefficients (rows not reduced).
    """
    factors = [name for name, levels in grid_variables.items() if len(levels) > 1]
    numeric = [name for name, levels in grid_variables.items() if len(levels) == 1]
    grid = pd.DataFrame(
        list(product(*(grid_variables[f] for f in factors))) or [()], columns=factors
    )
    for name in numeric:
        grid[name] = grid_variables[name][0]
    rows = model_rows(grid)
    out: dict[str, np.ndarray] = {}
    for term in terms:
        parts = term.split(":")
        if any(p not in grid_variables for p in parts):
            continue
        slopes = [p for p in parts if p in numeric]
        if len(slopes) > 1:
            continue
        if slopes:
            shifted = grid.copy()
            shifted[slopes[0]] = shifted[slopes[0]] + 1.0
            target = model_rows(shifted) - rows
        else:
            target = rows
        weights = np.ones((1, 1))
        for f in factors:
            n_levels = len(grid_variables[f])
            block = (
                _successive_differences(n_levels)
                if f in parts
                else np.full((1, n_levels), 1.0 / n_levels)
            )
            weights = np.kron(weights, block)
        out[term] = weights @ target
    return out
