"""The eligible ODES population at baseline: a truncated multivariate normal, sampled exactly.

The base population (:mod:`~lifestyle_trials.datasets.odes_calibration`) is a multivariate
normal per sex of the variables in ``BASELINE_VARIABLES`` as observed at one visit. Each
observation is the subject's level plus visit noise (``VISIT_SD``), so the levels have
covariance ``Σ_level = Σ_observed − diag(noise²)``. ODES admitted people whose *observed*
baseline met the eligibility criteria; the selected variables (log BMI, log triglycerides,
HDL, cholesterol, diastolic BP) are drawn first, by rejection, and everything else is then
drawn from its exact normal distribution given them:

1. diastolic BP from its normal distribution truncated to the eligible range (inverse CDF);
2. the other four selected variables from their normal distribution given diastolic BP,
   keeping the draws that meet the criteria (batches, no loop over subjects);
3. every subject's levels from their normal distribution given the five observations;
4. the visit noise of the variables not selected on, independently.

Steps 1–2 are rejection sampling from the truncated distribution of the five observations
(step 1 only removes draws that step 2 would reject), so the result is an exact draw from the
eligible population. Regression to the mean follows: the selected observations carry visit
noise that the levels do not.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import special

from ..indices import homa_ir
from ..units import convert_insulin
from .odes_calibration import (
    BASELINE_CORRELATION,
    BASELINE_MEAN,
    BASELINE_SD,
    BASELINE_VARIABLES,
    ELIGIBILITY,
    VISIT_SD,
)

__all__ = [
    "SELECTED",
    "BaselineDraw",
    "baseline_values",
    "estimate_reference_means",
    "level_covariance",
    "observed_covariance",
    "sample_baseline",
]

_NOISE_OF = {
    "log_glucose": "glucose",
    "log_insulin": "insulin",
    "waist": "waist",
    "vo2max": "vo2max",
    "log_triglycerides": "triglycerides",
    "log_hdl": "hdl",
    "cholesterol": "cholesterol",
    "sbp": "sbp",
    "dbp": "dbp",
}
"""Baseline variable → the outcome whose visit noise it carries (log BMI and height: none)."""

_LOG_VARIABLES = frozenset({"log_glucose", "log_insulin", "log_triglycerides", "log_hdl"})
"""Variables whose noise is multiplicative: ``observed = level + e − σ²/2`` on the log scale,
so that the expected concentration given the level is ``exp(level)``."""

SELECTED: tuple[str, ...] = ("log_bmi", "log_triglycerides", "log_hdl", "cholesterol", "dbp")
"""Variables the eligibility criteria act on, diastolic BP last (it is drawn first)."""

_BOUNDS: dict[str, tuple[float, float]] = {
    "log_bmi": (float(np.log(ELIGIBILITY["bmi"][0])), np.inf),
    "log_triglycerides": (float(np.log(ELIGIBILITY["triglycerides"][0])), np.inf),
    "log_hdl": (-np.inf, float(np.log(ELIGIBILITY["hdl"][1]))),
    "cholesterol": ELIGIBILITY["cholesterol"],
    "dbp": ELIGIBILITY["dbp"],
}


@dataclass(frozen=True)
class BaselineDraw:
    """Eligible subjects of one sex, one row per variable of ``BASELINE_VARIABLES``.

    Attributes
    ----------
    level : ndarray, shape (len(BASELINE_VARIABLES), n)
        Each subject's level (for the log variables, the log of the expected concentration).
    observed : ndarray, shape (len(BASELINE_VARIABLES), n)
        The baseline observation: level plus visit noise (log BMI and height: the level).
    """

    level: np.ndarray
    observed: np.ndarray


@dataclass(frozen=True)
class _Model:
    """Everything the sampler needs for one sex, computed once."""

    mean_obs: np.ndarray  # observed means, shape (k, 1)
    mean_level: np.ndarray  # level means, shape (k, 1)
    noise_sd: np.ndarray  # visit-noise SD per variable (0: none), shape (k, 1)
    log_offset: np.ndarray  # σ²/2 for the log variables, 0 otherwise, shape (k, 1)
    sel: np.ndarray  # indices of SELECTED in BASELINE_VARIABLES
    bounds: tuple[tuple[float, float], ...]  # eligible range of the first four selected
    dbp_mean: float
    dbp_sd: float
    dbp_cdf: tuple[float, float]
    mean4: np.ndarray  # E[first four selected], shape (4, 1)
    slope4: np.ndarray  # slope of E[first four | dbp] on dbp, shape (4, 1)
    chol4: np.ndarray  # Cholesky factor of Cov[first four | dbp]
    gain: np.ndarray  # E[level | obs_sel] = mean_level + gain @ (obs_sel − E obs_sel)
    cond_factor: np.ndarray  # square root of Cov[level | obs_sel]
    acceptance: float  # rough acceptance rate of step 2; sizes the batches


def observed_covariance(sex: str) -> np.ndarray:
    """Covariance of the baseline variables as observed at one visit, for sex "M" or "F"."""
    names = BASELINE_VARIABLES
    corr = np.eye(len(names))
    for (a, b), r in BASELINE_CORRELATION.items():
        i, j = names.index(a), names.index(b)
        corr[i, j] = corr[j, i] = r
    sd = np.asarray(BASELINE_SD[sex], dtype=float)
    return corr * np.outer(sd, sd)


def level_covariance(sex: str) -> np.ndarray:
    """Covariance of the subjects' levels: the observed covariance less the visit noise."""
    return observed_covariance(sex) - np.diag(_noise_sd() ** 2)


def _noise_sd() -> np.ndarray:
    return np.array([VISIT_SD[_NOISE_OF[v]] if v in _NOISE_OF else 0.0 for v in BASELINE_VARIABLES])


@lru_cache(maxsize=4)
def _model(sex: str) -> _Model:
    names = BASELINE_VARIABLES
    mean_obs = np.asarray(BASELINE_MEAN[sex], dtype=float)
    cov_obs = observed_covariance(sex)
    noise = _noise_sd()
    cov_level = level_covariance(sex)
    is_log = np.array([v in _LOG_VARIABLES for v in names])
    log_offset = np.where(is_log, noise**2 / 2, 0.0)

    sel = np.array([names.index(v) for v in SELECTED])
    cov_sel = cov_obs[np.ix_(sel, sel)]
    slope4 = cov_sel[:4, 4] / cov_sel[4, 4]
    chol4 = np.linalg.cholesky(cov_sel[:4, :4] - np.outer(slope4, cov_sel[4, :4]))

    dbp_mean, dbp_sd = float(mean_obs[sel[4]]), float(np.sqrt(cov_sel[4, 4]))
    lo, hi = _BOUNDS["dbp"]
    dbp_cdf = (
        float(special.ndtr((lo - dbp_mean) / dbp_sd)),
        float(special.ndtr((hi - dbp_mean) / dbp_sd)),
    )

    # levels given the selected observations; Cov(level, obs_sel) = Cov_level[:, sel]
    cross = cov_level[:, sel]
    gain = np.linalg.solve(cov_sel, cross.T).T
    cond = cov_level - gain @ cross.T
    values, vectors = np.linalg.eigh((cond + cond.T) / 2)
    cond_factor = vectors * np.sqrt(np.clip(values, 0.0, None))

    col = (-1, 1)
    return _Model(
        mean_obs=mean_obs.reshape(col),
        mean_level=(mean_obs + log_offset).reshape(col),
        noise_sd=noise.reshape(col),
        log_offset=log_offset.reshape(col),
        sel=sel,
        bounds=tuple((float(_BOUNDS[v][0]), float(_BOUNDS[v][1])) for v in SELECTED[:4]),
        dbp_mean=dbp_mean,
        dbp_sd=dbp_sd,
        dbp_cdf=dbp_cdf,
        mean4=mean_obs[sel[:4]].reshape(col),
        slope4=slope4.reshape(col),
        chol4=chol4,
        gain=gain,
        cond_factor=cond_factor,
        acceptance=_ACCEPTANCE[sex],
    )


_ACCEPTANCE = {"M": 0.26, "F": 0.068}
"""Rough acceptance rates of step 2 by sex. They only size the batches: draws are kept in
the order made, so a different value changes which draws are used, never their law."""


def _selected_batch(model: _Model, rng: np.random.Generator, size: int) -> np.ndarray:
    """A batch of selected observations (rows: SELECTED), the eligible columns only."""
    lo, hi = model.dbp_cdf
    dbp = model.dbp_mean + model.dbp_sd * special.ndtri(lo + rng.random(size) * (hi - lo))
    rest = model.mean4 + model.slope4 * (dbp - model.dbp_mean)
    rest += model.chol4 @ rng.standard_normal((4, size))
    ok = np.ones(size, dtype=bool)
    for row, (low, high) in zip(rest, model.bounds, strict=True):
        ok &= (row > low) & (row < high)
    return np.vstack([rest[:, ok], dbp[ok]])


def sample_baseline(rng: np.random.Generator, n: int, sex: str) -> BaselineDraw:
    """Draw ``n`` eligible subjects of sex ``"M"`` or ``"F"``.

    Batches of candidates are drawn until ``n`` meet the criteria, and the first ``n`` are
    kept. Batch sizes depend only on how many are still needed, so the draw depends only on
    the generator's state and ``n``.
    """
    model = _model(sex)
    k = len(BASELINE_VARIABLES)
    batches: list[np.ndarray] = []
    have = 0
    while have < n:
        size = int(np.ceil((n - have) / model.acceptance * 1.1)) + 64
        batches.append(_selected_batch(model, rng, size))
        have += batches[-1].shape[1]
    obs_sel = np.hstack(batches)[:, :n] if batches else np.empty((len(SELECTED), 0))

    level = model.mean_level + model.gain @ (obs_sel - model.mean_obs[model.sel])
    level += model.cond_factor @ rng.standard_normal((k, n))
    noisy = model.noise_sd[model.sel, 0] > 0
    level[model.sel[~noisy]] = obs_sel[~noisy]  # a selected variable without noise is exact

    observed = level + model.noise_sd * rng.standard_normal((k, n)) - model.log_offset
    observed[model.sel] = obs_sel
    return BaselineDraw(level=level, observed=observed)


def baseline_values(draw: BaselineDraw) -> dict[str, np.ndarray]:
    """Baseline outcomes in the Trial's units from a draw, and the levels of the selected ones.

    Keys: the outcomes (glucose, insulin, homa_ir, weight, bmi, waist, vo2max,
    triglycerides, hdl, cholesterol, sbp, dbp), ``<outcome>_level`` for triglycerides, HDL,
    cholesterol and diastolic BP (the value without its visit noise), and
    ``inverse_height2`` (m⁻²).
    """
    row = {v: i for i, v in enumerate(BASELINE_VARIABLES)}
    obs, lev = draw.observed, draw.level
    height_m2 = (obs[row["height"]] / 100.0) ** 2
    glucose = np.exp(obs[row["log_glucose"]])
    insulin = convert_insulin(np.exp(obs[row["log_insulin"]]), "pmol/L", "uU/mL")
    bmi = np.exp(obs[row["log_bmi"]])
    out = {
        "glucose": glucose,
        "insulin": insulin,
        "homa_ir": homa_ir(glucose, insulin),
        "weight": bmi * height_m2,
        "bmi": bmi,
        "waist": obs[row["waist"]],
        "vo2max": obs[row["vo2max"]],
        "triglycerides": np.exp(obs[row["log_triglycerides"]]),
        "triglycerides_level": np.exp(lev[row["log_triglycerides"]]),
        "hdl": np.exp(obs[row["log_hdl"]]),
        "hdl_level": np.exp(lev[row["log_hdl"]]),
        "cholesterol": obs[row["cholesterol"]],
        "cholesterol_level": lev[row["cholesterol"]],
        "sbp": obs[row["sbp"]],
        "dbp": obs[row["dbp"]],
        "dbp_level": lev[row["dbp"]],
        "inverse_height2": 1.0 / height_m2,
    }
    return out


def estimate_reference_means(
    n: int, seed: int = 0, chunk: int = 100_000
) -> dict[str, dict[str, tuple[float, float]]]:
    """Monte Carlo estimates of the reference means of the eligible population, by sex.

    Draws ``n`` eligible subjects of each sex (in chunks of ``chunk``, to bound memory) and
    returns, per sex ("M", "F") and key of :func:`baseline_values`, the sample mean and its
    standard error. The constants in ``odes_reference_means.REFERENCE_MEANS`` were made with
    ``estimate_reference_means(4_000_000, seed=20250101)``.

    Examples
    --------
    >>> est = estimate_reference_means(2000, seed=1)
    >>> sorted(est), est["M"]["bmi"][0] > 24
    (['F', 'M'], True)
    """
    out: dict[str, dict[str, tuple[float, float]]] = {}
    for i, sex in enumerate(("M", "F")):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(i,)))
        sums: dict[str, float] = {}
        squares: dict[str, float] = {}
        for size in [chunk] * (n // chunk) + ([n % chunk] if n % chunk else []):
            for key, v in baseline_values(sample_baseline(rng, size, sex)).items():
                sums[key] = sums.get(key, 0.0) + float(v.sum())
                squares[key] = squares.get(key, 0.0) + float((v * v).sum())
        out[sex] = {}
        for key, total in sums.items():
            mean = total / n
            var = max(squares[key] / n - mean * mean, 0.0) * n / (n - 1)
            out[sex][key] = (mean, float(np.sqrt(var / n)))
    return out
