"""Analysis of covariance of a diet × exercise trial at one visit: ``lt.ancova``.

The primary analysis of an ODES-style 2 × 2 factorial trial with a baseline and a follow-up
measurement: the outcome at the follow-up visit regressed on its baseline value, the design
terms of the estimand and any covariates, by ordinary least squares. Effects are contrasts of
estimated marginal means (:mod:`lifestyle_trials.models.marginal`), so they are the numbers
R's ``emmeans`` gives for the same ``lm``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from .._version import __version__
from ..arms import ARMS
from ..errors import ModelError
from ..jsonable import jsonable
from ..trial import Exclusion, Trial, format_visit, require_trial
from .design.prepare import AnalysisData, analysis_data
from .design.spec import FACTORIAL_CONTRASTS, ModelSpec, effect_weights
from .engine.adjust import check_adjust
from .engine.ols import VCOV_TYPES, least_squares
from .marginal import contrast, count_grid, marginal_means
from .results import text_table
from .sums_of_squares import type2_table, type3_table

__all__ = ["ANALYSES", "ESTIMANDS", "AncovaFit", "ancova", "fit_analysis_set", "possible_estimands"]

ESTIMANDS: tuple[str, ...] = ("margins", "factorial", "arms")
"""Estimands of a factorial trial (see :func:`ancova`)."""

ANALYSES: tuple[str, ...] = ("ancova", "change", "followup")
"""How the baseline enters: as a covariate, subtracted, or not at all."""


@dataclass(frozen=True, eq=False)
class AncovaFit:
    """A fitted ANCOVA of one outcome at one visit.

    Implements :class:`~lifestyle_trials.models.results.LinearFit`, so
    :func:`~lifestyle_trials.marginal_means` and :func:`~lifestyle_trials.contrast` give any
    other marginal mean or contrast of it.

    Attributes
    ----------
    outcome : str
    estimand : {"margins", "factorial", "arms"}
    visit : float
    log : bool
        Outcome and baseline were log-transformed.
    analysis : {"ancova", "change", "followup"}
    covariates : tuple of str
    vcov_type : {"classical", "HC3"}
    adjust : str
        Multiplicity adjustment of the effects (``"none"`` by default).
    level : float
        Confidence level.
    coef : Series
        Coefficients (treatment coding; names as in :class:`~.design.ModelSpec`).
    vcov : DataFrame
        Their covariance (classical or HC3).
    df_resid : int
        Residual degrees of freedom, ``n - p``: the df of every t test.
    residual_sd : float
        ``sqrt(RSS / df_resid)``, on the analysed scale.
    effects : DataFrame
        The estimand's effects, treated minus untreated: ``term, estimate, std_error, df,
        statistic, p_value, conf_low, conf_high`` (+ ``ratio, ratio_low, ratio_high`` when
        ``log``; + ``p_adjusted, conf_low_adjusted, conf_high_adjusted`` with an adjustment).
    interaction : DataFrame or None
        The diet:exercise interaction (DE - E) - (D - C) with its CI, from the model with the
        interaction (and the same baseline and covariates), whatever the estimand: reported
        always, never used to choose the estimand. None without all four arms.
    means : DataFrame
        Marginal mean per arm (``arm, diet, exercise, n, estimate, std_error, df, conf_low,
        conf_high`` and, when ``log``, ``response, response_low, response_high``: geometric
        means): baseline and numeric covariates at their means, equal weights over categorical
        covariates. NaN for an arm the model cannot predict (absent from the arms model).
    factor_means : DataFrame
        Marginal mean per factor level (``factor, level, estimate, ...``), averaging over the
        other factor with equal weights.
    simple_effects : DataFrame
        Diet within each exercise level and exercise within each diet level (``term, at,
        estimate, ...``); empty when a cell is missing.
    anova_type2, anova_type3 : DataFrame
        F tests of the model terms (``term, sum_sq, num_df, den_df, statistic, p_value``):
        type II, and type III with sum-to-zero coding (intercept included); model-based
        variance. See :mod:`lifestyle_trials.models.sums_of_squares`.
    n_randomised, n_analysed : Mapping[str, int]
        Subjects per arm in the trial and in the analysis.
    exclusions : tuple of Exclusion
        Subjects not analysed, with reasons.
    grid_variables : Mapping[str, tuple]
        diet and exercise (0, 1), the baseline and numeric covariates at their means,
        categorical covariates with their levels.
    grid_counts : DataFrame
        Subjects per combination of diet, exercise and categorical covariates.
    spec : ModelSpec
        The model's terms.
    """

    outcome: str
    estimand: str
    visit: float
    log: bool
    analysis: str
    covariates: tuple[str, ...]
    vcov_type: str
    adjust: str
    level: float
    coef: pd.Series
    vcov: pd.DataFrame
    df_resid: int
    residual_sd: float
    n_randomised: Mapping[str, int]
    n_analysed: Mapping[str, int]
    exclusions: tuple[Exclusion, ...]
    grid_variables: Mapping[str, tuple[Any, ...]]
    grid_counts: pd.DataFrame = field(repr=False)
    spec: ModelSpec = field(repr=False)
    effects: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    interaction: pd.DataFrame | None = field(default=None, repr=False)
    means: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    factor_means: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    simple_effects: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    anova_type2: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    anova_type3: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    # -- LinearFit ------------------------------------------------------------------------------

    def model_rows(self, grid: pd.DataFrame) -> np.ndarray:
        """Design rows (treatment coding) of reference-grid points; NaN for an absent arm."""
        return self.spec.matrix(grid)

    def contrast_df(self, contrasts: np.ndarray) -> np.ndarray:
        """The residual df for every contrast (least squares)."""
        return np.full(len(np.atleast_2d(contrasts)), float(self.df_resid))

    # -- presentation ----------------------------------------------------------------------------

    @property
    def n(self) -> pd.DataFrame:
        """Subjects per arm: ``arm, randomised, analysed`` (as the mixed models' ``n``)."""
        return pd.DataFrame(
            {
                "arm": list(self.n_randomised),
                "randomised": list(self.n_randomised.values()),
                "analysed": [self.n_analysed.get(a, 0) for a in self.n_randomised],
            }
        )

    @property
    def tests(self) -> pd.DataFrame:
        """The type III tests (``anova_type3``), under the name the mixed models use."""
        return self.anova_type3

    @property
    def formula(self) -> str:
        """The model in R's formula notation."""
        response = f"log({self.outcome})" if self.log else self.outcome
        if self.analysis == "change":
            base = f"log({self.outcome}_0)" if self.log else f"{self.outcome}_0"
            response = f"{response} - {base}"
        design = {"margins": "diet + exercise", "factorial": "diet * exercise", "arms": "arm"}
        rhs = [design[self.estimand]]
        if self.analysis == "ancova":
            rhs.insert(0, "baseline")
        rhs += list(self.covariates)
        return f"{response} ~ {' + '.join(rhs)}"

    def summary(self) -> str:
        """A plain-text report of the fit (numbers rounded for reading; data stay exact)."""
        scale = " (log scale; ratios are geometric mean ratios)" if self.log else ""
        lines = [
            f"ANCOVA of {self.outcome} at visit {format_visit(self.visit)}{scale}",
            f"estimand: {self.estimand}; model: {self.formula}",
            f"standard errors: {self.vcov_type}; t tests on {self.df_resid} residual df; "
            f"residual SD {self.residual_sd:.4g}",
            "analysed / randomised: "
            + ", ".join(
                f"{a} {self.n_analysed.get(a, 0)}/{n}" for a, n in self.n_randomised.items()
            ),
        ]
        for e in self.exclusions:
            lines.append(f"  excluded {e.n_subjects}: {e.reason}")
        lines += ["", "effects (treated minus untreated):", text_table(self.effects)]
        if self.interaction is not None and self.estimand != "factorial":
            lines += [
                "",
                "interaction diet:exercise from the model with interaction (reported, not used "
                "to choose the estimand):",
                text_table(self.interaction),
            ]
        lines += ["", "marginal means per arm:", text_table(self.means)]
        lines += ["", "type II tests:", text_table(self.anova_type2)]
        lines += ["", "type III tests (sum-to-zero contrasts):", text_table(self.anova_type3)]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """Everything needed to report the fit, as JSON-ready types (NaN → None)."""
        return {
            "model": "ancova",
            "version": __version__,
            "outcome": self.outcome,
            "estimand": self.estimand,
            "visit": self.visit,
            "log": self.log,
            "analysis": self.analysis,
            "covariates": list(self.covariates),
            "vcov_type": self.vcov_type,
            "adjust": self.adjust,
            "level": self.level,
            "formula": self.formula,
            "df_resid": self.df_resid,
            "residual_sd": self.residual_sd,
            "coef": jsonable(self.coef.to_dict()),
            "vcov": jsonable(self.vcov.to_numpy()),
            "effects": jsonable(self.effects),
            "interaction": None if self.interaction is None else jsonable(self.interaction),
            "means": jsonable(self.means),
            "factor_means": jsonable(self.factor_means),
            "simple_effects": jsonable(self.simple_effects),
            "anova_type2": jsonable(self.anova_type2),
            "anova_type3": jsonable(self.anova_type3),
            "n_randomised": dict(self.n_randomised),
            "n_analysed": dict(self.n_analysed),
            "exclusions": [
                {
                    "reason": e.reason,
                    "step": e.step,
                    "column": e.column,
                    "n_subjects": e.n_subjects,
                    "subjects": list(e.subjects),
                }
                for e in self.exclusions
            ],
        }


def ancova(
    trial: Trial,
    outcome: str,
    estimand: str | None = None,
    visit: float | None = None,
    log: bool = False,
    covariates: Iterable[str] = (),
    *,
    analysis: str = "ancova",
    vcov: str = "classical",
    adjust: str = "none",
    level: float = 0.95,
) -> AncovaFit:
    """Analysis of covariance of an outcome at one visit of a diet × exercise trial.

    Model (``analysis="ancova"``, the default)::

        y_i = b0 + beta * baseline_i + treatment terms + covariates + e_i,  e_i ~ N(0, s^2)

    fitted by least squares to the subjects with both a baseline and a value at ``visit``
    (subjects without them are listed in ``exclusions``). Treatment terms per ``estimand``:

    ``"margins"``
        ``diet + exercise`` (no interaction): the analysis "at the margins"; terms ``diet`` and
        ``exercise``. Most efficient, but it assumes no interaction (McAlister et al. 2003).
        It needs all four arms: without one of them the additive model could only be
        identified by assuming the interaction away, so a trial with fewer arms is refused
        (compare each arm with control, ``"arms"``).
    ``"factorial"``
        ``diet * exercise``: terms ``diet`` and ``exercise`` (each averaged over the other
        factor with equal weights) and ``diet:exercise`` = (DE - E) - (D - C).
    ``"arms"``
        one factor of the arms present ("inside the table"): ``diet vs control``, ``exercise
        vs control``, ``diet+exercise vs control`` (those whose arms exist); use ``adjust`` for
        multiplicity. A three-arm trial (no exercise-only arm) is analysed this way.

    Choose the estimand before seeing the data. Do not choose it from a test of the
    interaction (Kahan et al. 2020): the interaction, with its CI, is reported in
    ``interaction`` whatever the estimand.

    Effects are treated minus untreated contrasts of marginal means with baseline and numeric
    covariates at their means; t tests and CIs on the residual df. ``log=True`` analyses
    ``log(y)`` adjusted for ``log(baseline)``; exp of an effect is a ratio of geometric means
    (``ratio`` columns).

    Why ANCOVA by default: adjusting for baseline removes the regression to the mean that
    biases a follow-up-only comparison when arms differ at baseline, and it is more precise
    than analysing change scores, whose variance includes the baseline noise twice unless the
    baseline-follow-up correlation is high (Vickers & Altman 2001; EMA 2015).
    ``analysis="change"`` (``y - baseline`` on the design) and ``"followup"`` (``y`` on the
    design, baseline ignored) reproduce papers that used them, on the same analysed subjects.

    Parameters
    ----------
    trial : Trial
    outcome : str
        An outcome of the trial.
    estimand : {"margins", "factorial", "arms"}, optional
        Default: ``"margins"`` when the four arms have analysed subjects, else ``"arms"``.
    visit : float, optional
        The follow-up visit (default: the last visit).
    log : bool, default False
        Log-transform outcome and baseline (all values must be positive).
    covariates : iterable of str
        Subject-level covariates; numeric ones enter linearly (held at their mean for marginal
        means), others as factors (treatment coding, equal weights over their levels).
    analysis : {"ancova", "change", "followup"}, default "ancova"
    vcov : {"classical", "HC3"}, default "classical"
        ``"HC3"``: heteroscedasticity-consistent standard errors (R's
        ``sandwich::vcovHC(type = "HC3")``), still with residual df, as emmeans does with a
        user-supplied covariance. ANOVA tables always use the classical variance.
    adjust : {"none", "holm", "bonferroni", "dunnett"}, default "none"
        Multiplicity adjustment of the effects as one family (with ``"arms"``: the arm
        comparisons); adds ``p_adjusted`` and adjusted limits; Dunnett is the multivariate-t
        single-step method (emmeans ``adjust = "mvt"``).
    level : float, default 0.95

    Returns
    -------
    AncovaFit

    Raises
    ------
    ModelError
        Unknown outcome, visit, covariate, estimand, analysis, vcov or adjustment; an arm the
        estimand needs that has no analysed subject (the message says which estimands remain
        possible); fewer subjects than parameters; a non-positive value with ``log=True``
        (naming the subjects); a constant outcome; a term that is constant or collinear.

    References
    ----------
    Vickers AJ, Altman DG. Analysing controlled trials with baseline and follow up
    measurements. BMJ 2001;323:1123-4. doi:10.1136/bmj.323.7321.1123
    McAlister FA, Straus SE, Sackett DL, Altman DG. Analysis and reporting of factorial trials:
    a systematic review. JAMA 2003;289:2545-53. doi:10.1001/jama.289.19.2545
    Kahan BC, Tsui M, Jairath V, et al. Reporting of randomized factorial trials was frequently
    inadequate. J Clin Epidemiol 2020;117:52-9. doi:10.1016/j.jclinepi.2019.09.018
    European Medicines Agency. Guideline on adjustment for baseline covariates in clinical
    trials. EMA/CHMP/295050/2013, 2015.

    Examples
    --------
    >>> import numpy as np, pandas as pd, lifestyle_trials as lt
    >>> rng = np.random.default_rng(4)
    >>> n = 40
    >>> diet, exercise = np.tile([0, 1, 0, 1], n // 4), np.repeat([0, 1], n // 2)
    >>> base = rng.normal(3.0, 0.8, n)
    >>> follow = 0.6 * base + 1.2 - 0.5 * diet - 0.3 * exercise + rng.normal(0, 0.4, n)
    >>> df = pd.DataFrame({"subject": np.tile(np.arange(n), 2), "diet": np.tile(diet, 2),
    ...                    "exercise": np.tile(exercise, 2), "visit": np.repeat([0, 12], n),
    ...                    "homa_ir": np.concatenate([base, follow])})
    >>> fit = lt.ancova(lt.read_trial(df), "homa_ir", estimand="factorial")
    >>> print(fit.effects.round(3).to_string(index=False))
             term  estimate  std_error   df  statistic  p_value  conf_low  conf_high
             diet    -0.383      0.130 35.0     -2.941    0.006    -0.647     -0.118
         exercise    -0.284      0.129 35.0     -2.203    0.034    -0.545     -0.022
    diet:exercise     0.113      0.280 35.0      0.405    0.688    -0.455      0.682
    """
    _check_options(estimand, analysis, vcov, adjust, level)
    trial = require_trial(trial, "ancova")
    trial.require_outcome(outcome)
    if visit is None:
        if not trial.design.post_baseline:
            first = format_visit(trial.design.baseline)
            raise ModelError(f"the trial has no visit after the baseline visit {first}")
        chosen = trial.design.post_baseline[-1]
    else:
        chosen = trial.require_visit(visit)
    covs = trial.require_covariates(covariates)
    # the follow-up analysis of a trial with no baseline measurement needs none
    base = trial.wide_values(outcome)[:, trial.design.visits.index(trial.design.baseline)]
    data = analysis_data(
        trial,
        outcome,
        visits=[chosen],
        log=log,
        covariates=covs,
        step=f"ancova {outcome} visit {format_visit(chosen)}",
        need_baseline=analysis != "followup" or bool(np.isfinite(base).any()),
    )
    return fit_analysis_set(
        data, estimand, analysis=analysis, vcov=vcov, adjust=adjust, level=level
    )


def fit_analysis_set(
    data: AnalysisData,
    estimand: str | None = None,
    *,
    analysis: str = "ancova",
    vcov: str = "classical",
    adjust: str = "none",
    level: float = 0.95,
) -> AncovaFit:
    """The model part of :func:`ancova`, from an analysis set already built.

    ``data`` comes from :func:`lifestyle_trials.models.design.prepare.analysis_data` with one visit;
    the other arguments are those of :func:`ancova`. ``lt.ancova(trial, ...)`` is
    ``analysis_data`` followed by this.
    """
    method = _check_options(estimand, analysis, vcov, adjust, level)
    if len(data.visits) != 1:
        raise ModelError(f"an ANCOVA analyses one visit; the analysis set has {len(data.visits)}")
    outcome, chosen, log, covs = data.outcome, data.visits[0], data.log, data.covariates
    frame = data.frame
    present = tuple(a for a in ARMS if data.analysed.get(a, 0) > 0)
    if estimand is None:
        estimand = "margins" if len(present) == len(ARMS) else "arms"
    _require_cells(estimand, present, outcome, chosen)

    response = frame["y"].to_numpy(dtype=float)
    if analysis == "change":
        response = response - frame["baseline"].to_numpy(dtype=float)
    _require_varying(response, outcome, chosen, analysis)

    spec = ModelSpec.for_estimand(estimand, present, frame, covs, baseline=analysis == "ancova")
    factor_covs = spec.factor_levels
    names = [name for name, _ in spec.columns()]
    n_subjects = len(frame)
    if n_subjects <= len(names):
        per_arm = ", ".join(f"{a} {data.analysed.get(a, 0)}" for a in present)
        remedy = (
            "Use fewer covariates, or a simpler estimand"
            if covs
            else "There is no covariate to remove: each arm needs more subjects for the "
            "residual variance to be estimated"
        )
        raise ModelError(
            f"{n_subjects} subjects analysed for {outcome} at visit {format_visit(chosen)} "
            f"(per arm: {per_arm}), but the model has {len(names)} parameters "
            f"({', '.join(names)}); at least {len(names) + 1} subjects are needed. {remedy}"
        )
    X = spec.matrix(frame)
    ols = least_squares(X, response, names, vcov_type=vcov)

    grid: dict[str, tuple[Any, ...]] = {"diet": (0, 1), "exercise": (0, 1)}
    for name in spec.numeric:
        grid[name] = (float(np.mean(frame[name].to_numpy(dtype=float))),)
    grid.update(factor_covs)
    fit = AncovaFit(
        outcome=outcome,
        estimand=estimand,
        visit=chosen,
        log=log,
        analysis=analysis,
        covariates=covs,
        vcov_type=vcov,
        adjust=method,
        level=level,
        coef=pd.Series(ols.coef, index=names),
        vcov=pd.DataFrame(ols.vcov, index=names, columns=names),
        df_resid=ols.df_resid,
        residual_sd=math.sqrt(ols.sigma2),
        n_randomised=dict(data.randomised),
        n_analysed=dict(data.analysed),
        exclusions=data.exclusions,
        grid_variables=grid,
        grid_counts=count_grid(frame, ["diet", "exercise", *factor_covs]),
        spec=spec,
    )
    arm_means = marginal_means(fit, ("diet", "exercise"), level=level)
    effects = _effects(fit, arm_means, method, level)
    interaction = _interaction(fit, frame, response)
    return replace(
        fit,
        effects=effects,
        interaction=interaction,
        means=_arm_table(arm_means, data.analysed),
        factor_means=_factor_means(fit, level),
        simple_effects=_simple_effects(arm_means, level),
        anova_type2=type2_table(spec, ols),
        anova_type3=type3_table(spec, frame, response),
    )


def _check_options(
    estimand: str | None, analysis: str, vcov: str, adjust: str, level: float
) -> str:
    """Validate the options shared by :func:`ancova` and :func:`fit_analysis_set`; return the
    canonical adjustment name."""
    if estimand is not None and estimand not in ESTIMANDS:
        raise ModelError(f"unknown estimand {estimand!r}; use one of {', '.join(ESTIMANDS)}")
    if analysis not in ANALYSES:
        raise ModelError(f"unknown analysis {analysis!r}; use one of {', '.join(ANALYSES)}")
    if vcov not in VCOV_TYPES:
        raise ModelError(f"unknown vcov {vcov!r}; use one of {', '.join(VCOV_TYPES)}")
    method = check_adjust(adjust)
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0.0 < level < 1.0:
        raise ModelError(f"level must be between 0 and 1 (a number, e.g. 0.95), got {level!r}")
    return method


def possible_estimands(arms: Iterable[str]) -> tuple[str, ...]:
    """The estimands a set of arms with analysed subjects supports.

    ``factorial`` and ``margins`` need all four arms (with three, the additive model is
    identified only by assuming no interaction, which the data cannot check); ``arms`` needs
    control and at least one other arm.

    Examples
    --------
    >>> possible_estimands(["control", "diet", "diet+exercise"])
    ('arms',)
    """
    present = set(arms)
    out = []
    if present >= set(ARMS):
        out += ["factorial", "margins"]
    if "control" in present and len(present) >= 2:
        out.append("arms")
    return tuple(e for e in ESTIMANDS if e in out)


def _require_cells(estimand: str, present: tuple[str, ...], outcome: str, visit: float) -> None:
    possible = possible_estimands(present)
    if estimand in possible:
        return
    missing = [a for a in ARMS if a not in present]
    needs = {
        "factorial": "subjects in all four arms",
        "margins": "subjects in all four arms",
        "arms": "subjects in the control arm and in at least one other arm",
    }[estimand]
    others = (
        "estimands still possible: " + ", ".join(repr(e) for e in possible)
        if possible
        else "no estimand is possible with these arms"
    )
    raise ModelError(
        f"estimand {estimand!r} needs {needs}; the analysis of {outcome} at visit "
        f"{format_visit(visit)} has none in {', '.join(missing)} (no subject there with both "
        f"a baseline and a follow-up value); {others}"
    )


def _require_varying(response: np.ndarray, outcome: str, visit: float, analysis: str) -> None:
    if np.ptp(response) == 0.0:
        what = "change in " + outcome if analysis == "change" else outcome
        raise ModelError(
            f"{what} is constant ({response[0]:g}) in all {len(response)} analysed subjects at "
            f"visit {format_visit(visit)}: there is nothing to model. Check the data or the "
            "outcome name"
        )


def _effects(fit: AncovaFit, arm_means: Any, method: str, level: float) -> pd.DataFrame:
    if fit.estimand == "arms":
        table = contrast(arm_means, "trt.vs.ctrl", adjust=method, level=level).table
        return table.loc[np.isfinite(table["estimate"].to_numpy())].reset_index(drop=True)
    # margins: the additive model has no interaction, so only the two main effects
    coefs = {t: tuple(w) for t, w in effect_weights(fit.estimand).items()}
    return contrast(arm_means, coefs, adjust=method, level=level).table


def _interaction(fit: AncovaFit, frame: pd.DataFrame, response: np.ndarray) -> pd.DataFrame | None:
    """The diet:exercise contrast (with CI) from the model with the interaction."""
    if not set(ARMS) <= {a for a, n in fit.n_analysed.items() if n > 0}:
        return None
    if fit.estimand == "margins":
        spec = replace(fit.spec, treatment="factorial")
        names = [c for c, _ in spec.columns()]
        full = least_squares(spec.matrix(frame), response, names, vcov_type=fit.vcov_type)
        source = replace(
            fit,
            spec=spec,
            coef=pd.Series(full.coef, index=names),
            vcov=pd.DataFrame(full.vcov, index=names, columns=names),
            df_resid=full.df_resid,
        )
    else:
        source = fit
    means = marginal_means(source, ("diet", "exercise"), level=fit.level)
    coefs = {"diet:exercise": FACTORIAL_CONTRASTS["diet:exercise"]}
    table = contrast(means, coefs, level=fit.level).table
    return table.reset_index(drop=True)


def _arm_table(means: Any, analysed: Mapping[str, int]) -> pd.DataFrame:
    table = means.table.copy()
    table.insert(0, "arm", list(means.labels))
    table.insert(3, "n", [analysed.get(a, 0) for a in means.labels])
    return table


def _factor_means(fit: AncovaFit, level: float) -> pd.DataFrame:
    parts = []
    for factor in ("diet", "exercise"):
        t = marginal_means(fit, factor, level=level).table.rename(columns={factor: "level"})
        t.insert(0, "factor", factor)
        parts.append(t)
    return pd.concat(parts, ignore_index=True)


def _simple_effects(arm_means: Any, level: float) -> pd.DataFrame:
    if not np.all(np.isfinite(arm_means.table["estimate"].to_numpy())):
        return pd.DataFrame()
    parts = []
    for factor, other in (("diet", "exercise"), ("exercise", "diet")):
        t = contrast(arm_means, "trt.vs.ctrl", by=other, level=level).table
        t["term"] = factor
        at = [f"{other}={int(v)}" for v in t[other].tolist()]
        t = t.drop(columns=[other])
        t.insert(1, "at", at)
        parts.append(t)
    return pd.concat(parts, ignore_index=True)
