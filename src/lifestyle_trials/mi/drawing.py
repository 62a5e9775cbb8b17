"""``lt.mi.draws``: the parameters of the imputation model, once or many times.

Methods (as rbmi's ``method_condmean``, ``method_approxbayes`` and ``method_bmlmi``):

``condmean``
    Conditional mean imputation (Wolbers et al. 2022): the REML fit to all subjects gives the
    point estimate; ``resampling="jackknife"`` refits without each subject in turn (``n``
    fits, deterministic), ``"bootstrap"`` refits to ``n_samples`` bootstrap samples
    stratified by arm, and each resample is imputed and analysed by itself.
``approxbayes``
    Approximate Bayesian multiple imputation: the REML fit to each of ``n_samples``
    bootstrap samples (stratified by arm) is one draw of the parameters, asymptotically a
    draw from their posterior (Little & Rubin 2002, section 10.2.3; rbmi's statistical
    specifications); each draw imputes the original data once, at random from the
    conditional distribution; Rubin's rules with the Barnard-Rubin df pool.
``bmlmi``
    Bootstrapped maximum likelihood MI (von Hippel & Bartlett 2021): ``n_samples`` bootstrap
    samples ``B``, each fitted once and imputed ``D`` times (``n_imputations``, default 2) at
    random; pooled with the random-effects ANOVA of von Hippel & Bartlett.

References
----------
Little RJA, Rubin DB. Statistical analysis with missing data. 2nd ed. Wiley; 2002.
doi:10.1002/9781119013563
Wolbers M, Noci A, Delmar P, Gower-Page C, Yiu S, Bartlett JW. Standard and reference-based
conditional mean imputation. Pharm Stat 2022;21:1246-57. doi:10.1002/pst.2234
von Hippel PT, Bartlett JW. Maximum likelihood multiple imputation: faster imputations and
consistent standard errors without posterior draws. Stat Sci 2021;36:400-20.
doi:10.1214/20-STS793
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import MIError
from ..models.engine.covariance import STRUCTURES
from ..trial import Exclusion, Trial
from .data import MIData, mi_data
from .events import Events, default_events, read_events
from .model import Fit, ModelMatrices, fit_subsets, model_matrices

__all__ = ["METHODS", "Draws", "draws"]

METHODS: tuple[str, ...] = ("condmean", "approxbayes", "bmlmi")
RESAMPLING: tuple[str, ...] = ("jackknife", "bootstrap")


@dataclass(frozen=True, eq=False)
class Draws:
    """The fitted imputation model(s) of :func:`draws`.

    Attributes
    ----------
    data : MIData
    matrices : ModelMatrices
    events : Events
    fit_mar : ndarray of bool (n,)
        Whether the fit used the values at and after each subject's event (MAR strategy in
        the event table).
    method : str
    resampling : str or None
    fits : tuple of Fit
        For ``condmean``, the fit to all subjects first, then one per resample; otherwise one
        per bootstrap sample.
    samples : tuple of ndarray
        The subject rows of each fit (same order as ``fits``).
    n_imputations : int
        Random imputations per fit (``bmlmi``: ``D``; otherwise 1).
    seed : int or None
    covariance : str
    impute_seed : numpy.random.SeedSequence
        The stream of the random imputations (one child per fit).
    notes : tuple of str
        What a reader should know (for instance that no value was missing).
    """

    data: MIData
    matrices: ModelMatrices
    events: Events
    fit_mar: np.ndarray
    method: str
    resampling: str | None
    fits: tuple[Fit, ...]
    samples: tuple[np.ndarray, ...]
    n_imputations: int
    seed: int | None
    covariance: str
    impute_seed: np.random.SeedSequence
    notes: tuple[str, ...] = ()

    @property
    def exclusions(self) -> tuple[Exclusion, ...]:
        """Subjects set aside (no baseline, a missing covariate)."""
        return self.data.exclusions

    def __repr__(self) -> str:
        kind = f"{self.method} ({self.resampling})" if self.resampling else self.method
        return (
            f"Draws({self.data.outcome}: {kind}, {len(self.fits)} fits of {self.covariance} "
            f"MMRM, {self.data.n_subjects} subjects, {int(self.data.missing.sum())} values "
            "missing)"
        )


def _bootstrap_samples(arm: np.ndarray, n_samples: int, rng: np.random.Generator) -> list:
    """Bootstrap samples stratified by arm (each arm keeps its size)."""
    groups = [np.flatnonzero(arm == k) for k in np.unique(arm)]
    out = []
    for _ in range(n_samples):
        out.append(np.concatenate([rng.choice(g, size=g.size, replace=True) for g in groups]))
    return out


def draws(
    trial: Trial,
    outcome: str,
    method: str = "condmean",
    resampling: str = "jackknife",
    covariance: str = "us",
    covariates: Sequence[str] = (),
    log: bool = False,
    ice: pd.DataFrame | None = None,
    seed: int | None = None,
    n_samples: int | None = None,
    n_imputations: int = 2,
    progress: bool | None = None,
) -> Draws:
    """Fit the imputation model (see the module docstring for the methods).

    The model is the MMRM ``baseline × visit + arm × visit + covariates`` over the
    post-baseline visits with a ``covariance`` structure common to the arms, fitted by REML
    (:mod:`lifestyle_trials.mi.model`). With one post-baseline visit (the ODES design, which
    rbmi refuses) the baseline becomes the first response of the model instead of a
    covariate: the model is the bivariate normal of (baseline, follow-up) with arm means
    ``visit + arm × visit``, and the follow-up is imputed from its conditional distribution
    given the baseline, which under MAR is the ANCOVA regression within arm.

    Parameters
    ----------
    trial : Trial
    outcome : str
    method : {"condmean", "approxbayes", "bmlmi"}
    resampling : {"jackknife", "bootstrap"}
        For ``condmean`` only.
    covariance : str
        A covariance structure of the engine (``"us"``, ``"cs"``, ``"ar1"``, ...).
    covariates : sequence of str
        Subject-level covariates (main effects in the imputation model and in the analysis).
    log : bool
        Model and analyse the log of the outcome (effects become ratios when pooled).
    ice : DataFrame, optional
        Intercurrent events: ``subject``, ``visit`` (the first visit the event affects) and
        optionally ``strategy``. Default: an event at the first missing visit of every
        monotone dropout (:mod:`lifestyle_trials.mi.events`). Values observed at or after an
        event whose strategy is not MAR are left out of the fit; an event without a strategy
        counts as non-MAR here.
    seed : int, optional
        Seed of the bootstrap samples and of the random imputations (not needed for the
        jackknife).
    n_samples : int, optional
        Bootstrap samples (``approxbayes``: the number of imputations, default 20;
        ``bmlmi``: ``B``, default 20; ``condmean`` with bootstrap: default 100).
    n_imputations : int, default 2
        ``bmlmi`` only: random imputations ``D`` per bootstrap sample.
    progress : bool, optional
        Show a count of the refits on standard error; default: only for 100 refits or more
        when standard error is a terminal (:mod:`lifestyle_trials.mi.progress`).

    Returns
    -------
    Draws

    Raises
    ------
    MIError
        An unknown method, resampling or covariance; ``n_samples`` < 2; an event table that
        does not match the trial.
    ConvergenceError
        The model cannot be fitted (to all subjects or to a resample).

    Examples
    --------
    >>> import lifestyle_trials as lt
    >>> trial = lt.simulate_odes(seed=3, n_per_arm=(15,) * 4, visits=(0, 3, 6, 12), dropout=0.2)
    >>> d = lt.mi.draws(trial, "homa_ir", log=True)
    >>> d
    Draws(homa_ir: condmean (jackknife), 61 fits of us MMRM, 60 subjects, 21 values missing)
    """
    if method not in METHODS:
        raise MIError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    if method == "condmean" and resampling not in RESAMPLING:
        raise MIError(f"unknown resampling {resampling!r}; use one of {', '.join(RESAMPLING)}")
    if covariance not in STRUCTURES:
        raise MIError(
            f"unknown covariance structure {covariance!r}; use one of {', '.join(STRUCTURES)}"
        )
    if n_samples is None:
        n_samples = 100 if method == "condmean" else 20
    if method != "condmean" or resampling == "bootstrap":
        if not isinstance(n_samples, (int, np.integer)) or n_samples < 2:
            raise MIError(f"n_samples must be an integer of at least 2, not {n_samples!r}")
    if method == "bmlmi" and (
        not isinstance(n_imputations, (int, np.integer)) or n_imputations < 2
    ):
        raise MIError(f"bmlmi needs n_imputations of at least 2, not {n_imputations!r}")
    data = mi_data(trial, outcome, covariates=covariates, log=log)
    events = default_events(data) if ice is None else read_events(data, ice)
    fit_mar = np.array([s == "MAR" for s in events.strategy], dtype=bool)
    used = ~data.missing & events.is_mar(np.where(fit_mar, "MAR", "other"), data.values.shape[1])
    matrices = model_matrices(data)
    n = data.n_subjects
    boot_seed, impute_seed = np.random.SeedSequence(seed).spawn(2)
    rng = np.random.default_rng(boot_seed)
    if method == "condmean" and resampling == "jackknife":
        full, fits = fit_subsets(data, matrices, used, covariance, "jackknife", progress)
        everyone = np.arange(n)
        samples = [everyone, *(np.delete(everyone, i) for i in range(n))]
        all_fits = [full, *fits]
    else:
        boot = _bootstrap_samples(data.arm, int(n_samples), rng)
        full, fits = fit_subsets(data, matrices, used, covariance, boot, progress)
        if method == "condmean":
            samples, all_fits = [np.arange(n), *boot], [full, *fits]
        elif method == "approxbayes":
            samples, all_fits = [np.arange(n)] * len(boot), fits
        else:
            samples, all_fits = boot, fits
    return Draws(
        data=data,
        matrices=matrices,
        events=events,
        fit_mar=fit_mar,
        method=method,
        resampling=resampling if method == "condmean" else None,
        fits=tuple(all_fits),
        samples=tuple(samples),
        n_imputations=int(n_imputations) if method == "bmlmi" else 1,
        seed=seed,
        covariance=covariance,
        impute_seed=impute_seed,
        notes=_notes(data),
    )


def _notes(data: MIData) -> tuple[str, ...]:
    if data.missing.any():
        return ()
    return (
        f"no value of {data.outcome} is missing at the post-baseline visits: every completed "
        "dataset is the observed data, and the pooled effects are those of the complete-data "
        "analysis",
    )
