"""lt.mmrm and lt.lmm beside R's nlme::gls, lme4::lmer and statsmodels' MixedLM.

Data: ``simulate_odes`` with 5,000 subjects (1,250 per arm) and four follow-up visits
(3, 6, 9, 12 months), outcome HOMA-IR; and 100,000 subjects for the scale goal.

- unstructured MMRM: ``lt.mmrm`` (the whole call: analysis set, fit, Satterthwaite effects,
  marginal means, type III tests) against ``nlme::gls(correlation = corSymm, weights =
  varIdent)`` (the fit alone). Goal: at least 10 times faster.
- random-intercept model: ``lt.lmm`` (the whole call) against ``lme4::lmer(... + (1 |
  subject))`` (the fit alone; goal: no slower) and ``statsmodels`` ``MixedLM`` (the Python
  baseline, the fit alone).
- 100,000 subjects × 4 visits, unstructured MMRM: goal under 10 seconds (R mmrm beside it,
  and at 1,000 to 20,000 subjects, in :mod:`benchmarks.bench_mmrm_scale`).
- the engine alone on an ODES-size trial (219 subjects, 4 visits, unstructured, the model
  matrix and the patterns' cross-products built once; the stacking of the cross-products
  into one array, done once per data set, is timed with each fit): one fit (goal ≤ 5 ms)
  and 1,000 jackknife refits warm-started from
  it (:mod:`lifestyle_trials.models.engine.repeated`; goal ≤ 5 s), against R mmrm (TMB) on
  the same data: one fit, and leave-one-subject-out refits (50 timed, scaled to 1,000).

R's times are measured inside R (``system.time``, elapsed), so R's start-up and the reading of
the data are not counted; the R rows are skipped when ``Rscript`` (with nlme, lme4 and
jsonlite) is not available. Our times are the best of three runs after a warm-up; peak memory
is traced (tracemalloc) in a separate run. Each row's notes compare the log-likelihoods.
"""

from __future__ import annotations

import tempfile
import time
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

import lifestyle_trials as lt
from benchmarks.timing import best_time, peak_mb
from lifestyle_trials.models.design.prepare import analysis_data
from lifestyle_trials.models.engine import reml
from lifestyle_trials.models.engine.covariance import structure
from lifestyle_trials.models.engine.repeated import refit_many, without_subjects

from .r_peer import run_r

VISITS = (0, 3, 6, 9, 12)
N_SMALL = 5_000
N_LARGE = 100_000

R_SCRIPT = r"""
suppressPackageStartupMessages({ library(nlme); library(lme4); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
d$visit_f <- factor(d$visit); d$visit_index <- as.integer(d$visit_f)
d$diet <- factor(d$diet); d$exercise <- factor(d$exercise)
f <- y ~ baseline * visit_f + diet * exercise * visit_f
best <- function(expr, n) {
  min(replicate(n, system.time(eval(expr, envir = globalenv()))[["elapsed"]]))
}
lmer_s <- best(quote(m <- lmer(update(f, . ~ . + (1 | subject)), data = d)), 3)
gls_s <- system.time(g <- gls(f, data = d, correlation = corSymm(form = ~ visit_index | subject),
                              weights = varIdent(form = ~ 1 | visit_f)))[["elapsed"]]
write_json(list(lmer_s = lmer_s, lmer_loglik = as.numeric(logLik(m)), gls_s = gls_s,
                gls_loglik = as.numeric(logLik(g)), R = R.version.string,
                nlme = as.character(packageVersion("nlme")),
                lme4 = as.character(packageVersion("lme4"))),
           args[2], digits = NA, auto_unbox = TRUE)
"""


def _trial(n: int) -> lt.Trial:
    return lt.simulate_odes(seed=1, n_per_arm=(n // 4,) * 4, visits=VISITS)


def _run_r(frame_csv: Path, out: Path, code: str = R_SCRIPT) -> dict[str, Any] | None:
    return run_r(code, out, [frame_csv, out])


ENGINE_R_SCRIPT = r"""
suppressPackageStartupMessages({ library(mmrm); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
d$visit_f <- factor(d$visit); d$subject <- factor(d$subject)
d$diet <- factor(d$diet); d$exercise <- factor(d$exercise)
f <- y ~ baseline * visit_f + diet * exercise * visit_f + us(visit_f | subject)
m <- mmrm(f, data = d)
fit_s <- min(replicate(3, system.time(mmrm(f, data = d))[["elapsed"]]))
ids <- levels(d$subject)[seq_len(50)]
start <- m$theta_est
jack_s <- system.time(
  for (i in ids) mmrm(f, data = droplevels(d[d$subject != i, ]), start = start)
)[["elapsed"]]
write_json(list(fit_s = fit_s, jack50_s = jack_s, loglik = as.numeric(logLik(m)),
                mmrm = as.character(packageVersion("mmrm")),
                TMB = as.character(packageVersion("TMB"))),
           args[2], digits = NA, auto_unbox = TRUE)
"""


def _engine_data(frame: Any) -> reml.GroupedData:
    """``y ~ baseline × visit + diet × exercise × visit`` (cell means by visit), built once."""
    visits = np.sort(frame["visit"].unique())
    position = np.searchsorted(visits, frame["visit"].to_numpy())
    cols = [
        np.ones(len(frame)),
        frame["baseline"].to_numpy(float),
        frame["diet"].to_numpy(float),
        frame["exercise"].to_numpy(float),
        (frame["diet"] * frame["exercise"]).to_numpy(float),
    ]
    x = np.zeros((len(frame), 5 * visits.size))
    for j, col in enumerate(cols):
        x[np.arange(len(frame)), 5 * position + j] = col
    return reml.group_by_pattern(
        frame["y"].to_numpy(float), x, frame["subject"].to_numpy(), position, visits.size
    )


def _engine_rows() -> list[dict]:
    trial = lt.simulate_odes(seed=1, n_per_arm=(55, 55, 55, 54), visits=VISITS)
    frame = analysis_data(trial, "homa_ir").frame
    data = _engine_data(frame)
    struct = structure("us", tuple(float(v) for v in np.sort(frame["visit"].unique())))
    # a fresh copy of the grouped data each time: the stacking of the patterns'
    # cross-products, done once per data set, is part of the fit's time
    fit_s, (theta, ev, _) = best_time(
        lambda: reml.fit_covariance(replace(data), struct), repeats=20
    )
    n_refits = 1_000
    subsets = [without_subjects(data, [i % data.n_subjects]) for i in range(n_refits)]
    cpu = time.process_time()
    jack_s, fits = best_time(lambda: refit_many(subsets, struct, theta), repeats=1)
    jack_cpu = (time.process_time() - cpu) / 2  # warm-up and timed run
    cpu = time.process_time()
    for _ in range(20):
        reml.fit_covariance(replace(data), struct)
    fit_cpu = (time.process_time() - cpu) / 20
    label = f"{data.n_subjects} subjects × {data.n_visits} visits, us"
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "data.csv"
        frame[["subject", "diet", "exercise", "visit", "baseline", "y"]].to_csv(csv, index=False)
        r = _run_r(csv, Path(tmp) / "r.json", ENGINE_R_SCRIPT)
    skipped = r is None or "error" in r
    why = (
        "R mmrm skipped: Rscript not found"
        if r is None
        else (f"R mmrm skipped: {' '.join(r['error'])}" if skipped else "")
    )
    peer = "" if skipped else f"R mmrm {r['mmrm']} (TMB {r['TMB']})"
    fit_peer = float("nan") if skipped else r["fit_s"]
    jack_peer = float("nan") if skipped else r["jack50_s"] * n_refits / 50
    agree = "" if skipped else "; " + _agree(ev.loglik, r["loglik"])
    return [
        {
            "name": f"engine fit, {label}",
            "ours_s": fit_s,
            "peer": peer,
            "peer_s": fit_peer,
            "ratio": fit_s / fit_peer,
            "peak_mb": float("nan"),
            "notes": f"goal <= 5 ms: {'met' if fit_s <= 0.005 else 'NOT met'} "
            f"(CPU time {1e3 * fit_cpu:.1f} ms){agree}{why}",
        },
        {
            "name": f"{n_refits:,} jackknife refits, {label}",
            "ours_s": jack_s,
            "peer": peer + (" (50 refits, scaled)" if peer else ""),
            "peer_s": jack_peer,
            "ratio": jack_s / jack_peer,
            "peak_mb": float("nan"),
            "notes": f"goal <= 5 s: {'met' if jack_s <= 5 else 'NOT met'} "
            f"(CPU time {jack_cpu:.1f} s); "
            f"{int(fits.converged.sum())}/{n_refits} converged, "
            f"{fits.iterations.mean():.1f} Newton steps each{why and '; ' + why}",
        },
    ]


def _statsmodels(frame: Any) -> tuple[float, float]:
    import statsmodels.formula.api as smf

    data = frame.assign(visit=frame["visit"].astype(int).astype(str))
    model = smf.mixedlm(
        "y ~ baseline * visit + diet * exercise * visit", data, groups=data["subject"]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        seconds, result = best_time(lambda: model.fit(reml=True), repeats=1)
    return seconds, float(result.llf)


def _agree(ours: float, theirs: float) -> str:
    same = abs(ours / theirs - 1) < 1e-6
    return f"logLik {ours:.3f} vs {theirs:.3f} ({'equal' if same else 'DIFFERENT'})"


def run() -> list[dict]:
    """Rows: name, ours_s, peer, peer_s, ratio, peak_mb, notes."""
    rows: list[dict] = _engine_rows()
    trial = _trial(N_SMALL)
    label = f"{N_SMALL:,} subjects × 4 visits"
    mmrm_s, mmrm_fit = best_time(lambda: lt.mmrm(trial, "homa_ir"))
    lmm_s, lmm_fit = best_time(lambda: lt.lmm(trial, "homa_ir"))
    mmrm_mb = peak_mb(lambda: lt.mmrm(trial, "homa_ir"))
    lmm_mb = peak_mb(lambda: lt.lmm(trial, "homa_ir"))

    frame = analysis_data(trial, "homa_ir").frame
    columns = ["subject", "diet", "exercise", "visit", "baseline", "y"]
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "data.csv"
        frame[columns].to_csv(csv, index=False)
        r = _run_r(csv, Path(tmp) / "r.json")

    if r is None or "error" in r:
        why = "Rscript not found" if r is None else f"R failed: {' '.join(r['error'])}"
        for peer in ("R nlme::gls (corSymm + varIdent)", "R lme4::lmer (1 | subject)"):
            rows.append(
                {
                    "name": f"{'mmrm us' if 'gls' in peer else 'lmm intercept'}, {label}",
                    "ours_s": mmrm_s if "gls" in peer else lmm_s,
                    "peer": peer,
                    "peer_s": float("nan"),
                    "ratio": float("nan"),
                    "peak_mb": mmrm_mb if "gls" in peer else lmm_mb,
                    "notes": f"R skipped: {why}",
                }
            )
    else:
        speedup = r["gls_s"] / mmrm_s
        rows.append(
            {
                "name": f"mmrm us, {label}",
                "ours_s": mmrm_s,
                "peer": f"R nlme::gls (corSymm + varIdent), nlme {r['nlme']}",
                "peer_s": r["gls_s"],
                "ratio": mmrm_s / r["gls_s"],
                "peak_mb": mmrm_mb,
                "notes": f"{speedup:.0f}x faster (goal >= 10x: "
                f"{'met' if speedup >= 10 else 'NOT met'}); "
                + _agree(mmrm_fit.loglik, r["gls_loglik"]),
            }
        )
        rows.append(
            {
                "name": f"lmm intercept, {label}",
                "ours_s": lmm_s,
                "peer": f"R lme4::lmer (1 | subject), lme4 {r['lme4']}",
                "peer_s": r["lmer_s"],
                "ratio": lmm_s / r["lmer_s"],
                "peak_mb": lmm_mb,
                "notes": f"goal no slower: {'met' if lmm_s <= r['lmer_s'] else 'NOT met'}; "
                + _agree(lmm_fit.loglik, r["lmer_loglik"]),
            }
        )
    sm_s, sm_loglik = _statsmodels(frame)
    rows.append(
        {
            "name": f"lmm intercept, {label}",
            "ours_s": lmm_s,
            "peer": "statsmodels MixedLM (REML)",
            "peer_s": sm_s,
            "ratio": lmm_s / sm_s,
            "peak_mb": lmm_mb,
            "notes": _agree(lmm_fit.loglik, sm_loglik),
        }
    )

    big = _trial(N_LARGE)
    big_s, big_fit = best_time(lambda: lt.mmrm(big, "homa_ir"), repeats=2)
    rows.append(
        {
            "name": f"mmrm us, {N_LARGE:,} subjects × 4 visits",
            "ours_s": big_s,
            "peer": "",
            "peer_s": float("nan"),
            "ratio": float("nan"),
            "peak_mb": peak_mb(lambda: lt.mmrm(big, "homa_ir")),
            "notes": f"goal < 10 s: {'met' if big_s < 10 else 'NOT met'}; "
            f"{big_fit.n_obs:,} observations, {len(big_fit.coef)} coefficients, "
            f"{big_fit.convergence.iterations} iterations",
        }
    )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
