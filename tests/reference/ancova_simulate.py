"""Data of the ancova_* reference cases: small seeded diet × exercise trials in long form.

Each case's ``make_data.py`` calls :func:`write_case` with its name; ``reference.R`` then fits
the written ``data.csv`` in R. Visits 0 (baseline), 6 and 12; outcome ``homa_ir`` (positive,
so that the log case works); covariates ``age`` (numeric) and ``sex`` (F/M).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

ARM_CODES = ((0, 0), (1, 0), (0, 1), (1, 1))

CASES: dict[str, dict] = {
    "ancova_balanced": {"seed": 101, "sizes": (12, 12, 12, 12)},
    "ancova_unbalanced": {"seed": 102, "sizes": (9, 14, 11, 17)},
    "ancova_missing_followup": {"seed": 103, "sizes": (13, 15, 12, 16), "drop_followup": 0.2},
    "ancova_missing_baseline": {"seed": 104, "sizes": (13, 15, 12, 16), "drop_baseline": 0.15},
    "ancova_log": {"seed": 105, "sizes": (10, 13, 12, 15)},
    "ancova_covariates": {"seed": 106, "sizes": (14, 16, 13, 18)},
    "ancova_three_arm": {"seed": 107, "sizes": (14, 16, 0, 18)},
}


def simulate(seed: int, sizes, drop_followup: float = 0.0, drop_baseline: float = 0.0):
    """One trial in long form (rows with a missing value are kept with NaN, or left out)."""
    rng = np.random.default_rng(seed)
    codes = np.repeat(np.arange(4), sizes)
    n = len(codes)
    diet = np.array([ARM_CODES[c][0] for c in codes])
    exercise = np.array([ARM_CODES[c][1] for c in codes])
    age = np.round(rng.normal(45.5, 2.8, n), 1)
    sex = np.where(rng.random(n) < 0.4, "F", "M")
    log_base = rng.normal(1.0, 0.45, n) + 0.02 * (age - 45.5)
    effect = -0.22 * diet - 0.12 * exercise + 0.05 * diet * exercise
    frames = []
    for visit, shrink in ((0, 0.0), (6, 0.6), (12, 1.0)):
        noise = rng.normal(0.0, 0.3, n)
        log_y = log_base if visit == 0 else 0.25 + 0.75 * log_base + shrink * effect + noise
        log_y = log_y + 0.08 * (sex == "M") * (visit > 0)
        frames.append(
            pd.DataFrame(
                {
                    "subject": [f"s{i:03d}" for i in range(n)],
                    "diet": diet,
                    "exercise": exercise,
                    "visit": visit,
                    "age": age,
                    "sex": sex,
                    "homa_ir": np.round(np.exp(log_y), 6),
                }
            )
        )
    data = pd.concat(frames, ignore_index=True)
    last = data["visit"] == 12
    base = data["visit"] == 0
    if drop_followup:
        gone = rng.random(n) < drop_followup
        data.loc[last & np.tile(gone, 3), "homa_ir"] = np.nan
        # some of them have no row at all at the last visit
        no_row = gone & (rng.random(n) < 0.5)
        data = data.loc[~(last & np.tile(no_row, 3))]
    if drop_baseline:
        gone = rng.random(n) < drop_baseline
        data.loc[base & np.tile(gone, 3), "homa_ir"] = np.nan
    return data.reset_index(drop=True)


def write_case(name: str, folder: Path | None = None) -> Path:
    """Write ``data.csv`` of case ``name`` into ``folder`` (default: the current directory)."""
    params = CASES[name]
    data = simulate(
        params["seed"],
        params["sizes"],
        params.get("drop_followup", 0.0),
        params.get("drop_baseline", 0.0),
    )
    path = (folder or Path.cwd()) / "data.csv"
    data.to_csv(path, index=False)
    return path
