"""MMRM: a mixed model for repeated measures of a 2 × 2 diet × exercise trial.

:func:`mmrm` fits, to every post-baseline visit at once,

    y_iv = β_v + γ_v · baseline_i + diet_i δ_v + exercise_i ε_v + diet_i exercise_i ι_v
           (+ covariates) + e_iv,      (e_i1, ..., e_iT) ~ N(0, Σ)

(``y ~ baseline × visit + diet × exercise × visit + covariates``), a marginal model with no
random effects whose errors are correlated within a subject through a covariance structure
``Σ`` over the visits (unstructured by default), by REML. Subjects with a baseline value and at
least one follow-up value are analysed, using all the values they have (valid when data are
missing at random). See :mod:`~lifestyle_trials.models.engine.reml` for the likelihood and engine.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import ModelError
from ..trial import Trial
from .design.prepare import analysis_data
from .engine.covariance import STRUCTURES
from .visit_fit import check_options, fit_visits
from .visit_result import VisitModelResult, result_fields

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
    effects, means, tests, n, exclusions, coef, vcov, sigma, correlation, loglik, ...
        Shared with the random-effects result; described in
        :class:`~lifestyle_trials.models.visit_result.VisitModelResult`.
    """

    covariance: str

    @property
    def title(self) -> str:
        return "MMRM"


def mmrm(
    trial: Trial,
    outcome: str,
    covariance: str = "us",
    df_method: str = "satterthwaite",
    log: bool = False,
    *,
    covariates: Iterable[str] = (),
    method: str = "reml",
    vcov: str = "model",
    level: float = 0.95,
) -> MMRMResult:
    """Fit a mixed model for repeated measures (MMRM) to all post-baseline visits.

    Model: ``y ~ baseline × visit + diet × exercise × visit (+ covariates)``, visit a factor,
    errors correlated within subject with covariance ``Σ`` over the visits (no random
    effects), fitted by REML; ``effects`` reports the factorial estimands at every visit.

    Parameters
    ----------
    trial : Trial
    outcome : str
    covariance : str, default "us"
        ``"us"`` (unstructured), ``"cs"``/``"csh"`` (compound symmetry, heterogeneous),
        ``"ar1"``/``"ar1h"`` (first-order autoregressive over the visit order),
        ``"toep"``/``"toeph"`` (Toeplitz), ``"diag"``; see
        :mod:`~lifestyle_trials.models.engine.covariance`. Compare them with ``aic``/``bic``
        (same fixed effects, REML).
    df_method : str, default "satterthwaite"
        ``"satterthwaite"``, ``"kenward-roger"`` (adjusted standard errors too),
        ``"residual"`` or ``"between-within"``; see
        :mod:`~lifestyle_trials.models.engine.inference`.
    log : bool, default False
        Analyse the natural log of the outcome and of its baseline; ``effects`` then adds
        ratios (geometric mean ratios) ``exp(estimate)`` with limits.
    covariates : iterable of str
        Subject-level covariates (numeric, or text/categorical as indicators).
    method : {"reml", "ml"}
    vcov : {"model", "empirical"}
        Model-based, or empirical (sandwich, clustered by subject, CR0) covariance of the
        coefficients; with ``"empirical"`` the Satterthwaite df are Bell-McCaffrey's.
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    MMRMResult

    Raises
    ------
    ModelError
        Unknown outcome/covariate/structure/method, missing arms, an arm with no value at a
        visit, more visits than subjects can support for ``us``.
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
             diet    3.0    -0.128      0.036 206.000  0.880
             diet    6.0    -0.228      0.043 197.897  0.796
             diet   12.0    -0.231      0.050 195.556  0.793
         exercise    3.0    -0.098      0.036 206.000  0.907
         exercise    6.0    -0.146      0.043 198.082  0.865
         exercise   12.0    -0.186      0.050 195.632  0.831
    diet:exercise    3.0    -0.011      0.073 206.000  0.989
    diet:exercise    6.0    -0.073      0.087 197.490  0.930
    diet:exercise   12.0     0.015      0.100 194.527  1.015
    """
    reml, df_name, vcov_name = check_options(method, df_method, vcov, level)
    name = str(covariance).lower()
    if name not in STRUCTURES:
        raise ModelError(
            f"unknown covariance structure {covariance!r}; use one of {', '.join(STRUCTURES)}"
        )
    ad = analysis_data(trial, outcome, log=log, covariates=covariates, step=f"mmrm {outcome}")
    fit = fit_visits(ad, name, reml=reml, df_method=df_name, vcov=vcov_name)
    fields = result_fields(fit, ad, df_method=df_name, vcov_type=vcov_name, level=level)
    return MMRMResult(covariance=name, **fields)
