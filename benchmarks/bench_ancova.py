"""lt.ancova and lt.ancova_batch beside statsmodels OLS.

- 1,000,000 subjects (``simulate_odes``, 250,000 per arm), log HOMA-IR at 12 months, factorial
  estimand. "model": the part of ``lt.ancova`` after the analysis set is built
  (:func:`~lifestyle_trials.models.ancova.fit_analysis_set`: least squares, effects, marginal
  means, simple effects, type II and III tables), goal under 2 s, against ``statsmodels``
  ``OLS(y, X).fit()`` on the same design matrix (the fit alone). "end to end": the whole
  ``lt.ancova(trial, ...)`` call, including the shared analysis set
  (:func:`~lifestyle_trials.models.design.prepare.analysis_data`), whose share the notes give.
- 2,000 simulated replicate trials of 200 subjects: ``lt.ancova_batch`` (one call) against a
  Python loop of ``statsmodels`` OLS fits with the same three factorial contrasts.

Times are the best of three runs after a warm-up; peak memory is traced (tracemalloc) in a
separate run. The notes say whether the estimates agree.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import lifestyle_trials as lt
from benchmarks.timing import best_time, peak_mb
from lifestyle_trials.models.ancova import fit_analysis_set
from lifestyle_trials.models.design.prepare import analysis_data

N_LARGE = 1_000_000
N_REPLICATES = 2_000
N_PER_REPLICATE = 200
GOAL_S = 2.0


def _statsmodels_ols(X: np.ndarray, y: np.ndarray) -> Any:
    import statsmodels.api as sm

    return sm.OLS(y, X).fit()


def _large_rows() -> list[dict]:
    trial = lt.simulate_odes(seed=1, n_per_arm=(N_LARGE // 4,) * 4, dropout=0)
    data = analysis_data(trial, "homa_ir", visits=[12.0], log=True)
    model_s, fit = best_time(lambda: fit_analysis_set(data, "factorial"))
    model_mb = peak_mb(lambda: fit_analysis_set(data, "factorial"))
    total_s, _ = best_time(
        lambda: lt.ancova(trial, "homa_ir", estimand="factorial", log=True), repeats=1
    )
    total_mb = peak_mb(lambda: lt.ancova(trial, "homa_ir", estimand="factorial", log=True))

    X = fit.spec.matrix(data.frame)
    y = data.frame["y"].to_numpy(dtype=float)
    sm_s, sm_fit = best_time(lambda: _statsmodels_ols(X, y))
    same = np.allclose(fit.coef.to_numpy(), sm_fit.params, rtol=1e-8, atol=0)
    n = len(y)
    label = f"{n:,} subjects analysed ({N_LARGE:,} randomised)"
    return [
        {
            "name": f"ancova factorial model, {label}",
            "ours_s": model_s,
            "peer": "statsmodels OLS(y, X).fit() (fit alone)",
            "peer_s": sm_s,
            "ratio": model_s / sm_s,
            "peak_mb": model_mb,
            "notes": f"fit + effects + means + type II/III; goal < {GOAL_S:g} s: "
            f"{'met' if model_s < GOAL_S else 'NOT met'}; coefficients "
            f"{'equal' if same else 'DIFFERENT'} (1e-8)",
        },
        {
            "name": f"ancova end to end, {label}",
            "ours_s": total_s,
            "peer": "",
            "peer_s": float("nan"),
            "ratio": float("nan"),
            "peak_mb": total_mb,
            "notes": f"analysis set (shared analysis_data) {total_s - model_s:.2f} s "
            f"of {total_s:.2f} s",
        },
    ]


def _replicates(seed: int = 7) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    n, k = N_PER_REPLICATE, N_REPLICATES
    diet = np.tile([0, 1, 0, 1], n // 4)
    exercise = np.repeat([0, 1], n // 2)
    base = rng.normal(0.7, 0.6, (n, k))
    y = 0.2 + 0.7 * base - 0.25 * diet[:, None] - 0.1 * exercise[:, None]
    y = y + rng.normal(0.0, 0.4, (n, k))
    return {"y": y, "base": base, "diet": diet, "exercise": exercise}


def _loop_statsmodels(data: dict[str, np.ndarray]) -> np.ndarray:
    import statsmodels.api as sm

    d, e = data["diet"], data["exercise"]
    contrasts = np.array(
        [[0, 0, 1, 0, 0.5], [0, 0, 0, 1, 0.5], [0, 0, 0, 0, 1.0]]
    )  # columns: const, baseline, diet, exercise, diet:exercise
    out = np.empty((data["y"].shape[1], 3))
    for j in range(data["y"].shape[1]):
        X = np.column_stack([np.ones_like(d), data["base"][:, j], d, e, d * e]).astype(float)
        res = sm.OLS(data["y"][:, j], X).fit()
        out[j] = res.t_test(contrasts).effect
    return out


def _batch_rows() -> list[dict]:
    data = _replicates()

    def ours() -> lt.AncovaBatch:
        return lt.ancova_batch(
            data["y"], data["base"], data["diet"], data["exercise"], estimand="factorial"
        )

    ours_s, batch = best_time(ours)
    ours_mb = peak_mb(ours)
    loop_s, loop = best_time(lambda: _loop_statsmodels(data), repeats=1)
    same = np.allclose(batch.estimate, loop, rtol=1e-8, atol=1e-12)
    return [
        {
            "name": f"ancova_batch factorial, {N_REPLICATES:,} replicates × "
            f"{N_PER_REPLICATE} subjects",
            "ours_s": ours_s,
            "peer": "loop of statsmodels OLS + t_test",
            "peer_s": loop_s,
            "ratio": ours_s / loop_s,
            "peak_mb": ours_mb,
            "notes": f"{loop_s / ours_s:.0f}x faster; effects {'equal' if same else 'DIFFERENT'}",
        }
    ]


def run() -> list[dict]:
    """Rows: name, ours_s, peer, peer_s, ratio, peak_mb, notes."""
    return _large_rows() + _batch_rows()
