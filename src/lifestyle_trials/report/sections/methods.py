"""The "Statistical methods" section, written from the models that were fitted.

Every sentence about a model comes from its fit record (:mod:`..model_text`): a model that
was not fitted gets no sentence, and a covariate that was fitted is named.
"""

from __future__ import annotations

from ..blocks import Paragraph, Section
from ..context import Context
from ..model_text import ancova_line, and_list, covariate_text, in_sentence, mmrm_line
from .sensitivity import SENSITIVITY_LABELS

__all__ = ["methods_section"]


def methods_section(ctx: Context) -> Section:
    """The statistical methods: the models as fitted, the estimand, inference and formatting.

    Returns
    -------
    Section
        Section ``methods``: one paragraph per fitted kind of model (primary ANCOVA,
        secondary outcomes, sensitivity analyses, MMRM, mixed ANOVA), then inference,
        missing data and the number format.
    """
    n = ctx.numbers
    p = n["primary"]
    covs = covariate_text(ctx, p.get("covariates", ()))
    text = [
        "Primary analysis: "
        + ancova_line(ctx, p)
        + (
            " The outcome and its baseline were log-transformed, so that effects are "
            "ratios of geometric means."
            if p["log"]
            else ""
        )
        + " The estimand (ICH E9(R1)) is stated with the primary analysis; it was fixed in "
        "the analysis configuration before the analysis, "
        + (
            "with main effects of diet and of exercise each averaged over the levels of the "
            "other factor with equal weights, and the diet × exercise interaction reported "
            "with its confidence interval whatever its size (Kahan et al. 2020; CONSORT "
            "extension for factorial trials, 2023)."
            if p["estimand"] == "factorial"
            else "each arm compared with control, as the trial does not have the four "
            "cells of a 2 × 2 design."
        ),
    ]
    if n["secondary"]:
        logged = [ctx.var(s["outcome"]) for s in n["secondary"] if s["log"]]
        text.append(
            "Secondary outcomes ("
            + and_list([in_sentence(ctx.var(s["outcome"])) for s in n["secondary"]])
            + ")"
            " were analysed by the same ANCOVA on their own baseline value"
            + (f" and {covs}" if covs else "")
            + (f"; {and_list([in_sentence(x) for x in logged])} on the log scale" if logged else "")
            + ". Their P values are not adjusted for multiplicity."
        )
    others = [r for r in n["sensitivity"] if r["key"] not in ("primary", "mmrm")]
    if others:
        names = and_list([in_sentence(SENSITIVITY_LABELS.get(r["key"], r["key"])) for r in others])
        text.append(
            f"Sensitivity analyses of the primary outcome: {names}"
            + ("; and the MMRM below" if n.get("mmrm") else "")
            + "."
        )
    if n.get("mmrm"):
        text.append("Repeated measures: " + mmrm_line(ctx, n["mmrm"]))
    if n.get("mixed_anova"):
        a = n["mixed_anova"]
        text.append(
            "For comparison with older reports, as configured: the arm × visit mixed "
            f"ANOVA of {'log ' if a['log'] else ''}{ctx.var(a['outcome'])} on the subjects "
            "measured at every visit (complete cases), type II sums of squares, with "
            "Greenhouse–Geisser and Huynh–Feldt corrections; it does not adjust for baseline."
        )
    text.append(
        "Effects are contrasts of estimated marginal means (as R's emmeans) with t-based 95% "
        "confidence intervals and two-sided P values. Missing data: the ANCOVAs use the "
        "subjects with both values, which assumes that whether the follow-up value is "
        "missing depends only on what the model adjusts for"
        + (
            "; the MMRM uses every observed visit and assumes missing at random given the "
            "observed values."
            if n.get("mmrm")
            else "."
        )
    )
    text.append(
        "Numbers are formatted for reading only: every outcome keeps one number of decimals "
        "for its means, differences and confidence limits throughout the report; "
        + ("ratios have two decimals, " if n["outcomes"]["log"] else "")
        + "percentages and percentage points one, P values three (below 0.001 as <0.001). "
        "Every number is in numbers.json and tables/*.csv at full precision."
    )
    return Section("methods", "Statistical methods", [Paragraph(t) for t in text])
