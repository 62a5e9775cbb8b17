"""MMRM: a mixed model for repeated measures, of a trial or of any design given by a formula.

:func:`mmrm` fits, to every post-baseline visit at once, a marginal model with no random
effects whose errors are correlated within a subject through a covariance structure ``Σ``
over the visits (unstructured by default), by REML. For a trial of the 2 × 2 design the
preset model (:mod:`~lifestyle_trials.models.presets`) is

    y_iv = β_v + γ_v · baseline_i + diet_i δ_v + exercise_i ε_v + diet_i exercise_i ι_v
           (+ covariates) + e_iv,      (e_i1, ..., e_iT) ~ N(0, Σ)

(``y ~ baseline × visit + diet × exercise × visit + covariates``); with other sets of arms
``y ~ baseline × visit + arm × visit``. Subjects with a baseline value and at least one
follow-up value are analysed, using all the values they have (valid when data are missing at
random). A DataFrame and a formula in R mmrm's notation fit any other design through the same
builder (:mod:`~lifestyle_trials.models.design.model_matrix`). See
:mod:`~lifestyle_trials.models.engine.reml` for the likelihood and engine.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..errors import ModelError
from ..trial import Trial
from .design.formula import parse_formula
from .design.formula_frame import formula_frame
from .engine.covariance import STRUCTURES
from .engine.threads import fit_threads
from .presets import preset_fit, visit_preset
from .visit_fit import check_options, fit_visits
from .visit_result import VisitModelResult, formula_fields

__all__ = ["MMRMResult", "mmrm"]


@dataclass(frozen=True, kw_only=True)
class MMRMResult(VisitModelResult):
    """A fitted MMRM (see :class:`~lifestyle_trials.models.visit_result.VisitModelResult`
    for the attributes it shares with random-effects models).

    Implements :class:`~lifestyle_trials.models.results.LinearFit`, so
    :func:`~lifestyle_trials.models.marginal.marginal_means` and
    :func:`~lifestyle_trials.models.marginal.contrast` give any other mean or contrast, with
    the fit's degrees of freedom.

    Attributes
    ----------
    covariance : str
        The covariance structure (``"us"``, ``"cs"``, ...).
    groups : tuple of str
        With a covariance per group (``us(AVISIT | ARMCD / USUBJID)``): the groups, each with
        its own matrix of the structure; ``sigma`` and ``correlation`` then stack the
        groups' matrices, rows indexed by ``(group, visit)`` (``sigma.loc["PBO"]``), and
        ``parameters`` are named ``group:parameter``. Empty otherwise.
    weights : str or None
        The column of observation weights, if any.
    effects, means, tests, n, exclusions, coef, vcov, sigma, correlation, loglik, ...
        Shared with the random-effects result; described in
        :class:`~lifestyle_trials.models.visit_result.VisitModelResult`.
    """

    covariance: str
    groups: tuple[str, ...] = ()
    weights: str | None = None

    @property
    def title(self) -> str:
        return "MMRM"


@fit_threads
def mmrm(
    trial: Trial | pd.DataFrame,
    outcome: str | None = None,
    covariance: str = "us",
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
    weights: str | None = None,
) -> MMRMResult:
    """Fit a mixed model for repeated measures (MMRM) to all post-baseline visits.

    Two ways to call it:

    - a trial and an outcome (the trial preset, :mod:`~lifestyle_trials.models.presets`):
      ``y ~ baseline × visit + diet × exercise × visit (+ covariates)`` when the four arms
      of the 2 × 2 design are present, ``y ~ baseline × visit + arm × visit`` for any other
      set of arms (control among them), visit a factor over the post-baseline visits;
      ``effects`` reports the factorial estimands, or each arm against control, at every
      visit;
    - a DataFrame and a formula in R mmrm's notation,
      ``formula="FEV1 ~ RACE + SEX + ARMCD * AVISIT + us(AVISIT | USUBJID)"``: the fixed
      part parsed by formulaic (treatment coding, levels in R's order: sorted text, the
      category order of a pandas Categorical), the covariance term ``structure(visit |
      subject)`` over the levels of the visit factor (``sp_exp`` also over a numeric
      column of times, which may differ from subject to subject, e.g. days since
      randomisation: each subject's covariance from its own times, ``sigma`` at distances 0
      and 1 beyond 62 distinct times), or one covariance matrix per level of a
      subject-level column, ``us(AVISIT | ARMCD / USUBJID)``; ``coefficients`` is R's
      coefficient table, and :func:`~lifestyle_trials.marginal_means` /
      :func:`~lifestyle_trials.contrast` give emmeans' means and contrasts.

    Errors within subject are correlated with covariance ``Σ`` over the visits (no random
    effects), fitted by REML (or ML).

    Parameters
    ----------
    trial : Trial or DataFrame
        A trial (with ``outcome``), or a long table (with ``formula``).
    outcome : str, optional
        The outcome of a trial.
    covariance : str, default "us"
        ``"us"`` (unstructured), ``"cs"``/``"csh"`` (compound symmetry, heterogeneous),
        ``"ar1"``/``"ar1h"`` (first-order autoregressive over the visit order),
        ``"toep"``/``"toeph"`` (Toeplitz), ``"ad"``/``"adh"`` (ante-dependence),
        ``"sp_exp"`` (spatial exponential over the visit times), ``"diag"``; see
        :mod:`~lifestyle_trials.models.engine.covariance`. Compare them with ``aic``/``bic``
        (same fixed effects, REML).
    df_method : str, default "satterthwaite"
        ``"satterthwaite"``, ``"kenward-roger"`` (adjusted standard errors too, as SAS
        ``DDFM=KR``), ``"kenward-roger-linear"`` (SAS ``KR(LINEAR)``, mmrm's
        ``"Kenward-Roger-Linear"``), ``"kenward-roger-mmrm"`` (R mmrm's
        ``"Kenward-Roger"``: its working parameters), ``"residual"`` or
        ``"between-within"``; see
        :mod:`~lifestyle_trials.models.engine.inference`.
    log : bool, default False
        Analyse the natural log of the outcome and of its baseline; ``effects`` then adds
        ratios (geometric mean ratios) ``exp(estimate)`` with limits.
    formula : str, optional
        A model of a DataFrame: ``"response ~ fixed terms + structure(visit | subject)"``;
        ``covariance`` and ``log`` then do not apply (the structure is in the formula).
    estimand : {"factorial", "arms"}, optional
        A trial's estimand. Default: ``"factorial"`` when the four arms have analysed
        subjects, else ``"arms"``; ``"factorial"`` without the four arms is an error.
    covariates : iterable of str
        Subject-level covariates (numeric, or text/categorical as indicators).
    covariates_by_visit : iterable of str
        Subject-level covariates that enter with their interaction with visit
        (``covariate × visit``).
    baseline : {"covariate", "response", "none"}, optional
        ``"covariate"``: ``baseline × visit`` in the model, subjects need a baseline value;
        ``"response"``: constrained longitudinal data analysis (cLDA, Liang & Zeger 2000):
        the baseline value is a response with a mean common to the arms, and every subject
        with any value contributes; ``"none"``: no baseline term (a trial without a baseline
        measurement). Default: ``"covariate"`` when some subject has a baseline value, else
        ``"none"``.
    method : {"reml", "ml"}
    vcov : {"model", "empirical"}
        Model-based, or empirical (sandwich, clustered by subject, CR0) covariance of the
        coefficients; with ``"empirical"`` the Satterthwaite df are Bell-McCaffrey's.
    level : float, default 0.95
        Confidence level.
    weights : str, optional
        A formula model's column of observation weights (R mmrm's ``weights``, SAS's
        ``WEIGHT``): the covariance of subject ``i`` is ``W_i^{-1/2} Σ W_i^{-1/2}``,
        ``W_i = diag(w_i)``, so a row with weight ``w`` has variance ``Σ_vv / w``. Every
        weight of the analysed rows must be present and positive.

    Returns
    -------
    MMRMResult

    Raises
    ------
    ModelError
        Unknown outcome/covariate/structure/method, an estimand the arms cannot support, an
        arm with no value at a visit, more visits than subjects can support for ``us``; for
        a formula: a column it names that the data lack, an unknown structure, a visit
        column that is not a factor, times of ``sp_exp`` that are dates, durations or
        true/false, infinite, or repeated within a subject, a rank-deficient design, a
        group (of a covariance per group) not in the data or with a single subject, weights
        missing or not positive.
    ConvergenceError
        The fit did not converge; the message suggests a simpler structure.

    Notes
    -----
    Defaults that differ from other software:

    - ``aic``/``bic`` count the covariance parameters only under REML (plus the coefficients
      under ML) and BIC uses the number of subjects, as SAS and R's mmrm do; R's nlme counts
      the coefficients too (``AIC_nlme = aic + 2p``) and uses ``N - p`` in BIC.
    - Under ML, ``vcov`` is the inverse information ``(Σ_i X_iᵀ Σ_i⁻¹ X_i)⁻¹`` (as SAS and R's
      mmrm); nlme multiplies it by ``N / (N - p)``.
    - Marginal means hold baseline at its mean over subjects; emmeans and SAS use the mean
      over analysed rows, which differs when visits are missing. Effects do not depend on it.
    - ``tests`` are type III (equal-weight) hypotheses, as SAS and ``emmeans::joint_tests``.
    - With a single analysed visit the model is the ANCOVA ``y ~ baseline + diet × exercise``
      and every structure reduces to one variance: estimates, standard errors and df equal
      ``lm``'s.

    References
    ----------
    Mallinckrodt CH, Lane PW, Schnell D, Peng Y, Mancuso JP. Recommendations for the primary
    analysis of continuous endpoints in longitudinal clinical trials. Drug Inf J
    2008;42:303-19. doi:10.1177/009286150804200402
    Kenward MG, Roger JH. Biometrics 1997;53:983-97. doi:10.2307/2533558

    Examples
    --------
    >>> import lifestyle_trials as lt
    >>> trial = lt.simulate_odes(seed=1997, visits=(0, 3, 6, 12))
    >>> fit = lt.mmrm(trial, "homa_ir", log=True)
    >>> print(fit.effects[["term", "visit", "estimate", "std_error", "df", "ratio"]]
    ...       .round(3).to_string(index=False))
             term  visit  estimate  std_error      df  ratio
             diet    3.0    -0.114      0.035 205.000  0.892
             diet    6.0    -0.206      0.044 197.576  0.814
             diet   12.0    -0.211      0.050 195.623  0.810
         exercise    3.0    -0.087      0.035 205.000  0.917
         exercise    6.0    -0.141      0.044 197.548  0.869
         exercise   12.0    -0.154      0.050 195.684  0.857
    diet:exercise    3.0    -0.039      0.070 205.000  0.961
    diet:exercise    6.0    -0.051      0.087 197.243  0.950
    diet:exercise   12.0     0.002      0.100 195.473  1.002

    The formula interface (R: ``mmrm::mmrm(FEV1 ~ RACE + SEX + ARMCD * AVISIT +
    us(AVISIT | USUBJID), data = fev_data)``):

    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"id": np.repeat(np.arange(40), 3),
    ...                    "visit": np.tile(["V1", "V2", "V3"], 40),
    ...                    "arm": np.repeat(["PBO", "TRT"], 60)})
    >>> df["y"] = rng.normal(size=120) + (df["arm"] == "TRT") * np.tile([0, 1, 2], 40)
    >>> fit = lt.mmrm(df, formula="y ~ arm * visit + us(visit | id)")
    >>> fit.coefficients["term"].tolist()
    ['(Intercept)', 'armTRT', 'visitV2', 'visitV3', 'armTRT:visitV2', 'armTRT:visitV3']
    >>> means = lt.marginal_means(fit, "arm", by="visit")
    >>> len(means.table)
    6

    One covariance matrix per arm (R: ``us(visit | arm / id)``):

    >>> fit = lt.mmrm(df, formula="y ~ arm * visit + us(visit | arm / id)")
    >>> fit.groups, fit.sigma.shape
    (('PBO', 'TRT'), (6, 3))
    """
    reml, df_name, vcov_name = check_options(method, df_method, vcov, level)
    options: dict[str, Any] = {"reml": reml, "df_method": df_name, "vcov": vcov_name}
    if formula is not None:
        if isinstance(trial, Trial):
            raise ModelError(
                "a formula is fitted to a DataFrame; for a trial give the outcome "
                "(lt.mmrm(trial, outcome)), or pass trial.data with the formula"
            )
        parsed = parse_formula(formula)
        if parsed.covariance is None:
            raise ModelError(
                f"the formula {formula!r} has no covariance term; add one, e.g. "
                "us(visit | subject), or fit random effects with lt.lmm"
            )
        ff = formula_frame(trial, parsed, step=f"mmrm {parsed.response}", weights=weights)
        fit = fit_visits(
            ff.frame,
            ff.model,
            ff.structure,
            position=ff.position,
            times=ff.times,
            visit_labels=ff.labels,
            response=ff.response,
            subject=ff.subject,
            visit=ff.visit,
            group_codes=ff.group_codes,
            groups=ff.groups,
            weights=ff.weights,
            coordinates=ff.coordinates,
            **options,
        )
        fields = formula_fields(
            fit, ff, visits=ff.model.visits, df_method=df_name, vcov_type=vcov_name, level=level
        )
        return MMRMResult(covariance=ff.structure, groups=ff.groups, weights=weights, **fields)
    if not isinstance(trial, Trial):
        raise ModelError(
            f"lt.mmrm needs a Trial, got a {type(trial).__name__} without a formula; read "
            "it first with trial = lt.read_trial(df, ...) and call lt.mmrm(trial, outcome), "
            "or give a formula: lt.mmrm(df, formula='y ~ arm * visit + us(visit | subject)')"
        )
    if outcome is None:
        raise ModelError("name the outcome to analyse: lt.mmrm(trial, outcome)")
    if weights is not None:
        raise ModelError(
            "weights= applies to a formula model: lt.mmrm(trial.data, formula=..., "
            "weights='column')"
        )
    name = str(covariance).lower()
    if name not in STRUCTURES:
        raise ModelError(
            f"unknown covariance structure {covariance!r}; use one of {', '.join(STRUCTURES)}"
        )
    preset = visit_preset(
        trial,
        outcome,
        estimand=estimand,
        log=log,
        covariates=covariates,
        covariates_by_visit=covariates_by_visit,
        baseline=baseline,
        step=f"mmrm {outcome}",
    )
    return MMRMResult(covariance=name, **preset_fit(preset, name, level=level, **options))
