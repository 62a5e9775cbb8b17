"""The imputation model: an MMRM of the outcome over the modelled visits, fitted by REML.

Mean model, with ``t`` the modelled visit, ``a`` the arm and ``x`` the covariates::

    E[y_it] = μ_t + γ_t b_i + δ_{a(i), t} + xᵢᵀ η_t        (δ_{reference arm, t} = 0)

that is ``baseline × visit + arm × visit + covariates × visit`` with the arm a factor (any
number of arms): at each visit the model contains the ANCOVA that analyses the completed data,
so that under MAR the conditional means reproduce the MMRM's estimates. With one post-baseline
visit the baseline ``b_i`` is the first response instead of a covariate (see
:mod:`lifestyle_trials.mi.data`) and the mean is ``μ_t + δ_{a(i), t} + xᵢᵀ η_t``.
The covariance over visits within subject is one of the engine's structures
(:mod:`lifestyle_trials.models.engine.covariance`), common to all arms; estimation is by
REML as in rbmi (``REML = TRUE``), through the engine's
:func:`~lifestyle_trials.models.engine.reml.group_by_pattern` and
:func:`~lifestyle_trials.models.engine.reml.fit_covariance`.

:func:`fit_subsets` refits the model to many sets of subjects (leave-one-out, bootstrap),
each warm-started from the fit to all subjects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ConvergenceError, MIError
from ..models.engine.covariance import Structure, structure
from ..models.engine.reml import (
    GroupedData,
    PatternBlock,
    evaluate,
    fit_covariance,
    group_by_pattern,
)
from .data import MIData
from .progress import Progress

__all__ = [
    "Fit",
    "ModelMatrices",
    "covariate_columns",
    "fit_subsets",
    "grouped_data",
    "model_matrices",
]


@dataclass(frozen=True, eq=False)
class ModelMatrices:
    """Design of the imputation model for every subject at every modelled visit.

    Attributes
    ----------
    x : ndarray, shape (n, T, p)
        Each subject's rows in its own arm.
    x_arm : ndarray, shape (K, n, T, p)
        Each subject's rows as if in arm ``k`` (for reference-based strategies).
    names : tuple of str
    """

    x: np.ndarray
    x_arm: np.ndarray
    names: tuple[str, ...]


def covariate_columns(covariates: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Numeric covariates as they are; others as indicators of every level but the first."""
    cols: list[np.ndarray] = []
    names: list[str] = []
    for col in covariates.columns:
        values = covariates[col]
        if values.dtype.kind in "biuf":
            cols.append(values.to_numpy(dtype=float))
            names.append(str(col))
        else:
            levels = sorted(pd.unique(values.astype(str)).tolist())
            for level in levels[1:]:
                cols.append((values.astype(str) == level).to_numpy(dtype=float))
                names.append(f"{col}[{level}]")
    n = len(covariates)
    return (np.column_stack(cols) if cols else np.zeros((n, 0))), names


def model_matrices(data: MIData) -> ModelMatrices:
    """The design matrices of the imputation model (see the module docstring).

    Examples
    --------
    >>> import lifestyle_trials as lt
    >>> from lifestyle_trials.mi.data import mi_data
    >>> m = model_matrices(mi_data(lt.simulate_odes(seed=1, visits=(0, 6, 12)), "homa_ir"))
    >>> m.x.shape, m.names[:3]
    ((219, 2, 10), ('visit 6', 'visit 12', 'baseline:visit 6'))
    """
    n, t = data.values.shape
    k = len(data.arms)
    vis_names = [f"visit {v:g}" for v in data.visits]
    eye = np.eye(t)
    cov, cov_names = covariate_columns(data.covariates)
    blocks_names = list(vis_names)
    if not data.baseline_is_response:
        blocks_names += [f"baseline:{v}" for v in vis_names]
    blocks_names += [f"{a}:{v}" for a in data.arms[1:] for v in vis_names]
    blocks_names += [f"{c}:{v}" for c in cov_names for v in vis_names]
    p = len(blocks_names)
    x_arm = np.zeros((k, n, t, p))
    col = 0
    x_arm[:, :, :, :t] = eye[None, None]
    col = t
    if not data.baseline_is_response:
        x_arm[:, :, :, t : 2 * t] = data.baseline[None, :, None, None] * eye[None, None]
        col = 2 * t
    for j in range(1, k):
        x_arm[j, :, :, col : col + t] = eye[None]
        col += t
    for j in range(cov.shape[1]):
        x_arm[:, :, :, col : col + t] = cov[None, :, j, None, None] * eye[None, None]
        col += t
    x = x_arm[data.arm, np.arange(n)]
    return ModelMatrices(x=x, x_arm=x_arm, names=tuple(blocks_names))


@dataclass(frozen=True, eq=False)
class Fit:
    """Parameters of the imputation model fitted to one set of subjects.

    Attributes
    ----------
    beta : ndarray (p,)
    sigma : ndarray (T, T)
    theta : ndarray
        The optimiser's working parameters (to warm-start other fits).
    """

    beta: np.ndarray
    sigma: np.ndarray
    theta: np.ndarray


def grouped_data(
    matrices: ModelMatrices, values: np.ndarray, used: np.ndarray, subjects: np.ndarray
) -> GroupedData:
    """Long arrays of the values used by the fit of the given subject rows (duplicates are
    distinct subjects), grouped by missingness pattern."""
    t = values.shape[1]
    sub_vals = values[subjects]
    sub_used = used[subjects]
    rows, cols = np.nonzero(sub_used)
    y = sub_vals[rows, cols]
    x = matrices.x[subjects][rows, cols]
    return group_by_pattern(y, x, rows, cols, t)


def _fit(data: GroupedData, struct: Structure, theta0: np.ndarray | None, what: str) -> Fit:
    try:
        theta, ev, conv = fit_covariance(data, struct, reml=True, theta0=theta0)
    except ConvergenceError as exc:
        raise ConvergenceError(f"the imputation model {what}: {exc}") from exc
    if not conv.converged:
        raise ConvergenceError(
            f"the imputation model {what} did not converge ({conv.message}); "
            f"{struct.simpler_hint()}"
        )
    return Fit(beta=ev.beta, sigma=struct.sigma(ev.psi), theta=theta)


def _refit(data: GroupedData, struct: Structure, start: Fit, what: str) -> Fit:
    """Refit from a nearby optimum: Newton steps on the natural parameters ``ψ`` with the
    observed information (Fisher scoring where it is not positive definite), halving a step
    that leaves the parameter space or lowers the REML log-likelihood; the engine's
    optimiser (from the same start) if that fails."""
    psi = struct.psi(start.theta)
    current = evaluate(data, struct, psi, reml=True, order=2)
    for _ in range(50):
        if current is None or current.gradient is None:
            break
        grad = current.gradient
        direction = None
        for info in (current.observed, current.expected):
            if info is None:
                continue
            try:
                direction = np.linalg.solve(info, grad)
            except np.linalg.LinAlgError:
                continue
            if float(grad @ direction) > 0:
                break
            direction = None
        if direction is None:
            break
        decrement = float(grad @ direction)
        if decrement < 1e-11:
            return Fit(beta=current.beta, sigma=struct.sigma(current.psi), theta=start.theta)
        if decrement < 1e-5:
            # Newton converges quadratically: this step leaves a decrement of order 1e-12,
            # so the last point needs the estimates only, not the derivatives
            last = evaluate(data, struct, current.psi + direction, reml=True, order=0)
            if last is not None and last.loglik >= current.loglik - 1e-9 * abs(current.loglik):
                return Fit(beta=last.beta, sigma=struct.sigma(last.psi), theta=start.theta)
        step = 1.0
        while step > 1e-6:
            trial = evaluate(data, struct, current.psi + step * direction, reml=True, order=2)
            if trial is not None and trial.loglik >= current.loglik - 1e-9 * abs(current.loglik):
                current = trial
                break
            step *= 0.5
        else:
            break
    return _fit(data, struct, start.theta, what)


def _drop_subject(data: GroupedData, block_no: int, row: int) -> GroupedData:
    """The grouped data without one subject: its pattern's cross-products downdated."""
    b = data.blocks[block_no]
    keep = np.ones(b.n, dtype=bool)
    keep[row] = False
    xi, yi = b.x[row], b.y[row]
    k, p = xi.shape
    sxx = None
    if b.sxx is not None:
        flat = xi.reshape(k * p)
        sxx = b.sxx - np.outer(flat, flat).reshape(k, p, k, p)
    new = PatternBlock(
        visits=b.visits,
        rows=b.rows[keep],
        x=b.x[keep],
        y=b.y[keep],
        sxx=sxx,
        sxy=b.sxy - np.einsum("ap,b->apb", xi, yi),
        syy=b.syy - np.outer(yi, yi),
    )
    blocks = list(data.blocks)
    if new.n == 0:
        del blocks[block_no]
    else:
        blocks[block_no] = new
    return GroupedData(
        blocks=tuple(blocks),
        n_visits=data.n_visits,
        n_coef=data.n_coef,
        n_obs=data.n_obs - k,
        n_subjects=data.n_subjects - 1,
        subject_index=data.subject_index,
    )


def fit_subsets(
    data: MIData,
    matrices: ModelMatrices,
    used: np.ndarray,
    covariance: str,
    subsets: Sequence[np.ndarray] | str,
    progress: bool | None = None,
) -> tuple[Fit, list[Fit]]:
    """Fit the imputation model to all subjects, then to each subset of subjects.

    Parameters
    ----------
    data : MIData
    matrices : ModelMatrices
    used : ndarray of bool, shape (n, T)
        The values the fit may use (observed, and not after an event with a non-MAR
        strategy).
    covariance : str
        Name of the covariance structure.
    subsets : "jackknife" or sequence of int arrays
        ``"jackknife"`` refits without each subject in turn; otherwise each array lists the
        subject rows of one fit (repeats allowed: bootstrap samples).
    progress : bool, optional
        Show a count of the refits on standard error (see :mod:`.progress`).

    Returns
    -------
    full : Fit
        The fit to all subjects.
    fits : list of Fit
        One per subset, each started from the full fit's parameters.

    Raises
    ------
    MIError
        A visit with no value to fit.
    ConvergenceError
        A fit that fails (naming the subset).
    """
    n, t = data.values.shape
    empty = ~used.any(axis=0)
    if empty.any():
        bad = ", ".join(f"{data.visits[j]:g}" for j in np.flatnonzero(empty))
        raise MIError(
            f"visit(s) {bad} have no value the imputation model can use (all missing or after "
            "an event with a non-MAR strategy); the model cannot estimate their mean"
        )
    struct = structure(covariance, tuple(float(v) for v in data.visits))
    everyone = np.arange(n)
    full_data = grouped_data(matrices, data.values, used, everyone)
    full = _fit(full_data, struct, None, "fitted to all subjects")
    fits: list[Fit] = []
    if isinstance(subsets, str):
        # where each subject sits in the grouped data (subjects with no value used: nowhere)
        place: dict[int, tuple[int, int]] = {}
        for bno, block in enumerate(full_data.blocks):
            subj_of_row = full_data.subject_index[block.rows[:, 0]]
            for r, s in enumerate(subj_of_row):
                place[int(s)] = (bno, r)
        # subject_index numbers the subjects with a value in order of appearance
        with_values = np.flatnonzero(used.any(axis=1))
        counter = Progress(n, "jackknife refits", progress)
        for i in range(n):
            counter.step()
            hit = np.flatnonzero(with_values == i)
            if hit.size == 0:
                fits.append(full)
                continue
            bno, r = place[int(hit[0])]
            reduced = _drop_subject(full_data, bno, r)
            fits.append(_refit(reduced, struct, full, f"without subject {data.subjects[i]!r}"))
        return full, fits
    counter = Progress(len(subsets), "bootstrap refits", progress)
    for number, subset in enumerate(subsets):
        counter.step()
        grouped = grouped_data(matrices, data.values, used, np.asarray(subset))
        fits.append(_refit(grouped, struct, full, f"of resample {number + 1}"))
    return full, fits
