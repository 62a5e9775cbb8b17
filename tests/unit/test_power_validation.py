"""Validation of lt.power by simulation: type I error, the closed form, one fit at a time,
failed fits counted. Small n_sim and fixed seeds; tolerances are Monte Carlo errors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from tests.tolerances import CLOSED_FORM_RTOL, REML_RTOL

import lifestyle_trials as lt
from lifestyle_trials.simulation.ancova_fits import ancova_chunk
from lifestyle_trials.simulation.chunk import make_replicate
from lifestyle_trials.simulation.design import make_design, replicate_seed
from lifestyle_trials.simulation.mmrm_fits import mmrm_chunk
from lifestyle_trials.simulation.replicate import from_trial

ALPHA = 0.05


def _within_mc(observed, expected, n, k=3.5):
    """|observed - expected| within k Monte Carlo SEs of a proportion ``expected`` (3.5: a
    family of about twenty checks keeps its false-alarm rate below 1%)."""
    se = np.sqrt(expected * (1 - expected) / n)
    return np.abs(observed - expected) <= k * se


@pytest.mark.parametrize("estimand", ["factorial", "margins", "arms"])
def test_type1_error_ancova(estimand):
    res = lt.power(
        {"n_per_arm": (20, 20, 20, 20), "dropout": 0.1, "effect_scale": 0.0},
        estimand=estimand,
        n_sim=1000,
        seed=11,
    )
    t = res.table
    assert (t["truth"] == 0.0).all()
    assert (t["n_failed"] == 0).all() and (t["n_sim"] == 1000).all()
    assert _within_mc(t["power"], ALPHA, 1000).all(), t
    assert _within_mc(t["coverage"], 1 - ALPHA, 1000).all(), t


def test_type1_error_mmrm():
    res = lt.power(
        {"n_per_arm": (15, 15, 15, 15), "visits": (0, 6, 12), "dropout": 0.2, "effect_scale": 0.0},
        analysis="mmrm",
        n_sim=200,
        seed=12,
    )
    t = res.table
    assert len(t) == 6 and (t["truth"] == 0.0).all() and (t["n_failed"] == 0).all()
    assert _within_mc(t["power"], ALPHA, 200).all(), t
    # all six cells pooled: a tighter check of the level
    assert _within_mc(t["power"].mean(), ALPHA, 6 * 200)


@pytest.fixture(scope="module")
def odes_sd_rho():
    """Within-arm SD of log HOMA-IR at 12 months and its correlation with baseline, from one
    large trial (independent of the replicates)."""
    rep = from_trial(lt.simulate_odes(99, n_per_arm=(4000,) * 4, dropout=0), "homa_ir")
    b, y = np.log(rep.baseline), np.log(rep.follow_up[:, 0])
    rb = b - np.array([b[rep.arm == a].mean() for a in range(4)])[rep.arm]
    ry = y - np.array([y[rep.arm == a].mean() for a in range(4)])[rep.arm]
    return float(np.sqrt(ry @ ry / (len(ry) - 4))), float(np.corrcoef(rb, ry)[0, 1])


@pytest.mark.parametrize("n", [20, 60])
@pytest.mark.parametrize("scale", [0.5, 1.0])
def test_simulated_ancova_power_agrees_with_closed_form(n, scale, odes_sd_rho):
    sd, rho = odes_sd_rho
    n_sim = 600
    res = lt.power(
        {"n_per_arm": (n,) * 4, "dropout": 0, "effect_scale": scale}, n_sim=n_sim, seed=5
    )
    for row in res.table.itertuples():
        closed = lt.power_ancova(row.truth, sd, n, term=row.term, correlation=rho)
        se = np.sqrt(closed * (1 - closed) / n_sim)
        # Monte Carlo error plus a small allowance for the normal approximation of the
        # (truncated, log-normal) ODES baseline
        assert abs(row.power - closed) <= 3 * se + 0.01, (row.term, row.power, closed)


def test_closed_form_tends_to_the_normal_approximation():
    from scipy import stats

    n, sd, rho, effect = 5000, 1.0, 0.5, 0.05
    se = sd * np.sqrt(1 - rho**2) * np.sqrt(4 * 0.25 / n)  # diet: 1/4 Σ 1/n_a
    z = stats.norm.ppf(0.975)
    normal = stats.norm.cdf(effect / se - z) + stats.norm.cdf(-effect / se - z)
    assert lt.power_ancova(effect, sd, n, correlation=rho) == pytest.approx(normal, abs=2e-3)
    # power grows with n and with the effect, and is alpha at no effect
    assert lt.power_ancova(0.0, 1.0, 30) == pytest.approx(ALPHA, rel=1e-10)
    assert lt.power_ancova(0.3, 1.0, 30) < lt.power_ancova(0.3, 1.0, 40)
    assert lt.power_ancova(0.3, 1.0, 30) < lt.power_ancova(0.4, 1.0, 30)


def test_ancova_replicates_equal_one_fit_at_a_time():
    args = {"n_per_arm": (12, 15, 11, 14), "visits": (0, 6, 12), "dropout": 0.25}
    design = make_design(
        args, "homa_ir", "ancova", "factorial", True, None, "us", "satterthwaite", ALPHA, 15, 8
    )
    reps = [make_replicate(design, i) for i in range(15)]
    batch = ancova_chunk(reps, design, 12.0)
    p_one = []
    for i in range(15):
        trial = lt.simulate_odes(replicate_seed(8, i), **args)
        eff = lt.ancova(trial, "homa_ir", estimand="factorial", log=True).effects
        np.testing.assert_allclose(batch.estimate[i], eff["estimate"], rtol=CLOSED_FORM_RTOL)
        np.testing.assert_allclose(batch.p_value[i], eff["p_value"], rtol=CLOSED_FORM_RTOL)
        np.testing.assert_allclose(batch.conf_low[i], eff["conf_low"], rtol=CLOSED_FORM_RTOL)
        p_one.append(eff["p_value"].to_numpy())
    table = lt.power(args, n_sim=15, seed=8).table
    np.testing.assert_array_equal(table["power"], (np.array(p_one) < ALPHA).mean(axis=0))


def test_mmrm_replicates_equal_one_fit_at_a_time():
    args = {"n_per_arm": (15, 15, 15, 15), "visits": (0, 3, 6, 12), "dropout": 0.2}
    design = make_design(
        args, "homa_ir", "mmrm", "factorial", True, None, "us", "satterthwaite", ALPHA, 4, 9
    )
    reps = [make_replicate(design, i) for i in range(4)]
    fits = mmrm_chunk(reps, design, (3.0, 6.0, 12.0))
    assert not fits.failed.any()
    for i in range(4):
        trial = lt.simulate_odes(replicate_seed(9, i), **args)
        eff = lt.mmrm(trial, "homa_ir", log=True).effects  # term-major, visits in order
        np.testing.assert_allclose(fits.estimate[i], eff["estimate"], rtol=REML_RTOL)
        np.testing.assert_allclose(fits.p_value[i], eff["p_value"], rtol=REML_RTOL)
        np.testing.assert_allclose(fits.conf_high[i], eff["conf_high"], rtol=REML_RTOL)


@pytest.mark.parametrize("df_method", ["kenward-roger", "kenward-roger-mmrm"])
def test_mmrm_kenward_roger_equals_lt_mmrm(df_method: str) -> None:
    """The simulated trial's fit equals lt.mmrm with the same Kenward-Roger variant (ar1:
    the variants' standard errors differ), estimates, p-values and limits."""
    args = {"n_per_arm": (10, 10, 10, 10), "visits": (0, 6, 12), "dropout": 0.2}
    design = make_design(
        args, "glucose", "mmrm", "arms", False, None, "ar1", df_method, ALPHA, 1, 4
    )
    fits = mmrm_chunk([make_replicate(design, 0)], design, (6.0, 12.0))
    trial = lt.simulate_odes(replicate_seed(4, 0), **args)
    fit = lt.mmrm(trial, "glucose", covariance="ar1", df_method=df_method)
    means = lt.marginal_means(fit, ["diet", "exercise"], by="visit")
    arms = lt.contrast(means, "trt.vs.ctrl").table
    # contrast rows: per visit, each arm against control; ours are term-major
    for ours, column in ((fits.estimate, "estimate"), (fits.p_value, "p_value"),
                         (fits.conf_high, "conf_high")):  # fmt: skip
        np.testing.assert_allclose(ours[0].reshape(3, 2).T.ravel(), arms[column], rtol=REML_RTOL)


def test_failed_fits_are_counted_not_dropped():
    def sometimes_zero(seed):
        trial = lt.simulate_odes(seed, n_per_arm=(10, 10, 10, 10), dropout=0)
        if seed % 3 == 0:
            data = trial.data.copy()
            data.loc[data.index[-1], "homa_ir"] = 0.0  # log of 0: this fit fails
            trial = dataclasses.replace(trial, data=data)
        return trial

    n_sim = 30
    bad = sum(replicate_seed(2, i) % 3 == 0 for i in range(n_sim))
    assert 0 < bad < n_sim
    res = lt.power(sometimes_zero, n_sim=n_sim, seed=2, chunk_size=7)
    assert (res.table["n_failed"] == bad).all()
    assert (res.table["n_sim"] == n_sim).all()
    assert sum(res.failures.values()) == bad
    assert all("positive" in reason for reason in res.failures)
    good = [i for i in range(n_sim) if replicate_seed(2, i) % 3 != 0]
    ok = lt.power({"n_per_arm": (10, 10, 10, 10), "dropout": 0}, n_sim=n_sim, seed=2)
    assert ok.table["n_failed"].sum() == 0
    assert len(good) == n_sim - bad


def test_memory_is_a_tally_per_chunk_not_per_replicate():
    from lifestyle_trials.simulation.chunk import run_chunk
    from lifestyle_trials.simulation.run import prepare

    plan, _ = prepare(
        {"n_per_arm": (5, 5, 5, 5), "dropout": 0},
        "homa_ir",
        "ancova",
        "factorial",
        True,
        None,
        "us",
        "satterthwaite",
        ALPHA,
        40,
        1,
    )
    small, large = run_chunk(plan, 0, 5), run_chunk(plan, 0, 40)
    assert small.n_ok.shape == large.n_ok.shape == (3,)
    assert len(large.estimate_sum) == 3
