"""Published results of a trial beside the same quantities computed from the analysed data.

For an analysis with ``published = "<trial>"`` (the trials of
:func:`lifestyle_trials.published_summaries`), every published summary (per-arm baseline
and follow-up means, changes, net changes against control) and every published P value is
matched with the same quantity computed the same way from the analysed trial: arithmetic
means of the subjects measured at both visits, mean changes with their SE, net changes and
P values from Welch t tests on the change (:func:`lifestyle_trials.summary_effects`), in the
published unit. A published outcome the data do not have is listed with the reason. Each
published P value also carries the verdict of :func:`lifestyle_trials.published_vs_recomputed`:
whether it can be reproduced from the published summaries themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..config import AnalysisConfig
from ..datasets.published import TRIALS, published_sources, published_summaries, published_tests
from ..errors import ConfigError
from ..models.summary import published_vs_recomputed, summary_effects
from ..trial import Trial
from ..units import INSULIN_PMOL_L_PER_UU_ML, convert_insulin

__all__ = ["MEASURES", "published_comparison", "trial_name"]

MEASURES: dict[str, dict[str, Any]] = {
    "insulin_resistance": {"column": "homa_ir", "unit": "1"},
    "fasting_insulin": {"column": "insulin", "unit": "pmol/L"},
    "fasting_glucose": {"column": "glucose", "unit": "mmol/L"},
    "systolic_bp_top_third": {"column": "sbp", "unit": "mmHg", "subgroup": "dbp_top_third"},
    "diastolic_bp_top_third": {"column": "dbp", "unit": "mmHg", "subgroup": "dbp_top_third"},
}
"""Published outcome → the column of the data it corresponds to, the published unit, and the
subgroup it was published for (top third of baseline diastolic pressure)."""

_NOT_IN_DATA = {
    "insulin_after_glucose_load": "no glucose tolerance test in these data",
}


def trial_name(config: AnalysisConfig) -> str:
    """The published trial the configuration names, as spelt in the package data."""
    wanted = str(config.published)
    for name in TRIALS:
        if name.lower() == wanted.lower():
            return name
    raise ConfigError(
        f"{config.file}: published: no published summaries of {wanted!r}; the trials are "
        f"{', '.join(TRIALS)}"
    )


def published_comparison(config: AnalysisConfig, trial: Trial, visit: float) -> dict[str, Any]:
    """Published summaries and P values beside the same quantities from ``trial``.

    Returns
    -------
    dict
        ``trial``, ``visit``, ``sources`` (source → citation, DOI), ``summaries`` (one entry
        per published summary row: outcome, quantity, arm, unit, source, the published
        ``mean``/``spread``/``spread_type``/decimals, and ``reanalysed`` with ``n, mean, sd,
        se`` or ``reason`` when it cannot be computed) and ``tests`` (one per published
        comparison: the published P, the verdict on it from the published summaries, and the
        re-analysed ``estimate, std_error, df, p_value, conf_low, conf_high``).
    """
    name = trial_name(config)
    summaries = published_summaries(name)
    tests = published_tests(name)
    sources = published_sources()
    sources = sources[sources["trial"] == name]
    verdicts = published_vs_recomputed()
    verdicts = verdicts[verdicts["trial"] == name]
    changes = _changes(trial, visit)

    rows = []
    for _, row in summaries.iterrows():
        rows.append(
            {
                "outcome": row["outcome"],
                "quantity": row["quantity"],
                "arm": row["arm"],
                "unit": row["unit"],
                "source": row["source"],
                "mean": row["mean"],
                "spread": row["spread"],
                "spread_type": row["spread_type"],
                "mean_decimals": row["mean_decimals"],
                "spread_decimals": row["spread_decimals"],
                "reanalysed": _reanalysed(row, changes, trial),
            }
        )
    test_rows = []
    for _, row in tests.iterrows():
        verdict = verdicts[
            (verdicts["outcome"] == row["outcome"]) & (verdicts["comparison"] == row["comparison"])
        ]
        test_rows.append(
            {
                "outcome": row["outcome"],
                "quantity": row["quantity"],
                "comparison": row["comparison"],
                "source": row["source"],
                "p_value": row["p_value"],
                "p_relation": row["p_relation"],
                "p_value_decimals": row["p_value_decimals"],
                "verdict": verdict["verdict"].iloc[0] if len(verdict) else "",
                "consistent_readings": verdict["consistent_readings"].iloc[0]
                if len(verdict)
                else "",
                "reanalysed": _test(row, changes, trial),
            }
        )
    return {
        "trial": name,
        "visit": float(visit),
        "insulin_factor": INSULIN_PMOL_L_PER_UU_ML,
        "sources": [
            {"source": s, "citation": c, "doi": d}
            for s, c, d in zip(sources["source"], sources["citation"], sources["doi"], strict=True)
        ],
        "summaries": rows,
        "tests": test_rows,
    }


def _changes(trial: Trial, visit: float) -> dict[str, pd.DataFrame]:
    """Per outcome: subjects measured at baseline and ``visit``, in the published units."""
    out: dict[str, pd.DataFrame] = {}
    subjects = trial.subjects().set_index("subject")
    base_dbp = None
    if "dbp" in trial.outcomes:
        wide = trial.wide("dbp")[trial.design.baseline]
        base_dbp = wide.to_numpy(dtype=float)
        cut = float(np.nanquantile(base_dbp, 2.0 / 3.0))
        top = pd.Series(base_dbp >= cut, index=wide.index)
    for spec in MEASURES.values():
        column = spec["column"]
        if column not in trial.outcomes or column in out:
            continue
        wide = trial.wide(column)
        frame = pd.DataFrame(
            {
                "arm": subjects.loc[wide.index, "arm"].astype(str).to_numpy(),
                "baseline": wide[trial.design.baseline].to_numpy(dtype=float),
                "follow_up": wide[visit].to_numpy(dtype=float) if visit in wide.columns else np.nan,
            },
            index=wide.index,
        )
        if column == "insulin" and trial.units.get("insulin") == "uU/mL":
            for col in ("baseline", "follow_up"):
                frame[col] = convert_insulin(frame[col].to_numpy(), "uU/mL", "pmol/L")
        frame = frame.dropna(subset=["baseline", "follow_up"])
        frame["change"] = frame["follow_up"] - frame["baseline"]
        if base_dbp is not None:
            frame["dbp_top_third"] = top.loc[frame.index].to_numpy()
        out[column] = frame
    return out


def _subset(outcome: str, changes: Mapping[str, pd.DataFrame]) -> pd.DataFrame | str:
    if outcome in _NOT_IN_DATA:
        return _NOT_IN_DATA[outcome]
    spec = MEASURES.get(outcome)
    if spec is None:
        return "no matching outcome in these data"
    frame = changes.get(spec["column"])
    if frame is None:
        return f"{spec['column']} is not in these data"
    if spec.get("subgroup"):
        if spec["subgroup"] not in frame.columns:
            return "the subgroup (top third of baseline diastolic pressure) needs dbp"
        frame = frame[frame[spec["subgroup"]]]
    return frame


def _summary(values: np.ndarray) -> dict[str, float | int]:
    n = int(values.size)
    sd = float(values.std(ddof=1)) if n > 1 else float("nan")
    return {
        "n": n,
        "mean": float(values.mean()) if n else float("nan"),
        "sd": sd,
        "se": sd / np.sqrt(n) if n > 1 else float("nan"),
    }


def _reanalysed(
    row: pd.Series, changes: Mapping[str, pd.DataFrame], trial: Trial
) -> dict[str, Any]:
    frame = _subset(row["outcome"], changes)
    if isinstance(frame, str):
        return {"reason": frame}
    arm = row["arm"]
    quantity = row["quantity"]
    if quantity in ("baseline", "follow_up", "change"):
        return _summary(frame.loc[frame["arm"] == arm, quantity].to_numpy(dtype=float))
    if quantity == "net_change":
        effect = _arm_contrasts(frame).get(f"{arm} vs control")
        return effect if effect is not None else {"reason": f"no {arm} or control subjects"}
    return {"reason": f"{quantity} is not computed"}


def _arm_contrasts(frame: pd.DataFrame) -> dict[str, dict[str, float]]:
    per_arm = frame.groupby("arm", sort=False)["change"].agg(["mean", "std", "size"])
    per_arm = per_arm[per_arm["size"] >= 2].reset_index()
    if "control" not in set(per_arm["arm"]):
        return {}
    table = per_arm.rename(columns={"std": "sd", "size": "n"})
    effects = summary_effects(table, contrasts="arms")
    cols = ["estimate", "std_error", "df", "p_value", "conf_low", "conf_high"]
    return {
        t: {c: float(r[c]) for c in cols}
        for t, (_, r) in zip(effects["term"], effects.iterrows(), strict=True)
    }


def _test(row: pd.Series, changes: Mapping[str, pd.DataFrame], trial: Trial) -> dict[str, Any]:
    frame = _subset(row["outcome"], changes)
    if isinstance(frame, str):
        return {"reason": frame}
    effect = _arm_contrasts(frame).get(str(row["comparison"]))
    return effect if effect is not None else {"reason": "the arms are not in these data"}
