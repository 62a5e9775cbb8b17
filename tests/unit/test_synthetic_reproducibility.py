"""The algebra that links visit noise, own change and spread to the one-year correlation."""

from __future__ import annotations

import numpy as np
import pytest

from lifestyle_trials.datasets.odes_reproducibility import (
    correlation_bounds,
    spread_for_correlation,
    visit_correlation,
)


@pytest.mark.parametrize("rho", [0.3, 0.55, 0.7, 0.9])
@pytest.mark.parametrize(("visit_sd", "change_sd"), [(0.056, 0.044), (0.15, 0.21), (0.3, 0.0)])
def test_spread_for_correlation_inverts_visit_correlation(rho, visit_sd, change_sd):
    spread = spread_for_correlation(rho, visit_sd, change_sd)
    assert spread > visit_sd
    assert visit_correlation(spread, visit_sd, change_sd) == pytest.approx(rho, abs=1e-12)


def test_visit_correlation_matches_a_simulation():
    rng = np.random.default_rng(3)
    n, spread, e, s = 400_000, 0.11, 0.056, 0.044
    level = rng.normal(0, np.sqrt(spread**2 - e**2), n)
    y0 = level + rng.normal(0, e, n)
    y12 = level + s * rng.standard_normal(n) + rng.normal(0, e, n)
    r = np.corrcoef(y0, y12)[0, 1]
    assert r == pytest.approx(visit_correlation(spread, e, s), abs=4 * (1 - r * r) / np.sqrt(n))
    # and the change has variance s^2 + 2 e^2
    assert np.var(y12 - y0) == pytest.approx(s**2 + 2 * e**2, rel=0.01)


def test_bounds_hold_for_every_split_of_the_change_variance():
    spread, d = 0.58, 0.089
    low, high = correlation_bounds(spread, d)
    splits = np.linspace(0.0, np.sqrt(d / 2), 41)
    rs = [visit_correlation(spread, e, np.sqrt(max(d - 2 * e * e, 0.0))) for e in splits]
    assert min(rs) == pytest.approx(low, abs=1e-12)
    assert max(rs) == pytest.approx(high, abs=1e-12)
