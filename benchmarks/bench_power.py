"""lt.power beside the way power is simulated in R: a loop of lm + emmeans, and of mmrm.

Design: the ODES trial (``simulate_odes``: 43/55/54/67 randomised, the published dropout),
outcome HOMA-IR on the log scale, factorial estimand.

- ANCOVA at 12 months, 10,000 trials, end to end (simulate, fit, tally): goal <= 5 s on
  this machine's 2 cores (``scheduler="processes"``, 2 workers; one process shown too).
- MMRM, visits 0, 3, 6, 12 (three follow-ups), unstructured, Satterthwaite, 1,000 trials:
  goal <= 15 s (2 worker processes; one process shown too).
- Dask: MMRM power (1,000 trials, tasks of 50) on a local cluster of 2 workers against 1
  (clusters started and warmed before timing): goal >= 1.7x the throughput.
- Memory: peak traced memory of 2,000 and 10,000 ANCOVA trials (flat in ``n_sim``).

The R peers simulate the same design in a loop, as people write it: per trial, draw log
HOMA-IR at baseline and follow-up (bivariate normal with the ODES arm means, SD and
correlation; for the MMRM an unstructured covariance over the visits), drop the published
share of each arm, fit ``lm(y ~ base + diet * exercise)`` with ``emmeans`` contrasts, or
``mmrm::mmrm(y ~ base * visit + diet * exercise * visit + us(visit | id))`` with
``emmeans`` contrasts by visit. R times a few hundred (ANCOVA) or a few dozen (MMRM)
trials inside R and the time is scaled to the same number of trials. R rows are skipped,
with a note, when Rscript with emmeans and mmrm is missing.
"""

from __future__ import annotations

import functools
import tempfile
import time
from pathlib import Path
from typing import Any

import lifestyle_trials as lt
from benchmarks.timing import peak_mb

from .r_peer import run_r

ANCOVA_DESIGN: dict[str, Any] = {}  # the ODES defaults: published sizes and dropout
MMRM_DESIGN: dict[str, Any] = {"visits": (0, 3, 6, 12)}
N_ANCOVA = 10_000
N_MMRM = 1_000
R_ANCOVA_TRIALS = 200
R_MMRM_TRIALS = 20
DASK_CHUNK = 50
"""MMRM replicates per Dask task: about a quarter of a second of work, so that scheduling and
transfer (milliseconds per task) are small beside it, and 20 tasks keep 2 workers busy."""

R_SCRIPT = r"""
suppressPackageStartupMessages({ library(emmeans); library(mmrm); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
n_ancova <- as.integer(args[2]); n_mmrm <- as.integer(args[3])
emm_options(lmer.df = "satterthwaite")
sizes <- c(43, 55, 54, 67); drop <- c(6, 10, 6, 9)
arm_mean <- c(0, -0.18, -0.14, -0.41)  # log-ratio change against control
simulate <- function(times, rho, sd) {
  n <- sum(sizes)
  arm <- rep(1:4, sizes)
  t <- length(times)
  cor <- rho^abs(outer(0:t, 0:t, "-"))
  z <- matrix(rnorm(n * (t + 1)), n) %*% chol(cor) * sd + 1.45
  y <- z[, -1, drop = FALSE] + outer(arm_mean[arm], times / max(times))
  dropped <- unlist(lapply(1:4, function(a) sample(which(arm == a), drop[a])))
  last <- sample.int(t, length(dropped), replace = TRUE) - 1
  for (k in seq_along(dropped)) if (last[k] < t) y[dropped[k], (last[k] + 1):t] <- NA
  d <- data.frame(id = factor(rep(1:n, t)), base = rep(z[, 1], t),
                  visit = factor(rep(times, each = n)),
                  diet = factor(rep(as.integer(arm %in% c(2, 4)), t)),
                  exercise = factor(rep(as.integer(arm %in% c(3, 4)), t)), y = as.vector(y))
  d[!is.na(d$y), ]
}
factorial <- list(diet = c(-.5, .5, -.5, .5), exercise = c(-.5, -.5, .5, .5),
                  `diet:exercise` = c(1, -1, -1, 1))
set.seed(1)
ancova_s <- system.time(for (i in seq_len(n_ancova)) {
  d <- simulate(12, 0.88, 0.69)
  fit <- lm(y ~ base + diet * exercise, data = d)
  p <- summary(contrast(emmeans(fit, ~ diet * exercise), factorial))$p.value
})[["elapsed"]]
mmrm_s <- system.time(for (i in seq_len(n_mmrm)) {
  d <- simulate(c(3, 6, 12), 0.88, 0.69)
  fit <- mmrm(y ~ base * visit + diet * exercise * visit + us(visit | id), data = d)
  p <- summary(contrast(emmeans(fit, ~ diet * exercise | visit), factorial))$p.value
})[["elapsed"]]
write_json(list(ancova_s = ancova_s, mmrm_s = mmrm_s, R = R.version.string,
                emmeans = as.character(packageVersion("emmeans")),
                mmrm = as.character(packageVersion("mmrm"))),
           args[1], digits = NA, auto_unbox = TRUE)
"""


def _run_r() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "r.json"
        r = run_r(R_SCRIPT, out, [out, R_ANCOVA_TRIALS, R_MMRM_TRIALS])
    if r is None:
        return {"error": "Rscript not found"}
    if "error" in r:
        return {"error": " ".join(r["error"])}
    return r


def _timed(function: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def _row(name: str, ours: float, peer: str, peer_s: float, mb: float, notes: str) -> dict:
    return {
        "name": name,
        "ours_s": ours,
        "peer": peer,
        "peer_s": peer_s,
        "ratio": ours / peer_s if peer_s == peer_s else float("nan"),
        "peak_mb": mb,
        "notes": notes,
    }


def _goal(ok: bool) -> str:
    return "met" if ok else "NOT met"


def run() -> list[dict]:
    """Rows: name, ours_s, peer, peer_s, ratio, peak_mb, notes."""
    from dask.distributed import Client, LocalCluster

    rows: list[dict] = []
    r = _run_r()
    skip = f"R skipped: {r['error']}" if "error" in r else ""

    # ANCOVA, 10,000 trials
    lt.power(ANCOVA_DESIGN, n_sim=200, progress=False)  # warm-up (imports, caches)
    one_s, _ = _timed(lambda: lt.power(ANCOVA_DESIGN, n_sim=N_ANCOVA, progress=False))
    two_s, res = _timed(
        lambda: lt.power(
            ANCOVA_DESIGN, n_sim=N_ANCOVA, scheduler="processes", workers=2, progress=False
        )
    )
    mb_small = peak_mb(lambda: lt.power(ANCOVA_DESIGN, n_sim=2_000, progress=False))
    mb_large = peak_mb(lambda: lt.power(ANCOVA_DESIGN, n_sim=N_ANCOVA, progress=False))
    power_text = ", ".join(
        f"{t} {p:.3f}" for t, p in zip(res.table["term"], res.table["power"], strict=True)
    )
    r_ancova = r["ancova_s"] / R_ANCOVA_TRIALS * N_ANCOVA if not skip else float("nan")
    peer = "" if skip else f"R lm + emmeans loop ({R_ANCOVA_TRIALS} timed, scaled)"
    rows.append(
        _row(
            f"power ancova, {N_ANCOVA:,} ODES trials, 2 processes",
            two_s,
            peer,
            r_ancova,
            mb_large,
            f"goal <= 5 s: {_goal(two_s <= 5)}; power {power_text}" + (f"; {skip}" if skip else ""),
        )
    )
    rows.append(
        _row(
            f"power ancova, {N_ANCOVA:,} ODES trials, 1 process",
            one_s,
            peer,
            r_ancova,
            mb_large,
            f"peak memory {mb_small:.0f} MB at 2,000 trials, {mb_large:.0f} MB at 10,000 "
            f"(flat: {_goal(mb_large < 1.5 * mb_small + 5)})",
        )
    )

    # MMRM, 1,000 trials
    lt.power(MMRM_DESIGN, analysis="mmrm", n_sim=20, progress=False)
    m1_s, _ = _timed(lambda: lt.power(MMRM_DESIGN, analysis="mmrm", n_sim=N_MMRM, progress=False))
    m2_s, mres = _timed(
        lambda: lt.power(
            MMRM_DESIGN,
            analysis="mmrm",
            n_sim=N_MMRM,
            scheduler="processes",
            workers=2,
            progress=False,
        )
    )
    r_mmrm = r["mmrm_s"] / R_MMRM_TRIALS * N_MMRM if not skip else float("nan")
    peer = "" if skip else f"R mmrm + emmeans loop ({R_MMRM_TRIALS} timed, scaled)"
    failed = int(mres.table["n_failed"].max())
    rows.append(
        _row(
            f"power mmrm us, {N_MMRM:,} trials x 4 visits, 2 processes",
            m2_s,
            peer,
            r_mmrm,
            float("nan"),
            f"goal <= 15 s: {_goal(m2_s <= 15)}; {failed} failed fits"
            + (f"; {skip}" if skip else ""),
        )
    )
    rows.append(
        _row(
            f"power mmrm us, {N_MMRM:,} trials x 4 visits, 1 process",
            m1_s,
            peer,
            r_mmrm,
            float("nan"),
            f"goal <= 15 s: {_goal(m1_s <= 15)}",
        )
    )

    # Dask: throughput of 2 workers against 1 (clusters started, and every worker warmed up
    # by a small MMRM power run of its own, before timing)
    n_dask = N_MMRM
    times = {}
    warm = functools.partial(lt.power, MMRM_DESIGN, analysis="mmrm", n_sim=4, progress=False)
    for workers in (1, 2):
        with (
            LocalCluster(
                n_workers=workers, threads_per_worker=1, dashboard_address=None, silence_logs=50
            ) as cluster,
            Client(cluster) as client,
        ):
            client.wait_for_workers(workers)
            client.run(warm)
            times[workers], _ = _timed(
                lambda c=client: lt.power(
                    MMRM_DESIGN,
                    analysis="mmrm",
                    n_sim=n_dask,
                    scheduler=c,
                    chunk_size=DASK_CHUNK,
                    progress=False,
                )
            )
    speedup = times[1] / times[2]
    rows.append(
        _row(
            f"power mmrm us, {n_dask} trials, Dask 2 workers",
            times[2],
            "Dask 1 worker",
            times[1],
            float("nan"),
            f"{speedup:.2f}x the throughput (goal >= 1.7x: {_goal(speedup >= 1.7)})",
        )
    )
    if r and not skip:
        rows[0]["notes"] += f"; {r['R']}, emmeans {r['emmeans']}, mmrm {r['mmrm']}"
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
