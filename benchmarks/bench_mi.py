"""lt.mi beside R's rbmi on an ODES-size trial.

Data: ``simulate_odes(seed=1, visits=(0, 3, 6, 12), dropout=0.15)``: 219 subjects in four
arms, HOMA-IR (log scale) at three post-baseline visits with monotone dropout.

- conditional mean imputation with jackknife, J2R to control: ``lt.mi.draws`` →
  ``impute`` → ``analyse`` (ANCOVA, each arm vs control, every visit) → ``pool``, against
  rbmi's ``draws(method_condmean(type = "jackknife"))`` → ``impute`` → ``analyse`` (the
  same ANCOVA as an R function) → ``pool``. Goal: at least 20 times faster.
- approximate Bayesian MI with 100 imputations, drawn, imputed, analysed and pooled: goal
  at most 2 s (rbmi's ``method_approxbayes(n_samples = 100)`` beside it).
- a tipping-point grid of 20 deltas (conditional mean + jackknife): goal at most 5 s.

R's times are measured inside R (``system.time``, elapsed), without R's start-up and the
reading of the data; the R rows are skipped with a note when ``Rscript`` with rbmi is not
available. Our times are the best of three runs after a warm-up (one run for the tipping
point); the notes add our processor time of one run, which a busy machine inflates less.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

import lifestyle_trials as lt
from benchmarks.timing import best_time, peak_mb

from .r_peer import run_r

REFS = {"diet": "control", "exercise": "control", "diet+exercise": "control"}

R_SCRIPT = r"""
suppressPackageStartupMessages({ library(rbmi); library(jsonlite) })
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE)
d$y <- log(d$homa_ir)
arm_levels <- c("control", "diet", "exercise", "diet+exercise")
base <- d[d$visit == 0, c("subject", "diet", "exercise", "y")]
names(base)[4] <- "BASVAL"
base$ARM <- factor(arm_levels[1 + base$diet + 2 * base$exercise], levels = arm_levels)
visits <- sort(unique(d$visit[d$visit > 0]))
grid <- merge(base, data.frame(visit = visits))
dat <- merge(grid, d[d$visit > 0, c("subject", "visit", "y")], by = c("subject", "visit"),
             all.x = TRUE)
dat <- dat[order(dat$subject, dat$visit), ]
dat$subject <- factor(dat$subject)
dat$VISIT <- factor(dat$visit, levels = visits)
miss <- dat[is.na(dat$y), ]
dat_ice <- miss[!duplicated(miss$subject), c("subject", "VISIT")]
dat_ice$strategy <- "JR"
vars <- set_vars(outcome = "y", visit = "VISIT", subjid = "subject", group = "ARM",
                 covariates = c("BASVAL*VISIT", "ARM*VISIT"))
refs <- c("control" = "control", "diet" = "control", "exercise" = "control",
          "diet+exercise" = "control")
arms_fun <- function(data, ...) {
  res <- list()
  for (v in levels(data$VISIT)) {
    m <- lm(y ~ ARM + BASVAL, data = data[data$VISIT == v, ])
    for (a in arm_levels[-1]) {
      nm <- paste0("ARM", a)
      res[[paste0(a, "_", v)]] <- list(est = coef(m)[[nm]], se = sqrt(vcov(m)[nm, nm]),
                                       df = df.residual(m))
    }
  }
  res
}
pipeline <- function(method) {
  dr <- draws(data = dat, data_ice = dat_ice, vars = vars, method = method, quiet = TRUE)
  pool(analyse(impute(dr, references = refs), arms_fun))
}
set.seed(1)
jack_s <- system.time(jack <- pipeline(method_condmean(type = "jackknife")))[["elapsed"]]
bayes_s <- system.time(pipeline(method_approxbayes(n_samples = 100)))[["elapsed"]]
est <- as.data.frame(jack)
write_json(list(jack_s = jack_s, bayes_s = bayes_s, parameter = est$parameter, est = est$est,
                se = est$se, R = R.version.string,
                rbmi = as.character(packageVersion("rbmi"))),
           args[2], digits = NA, auto_unbox = TRUE)
"""


def _run_r(csv: Path, out: Path) -> dict[str, Any] | None:
    return run_r(R_SCRIPT, out, [csv, out])


def _pipeline(trial: lt.Trial, method: str, **options: Any) -> lt.mi.Pooled:
    draws = lt.mi.draws(trial, "homa_ir", method=method, log=True, **options)
    imputed = lt.mi.impute(draws, "JR", references=REFS)
    return lt.mi.pool(lt.mi.analyse(imputed, "ancova", estimand="arms"))


def _agreement(pooled: lt.mi.Pooled, r: dict[str, Any]) -> str:
    ours = {f"{t.split(' vs ')[0]}_{v:g}": (e, s) for t, v, e, s in pooled.effects[
        ["term", "visit", "estimate", "std_error"]].itertuples(index=False)}  # fmt: skip
    worst = 0.0
    for name, est, se in zip(r["parameter"], r["est"], r["se"], strict=True):
        e, s = ours[name]
        worst = max(worst, abs(e / est - 1), abs(s / se - 1))
    return f"max relative difference from rbmi {worst:.1e}"


def _cpu(function: Any) -> str:
    """Processor time of one call (the machine may be shared: wall time then overstates)."""
    start = time.process_time()
    function()
    return f"CPU {time.process_time() - start:.2f} s"


def run() -> list[dict]:
    """Rows: name, ours_s, peer, peer_s, ratio, peak_mb, notes."""
    trial = lt.simulate_odes(seed=1, visits=(0, 3, 6, 12), dropout=0.15)
    label = f"{trial.design.n_subjects} subjects × 3 visits"
    jack_s, jack = best_time(lambda: _pipeline(trial, "condmean"))
    jack_mb = peak_mb(lambda: _pipeline(trial, "condmean"))
    bayes_s, _ = best_time(lambda: _pipeline(trial, "approxbayes", n_samples=100, seed=1))
    grid = np.linspace(0.0, 0.5, 20)
    tip_s, _ = best_time(
        lambda: lt.mi.tipping_point(trial, "homa_ir", deltas=grid, log=True), repeats=1
    )
    jack_cpu = _cpu(lambda: _pipeline(trial, "condmean"))
    bayes_cpu = _cpu(lambda: _pipeline(trial, "approxbayes", n_samples=100, seed=1))
    tip_cpu = _cpu(lambda: lt.mi.tipping_point(trial, "homa_ir", deltas=grid, log=True))
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "data.csv"
        trial.data[["subject", "diet", "exercise", "visit", "homa_ir"]].to_csv(csv, index=False)
        r = _run_r(csv, Path(tmp) / "r.json")
    skipped = None
    if r is None or "error" in r:
        skipped = "R skipped: " + (
            "Rscript not found" if r is None else f"R failed: {' '.join(r['error'])}"
        )
    rows = []
    jack_notes = f"{jack_cpu}; goal >= 20x faster than rbmi: {skipped}" if skipped else ""
    if not skipped:
        speedup = r["jack_s"] / jack_s
        jack_notes = (
            f"{speedup:.0f}x faster (goal >= 20x: {'met' if speedup >= 20 else 'NOT met'}); "
            + _agreement(jack, r)
            + f"; {jack_cpu}"
        )
    rows.append(
        {
            "name": f"mi condmean jackknife J2R, {label}",
            "ours_s": jack_s,
            "peer": f"R rbmi {r['rbmi']}" if not skipped else "R rbmi",
            "peer_s": r["jack_s"] if not skipped else float("nan"),
            "ratio": jack_s / r["jack_s"] if not skipped else float("nan"),
            "peak_mb": jack_mb,
            "notes": jack_notes,
        }
    )
    rows.append(
        {
            "name": f"mi approxbayes 100 imputations J2R, {label}",
            "ours_s": bayes_s,
            "peer": f"R rbmi {r['rbmi']}" if not skipped else "R rbmi",
            "peer_s": r["bayes_s"] if not skipped else float("nan"),
            "ratio": bayes_s / r["bayes_s"] if not skipped else float("nan"),
            "peak_mb": float("nan"),
            "notes": f"goal <= 2 s: {'met' if bayes_s <= 2 else 'NOT met'}; {bayes_cpu}"
            + (f"; {skipped}" if skipped else ""),
        }
    )
    rows.append(
        {
            "name": f"mi tipping point, 20 deltas, condmean jackknife, {label}",
            "ours_s": tip_s,
            "peer": "",
            "peer_s": float("nan"),
            "ratio": float("nan"),
            "peak_mb": float("nan"),
            "notes": f"goal <= 5 s: {'met' if tip_s <= 5 else 'NOT met'}; {tip_cpu}",
        }
    )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
