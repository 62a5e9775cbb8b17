"""The power table does not depend on the scheduler, the number of workers or the chunking;
sample_size reuses the replicate seeds at every arm size."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import lifestyle_trials as lt

DESIGN = {"n_per_arm": (12, 14, 13, 15), "visits": (0, 6, 12), "dropout": 0.2}


def test_chunking_does_not_change_the_table():
    tables = [lt.power(DESIGN, n_sim=60, seed=4, chunk_size=size).table for size in (1, 7, 60, 500)]
    for t in tables[1:]:
        pd.testing.assert_frame_equal(t, tables[0], check_exact=True)


def test_chunking_does_not_change_the_mmrm_table():
    a = lt.power(DESIGN, analysis="mmrm", n_sim=12, seed=4, chunk_size=5).table
    b = lt.power(DESIGN, analysis="mmrm", n_sim=12, seed=4, chunk_size=12).table
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert a["visit"].tolist() == [6.0, 12.0] * 3


def test_seed_changes_the_table():
    a = lt.power(DESIGN, n_sim=60, seed=4).table
    b = lt.power(DESIGN, n_sim=60, seed=5).table
    assert not np.array_equal(a["mean_estimate"], b["mean_estimate"])


@pytest.mark.slow
def test_schedulers_give_identical_tables():
    serial = lt.power(DESIGN, n_sim=120, seed=4, chunk_size=9)
    pool = lt.power(DESIGN, n_sim=120, seed=4, chunk_size=50, scheduler="processes", workers=2)
    cluster = lt.power(
        DESIGN,
        n_sim=120,
        seed=4,
        chunk_size=13,
        scheduler="distributed",
        workers=2,
        progress=True,
    )
    pd.testing.assert_frame_equal(pool.table, serial.table, check_exact=True)
    pd.testing.assert_frame_equal(cluster.table, serial.table, check_exact=True)
    assert "distributed (2 workers)" == cluster.scheduler


def test_a_dask_client_is_used_as_it_is():
    from dask.distributed import Client, LocalCluster

    serial = lt.power(DESIGN, analysis="mmrm", n_sim=8, seed=6, chunk_size=3)
    # threads in this process: quick to start; the client's cluster is not lt.power's business
    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        with Client(cluster) as client:
            remote = lt.power(
                DESIGN, analysis="mmrm", n_sim=8, seed=6, chunk_size=2, scheduler=client
            )
            assert client.status == "running"  # not closed by lt.power
    pd.testing.assert_frame_equal(remote.table, serial.table, check_exact=True)


def test_sample_size_uses_common_random_numbers():
    ss = lt.sample_size(0.8, "diet", {"dropout": 0}, n_range=(10, 50), n_sim=120, grid=3, seed=3)
    curve = ss.curve[ss.curve["term"] == "diet"]
    assert ss.n_per_arm is not None and ss.power >= 0.8
    below = curve[curve["n_per_arm"] < ss.n_per_arm]
    assert (below["power"].iloc[-1:] < 0.8).all()  # the size just below misses the target
    assert ss.n_per_arm - below["n_per_arm"].max() == 1  # bisection down to one subject
    # the run at the chosen size is lt.power at that size with the same seed, exactly
    same = lt.power({"dropout": 0, "n_per_arm": (ss.n_per_arm,) * 4}, n_sim=120, seed=3)
    at_n = ss.curve[ss.curve["n_per_arm"] == ss.n_per_arm].drop(columns="n_per_arm")
    pd.testing.assert_frame_equal(at_n.reset_index(drop=True), same.table, check_exact=True)
    # common random numbers: the curve rises with n up to Monte Carlo noise
    steps = np.diff(curve["power"].to_numpy())
    assert (steps > -2 * curve["mc_se"].max()).all()


def test_sample_size_of_one_arm_and_unreachable_target():
    ss = lt.sample_size(
        0.99,
        "diet:exercise",
        {"dropout": 0},
        n_range=(5, 15),
        n_sim=30,
        grid=2,
        arm="diet+exercise",
    )
    assert ss.n_per_arm is None and np.isnan(ss.power)
    assert sorted(ss.curve["n_per_arm"].unique()) == [5, 15]
