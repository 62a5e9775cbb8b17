"""MMRM of replicates through the likelihood engine, without building a Trial or a table.

Each replicate is fitted with the model of :func:`~lifestyle_trials.mmrm`,
``y ~ baseline × visit + diet × exercise × visit``, written per visit ``v`` as the columns
``[1, baseline, diet, exercise, diet·exercise] × 1(visit = v)``: the same column space as
the treatment coding of ``lt.mmrm`` (REML estimates, standard errors and df of every effect
are therefore the same), built with numpy from the replicate's arrays. The fit itself is
:func:`engine_fit`, the one place that calls the engine.

Effects at visit ``v`` (coefficients ``b`` of that visit's block): ``diet = b_d + b_de/2``,
``exercise = b_e + b_de/2``, ``diet:exercise = b_de``; arms against control ``b_d``, ``b_e``,
``b_d + b_e + b_de``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..arms import ARMS
from ..errors import ConvergenceError, LifestyleTrialsError, ModelError
from ..models.engine.covariance import Structure, structure
from ..models.engine.inference import contrast_inference
from ..models.engine.reml import GroupedData, fit_covariance, group_by_pattern
from ..models.results import t_inference
from ..trial import format_visit
from .design import PowerDesign
from .replicate import Replicate
from .tally import CellResults

__all__ = ["EngineFit", "engine_fit", "mmrm_chunk"]

_CODES = np.array([(0, 0), (1, 0), (0, 1), (1, 1)], dtype=float)
_BLOCK = 5  # [1, baseline, diet, exercise, diet·exercise] per visit
_EFFECT_ROWS = {
    "diet": (0.0, 0.0, 1.0, 0.0, 0.5),
    "exercise": (0.0, 0.0, 0.0, 1.0, 0.5),
    "diet:exercise": (0.0, 0.0, 0.0, 0.0, 1.0),
    "diet vs control": (0.0, 0.0, 1.0, 0.0, 0.0),
    "exercise vs control": (0.0, 0.0, 0.0, 1.0, 0.0),
    "diet+exercise vs control": (0.0, 0.0, 1.0, 1.0, 1.0),
}


@dataclass(frozen=True)
class EngineFit:
    """What the power simulation keeps of one fit: estimates, standard errors and df of
    the contrasts asked for."""

    estimate: np.ndarray
    std_error: np.ndarray
    df: np.ndarray


def engine_fit(
    y: np.ndarray,
    x: np.ndarray,
    subject: np.ndarray,
    position: np.ndarray,
    struct: Structure,
    contrasts: np.ndarray,
    df_method: str = "satterthwaite",
) -> EngineFit:
    """REML fit of ``y ~ N(x β, Σ)`` by subject, and inference for ``contrasts @ β``.

    Parameters
    ----------
    y : ndarray (N,)
    x : ndarray (N, p)
    subject, position : ndarray of int (N,)
        Subject number and visit position of each row.
    struct : Structure
    contrasts : ndarray (m, p)
    df_method : str
        ``"satterthwaite"``, a Kenward-Roger variant or ``"residual"`` (see
        :mod:`~lifestyle_trials.models.engine.inference`).

    Raises
    ------
    ModelError, ConvergenceError
        The model cannot be fitted, or the fit did not converge or is singular.
    """
    data = group_by_pattern(y, x, subject, position, struct.n_visits)
    _require_support(data, struct)
    theta, ev, conv = fit_covariance(data, struct, reml=True)
    if not conv.converged:
        raise ConvergenceError(f"did not converge ({conv.message})")
    values = np.linalg.eigvalsh(struct.sigma(ev.psi))
    if values[0] <= 1e-10 * values[-1]:
        raise ConvergenceError("the fitted covariance matrix is singular")
    inf = contrast_inference(data, struct, ev, df_method=df_method)
    estimate = contrasts @ ev.beta
    std_error = np.sqrt(np.einsum("ij,jk,ik->i", contrasts, inf.vcov, contrasts))
    return EngineFit(estimate=estimate, std_error=std_error, df=inf.df(contrasts))


def _require_support(data: GroupedData, struct: Structure) -> None:
    if data.n_obs - data.n_coef <= struct.n_params:
        raise ModelError(
            f"{data.n_subjects} subjects with {data.n_obs} observations cannot support "
            f"{data.n_coef} coefficients and {struct.n_params} covariance parameters"
        )
    if struct.name == "us" and data.n_subjects <= data.n_visits:
        raise ModelError("an unstructured covariance needs more subjects than visits")


def mmrm_chunk(
    replicates: Sequence[Replicate], design: PowerDesign, visits: tuple[float, ...]
) -> CellResults:
    """Fit the design's MMRM to each replicate; cells are term × visit, term-major."""
    t, m = len(visits), len(design.terms)
    struct = structure(design.covariance, visits)
    contrasts = np.zeros((m * t, _BLOCK * t))
    for a, term in enumerate(design.terms):
        for v in range(t):
            contrasts[a * t + v, _BLOCK * v : _BLOCK * (v + 1)] = _EFFECT_ROWS[term]
    k = len(replicates)
    est, p, low, high = (np.full((k, m * t), np.nan) for _ in range(4))
    failed = np.zeros(k, dtype=bool)
    reasons: list[str] = []
    for i, rep in enumerate(replicates):
        try:
            y, x, subject, position = _long_arrays(rep, design.log)
            fit = engine_fit(y, x, subject, position, struct, contrasts, design.df_method)
        except (LifestyleTrialsError, np.linalg.LinAlgError) as err:
            failed[i] = True
            reasons.append(f"{type(err).__name__}: {str(err).splitlines()[0]}")
            continue
        est[i] = fit.estimate
        _, p[i], low[i], high[i] = t_inference(
            fit.estimate, fit.std_error, fit.df, 1.0 - design.alpha
        )
    return CellResults(est, p, low, high, failed, tuple(reasons))


def _long_arrays(rep: Replicate, log: bool) -> tuple[np.ndarray, ...]:
    """Rows (subject, visit) with a value, of subjects with a baseline: y, x, subject,
    visit position."""
    base, follow = rep.baseline, rep.follow_up
    keep = np.isfinite(base) & np.isfinite(follow).any(axis=1)
    base, follow, arm = base[keep], follow[keep], rep.arm[keep]
    if log:
        if np.any(base <= 0) or np.any(follow[np.isfinite(follow)] <= 0):
            raise ModelError("log=True needs positive values; the replicate has a value <= 0")
        base, follow = np.log(base), np.log(follow)
    n, t = follow.shape
    subject, position = np.nonzero(np.isfinite(follow))  # subject-major, visits in order
    counts = np.zeros((4, t), dtype=int)
    np.add.at(counts, (arm[subject], position), 1)
    if np.any(counts == 0):
        a, v = np.argwhere(counts == 0)[0]
        raise ModelError(f"no value in arm {ARMS[a]} at visit {format_visit(rep.visits[v])}")
    d, e = _CODES[arm[subject], 0], _CODES[arm[subject], 1]
    block = np.column_stack([np.ones(len(subject)), base[subject], d, e, d * e])
    x = np.zeros((len(subject), _BLOCK * t))
    cols = _BLOCK * position[:, None] + np.arange(_BLOCK)
    np.put_along_axis(x, cols, block, axis=1)
    return follow[subject, position], x, subject, position
