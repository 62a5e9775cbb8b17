"""Descriptive statistics of a trial: baseline characteristics, means by arm and visit, counts.

Plain functions of a Trial that return tidy DataFrames at full precision (one row per arm
and variable, or per arm, visit and outcome). Nothing here formats or rounds: that is the
report's job.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..trial import Trial

__all__ = ["OVERALL", "baseline_table", "by_visit", "visit_counts"]

OVERALL = "all"
"""Label of the all-subjects column of the baseline table."""


def _groups(trial: Trial, frame: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    arms = [(a, frame[frame["arm"] == a]) for a in trial.design.arms]
    return [*arms, (OVERALL, frame)]


def baseline_table(
    trial: Trial, variables: Sequence[str], median_iqr: Iterable[str] = ()
) -> pd.DataFrame:
    """Baseline characteristics by arm and overall (Table 1).

    Numeric variables get n, mean, SD, median and quartiles (``summary`` says which the
    report shows: ``"mean_sd"``, or ``"median_iqr"`` for the variables in ``median_iqr``).
    Text variables and numeric ones with two values get one row per level with the count and
    percentage of subjects with a known value (``summary = "n_pct"``).

    Subject-level covariates are taken once per subject; outcomes at the baseline visit.

    Parameters
    ----------
    trial : Trial
    variables : sequence of str
        Covariates or outcomes, in the order of the rows.
    median_iqr : iterable of str
        Numeric variables summarised by median [IQR].

    Returns
    -------
    DataFrame
        Columns ``variable, level, summary, arm, n, n_missing, mean, sd, median, q1, q3,
        count, percent``; ``level`` is "" for numeric variables, ``count``/``percent`` are NaN
        for them and the moments NaN for levels.

    Examples
    --------
    >>> import lifestyle_trials as lt
    >>> t = baseline_table(lt.simulate_odes(seed=1), ["age", "sex"])
    >>> print(t[t["arm"] == "all"][["variable", "level", "n", "count"]].to_string(index=False))
    variable level   n  count
         age       219    NaN
         sex     F 219   21.0
         sex     M 219  198.0
    """
    base = trial.data[trial.data["visit"] == trial.design.baseline]
    subjects = trial.subjects().set_index("subject")
    skewed = set(median_iqr)
    rows: list[dict[str, object]] = []
    for var in variables:
        if var in trial.covariates:
            frame = subjects.reset_index()[["subject", "arm", var]]
        else:
            trial.require_outcome(var)
            frame = base[["subject", "arm", var]]
        values = frame[var]
        numeric = pd.api.types.is_numeric_dtype(values.dtype)
        levels = pd.unique(values.dropna())
        if numeric and len(levels) > 2:
            summary = "median_iqr" if var in skewed else "mean_sd"
            for arm, part in _groups(trial, frame):
                x = part[var].to_numpy(dtype=float)
                rows.append(
                    {"variable": var, "level": "", "summary": summary, "arm": arm, **_numeric(x)}
                )
        else:
            ordered = sorted(levels, key=lambda v: (str(type(v)), v))
            for arm, part in _groups(trial, frame):
                known = part[var].dropna()
                for level in ordered:
                    count = int((known == level).sum())
                    rows.append(
                        {
                            "variable": var,
                            "level": _level(level),
                            "summary": "n_pct",
                            "arm": arm,
                            "n": len(known),
                            "n_missing": int(part[var].isna().sum()),
                            "count": count,
                            "percent": 100.0 * count / len(known) if len(known) else np.nan,
                        }
                    )
    columns = [
        "variable",
        "level",
        "summary",
        "arm",
        "n",
        "n_missing",
        "mean",
        "sd",
        "median",
        "q1",
        "q3",
        "count",
        "percent",
    ]
    return pd.DataFrame(rows).reindex(columns=columns)


def _level(value: object) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _numeric(x: np.ndarray) -> dict[str, float | int]:
    finite = x[np.isfinite(x)]
    n = finite.size
    out: dict[str, float | int] = {"n": int(n), "n_missing": int(x.size - n)}
    if n == 0:
        return out | dict.fromkeys(("mean", "sd", "median", "q1", "q3"), np.nan)
    q1, median, q3 = np.quantile(finite, [0.25, 0.5, 0.75])
    return out | {
        "mean": float(finite.mean()),
        "sd": float(finite.std(ddof=1)) if n > 1 else np.nan,
        "median": float(median),
        "q1": float(q1),
        "q3": float(q3),
    }


def by_visit(
    trial: Trial, outcomes: Sequence[str], log: Iterable[str] = (), level: float = 0.95
) -> pd.DataFrame:
    """Observed means by arm and visit with t-based confidence intervals.

    For outcomes in ``log`` the summary is on the log scale and back-transformed: the
    geometric mean with its interval (``exp`` of the mean log value ± t × SE).

    Returns
    -------
    DataFrame
        Columns ``outcome, arm, visit, n, mean, sd, se, conf_low, conf_high, geometric``
        (``geometric`` True when mean and limits are geometric); one row per outcome, arm and
        visit, in design order.

    Examples
    --------
    >>> import lifestyle_trials as lt
    >>> m = by_visit(lt.simulate_odes(seed=1), ["homa_ir"], log=["homa_ir"])
    >>> print(m[["arm", "visit", "n"]].to_string(index=False))
              arm  visit  n
          control    0.0 43
          control   12.0 37
             diet    0.0 55
             diet   12.0 45
         exercise    0.0 54
         exercise   12.0 48
    diet+exercise    0.0 67
    diet+exercise   12.0 58
    """
    logged = set(log)
    rows = []
    data = trial.data
    for outcome in outcomes:
        trial.require_outcome(outcome)
        for arm in trial.design.arms:
            part = data[data["arm"] == arm]
            for visit in trial.design.visits:
                x = part.loc[part["visit"] == visit, outcome].to_numpy(dtype=float)
                x = x[np.isfinite(x)]
                geometric = outcome in logged
                if geometric:
                    x = np.log(x)
                n = x.size
                mean = float(x.mean()) if n else np.nan
                sd = float(x.std(ddof=1)) if n > 1 else np.nan
                se = sd / np.sqrt(n) if n > 1 else np.nan
                crit = float(stats.t.ppf(0.5 + level / 2, n - 1)) if n > 1 else np.nan
                low, high = mean - crit * se, mean + crit * se
                if geometric:
                    mean, low, high = np.exp(mean), np.exp(low), np.exp(high)
                rows.append(
                    {
                        "outcome": outcome,
                        "arm": arm,
                        "visit": float(visit),
                        "n": int(n),
                        "mean": mean,
                        "sd": sd,
                        "se": se,
                        "conf_low": low,
                        "conf_high": high,
                        "geometric": geometric,
                    }
                )
    return pd.DataFrame(rows)


def visit_counts(trial: Trial, outcome: str) -> pd.DataFrame:
    """Subjects per arm with a value of ``outcome`` at each visit, and with any after baseline.

    Returns
    -------
    DataFrame
        Columns ``arm, randomised, visit, measured``; one row per arm and visit, plus a row
        per arm with ``visit`` NaN counting subjects measured at any post-baseline visit.
    """
    wide = trial.wide(outcome)
    arms = trial.subjects().set_index("subject").loc[wide.index, "arm"]
    seen = wide.notna()
    post = list(trial.design.post_baseline)
    rows = []
    for arm in trial.design.arms:
        mine = seen[(arms == arm).to_numpy()]
        randomised = int(trial.design.arm_sizes[arm])
        for visit in trial.design.visits:
            rows.append(
                {
                    "arm": arm,
                    "randomised": randomised,
                    "visit": float(visit),
                    "measured": int(mine[visit].sum()),
                }
            )
        rows.append(
            {
                "arm": arm,
                "randomised": randomised,
                "visit": np.nan,
                "measured": int(mine[post].any(axis=1).sum()) if post else 0,
            }
        )
    return pd.DataFrame(rows)
