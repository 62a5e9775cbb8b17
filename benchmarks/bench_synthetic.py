"""simulate_odes at 100,000 subjects, beside a plain numpy multivariate-normal draw.

The peer draws as many correlated normal numbers as the synthetic trial holds outcome values
(100,000 subjects × 12 outcomes × the number of visits) with
``numpy.random.Generator.multivariate_normal``, the floor of what any such generator has to
do; simulate_odes also applies the eligibility criteria by rejection, moves every outcome
through the visits, draws dropout and builds the Trial. Time is the best of three runs; peak
memory is measured with tracemalloc in a separate, untimed run. Goal: 100,000 subjects in
under a second, with any dropout mechanism. The truth over the completers is computed on first
use from a fixed reference population (``odes_analysed``); its row times that computation
(cache cleared), beside the same peer.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import lifestyle_trials as lt
from benchmarks.timing import best_time, peak_mb
from lifestyle_trials.datasets import odes_analysed
from lifestyle_trials.datasets.odes_baseline import sample_baseline

N_PER_ARM = (25_000,) * 4
N = sum(N_PER_ARM)
N_OUTCOMES = 12
GOAL_S = 1.0


def _peer(n_values_per_subject: int) -> Callable[[], np.ndarray]:
    rng = np.random.default_rng(1)
    k = n_values_per_subject
    cov = np.full((k, k), 0.3) + 0.7 * np.eye(k)
    return lambda: rng.multivariate_normal(np.zeros(k), cov, size=N)


def run() -> list[dict]:
    """Rows: name, ours_s, peer, peer_s, ratio, peak_mb, notes."""
    rows = []
    for visits in ((0, 12), (0, 3, 6, 12)):
        k = N_OUTCOMES * len(visits)
        ours = lambda visits=visits: lt.simulate_odes(seed=1, n_per_arm=N_PER_ARM, visits=visits)  # noqa: E731
        ours_s, _ = best_time(ours)
        peer_s, _ = best_time(_peer(k))
        verdict = "met" if ours_s < GOAL_S else "NOT met"
        rows.append(
            {
                "name": f"simulate_odes: {N:,} subjects, visits {', '.join(map(str, visits))}",
                "ours_s": ours_s,
                "peer": f"numpy multivariate_normal {N:,} × {k}",
                "peer_s": peer_s,
                "ratio": ours_s / peer_s,
                "peak_mb": peak_mb(ours),
                "notes": f"goal < {GOAL_S:g} s: {verdict}",
            }
        )
    visits = (0, 3, 6, 12)
    k = N_OUTCOMES * len(visits)
    for mechanism in ("mar", "mnar"):
        ours = lambda m=mechanism: lt.simulate_odes(  # noqa: E731
            seed=1, n_per_arm=N_PER_ARM, visits=visits, dropout_mechanism=m
        )
        ours_s, _ = best_time(ours)
        peer_s, _ = best_time(_peer(k))
        verdict = "met" if ours_s < GOAL_S else "NOT met"
        rows.append(
            {
                "name": f"simulate_odes: {N:,} subjects, visits 0, 3, 6, 12, {mechanism} dropout",
                "ours_s": ours_s,
                "peer": f"numpy multivariate_normal {N:,} × {k}",
                "peer_s": peer_s,
                "ratio": ours_s / peer_s,
                "peak_mb": peak_mb(ours),
                "notes": f"goal < {GOAL_S:g} s: {verdict}",
            }
        )
    for mechanism in ("baseline", "mar"):
        trial_visits = (0, 12) if mechanism == "baseline" else (0, 6, 12)

        def truth(m: str = mechanism, v: tuple[int, ...] = trial_visits) -> object:
            odes_analysed._analysed_means.cache_clear()
            trial = lt.simulate_odes(seed=1, visits=v, dropout_mechanism=m)
            return dict(trial.truth["outcomes"])

        truth_s, _ = best_time(truth)
        n_ref = sum(odes_analysed.REFERENCE_SIZE)
        peer_s, _ = best_time(_peer(N_OUTCOMES * len(trial_visits)))
        rows.append(
            {
                "name": f"  stage: completers' truth, {mechanism} dropout ({n_ref:,} reference)",
                "ours_s": truth_s,
                "peer": f"numpy multivariate_normal {N:,} × {N_OUTCOMES * len(trial_visits)}",
                "peer_s": peer_s,
                "ratio": truth_s / peer_s,
                "peak_mb": peak_mb(truth),
                "notes": "exact given the reference for baseline dropout, simulated for mar",
            }
        )
    men = int(N * 198 / 219)
    stage = lambda: (  # noqa: E731
        sample_baseline(np.random.default_rng(1), men, "M"),
        sample_baseline(np.random.default_rng(2), N - men, "F"),
    )
    stage_s, _ = best_time(stage)
    peer_s, _ = best_time(_peer(N_OUTCOMES * 2))
    rows.append(
        {
            "name": "  stage: eligible baseline population (exact truncated normal)",
            "ours_s": stage_s,
            "peer": f"numpy multivariate_normal {N:,} × {N_OUTCOMES * 2}",
            "peer_s": peer_s,
            "ratio": stage_s / peer_s,
            "peak_mb": peak_mb(stage),
            "notes": "rejection on 5 selected variables, then the rest given them",
        }
    )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
