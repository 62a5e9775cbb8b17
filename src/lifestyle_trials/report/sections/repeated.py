"""The "Repeated measures" section: the MMRM and the mixed ANOVA over every visit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import alt_text
from .. import format as fmt
from ..blocks import Cell, Paragraph, Row, Section
from ..context import Context
from ..model_text import mmrm_line, mmrm_set
from .common import Block, add, effect_cell, scale_note, table, truth_text

__all__ = ["repeated_section"]


def repeated_section(ctx: Context) -> Section | None:
    """The analyses over every visit: the MMRM and the mixed ANOVA, each as a subsection.

    Returns
    -------
    Section or None
        Section ``repeated`` with the subsections ``mmrm`` and ``mixed-anova`` of the
        models that were fitted; None when neither was (one follow-up visit, or switched
        off): the report says nothing about models it did not fit.
    """
    n = ctx.numbers
    subsections = []
    if n.get("mmrm"):
        subsections.append(_mmrm(ctx, n["mmrm"]))
    if n.get("mixed_anova"):
        subsections.append(_mixed_anova(ctx, n["mixed_anova"]))
    if not subsections:
        return None
    return Section("repeated", "Repeated measures", (), subsections)


def _mmrm(ctx: Context, m: Mapping[str, Any]) -> Section:
    """The MMRM: effects at each visit, adjusted means by arm and visit, correlations."""
    log = m["log"]
    terms = list(dict.fromkeys(e["term"] for e in m["effects"]))
    effects = {(e["term"], e["visit"]): e for e in m["effects"]}
    columns = ["Effect", *[ctx.visit(v) for v in m["visits"]]]
    body = [
        Row(
            [
                Cell(ctx.term(term)),
                *[effect_cell(ctx, effects[term, v], log, m["outcome"]) for v in m["visits"]],
            ]
        )
        for term in terms
    ]
    conv = m["convergence"]
    notes = [
        scale_note(log, ctx.var(m["outcome"])),
        f"Model: {mmrm_line(ctx, m)} Log-likelihood {fmt.num(m['loglik'], 2)}, "
        f"AIC {fmt.num(m['aic'], 2)}; "
        f"{'converged' if conv.get('converged') else 'did not converge'} in "
        f"{conv.get('iterations')} iterations.",
    ]
    truth = {(t["term"], t["visit"]): t["value"] for t in m.get("truth", [])}
    if truth:
        d = ctx.decimals(m["outcome"])
        for term in terms:
            label = f"True value: {ctx.term(term).split(' (')[0].lower()}"
            values = [truth_text(truth.get((term, v)), log, d) for v in m["visits"]]
            body.append(Row([Cell(label, "indent"), *[Cell(x, "num") for x in values]], "truth"))
        notes.append("True value: the effect the simulation was generated with.")
    blocks: list[Block] = [
        Paragraph(
            "The mixed model for repeated measures uses every available visit of "
            "every subject with a baseline value, and is valid when dropout depends "
            "on observed values (missing at random)."
        ),
        table(
            ctx,
            f"MMRM: {'factorial effects' if ctx.numbers['design']['factorial'] else 'effects'} "
            f"on {ctx.var(m['outcome'])} at each visit (95% CI, P); analysis set: "
            f"{m['n_subjects']} randomised subjects {mmrm_set(m)}.",
            columns,
            body,
            notes,
        ),
    ]
    add(
        blocks,
        ctx.figure(
            "mmrm_means",
            f"MMRM adjusted {'geometric ' if log else ''}means of "
            f"{ctx.var(m['outcome'])} by arm and visit (95% CI); analysis set: "
            f"{m['n_subjects']} randomised subjects {mmrm_set(m)}.",
            alt_text.mmrm_means(ctx),
        ),
    )
    corr = m["correlation"]
    blocks.append(
        table(
            ctx,
            f"MMRM: estimated correlation of {'log ' if log else ''}{ctx.var(m['outcome'])} "
            "between visits within a subject (same analysis set).",
            ["", *[ctx.visit(v) for v in corr["visits"]]],
            [
                Row([Cell(ctx.visit(v), "strong"), *[Cell(fmt.num(x, 2), "num") for x in row]])
                for v, row in zip(corr["visits"], corr["values"], strict=True)
            ],
        )
    )
    return Section("mmrm", "Mixed model for repeated measures (MMRM)", blocks)


def _mixed_anova(ctx: Context, anova: Mapping[str, Any]) -> Section:
    """The arm × visit ANOVA of the complete cases, with its sphericity corrections."""
    columns = ["Term", "F", "df", "P", "ε (GG)", "P (GG)", "P (HF)", "Partial η²"]
    body = [
        Row(
            [
                Cell(" × ".join(t.capitalize() for t in str(r["term"]).split(":"))),
                Cell(fmt.num(r["statistic"], 2), "num"),
                Cell(f"{fmt.num(r['num_df'], 0)}, {fmt.num(r['den_df'], 0)}", "num"),
                Cell(fmt.p_value(r["p_value"]), "num"),
                Cell(fmt.num(r.get("eps_gg"), 3), "num"),
                Cell(fmt.p_value(r.get("p_value_gg")), "num"),
                Cell(fmt.p_value(r.get("p_value_hf")), "num"),
                Cell(fmt.num(r["partial_eta_sq"], 3), "num"),
            ]
        )
        for r in anova["table"]
    ]
    n = sum(anova["n_analysed"].values())
    visits = ", ".join(ctx.visit(v) for v in anova["visits"])
    notes = [
        f"Arm (between subjects) × visit (within subjects) ANOVA of "
        f"{'log ' if anova['log'] else ''}{ctx.var(anova['outcome'])} at {visits}, on the "
        f"{n} subjects measured at every visit (complete cases); type II sums of squares; "
        "GG, HF: Greenhouse–Geisser and Huynh–Feldt corrections for non-sphericity.",
        "The treatment effect appears as the arm × visit interaction. This analysis drops "
        "every subject with a missing visit and does not adjust for baseline; the "
        "baseline-adjusted analyses above (ANCOVA, and MMRM over several visits) are the "
        "analyses of record.",
    ]
    if len(anova["visits"]) == 2:
        notes.append(
            "With two visits sphericity holds trivially (no correction applies), and the "
            "arm × visit test is the one-way ANOVA of the change from baseline."
        )
    elif anova.get("sphericity"):
        sph = anova["sphericity"][0]
        notes.append(
            f"Mauchly's test of sphericity: W = {fmt.num(sph['statistic'], 3)}, "
            f"{fmt.p_text(sph['p_value'])}."
        )
    return Section(
        "mixed-anova",
        "Mixed ANOVA (arm × visit)",
        [
            table(
                ctx,
                f"Mixed ANOVA (arm × visit) of {'log ' if anova['log'] else ''}"
                f"{ctx.var(anova['outcome'])}; analysis set: {n} subjects measured at every "
                "visit (complete cases).",
                columns,
                body,
                notes,
            )
        ],
    )
