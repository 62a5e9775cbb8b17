"""Many replicates of :func:`~lifestyle_trials.simulate_odes` drawn together.

:func:`draw_replicates` gives, for a list of seeds, the replicates that
:func:`~.odes_draw.draw_replicate` gives one at a time, value for value. Each replicate
still draws from its own random streams (that part is a loop over the seeds: a generator
per stream and replicate); the arithmetic between the draws (eligibility of the baseline
candidates, levels given the selected observations, changes over visits, dropout by baseline
HOMA-IR) runs once on arrays stacked over the replicates. Matrix products keep the shape of
one replicate (stacked ``matmul``), and elementwise operations are the same operations in
the same order, so every number equals the one-at-a-time draw exactly (the tests compare
them with ``simulate_odes``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy import special

from ..arms import ARMS
from ..datasets.odes_baseline import _model, _selected_batch
from ..datasets.odes_calibration import BASELINE_VARIABLES, CHANGE_OUTCOMES, CHANGE_SD, VISIT_SD
from ..datasets.odes_change import trajectory
from ..datasets.odes_dropout import draw_dropout
from ..datasets.odes_streams import stream, visit_key
from ..indices import homa_ir
from ..units import convert_insulin
from .odes_draw import FAST_OUTCOMES, OdesDraw, _change_factor, _men, draw_replicate
from .replicate import Replicate

__all__ = ["draw_replicates"]

_ROWS = (BASELINE_VARIABLES.index("log_glucose"), BASELINE_VARIABLES.index("log_insulin"))


def draw_replicates(draw: OdesDraw, seeds: Sequence[int]) -> list[Replicate]:
    """The replicates ``simulate_odes(seed, **draw.arguments)`` gives, one per seed.

    Parameters
    ----------
    draw : OdesDraw
    seeds : sequence of int

    Returns
    -------
    list of Replicate
        ``draw_replicate(draw, seed)`` for each seed, in order.

    Examples
    --------
    >>> from lifestyle_trials.simulation.odes_draw import draw_replicate
    >>> draw = OdesDraw.of({"visits": (0, 6, 12), "dropout": 0.2}, "homa_ir")
    >>> reps = draw_replicates(draw, [3, 5, 8])
    >>> [r.equals(draw_replicate(draw, s)) for r, s in zip(reps, [3, 5, 8])]
    [True, True, True]
    """
    seeds = [int(s) for s in seeds]
    if draw.outcome not in FAST_OUTCOMES or len(seeds) < 2:
        return [draw_replicate(draw, s) for s in seeds]
    settings = draw.settings
    sizes = np.asarray(settings["n_per_arm"])
    n = int(sizes.sum())
    visits = np.asarray(settings["visits"], dtype=float)
    men = _men(n)
    if men == 0 or men == n:  # one sex only: the one-at-a-time draw handles it
        return [draw_replicate(draw, s) for s in seeds]

    k = len(seeds)
    first_arm = np.repeat(np.arange(4), sizes)
    first_male = np.arange(n) < men
    arm = np.empty((k, n), dtype=first_arm.dtype)
    male = np.empty((k, n), dtype=bool)
    for i, seed in enumerate(seeds):
        rng = stream(seed, "design")  # as simulate_odes: arms, then sex
        arm[i] = rng.permutation(first_arm)
        male[i] = rng.permutation(first_male)

    glucose, insulin = _glucose_insulin(seeds, arm, male, visits, draw.arm_change)
    attended = _attended(settings, seeds, arm, glucose, insulin)

    present = np.arange(len(visits)) <= attended[:, :, None]
    if draw.outcome == "homa_ir":
        y = homa_ir(glucose, insulin)
    else:
        y = glucose if draw.outcome == "glucose" else insulin
    y = np.where(present, y, np.nan)
    follow = tuple(float(v) for v in visits[1:])
    arm = arm.astype(np.int64)
    return [
        Replicate(arm=arm[i], baseline=y[i, :, 0], follow_up=y[i, :, 1:], visits=follow)
        for i in range(k)
    ]


def _baseline(seeds: list[int], sex: str, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Glucose and insulin rows of ``sample_baseline`` for each seed: levels and
    observations, shape (replicates, 2, size)."""
    model = _model(sex)
    k = len(seeds)
    rngs = [stream(seed, f"baseline {sex}") for seed in seeds]
    # the first batch of candidates has the same size in every replicate
    batch = int(np.ceil(size / model.acceptance * 1.1)) + 64
    u = np.empty((k, batch))
    z = np.empty((k, 4, batch))
    for i, rng in enumerate(rngs):  # as _selected_batch: uniforms, then normals
        u[i] = rng.random(batch)
        z[i] = rng.standard_normal((4, batch))
    lo, hi = model.dbp_cdf
    dbp = model.dbp_mean + model.dbp_sd * special.ndtri(lo + u * (hi - lo))
    rest = model.mean4 + model.slope4 * (dbp[:, None, :] - model.dbp_mean)
    rest += model.chol4 @ z
    ok = np.ones((k, batch), dtype=bool)
    for j, (low, high) in enumerate(model.bounds):
        ok &= (rest[:, j] > low) & (rest[:, j] < high)
    candidates = np.concatenate([rest, dbp[:, None, :]], axis=1)  # rows: SELECTED

    n_sel = candidates.shape[1]
    obs_sel = np.empty((k, n_sel, size))
    for i, rng in enumerate(rngs):
        kept = candidates[i][:, ok[i]]
        have = kept.shape[1]
        if have < size:  # more batches, exactly as sample_baseline draws them
            batches = [kept]
            while have < size:
                more = int(np.ceil((size - have) / model.acceptance * 1.1)) + 64
                batches.append(_selected_batch(model, rng, more))
                have += batches[-1].shape[1]
            kept = np.hstack(batches)
        obs_sel[i] = kept[:, :size]

    n_var = len(BASELINE_VARIABLES)
    e_level = np.empty((k, n_var, size))
    e_noise = np.empty((k, n_var, size))
    for i, rng in enumerate(rngs):
        e_level[i] = rng.standard_normal((n_var, size))
        e_noise[i] = rng.standard_normal((n_var, size))
    level = model.mean_level + model.gain @ (obs_sel - model.mean_obs[model.sel])
    level += model.cond_factor @ e_level
    noisy = model.noise_sd[model.sel, 0] > 0
    level[:, model.sel[~noisy]] = obs_sel[:, ~noisy]
    rows = list(_ROWS)
    observed = level[:, rows] + model.noise_sd[rows] * e_noise[:, rows] - model.log_offset[rows]
    return level[:, rows], observed


def _by_sex(male: np.ndarray, men: np.ndarray, women: np.ndarray) -> np.ndarray:
    """Men's values at the male positions and women's at the others, each in order."""
    order = np.argsort(~male, axis=1, kind="stable")  # male positions first, ascending
    out = np.empty((male.shape[0], men.shape[1], male.shape[1]))
    np.put_along_axis(out, order[:, None, :], np.concatenate([men, women], axis=2), axis=2)
    return out


def _glucose_insulin(
    seeds: list[int],
    arm: np.ndarray,
    male: np.ndarray,
    visits: np.ndarray,
    arm_change: Mapping[str, Mapping[str, float]],
) -> tuple[np.ndarray, np.ndarray]:
    """Glucose (mmol/L) and insulin (µU/mL), replicates × subjects × visits."""
    k, n = arm.shape
    men = int(male[0].sum())
    level_m, observed_m = _baseline(seeds, "M", men)
    level_f, observed_f = _baseline(seeds, "F", n - men)
    level = _by_sex(male, level_m, level_f)
    observed = _by_sex(male, observed_m, observed_f)

    n_out = len(CHANGE_OUTCOMES)
    post = visits[1:]
    f = trajectory(post)
    normal = np.empty((k, n_out, n))
    noise = np.empty((k, len(post), n_out, n))
    for i, seed in enumerate(seeds):
        normal[i] = stream(seed, "change").standard_normal((n_out, n))
        for t, visit in enumerate(post):
            noise[i, t] = stream(seed, "visit", visit_key(visit)).standard_normal((n_out, n))
    z = _change_factor() @ normal
    out = []
    for r, name in enumerate(("glucose", "insulin")):
        j = CHANGE_OUTCOMES.index(name)
        sd_s, sd_e = CHANGE_SD[name], VISIT_SD[name]
        step = np.asarray([arm_change[name][a] for a in ARMS])[arm]
        eps = noise[:, :, j, :].transpose(0, 2, 1)
        own = z[:, j, :, None] * f * sd_s
        base = np.exp(observed[:, r])
        expo = step[:, :, None] * f + own - (f * sd_s) ** 2 / 2 + sd_e * eps - sd_e**2 / 2
        out.append(np.concatenate([base[:, :, None], np.exp(level[:, r, :, None] + expo)], axis=2))
    return out[0], convert_insulin(out[1], "pmol/L", "uU/mL")


def _attended(
    settings: Mapping[str, object],
    seeds: list[int],
    arm: np.ndarray,
    glucose: np.ndarray,
    insulin: np.ndarray,
) -> np.ndarray:
    """Each subject's last attended visit (an index into visits), replicates × subjects."""
    k, n = arm.shape
    if settings["dropout_mechanism"] != "baseline":  # step by step: one replicate at a time
        return np.stack(
            [
                draw_dropout(settings, arm[i], {"glucose": glucose[i], "insulin": insulin[i]}, s)[1]
                for i, s in enumerate(seeds)
            ]
        )
    steps = glucose.shape[2] - 1
    sizes = np.bincount(arm[0], minlength=4)
    dropout = np.asarray(settings["dropout"])
    counts = np.floor(dropout * sizes + 0.5).astype(int)
    u = np.empty((k, n))
    last = np.empty((k, n), dtype=np.int64)
    for i, seed in enumerate(seeds):
        rng = stream(seed, "dropout")
        u[i] = 1.0 - rng.random(n)  # in (0, 1]
        last[i] = rng.integers(0, steps, size=n)
    homa = homa_ir(glucose[:, :, 0], insulin[:, :, 0])
    keys = np.log(u) / homa ** settings["dropout_strength"]
    # within each arm the counts[arm] subjects with the largest keys leave
    order = np.lexsort((-keys, arm), axis=-1)
    start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(n) - start[np.take_along_axis(arm, order, 1)], 1)
    return np.where(rank < counts[arm], last, steps)
