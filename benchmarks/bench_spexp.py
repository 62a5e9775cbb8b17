"""lt.mmrm with ``sp_exp`` at subject-specific times beside R mmrm.

Data (seeded): each subject seen at 6 times of its own, uniform over a year (days since
randomisation, all distinct), two arms, ``y ~ arm * day`` with a spatial exponential
covariance (``σ² = 4``, range 60 days). Our time is the whole call (analysis set, fit,
Satterthwaite coefficient table), best of three after a warm-up; R's is ``mmrm(y ~ arm * day
+ sp_exp(day | id))`` (the fit alone, measured inside R). Rows for 2,000 subjects (with R)
and 20,000 (ours alone; goal under 10 s). The R row is skipped when ``Rscript`` with mmrm is
not available.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import lifestyle_trials as lt
from benchmarks.timing import best_time, peak_mb

from .r_peer import run_r

FORMULA = "y ~ arm * day + sp_exp(day | id)"
R_SCRIPT = r"""
suppressPackageStartupMessages({ library(mmrm); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1]); d$id <- factor(d$id); d$arm <- factor(d$arm)
f <- y ~ arm * day + sp_exp(day | id)
fit_s <- system.time(m <- mmrm(f, data = d))[["elapsed"]]
write_json(list(fit_s = fit_s, loglik = as.numeric(logLik(m)),
                mmrm = as.character(packageVersion("mmrm"))),
           args[2], digits = NA, auto_unbox = TRUE)
"""


def _data(n: int, k: int = 6, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    day = np.sort(rng.uniform(0.0, 365.0, size=(n, k)), axis=1)
    arm = rng.integers(0, 2, n)
    sigma = 4.0 * np.exp(-np.abs(day[:, :, None] - day[:, None, :]) / 60.0)
    noise = (np.linalg.cholesky(sigma) @ rng.normal(size=(n, k, 1)))[:, :, 0]
    y = 10.0 + 0.01 * day * arm[:, None] + noise
    return pd.DataFrame(
        {
            "id": np.repeat(np.arange(n), k),
            "arm": np.repeat(np.where(arm == 1, "TRT", "PBO"), k),
            "day": day.ravel(),
            "y": y.ravel(),
        }
    )


def _ours(frame: pd.DataFrame) -> lt.MMRMResult:
    fit = lt.mmrm(frame, formula=FORMULA)
    fit.coefficients  # noqa: B018 (the table is built on first use)
    return fit


def _run_r(frame: pd.DataFrame) -> dict[str, Any] | None:
    with tempfile.TemporaryDirectory() as tmp:
        csv, out = Path(tmp) / "d.csv", Path(tmp) / "r.json"
        frame.to_csv(csv, index=False)
        return run_r(R_SCRIPT, out, [csv, out])


def run() -> list[dict]:
    """Rows: name, ours_s, peer, peer_s, ratio, peak_mb, notes."""
    rows = []
    for n, with_r in ((2_000, True), (20_000, False)):
        frame = _data(n)
        seconds, fit = best_time(lambda frame=frame: _ours(frame))
        r = _run_r(frame) if with_r else None
        ok = r is not None and "error" not in r
        notes = f"{fit.n_obs:,} observations, all times distinct; "
        if ok:
            same = abs(fit.loglik / r["loglik"] - 1) < 1e-6
            notes += f"logLik {fit.loglik:.3f} vs {r['loglik']:.3f} "
            notes += f"({'equal' if same else 'DIFFERENT'})"
        elif with_r:
            notes += "R skipped: " + ("Rscript not found" if r is None else " ".join(r["error"]))
        else:
            notes += f"goal < 10 s: {'met' if seconds < 10 else 'NOT met'}"
        rows.append(
            {
                "name": f"mmrm sp_exp, {n:,} subjects × 6 own times",
                "ours_s": seconds,
                "peer": f"R mmrm {r['mmrm']} (the fit)" if ok else "",
                "peer_s": r["fit_s"] if ok else float("nan"),
                "ratio": seconds / r["fit_s"] if ok else float("nan"),
                "peak_mb": peak_mb(lambda frame=frame: _ours(frame)),
                "notes": notes,
            }
        )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
