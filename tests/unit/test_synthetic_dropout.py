"""Dropout mechanisms of the synthetic ODES trial and the truth over the analysed subjects.

Simulation checks are seeded; tolerances are Monte Carlo standard errors (Z of them) plus,
where the truth comes from the reference population of ``odes_analysed``, that reference's
own error (checked below against a second reference population).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import lifestyle_trials as lt
from lifestyle_trials.arms import ARMS
from lifestyle_trials.datasets.odes_analysed import REFERENCE_SEED, analysed_means
from lifestyle_trials.datasets.odes_change import arm_changes, reference_means
from lifestyle_trials.datasets.odes_params import factorial
from lifestyle_trials.datasets.odes_settings import checked_settings

Z = 4.0
UNEQUAL = (0.1, 0.4, 0.1, 0.4)  # the diet arms lose more


def _log_homa(trial: lt.Trial) -> pd.DataFrame:
    return np.log(trial.wide("homa_ir"))


# -- mechanics -------------------------------------------------------------------------------


@pytest.mark.parametrize("mechanism", ["mar", "mnar"])
def test_mar_and_mnar_keep_exact_counts_and_monotone_dropout(mechanism):
    n = (40, 50, 60, 70)
    trial = lt.simulate_odes(
        seed=4, n_per_arm=n, visits=(0, 3, 6, 12), dropout=0.3, dropout_mechanism=mechanism
    )
    dropout = trial.truth["dropout"]
    assert dropout.mechanism == mechanism and dropout.strength == 1.0
    assert list(dropout.dropped.values()) == [12, 15, 18, 21]  # round(0.3 n), halves up
    visits = trial.data.groupby("subject", sort=False)["visit"].agg(list)
    for subject, last in zip(dropout.subjects, dropout.last_visit, strict=True):
        assert visits[subject] == [v for v in (0.0, 3.0, 6.0, 12.0) if v <= last]
    assert set(dropout.last_visit) == {0.0, 3.0, 6.0}
    completers = trial.data.loc[trial.data["visit"] == 12, "arm"].value_counts()
    assert completers.reindex(ARMS).tolist() == [28, 35, 42, 49]


def test_the_mechanism_changes_who_drops_out_not_the_values():
    kwargs = {"seed": 12, "n_per_arm": (30,) * 4, "visits": (0, 6, 12)}
    full = lt.simulate_odes(**kwargs, dropout=0)
    for mechanism in ("baseline", "mar", "mnar"):
        trial = lt.simulate_odes(**kwargs, dropout=0.3, dropout_mechanism=mechanism)
        merged = trial.data.merge(full.data, on=["subject", "visit"], suffixes=("", "_full"))
        assert len(merged) == len(trial.data)
        np.testing.assert_array_equal(merged["homa_ir"], merged["homa_ir_full"])


def test_mar_dropout_follows_the_last_observed_value():
    # after the 6-month visit, those who leave have the higher 6-month HOMA-IR, beyond what
    # their baseline predicts (a dropout on the baseline only would not do that)
    kwargs = {"seed": 13, "n_per_arm": (3000,) * 4, "visits": (0, 6, 12)}
    full = _log_homa(lt.simulate_odes(**kwargs, dropout=0))
    slope, intercept = np.polyfit(full[0.0], full[6.0], 1)
    residual = full[6.0] - (intercept + slope * full[0.0])
    trial = lt.simulate_odes(**kwargs, dropout=0.3, dropout_mechanism="mar")
    d = trial.truth["dropout"]
    after_six = [s for s, last in zip(d.subjects, d.last_visit, strict=True) if last == 6.0]
    stayed = full.index.difference(d.subjects)
    gap = residual[after_six].mean() - residual[stayed].mean()
    se = math.hypot(
        residual[after_six].std() / math.sqrt(len(after_six)),
        residual[stayed].std() / math.sqrt(len(stayed)),
    )
    assert gap > 8 * se


def test_mnar_dropout_follows_the_unobserved_value():
    # with one post-baseline visit: "mnar" selects on the 12-month value nobody sees, so the
    # dropouts' log change is higher than the completers'; "baseline" selects on the
    # observed baseline, and regression to the mean makes their change lower instead
    kwargs = {"seed": 14, "n_per_arm": (3000,) * 4}
    full = _log_homa(lt.simulate_odes(**kwargs, dropout=0))
    change = full[12.0] - full[0.0]
    gaps = {}
    for mechanism in ("baseline", "mnar"):
        trial = lt.simulate_odes(**kwargs, dropout=0.3, dropout_mechanism=mechanism)
        dropped = change.index.isin(trial.truth["dropout"].subjects)
        se = math.hypot(
            change[dropped].std() / math.sqrt(dropped.sum()),
            change[~dropped].std() / math.sqrt((~dropped).sum()),
        )
        gaps[mechanism] = (change[dropped].mean() - change[~dropped].mean()) / se
    assert gaps["mnar"] > 8
    assert gaps["baseline"] < -Z


# -- the truth over the analysed subjects ----------------------------------------------------


def test_without_dropout_the_completers_truth_is_the_randomised_truth():
    trial = lt.simulate_odes(seed=1, n_per_arm=(5,) * 4, visits=(0, 6, 12), dropout=0)
    for truth in trial.truth["outcomes"].values():
        assert truth.completers_change == truth.change
        assert truth.completers_effects == truth.effects
        assert truth.completers_log_effects == truth.log_effects
        assert set(truth.completers_baseline_mean.values()) == {truth.baseline_mean}


def test_default_dropout_shrinks_natural_scale_effects_of_completers():
    # completers start with lower HOMA-IR and change less in absolute terms; on the log
    # scale the dropout (on the baseline only) leaves the effects nearly unchanged
    homa = lt.simulate_odes(seed=1).truth["outcomes"]["homa_ir"]
    randomised, completers = homa.effects[12.0]["diet"], homa.completers_effects[12.0]["diet"]
    assert randomised < completers < 0
    assert completers - randomised == pytest.approx(0.06, abs=0.02)
    for term, value in homa.log_effects[12.0].items():
        assert homa.completers_log_effects[12.0][term] == pytest.approx(value, abs=0.005)
    assert all(4.6 < m < 5.0 for m in homa.completers_baseline_mean.values())


def test_an_arm_that_loses_everybody_has_no_completers_truth():
    truth = lt.simulate_odes(seed=2, n_per_arm=(5,) * 4, dropout=(0, 0, 0, 1)).truth
    change = truth["outcomes"]["insulin"].completers_change[12.0]
    assert math.isnan(change["diet+exercise"]) and not math.isnan(change["control"])


@pytest.mark.parametrize(
    ("mechanism", "visits"), [("baseline", (0, 12)), ("mar", (0, 6, 12)), ("mnar", (0, 12))]
)
def test_completers_truth_matches_a_large_trial(mechanism, visits):
    trial = lt.simulate_odes(
        seed=15,
        n_per_arm=(10_000,) * 4,
        visits=visits,
        dropout=UNEQUAL,
        dropout_mechanism=mechanism,
        dropout_strength=2.0,
    )
    d = trial.data
    base = d[d["visit"] == 0].set_index("subject")
    last = d[d["visit"] == 12].set_index("subject")
    first = base.loc[last.index]
    for outcome in ("homa_ir", "insulin", "weight", "glucose"):
        truth = trial.truth["outcomes"][outcome]
        change = last[outcome] - first[outcome]
        log_change = np.log(last[outcome]) - np.log(first[outcome])
        log_means, log_se2 = {}, 0.0
        for arm in ARMS:
            in_arm = last["arm"] == arm
            x = change[in_arm]
            se = x.std() / math.sqrt(len(x))
            expected = truth.completers_change[12.0][arm]
            # plus the reference population's error: about 1 % of the change's SD
            assert abs(x.mean() - expected) < Z * se + 0.01 * x.std(), (outcome, arm)
            log_means[arm] = log_change[in_arm].mean()
            log_se2 += log_change[in_arm].var() / in_arm.sum()
        if truth.completers_log_effects is not None:
            # the contrasts of the completers' mean log changes (each contrast has a standard
            # error of at most the root of the summed variances)
            for term, value in factorial(log_means).items():
                expected = truth.completers_log_effects[12.0][term]
                assert abs(value - expected) < Z * math.sqrt(log_se2) + 0.005, (outcome, term)


def test_the_reference_population_is_large_enough():
    # a second, independent reference population gives the same truth within the
    # tolerances used above
    settings = checked_settings(1, (43, 55, 54, 67), (0, 6, 12), UNEQUAL, None, 1.0, "mar", 2.0)
    male = np.arange(219) < 198
    change = arm_changes(settings, reference_means(male))
    share = float(male.mean())
    a = analysed_means(settings, share, change)
    b = analysed_means(settings, share, change, reference_seed=REFERENCE_SEED + 1)
    for arm in ARMS:
        assert a["homa_ir"]["change"][12.0][arm] == pytest.approx(
            b["homa_ir"]["change"][12.0][arm], abs=0.02
        )
        assert a["homa_ir"]["log_change"][12.0][arm] == pytest.approx(
            b["homa_ir"]["log_change"][12.0][arm], abs=0.005
        )
        assert a["homa_ir"]["baseline"][12.0][arm] == pytest.approx(
            b["homa_ir"]["baseline"][12.0][arm], abs=0.03
        )


# -- what the mechanisms do to the analyses (small seeded simulation studies) -----------------


def _diet_estimates(mechanism: str, n_trials: int) -> tuple[np.ndarray, np.ndarray, float]:
    """MMRM and completers' ANCOVA estimates of the diet effect on log HOMA-IR at 12 months."""
    mmrm, ancova = [], []
    for r in range(n_trials):
        trial = lt.simulate_odes(
            seed=5000 + r,
            n_per_arm=(100,) * 4,
            visits=(0, 6, 12),
            dropout=UNEQUAL,
            dropout_mechanism=mechanism,
            dropout_strength=3.0,
        )
        e = lt.mmrm(trial, "homa_ir", log=True).effects
        mmrm.append(e.loc[(e["term"] == "diet") & (e["visit"] == 12.0), "estimate"].iloc[0])
        a = lt.ancova(trial, "homa_ir", estimand="factorial", log=True).effects
        ancova.append(a.loc[a["term"] == "diet", "estimate"].iloc[0])
    truth = trial.truth["outcomes"]["homa_ir"].log_effects[12.0]["diet"]
    return np.asarray(mmrm), np.asarray(ancova), truth


def _bias(estimates: np.ndarray, truth: float) -> tuple[float, float]:
    return float(estimates.mean() - truth), float(estimates.std(ddof=1) / math.sqrt(len(estimates)))


def test_under_mar_mmrm_is_unbiased_and_completers_are_not():
    # dropout after each visit from the HOMA-IR just observed, more of it in the diet arms:
    # MMRM uses every observed value and is right under MAR; completers' ANCOVA keeps the
    # diet arms' lower trajectories and overstates the diet effect (more negative)
    mmrm, ancova, truth = _diet_estimates("mar", 25)
    bias, se = _bias(mmrm, truth)
    assert abs(bias) < 3.5 * se, (bias, se)
    bias, se = _bias(ancova, truth)
    assert bias < -3 * se, (bias, se)


def test_under_mnar_mmrm_is_biased():
    # dropout from the value that is never observed: MMRM's MAR assumption fails and it
    # overstates the diet effect too
    mmrm, _, truth = _diet_estimates("mnar", 25)
    bias, se = _bias(mmrm, truth)
    assert bias < -3 * se, (bias, se)
