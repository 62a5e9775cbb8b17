"""Degrees of freedom and F tests for contrasts of a fitted MMRM or random-effects model.

A :class:`ContrastInference` keeps what a df method needs after the fit, so that any
contrast (effects, marginal means, type III terms, a user's own) gets consistent inference:

``"satterthwaite"``
    :mod:`~lifestyle_trials.models.engine.satterthwaite`; F tests by Fai & Cornelius.
``"kenward-roger"``
    :mod:`~lifestyle_trials.models.engine.kenward_roger`: adjusted covariance ``Φ_A`` and KR
    df, with the observed information (SAS ``DDFM=KR``, mmrm ``"Kenward-Roger"``).
``"kenward-roger-linear"``
    The same without the second derivatives of ``Σ`` (SAS ``DDFM=KR(LINEAR)``, mmrm
    ``"Kenward-Roger-Linear"``).
``"kenward-roger-mmrm"``
    The second derivatives of ``Σ`` in R mmrm's working parameters instead of the natural
    ones: mmrm's ``"Kenward-Roger"`` standard errors (the df are the same as SAS's).
``"residual"``
    ``N - p`` for every contrast (SAS ``DDFM=RESIDUAL``).
``"between-within"``
    SAS's ``DDFM=BETWITHIN`` as R's mmrm computes it: a coefficient whose column varies
    within a subject gets ``N - n - p_within`` df, any other ``n - p_between - 1``
    (``n`` subjects; the intercept counts with neither); a contrast gets the smallest df
    of the coefficients it involves.
``"empirical"`` (with ``vcov="empirical"``)
    Bell-McCaffrey df of the sandwich covariance (:mod:`~lifestyle_trials.models.engine.sandwich`);
    an F test of ``L β = 0`` rotates ``L`` as written by the eigenvectors of ``L V_emp Lᵀ``
    and combines the df of the rotated rows as Fai & Cornelius do, as R's mmrm does (the
    rows are not re-orthogonalised first).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg, stats

from ...errors import ModelError, computed
from .covariance import Structure
from .ftest import (
    f_test_fixed,
    f_test_kenward_roger,
    f_test_satterthwaite,
)
from .kenward_roger import KR_DF_METHODS, KenwardRoger, kenward_roger, kr_f_test
from .reml import Evaluation, GroupedData
from .sandwich import empirical_df, empirical_vcov
from .satterthwaite import combine_f_df, parameter_covariance, satterthwaite_df

__all__ = ["DF_METHODS", "VCOV_TYPES", "ContrastInference", "coefficient_df", "contrast_inference"]

VCOV_TYPES: tuple[str, ...] = ("model", "empirical")
"""Covariances of the coefficients: model-based (or Kenward-Roger adjusted) or sandwich."""

DF_METHODS: tuple[str, ...] = (
    "satterthwaite",
    "kenward-roger",
    "kenward-roger-linear",
    "kenward-roger-mmrm",
    "residual",
    "between-within",
)
"""Degrees-of-freedom methods accepted by ``df_method``."""

_KR_METHODS = tuple(KR_DF_METHODS)


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
        elif self.method in _KR_METHODS:
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
        if self.method in _KR_METHODS:
            return f_test_kenward_roger(lmat, self.beta, computed(self.kr, "the KR adjustment"))
        if self.method == "empirical":
            rotated, values = _eigen_rows(lmat, self.vcov)
            f = float(np.sum((rotated @ self.beta) ** 2 / values)) / rotated.shape[0]
            den = combine_f_df(self.df(rotated))
            q = rotated.shape[0]
            return f, q, den, float(stats.f.sf(f, q, den))
        return f_test_fixed(lmat, self.beta, self.vcov, float(np.min(self.df(lmat))))


def _eigen_rows(lmat: np.ndarray, vcov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Uncorrelated contrasts spanning the hypothesis ``L β = 0`` as written: with
    ``L V Lᵀ = U D Uᵀ``, the rows of ``Uᵀ L`` for the eigenvalues above ``sqrt(eps)`` times
    the largest, and those eigenvalues (as R's mmrm rotates a contrast matrix)."""
    middle = lmat @ vcov @ lmat.T
    values, vectors = linalg.eigh(0.5 * (middle + middle.T))
    order = np.argsort(values)[::-1]
    values, vectors = values[order], vectors[:, order]
    keep = values > max(np.sqrt(np.finfo(float).eps) * values[0], 0.0)
    return vectors[:, keep].T @ lmat, values[keep]


def contrast_inference(
    data: GroupedData,
    struct: Structure,
    ev: Evaluation,
    *,
    df_method: str = "satterthwaite",
    vcov: str = "model",
) -> ContrastInference:
    """Inference for contrasts of a fit from the engine's arrays.

    Parameters
    ----------
    data, struct
        What the fit was computed from.
    ev : Evaluation
        The fit at its optimum, with derivatives (``order=2``), as returned by
        :func:`~lifestyle_trials.models.engine.reml.fit_covariance`.
    df_method : str
        One of :data:`DF_METHODS`.
    vcov : {"model", "empirical"}
        With ``"empirical"`` the sandwich covariance, and with ``"satterthwaite"`` its
        Bell-McCaffrey df (R mmrm's ``vcov = "Empirical"``).

    Raises
    ------
    ModelError
        An unknown method, Kenward-Roger with the sandwich, or df that are not defined.

    Examples
    --------
    >>> from lifestyle_trials.models.engine.covariance import structure
    >>> from lifestyle_trials.models.engine.reml import group_by_pattern, fit_covariance
    >>> rng = np.random.default_rng(2)
    >>> y = rng.normal(size=(20, 2)).ravel()
    >>> x = np.kron(np.ones((20, 1)), np.eye(2))
    >>> data = group_by_pattern(y, x, np.repeat(np.arange(20), 2), np.tile([0, 1], 20), 2)
    >>> struct = structure("us", (1.0, 2.0))
    >>> _, ev, _ = fit_covariance(data, struct)
    >>> contrast_inference(data, struct, ev, df_method="residual").df(np.eye(2))
    array([38., 38.])
    """
    if df_method not in DF_METHODS:
        raise ModelError(f"df_method must be one of {', '.join(DF_METHODS)}, not {df_method!r}")
    if vcov not in VCOV_TYPES:
        raise ModelError(f"vcov must be one of {', '.join(VCOV_TYPES)}, not {vcov!r}")
    common: dict = {"beta": ev.beta, "model_vcov": ev.vcov}
    if vcov == "empirical":
        if df_method in _KR_METHODS:
            raise ModelError(
                "Kenward-Roger adjusts the model-based covariance; with vcov='empirical' use "
                "df_method='satterthwaite' (Bell-McCaffrey df), 'residual' or 'between-within'"
            )
        sandwich = empirical_vcov(data, struct, ev.psi, ev.beta, ev.vcov)
        if df_method == "satterthwaite":
            return ContrastInference(
                method="empirical", vcov=sandwich, data=data, struct=struct, psi=ev.psi, **common
            )
        return ContrastInference(
            method=df_method, vcov=sandwich, coef_df=coefficient_df(data, df_method), **common
        )
    if df_method == "satterthwaite":
        cov_psi = parameter_covariance(computed(ev.observed, "the observed information"))
        d_vcov = ev.vcov @ computed(ev.q, "the derivative of the coefficient covariance") @ ev.vcov
        return ContrastInference(
            method=df_method, vcov=ev.vcov, d_vcov=d_vcov, cov_psi=cov_psi, **common
        )
    if df_method in _KR_METHODS:
        kr = kenward_roger(data, struct, ev, **KR_DF_METHODS[df_method])
        return ContrastInference(method=df_method, vcov=kr.vcov_adjusted, kr=kr, **common)
    return ContrastInference(
        method=df_method, vcov=ev.vcov, coef_df=coefficient_df(data, df_method), **common
    )


def coefficient_df(data: GroupedData, df_method: str) -> np.ndarray:
    """Residual (``N - p``) or between-within df of each coefficient.

    Between-within (SAS ``DDFM=BETWITHIN`` as R mmrm computes it): a column that varies
    within a subject gets ``N - n - p_within``, any other ``n - p_between - 1`` (``n``
    subjects; an intercept column of ones counts with neither).

    Raises
    ------
    ModelError
        When the df are not positive.
    """
    p = data.n_coef
    if df_method == "residual":
        return np.full(p, float(data.n_obs - p))
    varies = np.zeros(p, dtype=bool)
    for b in data.blocks:
        if b.x.shape[1] > 1:
            varies |= np.any(b.x.max(axis=1) != b.x.min(axis=1), axis=0)
    intercept = bool(np.all(np.concatenate([b.x[:, :, 0].ravel() for b in data.blocks]) == 1.0))
    between = ~varies
    if intercept:
        between[0] = False
    n_between = int(between.sum())
    n_within = int(varies.sum()) - (1 if intercept and varies[0] else 0)
    df_between = data.n_subjects - n_between - (1 if intercept else 0)
    df_within = data.n_obs - data.n_subjects - n_within
    if df_between <= 0 or df_within <= 0:
        raise ModelError(
            f"between-within degrees of freedom are not positive for these data (between "
            f"{df_between}, within {df_within}); use df_method='satterthwaite'"
        )
    return np.where(between, float(df_between), float(df_within))
