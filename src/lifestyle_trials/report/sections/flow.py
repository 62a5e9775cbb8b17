"""The "Participant flow" section: the CONSORT figure and the counts by arm and visit."""

from __future__ import annotations

from .. import alt_text
from ..blocks import Cell, Row, Section
from ..context import Context
from .common import Block, add, table

__all__ = ["flow_section"]


def flow_section(ctx: Context) -> Section:
    """The participant flow: subjects randomised, measured at each visit and analysed.

    Returns
    -------
    Section
        Section ``flow``: the flow figure (when drawn) and a table with one row per arm
        (the subjects not analysed with their reasons) and a total row.
    """
    n = ctx.numbers
    post = n["design"]["post_baseline"]
    columns = [
        "Arm",
        "Randomised",
        *[f"Measured, {ctx.visit(v)}" for v in post],
        "Not analysed",
        "Analysed (primary)",
    ]
    body = []
    for f in n["flow"]:
        measured = {m["visit"]: m["n"] for m in f["measured"]}
        excluded = sum(e["n"] for e in f["excluded"])
        reasons = "; ".join(f"{e['reason']} ({e['n']})" for e in f["excluded"])
        body.append(
            Row(
                [
                    Cell(ctx.arm(f["arm"])),
                    Cell(str(f["randomised"]), "num"),
                    *[Cell(str(measured.get(v, 0)), "num") for v in post],
                    Cell(str(excluded), "num wrap", sub=reasons),
                    Cell("–" if f["analysed"] is None else str(f["analysed"]), "num"),
                ]
            )
        )
    total = [Cell("Total", "strong"), Cell(str(n["design"]["n_subjects"]), "num strong")]
    for v in post:
        total.append(
            Cell(
                str(sum(m["n"] for f in n["flow"] for m in f["measured"] if m["visit"] == v)),
                "num strong",
            )
        )
    analysed = [f["analysed"] for f in n["flow"] if f["analysed"] is not None]
    excluded_all = sum(e["n"] for f in n["flow"] for e in f["excluded"])
    total += [
        Cell(str(excluded_all), "num strong"),
        Cell(str(sum(analysed)) if analysed else "–", "num strong"),
    ]
    body.append(Row(total, "total"))
    primary = ctx.var(n["outcomes"]["primary"])
    blocks: list[Block] = []
    add(
        blocks,
        ctx.figure(
            "flow",
            "Participant flow (CONSORT style): subjects randomised to each arm, measured "
            f"({primary} recorded) at each visit, and analysed in the "
            "primary analysis, with the reasons subjects were not analysed.",
            alt_text.flow(ctx),
        ),
    )
    blocks.append(
        table(
            ctx,
            "Participant flow by arm.",
            columns,
            body,
            notes=[f"Measured: a value of {primary} recorded at the visit."],
        )
    )
    return Section("flow", "Participant flow", blocks)
