"""The "Sensitivity analyses" section: the primary effects under each estimand and method."""

from __future__ import annotations

from .. import alt_text
from ..blocks import Cell, Row, Section
from ..context import Context
from .common import Block, add, effect_cell, scale_note, table

__all__ = ["SENSITIVITY_LABELS", "sensitivity_section"]

SENSITIVITY_LABELS: dict[str, str] = {
    "primary": "ANCOVA (primary)",
    "margins": "ANCOVA at the margins (no interaction term)",
    "arms": "ANCOVA, four-arm model",
    "change": "Change from baseline (no adjustment)",
    "followup": "Follow-up value only",
    "mmrm": "MMRM, all subjects with a baseline",
}
"""Names of the sensitivity analyses of numbers.json (``key``), in the table and forest plot."""


def sensitivity_section(ctx: Context) -> Section:
    """The primary outcome's effects under each analysis, as a table and a forest plot.

    Returns
    -------
    Section
        Section ``sensitivity``: a table with one row per analysis that estimates a primary
        effect (n analysed, each effect with its CI and P value; the primary analysis
        emphasised), notes on how the analyses differ, and the forest plot.
    """
    n = ctx.numbers
    log = n["primary"]["log"]
    outcome_name = n["primary"]["outcome"]
    terms = [e["term"] for e in n["primary"]["effects"]]
    rows = [r for r in n["sensitivity"] if {e["term"] for e in r["effects"]} & set(terms)]
    columns = ["Analysis", "n", *[ctx.term(t) for t in terms]]
    body = []
    forest_rows = []
    for r in rows:
        label = SENSITIVITY_LABELS.get(r["key"], r["key"])
        cells = [Cell(label), Cell(str(r["n_analysed"]), "num")]
        by_term = {e["term"]: e for e in r["effects"]}
        for t in terms:
            e = by_term.get(t)
            if e is None:
                cells.append(Cell("–", "num"))
            else:
                cells.append(effect_cell(ctx, e, log, n["primary"]["outcome"]))
                forest_rows.append((ctx.term(t), label, ctx.effect(e, log, outcome_name)))
        body.append(Row(cells, "emph" if r["key"] == "primary" else ""))
    outcome = ctx.var(n["primary"]["outcome"])
    visit = ctx.at_visit(n["primary"]["visit"])
    notes = [scale_note(log, outcome)]
    if n["design"]["factorial"]:
        notes.append(
            "Margins vs factorial vs arms: the same data under the three estimands of a "
            "factorial trial (McAlister et al. 2003; Kahan et al. 2020). The margins model "
            "assumes no interaction; the four-arm model's comparisons of each arm with control "
            "are in the section Arms compared with control."
        )
    notes.append(
        "ANCOVA vs change score vs follow-up only: ANCOVA is the more precise and is unbiased "
        "whatever the baseline imbalance (Vickers & Altman 2001); the others are shown because "
        "published trials often used them."
    )
    if any(r["key"] == "mmrm" for r in rows):
        notes.append(
            f"Completers vs MMRM: the ANCOVA uses the subjects measured {visit} "
            "(completers); the MMRM also uses subjects who dropped out after an "
            "earlier visit."
        )
    blocks: list[Block] = [
        table(
            ctx,
            f"Sensitivity analyses of {outcome} {visit}: the primary effects under each "
            "analysis (95% CI, P); analysis set of each in the column n.",
            columns,
            body,
            notes,
        )
    ]
    add(
        blocks,
        ctx.figure(
            "forest_primary",
            f"Forest plot: effects on {outcome} {visit} under each analysis (95% CI; analysis "
            "set of each as in the table above), one panel per effect on a shared axis; the "
            "vertical line marks no effect.",
            alt_text.forest(
                forest_rows,
                "ratio of geometric means, log scale" if log else "difference in means",
                "1" if log else "0",
            ),
        ),
    )
    return Section("sensitivity", "Sensitivity analyses", blocks)
