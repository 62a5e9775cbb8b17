"""Many fits of one design: new outcome vectors, or subsets of the subjects, without
repeating the set-up, each warm-started from a fit of the full data.

Multiple imputation (one fit per imputed data set), the jackknife (one fit per subject left
out) and simulation (thousands of outcome vectors over one design) refit the same model
many times. The grouping by missingness pattern and the cross-products ``Σ_i x_ia x_ibᵀ``
depend on the design alone: :func:`with_outcome` swaps the outcome into a grouped data set
(recomputing only ``Σ_i x_ia y_ib`` and ``Σ_i y_ia y_ib``), :func:`without_subjects`
subtracts the contributions of some subjects from their patterns, and :func:`refit_many`
fits a sequence of such data sets with Newton steps started at the working parameters of
the full fit, which are close to each refit's optimum.

Examples
--------
A jackknife of an unstructured MMRM (60 subjects, 3 visits):

>>> import numpy as np
>>> from lifestyle_trials.models.engine.covariance import structure
>>> from lifestyle_trials.models.engine.reml import group_by_pattern, fit_covariance
>>> rng = np.random.default_rng(0)
>>> n, t = 60, 3
>>> arm = np.repeat(rng.integers(0, 2, n), t)
>>> x = np.column_stack([np.kron(np.ones(n), np.eye(t)).T, arm])
>>> y = x @ np.array([1.0, 2.0, 3.0, 0.5]) + rng.normal(size=n * t)
>>> data = group_by_pattern(y, x, np.repeat(np.arange(n), t), np.tile(np.arange(t), n), t)
>>> struct = structure("us", (1.0, 2.0, 3.0))
>>> theta, full, _ = fit_covariance(data, struct)
>>> fits = jackknife(data, struct, theta)
>>> fits.beta.shape, bool(fits.converged.all())
((60, 4), True)
>>> pseudo = n * full.beta - (n - 1) * fits.beta  # jackknife pseudo-values
>>> se = np.sqrt(np.var(pseudo[:, 3], ddof=1) / n)  # jackknife SE of the arm effect
>>> bool(abs(se / np.sqrt(full.vcov[3, 3]) - 1) < 0.3)
True

Many outcome vectors over the same design (e.g. imputed data sets):

>>> ys = [x @ np.array([1.0, 2.0, 3.0, 0.5]) + rng.normal(size=n * t) for _ in range(5)]
>>> many = refit_many((with_outcome(data, v) for v in ys), struct, theta)
>>> many.beta.shape
(5, 4)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from ...errors import ConvergenceError, ModelError
from .covariance import Structure
from .reml import Convergence, Evaluation, GroupedData, PatternBlock, fit_covariance

__all__ = ["RepeatedFits", "jackknife", "refit_many", "with_outcome", "without_subjects"]


@dataclass(frozen=True)
class RepeatedFits:
    """The results of many fits of one model, one row per fit.

    Attributes
    ----------
    theta, psi : ndarray, shape (m, K)
        Working and natural covariance parameters (NaN for a fit that failed).
    beta : ndarray, shape (m, p)
    vcov : ndarray, shape (m, p, p)
        Model-based covariance of ``β̂``.
    loglik : ndarray, shape (m,)
    converged : ndarray of bool, shape (m,)
    iterations : ndarray of int, shape (m,)
    """

    theta: np.ndarray
    psi: np.ndarray
    beta: np.ndarray
    vcov: np.ndarray
    loglik: np.ndarray
    converged: np.ndarray
    iterations: np.ndarray


def with_outcome(data: GroupedData, y: np.ndarray) -> GroupedData:
    """``data`` with the outcome replaced by ``y`` (one value per input row, in the order
    the rows were given to :func:`~lifestyle_trials.models.engine.reml.group_by_pattern`;
    rescaled by the weights when the data have some).

    Raises
    ------
    ModelError
        ``y`` of the wrong length or not finite.
    """
    y = np.asarray(y, dtype=float)
    if y.shape != (data.n_obs,) or not np.all(np.isfinite(y)):
        raise ModelError(f"the new outcome must have {data.n_obs} finite values, one per row")
    if data.root_weights is not None:
        y = y * data.root_weights
    blocks = []
    for b in data.blocks:
        n, k, p = b.x.shape
        yb = y[b.rows]
        sxy = (b.x.reshape(n, k * p).T @ yb).reshape(k, p, k)
        blocks.append(replace(b, y=yb, sxy=sxy, syy=yb.T @ yb))
    return replace(data, blocks=tuple(blocks))


def without_subjects(data: GroupedData, subjects: Sequence[int]) -> GroupedData:
    """``data`` without the subjects numbered ``subjects`` (0-based, in order of first
    appearance, as :attr:`GroupedData.subject_index`): their contributions are subtracted
    from the cross-products of their patterns.

    Raises
    ------
    ModelError
        A subject number out of range, or no subject left.
    """
    row_subject = data.subject_index
    present = np.unique(np.concatenate([row_subject[b.rows[:, 0]] for b in data.blocks]))
    drop = np.unique(np.asarray(subjects, dtype=np.int64))
    if not np.all(np.isin(drop, present)):
        raise ModelError(
            "subject numbers must be among the subjects present (0-based, in order of first "
            f"appearance); not present: {', '.join(map(str, drop[~np.isin(drop, present)][:5]))}"
        )
    if drop.size >= present.size:
        raise ModelError("no subject would be left")
    blocks: list[PatternBlock] = []
    n_obs = data.n_obs
    log_w = data.log_weight_sum
    for b in data.blocks:
        gone = np.isin(row_subject[b.rows[:, 0]], drop)
        if not gone.any():
            blocks.append(b)
            continue
        n_obs -= int(gone.sum()) * b.visits.size
        if data.root_weights is not None:
            log_w -= 2.0 * float(np.sum(np.log(data.root_weights[b.rows[gone]])))
        if gone.all():
            continue
        n, k, p = b.x.shape
        xg, yg = b.x[gone].reshape(-1, k * p), b.y[gone]
        sxx = None if b.sxx is None else b.sxx - (xg.T @ xg).reshape(k, p, k, p)
        blocks.append(
            PatternBlock(
                visits=b.visits,
                rows=b.rows[~gone],
                x=b.x[~gone],
                y=b.y[~gone],
                sxx=sxx,
                sxy=b.sxy - (xg.T @ yg).reshape(k, p, k),
                syy=b.syy - yg.T @ yg,
            )
        )
    return replace(
        data,
        blocks=tuple(blocks),
        n_obs=n_obs,
        n_subjects=data.n_subjects - drop.size,
        log_weight_sum=log_w,
    )


def refit_many(
    datasets: Iterable[GroupedData],
    struct: Structure,
    theta0: np.ndarray,
    *,
    reml: bool = True,
    max_iter: int = 100,
    tol: float = 1e-11,
) -> RepeatedFits:
    """Fit each data set, starting from the working parameters ``theta0`` (those of a fit
    of the full data). A fit that does not converge is kept with ``converged`` False; one
    that cannot be evaluated has NaN parameters."""
    rows: list[tuple[np.ndarray, Evaluation, Convergence] | None] = []
    theta0 = np.asarray(theta0, dtype=float)
    for data in datasets:
        try:
            theta, ev, conv = fit_covariance(
                data, struct, reml=reml, theta0=theta0, max_iter=max_iter, tol=tol
            )
        except ConvergenceError:
            rows.append(None)
            continue
        rows.append((theta, ev, conv))
    return _collect(rows, struct.n_params, theta0.size)


def jackknife(
    data: GroupedData,
    struct: Structure,
    theta0: np.ndarray,
    *,
    reml: bool = True,
    max_iter: int = 100,
    tol: float = 1e-11,
) -> RepeatedFits:
    """Leave-one-subject-out fits, one per subject in order of subject number."""
    subsets = (without_subjects(data, [i]) for i in range(data.n_subjects))
    return refit_many(subsets, struct, theta0, reml=reml, max_iter=max_iter, tol=tol)


def _collect(rows: list, n_psi: int, n_theta: int) -> RepeatedFits:
    p = next((r[1].beta.size for r in rows if r is not None), 0)
    m = len(rows)
    out = RepeatedFits(
        theta=np.full((m, n_theta), np.nan),
        psi=np.full((m, n_psi), np.nan),
        beta=np.full((m, p), np.nan),
        vcov=np.full((m, p, p), np.nan),
        loglik=np.full(m, np.nan),
        converged=np.zeros(m, dtype=bool),
        iterations=np.zeros(m, dtype=np.int64),
    )
    for i, row in enumerate(rows):
        if row is None:
            continue
        theta, ev, conv = row
        out.theta[i] = theta
        out.psi[i] = ev.psi
        out.beta[i] = ev.beta
        out.vcov[i] = ev.vcov
        out.loglik[i] = ev.loglik
        out.converged[i] = conv.converged
        out.iterations[i] = conv.iterations
    return out
