"""The "Participant flow" section (the CONSORT 2010 diagram) and the follow-up table.

The diagram comes first (Figure 1), as in a journal; the table of follow-up by arm and
visit (:func:`followup_section`) comes after Table 1, the baseline characteristics.
"""

from __future__ import annotations

from .. import alt_text
from ..blocks import Cell, Paragraph, Row, Section
from ..consort_text import consort_boxes
from ..context import Context
from ..model_text import ancova_set
from .common import Block, add, table

__all__ = ["flow_section", "followup_section"]


def flow_section(ctx: Context) -> Section:
    """The participant flow: the CONSORT 2010 diagram and a sentence on what it counts.

    Returns
    -------
    Section
        Section ``flow``: the flow figure (when drawn) and a paragraph saying where the
        counts come from (and that enrolment is not reported when the source does not).
    """
    n = ctx.numbers
    flow = n["flow"]
    primary = ctx.var(n["outcomes"]["primary"])
    at = ctx.at_visit(n["outcomes"]["visit"])
    blocks: list[Block] = []
    add(
        blocks,
        ctx.figure(
            "flow",
            "CONSORT 2010 flow diagram: enrolment, allocation, follow-up and analysis of "
            f"each arm, for the primary analysis of {primary} {at} (analysis set: "
            f"randomised subjects {ancova_set(ctx, n['primary'])}).",
            alt_text.flow(ctx),
        ),
    )
    words = [
        f"Counts are read from the data: lost to follow-up means {_lost_words(ctx)} "
        "(with the last visit attended); excluded from analysis means randomised but not "
        "in the primary analysis, with the reason worked out for each subject."
    ]
    if flow["enrolment"]["assessed"] is None:
        words.append(
            "The source does not report how many were assessed for eligibility"
            + (" (the data are simulated)." if n["analysis"]["source_kind"] == "simulate" else ".")
        )
    if not flow.get("disposition"):
        words.append(
            "The data do not record receipt or discontinuation of the intervention "
            "(no disposition), so those boxes say not recorded."
        )
    blocks.append(Paragraph(" ".join(words), "note"))
    return Section("flow", "Participant flow", blocks)


def followup_section(ctx: Context) -> Section:
    """Follow-up by arm and visit: randomised, measured at each visit, lost, analysed.

    Returns
    -------
    Section
        Section ``followup``: a table with one row per arm and a total row.
    """
    n = ctx.numbers
    post = n["design"]["post_baseline"]
    primary = ctx.var(n["outcomes"]["primary"])
    columns = [
        "Arm",
        "Randomised",
        *[f"Measured, {ctx.visit(v)}" for v in post],
        "Lost to follow-up",
        "Excluded from analysis",
        "Analysed (primary)",
    ]
    boxes = {b["arm"]: b for b in consort_boxes(n["flow"], ctx.arm)["arms"]}
    body = []
    totals = [0] * (len(post) + 4)
    for f in n["flow"]["arms"]:
        measured = {m["visit"]: m["n"] for m in f["measured"]}
        lost = sum(r["n"] for r in f["lost"])
        excluded = sum(r["n"] for r in f["excluded"])
        values = [f["allocated"], *[measured.get(v, 0) for v in post], lost, excluded]
        reasons = {
            "lost": "; ".join(
                line.lstrip("• ")
                for line in boxes[f["arm"]]["follow_up"][1:]
                if line.startswith("•")
            ),
            "excluded": "; ".join(line.lstrip("• ") for line in boxes[f["arm"]]["analysis"][2:]),
        }
        cells = [Cell(ctx.arm(f["arm"]))]
        for j, v in enumerate(values):
            sub = ""
            if j == len(post) + 1:
                sub = reasons["lost"]
            elif j == len(post) + 2:
                sub = reasons["excluded"]
            cells.append(Cell(str(v), "num wrap" if sub else "num", sub=sub))
            totals[j] += v
        analysed = f["analysed"]
        cells.append(Cell("–" if analysed is None else str(analysed), "num"))
        totals[-1] += analysed or 0
        body.append(Row(cells))
    body.append(
        Row(
            [Cell("Total", "strong"), *[Cell(str(t), "num strong") for t in totals]],
            "total",
        )
    )
    at = ctx.at_visit(n["outcomes"]["visit"])
    return Section(
        "followup",
        "Follow-up",
        [
            table(
                ctx,
                f"Follow-up by arm: subjects randomised, measured ({primary} recorded) at each "
                f"visit, lost to follow-up, excluded from and included in the primary analysis "
                f"{at}; analysis set: all randomised subjects.",
                columns,
                body,
                notes=[
                    f"Measured: a value of {primary} recorded at the visit. Lost to follow-up: "
                    f"{_lost_words(ctx)}. Reasons under the counts."
                ],
            )
        ],
    )


def _lost_words(ctx: Context) -> str:
    """What lost to follow-up means here: no visit at (or after) the primary visit."""
    visit = ctx.numbers["outcomes"]["visit"]
    later = any(v > visit for v in ctx.numbers["design"]["post_baseline"])
    return f"no visit at {'or after ' if later else ''}the primary visit ({ctx.visit(visit)})"
