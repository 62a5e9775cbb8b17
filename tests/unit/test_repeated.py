"""Repeated fits of one design (engine/repeated.py) against fresh fits from scratch."""

from __future__ import annotations

import numpy as np
import pytest

from lifestyle_trials import ModelError
from lifestyle_trials.models.engine import reml
from lifestyle_trials.models.engine.covariance import structure
from lifestyle_trials.models.engine.repeated import (
    jackknife,
    refit_many,
    with_outcome,
    without_subjects,
)

VISITS = (1.0, 2.0, 3.0)


def design(seed: int = 3, n: int = 40):
    """y, X, subject, visit, weights: 3 visits, arm and baseline, 25% of later visits
    missing."""
    rng = np.random.default_rng(seed)
    t = len(VISITS)
    arm = rng.integers(0, 2, n)
    base = rng.normal(size=n)
    chol = np.array([[1.0, 0, 0], [0.6, 0.9, 0], [0.4, 0.5, 1.1]])
    err = rng.normal(size=(n, t)) @ chol.T
    rows, ys, subj, vis = [], [], [], []
    for i in range(n):
        for v in range(t):
            if v > 0 and rng.random() < 0.25:
                continue
            x = np.zeros(2 * t + 1)
            x[2 * v : 2 * v + 2] = [1.0, arm[i]]
            x[-1] = base[i]
            rows.append(x)
            ys.append(1.0 + 0.5 * arm[i] + 0.8 * base[i] + err[i, v])
            subj.append(f"s{i:02d}")
            vis.append(v)
    y = np.array(ys)
    return y, np.array(rows), np.array(subj), np.array(vis), rng.uniform(0.5, 2.0, y.size)


@pytest.mark.parametrize("weighted", [False, True])
def test_jackknife_equals_fits_from_scratch(weighted: bool) -> None:
    y, x, subj, vis, w = design()
    weights = w if weighted else None
    data = reml.group_by_pattern(y, x, subj, vis, 3, weights=weights)
    struct = structure("us", VISITS)
    theta, _, _ = reml.fit_covariance(data, struct)
    fits = jackknife(data, struct, theta)
    assert fits.converged.all()
    ids = np.unique(subj, return_index=True)
    order = ids[0][np.argsort(ids[1])]  # subject numbers follow first appearance
    for i in (0, 7, 39):
        keep = subj != order[i]
        fresh = reml.group_by_pattern(
            y[keep], x[keep], subj[keep], vis[keep], 3, weights=w[keep] if weighted else None
        )
        _, ev, conv = reml.fit_covariance(fresh, struct)
        assert conv.converged
        np.testing.assert_allclose(fits.loglik[i], ev.loglik, rtol=1e-10)
        np.testing.assert_allclose(fits.beta[i], ev.beta, rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(fits.psi[i], ev.psi, rtol=1e-6)
        np.testing.assert_allclose(fits.vcov[i], ev.vcov, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_new_outcomes_equal_fits_from_scratch(weighted: bool) -> None:
    y, x, subj, vis, w = design()
    weights = w if weighted else None
    data = reml.group_by_pattern(y, x, subj, vis, 3, weights=weights)
    struct = structure("ar1h", VISITS)
    theta, _, _ = reml.fit_covariance(data, struct)
    rng = np.random.default_rng(9)
    ys = [y + rng.normal(0.0, 0.3, y.size) for _ in range(3)]
    many = refit_many((with_outcome(data, v) for v in ys), struct, theta, reml=False)
    for i, v in enumerate(ys):
        fresh = reml.group_by_pattern(v, x, subj, vis, 3, weights=weights)
        _, ev, _ = reml.fit_covariance(fresh, struct, reml=False)
        np.testing.assert_allclose(many.loglik[i], ev.loglik, rtol=1e-10)
        np.testing.assert_allclose(many.beta[i], ev.beta, rtol=1e-7, atol=1e-9)


def test_subsets_chain_and_bad_input_is_refused() -> None:
    y, x, subj, vis, _ = design()
    data = reml.group_by_pattern(y, x, subj, vis, 3)
    two = without_subjects(without_subjects(data, [3]), [5])
    both = without_subjects(data, [3, 5])
    assert (two.n_subjects, two.n_obs) == (both.n_subjects, both.n_obs) == (38, both.n_obs)
    struct = structure("cs", VISITS)
    a = reml.evaluate(two, struct, np.array([1.0, 0.4]))
    b = reml.evaluate(both, struct, np.array([1.0, 0.4]))
    np.testing.assert_allclose(a.loglik, b.loglik, rtol=1e-12)
    with pytest.raises(ModelError, match="not present: 3"):
        without_subjects(two, [3])
    with pytest.raises(ModelError, match="no subject would be left"):
        without_subjects(data, range(40))
    with pytest.raises(ModelError, match="one per row"):
        with_outcome(data, y[:-1])
