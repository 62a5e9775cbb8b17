"""Marginal means and contrasts through the LinearFit protocol alone (no model of the package).

The fits here are one-way and two-way cell-means models built from raw samples, whose marginal
means, contrasts and adjusted p-values have independent implementations in scipy and
statsmodels; the comparisons with R's emmeans on real models are in test_ancova_reference.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from tests.tolerances import CLOSED_FORM_RTOL

from lifestyle_trials.errors import ModelError
from lifestyle_trials.models.engine.adjust import adjust_family, dunnett_probability
from lifestyle_trials.models.marginal import (
    contrast,
    count_grid,
    linear_contrasts,
    marginal_means,
    reference_grid,
)
from lifestyle_trials.models.results import LinearFit

MVT_ATOL = 2e-4
"""Quasi-Monte Carlo multivariate t probabilities (ours and scipy.stats.dunnett's, each
with its own points): absolute tolerance on p-values and critical values."""


@dataclass(frozen=True)
class CellMeansFit:
    """A cell-means model of one factor ``group`` (or of a grid of factors mapped to cells)."""

    samples: dict[tuple, np.ndarray]
    names: tuple[str, ...]
    levels: tuple[tuple, ...]
    log: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def cells(self) -> list[tuple]:
        return list(self.samples)

    @property
    def coef(self) -> pd.Series:
        return pd.Series([s.mean() for s in self.samples.values()], index=map(str, self.cells))

    @property
    def sigma2(self) -> float:
        resid = np.concatenate([s - s.mean() for s in self.samples.values()])
        return float(resid @ resid / self.df_resid)

    @property
    def df_resid(self) -> float:
        return sum(len(s) for s in self.samples.values()) - len(self.samples)

    @property
    def vcov(self) -> pd.DataFrame:
        v = np.diag([self.sigma2 / len(s) for s in self.samples.values()])
        return pd.DataFrame(v, index=self.coef.index, columns=self.coef.index)

    @property
    def grid_variables(self) -> dict[str, tuple]:
        return dict(zip(self.names, self.levels, strict=True))

    @property
    def grid_counts(self) -> pd.DataFrame:
        rows = [(*cell, len(s)) for cell, s in self.samples.items()]
        return pd.DataFrame(rows, columns=[*self.names, "n"])

    def model_rows(self, grid: pd.DataFrame) -> np.ndarray:
        index = {cell: i for i, cell in enumerate(self.cells)}
        out = np.full((len(grid), len(index)), np.nan)
        for r, point in enumerate(grid[list(self.names)].itertuples(index=False)):
            if tuple(point) in index:
                out[r] = 0.0
                out[r, index[tuple(point)]] = 1.0
        return out

    def contrast_df(self, contrasts: np.ndarray) -> np.ndarray:
        return np.full(len(contrasts), float(self.df_resid))


def _two_by_two(seed: int = 3, sizes=(12, 15, 9, 20)) -> CellMeansFit:
    rng = np.random.default_rng(seed)
    cells = [(0, 0), (1, 0), (0, 1), (1, 1)]
    centres = [5.0, 4.2, 4.6, 3.5]
    samples = {c: rng.normal(m, 1.0, n) for c, m, n in zip(cells, centres, sizes, strict=True)}
    return CellMeansFit(samples, ("diet", "exercise"), ((0, 1), (0, 1)))


def _rel(a, b):
    np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=CLOSED_FORM_RTOL)


def test_fit_satisfies_protocol():
    assert isinstance(_two_by_two(), LinearFit)


def test_grid_order_first_variable_fastest():
    grid = reference_grid(_two_by_two())
    assert grid.to_numpy().tolist() == [[0, 0], [1, 0], [0, 1], [1, 1]]


def test_count_grid():
    frame = pd.DataFrame({"a": [1, 0, 1, 1], "b": ["x", "y", "x", "y"]})
    out = count_grid(frame, ["a", "b"])
    assert out.to_dict("list") == {"a": [0, 1, 1], "b": ["y", "x", "y"], "n": [1, 2, 1]}


def test_cell_means_equal_and_weighted_margins():
    fit = _two_by_two()
    s = fit.samples
    arms = marginal_means(fit, ["diet", "exercise"])
    _rel(arms.table["estimate"], [s[c].mean() for c in fit.cells])
    assert arms.labels == ("control", "diet", "exercise", "diet+exercise")
    se = np.sqrt(fit.sigma2 / np.array([len(s[c]) for c in fit.cells]))
    _rel(arms.table["std_error"], se)

    # equal weights: the average of the two cell means at each diet level
    diet = marginal_means(fit, "diet")
    _rel(
        diet.table["estimate"],
        [(s[0, 0].mean() + s[0, 1].mean()) / 2, (s[1, 0].mean() + s[1, 1].mean()) / 2],
    )
    _rel(
        diet.table["std_error"],
        [np.sqrt(fit.sigma2 / 4 * (1 / 12 + 1 / 9)), np.sqrt(fit.sigma2 / 4 * (1 / 15 + 1 / 20))],
    )
    # proportional: exercise levels weighted by their marginal counts (12+15, 9+20)
    prop = marginal_means(fit, "diet", weights="proportional")
    w0, w1 = 27 / 56, 29 / 56
    _rel(
        prop.table["estimate"],
        [w0 * s[0, 0].mean() + w1 * s[0, 1].mean(), w0 * s[1, 0].mean() + w1 * s[1, 1].mean()],
    )
    # cells: the raw mean of all observations at that diet level
    cells = marginal_means(fit, "diet", weights="cells")
    _rel(
        cells.table["estimate"],
        [np.concatenate([s[0, 0], s[0, 1]]).mean(), np.concatenate([s[1, 0], s[1, 1]]).mean()],
    )


def test_factorial_and_arm_contrasts_by_hand():
    fit = _two_by_two()
    m = {k: v.mean() for k, v in fit.samples.items()}
    arms = marginal_means(fit, ["diet", "exercise"])
    fac = contrast(arms, "factorial").table.set_index("term")
    _rel(fac.loc["diet", "estimate"], ((m[1, 0] - m[0, 0]) + (m[1, 1] - m[0, 1])) / 2)
    _rel(fac.loc["exercise", "estimate"], ((m[0, 1] - m[0, 0]) + (m[1, 1] - m[1, 0])) / 2)
    _rel(fac.loc["diet:exercise", "estimate"], (m[1, 1] - m[0, 1]) - (m[1, 0] - m[0, 0]))
    var = fit.sigma2 * sum(1 / len(v) for v in fit.samples.values())
    _rel(fac.loc["diet:exercise", "std_error"], np.sqrt(var))
    assert (fac["df"] == fit.df_resid).all()

    trt = contrast(arms, "trt.vs.ctrl").table
    assert trt["term"].tolist() == [
        "diet vs control",
        "exercise vs control",
        "diet+exercise vs control",
    ]
    _rel(trt["estimate"], [m[1, 0] - m[0, 0], m[0, 1] - m[0, 0], m[1, 1] - m[0, 0]])

    pair = contrast(arms, "pairwise").table
    assert len(pair) == 6 and pair["term"].iloc[0] == "control vs diet"
    _rel(pair["estimate"].iloc[0], m[0, 0] - m[1, 0])
    rev = contrast(arms, "revpairwise").table
    _rel(rev["estimate"], -pair["estimate"])

    custom = contrast(arms, {"DE vs mean(D, E)": [0, -0.5, -0.5, 1]}).table
    _rel(custom["estimate"], m[1, 1] - (m[1, 0] + m[0, 1]) / 2)


def test_simple_effects_by_other_factor():
    fit = _two_by_two()
    m = {k: v.mean() for k, v in fit.samples.items()}
    arms = marginal_means(fit, ["diet", "exercise"])
    simple = contrast(arms, "trt.vs.ctrl", by="exercise").table
    assert simple["exercise"].tolist() == [0, 1]
    assert simple["term"].tolist() == ["diet=1 vs diet=0"] * 2
    _rel(simple["estimate"], [m[1, 0] - m[0, 0], m[1, 1] - m[0, 1]])
    # the same from means computed by exercise
    by_means = marginal_means(fit, "diet", by="exercise")
    again = contrast(by_means, "trt.vs.ctrl").table
    _rel(again["estimate"], simple["estimate"])
    _rel(again["std_error"], simple["std_error"])


def test_two_sample_t_equals_scipy():
    fit = _two_by_two(sizes=(10, 10, 10, 10))
    arms = marginal_means(fit, ["diet", "exercise"])
    row = contrast(arms, "trt.vs.ctrl").table.iloc[0]
    # a pooled-variance t over all four groups: scipy's one-way ANOVA residual variance
    t = row["statistic"]
    p = 2 * stats.t.sf(abs(t), fit.df_resid)
    _rel(row["p_value"], p)


def test_holm_and_bonferroni_equal_statsmodels():
    fit = _two_by_two()
    arms = marginal_means(fit, ["diet", "exercise"])
    for method in ("holm", "bonferroni"):
        table = contrast(arms, "pairwise", adjust=method).table
        expected = multipletests(table["p_value"], method=method)[1]
        _rel(table["p_adjusted"], expected)
        # confidence limits are Bonferroni's for both
        crit = stats.t.ppf(1 - 0.05 / (2 * 6), fit.df_resid)
        _rel(table["conf_high_adjusted"], table["estimate"] + crit * table["std_error"])


def test_dunnett_equals_scipy_dunnett():
    rng = np.random.default_rng(11)
    arms = ("control", "diet", "exercise", "diet+exercise")
    sizes = (14, 19, 11, 23)
    samples = {
        (a,): rng.normal(mu, 1.3, n)
        for a, mu, n in zip(arms, (5.0, 4.3, 4.8, 4.0), sizes, strict=True)
    }
    fit = CellMeansFit(samples, ("arm",), (arms,))
    means = marginal_means(fit, "arm")
    table = contrast(means, "trt.vs.ctrl", adjust="dunnett").table
    ref = stats.dunnett(
        *(samples[(a,)] for a in arms[1:]),
        control=samples[("control",)],
        random_state=np.random.default_rng(0),
    )
    np.testing.assert_allclose(table["statistic"], ref.statistic, rtol=CLOSED_FORM_RTOL)
    np.testing.assert_allclose(table["p_adjusted"], ref.pvalue, atol=MVT_ATOL)
    ci = ref.confidence_interval(0.95)
    np.testing.assert_allclose(table["conf_low_adjusted"], ci.low, atol=MVT_ATOL)
    np.testing.assert_allclose(table["conf_high_adjusted"], ci.high, atol=MVT_ATOL)


def test_dunnett_single_contrast_is_unadjusted_and_probability_limits():
    fam = adjust_family(np.array([2.0]), np.array([20.0]), np.eye(1), "dunnett")
    _rel(fam.p_value, 2 * stats.t.sf(2.0, 20))
    assert dunnett_probability(0.0, np.eye(2), 10.0) == 0.0
    # independent normal statistics: P(max |Z| < c) = (1 - 2 Phi(-c))^3
    c = 2.2
    expected = (1 - 2 * stats.norm.sf(c)) ** 3
    assert abs(dunnett_probability(c, np.eye(3), np.inf) - expected) < 1e-6


def test_dunnett_between_unadjusted_and_bonferroni():
    fit = _two_by_two()
    arms = marginal_means(fit, ["diet", "exercise"])
    d = contrast(arms, "trt.vs.ctrl", adjust="dunnett").table
    b = contrast(arms, "trt.vs.ctrl", adjust="bonferroni").table
    assert (d["p_adjusted"] >= d["p_value"]).all()
    assert (d["p_adjusted"] <= b["p_adjusted"] + 1e-12).all()


def test_log_scale_back_transformation():
    fit = CellMeansFit(_two_by_two().samples, ("diet", "exercise"), ((0, 1), (0, 1)), log=True)
    arms = marginal_means(fit, ["diet", "exercise"])
    _rel(arms.table["response"], np.exp(arms.table["estimate"]))
    _rel(arms.table["response_low"], np.exp(arms.table["conf_low"]))
    fac = contrast(arms, "factorial", adjust="holm").table
    _rel(fac["ratio"], np.exp(fac["estimate"]))
    _rel(fac["ratio_high_adjusted"], np.exp(fac["conf_high_adjusted"]))
    plain = marginal_means(fit, "diet", log=False)
    assert "response" not in plain.table


def test_non_estimable_cell_propagates_nan():
    full = _two_by_two()
    samples = {k: v for k, v in full.samples.items() if k != (0, 1)}
    fit = CellMeansFit(samples, ("diet", "exercise"), ((0, 1), (0, 1)))
    arms = marginal_means(fit, ["diet", "exercise"])
    assert np.isnan(arms.table["estimate"].iloc[2])
    assert np.isfinite(arms.table["estimate"].drop(index=2)).all()
    trt = contrast(arms, "trt.vs.ctrl", adjust="dunnett").table.set_index("term")
    assert np.isnan(trt.loc["exercise vs control", "estimate"])
    assert np.isnan(trt.loc["exercise vs control", "p_adjusted"])
    # the family is the two estimable contrasts
    two = adjust_family(
        trt["statistic"].dropna().to_numpy(),
        np.full(2, fit.df_resid),
        np.corrcoef(np.eye(2)),
        "bonferroni",
    )
    _rel(
        contrast(arms, "trt.vs.ctrl", adjust="bonferroni").table["p_adjusted"].dropna(), two.p_value
    )
    diet = marginal_means(fit, "diet")
    assert np.isnan(diet.table["estimate"].iloc[0])


def test_linear_contrasts_with_groups_adjust_within_group():
    fit = _two_by_two()
    L = np.array([[1, -1, 0, 0], [0, 0, 1, -1], [1, 0, -1, 0], [0, 1, 0, -1]], float)
    groups = pd.DataFrame({"family": ["a", "a", "b", "b"]})
    out = linear_contrasts(fit, L, ["x", "y", "x", "y"], groups=groups, adjust="bonferroni")
    assert list(out.table.columns[:2]) == ["term", "family"]
    _rel(out.table["p_adjusted"], np.minimum(1, 2 * out.table["p_value"]))
    assert list(out.effects.columns) == [
        "term",
        "family",
        "estimate",
        "std_error",
        "df",
        "statistic",
        "p_value",
        "conf_low",
        "conf_high",
    ]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda f: marginal_means(f, "visit"), "'visit' is not a variable"),
        (lambda f: marginal_means(f, "diet", by="diet"), "both in variables and in by"),
        (lambda f: marginal_means(f, "diet", weights="flat"), "unknown weights"),
        (lambda f: marginal_means(f, ()), "at least one"),
        (lambda f: contrast(marginal_means(f, "diet"), "nonsense"), "unknown contrast method"),
        (lambda f: contrast(marginal_means(f, "diet"), "factorial"), "two two-level factors"),
        (lambda f: contrast(marginal_means(f, "diet"), {"x": [1, 0, 0]}), "2 coefficients"),
        (lambda f: contrast(marginal_means(f, "diet"), by="exercise"), "not among the means"),
        (
            lambda f: contrast(marginal_means(f, "diet", by="exercise"), by=["diet", "exercise"]),
            "nothing left",
        ),
        (lambda f: contrast(marginal_means(f, "diet"), adjust="tukey"), "unknown adjustment"),
        (lambda f: linear_contrasts(f, np.ones((1, 3)), ["x"]), "4 coefficients"),
    ],
)
def test_bad_requests_raise_model_error(call, message):
    with pytest.raises(ModelError, match=message):
        call(_two_by_two())


def test_proportional_weights_need_counts():
    class NoCounts:
        coef = pd.Series([1.0, 2.0], index=["a", "b"])
        vcov = pd.DataFrame(np.eye(2), index=coef.index, columns=coef.index)
        grid_variables = {"g": (0, 1)}

        def model_rows(self, grid):
            return np.eye(2)[grid["g"].to_numpy()]

        def contrast_df(self, L):
            return np.full(len(L), 5.0)

    with pytest.raises(ModelError, match="grid_counts"):
        marginal_means(NoCounts(), "g", weights="proportional")
    assert marginal_means(NoCounts(), "g").table["estimate"].tolist() == [1.0, 2.0]
