"""The "Primary analysis" section: the ANCOVA effects, adjusted means and interaction plot."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import alt_text
from .. import format as fmt
from ..blocks import Cell, Items, Paragraph, Row, Section, Table
from ..context import Context
from ..model_text import adjusts_for_baseline, ancova_line, ancova_set, estimand_items
from .common import Block, add, effect_cells, scale_note, table, truth_of, truth_text

__all__ = ["primary_section"]


def primary_section(ctx: Context) -> Section:
    """The primary analysis: effects, adjusted means by arm and, for factorial trials, by factor.

    Returns
    -------
    Section
        Section ``primary``: a paragraph on the analysis; the effects table (estimate with
        95% CI, % change for ratios, P, true value for simulated data; with the arm estimand,
        the interaction marked †); the adjusted means by arm; with the factorial estimand the
        means by factor level; for a factorial design the interaction plot.
    """
    n = ctx.numbers
    p = n["primary"]
    log, outcome = p["log"], p["outcome"]
    truth = truth_of(ctx, outcome)
    unit = ctx.diff_unit(outcome)
    columns = [
        "Effect",
        "Ratio (95% CI)" if log else f"Difference (95% CI){', ' + unit if unit else ''}",
    ]
    if log:
        columns.append("Change")
    columns.append("P")
    analysed = (truth or {}).get("analysed") or {}
    if truth:
        columns.append("True value")
    if analysed:
        columns.append("True, completers")
    body = []
    for e in p["effects"]:
        cells = [Cell(ctx.term(e["term"])), *effect_cells(ctx, e, log, outcome)]
        if truth:
            cells.append(Cell(truth_text(truth.get(e["term"]), log, ctx.decimals(outcome)), "num"))
        if analysed:
            value = analysed.get(e["term"])
            cells.append(Cell(truth_text(value, log, ctx.decimals(outcome)), "num"))
        body.append(Row(cells))
    if p["estimand"] != "factorial" and p.get("interaction"):
        for e in p["interaction"]:
            body.append(
                Row([Cell(ctx.term(e["term"]) + " †"), *effect_cells(ctx, e, log, outcome)])
            )
    notes = [scale_note(log, ctx.var(outcome)), "Model: " + ancova_line(ctx, p)]
    if p["estimand"] == "factorial":
        notes.append(
            "Main effects average the effect of one factor over both levels of the "
            "other with equal weights; the interaction is (D+E − E) − (D − C). The "
            "estimand was fixed before the analysis, not chosen from the interaction "
            "test."
        )
    if truth:
        notes.append(
            "True value: the effect the simulation was generated with, over all randomised "
            "subjects."
            + (
                " True, completers: the same contrast over the subjects observed at the "
                "visit, the population this analysis can include; the two differ when "
                "dropout depends on the outcome (on the natural scale of a multiplicative "
                "outcome, even when it depends on baseline only)."
                if analysed
                else ""
            )
        )
    at = ctx.at_visit(p["visit"])
    model = "ANCOVA" if adjusts_for_baseline(p) else "linear model"
    blocks: list[Block] = [
        Paragraph("Estimand of the primary analysis (ICH E9(R1)):"),
        Items(estimand_items(ctx), "estimand"),
        table(
            ctx,
            f"Primary analysis: effects on {ctx.var(outcome)} {at} "
            f"({'ratios' if log else 'differences'} with 95% CI, P; {model}); analysis set: "
            f"{sum(p['n_analysed'].values())} randomised subjects {ancova_set(ctx, p)}.",
            columns,
            body,
            notes,
        ),
    ]
    kind = "geometric mean" if log else "mean"
    d = ctx.decimals(outcome)
    blocks.append(_arm_means(ctx, p, kind, d))
    if p["estimand"] == "factorial" and p["factor_means"]:
        blocks.append(_factor_means(ctx, p, kind, d))
    if n["design"]["factorial"]:
        add(
            blocks,
            ctx.figure(
                "interaction",
                f"Interaction plot: adjusted {kind}s of {ctx.var(outcome)} {at} (95% CI) by "
                "exercise and diet, from the primary ANCOVA (same analysis set). Parallel lines "
                "mean no interaction on the analysis scale" + (" (log)." if log else "."),
                alt_text.interaction(ctx),
            ),
        )
    return Section("primary", "Primary analysis", blocks)


def _arm_means(ctx: Context, p: Mapping[str, Any], kind: str, d: int) -> Table:
    """Adjusted means (``kind``: "mean" or "geometric mean") by arm, with ``d`` decimals."""
    body = [
        Row(
            [
                Cell(ctx.arm(m["arm"])),
                Cell(str(m["n"]), "num"),
                Cell(fmt.estimate_ci(m["mean"], m["conf_low"], m["conf_high"], d), "num"),
            ]
        )
        for m in p["means"]
        if m["arm"] in ctx.numbers["design"]["arms"]
    ]
    return table(
        ctx,
        f"Adjusted {kind}s of {ctx.var_unit(p['outcome'])} {ctx.at_visit(p['visit'])} by arm "
        "(95% CI), from the primary ANCOVA; analysis set as in the primary analysis.",
        ["Arm", "n analysed", f"Adjusted {kind} (95% CI)"],
        body,
        ["Marginal means from the primary model, baseline at its mean."],
    )


def _factor_means(ctx: Context, p: Mapping[str, Any], kind: str, d: int) -> Table:
    """Adjusted means by factor level beside the main effect: the factorial results table."""
    effects = {e["term"]: e for e in p["effects"]}
    body = []
    for factor in ("diet", "exercise"):
        levels = {m["level"]: m for m in p["factor_means"] if m["factor"] == factor}
        e = effects[factor]
        cells = [Cell(ctx.term(factor).replace(" (main effect)", ""))]
        for level in (0, 1):
            m = levels[level]
            cells.append(Cell(fmt.estimate_ci(m["mean"], m["conf_low"], m["conf_high"], d), "num"))
        cells += [
            Cell(ctx.effect(e, p["log"], p["outcome"]), "num"),
            Cell(fmt.p_value(e["p_value"]), "num"),
        ]
        body.append(Row(cells))
    inter = effects.get("diet:exercise")
    label = "Ratio" if p["log"] else "Difference"
    notes = [
        f"{kind.capitalize()}s of each factor level averaged over the other factor with equal "
        f"weights; {label.lower()}: yes vs no, as in the primary analysis."
    ]
    if inter is not None:
        shown = ctx.effect(inter, p["log"], p["outcome"])
        notes.append(f"Interaction: {shown}, {fmt.p_text(inter['p_value'])}.")
    return table(
        ctx,
        f"Factorial results: adjusted {kind}s of {ctx.var_unit(p['outcome'])} by factor level "
        "and the main effects (95% CI), from the primary ANCOVA; analysis set as in the "
        "primary analysis.",
        ["Factor", "No (95% CI)", "Yes (95% CI)", f"{label} (95% CI)", "P"],
        body,
        notes,
    )
