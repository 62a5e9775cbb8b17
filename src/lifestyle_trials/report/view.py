"""numbers.json → the report page: its title block and its sections, in order.

:func:`build_sections` returns the page as :mod:`.blocks`, one section per module of
:mod:`.sections`: the main result, the participant flow, Table 1, the primary analysis,
secondary outcomes, arm comparisons, repeated measures, sensitivity analyses, data and
model checks, published results, methods and provenance. Sections whose numbers an
analysis does not have say so (with the reason recorded by the fit step) rather than
disappear; those that do not apply to it are left out.
"""

from __future__ import annotations

from typing import Any

from .blocks import Section
from .context import Context
from .sections.arms import arms_section
from .sections.baseline import baseline_section
from .sections.checks import checks_section
from .sections.flow import flow_section, followup_section
from .sections.methods import methods_section
from .sections.missing_data import missing_data_section
from .sections.primary import primary_section
from .sections.provenance import provenance_section
from .sections.published import published_section
from .sections.repeated import repeated_section
from .sections.secondary import secondary_section
from .sections.sensitivity import SENSITIVITY_LABELS, sensitivity_section
from .sections.summary import summary_section

__all__ = ["SENSITIVITY_LABELS", "build_sections", "header"]

_SECTIONS = (
    summary_section,
    flow_section,
    baseline_section,
    followup_section,
    primary_section,
    secondary_section,
    arms_section,
    repeated_section,
    sensitivity_section,
    missing_data_section,
    checks_section,
    published_section,
    methods_section,
    provenance_section,
)
"""The section builders in page order (tables and figures are numbered in this order)."""


def header(ctx: Context) -> dict[str, Any]:
    """The title block of the page.

    Parameters
    ----------
    ctx : Context
        The report's numbers and labels.

    Returns
    -------
    dict
        ``title``, ``description`` (whitespace collapsed), ``synthetic`` (whether the data
        are simulated), ``facts`` (design, subjects randomised by arm, visits, primary
        outcome, data source as label–text pairs) and ``version`` (of lifestyle-trials).
    """
    n = ctx.numbers
    design = n["design"]
    arms = ", ".join(f"{ctx.arm(a)} {design['arm_sizes'][a]}" for a in design["arms"])
    visits = ", ".join(ctx.visit(v) for v in design["visits"])
    primary = n["outcomes"]["primary"]
    facts = [
        (
            "Design",
            "2 × 2 factorial (diet × exercise)"
            if design["factorial"]
            else f"{len(design['arms'])} arms, each compared with control",
        ),
        ("Randomised", f"{design['n_subjects']} ({arms})"),
        ("Visits", visits),
        (
            "Primary outcome",
            f"{ctx.var(primary)} {ctx.at_visit(n['outcomes']['visit'])}"
            + (", log scale" if ctx.is_log(primary) else ""),
        ),
        ("Data", n["provenance"]["source"]),
    ]
    return {
        "title": n["analysis"]["title"],
        "description": " ".join(n["analysis"]["description"].split()),
        "synthetic": n["analysis"]["source_kind"] == "simulate",
        "facts": facts,
        "version": n["provenance"]["package_version"],
    }


def build_sections(ctx: Context) -> list[Section]:
    """Every section of the report that applies to the analysis, in page order.

    Parameters
    ----------
    ctx : Context
        The report's numbers, labels and numbering state; building the sections numbers
        their tables and figures, so call this once per page.

    Returns
    -------
    list of Section
    """
    sections = [build(ctx) for build in _SECTIONS]
    return [s for s in sections if s is not None]
