"""``lt.mi.analyse``: the ANCOVA of every completed dataset at every post-baseline visit.

At each post-baseline visit ``t`` and in each completed dataset, the outcome is regressed on
its baseline, the design terms of the estimand and the covariates, as
:func:`lifestyle_trials.ancova` does for complete data (the tests check they agree)::

    y_it = α + β b_i + (design terms of arm a(i)) + xᵢᵀ η + ε_it

``estimand="arms"``: each arm minus the first arm (control); ``"factorial"``: the main effects
of diet and exercise averaged over the other factor with equal weights and the interaction
``(DE − E) − (D − C)``, from the model with interaction; ``"margins"``: the main effects of
the model without interaction. Classical standard errors with ``n − q`` df.

A ``delta`` table (subject, visit, delta; see :func:`lifestyle_trials.mi.delta_template`)
is added to the completed values before the analysis, on the analysis scale (the log scale
when the draws are on it), as rbmi's ``analyse(delta = ...)`` does.

All datasets of the same size are fitted at once (batched normal equations).

``analysis="mmrm"`` fits instead, to each completed dataset, the trial's MMRM
(:func:`lifestyle_trials.mmrm`: ``baseline × visit + arms × visit (+ covariates × visit)``,
unstructured covariance, REML, Satterthwaite df) and takes its effects at every
post-baseline visit (estimands ``factorial`` and ``arms``). With complete data and the
unstructured covariance its estimates equal the ANCOVA's at each visit (identical regressors
at every visit make generalised least squares ordinary least squares); it is the slower
option, one REML fit per dataset. Rubin's complete-data df are then the MMRM's
Satterthwaite df of each effect, averaged over the datasets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..arms import ARMS
from ..datasets.files import read_trial
from ..errors import MIError
from ..models.mmrm import mmrm
from ..trial import Trial
from .data import MIData
from .delta import delta_matrix
from .imputation import Imputed
from .model import covariate_columns
from .progress import Progress

__all__ = ["ANALYSES", "ESTIMANDS", "Analysis", "analyse"]

ESTIMANDS: tuple[str, ...] = ("factorial", "margins", "arms")
ANALYSES: tuple[str, ...] = ("ancova", "mmrm")
_FACTORIAL = {
    "diet": (-0.5, 0.5, -0.5, 0.5),
    "exercise": (-0.5, -0.5, 0.5, 0.5),
    "diet:exercise": (1.0, -1.0, -1.0, 1.0),
}


@dataclass(frozen=True, eq=False)
class Analysis:
    """Effects in every completed dataset.

    Attributes
    ----------
    imputed : Imputed
    terms : tuple of str
    visits : tuple of float
        The analysed (post-baseline) visits.
    estimate, std_error : ndarray, shape (datasets, terms, visits)
    df : ndarray, shape (datasets,)
        Residual degrees of freedom of each dataset's ANCOVA.
    df_complete : float or ndarray, shape (terms, visits)
        Rubin's complete-data df: the residual df of the ANCOVA of the original subjects, or
        the MMRM's Satterthwaite df of each effect averaged over the datasets.
    estimand : str
    log : bool
    """

    imputed: Imputed
    terms: tuple[str, ...]
    visits: tuple[float, ...]
    estimate: np.ndarray
    std_error: np.ndarray
    df: np.ndarray
    df_complete: float | np.ndarray
    estimand: str
    log: bool


def _design(data: MIData, estimand: str) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Subject-level design (n, q) with the baseline, and the effect rows (terms, q)."""
    n = data.n_subjects
    cov, _ = covariate_columns(data.covariates)
    if estimand == "margins":
        if len(set(zip(data.diet.tolist(), data.exercise.tolist(), strict=True))) < 4:
            raise MIError(
                f"estimand 'margins' needs all four arms of the 2 × 2 design; arms: "
                f"{', '.join(data.arms)}. Compare each arm with control: estimand='arms'"
            )
        treat = np.column_stack([np.ones(n), data.diet, data.exercise])
        rows = np.zeros((2, treat.shape[1]))
        rows[0, 1] = rows[1, 2] = 1.0
        terms: tuple[str, ...] = ("diet", "exercise")
    else:
        k = len(data.arms)
        treat = np.eye(k)[data.arm]
        if estimand == "factorial":
            if tuple(data.arms) != ARMS:
                raise MIError(
                    "estimand 'factorial' needs all four arms of the 2 × 2 design; arms: "
                    f"{', '.join(data.arms)}. Use estimand='arms'"
                )
            terms = tuple(_FACTORIAL)
            rows = np.array([_FACTORIAL[t] for t in terms])
        elif estimand == "arms":
            if k < 2:
                raise MIError("estimand 'arms' needs at least two arms")
            terms = tuple(f"{a} vs {data.arms[0]}" for a in data.arms[1:])
            rows = np.zeros((k - 1, k))
            rows[:, 0] = -1.0
            rows[np.arange(k - 1), np.arange(1, k)] = 1.0
        else:
            raise MIError(f"unknown estimand {estimand!r}; use one of {', '.join(ESTIMANDS)}")
    z = np.column_stack([treat, data.baseline, cov])
    contrast = np.zeros((len(terms), z.shape[1]))
    contrast[:, : treat.shape[1]] = rows
    return z, contrast, terms


def _batched(
    z: np.ndarray, contrast: np.ndarray, index: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray, int]:
    """ANCOVA of stacked datasets: index (m, L), y (m, L, V) → estimate, se (m, terms, V)."""
    x = z[index]  # (m, L, q)
    xtx = np.einsum("mli,mlj->mij", x, x)
    xty = np.einsum("mli,mlv->miv", x, y)
    coef = np.linalg.solve(xtx, xty)  # (m, q, V)
    resid = y - np.einsum("mli,miv->mlv", x, coef)
    df = index.shape[1] - z.shape[1]
    if df <= 0:
        raise MIError(f"{index.shape[1]} subjects for an ANCOVA with {z.shape[1]} parameters")
    sigma2 = np.einsum("mlv,mlv->mv", resid, resid) / df
    inv_l = np.linalg.solve(xtx, np.broadcast_to(contrast.T, (x.shape[0], *contrast.T.shape)))
    scale = np.einsum("ti,mit->mt", contrast, inv_l)  # l'(X'X)⁻¹l, (m, terms)
    estimate = np.einsum("ti,miv->mtv", contrast, coef)
    std_error = np.sqrt(scale[:, :, None] * sigma2[:, None, :])
    return estimate, std_error, df


def analyse(
    imputed: Imputed,
    analysis: str = "ancova",
    estimand: str = "factorial",
    delta: pd.DataFrame | None = None,
    progress: bool | None = None,
) -> Analysis:
    """Analyse every completed dataset (see the module docstring).

    Parameters
    ----------
    imputed : Imputed
    analysis : {"ancova", "mmrm"}
        The ANCOVA at each visit, or the MMRM of all post-baseline visits (see the module
        docstring).
    estimand : {"factorial", "margins", "arms"}
        ``"margins"`` with the ANCOVA only.
    delta : DataFrame, optional
        Columns ``subject``, ``visit``, ``delta``: added to the completed values.
    progress : bool, optional
        ``"mmrm"``: show a count of the fits on standard error (default: for 100 datasets
        or more when standard error is a terminal).

    Returns
    -------
    Analysis

    Raises
    ------
    MIError
        An unknown analysis or estimand, an estimand the arms do not allow, a delta table
        that does not match the imputed data.

    Examples
    --------
    >>> import lifestyle_trials as lt
    >>> trial = lt.simulate_odes(seed=3, n_per_arm=(15,) * 4, visits=(0, 3, 6, 12), dropout=0.2)
    >>> imputed = lt.mi.impute(lt.mi.draws(trial, "homa_ir", log=True))
    >>> a = lt.mi.analyse(imputed, "ancova", estimand="factorial")
    >>> a.estimate.shape, a.terms
    ((61, 3, 3), ('diet', 'exercise', 'diet:exercise'))
    """
    if analysis not in ANALYSES:
        raise MIError(f"unknown analysis {analysis!r}; use one of {', '.join(ANALYSES)}")
    data = imputed.draws.data
    z, contrast, terms = _design(data, estimand)
    shift = None if delta is None else delta_matrix(imputed, delta)
    if analysis == "mmrm":
        return _analyse_mmrm(imputed, estimand, terms, shift, progress)
    first = data.first_analysed
    m = imputed.n_datasets
    n_vis = data.values.shape[1] - first
    estimate = np.empty((m, len(terms), n_vis))
    std_error = np.empty_like(estimate)
    dfs = np.empty(m)
    lengths = np.array([idx.size for idx in imputed.index])
    for length in np.unique(lengths):
        which = np.flatnonzero(lengths == length)
        index = np.stack([imputed.index[d] for d in which])
        y = np.stack([imputed.values[d][:, first:] for d in which])
        if shift is not None:
            y = y + shift[index][:, :, first:]
        est, se, df = _batched(z, contrast, index, y)
        estimate[which], std_error[which], dfs[which] = est, se, df
    return Analysis(
        imputed=imputed,
        terms=terms,
        visits=data.post_baseline,
        estimate=estimate,
        std_error=std_error,
        df=dfs,
        df_complete=float(data.n_subjects - z.shape[1]),
        estimand=estimand,
        log=data.log,
    )


def _completed_trial(
    data: MIData, index: np.ndarray, values: np.ndarray
) -> tuple[Trial, tuple[str, ...]]:
    """One completed dataset (column ``value``, on the analysis scale) as a Trial; repeated
    subjects of a bootstrap sample become distinct subjects."""
    first = data.first_analysed
    post = np.asarray(data.post_baseline, dtype=float)
    base_visit = float(data.visits[0]) if data.baseline_is_response else float(post[0]) - 1.0
    n = index.size
    subject = np.array([f"s{k:05d}" for k in range(n)], dtype=object)
    long_visits = np.concatenate([[base_visit], post])
    y = np.column_stack([data.baseline[index], values[:, first:]])
    table = pd.DataFrame(
        {
            "subject": np.repeat(subject, long_visits.size),
            "diet": np.repeat(data.diet[index], long_visits.size),
            "exercise": np.repeat(data.exercise[index], long_visits.size),
            "visit": np.tile(long_visits, n),
            "value": y.ravel(),
        }
    )
    names = list(data.covariates.columns)
    for name in names:
        table[name] = np.repeat(data.covariates[name].to_numpy()[index], long_visits.size)
    trial = read_trial(
        table, baseline=base_visit, outcomes=["value"], covariates=names, name="completed"
    )
    return trial, tuple(names)


def _analyse_mmrm(
    imputed: Imputed,
    estimand: str,
    terms: tuple[str, ...],
    shift: np.ndarray | None,
    progress: bool | None,
) -> Analysis:
    """The MMRM of every completed dataset (values on the analysis scale, so ``log=False``)."""
    data = imputed.draws.data
    if estimand not in ("factorial", "arms"):
        raise MIError(
            f"analysis 'mmrm' reports the estimands 'factorial' and 'arms', not {estimand!r}; "
            "use analysis='ancova' for 'margins'"
        )
    post = data.post_baseline
    m = imputed.n_datasets
    estimate = np.empty((m, len(terms), len(post)))
    std_error = np.empty_like(estimate)
    dfs = np.empty_like(estimate)
    counter = Progress(m, "MMRM of the completed datasets", progress)
    for d in range(m):
        counter.step()
        index = imputed.index[d]
        values = imputed.values[d] if shift is None else imputed.values[d] + shift[index]
        trial, names = _completed_trial(data, index, values)
        effects = mmrm(trial, "value", estimand=estimand, covariates_by_visit=names).effects
        table = effects.set_index(["term", "visit"])
        keys = [(t, float(v)) for t in terms for v in post]
        rows = table.loc[keys]
        shape = (len(terms), len(post))
        estimate[d] = rows["estimate"].to_numpy().reshape(shape)
        std_error[d] = rows["std_error"].to_numpy().reshape(shape)
        dfs[d] = rows["df"].to_numpy().reshape(shape)
    return Analysis(
        imputed=imputed,
        terms=terms,
        visits=post,
        estimate=estimate,
        std_error=std_error,
        df=dfs.mean(axis=(1, 2)),
        df_complete=dfs.mean(axis=0),
        estimand=estimand,
        log=data.log,
    )
