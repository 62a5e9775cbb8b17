"""Covariance structures: positive definiteness, parameter counts and exact derivatives.

Derivatives are checked against central finite differences (an independent computation);
the complex-step Jacobian is exact to rounding, the closed forms of ``d_sigma`` and
``d2_sigma`` too, so the tolerances are those of the finite differences.
"""

from __future__ import annotations

import numpy as np
import pytest

from lifestyle_trials import ModelError
from lifestyle_trials.models.engine.covariance import (
    STRUCTURES,
    acf_to_pacf,
    pacf_to_acf,
    structure,
)

VISITS = (3.0, 6.0, 9.0, 12.0)
ALL = (*STRUCTURES, "intercept", "slope")
N_PARAMS = {
    "us": 10,
    "cs": 2,
    "csh": 5,
    "ar1": 2,
    "ar1h": 5,
    "toep": 4,
    "toeph": 7,
    "diag": 4,
    "intercept": 2,
    "slope": 4,
}


def random_theta(name: str, seed: int) -> np.ndarray:
    s = structure(name, VISITS)
    return np.random.default_rng(seed).normal(0.0, 0.7, s.n_params)


@pytest.mark.parametrize("name", ALL)
def test_parameter_counts_and_names(name: str) -> None:
    s = structure(name, VISITS)
    assert s.n_params == N_PARAMS[name]
    assert len(set(s.param_names())) == s.n_params


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_any_working_parameters_give_a_positive_definite_matrix(name: str, seed: int) -> None:
    s = structure(name, VISITS)
    sigma = s.sigma(s.psi(random_theta(name, seed)))
    np.testing.assert_allclose(sigma, sigma.T)
    assert np.linalg.eigvalsh(sigma).min() > 0


@pytest.mark.parametrize("name", ALL)
def test_first_derivatives_match_finite_differences(name: str) -> None:
    s = structure(name, VISITS)
    psi = s.psi(random_theta(name, 4))
    exact = s.d_sigma(psi)
    for k in range(psi.size):
        h = 1e-6 * max(1.0, abs(psi[k]))
        step = np.zeros_like(psi)
        step[k] = h
        numeric = (s.sigma(psi + step) - s.sigma(psi - step)) / (2 * h)
        np.testing.assert_allclose(exact[k], numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", ALL)
def test_second_derivatives_match_finite_differences(name: str) -> None:
    s = structure(name, VISITS)
    psi = s.psi(random_theta(name, 5))
    exact = s.d2_sigma(psi)
    for k in range(psi.size):
        h = 1e-6 * max(1.0, abs(psi[k]))
        step = np.zeros_like(psi)
        step[k] = h
        numeric = (s.d_sigma(psi + step) - s.d_sigma(psi - step)) / (2 * h)
        np.testing.assert_allclose(exact[:, k], numeric, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(exact, np.swapaxes(exact, 0, 1))


@pytest.mark.parametrize("name", ALL)
def test_linear_structures_are_linear(name: str) -> None:
    s = structure(name, VISITS)
    psi = s.psi(random_theta(name, 6))
    if s.linear:
        # Σ(ψ) = Σ_k ψ_k ∂Σ/∂ψ_k and no curvature
        np.testing.assert_allclose(np.tensordot(psi, s.d_sigma(psi), axes=1), s.sigma(psi))
        assert not np.any(s.d2_sigma(psi))
    else:
        assert np.any(s.d2_sigma(psi))


@pytest.mark.parametrize("name", ALL)
def test_complex_step_jacobian_matches_finite_differences(name: str) -> None:
    s = structure(name, VISITS)
    theta = random_theta(name, 7)
    exact = s.jacobian(theta)
    for j in range(theta.size):
        step = np.zeros_like(theta)
        step[j] = 1e-6
        numeric = (s.psi(theta + step) - s.psi(theta - step)) / 2e-6
        np.testing.assert_allclose(exact[:, j], numeric, rtol=1e-6, atol=1e-8)


def test_unstructured_start_reproduces_a_positive_definite_matrix() -> None:
    s = structure("us", VISITS)
    a = np.random.default_rng(8).normal(size=(4, 4))
    target = a @ a.T + np.eye(4)
    np.testing.assert_allclose(s.sigma(s.psi(s.start(target))), target, rtol=1e-12)


@pytest.mark.parametrize("name", ALL)
def test_start_values_give_finite_working_parameters(name: str) -> None:
    s = structure(name, VISITS)
    lags = np.abs(np.subtract.outer(np.arange(4), np.arange(4)))
    empirical = 0.6**lags * np.outer([1.0, 1.2, 1.5, 2.0], [1.0, 1.2, 1.5, 2.0])
    empirical[0, 3] = empirical[3, 0] = np.nan  # two visits never observed together
    theta = s.start(empirical)
    assert theta.shape == (s.n_params,)
    assert np.all(np.isfinite(theta))


def test_closed_forms() -> None:
    # cs: variance 2 on the diagonal, covariance 0.5 elsewhere
    cs = structure("cs", (1.0, 2.0, 3.0)).sigma(np.array([2.0, 0.5]))
    np.testing.assert_allclose(cs, [[2, 0.5, 0.5], [0.5, 2, 0.5], [0.5, 0.5, 2]])
    # csh: sd_a sd_b rho off the diagonal
    csh = structure("csh", (1.0, 2.0)).sigma(np.array([1.0, 4.0, 0.25]))
    np.testing.assert_allclose(csh, [[1.0, 0.5], [0.5, 4.0]])
    # toep: one covariance per lag
    toep = structure("toep", (1.0, 2.0, 3.0)).sigma(np.array([3.0, 2.0, 1.0]))
    np.testing.assert_allclose(toep, [[3, 2, 1], [2, 3, 2], [1, 2, 3]])
    # random slope: Z G Z' + σ² I with Z = [1, t]
    slope = structure("slope", (0.0, 1.0)).sigma(np.array([1.0, 0.5, 2.0, 0.25]))
    np.testing.assert_allclose(slope, [[1.25, 1.5], [1.5, 4.25]])


def test_partial_autocorrelations_round_trip() -> None:
    pacf = np.array([0.7, -0.4, 0.2, 0.1])
    acf = pacf_to_acf(pacf)
    np.testing.assert_allclose(acf_to_pacf(acf), pacf, rtol=1e-12)
    corr = np.concatenate([[1.0], acf])[np.abs(np.subtract.outer(range(5), range(5)))]
    assert np.linalg.eigvalsh(corr).min() > 0


@pytest.mark.parametrize("name", STRUCTURES)
def test_one_visit_leaves_one_variance(name: str) -> None:
    s = structure(name, (12.0,))
    assert s.n_params == 1
    theta = s.start(np.array([[2.5]]))
    np.testing.assert_allclose(s.sigma(s.psi(theta)), [[2.5]])
    np.testing.assert_allclose(s.psi(theta), [2.5])


def test_unknown_structure_is_a_model_error() -> None:
    with pytest.raises(ModelError, match="unknown covariance structure 'un'.*us, cs"):
        structure("un", VISITS)
