"""Validation of lt.mi's methods by simulation: bias and 95% coverage over 500 trials each.

``python -m benchmarks.validate_mi [n_trials]``. Trials as in tests/unit/test_mi_random.py:
two arms of 40, baseline and two follow-up visits, the second follow-up missing with a
probability that rises with the first (MAR); true effect 0.6. For each method the table
shows the bias with its Monte Carlo SE, the coverage of the 95% interval with its Monte Carlo
SE, the mean SE over the SD of the estimates, and the bias of the completers' ANCOVA. The
exit status is 1 when a bias exceeds 3 Monte Carlo SEs or a coverage is more than 3 Monte
Carlo SEs from 0.95. Not part of ``make bench`` (it takes a few minutes).
"""

from __future__ import annotations

import sys
import time

from tests.unit.test_mi_random import coverage_study, summarise

METHODS = (
    ("approxbayes", {"n_samples": 20}),
    ("bmlmi", {"n_samples": 20}),
    ("condmean", {"resampling": "jackknife"}),
    ("condmean", {"resampling": "bootstrap", "n_samples": 100}),
)


def main(n_trials: int = 500) -> int:
    failed = False
    print(
        f"{'method':<24} {'bias':>8} {'mc_se':>7} {'coverage':>9} {'mc_se':>7} "
        f"{'se/sd':>6} {'completers bias':>16} {'seconds':>8}"
    )
    for method, options in METHODS:
        start = time.perf_counter()
        study = coverage_study(method, n_trials=n_trials, seed=20, **options)
        s = summarise(study)
        ok = abs(s["bias"]) < 3 * s["bias_mc_se"] and abs(s["coverage"] - 0.95) < 3 * s[
            "coverage_mc_se"]  # fmt: skip
        failed |= not ok
        label = method + (f" ({options['resampling']})" if "resampling" in options else "")
        print(
            f"{label:<24} {s['bias']:>8.4f} {s['bias_mc_se']:>7.4f} {s['coverage']:>9.3f} "
            f"{s['coverage_mc_se']:>7.3f} {s['se_ratio']:>6.3f} {s['completers_bias']:>16.4f} "
            f"{time.perf_counter() - start:>8.1f}" + ("" if ok else "  OUTSIDE")
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 500))
