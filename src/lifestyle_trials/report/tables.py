"""The report's tables as data (full precision), one DataFrame per table, from numbers.json.

These are written as ``reports/<id>/tables/<name>.csv`` for reviewers who want the numbers
in a spreadsheet; the HTML shows the same tables formatted. Each table has one clear grain,
named in :data:`TABLES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

__all__ = ["TABLES", "report_tables"]

TABLES: dict[str, str] = {
    "flow": "one row per arm: randomised, measured at each visit, lost, excluded, analysed",
    "table1": "one row per baseline variable (and level) and arm",
    "means_by_visit": "one row per outcome, arm and visit: observed mean and 95% CI",
    "primary_effects": "one row per effect of the primary analysis",
    "primary_means": "one row per arm: adjusted mean of the primary analysis",
    "secondary_effects": "one row per secondary outcome and factorial effect",
    "arms_vs_control": "one row per outcome and arm compared with control",
    "mmrm_effects": "one row per factorial effect and visit of the MMRM",
    "mmrm_means": "one row per arm and visit: MMRM adjusted mean",
    "mixed_anova": "one row per term of the mixed ANOVA",
    "sensitivity": "one row per analysis and effect of the primary outcome",
    "published": "one row per published figure beside the re-analysed one",
    "exclusions": "one row per reason subjects or rows were set aside",
}
"""Name → grain of every table the step can write (those with no rows are not written)."""


def report_tables(numbers: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    """The tables of one analysis, in :data:`TABLES` order, leaving out empty ones."""
    made: dict[str, pd.DataFrame] = {}
    flow_rows = []
    for f in numbers["flow"]["arms"]:
        row = {"arm": f["arm"], "randomised": f["allocated"]}
        row.update({f"measured_visit_{m['visit']:g}": m["n"] for m in f["measured"]})
        row.update(
            {
                "lost_to_follow_up": sum(r["n"] for r in f["lost"]),
                "discontinued": sum(r["n"] for r in f["discontinued"]),
                "excluded_from_analysis": sum(r["n"] for r in f["excluded"]),
                "analysed": f["analysed"],
            }
        )
        flow_rows.append(row)
    made["flow"] = pd.DataFrame(flow_rows)
    made["table1"] = pd.DataFrame(numbers["table1"])
    made["means_by_visit"] = pd.DataFrame(numbers["by_visit"])
    primary = numbers.get("primary")
    if primary:
        made["primary_effects"] = _effects([primary], numbers)
        made["primary_means"] = pd.DataFrame(primary["means"])
        made["secondary_effects"] = _effects(numbers["secondary"], numbers)
        if primary["estimand"] == "factorial":
            made["arms_vs_control"] = _effects(numbers["arms"], numbers)
        made["sensitivity"] = pd.DataFrame(
            [
                {
                    "analysis": r["key"],
                    "model": r["model"],
                    "n_analysed": r["n_analysed"],
                    "visit": r["visit"],
                    **e,
                }
                for r in numbers["sensitivity"]
                for e in r["effects"]
            ]
        )
    anova = numbers.get("mixed_anova")
    if anova:
        made["mixed_anova"] = pd.DataFrame(anova["table"])
    pub = numbers.get("published")
    if pub:
        made["published"] = pd.DataFrame(
            [
                {
                    "trial": pub["trial"],
                    "kind": "summary",
                    "outcome": r["outcome"],
                    "quantity": r["quantity"],
                    "arm": r["arm"],
                    "unit": r["unit"],
                    "source": r["source"],
                    "published_mean": r["mean"],
                    "published_spread": r["spread"],
                    "published_spread_type": r["spread_type"],
                    **{f"reanalysed_{k}": v for k, v in r["reanalysed"].items()},
                }
                for r in pub["summaries"]
            ]
            + [
                {
                    "trial": pub["trial"],
                    "kind": "test",
                    "outcome": t["outcome"],
                    "quantity": t["quantity"],
                    "arm": t["comparison"],
                    "source": t["source"],
                    "published_p": t["p_value"],
                    "published_p_relation": t["p_relation"],
                    "verdict": t["verdict"],
                    **{f"reanalysed_{k}": v for k, v in t["reanalysed"].items()},
                }
                for t in pub["tests"]
            ]
        )
    mmrm = numbers.get("mmrm")
    if mmrm:
        made["mmrm_effects"] = pd.DataFrame(mmrm["effects"])
        made["mmrm_means"] = pd.DataFrame(mmrm["means"])
    exclusions = [
        {
            "step": e["step"],
            "reason": e["reason"],
            "column": e["column"],
            "n": e["n"],
            **{f"n_{arm}": k for arm, k in e["n_by_arm"].items()},
            "subjects": " ".join(e["subjects"]),
        }
        for e in _all_exclusions(numbers)
    ]
    if exclusions:
        made["exclusions"] = pd.DataFrame(exclusions)
    return {name: made[name] for name in TABLES if name in made and len(made[name])}


def _effects(fits: list[Mapping[str, Any]], numbers: Mapping[str, Any]) -> pd.DataFrame:
    """Effects of several outcomes in one table: outcome, unit, log, then the effect columns."""
    units = numbers["design"]["units"]
    rows = [
        {"outcome": f["outcome"], "unit": units.get(f["outcome"], ""), "log": f["log"], **e}
        for f in fits
        for e in f["effects"]
    ]
    return pd.DataFrame(rows)


def _all_exclusions(numbers: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    out: list[Mapping[str, Any]] = []
    for key in ("primary", "mmrm"):
        part = numbers.get(key)
        if part:
            out.extend(part.get("exclusions", []))
    return out
