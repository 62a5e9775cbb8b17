"""R mmrm's working parameters of each covariance structure, for its Kenward-Roger variant.

The Kenward-Roger adjusted covariance (:mod:`.kenward_roger`) has a term in the second
derivatives of ``Σ``, ``-¼ Σ_ij W_ij R_ij``, which depends on the parameters ``Σ`` is
differentiated in. SAS (``DDFM=KR``) and this package differentiate in the natural
parameters ``ψ`` (variances, covariances, correlations); R's mmrm differentiates in its own
unconstrained working parameters ``θ`` (Kenward & Roger 1997 leave the choice open). With
``ψ = ψ(θ)``, ``J = ∂ψ/∂θ`` and ``H_k = ∂²ψ_k/∂θ∂θᵀ``, the chain rule gives::

    Σ_ab W^θ_ab R^θ_ab = Σ_ij W_ij R_ij + Σ_k c_k M_k,
    c_k = tr(W^θ H_k),  W^θ = J⁻¹ W J⁻ᵀ,  M_k = Σ_i X_iᵀ Σ_i⁻¹ (∂Σ_i/∂ψ_k) Σ_i⁻¹ X_i

(``W`` transforms covariantly at an optimum, the first-order terms ``Q_ij - P_i Φ P_j``
are invariant), so mmrm's adjusted covariance is SAS's plus ``-½ Φ (Σ_k c_k M_k) Φ``. This
module gives ``c``. The degrees of freedom do not depend on the parameterisation.

mmrm's working parameters (mmrm 0.3.18, ``src/covariance.h``; ``s(θ) = 1/(1 + e^-θ)``):

=========================  ====================================================
structure                  ψ as a function of θ
=========================  ====================================================
us                         ``Σ = L Lᵀ``, ``L_aa = e^θ_a``, ``L_ab = e^θ_a θ_k`` (b < a)
ar1, ad                    ``σ² = e^{2θ_0}``, each ``ρ = θ / √(1 + θ²)``
ar1h, adh, toeph           ``σ²_a = e^{2θ_a}``, each ``ρ = θ / √(1 + θ²)``
toep                       ``γ_0 = e^{2θ_0}``, ``γ_k = γ_0 θ_k / √(1 + θ_k²)``
cs                         ``σ² = e^{2θ_0}``, ``c = σ² ((1 + a) s(θ_1) - a)``, ``a = 1/(T-1)``
csh                        ``σ²_a = e^{2θ_a}``, ``ρ = (1 + a) s(θ) - a``
sp_exp                     ``σ² = e^{θ_0}``, range ``= -1 / log s(θ_1)``
=========================  ====================================================

A structure with one covariance per group has each group's parameters so. ``diag`` and the
random-effects structures have no counterpart in mmrm.

References
----------
Kenward MG, Roger JH. Small sample inference for fixed effects from restricted maximum
likelihood. Biometrics 1997;53:983-97. doi:10.2307/2533558
Sabanés Bové D, et al. mmrm: Mixed Models for Repeated Measures, R package version 0.3.18
(2025), vignette "Kenward-Roger". https://openpharma.github.io/mmrm/
"""

from __future__ import annotations

import numpy as np
from scipy import linalg
from scipy.special import expit

from ...errors import ModelError
from .covariance import Structure
from .covariance.grouped import Grouped

__all__ = ["MMRM_STRUCTURES", "mmrm_jacobians", "second_order_shift"]

MMRM_STRUCTURES: tuple[str, ...] = (
    "us", "toep", "toeph", "ar1", "ar1h", "cs", "csh", "ad", "adh", "sp_exp",
)  # fmt: skip
"""Structures R mmrm has, in its working parameters."""


def _exp2(theta: float) -> tuple[float, float, float]:
    v = float(np.exp(2.0 * theta))
    return v, 2.0 * v, 4.0 * v


def _exp1(theta: float) -> tuple[float, float, float]:
    v = float(np.exp(theta))
    return v, v, v


def _cor(theta: float) -> tuple[float, float, float]:
    u = 1.0 + theta * theta
    return theta / np.sqrt(u), u**-1.5, -3.0 * theta * u**-2.5


def _cs_cor(theta: float, a: float) -> tuple[float, float, float]:
    s = float(expit(theta))
    d = (1.0 + a) * s * (1.0 - s)
    return (1.0 + a) * s - a, d, d * (1.0 - 2.0 * s)


def _range(theta: float) -> tuple[float, float, float]:
    s = float(expit(theta))
    log_s, d1, d2 = np.log(s), 1.0 - s, -s * (1.0 - s)  # log s(θ) and its derivatives
    return -1.0 / log_s, d1 / log_s**2, d2 / log_s**2 - 2.0 * d1**2 / log_s**3


def _theta_var2(v: float) -> float:
    return 0.5 * float(np.log(v))


def _theta_cor(rho: float) -> float:
    return rho / float(np.sqrt(1.0 - rho * rho))


def _elementwise(maps: list) -> tuple[np.ndarray, np.ndarray]:
    """``J`` and ``H`` of ``ψ_k = f_k(θ_k)`` from ``(f, θ)`` pairs."""
    k = len(maps)
    jac, hess = np.zeros((k, k)), np.zeros((k, k, k))
    for i, (f, theta) in enumerate(maps):
        _, jac[i, i], hess[i, i, i] = f(theta)
    return jac, hess


def _scaled(var_theta: float, rho_maps: list) -> tuple[np.ndarray, np.ndarray]:
    """``J`` and ``H`` of ``ψ = (v, v ρ_1, ..., v ρ_m)``, ``v = e^{2θ_0}``, ``ρ_k = f_k(θ_k)``."""
    k = 1 + len(rho_maps)
    v, v1, v2 = _exp2(var_theta)
    jac, hess = np.zeros((k, k)), np.zeros((k, k, k))
    jac[0, 0], hess[0, 0, 0] = v1, v2
    for i, (f, theta) in enumerate(rho_maps, start=1):
        r, r1, r2 = f(theta)
        jac[i, 0], jac[i, i] = v1 * r, v * r1
        hess[i, 0, 0] = v2 * r
        hess[i, 0, i] = hess[i, i, 0] = v1 * r1
        hess[i, i, i] = v * r2
    return jac, hess


def _unstructured(struct: Structure, psi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``J`` and ``H`` of the entries of ``Σ = L Lᵀ`` in mmrm's log-Cholesky parameters."""
    t = struct.n_visits
    sigma = struct.sigma(psi)
    chol = linalg.cholesky(sigma, lower=True)
    k = t * (t + 1) // 2
    # dL (k, t, t) and d²L (k, k, t, t): L_aa = e^θ_a, L_ab = e^θ_a θ_m (m counts b < a by row)
    d1, d2 = np.zeros((k, t, t)), np.zeros((k, k, t, t))
    m = t
    for a in range(t):
        d1[a, a, a] = d2[a, a, a, a] = chol[a, a]
        for b in range(a):
            d1[a, a, b] = d2[a, a, a, b] = chol[a, b]
            d1[m, a, b] = chol[a, a]
            d2[a, m, a, b] = d2[m, a, a, b] = chol[a, a]
            m += 1
    ds = np.einsum("uab,cb->uac", d1, chol)
    ds = ds + np.swapaxes(ds, 1, 2)
    d2s = np.einsum("uvab,cb->uvac", d2, chol)
    d2s = d2s + np.swapaxes(d2s, 2, 3) + np.einsum("uab,vcb->uvac", d1, d1)
    d2s = d2s + np.einsum("vab,ucb->uvac", d1, d1)
    # ψ_k is one entry of Σ: the one where its (linear) derivative is 1
    basis = struct.d_sigma(psi)
    rows, cols = np.unravel_index(np.argmax(basis.reshape(len(psi), -1), axis=1), (t, t))
    return ds[:, rows, cols].T, np.moveaxis(d2s[:, :, rows, cols], 2, 0)


def _single(struct: Structure, psi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    name, t = struct.name, struct.n_visits
    if name == "us":
        return _unstructured(struct, psi)
    if name in ("ar1", "ad"):
        return _elementwise(
            [(_exp2, _theta_var2(psi[0]))] + [(_cor, _theta_cor(r)) for r in psi[1:]]
        )
    if name in ("ar1h", "adh", "toeph"):
        variances = [(_exp2, _theta_var2(v)) for v in psi[:t]]
        return _elementwise(variances + [(_cor, _theta_cor(r)) for r in psi[t:]])
    a = 1.0 / (t - 1) if t > 1 else 0.0

    def cs_map(theta: float) -> tuple[float, float, float]:
        return _cs_cor(theta, a)

    def cs_theta(rho: float) -> float:
        s = (rho + a) / (1.0 + a)
        return float(np.log(s / (1.0 - s)))

    if name == "toep":
        return _scaled(_theta_var2(psi[0]), [(_cor, _theta_cor(g / psi[0])) for g in psi[1:]])
    if name == "cs":
        return _scaled(_theta_var2(psi[0]), [(cs_map, cs_theta(c / psi[0])) for c in psi[1:]])
    if name == "csh":
        variances = [(_exp2, _theta_var2(v)) for v in psi[:t]]
        return _elementwise(variances + [(cs_map, cs_theta(r)) for r in psi[t:]])
    if name == "sp_exp":
        maps = [(_exp1, float(np.log(psi[0])))]
        if psi.size > 1:  # range = -1/log s(θ): θ = logit(exp(-1/range))
            rho = float(np.exp(-1.0 / psi[1]))
            maps.append((_range, float(np.log(rho / (1.0 - rho)))))
        return _elementwise(maps)
    raise ModelError(
        f"R mmrm has no covariance structure {name!r}; its Kenward-Roger variant "
        f"(df_method='kenward-roger-mmrm') needs one of {', '.join(MMRM_STRUCTURES)}; use "
        "df_method='kenward-roger' (SAS's)"
    )


def mmrm_jacobians(struct: Structure, psi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``J = ∂ψ/∂θ`` (``K × K``) and ``H`` (``K × K × K``, ``H[k] = ∂²ψ_k/∂θ∂θᵀ``) of
    ``struct`` at ``psi``, ``θ`` R mmrm's working parameters.

    Raises
    ------
    ModelError
        For a structure mmrm does not have.

    Examples
    --------
    >>> from lifestyle_trials.models.engine.covariance import structure
    >>> jac, hess = mmrm_jacobians(structure("ar1", (1.0, 2.0)), np.array([4.0, 0.6]))
    >>> np.round(np.diag(jac), 6)  # dσ²/dθ_0 = 2σ², dρ/dθ_1 = (1 - ρ²)^{3/2}
    array([8.   , 0.512])
    """
    psi = np.asarray(psi, dtype=float)
    if isinstance(struct, Grouped):
        k = struct.base.n_params
        parts = [
            mmrm_jacobians(struct.base, psi[g * k : (g + 1) * k]) for g in range(len(struct.groups))
        ]
        n = k * len(parts)
        jac, hess = np.zeros((n, n)), np.zeros((n, n, n))
        for g, (j, h) in enumerate(parts):
            s = slice(g * k, (g + 1) * k)
            jac[s, s] = j
            hess[s, s, s] = h
        return jac, hess
    return _single(struct, psi)


def second_order_shift(struct: Structure, psi: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``c_k = tr(W^θ H_k)``, ``W^θ = J⁻¹ W J⁻ᵀ``: what moves ``Σ W R`` from the natural
    parameters to mmrm's working ones (see the module docstring).

    Examples
    --------
    >>> from lifestyle_trials.models.engine.covariance import structure
    >>> w = np.array([[0.5, 0.0], [0.0, 0.01]])
    >>> c = second_order_shift(structure("ar1", (1.0, 2.0)), np.array([4.0, 0.6]), w)
    >>> np.round(c, 6)  # W_kk f''/f'² per parameter: 0.5/σ², -3ρ W/(1 - ρ²)
    array([ 0.125   , -0.028125])
    """
    jac, hess = mmrm_jacobians(struct, psi)
    jinv = linalg.inv(jac)
    w_theta = jinv @ w @ jinv.T
    return np.einsum("ab,kab->k", w_theta, hess)
