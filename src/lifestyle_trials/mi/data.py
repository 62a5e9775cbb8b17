"""The data of an imputation: one row per subject, one column per modelled visit.

:func:`mi_data` turns a :class:`~lifestyle_trials.Trial` and an outcome into the arrays the
imputation model, the strategies and the analysis share: the subjects, their arm, their
baseline value, the outcome at the modelled visits (NaN where missing) and the covariates.

Two layouts of the visits:

- two or more post-baseline visits: the modelled visits are the post-baseline ones and the
  baseline value enters the imputation model as a covariate (baseline × visit), as in rbmi;
- one post-baseline visit: the modelled visits are the baseline and the follow-up, and the
  baseline value is a *response* of the imputation model (``baseline_is_response``), so that
  the model has a covariance to condition on; it is always observed (subjects without a
  baseline are set aside) and never imputed.

Subjects without a baseline value or with a missing covariate are set aside and listed in
``exclusions``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import MIError
from ..trial import Exclusion, Trial

__all__ = ["MIData", "mi_data"]


@dataclass(frozen=True, eq=False)
class MIData:
    """The trial as arrays for multiple imputation (see the module docstring).

    Attributes
    ----------
    outcome : str
    subjects : ndarray of str, shape (n,)
    arms : tuple of str
        The arms present, the first being the reference level of the imputation model.
    arm : ndarray of int, shape (n,)
        Each subject's arm as a position in ``arms``.
    diet, exercise : ndarray of int, shape (n,)
    baseline : ndarray, shape (n,)
        Baseline value (log scale when ``log``).
    values : ndarray, shape (n, T)
        Outcome at the modelled visits (log scale when ``log``), NaN when missing.
    visits : tuple of float
        The modelled visits (see ``baseline_is_response``).
    baseline_is_response : bool
        True when the baseline is the first modelled visit (one post-baseline visit).
    covariates : DataFrame
        ``n`` rows of subject-level covariates.
    log : bool
    exclusions : tuple of Exclusion
    """

    outcome: str
    subjects: np.ndarray
    arms: tuple[str, ...]
    arm: np.ndarray
    diet: np.ndarray
    exercise: np.ndarray
    baseline: np.ndarray
    values: np.ndarray
    visits: tuple[float, ...]
    baseline_is_response: bool
    covariates: pd.DataFrame
    log: bool
    exclusions: tuple[Exclusion, ...]

    @property
    def n_subjects(self) -> int:
        """Number of subjects modelled."""
        return int(self.values.shape[0])

    @property
    def missing(self) -> np.ndarray:
        """Boolean (n, T): the value is missing."""
        return np.isnan(self.values)

    @property
    def post_baseline(self) -> tuple[float, ...]:
        """The analysed visits (the modelled ones without the baseline)."""
        return self.visits[1:] if self.baseline_is_response else self.visits

    @property
    def first_analysed(self) -> int:
        """Position of the first post-baseline visit among the modelled visits."""
        return 1 if self.baseline_is_response else 0


def mi_data(
    trial: Trial, outcome: str, *, covariates: Sequence[str] = (), log: bool = False
) -> MIData:
    """The arrays of an imputation of ``outcome`` in ``trial``.

    Parameters
    ----------
    trial : Trial
    outcome : str
    covariates : sequence of str
        Subject-level covariates of the imputation model and the analysis.
    log : bool
        Log-transform the outcome (all values must be positive).

    Returns
    -------
    MIData

    Raises
    ------
    MIError
        No post-baseline visit, non-positive values with ``log``, no subject left.

    Examples
    --------
    >>> import lifestyle_trials as lt
    >>> d = mi_data(lt.simulate_odes(seed=1, visits=(0, 6, 12)), "homa_ir", log=True)
    >>> d.visits, d.values.shape, d.baseline_is_response
    ((6.0, 12.0), (219, 2), False)
    """
    trial.require_outcome(outcome)
    covs = trial.require_covariates(covariates)
    design = trial.design
    post = design.post_baseline
    if not post:
        raise MIError(
            f"the trial has no visit after the baseline visit {design.baseline:g}; "
            "there is nothing to impute"
        )
    wide = trial.wide_values(outcome)
    visits = list(design.visits)
    base = wide[:, visits.index(design.baseline)]
    post_cols = [visits.index(v) for v in post]
    values = wide[:, post_cols]
    subj = trial.subjects()
    ids = subj["subject"].astype(str).to_numpy()
    if log:
        bad = (np.isfinite(wide) & (wide <= 0)).any(axis=1)
        if bad.any():
            raise MIError(
                f"log=True needs positive values of {outcome!r}; subject(s) "
                f"{', '.join(ids[bad][:10])} have values <= 0. Use log=False or correct them"
            )
        with np.errstate(invalid="ignore"):
            wide = np.log(wide)
        base = np.log(base)
        values = np.log(values)

    keep = np.isfinite(base)
    exclusions: list[Exclusion] = []
    if (~keep).any():
        exclusions.append(
            Exclusion(
                reason=f"no baseline value of {outcome}",
                subjects=tuple(ids[~keep]),
                rows=int((~keep).sum()),
                step=f"multiple imputation {outcome}",
                column=outcome,
            )
        )
    cov_frame = subj[list(covs)].reset_index(drop=True)
    for col in covs:
        miss = cov_frame[col].isna().to_numpy() & keep
        if miss.any():
            exclusions.append(
                Exclusion(
                    reason=f"no value of the covariate {col}",
                    subjects=tuple(ids[miss]),
                    rows=int(miss.sum()),
                    step=f"multiple imputation {outcome}",
                    column=col,
                )
            )
            keep &= ~miss
    if not keep.any():
        raise MIError(f"no subject has a baseline value of {outcome!r} and every covariate")
    arm_names = subj["arm"].astype(str).to_numpy()[keep]
    arms = tuple(a for a in design.arms if a in set(arm_names))
    arm = np.array([arms.index(a) for a in arm_names], dtype=np.int64)
    one_visit = len(post) == 1
    base_k = base[keep]
    vals = values[keep]
    if one_visit:
        vals = np.column_stack([base_k, vals])
    return MIData(
        outcome=outcome,
        subjects=ids[keep],
        arms=arms,
        arm=arm,
        diet=subj["diet"].to_numpy(dtype=np.int64)[keep],
        exercise=subj["exercise"].to_numpy(dtype=np.int64)[keep],
        baseline=base_k,
        values=vals,
        visits=(design.baseline, *post) if one_visit else tuple(post),
        baseline_is_response=one_visit,
        covariates=cov_frame.loc[keep].reset_index(drop=True),
        log=log,
        exclusions=tuple(exclusions),
    )
