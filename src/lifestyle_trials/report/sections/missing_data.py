"""The "Missing data" section: the estimand, the pattern of missing values, the primary
analysis beside multiple imputation under MAR, jump to reference and copy reference, and
the tipping point."""

from __future__ import annotations

from ..blocks import Cell, Paragraph, Row, Section
from ..context import Context
from .common import Block, effect_cell, scale_note, table

__all__ = ["missing_data_section"]

_SET = "randomised subjects with a baseline value"


def missing_data_section(ctx: Context) -> Section | None:
    """The primary outcome's missing values and how the effects move with the assumption.

    Returns
    -------
    Section or None
        Section ``missing_data`` (None when numbers.json has no ``missing_data``; one
        sentence when no follow-up value is missing): the estimand in ICH E9(R1) terms, a
        table of missing values by arm and visit, a table of the effects under each
        assumption, a table of the tipping point of each effect and its figure.
    """
    m = ctx.numbers.get("missing_data")
    if not m:
        return None
    if m.get("n_missing") == 0:
        text = (
            f"No follow-up value of {ctx.var(m['outcome'])} is missing: every analysis uses "
            "every randomised subject with a baseline value, and no imputation or sensitivity "
            "analysis for missing data is needed."
        )
        return Section("missing_data", "Missing data", [Paragraph(text)])
    if "error" in m:
        why = f"Multiple imputation of the primary outcome could not be done: {m['error']}"
        return Section("missing_data", "Missing data", [Paragraph(why, "note")])
    outcome = ctx.var(m["outcome"])
    visit = ctx.at_visit(m["visit"])
    log = m["log"]
    names = {
        "JR": "jump to reference",
        "CR": "copy reference",
        "CIR": "copy increments in reference",
    }
    others = " and ".join(names[a["key"]] for a in m["analyses"] if a["key"] in names)
    blocks: list[Block] = [
        Paragraph(
            f"Estimand (ICH E9(R1)): the population randomised; the variable {outcome} "
            f"{visit}; intercurrent event: leaving the study, handled by imputing the values "
            "not measured under each assumption below (a hypothetical strategy under MAR"
            + (f", reference-based under {others}" if others else "")
            + "); summary measure: the difference of adjusted means"
            + (" on the log scale (ratio of geometric means)." if log else ".")
        )
    ]
    visits = sorted({p["visit"] for p in m["pattern"]})
    arms = list(dict.fromkeys(p["arm"] for p in m["pattern"]))
    by = {(p["arm"], p["visit"]): p for p in m["pattern"]}
    body = [
        Row(
            [Cell(ctx.arm(a)), Cell(str(by[(a, visits[0])]["n"]), "num")]
            + [Cell(str(by[(a, v)]["missing"]), "num") for v in visits]
        )
        for a in arms
    ]
    blocks.append(
        table(
            ctx,
            f"Missing values of {outcome} by arm and visit; analysis set: {_SET}.",
            ["Arm", "With a baseline value", *[ctx.visit(v) for v in visits]],
            body,
            [m["strategy_note"]],
        )
    )
    terms = [e["term"] for e in m["analyses"][0]["effects"]]
    rows = []
    for a in m["analyses"]:
        effects = {e["term"]: e for e in a["effects"]}
        rows.append(
            Row(
                [Cell(a["label"])]
                + [
                    effect_cell(ctx, effects[t], log, m["outcome"]) if t in effects else Cell("–")
                    for t in terms
                ],
                "emph" if a["key"] == "complete_case" else "",
            )
        )
    blocks.append(
        table(
            ctx,
            f"Effects on {outcome} {visit} under each assumption about the missing values; "
            f"analysis set: {_SET} (the primary analysis: those measured {visit}).",
            ["Analysis", *[ctx.term(t) for t in terms]],
            rows,
            [scale_note(log, outcome), f"Imputation: {m['method']}."],
        )
    )
    tip_rows = []
    for point in m["tipping"]["points"]:
        delta = point["delta"]
        tip_rows.append(
            Row(
                [
                    Cell(ctx.term(point["term"])),
                    Cell("not within the grid" if delta is None else f"{delta:.3g}", "num"),
                ]
            )
        )
    shifted = ", ".join(ctx.arm(a) for a in m["tipping"]["arms"])
    blocks.append(
        table(
            ctx,
            f"Tipping point: the shift of the imputed values of {outcome} ({shifted}) at which "
            f"each effect's conclusion at the 5% level changes; analysis set: {_SET}.",
            ["Effect", "Shift (delta)"],
            tip_rows,
            [
                "Deltas are added to every imputed value of the shifted arms, under MAR, "
                + ("on the log scale." if log else "in the outcome's units.")
            ],
        )
    )
    figure = ctx.figure(
        "tipping_point",
        f"Tipping point: the P value of each effect on {outcome} {visit} as the imputed values "
        f"of {shifted} move; dashed line at 0.05, a point where the conclusion changes; "
        f"analysis set: {_SET}.",
        "Line chart of P values against the shift added to imputed values, one line per "
        "effect, with the 0.05 level marked.",
    )
    if figure is not None:
        blocks.append(figure)
    return Section("missing_data", "Missing data", blocks)
