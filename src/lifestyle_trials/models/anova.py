"""Mixed (split-plot) ANOVA: arm between subjects × visit within subjects, through pingouin.

The classical analysis of a trial with repeated measures: the outcome at every visit
(baseline included) on arm (between subjects, four levels), visit (within subjects) and their
interaction, with the univariate F tests and sphericity corrections. It is shown for
comparison with older reports; the MMRM (:func:`~lifestyle_trials.mmrm`) is the analysis to
prefer, because this one

- uses complete cases only: a subject missing any visit is dropped entirely (counted in
  ``exclusions``); the MMRM uses every observed value and is valid under missing at random;
- has one between factor (the four arms), so no factorial main effects or interaction of
  diet and exercise, and it does not adjust for baseline (baseline is one of the visits; the
  treatment effect appears as the arm × visit interaction);
- assumes the same covariance over visits in every arm, corrected for non-sphericity by the
  Greenhouse-Geisser or Huynh-Feldt factors only.

Sums of squares are type II (pingouin's; R: ``afex::aov_ez(..., type = 2)``). With a
single between factor they equal type III (afex's and SPSS's default) for ``arm`` and
``arm:visit`` always, and for ``visit`` when the arms are of equal size; with unequal arms the
type III ``visit`` test weights the arms equally instead. The Greenhouse-Geisser ε is
pingouin's (from the pooled within-arm covariance of the visits); Huynh-Feldt's is computed
from it with Lecoutre's (1991) correction for several groups, as R's car and afex do, and
capped at 1.

References
----------
Greenhouse SW, Geisser S. On methods in the analysis of profile data. Psychometrika
1959;24:95-112. doi:10.1007/BF02289823
Huynh H, Feldt LS. Estimation of the Box correction for degrees of freedom from sample data
in randomized block and split-plot designs. J Educ Stat 1976;1:69-82.
doi:10.3102/10769986001001069
Lecoutre B. A correction for the ε̃ approximate test in repeated measures designs with two or
more independent groups. J Educ Stat 1991;16:371-2. doi:10.3102/10769986016004371
Vallat R. Pingouin: statistics in Python. J Open Source Softw 2018;3(31):1026.
doi:10.21105/joss.01026
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import ModelError
from ..jsonable import jsonable
from ..trial import Exclusion, Trial, format_visit, require_flag, require_trial
from .results import text_table

__all__ = ["ANOVA_COLUMNS", "MixedAnovaResult", "mixed_anova"]

ANOVA_COLUMNS: tuple[str, ...] = (
    "term",
    "sum_sq",
    "num_df",
    "den_df",
    "mean_sq",
    "statistic",
    "p_value",
    "partial_eta_sq",
    "eps_gg",
    "p_value_gg",
    "eps_hf",
    "p_value_hf",
)
"""Columns of :attr:`MixedAnovaResult.table`."""


@dataclass(frozen=True)
class MixedAnovaResult:
    """A mixed ANOVA of one outcome.

    Attributes
    ----------
    outcome : str
    log : bool
    visits : tuple of float
        The visits analysed (baseline included).
    table : DataFrame
        One row per term (``arm``, ``visit``, ``arm:visit``): ``term, sum_sq, num_df, den_df,
        mean_sq, statistic`` (F), ``p_value`` (uncorrected), ``partial_eta_sq``, and for the
        within-subject terms the Greenhouse-Geisser and Huynh-Feldt factors and corrected
        p-values ``eps_gg, p_value_gg, eps_hf, p_value_hf`` (NaN for ``arm``).
    sphericity : DataFrame
        Mauchly's test of sphericity: ``statistic`` (W), ``p_value`` (one row; NaN with two
        visits, where sphericity holds trivially).
    n : DataFrame
        ``arm, randomised, analysed`` (complete cases).
    exclusions : tuple of Exclusion
        Subjects without a value at every visit.
    """

    outcome: str
    log: bool
    visits: tuple[float, ...]
    table: pd.DataFrame
    sphericity: pd.DataFrame
    n: pd.DataFrame
    exclusions: tuple[Exclusion, ...]

    def summary(self) -> str:
        """A readable report."""
        scale = " (log scale)" if self.log else ""
        lines = [
            f"Mixed ANOVA of {self.outcome}{scale}: arm (between) × visit (within), visits "
            f"{', '.join(format_visit(v) for v in self.visits)}; complete cases only",
            "",
            self.n.to_string(index=False),
            "",
            text_table(self.table),
            "",
            f"Mauchly's W = {self.sphericity['statistic'].iloc[0]:.4f}, "
            f"p = {self.sphericity['p_value'].iloc[0]:.4g}",
        ]
        if self.exclusions:
            lines += ["", "Not analysed:"]
            lines += [f"  {e.n_subjects} subject(s): {e.reason}" for e in self.exclusions]
        lines += ["", "The MMRM (lt.mmrm) uses all observed values; prefer it."]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready content."""

        return {
            "outcome": self.outcome,
            "log": self.log,
            "visits": list(self.visits),
            "table": jsonable(self.table),
            "sphericity": jsonable(self.sphericity),
            "n": jsonable(self.n),
            "exclusions": [dict(vars(e)) for e in self.exclusions],
        }


def mixed_anova(trial: Trial, outcome: str, *, log: bool = False) -> MixedAnovaResult:
    """Mixed ANOVA: arm (between) × visit (within), all visits, complete cases.

    Parameters
    ----------
    trial : Trial
    outcome : str
    log : bool, default False
        Analyse the natural log of the outcome.

    Returns
    -------
    MixedAnovaResult

    Raises
    ------
    ModelError
        Unknown outcome; fewer than two visits or two arms with complete cases; a
        non-positive value with ``log=True``.

    Notes
    -----
    Limits (see the module docstring): complete cases only, one between factor (arm), no
    baseline adjustment. Use :func:`~lifestyle_trials.mmrm` for the primary analysis.
    ``partial_eta_sq`` is ``SS_term / (SS_term + SS_error)``.

    Examples
    --------
    >>> import lifestyle_trials as lt
    >>> trial = lt.simulate_odes(seed=1997, visits=(0, 6, 12))
    >>> aov = lt.mixed_anova(trial, "homa_ir", log=True)
    >>> print(aov.table[["term", "num_df", "den_df", "statistic", "p_value", "eps_gg"]]
    ...       .round(3).to_string(index=False))
         term  num_df  den_df  statistic  p_value  eps_gg
          arm       3     184      0.217    0.884     NaN
        visit       2     368     29.365    0.000    0.85
    arm:visit       6     368      7.272    0.000    0.85
    """
    trial = require_trial(trial, "mixed_anova")
    log = require_flag(log, "log")
    trial.require_outcome(outcome)
    visits = trial.design.visits
    if len(visits) < 2:
        raise ModelError(f"a mixed ANOVA needs at least two visits; the trial has {len(visits)}")
    wide = trial.wide(outcome)
    values = wide.to_numpy(dtype=float)
    infinite = np.isinf(values).any(axis=1)
    if infinite.any():
        named = ", ".join(map(str, wide.index[infinite][:10]))
        raise ModelError(
            f"{outcome}: infinite value(s) in the trial's data (subject(s) {named}); set them "
            "to NaN to have them treated as missing, or correct them"
        )
    if log:
        bad = np.isfinite(values) & (values <= 0)
        if bad.any():
            named = ", ".join(map(str, wide.index[bad.any(axis=1)][:10]))
            raise ModelError(
                f"log=True needs positive values of {outcome}; subject(s) {named} have values "
                "<= 0. Correct the data, or analyse on the original scale (log=False)"
            )
        values = np.log(values, where=np.isfinite(values), out=np.full_like(values, np.nan))
    # a trial with no baseline measurement: the baseline visit, where nothing was measured,
    # is not a visit of the analysis (no value is set aside)
    measured = np.ones(len(visits), dtype=bool)
    at_baseline = visits.index(trial.design.baseline)
    measured[at_baseline] = bool(np.isfinite(values[:, at_baseline]).any())
    if not measured.all():
        values = values[:, measured]
        visits = tuple(v for v, m in zip(visits, measured, strict=True) if m)
        if len(visits) < 2:
            raise ModelError(
                f"a mixed ANOVA needs at least two visits with values of {outcome}; there "
                f"are {len(visits)}"
            )
    complete = np.all(np.isfinite(values), axis=1)
    subjects = trial.subjects().set_index("subject").loc[wide.index]
    exclusions: tuple[Exclusion, ...] = ()
    if not complete.all():
        missing = ~np.isfinite(values[~complete])
        exclusions = (
            Exclusion(
                reason=f"missing {outcome} at one or more visits (complete cases only)",
                subjects=tuple(str(s) for s in wide.index[~complete]),
                rows=int((~missing).sum()),
                step=f"mixed anova {outcome}",
                column=outcome,
            ),
        )
    arms = subjects["arm"].to_numpy()[complete]
    kept_arms = pd.unique(arms)
    if complete.sum() < 3 or len(kept_arms) < 2:
        raise ModelError(
            f"a mixed ANOVA needs complete cases in at least two arms; {int(complete.sum())} "
            f"subject(s) have {outcome} at every visit. Use lt.mmrm, which uses incomplete "
            "subjects too"
        )
    n_sub, n_vis = int(complete.sum()), len(visits)
    if n_sub - len(kept_arms) < 1:
        raise ModelError(
            f"a mixed ANOVA needs more complete subjects than arms: {n_sub} subject(s) in "
            f"{len(kept_arms)} arms leave no degrees of freedom for the between-subject error "
            "(one subject per arm). Analyse a larger trial, or use lt.mmrm"
        )
    if np.ptp(values[complete]) == 0:
        raise ModelError(
            f"{outcome} is constant ({float(values[complete][0, 0]):g} for every complete "
            "subject and visit): there is no variation to analyse; check that the right "
            "column was read"
        )
    long = pd.DataFrame(
        {
            "subject": np.repeat(wide.index.to_numpy()[complete], n_vis),
            "arm": np.repeat(arms.astype(str), n_vis),
            "visit": np.tile(np.arange(n_vis), n_sub),
            "y": values[complete].ravel(),
        }
    )
    with warnings.catch_warnings():
        # pingouin warns about unequal groups (see the module docstring on types II and III)
        # and triggers pandas deprecation notices of its own; neither concerns the caller
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        import pingouin  # imported here: it loads matplotlib, which most callers never need

        aov = pingouin.mixed_anova(
            data=long, dv="y", within="visit", subject="subject", between="arm", correction=True
        )
    table = _table(aov, n_sub, len(kept_arms), n_vis)
    # with two visits sphericity holds trivially and pingouin gives no Mauchly test
    w, p = np.nan, np.nan
    if n_vis > 2:
        spher = aov.loc[aov["Source"] == "visit"]
        w, p = float(spher["W_spher"].iloc[0]), float(spher["p_spher"].iloc[0])
    sphericity = pd.DataFrame({"statistic": [w], "p_value": [p]})
    counts = pd.Series(arms).value_counts()
    n = pd.DataFrame(
        {
            "arm": list(trial.design.arm_sizes),
            "randomised": list(trial.design.arm_sizes.values()),
            "analysed": [int(counts.get(a, 0)) for a in trial.design.arm_sizes],
        }
    )
    return MixedAnovaResult(
        outcome=outcome,
        log=log,
        visits=visits,
        table=table,
        sphericity=sphericity,
        n=n,
        exclusions=exclusions,
    )


def _table(aov: pd.DataFrame, n_sub: int, n_groups: int, n_vis: int) -> pd.DataFrame:
    rows = aov.set_index("Source")
    order = [("arm", "arm"), ("visit", "visit"), ("Interaction", "arm:visit")]
    out = pd.DataFrame(
        {
            "term": [name for _, name in order],
            "sum_sq": [float(rows.loc[s, "SS"]) for s, _ in order],
            "num_df": [int(rows.loc[s, "DF1"]) for s, _ in order],
            "den_df": [int(rows.loc[s, "DF2"]) for s, _ in order],
            "mean_sq": [float(rows.loc[s, "MS"]) for s, _ in order],
            "statistic": [float(rows.loc[s, "F"]) for s, _ in order],
            "p_value": [float(rows.loc[s, "p_unc"]) for s, _ in order],
            "partial_eta_sq": [float(rows.loc[s, "np2"]) for s, _ in order],
        }
    )
    eps_gg = 1.0 if n_vis == 2 else float(rows.loc["visit", "eps"])
    k = n_vis - 1
    hf = ((n_sub - n_groups + 1) * k * eps_gg - 2) / (k * (n_sub - n_groups - k * eps_gg))
    eps_hf = min(1.0, hf)
    within = out["term"] != "arm"
    for name, eps in (("gg", eps_gg), ("hf", eps_hf)):
        out[f"eps_{name}"] = np.where(within, eps, np.nan)
        p = stats.f.sf(out["statistic"], out["num_df"] * eps, out["den_df"] * eps)
        out[f"p_value_{name}"] = np.where(within, p, np.nan)
    return out[list(ANOVA_COLUMNS)]
