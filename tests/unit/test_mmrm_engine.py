"""The REML/ML engine against a dense implementation of the textbook formulas.

The dense version builds the full ``N × N`` covariance ``V`` and the projection
``P = V⁻¹ - V⁻¹X(XᵀV⁻¹X)⁻¹XᵀV⁻¹`` and evaluates (Harville 1977)::

    ℓ_REML = -½ [log|V| + log|XᵀV⁻¹X| + yᵀPy + (N - p) log 2π]
    ∂ℓ/∂ψ_k = -½ tr(P V_k) + ½ yᵀP V_k P y
    I_E = ½ tr(P V_k P V_l)
    I_O = ½ tr(P V_kl) - ½ tr(P V_k P V_l) - ½ yᵀP V_kl P y + yᵀP V_k P V_l P y

(``V⁻¹`` in place of ``P`` in the trace terms for ML), which the engine computes from
per-pattern cross-products instead.
"""

from __future__ import annotations

import numpy as np
import pytest

import lifestyle_trials as lt
from lifestyle_trials import ModelError
from lifestyle_trials.models.engine import patterns, reml
from lifestyle_trials.models.engine.covariance import structure
from lifestyle_trials.models.engine.kenward_roger import kenward_roger

VISITS = (3.0, 6.0, 12.0)


def small_data(seed: int = 0, n: int = 24) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """y, X, subject, visit position for ``n`` subjects with missing visits."""
    rng = np.random.default_rng(seed)
    t = len(VISITS)
    group = rng.integers(0, 2, n)
    base = rng.normal(0, 1, n)
    chol = np.array([[1.0, 0, 0], [0.6, 0.9, 0], [0.4, 0.5, 1.1]])
    err = rng.normal(size=(n, t)) @ chol.T
    rows, ys, subj, vis = [], [], [], []
    for i in range(n):
        for v in range(t):
            if v > 0 and rng.random() < 0.25:
                continue
            x = np.zeros(3 * t)
            x[3 * v : 3 * v + 3] = [1.0, group[i], base[i]]
            rows.append(x)
            ys.append(1.0 + 0.5 * group[i] + 0.8 * base[i] + err[i, v])
            subj.append(f"id{i}")
            vis.append(v)
    return np.array(ys), np.array(rows), np.array(subj), np.array(vis)


def dense(y, x, subj, vis, struct, psi, use_reml):
    """Dense log-likelihood, gradient, expected and observed information."""
    sigma = struct.sigma(psi)
    d1 = struct.d_sigma(psi)
    d2 = struct.d2_sigma(psi)
    same = subj[:, None] == subj[None, :]
    idx = np.ix_(vis, vis)

    def full(m: np.ndarray) -> np.ndarray:
        return np.where(same, m[idx], 0.0)

    v = full(sigma)
    vk = [full(m) for m in d1]
    vkl = [[full(d2[i, j]) for j in range(len(psi))] for i in range(len(psi))]
    vinv = np.linalg.inv(v)
    a = x.T @ vinv @ x
    proj = vinv - vinv @ x @ np.linalg.solve(a, x.T @ vinv)
    n, p = x.shape
    logdet_v = np.linalg.slogdet(v)[1]
    quad = y @ proj @ y
    if use_reml:
        loglik = -0.5 * (logdet_v + np.linalg.slogdet(a)[1] + quad + (n - p) * np.log(2 * np.pi))
        trace = proj
    else:
        loglik = -0.5 * (logdet_v + quad + n * np.log(2 * np.pi))
        trace = vinv
    py = proj @ y
    k = len(psi)
    grad = np.array([-0.5 * np.trace(trace @ vk[i]) + 0.5 * py @ vk[i] @ py for i in range(k)])
    expected = np.empty((k, k))
    observed = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            tt = np.trace(trace @ vk[i] @ trace @ vk[j])
            expected[i, j] = 0.5 * tt
            observed[i, j] = (
                0.5 * np.trace(trace @ vkl[i][j])
                - 0.5 * tt
                - 0.5 * py @ vkl[i][j] @ py
                + py @ vk[i] @ proj @ vk[j] @ py
            )
    return loglik, grad, expected, observed, np.linalg.solve(a, x.T @ vinv @ y)


@pytest.mark.parametrize("name", ["us", "csh", "ar1h", "toeph", "slope"])
@pytest.mark.parametrize("use_reml", [True, False])
def test_engine_equals_dense_formulas(name: str, use_reml: bool) -> None:
    y, x, subj, vis = small_data()
    struct = structure(name, VISITS)
    data = reml.group_by_pattern(y, x, subj, vis, len(VISITS))
    psi = struct.psi(reml.start_values(data, struct) + 0.05)
    ev = reml.evaluate(data, struct, psi, reml=use_reml, order=2)
    assert ev is not None
    loglik, grad, expected, observed, beta = dense(y, x, subj, vis, struct, psi, use_reml)
    np.testing.assert_allclose(ev.loglik, loglik, rtol=1e-12)
    np.testing.assert_allclose(ev.beta, beta, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ev.gradient, grad, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(ev.expected, expected, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(ev.observed, observed, rtol=1e-9, atol=1e-10)


def test_gradient_and_hessian_match_finite_differences() -> None:
    y, x, subj, vis = small_data(seed=3)
    struct = structure("us", VISITS)
    data = reml.group_by_pattern(y, x, subj, vis, len(VISITS))
    psi = struct.psi(reml.start_values(data, struct))
    ev = reml.evaluate(data, struct, psi, order=2)
    h = 1e-6
    for k in range(psi.size):
        step = np.zeros_like(psi)
        step[k] = h
        up = reml.evaluate(data, struct, psi + step, order=1)
        down = reml.evaluate(data, struct, psi - step, order=1)
        np.testing.assert_allclose(
            ev.gradient[k], (up.loglik - down.loglik) / (2 * h), rtol=1e-6, atol=1e-7
        )
        np.testing.assert_allclose(
            ev.observed[:, k], -(up.gradient - down.gradient) / (2 * h), rtol=1e-5, atol=1e-6
        )


def test_fit_reaches_a_stationary_point() -> None:
    y, x, subj, vis = small_data(seed=5, n=40)
    struct = structure("us", VISITS)
    data = reml.group_by_pattern(y, x, subj, vis, len(VISITS))
    theta, ev, conv = reml.fit_covariance(data, struct)
    assert conv.converged
    assert np.max(np.abs(ev.gradient)) < 1e-6
    assert np.linalg.eigvalsh(ev.observed).min() > 0
    # from a poor start as well
    theta2, ev2, conv2 = reml.fit_covariance(data, struct, theta0=np.zeros_like(theta) + 1.5)
    assert conv2.converged
    np.testing.assert_allclose(ev2.loglik, ev.loglik, rtol=1e-12)
    np.testing.assert_allclose(ev2.beta, ev.beta, rtol=1e-7, atol=1e-9)


def test_iteration_limit_is_reported_not_hidden() -> None:
    y, x, subj, vis = small_data(seed=5, n=40)
    struct = structure("us", VISITS)
    data = reml.group_by_pattern(y, x, subj, vis, len(VISITS))
    _, _, conv = reml.fit_covariance(data, struct, theta0=np.full(6, 2.0), max_iter=1)
    assert not conv.converged
    assert conv.message == "iteration limit reached"


def test_row_order_does_not_matter() -> None:
    y, x, subj, vis = small_data(seed=7)
    struct = structure("us", VISITS)
    order = np.random.default_rng(1).permutation(y.size)
    a = reml.group_by_pattern(y, x, subj, vis, len(VISITS))
    b = reml.group_by_pattern(y[order], x[order], subj[order], vis[order], len(VISITS))
    psi = struct.psi(reml.start_values(a, struct))
    ev_a = reml.evaluate(a, struct, psi, order=2)
    ev_b = reml.evaluate(b, struct, psi, order=2)
    np.testing.assert_allclose(ev_a.loglik, ev_b.loglik, rtol=1e-13)
    np.testing.assert_allclose(ev_a.observed, ev_b.observed, rtol=1e-10)


def test_cross_products_recomputed_on_demand_give_the_same_result(monkeypatch) -> None:
    y, x, subj, vis = small_data(seed=9)
    struct = structure("toeph", VISITS)
    stored = reml.group_by_pattern(y, x, subj, vis, len(VISITS))
    monkeypatch.setattr(patterns, "_GRAM_LIMIT", 0.0)
    lazy = reml.group_by_pattern(y, x, subj, vis, len(VISITS))
    assert all(b.sxx is None for b in lazy.blocks)
    assert any(b.sxx is not None for b in stored.blocks)
    psi = struct.psi(reml.start_values(stored, struct))
    ev_s = reml.evaluate(stored, struct, psi, order=2)
    ev_l = reml.evaluate(lazy, struct, psi, order=2)
    np.testing.assert_allclose(ev_s.observed, ev_l.observed, rtol=1e-12)


def test_patterns_group_subjects() -> None:
    y, x, subj, vis = small_data(seed=11)
    data = reml.group_by_pattern(y, x, subj, vis, len(VISITS))
    assert sum(b.n for b in data.blocks) == data.n_subjects == len(set(subj))
    assert sum(b.y.size for b in data.blocks) == data.n_obs == y.size
    for b in data.blocks:
        np.testing.assert_array_equal(vis[b.rows], np.broadcast_to(b.visits, b.rows.shape))
        np.testing.assert_array_equal(y[b.rows], b.y)


def test_bad_rows_are_model_errors() -> None:
    y, x, subj, vis = small_data()
    with pytest.raises(ModelError, match="more than one row at the same visit"):
        reml.group_by_pattern(
            np.r_[y, y[:1]], np.vstack([x, x[:1]]), np.r_[subj, subj[:1]], np.r_[vis, vis[:1]], 3
        )
    with pytest.raises(ModelError, match="visit positions must lie in 0..2"):
        reml.group_by_pattern(y, x, subj, np.where(vis == 2, 3, vis), 3)
    with pytest.raises(ModelError, match="must be integers"):
        reml.group_by_pattern(y, x, subj, vis + 0.5, 3)
    bad = y.copy()
    bad[0] = np.nan
    with pytest.raises(ModelError, match="finite"):
        reml.group_by_pattern(bad, x, subj, vis, 3)


@pytest.mark.parametrize("name", ["us", "ar1h", "toeph"])
@pytest.mark.parametrize(
    ("information", "linear"), [("observed", False), ("expected", False), ("observed", True)]
)
def test_kenward_roger_adjustment_equals_dense_formula(
    name: str, information: str, linear: bool
) -> None:
    """Φ_A = Φ + 2Φ{Σ W_ij (Q_ij - P_iΦP_j - ¼R_ij)}Φ with dense V (R_ij ≠ 0 for the
    non-linear structures ar1h and toeph; left out with linear=True), W the inverse of the
    observed or expected information."""
    y, x, subj, vis = small_data(seed=13, n=30)
    struct = structure(name, VISITS)
    data = reml.group_by_pattern(y, x, subj, vis, len(VISITS))
    _, ev, conv = reml.fit_covariance(data, struct)
    assert conv.converged
    kr = kenward_roger(data, struct, ev, information=information, linear=linear)
    sigma, d1, d2 = struct.sigma(ev.psi), struct.d_sigma(ev.psi), struct.d2_sigma(ev.psi)
    _, _, expected, observed, _ = dense(y, x, subj, vis, struct, ev.psi, True)
    if linear:
        d2 = np.zeros_like(d2)
    same = subj[:, None] == subj[None, :]
    idx = np.ix_(vis, vis)
    vinv = np.linalg.inv(np.where(same, sigma[idx], 0.0))
    vk = [np.where(same, m[idx], 0.0) for m in d1]
    phi = np.linalg.inv(x.T @ vinv @ x)
    p_mats = [-x.T @ vinv @ v @ vinv @ x for v in vk]
    w = np.linalg.inv(observed if information == "observed" else expected)
    inner = np.zeros_like(phi)
    for i in range(len(vk)):
        for j in range(len(vk)):
            q_ij = x.T @ vinv @ vk[i] @ vinv @ vk[j] @ vinv @ x
            r_ij = x.T @ vinv @ np.where(same, d2[i, j][idx], 0.0) @ vinv @ x
            inner += w[i, j] * (q_ij - p_mats[i] @ phi @ p_mats[j] - 0.25 * r_ij)
    np.testing.assert_allclose(kr.vcov_adjusted, phi + 2 * phi @ inner @ phi, rtol=1e-9)
    np.testing.assert_allclose(kr.w, w, rtol=1e-9, atol=1e-12 * np.max(np.abs(w)))
    if name != "us" and not linear:
        assert not np.allclose(d2, 0.0)


def test_newton_steps_below_rounding_error_still_converge():
    # Near this optimum the predicted gain (~2e-11) is below the rounding error of the
    # log-likelihood (~-239), so a line search cannot confirm ascent; the fit must converge.
    trial = lt.simulate_odes(seed=3, visits=(0, 6, 12))
    fit = lt.mmrm(trial, "glucose")
    assert fit.convergence.converged
    assert fit.convergence.gradient_norm < 1e-6
