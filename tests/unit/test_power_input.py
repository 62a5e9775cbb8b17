"""lt.power, lt.sample_size and lt.power_ancova: bad input is refused with the package's errors,
and the building blocks (replicate seeds, the fast ODES draw) do what they promise."""

from __future__ import annotations

import numpy as np
import pytest

import lifestyle_trials as lt
from lifestyle_trials.simulation.design import replicate_seed
from lifestyle_trials.simulation.odes_chunk import draw_replicates
from lifestyle_trials.simulation.odes_draw import OdesDraw, draw_replicate
from lifestyle_trials.simulation.replicate import from_trial

SMALL = {"n_per_arm": (10, 10, 10, 10), "dropout": 0.0}


def test_unknown_simulate_argument_is_named():
    with pytest.raises(lt.ConfigError, match="'n_arm'.*simulate_odes accepts"):
        lt.power({"n_arm": (10, 10, 10, 10)}, n_sim=2)


def test_seed_in_simulate_is_refused_with_the_reason():
    with pytest.raises(lt.ConfigError, match="own seed"):
        lt.power({"seed": 3}, n_sim=2)


def test_out_of_range_simulate_value_is_refused():
    with pytest.raises(lt.ConfigError, match="dropout"):
        lt.power({"dropout": 1.5}, n_sim=2)


@pytest.mark.parametrize("sizes", [(1, 10, 10, 10), (10, 10, 1, 10)])
def test_arm_of_fewer_than_two_subjects(sizes):
    with pytest.raises(lt.ConfigError, match="n_per_arm"):
        lt.power({"n_per_arm": sizes}, n_sim=2)


@pytest.mark.parametrize("alpha", [0, 1, -0.1, 1.5, "a"])
def test_alpha_outside_unit_interval(alpha):
    with pytest.raises(lt.ConfigError, match="alpha"):
        lt.power(SMALL, n_sim=2, alpha=alpha)


def test_factorial_without_four_arms():
    with pytest.raises(lt.ModelError, match="all four arms"):
        lt.power({"n_per_arm": (10, 10, 0, 10)}, estimand="factorial", n_sim=2)


def test_arms_estimand_without_one_arm_analyses_the_others():
    res = lt.power({"n_per_arm": (10, 10, 0, 10), "dropout": 0}, estimand="arms", n_sim=20)
    assert res.table["term"].tolist() == ["diet vs control", "diet+exercise vs control"]
    assert (res.table["n_failed"] == 0).all()


def test_mmrm_margins_is_refused():
    with pytest.raises(lt.ModelError, match="margins"):
        lt.power(SMALL, analysis="mmrm", estimand="margins", n_sim=2)


def test_unknown_analysis_and_estimand():
    with pytest.raises(lt.ModelError, match="analysis"):
        lt.power(SMALL, analysis="anova", n_sim=2)
    with pytest.raises(lt.ModelError, match="estimand"):
        lt.power(SMALL, estimand="main", n_sim=2)


def test_callable_must_return_a_trial():
    with pytest.raises(lt.ConfigError, match="must return a lifestyle_trials.Trial, got dict"):
        lt.power(lambda seed: {"seed": seed}, n_sim=2)


def test_callable_trial_without_four_arms_cannot_be_factorial():
    def three_arms(seed):
        trial = lt.simulate_odes(seed, n_per_arm=(10, 10, 0, 10), dropout=0)
        return trial

    with pytest.raises(lt.ModelError, match="needs all four arms"):
        lt.power(three_arms, n_sim=2)


def test_unknown_outcome_of_callable_trial():
    with pytest.raises(lt.ConfigError, match="'hba1c'"):
        lt.power(lambda seed: lt.simulate_odes(seed, n_per_arm=(5, 5, 5, 5)), "hba1c", n_sim=2)


def test_unknown_scheduler():
    with pytest.raises(lt.ConfigError, match="scheduler"):
        lt.power(SMALL, n_sim=2, scheduler="threads")
    with pytest.raises(lt.ConfigError, match="scheduler"):
        lt.power(SMALL, n_sim=2, scheduler=object())


def test_dask_cluster_that_cannot_start(monkeypatch):
    import dask.distributed  # what lt.power imports the cluster from

    def refuse(*args, **kwargs):
        raise OSError("no ports available")

    monkeypatch.setattr(dask.distributed, "LocalCluster", refuse)
    with pytest.raises(lt.SchedulerError, match="could not start a local Dask cluster.*ports"):
        lt.power(SMALL, n_sim=2, scheduler="distributed", workers=2)


def test_sample_size_bad_input():
    with pytest.raises(lt.ConfigError, match="target"):
        lt.sample_size(1.2, "diet", SMALL)
    with pytest.raises(lt.ConfigError, match="n_range"):
        lt.sample_size(0.8, "diet", SMALL, n_range=(1, 10))
    with pytest.raises(lt.ConfigError, match="function"):
        lt.sample_size(0.8, "diet", lambda seed: lt.simulate_odes(seed))
    with pytest.raises(lt.ModelError, match="term 'age'"):
        lt.sample_size(0.8, "age", SMALL, n_sim=2)


def test_power_ancova_bad_input():
    with pytest.raises(lt.ConfigError, match="n_per_arm"):
        lt.power_ancova(0.1, 1.0, 1)
    with pytest.raises(lt.ConfigError, match="alpha"):
        lt.power_ancova(0.1, 1.0, 10, alpha=0)
    with pytest.raises(lt.ModelError, match="term"):
        lt.power_ancova(0.1, 1.0, 10, term="diet vs control")


def test_replicate_seeds_are_seedsequence_children():
    children = np.random.SeedSequence(42).spawn(5)
    expected = [int(c.generate_state(1, np.uint64)[0]) for c in children]
    assert [replicate_seed(42, i) for i in range(5)] == expected
    assert len({replicate_seed(42, i) for i in range(1000)}) == 1000


@pytest.mark.parametrize("outcome", ["homa_ir", "glucose", "insulin", "weight"])
@pytest.mark.parametrize(
    "arguments",
    [
        {},
        {"n_per_arm": (7, 9, 11, 13), "visits": (0, 3, 6, 12), "dropout": 0.3},
        {
            "visits": (0, 12, 24),
            "dropout": (0.1, 0.2, 0.0, 0.5),
            "effect_scale": 0.0,
            "dropout_strength": 0.0,
        },
        {
            "visits": (0, 6, 12),
            "dropout": 0.25,
            "dropout_mechanism": "mnar",
        },
    ],
)
def test_fast_draw_equals_simulate_odes(outcome, arguments):
    draw = OdesDraw.of(arguments, outcome)
    for seed in (0, 11, replicate_seed(1, 3)):
        fast = draw_replicate(draw, seed)
        slow = from_trial(lt.simulate_odes(seed, **arguments), outcome)
        assert fast.equals(slow)


@pytest.mark.parametrize("outcome", ["homa_ir", "insulin"])
@pytest.mark.parametrize(
    "arguments",
    [
        {},
        {"n_per_arm": (7, 9, 11, 13), "visits": (0, 3, 6, 12), "dropout": 0.3},
        {"visits": (0, 12, 24), "dropout": (0.1, 0.2, 0.0, 0.5), "dropout_strength": 0.0},
        {"visits": (0, 6, 12), "dropout": 0.25, "dropout_mechanism": "mar"},
    ],
)
def test_chunk_draw_equals_simulate_odes(outcome, arguments):
    # every replicate of a chunk drawn together, value for value the trial simulate_odes makes
    draw = OdesDraw.of(arguments, outcome)
    seeds = [replicate_seed(2, i) for i in range(6)] + [0]
    for seed, fast in zip(seeds, draw_replicates(draw, seeds), strict=True):
        assert fast.equals(from_trial(lt.simulate_odes(seed, **arguments), outcome))


def test_from_trial_matches_the_long_table():
    trial = lt.simulate_odes(5, n_per_arm=(4, 4, 4, 4), visits=(0, 6, 12), dropout=0.5)
    rep = from_trial(trial, "insulin")
    data = trial.data
    subjects = data["subject"].unique()
    wide = data.pivot(index="subject", columns="visit", values="insulin").loc[subjects]
    np.testing.assert_array_equal(rep.baseline, wide[0.0].to_numpy())
    np.testing.assert_array_equal(rep.follow_up, wide[[6.0, 12.0]].to_numpy())
    first = data.drop_duplicates("subject").set_index("subject").loc[subjects]
    np.testing.assert_array_equal(rep.arm, first["diet"] + 2 * first["exercise"])


def test_public_functions_are_the_functions_whatever_is_imported():
    import importlib
    import types

    for name in ("run", "sample_size", "closed_form", "chunk", "schedulers"):
        importlib.import_module(f"lifestyle_trials.simulation.{name}")
    importlib.reload(importlib.import_module("lifestyle_trials.simulation"))
    for name, module in (
        ("power", "run"),
        ("sample_size", "sample_size"),
        ("power_ancova", "closed_form"),
    ):
        function = getattr(lt, name)
        assert isinstance(function, types.FunctionType)
        assert function.__module__ == f"lifestyle_trials.simulation.{module}"
    assert lt.power({"n_per_arm": (5, 5, 5, 5)}, n_sim=2, progress=False).table.shape[0] == 3
