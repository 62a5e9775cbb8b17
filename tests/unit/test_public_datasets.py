"""Bundled public datasets: registry, checksums, and the mapping to the diet × exercise design.

Expected summaries were computed in R 4.2.2 from the packages' own data frames (the R
expression is in the comment above each assertion), not from our files.
"""

from __future__ import annotations

import hashlib
import shutil

import numpy as np
import pytest

import lifestyle_trials as lt
from lifestyle_trials.datasets import public

NAMES = ["anorexia", "weightloss", "weightgain", "anova2_unbalanced"]


def change_by_arm(trial: lt.Trial, outcome: str, before: float, after: float) -> dict:
    wide = trial.wide(outcome)
    arm = trial.subjects().set_index("subject")["arm"]
    change = wide[after] - wide[before]
    return change.groupby(arm.loc[wide.index].to_numpy(), observed=True).mean().round(4).to_dict()


def cell_means(trial: lt.Trial, outcome: str, visit: float) -> dict:
    rows = trial.data[trial.data["visit"] == visit]
    return rows.groupby("arm", observed=True)[outcome].mean().round(4).to_dict()


def test_list_datasets_has_the_contract_columns():
    table = lt.list_datasets()
    assert list(table.columns[:8]) == [
        "name",
        "description",
        "design",
        "n",
        "citation",
        "licence",
        "source",
        "sha256",
    ]
    assert table["name"].tolist() == NAMES
    assert table[["description", "design", "citation", "licence", "source"]].notna().all().all()
    assert (table["licence_note"].str.len() > 20).all()
    assert (table["mapping"].str.len() > 100).all()


@pytest.mark.parametrize("name", NAMES[:3])
def test_registry_checksum_and_n_match_the_bundled_file(name):
    entry = lt.list_datasets().set_index("name").loc[name]
    path = public.dataset_path(name)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]
    trial = lt.load_dataset(name)
    assert trial.design.n_subjects == entry["n"]
    assert trial.provenance.sha256 == entry["sha256"]
    assert trial.provenance.licence == entry["licence"]
    assert trial.provenance.source == name


def test_anorexia_three_arms_pre_post_weight_in_pounds():
    trial = lt.load_dataset("anorexia")
    assert dict(trial.design.arm_sizes) == {"control": 26, "diet": 17, "exercise": 29}
    assert trial.design.visits == (0.0, 1.0) and trial.units["weight"] == "lb"
    # round(tapply(Postwt - Prewt, Treat, mean), 4): Cont -0.45, FT 7.2647, CBT 3.0069
    assert change_by_arm(trial, "weight", 0.0, 1.0) == {
        "control": -0.45,
        "diet": 7.2647,
        "exercise": 3.0069,
    }
    assert any("FT → diet" in step for step in trial.provenance.steps)


def test_weightloss_three_arms_without_exercise_only_and_no_baseline_measurement():
    trial = lt.load_dataset("weightloss")
    assert trial.design.arms == ("control", "diet", "diet+exercise")
    assert dict(trial.design.arm_sizes) == {"control": 12, "diet": 12, "diet+exercise": 10}
    assert trial.design.visits == (0.0, 1.0, 2.0, 3.0)
    baseline = trial.data[trial.data["visit"] == 0]
    assert baseline[["weight_loss", "self_esteem"]].isna().all().all()
    # sapply(split(WeightLoss[, -1], group), colMeans): wl1 and se3 rows
    assert cell_means(trial, "weight_loss", 1.0) == {
        "control": 4.5,
        "diet": 5.3333,
        "diet+exercise": 6.2,
    }
    assert cell_means(trial, "self_esteem", 3.0) == {
        "control": 15.0833,
        "diet": 16.1667,
        "diet+exercise": 17.6,
    }


def test_weightgain_is_a_balanced_factorial_with_the_documented_slots():
    trial = lt.load_dataset("weightgain")
    assert trial.design.is_factorial
    assert set(trial.design.arm_sizes.values()) == {10}
    # with(weightgain, tapply(weightgain, list(source, type), mean))
    # control = Beef/Low, diet = Beef/High, exercise = Cereal/Low, diet+exercise = Cereal/High
    assert cell_means(trial, "weightgain", 1.0) == {
        "control": 79.2,
        "diet": 100.0,
        "exercise": 83.9,
        "diet+exercise": 85.9,
    }
    assert trial.data.loc[trial.data["visit"] == 0, "weightgain"].isna().all()
    assert trial.units["weightgain"] == "g"


@pytest.mark.slow
def test_anova2_unbalanced_loads_from_pingouin():
    pingouin = pytest.importorskip("pingouin")
    trial = lt.load_dataset("anova2_unbalanced")
    source = pingouin.read_dataset("anova2_unbalanced")
    assert dict(trial.design.arm_sizes) == {
        "control": 4,
        "diet": 1,
        "exercise": 1,
        "diet+exercise": 4,
    }
    post = trial.data[trial.data["visit"] == 1].set_index("subject")["scores"]
    expected = source.set_index(source["Ss"].astype(str))["Scores"].astype(float)
    assert post.sort_index().to_dict() == expected.sort_index().to_dict()
    entry = lt.list_datasets().set_index("name").loc["anova2_unbalanced"]
    assert trial.provenance.sha256 == entry["sha256"]


def test_changed_file_fails_its_checksum(tmp_path, monkeypatch):
    copy = tmp_path / "public_anorexia.csv"
    shutil.copy(public.dataset_path("anorexia"), copy)
    text = copy.read_text().replace("80.7", "80.8", 1)
    copy.write_text(text)
    monkeypatch.setattr(public, "dataset_path", lambda name: copy)
    with pytest.raises(lt.DatasetError, match="SHA-256") as info:
        lt.load_dataset("anorexia")
    assert isinstance(info.value, ValueError)
    copy.unlink()
    with pytest.raises(lt.DatasetError, match="missing"):
        lt.load_dataset("anorexia")


def test_unknown_dataset_lists_the_names():
    with pytest.raises(lt.DatasetError, match="anorexia, weightloss"):
        lt.load_dataset("iris")


def test_loaded_values_equal_the_file(tmp_path):
    path = public.dataset_path("anorexia")
    raw = np.genfromtxt(path, delimiter=",", names=True, dtype=None, encoding="utf-8")
    trial = lt.load_dataset("anorexia")
    wide = trial.wide("weight")
    np.testing.assert_array_equal(wide[0.0].to_numpy(), raw["Prewt"])
    np.testing.assert_array_equal(wide[1.0].to_numpy(), raw["Postwt"])
