"""Degrees of freedom and F tests for contrasts of a fitted MMRM or random-effects model.

A :class:`ContrastInference` keeps what a df method needs after the fit, so that any
contrast (effects, marginal means, type III terms, a user's own) gets consistent inference:

``"satterthwaite"``
    :mod:`~lifestyle_trials.models.engine.satterthwaite`; F tests by Fai & Cornelius.
``"kenward-roger"``
    :mod:`~lifestyle_trials.models.engine.kenward_roger`: adjusted covariance ``Φ_A`` and KR df.
``"residual"``
    ``N - p`` for every contrast (SAS ``DDFM=RESIDUAL``).
``"between-within"``
    SAS's ``DDFM=BETWITHIN`` as R's mmrm computes it: a coefficient whose column varies
    within a subject gets ``N - n - p_within`` df, any other ``n - p_between - 1``
    (``n`` subjects; the intercept counts with neither); a contrast gets the smallest df
    of the coefficients it involves.
``"empirical"`` (with ``vcov="empirical"``)
    Bell-McCaffrey df of the sandwich covariance (:mod:`~lifestyle_trials.models.engine.sandwich`);
    F tests combine the df of orthogonalised contrasts as Fai & Cornelius do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg, stats

from ...errors import computed
from .covariance import Structure
from .ftest import (
    f_test_fixed,
    f_test_kenward_roger,
    f_test_satterthwaite,
    full_rank_rows,
)
from .kenward_roger import KenwardRoger, kr_f_test
from .reml import GroupedData
from .sandwich import empirical_df
from .satterthwaite import combine_f_df, satterthwaite_df

__all__ = ["DF_METHODS", "ContrastInference"]

DF_METHODS: tuple[str, ...] = ("satterthwaite", "kenward-roger", "residual", "between-within")
"""Degrees-of-freedom methods accepted by ``df_method``."""


@dataclass(frozen=True)
class ContrastInference:
    """Inference for contrasts ``L β`` of a fit.

    Attributes
    ----------
    method : str
        One of :data:`DF_METHODS`, or ``"empirical"``.
    beta : ndarray
    vcov : ndarray
        Covariance of ``β̂`` used for standard errors (``Φ``, ``Φ_A`` or the sandwich).
    model_vcov : ndarray
        ``Φ``.
    d_vcov : ndarray or None
        ``∂Φ/∂ψ_k`` (Satterthwaite).
    cov_psi : ndarray or None
        Covariance of ``ψ̂`` (Satterthwaite).
    kr : KenwardRoger or None
    coef_df : ndarray or None
        df of each coefficient (residual, between-within).
    data, struct, psi
        The grouped data, structure and parameters (empirical df only).
    """

    method: str
    beta: np.ndarray
    vcov: np.ndarray
    model_vcov: np.ndarray
    d_vcov: np.ndarray | None = None
    cov_psi: np.ndarray | None = None
    kr: KenwardRoger | None = None
    coef_df: np.ndarray | None = None
    data: GroupedData | None = None
    struct: Structure | None = None
    psi: np.ndarray | None = None

    def _satterthwaite_parts(self) -> tuple[np.ndarray, np.ndarray]:
        return (
            computed(self.d_vcov, "the derivative of the coefficient covariance"),
            computed(self.cov_psi, "the covariance of the covariance parameters"),
        )

    def df(self, contrasts: np.ndarray) -> np.ndarray:
        """Degrees of freedom of each row of ``contrasts`` (NaN for a zero row)."""
        lmat = np.atleast_2d(np.asarray(contrasts, dtype=float))
        zero = ~np.any(lmat != 0, axis=1)
        if self.method == "satterthwaite":
            d_vcov, cov_psi = self._satterthwaite_parts()
            out = satterthwaite_df(lmat, self.model_vcov, d_vcov, cov_psi)
        elif self.method == "kenward-roger":
            kr = computed(self.kr, "the Kenward-Roger adjustment")
            out = np.array(
                [
                    np.nan if z else kr_f_test(kr, row[None])[0]
                    for row, z in zip(lmat, zero, strict=True)
                ]
            )
        elif self.method == "empirical":
            data = computed(self.data, "the grouped data")
            struct = computed(self.struct, "the covariance structure")
            psi = computed(self.psi, "the covariance parameters")
            out = empirical_df(data, struct, psi, self.model_vcov, lmat)
        else:
            coef_df = computed(self.coef_df, "the coefficient df")
            involved = np.abs(lmat) > 1e-12 * np.max(np.abs(lmat), axis=1, keepdims=True)
            out = np.where(involved, coef_df[None, :], np.inf).min(axis=1)
        return np.where(zero, np.nan, out)

    def f_test(self, contrasts: np.ndarray) -> tuple[float, int, float, float]:
        """F test of ``L β = 0``: ``(F, num_df, den_df, p_value)``."""
        lmat = np.atleast_2d(np.asarray(contrasts, dtype=float))
        if self.method == "satterthwaite":
            d_vcov, cov_psi = self._satterthwaite_parts()
            return f_test_satterthwaite(lmat, self.beta, self.vcov, d_vcov, cov_psi)
        if self.method == "kenward-roger":
            return f_test_kenward_roger(lmat, self.beta, computed(self.kr, "the KR adjustment"))
        if self.method == "empirical":
            rows = full_rank_rows(lmat)
            middle = rows @ self.vcov @ rows.T
            values, vectors = linalg.eigh(0.5 * (middle + middle.T))
            rotated = vectors.T @ rows
            f = float(np.sum((rotated @ self.beta) ** 2 / values)) / rows.shape[0]
            den = combine_f_df(self.df(rotated))
            q = rows.shape[0]
            return f, q, den, float(stats.f.sf(f, q, den))
        return f_test_fixed(lmat, self.beta, self.vcov, float(np.min(self.df(lmat))))
