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

import numpy as np
from scipy import linalg
from scipy.linalg.lapack import dpotrf as _potrf
from scipy.linalg.lapack import dpotrs as _potrs

from ...errors import ConvergenceError, computed
from .covariance import Structure
from .evaluation import Evaluation
from .likelihood import evaluate, pattern_pieces
from .patterns import (
    GroupedData,
    PatternBlock,
    StackedPatterns,
    contract,
    group_by_pattern,
    residual_cross,
)
from .subject_times import subject_start

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
        total[idx] += residual_cross(b, b.cross_xx(), beta)
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
