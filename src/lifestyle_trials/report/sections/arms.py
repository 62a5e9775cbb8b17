"""The "Arms compared with control" section of factorial analyses."""

from __future__ import annotations

from ..blocks import Cell, Row, Section
from ..context import Context
from .common import effect_cell, table

__all__ = ["arms_section"]


def arms_section(ctx: Context) -> Section | None:
    """Each arm compared with control, for every outcome, when the estimand is factorial.

    Returns
    -------
    Section or None
        Section ``arms``: a table with one row per outcome and a column per arm (effect,
        95% CI and P value); None when the primary analysis already compares each arm with
        control.
    """
    n = ctx.numbers
    if n["primary"]["estimand"] != "factorial":
        return None
    terms = [e["term"] for e in n["arms"][0]["effects"]]
    columns = ["Outcome", *[ctx.term(t) for t in terms]]
    body = []
    for a in n["arms"]:
        label = ctx.var_diff_unit(a["outcome"], a["log"]) + (" ‡" if a["log"] else "")
        body.append(
            Row([Cell(label), *[effect_cell(ctx, e, a["log"], a["outcome"]) for e in a["effects"]]])
        )
    logged = any(a["log"] for a in n["arms"])
    notes = [
        "Each arm minus control: adjusted mean differences "
        + ("(‡ ratios of geometric means) " if logged else "")
        + f"from the ANCOVA {ctx.at_visit(n['primary']['visit'])}, with 95% CIs and "
        "unadjusted P values."
    ]
    if n["design"]["factorial"]:
        notes.append(
            "The four arms analysed inside the table (Montgomery et al. 2003): "
            "contrasts of the adjusted cell means of the model with interaction."
        )
    return Section(
        "arms",
        "Arms compared with control",
        [
            table(
                ctx,
                f"Each arm compared with control {ctx.at_visit(n['primary']['visit'])}: "
                "ANCOVA of every outcome (95% CI, P); analysis set: subjects with both values.",
                columns,
                body,
                notes,
            )
        ],
    )
