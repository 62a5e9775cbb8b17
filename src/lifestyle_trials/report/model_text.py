"""Sentences that describe the fitted models, written from the fit records in numbers.json.

The methods section, the notes under the model tables and the estimand statement all take
their words from here, so that each names what was actually fitted: the outcome and its
scale, the covariates, the covariance structure, the estimation method, the degrees of
freedom, the analysis set and the missing-data assumption.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .context import Context

__all__ = [
    "COVARIANCE_NAMES",
    "DF_NAMES",
    "ancova_line",
    "and_list",
    "covariate_text",
    "estimand_items",
    "in_sentence",
    "mmrm_line",
]

COVARIANCE_NAMES: dict[str, str] = {
    "us": "unstructured",
    "cs": "compound-symmetry",
    "csh": "heterogeneous compound-symmetry",
    "ar1": "first-order autoregressive",
    "ar1h": "heterogeneous first-order autoregressive",
    "toep": "Toeplitz",
    "toeph": "heterogeneous Toeplitz",
    "diag": "diagonal (independent visits)",
    "ad": "ante-dependence",
    "adh": "heterogeneous ante-dependence",
    "sp_exp": "spatial exponential",
}
"""Words for the MMRM covariance structures (codes as in R's mmrm)."""

DF_NAMES: dict[str, str] = {
    "satterthwaite": "Satterthwaite",
    "kenward-roger": "Kenward–Roger",
    "kenward-roger-linear": "Kenward–Roger (linear)",
    "kenward-roger-mmrm": "Kenward–Roger (R mmrm's parameterisation)",
    "residual": "residual",
    "between-within": "between–within",
}
"""Words for the degrees-of-freedom methods of the MMRM."""

_VCOV: dict[str, str] = {
    "classical": "model-based standard errors",
    "HC0": "heteroscedasticity-consistent (HC0) standard errors",
    "HC1": "heteroscedasticity-consistent (HC1) standard errors",
    "HC2": "heteroscedasticity-consistent (HC2) standard errors",
    "HC3": "heteroscedasticity-consistent (HC3) standard errors",
}


def and_list(items: Sequence[str]) -> str:
    """Words joined as in prose: ``a``, ``a and b``, ``a, b and c``.

    Examples
    --------
    >>> and_list(["age"]), and_list(["age", "site"]), and_list(["a", "b", "c"])
    ('age', 'age and site', 'a, b and c')
    """
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def covariate_text(ctx: Context, covariates: Sequence[str]) -> str:
    """The adjustment covariates as words (``""`` when none).

    Parameters
    ----------
    ctx : Context
    covariates : sequence of str
        Covariate columns as fitted.
    """
    return and_list([in_sentence(ctx.var(c)) for c in covariates])


def in_sentence(label: str) -> str:
    """A label as written inside a sentence: the first letter lowered unless it is an acronym.

    Examples
    --------
    >>> in_sentence("Age"), in_sentence("Fasting glucose"), in_sentence("HbA1c"), in_sentence("BMI")
    ('age', 'fasting glucose', 'HbA1c', 'BMI')
    """
    first = label.split(" ", 1)[0]
    if first[1:] == first[1:].lower() and first[:1].isupper():
        return label[:1].lower() + label[1:]
    return label


def _design_words(estimand: str) -> list[str]:
    if estimand == "factorial":
        return ["diet", "exercise", "their interaction"]
    if estimand == "margins":
        return ["diet", "exercise (no interaction)"]
    return ["arm"]


def _outcome_words(ctx: Context, outcome: str, log: bool) -> str:
    return f"{'log ' if log else ''}{ctx.var(outcome)}"


def ancova_line(ctx: Context, fit: Mapping[str, Any]) -> str:
    """One sentence for an ANCOVA: outcome, scale, terms, covariates, errors, df, analysis set.

    Parameters
    ----------
    ctx : Context
    fit : mapping
        An ANCOVA record of numbers.json (``primary``): ``outcome, log, visit, estimand,
        covariates, df_resid, n_analysed`` and optionally ``vcov_type``.
    """
    covs = [in_sentence(ctx.var(c)) for c in fit.get("covariates", ())]
    adjusted = adjusts_for_baseline(fit)
    baseline = ["its baseline value"] if adjusted else []
    adjust = and_list([*baseline, *_design_words(fit["estimand"]), *covs])
    n = sum(fit["n_analysed"].values())
    errors = _VCOV.get(str(fit.get("vcov_type", "classical")), "model-based standard errors")
    model = "ANCOVA"
    what = _outcome_words(ctx, fit["outcome"], fit["log"])
    if fit.get("analysis") == "change":
        model, what = "Linear model", f"the change in {what} from baseline"
    elif not adjusted:
        model = "Linear model"
    who = ancova_set(ctx, fit) + (
        " (complete cases)" if fit.get("analysis", "ancova") != "followup" else ""
    )
    return (
        f"{model} of {what} {ctx.at_visit(fit['visit'])} on {adjust}; least squares with "
        f"{errors}, t tests on {fit['df_resid']} residual degrees of freedom; analysis set: "
        f"the {n} randomised subjects {who}."
    )


def ancova_set(ctx: Context, fit: Mapping[str, Any]) -> str:
    """Who an ANCOVA record of numbers.json analyses, in words ("with a baseline and a
    follow-up value", or only a value at the visit when no baseline enters)."""
    if fit.get("analysis", "ancova") == "followup":
        return f"with a value {ctx.at_visit(fit['visit'])}"
    return "with a baseline and a follow-up value"


def mmrm_set(m: Mapping[str, Any]) -> str:
    """Who the MMRM record of numbers.json analyses, in words."""
    formula = str(m.get("formula") or "")
    if "baseline" in formula or not formula:
        return "with a baseline value and at least one follow-up value"
    return "with at least one value after randomisation"


def adjusts_for_baseline(fit: Mapping[str, Any]) -> bool:
    """Whether an ANCOVA record of numbers.json adjusts for the baseline value (its
    ``analysis`` is ``"ancova"``; ``"followup"`` compares follow-up values only and
    ``"change"`` analyses the change score)."""
    return fit.get("analysis", "ancova") == "ancova"


def _mmrm_terms(ctx: Context, m: Mapping[str, Any]) -> str:
    """The fixed terms of the MMRM as fitted, in words."""
    formula = str(m.get("formula") or "")
    rhs = formula.split("~", 1)[1] if "~" in formula else ""
    terms = []
    if "baseline" in rhs:
        terms.append("baseline × visit")
    if "diet * exercise" in rhs or not rhs:
        terms.append("diet × exercise × visit")
    elif "arm" in rhs:
        terms.append("arm × visit")
    return ", ".join(terms) if terms else rhs.strip()


def mmrm_line(ctx: Context, m: Mapping[str, Any]) -> str:
    """One sentence for the MMRM as fitted.

    Parameters
    ----------
    ctx : Context
    m : mapping
        The ``mmrm`` record of numbers.json.
    """
    covs = covariate_text(ctx, m.get("covariates", ()))
    visits = and_list([ctx.visit(v) for v in m["visits"]])
    terms = _mmrm_terms(ctx, m) + (f" and {covs}" if covs else "")
    who = mmrm_set(m)
    cov = COVARIANCE_NAMES.get(m["covariance"], m["covariance"])
    df = DF_NAMES.get(m["df_method"], m["df_method"])
    return (
        f"MMRM of {_outcome_words(ctx, m['outcome'], m['log'])} at {visits} on {terms}; "
        f"{cov} covariance over visits within subject, {m['method']}, {df} degrees of "
        f"freedom; analysis set: the {m['n_subjects']} randomised subjects {who} "
        f"({m['n_obs']} observations); missing values assumed missing at random."
    )


def estimand_items(ctx: Context) -> list[tuple[str, str]]:
    """The estimand of the primary analysis in the terms of ICH E9(R1).

    Population, variable (endpoint), treatment conditions, intercurrent events and how
    each is handled, and the population-level summary, from the primary fit and the
    configuration (``[report] population`` when given).

    Returns
    -------
    list of (str, str)
        Attribute → description.
    """
    n = ctx.numbers
    p = n["primary"]
    outcome = ctx.var(p["outcome"])
    at = ctx.at_visit(p["visit"])
    population = n["analysis"].get("population") or (
        "people who meet the trial's eligibility criteria, as randomised "
        f"({n['design']['n_subjects']} subjects)"
    )
    variable = f"{outcome} {at}" + (" (log-transformed)" if p["log"] else "")
    if adjusts_for_baseline(p):
        variable += ", adjusted for its baseline value"
    elif p.get("analysis") == "change":
        variable = f"the change in {variable} from baseline"
    covs = covariate_text(ctx, p.get("covariates", ()))
    if covs:
        variable += f" and {covs}"
    if p["estimand"] == "factorial":
        treatments = (
            "diet vs no diet and exercise vs no exercise, each averaged over the levels of the "
            "other factor with equal weights, and their interaction"
        )
        kind = "ratio of geometric means" if p["log"] else "difference in means"
        summary = (
            f"{kind} (treated {'/' if p['log'] else '−'} untreated) for each main effect, and "
            + (
                "the interaction as a ratio of ratios (D+E / E) / (D / C)"
                if p["log"]
                else "the interaction as a difference of differences (D+E − E) − (D − C)"
            )
            + ", each with its 95% CI"
        )
    else:
        treatments = and_list([ctx.arm(a) for a in n["design"]["arms"] if a != "control"])
        treatments += f", each compared with {ctx.arm('control').lower()}"
        kind = "ratio of geometric means" if p["log"] else "difference in means"
        summary = f"{kind} (arm {'/' if p['log'] else '−'} control) with its 95% CI"
    events = (
        "Discontinuation of the allocated intervention: treatment policy (values measured "
        "after discontinuation are used as observed, whatever the adherence). Loss to "
        "follow-up is not an intercurrent event but missing data: the primary analysis uses "
        "the subjects with a value (complete cases), which is unbiased if missingness depends "
        "only on "
        + and_list(["arm", "baseline value", *([covs] if covs else [])])
        + " (missing at random given the model's covariates)"
    )
    if n.get("mmrm"):
        events += "; the MMRM uses every observed visit under missing at random."
    else:
        events += "."
    return [
        ("Population", population[:1].upper() + population[1:]),
        ("Variable (endpoint)", variable),
        ("Treatment conditions", treatments[:1].upper() + treatments[1:]),
        ("Intercurrent events and their handling", events),
        ("Population-level summary", summary[:1].upper() + summary[1:]),
    ]
