"""The "Secondary outcomes" section: the effects on every secondary outcome, and their forest."""

from __future__ import annotations

from .. import alt_text
from .. import format as fmt
from ..blocks import Cell, Figure, Row, Section
from ..context import Context
from ..model_text import adjusts_for_baseline
from .common import Block, add, effect_cell, table, truth_of, truth_text

__all__ = ["secondary_section"]


def secondary_section(ctx: Context) -> Section | None:
    """The secondary outcomes: the primary analysis's effects on each of them.

    Returns
    -------
    Section or None
        Section ``secondary``: a table with one row per outcome (n analysed, each effect with
        its CI and P value, and the true value for simulated data) and the forest plot of
        standardised effects on every outcome; None when the analysis has no secondary
        outcomes.
    """
    n = ctx.numbers
    if not n["secondary"]:
        return None
    factorial = n["primary"]["estimand"] == "factorial"
    terms = [e["term"] for e in n["secondary"][0]["effects"]]
    columns = ["Outcome", "n", *[ctx.term(t) for t in terms]]
    body = []
    for s in n["secondary"]:
        log = s["log"]
        label = ctx.var_diff_unit(s["outcome"], log) + (" ‡" if log else "")
        cells = [Cell(label), Cell(str(sum(s["n_analysed"].values())), "num")]
        truth = truth_of(ctx, s["outcome"])
        for e in s["effects"]:
            true = ""
            if truth and e["term"] in truth:
                d = ctx.decimals(s["outcome"])
                true = f" · true {truth_text(truth[e['term']], log, d)}"
            cells.append(effect_cell(ctx, e, log, s["outcome"], true))
        body.append(Row(cells))
    at = ctx.at_visit(n["primary"]["visit"])
    logged = any(s["log"] for s in n["secondary"])
    notes = [
        (
            f"ANCOVA of each outcome {at} adjusted for its baseline, with the same "
            if adjusts_for_baseline(n["primary"])
            else f"Linear model of each outcome {at} (no baseline adjustment), with the same "
        )
        + "estimand as the primary analysis; effects are differences in adjusted means "
        "(treated − untreated) in the outcome's unit"
        + (
            ", or (‡) ratios of geometric means for outcomes analysed on the log scale."
            if logged
            else "."
        ),
        "P values are not adjusted for the number of outcomes; secondary outcomes are "
        "supporting evidence, not confirmatory.",
    ]
    if n.get("truth"):
        notes.append(
            "true: the effect the simulation was generated with (none is defined for "
            "indices the generator does not model directly)."
        )
    title = "Secondary outcomes: factorial effects" if factorial else "Secondary outcomes"
    caption = f"{title} {at} (95% CI, P); analysis set: subjects with both values of each outcome."
    blocks: list[Block] = [table(ctx, caption, columns, body, notes)]
    add(blocks, _forest_outcomes(ctx))
    return Section("secondary", "Secondary outcomes", blocks)


def _forest_outcomes(ctx: Context) -> Figure | None:
    """The forest plot of the effects on every outcome in SD units (None if not drawn)."""
    rows = [
        (
            ctx.term(s["term"]),
            ctx.var(s["outcome"]),
            fmt.estimate_ci(s["estimate"], s["conf_low"], s["conf_high"], 2),
        )
        for s in ctx.numbers["standardised"]
    ]
    logged = any(s["log"] for s in ctx.numbers["standardised"])
    return ctx.figure(
        "forest_outcomes",
        "Effects on every outcome in standard-deviation units: each estimate "
        "and its 95% CI divided by the outcome's baseline SD"
        + (" (of log values for outcomes analysed on the log scale)" if logged else "")
        + ", so that outcomes measured in different units can be compared; one panel per "
        "effect, on a shared axis; analysis set: subjects with both values of each outcome.",
        alt_text.forest(rows, "effect in baseline standard deviations", "0"),
    )
