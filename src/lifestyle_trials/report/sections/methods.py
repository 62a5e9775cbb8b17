"""The "Statistical methods" section, written from the analysis that was run."""

from __future__ import annotations

from ..blocks import Paragraph, Section
from ..context import Context

__all__ = ["methods_section"]


def methods_section(ctx: Context) -> Section:
    """The statistical methods: the primary model, the estimand, inference and formatting.

    Returns
    -------
    Section
        Section ``methods``: four paragraphs.
    """
    n = ctx.numbers
    p = n["primary"]
    covs = n["outcomes"]["covariates"]
    text = [
        f"The primary outcome, {ctx.var(p['outcome'])} {ctx.at_visit(p['visit'])}, was analysed "
        "by analysis of covariance (ANCOVA) with its baseline value as covariate"
        + (f" and {', '.join(ctx.var(c) for c in covs)}" if covs else "")
        + (
            " on the natural log scale (outcome and baseline logged), so that effects are "
            "ratios of geometric means"
            if p["log"]
            else ""
        )
        + ". Subjects with both a baseline and a follow-up value were analysed; those without "
        "are counted, with the reason, in the participant flow.",
        "The estimand was fixed in the analysis configuration before the analysis: "
        + (
            "the factorial estimand, with main effects of diet and of exercise each averaged "
            "over the levels of the other factor with equal weights, and the diet × exercise "
            "interaction reported with its confidence interval whatever its size (Kahan et al. "
            "2020; CONSORT extension for factorial trials, 2023)."
            if p["estimand"] == "factorial"
            else "each arm compared with control, as the trial does not have the four cells of "
            "a 2 × 2 design."
        ),
        "Effects are contrasts of estimated marginal means (as R's emmeans) with t-based 95% "
        "confidence intervals and two-sided P values, not adjusted for multiplicity. With "
        "several post-baseline visits, a mixed model for repeated measures (MMRM) with an "
        "unstructured covariance and Satterthwaite degrees of freedom uses all available "
        "visits. Sensitivity analyses compare estimands and analysis methods.",
        "Numbers are formatted for reading only: a mean and its SD (or an estimate and its "
        "interval) share the decimals that show the spread to two significant digits; ratios "
        "have two decimals; P values three, with P < 0.001 shown as <0.001. Every number is "
        "in numbers.json and the tables in tables/*.csv at full precision.",
    ]
    return Section("methods", "Statistical methods", [Paragraph(t) for t in text])
