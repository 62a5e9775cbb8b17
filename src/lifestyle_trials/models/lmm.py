"""Linear mixed models with random effects per subject (lme4's ``lmer`` and lmerTest, in numpy).

:func:`lmm` fits the fixed effects of :func:`~lifestyle_trials.mmrm`,
``y ~ baseline × visit + diet × exercise × visit (+ covariates)``, with, instead of a
covariance structure, random effects per subject::

    random="intercept":  y_iv = x_ivᵀβ + b_i + e_iv,                 b_i ~ N(0, τ²)
    random="slope":      y_iv = x_ivᵀβ + b_0i + b_1i t_v + e_iv,     (b_0i, b_1i) ~ N(0, G)

with ``e_iv ~ N(0, σ²)`` independent and ``t_v`` the visit time (the visit number, e.g.
months). The marginal covariance of a subject's outcomes is ``Z G Zᵀ + σ² I``, ``Z = [1, t]``,
so the fit runs on the MMRM engine (:mod:`~lifestyle_trials.models.engine.reml`) with the
random-effects structures of :mod:`~lifestyle_trials.models.engine.covariance`; REML estimates, the
log-likelihood and Satterthwaite df equal lme4 + lmerTest's (Kenward-Roger: pbkrtest's).

A random intercept model is a compound-symmetry MMRM restricted to a non-negative
within-subject correlation; an unstructured MMRM (the default of :func:`~lifestyle_trials.mmrm`)
assumes less and is the usual primary analysis of a trial with repeated measures.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConvergenceWarning, ModelError
from ..trial import Trial
from .design.formula import parse_formula
from .design.formula_frame import formula_frame
from .presets import preset_fit, visit_preset
from .visit_fit import VisitFit, check_options, fit_visits
from .visit_result import VisitModelResult, formula_fields

__all__ = ["RANDOM_EFFECTS", "LMMResult", "lmm"]

RANDOM_EFFECTS: tuple[str, ...] = ("intercept", "slope")
"""Random-effects specifications accepted by :func:`lmm`."""

_SINGULAR = 1e-4
"""lme4's ``isSingular`` tolerance on the diagonal of the relative Cholesky factor."""


@dataclass(frozen=True, kw_only=True)
class LMMResult(VisitModelResult):
    """A fitted linear mixed model (see
    :class:`~lifestyle_trials.models.visit_result.VisitModelResult` for the attributes it
    shares with :class:`~lifestyle_trials.MMRMResult`: ``effects``, ``means``, ``tests``,
    ``n``, ``exclusions``, ``coef``, ``vcov``, ``loglik``, ...).

    Attributes
    ----------
    random : str
        ``"intercept"`` or ``"slope"``.
    variance_components : DataFrame
        ``component, variance, std_dev, correlation``: rows ``intercept``, ``slope`` (with
        its correlation with the intercept) and ``residual``, as lme4's ``VarCorr``.
    singular : bool
        The random-effects covariance is singular (a variance at zero or a correlation of
        ±1): a diagonal element of the Cholesky factor of ``G / σ²`` below 1e-4, lme4's
        ``isSingular`` rule.
    sigma, correlation : DataFrame
        The implied marginal covariance ``Z G Zᵀ + σ² I`` and correlation over the visits.
    """

    random: str
    variance_components: pd.DataFrame
    singular: bool

    @property
    def title(self) -> str:
        return f"Linear mixed model (random {self.random})"


def lmm(
    trial: Trial | pd.DataFrame,
    outcome: str | None = None,
    random: str = "intercept",
    df_method: str = "satterthwaite",
    log: bool = False,
    *,
    formula: str | None = None,
    estimand: str | None = None,
    covariates: Iterable[str] = (),
    covariates_by_visit: Iterable[str] = (),
    baseline: str | None = None,
    method: str = "reml",
    vcov: str = "model",
    level: float = 0.95,
) -> LMMResult:
    """Fit a linear mixed model with a random intercept (and slope) per subject.

    Two ways to call it: a trial and an outcome (the fixed effects of the trial preset of
    :func:`~lifestyle_trials.mmrm`, any set of arms), or a DataFrame and a formula in lme4's
    notation, ``formula="y ~ arm * visit + (1 + time | subject)"`` (a random intercept, and
    optionally one random slope in a numeric time).

    Parameters
    ----------
    trial : Trial or DataFrame
    outcome : str, optional
        The outcome of a trial.
    random : {"intercept", "slope"}, default "intercept"
        ``"intercept"``: ``(1 | subject)``; ``"slope"``: ``(1 + visit | subject)``, a random
        intercept and a random slope in visit time, correlated (needs three or more
        post-baseline visits).
    df_method : {"satterthwaite", "kenward-roger", "residual", "between-within"}
        Satterthwaite (lmerTest's default) by default.
    log : bool, default False
        Analyse the log of the outcome and of its baseline.
    formula : str, optional
        A model of a DataFrame: ``"response ~ fixed terms + (1 | subject)"`` or
        ``(1 + time | subject)``.
    estimand, covariates_by_visit, baseline
        As for :func:`~lifestyle_trials.mmrm`.
    covariates : iterable of str
    method : {"reml", "ml"}
    vcov : {"model", "empirical"}
    level : float, default 0.95

    Returns
    -------
    LMMResult

    Raises
    ------
    ModelError
        Fewer visits than the random effects need, and the errors of :func:`~lifestyle_trials.mmrm`.
    ConvergenceError
        The fit did not converge.

    Warns
    -----
    ConvergenceWarning
        A singular fit (a random-effect variance estimated at zero, or a correlation at ±1):
        the model is simpler than specified; lme4 reports "boundary (singular) fit".

    Notes
    -----
    Equal to R's ``lmerTest::lmer(y ~ baseline * visit + diet * exercise * visit +
    (1 | subject))`` (or ``(1 + time | subject)``, time numeric) with REML: estimates, log-
    likelihood, variance components; Satterthwaite df of every contrast as
    ``lmerTest::contest`` and type III tests as ``anova(type = 3)`` with sum-to-zero
    contrasts (and baseline centred at its subject mean: the ``visit`` test is at the mean
    baseline). lme4 holds no fixed value for a variance at zero: where it reports a singular
    fit, so does this function.

    References
    ----------
    Laird NM, Ware JH. Random-effects models for longitudinal data. Biometrics
    1982;38:963-74. doi:10.2307/2529876
    Bates D, Mächler M, Bolker B, Walker S. Fitting linear mixed-effects models using lme4.
    J Stat Softw 2015;67(1):1-48. doi:10.18637/jss.v067.i01
    Kuznetsova A, Brockhoff PB, Christensen RHB. lmerTest package: tests in linear mixed
    effects models. J Stat Softw 2017;82(13):1-26. doi:10.18637/jss.v082.i13

    Examples
    --------
    >>> import lifestyle_trials as lt
    >>> trial = lt.simulate_odes(seed=1997, visits=(0, 3, 6, 12))
    >>> fit = lt.lmm(trial, "homa_ir", log=True)
    >>> print(fit.variance_components.round(4).to_string(index=False))
    component  variance  std_dev  correlation
    intercept    0.0630   0.2511          NaN
     residual    0.0276   0.1662          NaN
    >>> print(fit.effects[["term", "visit", "estimate", "std_error", "df"]].round(3).head(3)
    ...       .to_string(index=False))
    term  visit  estimate  std_error      df
    diet    3.0    -0.114      0.042 303.734
    diet    6.0    -0.208      0.043 320.565
    diet   12.0    -0.210      0.043 329.829
    """
    reml, df_name, vcov_name = check_options(method, df_method, vcov, level)
    options: dict[str, Any] = {"reml": reml, "df_method": df_name, "vcov": vcov_name}
    if formula is not None:
        if isinstance(trial, Trial):
            raise ModelError(
                "a formula is fitted to a DataFrame; for a trial give the outcome "
                "(lt.lmm(trial, outcome)), or pass trial.data with the formula"
            )
        parsed = parse_formula(formula)
        if parsed.random is None:
            raise ModelError(
                f"the formula {formula!r} has no random-effects term; add (1 | subject) or "
                "(1 + time | subject), or fit a covariance structure with lt.mmrm"
            )
        ff = formula_frame(trial, parsed, step=f"lmm {parsed.response}")
        kind = ff.structure
        fit = fit_visits(
            ff.frame,
            ff.model,
            kind,
            position=ff.position,
            times=ff.times,
            visit_labels=ff.labels,
            response=ff.response,
            subject=ff.subject,
            **options,
        )
        fields = formula_fields(
            fit,
            ff,
            visits=ff.times if kind == "slope" else (),
            df_method=df_name,
            vcov_type=vcov_name,
            level=level,
        )
    else:
        if not isinstance(trial, Trial) or outcome is None:
            raise ModelError(
                f"lt.lmm needs a Trial and an outcome, got a {type(trial).__name__}"
                f"{'' if outcome is not None else ' and no outcome'}; read a table first "
                "with trial = lt.read_trial(df, ...) and call lt.lmm(trial, outcome), or "
                "give a formula: lt.lmm(df, formula='y ~ arm * visit + (1 | subject)')"
            )
        kind = str(random).lower()
        if kind not in RANDOM_EFFECTS:
            raise ModelError(f"random must be 'intercept' or 'slope', not {random!r}")
        preset = visit_preset(
            trial,
            outcome,
            estimand=estimand,
            log=log,
            covariates=covariates,
            covariates_by_visit=covariates_by_visit,
            baseline=baseline,
            step=f"lmm {outcome} random {kind}",
        )
        needed = 2 if kind == "intercept" else 3
        if len(preset.visits) < needed:
            raise ModelError(
                f"a random {kind} model needs at least {needed} post-baseline visits; the trial "
                f"has {len(preset.visits)}. With one visit use lt.ancova"
                + ("; with two, random='intercept'" if kind == "slope" else "")
            )
        fields = preset_fit(preset, kind, level=level, **options)
        fit = fields["_fit"]
    components, singular = _variance_components(fit)
    if singular:
        warnings.warn(
            f"singular fit: the random {kind} covariance is at the boundary of the parameter "
            "space (a variance of zero or a correlation of ±1), as lme4 reports 'boundary "
            "(singular) fit'. The data support a simpler random-effects model (or "
            "lt.mmrm with covariance='cs')",
            ConvergenceWarning,
            stacklevel=2,
        )
    return LMMResult(random=kind, variance_components=components, singular=singular, **fields)


def _variance_components(fit: VisitFit) -> tuple[pd.DataFrame, bool]:
    psi = fit.evaluation.psi
    if fit.struct.name == "intercept":
        tau2, resid = psi
        table = pd.DataFrame(
            {
                "component": ["intercept", "residual"],
                "variance": [tau2, resid],
                "correlation": [np.nan, np.nan],
            }
        )
        relative = np.array([np.sqrt(max(tau2, 0.0) / resid)])
    else:
        g00, g10, g11, resid = psi
        corr = g10 / np.sqrt(g00 * g11) if g00 > 0 and g11 > 0 else np.nan
        table = pd.DataFrame(
            {
                "component": ["intercept", "slope", "residual"],
                "variance": [g00, g11, resid],
                "correlation": [np.nan, corr, np.nan],
            }
        )
        # diagonal of the Cholesky factor of G / σ² (lme4's θ)
        l00 = np.sqrt(max(g00, 0.0) / resid)
        l11 = np.sqrt(max(g11 - (g10**2 / g00 if g00 > 0 else 0.0), 0.0) / resid)
        relative = np.array([l00, l11])
    table.insert(2, "std_dev", np.sqrt(table["variance"].clip(lower=0.0)))
    return table, bool(np.any(relative < _SINGULAR))
