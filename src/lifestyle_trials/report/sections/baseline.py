"""The "Baseline characteristics" section: Table 1, by arm and for all subjects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import format as fmt
from .. import labels as lab
from ..blocks import Cell, Row, Section
from ..context import Context
from .common import table

__all__ = ["baseline_section"]


def baseline_section(ctx: Context) -> Section:
    """Table 1: baseline values of all randomised subjects by arm.

    Returns
    -------
    Section
        Section ``baseline``: one table with a column per arm and one for all subjects; a
        row per continuous variable (mean ± SD or median [IQR], as configured), and a group
        of rows per categorical variable (n (%) of each level), with the missing counts in
        the notes.
    """
    n = ctx.numbers
    arms = [*n["design"]["arms"], "all"]
    sizes = {**n["design"]["arm_sizes"], "all": n["design"]["n_subjects"]}
    head = [
        Row(
            [Cell("Characteristic")]
            + [
                Cell(f"{ctx.arm(a) if a != 'all' else 'All'}", "num", sub=f"n = {sizes[a]}")
                for a in arms
            ]
        )
    ]
    rows: dict[tuple[str, str], dict[str, Mapping[str, Any]]] = {}
    for r in n["table1"]:
        rows.setdefault((r["variable"], r["level"]), {})[r["arm"]] = r
    body = []
    seen_group: set[str] = set()
    missing_notes = []
    for (var, level), cells in rows.items():
        first = cells[arms[-1]]
        if first["summary"] == "n_pct":
            if var not in seen_group:
                seen_group.add(var)
                body.append(
                    Row([Cell(f"{ctx.var(var)}, n (%)", "group", colspan=len(arms) + 1)], "group")
                )
            label = Cell(lab.level_label(var, level), "indent")
            values = [Cell(fmt.n_pct(cells[a]["count"], cells[a]["percent"]), "num") for a in arms]
        else:
            how = "median [IQR]" if first["summary"] == "median_iqr" else "mean ± SD"
            unit = ctx.unit(var)
            label = Cell(f"{ctx.var(var)}{', ' + unit if unit else ''}, {how}")
            d = (
                fmt.decimals_for(first["sd"])
                if first["summary"] == "mean_sd"
                else fmt.decimals_for((first["q3"] - first["q1"]) / 1.349)
            )
            show = fmt.mean_sd if first["summary"] == "mean_sd" else fmt.median_iqr
            values = [Cell(show(cells[a], d), "num") for a in arms]
        missing = first.get("n_missing") or 0
        if missing:
            missing_notes.append(f"{ctx.var(var)}: {missing} missing")
        body.append(Row([label, *values]))
    notes = [
        "Baseline values of all randomised subjects. Mean ± SD for roughly symmetric "
        "variables, median [interquartile range] for skewed ones (chosen in the analysis "
        "configuration), n (%) for categories."
    ]
    if missing_notes:
        notes.append("Missing at baseline: " + "; ".join(missing_notes) + ".")
    return Section(
        "baseline",
        "Baseline characteristics",
        [
            table(
                ctx,
                "Baseline characteristics by arm; analysis set: all randomised subjects.",
                [],
                body,
                notes,
                head=head,
            )
        ],
    )
