"""The report's first section, "Main result": the primary effects in a lead and a list."""

from __future__ import annotations

from .. import format as fmt
from ..blocks import Items, Paragraph, Section
from ..context import Context
from .common import Block, truth_of, truth_text

__all__ = ["summary_section"]


def summary_section(ctx: Context) -> Section:
    """The main result: the primary analysis in one sentence and its effects as a list.

    Returns
    -------
    Section
        Section ``summary``: a lead paragraph, each primary effect with its CI, P value and
        (for simulated data) true value, and for simulated data a note that no one took part.
    """
    n = ctx.numbers
    p = n["primary"]
    outcome = ctx.var(p["outcome"])
    analysed = sum(p["n_analysed"].values())
    randomised = n["design"]["n_subjects"]
    parts = []
    truth = truth_of(ctx, p["outcome"]) or {}
    for e in p["effects"]:
        what = ctx.term(e["term"]).replace(" (main effect)", "").replace(" (interaction)", "")
        if p["log"]:
            text = (
                f"ratio {ctx.effect(e, True, p['outcome'])}, {fmt.percent_change(e['ratio'])}, "
                f"{fmt.p_text(e['p_value'])}"
            )
        else:
            unit = ctx.diff_unit(p["outcome"])
            text = f"{ctx.effect(e, False, p['outcome'])}{' ' + unit if unit else ''}, "
            text += fmt.p_text(e["p_value"])
        if e["term"] in truth:
            d = ctx.decimals(p["outcome"])
            text += f" (true {truth_text(truth[e['term']], p['log'], d)})"
        parts.append(f"{what}: {text}")
    kind = (
        "factorial effects (each factor averaged over the other, and their interaction)"
        if p["estimand"] == "factorial"
        else "comparisons of each arm with control"
    )
    model = {
        "ancova": "ANCOVA adjusted for baseline",
        "change": "linear model of the change from baseline",
        "followup": "linear model of the follow-up values (no baseline adjustment)",
    }.get(str(p.get("analysis", "ancova")), "ANCOVA adjusted for baseline")
    text = (
        f"Primary analysis: {outcome} {ctx.at_visit(p['visit'])}, {model}, "
        f"{analysed} of {randomised} randomised subjects analysed; {kind}."
    )
    items = Items(
        [(part.split(": ", 1)[0], part.split(": ", 1)[1]) for part in parts], cls="key-results"
    )
    blocks: list[Block] = [Paragraph(text, "lead"), items]
    if n["analysis"]["source_kind"] == "simulate":
        blocks.append(
            Paragraph(
                "These data are simulated (lt.simulate_odes): no participant took part. The true "
                "effects the generator used are shown beside the estimates.",
                "note",
            )
        )
    return Section("summary", "Main result", blocks)
