"""lt.mi: identities that must hold exactly, intercurrent events, one post-baseline visit,
and bad input."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import cache

import numpy as np
import pandas as pd
import pytest
from tests.tolerances import CLOSED_FORM_RTOL, REML_RTOL

import lifestyle_trials as lt
from lifestyle_trials.mi.model import grouped_data
from lifestyle_trials.mi.strategies import resolve
from lifestyle_trials.models.engine.covariance import structure
from lifestyle_trials.models.engine.reml import fit_covariance

REFS = {"diet": "control", "exercise": "control", "diet+exercise": "control"}


@cache
def trial_visits() -> lt.Trial:
    return lt.simulate_odes(seed=5, n_per_arm=(20, 20, 20, 20), visits=(0, 3, 6, 12), dropout=0.25)


@cache
def draws_visits() -> lt.mi.Draws:
    return lt.mi.draws(trial_visits(), "homa_ir", log=True)


def pooled(
    draws: lt.mi.Draws,
    strategy: str = "MAR",
    estimand: str = "factorial",
    delta: pd.DataFrame | None = None,
) -> pd.DataFrame:
    imputed = lt.mi.impute(draws, strategy, references=REFS)
    return lt.mi.pool(lt.mi.analyse(imputed, "ancova", estimand=estimand, delta=delta)).effects


def test_mar_conditional_mean_equals_mmrm() -> None:
    """Under MAR, the ANCOVA of conditional-mean-imputed data estimates the MMRM's effects
    (the imputed values are the MMRM's fitted conditional means; Wolbers et al. 2022)."""
    effects = pooled(draws_visits())
    mmrm = lt.mmrm(trial_visits(), "homa_ir", log=True).effects
    merged = effects.merge(mmrm, on=["term", "visit"], suffixes=("", "_mmrm"))
    assert len(merged) == 9
    np.testing.assert_allclose(
        merged["estimate"],
        merged["estimate_mmrm"],
        rtol=REML_RTOL,
        atol=REML_RTOL * merged["estimate_mmrm"].abs().max(),
    )


def test_mar_conditional_mean_equals_the_imputation_mmrm_with_covariates() -> None:
    """With covariates (× visit in the imputation model, as in the ANCOVA at each visit) the
    MAR estimate of 'arm vs control' at each visit is the imputation MMRM's arm × visit
    coefficient."""
    draws = lt.mi.draws(trial_visits(), "homa_ir", log=True, covariates=("age", "sex"))
    assert "sex[M]:visit 12" in draws.matrices.names
    effects = lt.mi.pool(lt.mi.analyse(lt.mi.impute(draws), estimand="arms")).effects
    coef = dict(zip(draws.matrices.names, draws.fits[0].beta, strict=True))
    expected = [coef[f"{t.split(' vs ')[0]}:visit {v:g}"] for t, v in zip(
        effects["term"], effects["visit"], strict=True)]  # fmt: skip
    np.testing.assert_allclose(effects["estimate"], expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("estimand", ["factorial", "margins", "arms"])
def test_complete_data_analysis_is_lt_ancova(estimand: str) -> None:
    """Without missing values every completed dataset is the data: the full-data row of the
    analysis equals lt.ancova at each visit, and the trial says that nothing was imputed."""
    trial = lt.simulate_odes(seed=9, n_per_arm=(12, 14, 13, 15), visits=(0, 6, 12), dropout=0)
    covariates = ("age", "sex")
    draws = lt.mi.draws(trial, "homa_ir", log=True, covariates=covariates)
    assert draws.notes and "no value" in draws.notes[0]
    analysis = lt.mi.analyse(lt.mi.impute(draws), "ancova", estimand=estimand)
    for j, visit in enumerate(analysis.visits):
        fit = lt.ancova(
            trial, "homa_ir", estimand=estimand, visit=visit, log=True, covariates=covariates
        ).effects
        np.testing.assert_allclose(
            analysis.estimate[0][:, j], fit["estimate"], rtol=CLOSED_FORM_RTOL, atol=1e-12
        )
        np.testing.assert_allclose(
            analysis.std_error[0][:, j], fit["std_error"], rtol=CLOSED_FORM_RTOL
        )
        assert analysis.df[0] == fit["df"].iloc[0]
    assert lt.mi.pool(analysis).notes == draws.notes
    with pytest.raises(lt.MIError, match="unknown strategy"):
        lt.mi.impute(draws, "J2R")


def estimate(effects: pd.DataFrame, term: str, visit: float) -> float:
    row = effects[(effects["term"] == term) & (effects["visit"] == visit)]
    return float(row["estimate"].item())


def _ancova_weights(draws: lt.mi.Draws, arm: str) -> np.ndarray:
    """The ANCOVA estimate of 'arm vs control' is w'y with w = l'(Z'Z)⁻¹Z'."""
    data = draws.data
    z = np.column_stack([np.eye(len(data.arms))[data.arm], data.baseline])
    contrast = np.zeros(z.shape[1])
    contrast[0], contrast[data.arms.index(arm)] = -1.0, 1.0
    return contrast @ np.linalg.solve(z.T @ z, z.T)


@cache
def draws_staggered() -> lt.mi.Draws:
    """A trial whose every arm has dropouts from each post-baseline visit: in each arm, two
    subjects leave before visit 3, two before visit 6 and two before visit 12 (chosen by
    position, independently of the values). Simulated dropout can leave an arm without a
    dropout at some visit, where the J2R shift of that arm's effect is zero by design."""
    trial = lt.simulate_odes(seed=5, n_per_arm=(20, 20, 20, 20), visits=(0, 3, 6, 12), dropout=0)
    table = trial.data
    first_visit = {}
    for _, subjects in table.groupby("arm", sort=False)["subject"]:
        order = list(dict.fromkeys(subjects))
        for k, visit in enumerate((3.0, 3.0, 6.0, 6.0, 12.0, 12.0)):
            first_visit[order[k]] = visit
    leaves = table["subject"].map(first_visit).fillna(np.inf)
    dropped = replace(trial, data=table[table["visit"] < leaves].reset_index(drop=True))
    return lt.mi.draws(dropped, "homa_ir", log=True)


def test_jump_to_reference_moves_the_estimate_by_theory() -> None:
    """Under J2R a dropout's imputed mean at a missing visit t moves by -δ_a,t, the arm ×
    visit coefficient of its arm a in the imputation model: the conditional part is unchanged
    because the visits before the event keep the own-arm means. The ANCOVA effect is linear
    in the outcome, so it moves by Σ_i w_i (-δ_a(i),t) over the dropouts."""
    draws = draws_staggered()
    assert all(
        draws.data.missing[draws.data.arm == k].any(axis=0).all()
        for k in range(len(draws.data.arms))
    )
    data = draws.data
    mar = pooled(draws, "MAR", "arms")
    jr = pooled(draws, "JR", "arms")
    beta = draws.fits[0].beta
    names = draws.matrices.names
    for t, visit in enumerate(data.visits):
        delta = np.array([0.0] + [beta[names.index(f"{a}:visit {visit:g}")] for a in data.arms[1:]])
        shift = np.where(data.missing[:, t], -delta[data.arm], 0.0)
        for arm in ("diet", "exercise", "diet+exercise"):
            moved = estimate(jr, f"{arm} vs control", visit) - estimate(
                mar, f"{arm} vs control", visit
            )
            theory = _ancova_weights(draws, arm) @ shift
            assert abs(theory) > 1e-4
            np.testing.assert_allclose(moved, theory, rtol=1e-9, atol=1e-12)


def test_delta_shifts_the_estimate() -> None:
    """A delta of c on every imputed value of one arm moves each effect by c × Σ w_i."""
    draws = draws_visits()
    imputed = lt.mi.impute(draws, "JR", references=REFS)
    template = lt.mi.delta_template(imputed)
    template["delta"] = np.where((template["arm"] == "diet") & template["is_missing"], 0.2, 0.0)
    base = lt.mi.pool(lt.mi.analyse(imputed, "ancova", estimand="arms")).effects
    shifted = lt.mi.pool(lt.mi.analyse(imputed, "ancova", estimand="arms", delta=template)).effects
    diff = (shifted["estimate"] - base["estimate"]).to_numpy().reshape(3, 3)
    data = draws.data
    in_diet = data.arm == data.arms.index("diet")
    for t in range(3):
        shift = np.where(in_diet & data.missing[:, t], 0.2, 0.0)
        for j, arm in enumerate(("diet", "exercise", "diet+exercise")):
            np.testing.assert_allclose(
                diff[j, t], _ancova_weights(draws, arm) @ shift, rtol=1e-9, atol=1e-12
            )


def test_user_strategy_equals_named() -> None:
    draws = draws_visits()

    def jump(mu_own, mu_ref, is_mar):
        return np.where(is_mar, mu_own, mu_ref)

    a = pooled(draws, "JR")
    b = lt.mi.pool(lt.mi.analyse(lt.mi.impute(draws, jump, references=REFS))).effects
    pd.testing.assert_frame_equal(a, b)


def test_strategy_means() -> None:
    own, ref = np.array([2.0, 3.0, 4.0]), np.array([2.0, 2.5, 2.6])
    is_mar = np.array([True, True, False])
    np.testing.assert_allclose(resolve("JR")(own, ref, is_mar), [2.0, 3.0, 2.6])
    np.testing.assert_allclose(resolve("CR")(own, ref, is_mar), ref)
    np.testing.assert_allclose(resolve("CIR")(own, ref, is_mar), [2.0, 3.0, 3.1])
    np.testing.assert_allclose(resolve("LMCF")(own, ref, is_mar), [2.0, 3.0, 3.0])
    np.testing.assert_allclose(resolve("CIR")(own, ref, np.array([False] * 3)), ref)


def test_values_after_a_non_mar_event_are_left_out_of_the_fit() -> None:
    """An event with JR at a visit with observed values: the fit equals the engine's fit of
    the data without them, and the imputation conditions on them (they stay observed)."""
    trial = trial_visits()
    data = draws_visits().data
    complete = np.flatnonzero(~data.missing.any(axis=1))[:6]
    subjects = data.subjects[complete]
    ice = pd.DataFrame({"subject": subjects, "visit": 6.0, "strategy": "JR"})
    draws = lt.mi.draws(trial, "homa_ir", log=True, ice=ice)
    used = ~data.missing
    used[complete, 1:] = False
    struct = structure("us", data.visits)
    _, ev, _ = fit_covariance(
        grouped_data(draws.matrices, data.values, used, np.arange(data.n_subjects)), struct
    )
    np.testing.assert_allclose(draws.fits[0].beta, ev.beta, rtol=1e-7, atol=1e-9)
    imputed = lt.mi.impute(draws, references=REFS)
    np.testing.assert_array_equal(imputed.values[0][complete], data.values[complete])
    template = lt.mi.delta_template(imputed)
    post = template[template["subject"].isin(subjects)]
    assert post["is_post_ice"].sum() == 12 and not post["is_missing"].any()
    # a strategy that turns these subjects MAR would need a refit
    with pytest.raises(lt.MIError, match="observed after their event"):
        lt.mi.impute(draws, "MAR")


def test_one_post_baseline_visit() -> None:
    """The ODES design: baseline is a response of the imputation model; under MAR the
    conditional means lie on the within-arm regression of the completers, so the pooled
    estimate is the completers' ANCOVA; J2R moves it toward control."""
    trial = lt.simulate_odes(seed=11, visits=(0, 12))
    draws = lt.mi.draws(trial, "homa_ir", log=True)
    assert draws.data.baseline_is_response and draws.data.visits == (0.0, 12.0)
    mar = pooled(draws, "MAR")
    completers = lt.ancova(trial, "homa_ir", estimand="factorial", log=True).effects
    np.testing.assert_allclose(mar["estimate"], completers["estimate"], rtol=REML_RTOL)
    assert (mar["visit"] == 12.0).all() and np.isinf(mar["df"]).all()
    jr = pooled(draws, "JR")
    for term in ("diet", "exercise"):
        m = mar.set_index("term").loc[term, "estimate"]
        j = jr.set_index("term").loc[term, "estimate"]
        assert abs(j) < abs(m)


def test_deterministic() -> None:
    a = pooled(draws_visits(), "CIR")
    b = pooled(lt.mi.draws(trial_visits(), "homa_ir", log=True), "CIR")
    pd.testing.assert_frame_equal(a, b)


def test_random_imputation_does_not_depend_on_earlier_calls() -> None:
    """The same draws imputed twice (another strategy in between) give the same data."""
    draws = lt.mi.draws(trial_visits(), "homa_ir", method="approxbayes", n_samples=2, seed=3)
    first = lt.mi.impute(draws, "CIR", references=REFS)
    lt.mi.impute(draws, "MAR")
    again = lt.mi.impute(draws, "CIR", references=REFS)
    for a, b in zip(first.values, again.values, strict=True):
        np.testing.assert_array_equal(a, b)


def test_mmrm_analysis_of_completed_data_is_the_ancova() -> None:
    """With complete data, an unstructured covariance and the same regressors at every visit
    (covariates × visit), generalised least squares is ordinary least squares visit by visit:
    the MMRM of each completed dataset has the ANCOVA's estimates and standard errors."""
    draws = lt.mi.draws(
        trial_visits(), "homa_ir", log=True, covariates=("age", "sex"),
        resampling="bootstrap", n_samples=3, seed=4,
    )  # fmt: skip
    imputed = lt.mi.impute(draws, "JR", references=REFS)
    template = lt.mi.delta_template(imputed)
    template["delta"] = 0.1 * template["is_missing"]
    for estimand in ("factorial", "arms"):
        by_mmrm = lt.mi.analyse(imputed, "mmrm", estimand=estimand, delta=template)
        by_ancova = lt.mi.analyse(imputed, "ancova", estimand=estimand, delta=template)
        assert by_mmrm.terms == by_ancova.terms and by_mmrm.estimate.shape == (4, 3, 3)
        np.testing.assert_allclose(by_mmrm.estimate, by_ancova.estimate, rtol=1e-7, atol=1e-10)
        np.testing.assert_allclose(by_mmrm.std_error, by_ancova.std_error, rtol=1e-6)
    pd.testing.assert_frame_equal(lt.mi.pool(by_mmrm).effects, lt.mi.pool(by_ancova).effects)
    with pytest.raises(lt.MIError, match="'factorial' and 'arms'"):
        lt.mi.analyse(imputed, "mmrm", estimand="margins")
    with pytest.raises(lt.MIError, match="unknown analysis 'lm'"):
        lt.mi.analyse(imputed, "lm")


def test_mmrm_analysis_pools_by_rubin_with_its_own_df() -> None:
    """approxbayes + MMRM: Rubin's rules with the MMRM's Satterthwaite df as the
    complete-data df of each effect."""
    from lifestyle_trials.mi.pooling import rubin

    draws = lt.mi.draws(trial_visits(), "homa_ir", method="approxbayes", n_samples=3, seed=2)
    analysis = lt.mi.analyse(lt.mi.impute(draws), "mmrm", estimand="arms")
    assert analysis.df_complete.shape == (3, 3)
    assert ((analysis.df_complete > 10) & (analysis.df_complete < 80)).all()  # 80 subjects
    effects = lt.mi.pool(analysis).effects
    est, se, df = rubin(analysis.estimate, analysis.std_error, analysis.df_complete)
    np.testing.assert_allclose(effects["estimate"], est.ravel(), rtol=1e-12)
    np.testing.assert_allclose(effects["std_error"], se.ravel(), rtol=1e-12)
    np.testing.assert_allclose(effects["df"], df.ravel(), rtol=1e-12)
    # a larger complete-data df gives a larger pooled df (Barnard-Rubin is increasing in it)
    _, _, df_big = rubin(analysis.estimate, analysis.std_error, analysis.df_complete + 50)
    assert (df_big > df).all()


def test_progress_line(capsys: pytest.CaptureFixture[str]) -> None:
    from lifestyle_trials.mi.progress import Progress

    lt.mi.draws(trial_visits(), "homa_ir", resampling="bootstrap", n_samples=3, seed=1)
    assert capsys.readouterr().err == ""  # off by default when stderr is not a terminal
    lt.mi.draws(
        trial_visits(), "homa_ir", resampling="bootstrap", n_samples=3, seed=1, progress=True
    )
    assert capsys.readouterr().err.endswith("bootstrap refits: 3/3\n")
    counter = Progress(2, "x", show=True)
    counter.step()
    counter.step()
    assert capsys.readouterr().err.endswith("x: 2/2\n")


# -- bad input ------------------------------------------------------------------------------


def test_unknown_strategy_and_reference() -> None:
    draws = draws_visits()
    with pytest.raises(lt.MIError, match="unknown strategy 'J2R'"):
        lt.mi.impute(draws, "J2R", references=REFS)
    with pytest.raises(lt.MIError, match="arm 'placebo' is not in the trial"):
        lt.mi.impute(draws, "JR", references={"diet": "placebo"})
    with pytest.raises(lt.MIError, match="needs a reference arm for arm"):
        lt.mi.impute(draws, "JR", references={"diet": "control"})


def test_bad_event_table() -> None:
    trial = trial_visits()
    with pytest.raises(lt.MIError, match="subject 'nobody' is not among"):
        lt.mi.draws(trial, "homa_ir", ice=pd.DataFrame({"subject": ["nobody"], "visit": [6]}))
    subject = draws_visits().data.subjects[0]
    with pytest.raises(lt.MIError, match="visit 5 .* is not a post-baseline visit"):
        lt.mi.draws(trial, "homa_ir", ice=pd.DataFrame({"subject": [subject], "visit": [5]}))
    with pytest.raises(lt.MIError, match="visit 0 .* is not a post-baseline visit"):
        lt.mi.draws(trial, "homa_ir", ice=pd.DataFrame({"subject": [subject], "visit": [0]}))
    with pytest.raises(lt.MIError, match="lacks column"):
        lt.mi.draws(trial, "homa_ir", ice=pd.DataFrame({"subject": [subject]}))
    with pytest.raises(lt.MIError, match="unknown strategy 'J2R' for subject"):
        lt.mi.draws(
            trial,
            "homa_ir",
            ice=pd.DataFrame({"subject": [subject], "visit": [6], "strategy": ["J2R"]}),
        )
    with pytest.raises(lt.MIError, match="more than one event"):
        lt.mi.draws(trial, "homa_ir", ice=pd.DataFrame({"subject": [subject] * 2, "visit": [3, 6]}))


def test_lmcf_needs_a_visit_before_the_event() -> None:
    draws = draws_visits()
    # subjects with no post-baseline value have their event at the first visit
    assert (draws.events.index == 0).any()
    with pytest.raises(lt.MIError, match="LMCF needs a visit before the event"):
        lt.mi.impute(draws, "LMCF")


def test_bad_delta_table() -> None:
    imputed = lt.mi.impute(draws_visits())
    template = lt.mi.delta_template(imputed)
    with pytest.raises(lt.MIError, match="subject"):
        bad = template.copy()
        bad.loc[0, "subject"] = "nobody"
        lt.mi.analyse(imputed, "ancova", delta=bad)
    with pytest.raises(lt.MIError, match="visit"):
        bad = template.copy()
        bad["visit"] = bad["visit"].astype(float)
        bad.loc[0, "visit"] = 4.0
        lt.mi.analyse(imputed, "ancova", delta=bad)
    with pytest.raises(lt.MIError, match="lacks column"):
        lt.mi.analyse(imputed, "ancova", delta=template.drop(columns="delta"))
    with pytest.raises(lt.MIError, match="more than one row"):
        lt.mi.analyse(imputed, "ancova", delta=pd.concat([template, template.head(1)]))


def test_bad_options() -> None:
    trial = trial_visits()
    for method, resampling in (("approxbayes", "jackknife"), ("bmlmi", "jackknife"),
                               ("condmean", "bootstrap")):  # fmt: skip
        for n_samples in (1, 0, 2.5):
            with pytest.raises(lt.MIError, match="n_samples must be an integer of at least 2"):
                lt.mi.draws(
                    trial, "homa_ir", method=method, resampling=resampling, n_samples=n_samples
                )
    with pytest.raises(lt.MIError, match="unknown resampling"):
        lt.mi.draws(trial, "homa_ir", resampling="bayes")
    with pytest.raises(lt.MIError, match="unknown method"):
        lt.mi.draws(trial, "homa_ir", method="bayes")
    with pytest.raises(lt.MIError, match="unknown covariance"):
        lt.mi.draws(trial, "homa_ir", covariance="banded")
    with pytest.raises(lt.MIError, match="unknown estimand"):
        lt.mi.analyse(lt.mi.impute(draws_visits()), "ancova", estimand="cells")
    with pytest.raises(lt.ModelError):
        lt.mi.draws(trial, "not_an_outcome")


# -- tipping point --------------------------------------------------------------------------


def test_tipping_point() -> None:
    """At delta 0 the table is the pooled analysis; estimates move linearly with delta; the
    tipping point is the first grid value at which significance changes."""
    trial = trial_visits()
    grid = np.linspace(0.0, 0.6, 7)
    tp = lt.mi.tipping_point(
        trial,
        "homa_ir",
        deltas=grid,
        arms=["diet", "diet+exercise"],
        log=True,
        strategy="JR",
        references=REFS,
    )
    base = pooled(draws_visits(), "JR")
    base = base[base["visit"] == 12.0].set_index("term")
    zero = tp.table[tp.table["delta"] == 0.0].set_index("term")
    np.testing.assert_allclose(zero["estimate"], base.loc[zero.index, "estimate"], rtol=1e-12)
    np.testing.assert_allclose(zero["p_value"], base.loc[zero.index, "p_value"], rtol=1e-12)
    for term, part in tp.table.groupby("term"):
        slope = np.diff(part["estimate"]) / np.diff(part["delta"])
        np.testing.assert_allclose(slope, slope[0], rtol=1e-8, atol=1e-12)
        row = tp.tipping.set_index("term").loc[term]
        flips = part[part["significant"] != row["significant"]]["delta"]
        if np.isnan(row["delta"]):
            assert flips.empty
        else:
            assert row["delta"] == flips.min()
    assert not tp.tipping["delta"].isna().all()
    with pytest.raises(lt.MIError, match="arm"):
        lt.mi.tipping_point(trial, "homa_ir", deltas=grid, arms=["placebo"])


# -- the report's numbers -------------------------------------------------------------------


def test_missing_data_numbers() -> None:
    from lifestyle_trials.mi.summary import missing_data_numbers

    trial = trial_visits()
    out = missing_data_numbers(trial, "homa_ir", log=True, deltas=[0.0, 0.3])
    assert out is not None and out["visit"] == 12.0
    missing = sum(p["missing"] for p in out["pattern"])
    assert missing == out["n_missing"] == int(draws_visits().data.missing.sum())
    by_key = {a["key"]: pd.DataFrame(a["effects"]) for a in out["analyses"]}
    primary = lt.ancova(trial, "homa_ir", estimand="factorial", log=True).effects
    np.testing.assert_allclose(by_key["complete_case"]["estimate"], primary["estimate"])
    for strategy in ("MAR", "JR", "CR"):
        effects = pooled(draws_visits(), strategy)
        effects = effects[effects["visit"] == 12.0]
        np.testing.assert_allclose(by_key[strategy]["estimate"], effects["estimate"])
        np.testing.assert_allclose(by_key[strategy]["ratio"], effects["ratio"])
    assert len(out["tipping"]["grid"]) == 6
    json.dumps(out, allow_nan=False)  # plain JSON: no NaN, no numpy types
    complete = lt.simulate_odes(seed=9, n_per_arm=(12, 14, 13, 15), visits=(0, 12), dropout=0)
    assert missing_data_numbers(complete, "homa_ir") is None


@pytest.mark.parametrize("n_per_arm", [(20, 20, 0, 0), (20, 20, 0, 20), (15, 15, 15, 15)])
def test_missing_data_numbers_for_two_three_and_four_arms(n_per_arm: tuple[int, ...]) -> None:
    """Every arm but control referenced to control; each analysis equals the pipeline of
    lt.mi run by hand; the settings of [missing_data] (strategies, samples, seed) are used."""
    from lifestyle_trials.mi.summary import missing_data_numbers

    trial = lt.simulate_odes(seed=8, n_per_arm=n_per_arm, visits=(0, 6, 12), dropout=0.25)
    out = missing_data_numbers(
        trial, "homa_ir", log=True, estimand="arms", deltas=[0.0, 0.2], strategies=("CIR",),
        method="approxbayes", n_samples=3, seed=6,
    )  # fmt: skip
    arms = [a for a, n in zip(lt.ARMS, n_per_arm, strict=True) if n]
    assert [a["key"] for a in out["analyses"]] == ["complete_case", "MAR", "CIR"]
    assert "approximate Bayesian" in out["method"]
    assert {p["arm"] for p in out["pattern"]} == set(arms)
    assert out["tipping"]["arms"] == arms[1:]
    draws = lt.mi.draws(trial, "homa_ir", method="approxbayes", n_samples=3, seed=6, log=True)
    refs = {a: "control" for a in arms[1:]}
    expected = lt.mi.pool(
        lt.mi.analyse(lt.mi.impute(draws, "CIR", references=refs), estimand="arms")
    ).effects.query("visit == 12")
    cir = pd.DataFrame(out["analyses"][2]["effects"])
    assert list(cir["term"]) == [f"{a} vs control" for a in arms[1:]]
    np.testing.assert_allclose(cir["estimate"], expected["estimate"], rtol=1e-12)
    np.testing.assert_allclose(cir["std_error"], expected["std_error"], rtol=1e-12)
    json.dumps(out, allow_nan=False)


def test_missing_data_settings_are_checked() -> None:
    from lifestyle_trials.mi.settings import read_mi_settings

    assert read_mi_settings({}, "a.toml").strategies == ("MAR", "JR", "CR")
    for table, key in (
        ({"strategies": ["J2R"]}, "missing_data.strategies"),
        ({"method": "mice"}, "missing_data.method"),
        ({"n_samples": 1}, "missing_data.n_samples"),
        ({"deltas": [0.0, "a"]}, "missing_data.deltas"),
        ({"references": {"diet": 1}}, "missing_data.references"),
        ({"seed": 1.5}, "missing_data.seed"),
        ({"delta": [0.1]}, "unknown key 'missing_data.delta'"),
    ):
        with pytest.raises(lt.ConfigError, match=f"a.toml: {key}"):
            read_mi_settings(table, "a.toml")


def test_the_verbs_stay_functions_when_their_modules_are_imported():
    import importlib

    import lifestyle_trials as lt

    for module in ("analysis", "drawing", "imputation", "pooling", "delta", "tipping"):
        importlib.import_module(f"lifestyle_trials.mi.{module}")
    for verb in ("draws", "impute", "analyse", "pool", "delta_template", "tipping_point"):
        assert callable(getattr(lt.mi, verb)), verb


def test_bootstrap_pooling_percentile_and_normal() -> None:
    """Conditional mean + bootstrap: the percentile interval by default (rbmi's default type),
    the normal one on request; estimate and SE the same."""
    from lifestyle_trials.mi.pooling import percentile_interval

    draws = lt.mi.draws(
        trial_visits(), "homa_ir", log=True, resampling="bootstrap", n_samples=9, seed=2
    )
    analysed = lt.mi.analyse(lt.mi.impute(draws, "MAR"), "ancova", estimand="factorial")
    pct = lt.mi.pool(analysed)
    normal = lt.mi.pool(analysed, interval="normal")
    assert (pct.method, normal.method) == ("bootstrap (percentile)", "bootstrap (normal)")
    for column in ("estimate", "std_error"):
        np.testing.assert_array_equal(pct.effects[column], normal.effects[column])
    low, high, p = percentile_interval(analysed.estimate[1:], 0.95)
    np.testing.assert_allclose(pct.effects["conf_low"], low.ravel(), rtol=1e-14)
    np.testing.assert_allclose(pct.effects["conf_high"], high.ravel(), rtol=1e-14)
    np.testing.assert_allclose(pct.effects["p_value"], p.ravel(), rtol=1e-14)
    assert pct.effects["statistic"].isna().all()
    spread = normal.effects["std_error"].to_numpy()
    z = (normal.effects["conf_high"] - normal.effects["estimate"]).to_numpy() / spread
    np.testing.assert_allclose(z, 1.959963984540054, rtol=1e-12)
    with pytest.raises(lt.MIError, match="interval must be one of percentile, normal"):
        lt.mi.pool(analysed, interval="basic")


def test_margins_needs_the_four_arms() -> None:
    trial = lt.simulate_odes(seed=5, n_per_arm=(12, 12, 0, 12), visits=(0, 6, 12), dropout=0.2)
    imputed = lt.mi.impute(lt.mi.draws(trial, "homa_ir", log=True))
    assert lt.mi.analyse(imputed, "ancova", estimand="arms").terms
    with pytest.raises(lt.MIError, match="'margins' needs all four arms.*estimand='arms'"):
        lt.mi.analyse(imputed, "ancova", estimand="margins")
