"""The "Published results" section: a trial's published figures beside the same from the data.

The numbers come from :mod:`..published` (``published`` in numbers.json); here they are
formatted: each published summary beside the same quantity re-analysed, and each published
P value with whether it can be recomputed from the published summaries.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import format as fmt
from .. import labels as lab
from ..blocks import Cell, Items, Row, Section, Table
from ..context import Context
from .common import table

__all__ = ["PUBLISHED_LABELS", "published_section"]

PUBLISHED_LABELS: dict[str, str] = {
    "insulin_resistance": "Insulin resistance (HOMA-like)",
    "fasting_insulin": "Fasting insulin",
    "insulin_after_glucose_load": "Insulin after a glucose load",
    "fasting_glucose": "Fasting glucose",
    "systolic_bp_top_third": "Systolic blood pressure, top third of baseline diastolic",
    "diastolic_bp_top_third": "Diastolic blood pressure, top third of baseline diastolic",
}
"""Names of the published outcomes (keys as in the published summaries)."""

_QUANTITIES = {
    "baseline": "mean at baseline",
    "follow_up": "mean at follow-up",
    "change": "mean change",
    "net_change": "net change vs control",
    "percent_change": "percentage change",
}


def published_section(ctx: Context) -> Section | None:
    """The published results of the trial the analysis reproduces, beside the re-analysis.

    Returns
    -------
    Section or None
        Section ``published``: the published summaries beside the same quantities from
        these data, the published P values with how they arise and the same comparisons in
        these data, and the sources; None when the analysis names no published trial.
    """
    pub = ctx.numbers.get("published")
    if not pub:
        return None
    blocks = [_summaries(ctx, pub), _tests(ctx, pub)]
    cites = [
        (s["source"], s["citation"] + (f" doi:{s['doi']}" if s["doi"] else ""))
        for s in pub["sources"]
    ]
    return Section(
        "published", f"Published {pub['trial']} results", [*blocks, Items(cites, "provenance")]
    )


def _summaries(ctx: Context, pub: Mapping[str, Any]) -> Table:
    """Each published summary (means, changes, net changes) beside the same from the data."""
    body = []
    for r in pub["summaries"]:
        outcome = PUBLISHED_LABELS.get(r["outcome"], r["outcome"])
        unit = lab.unit_text(r["unit"])
        if unit == "%" and r["quantity"] == "net_change":
            unit = "percentage points"
        decimals = 0 if r["mean_decimals"] is None else int(r["mean_decimals"])
        shown = fmt.num(r["mean"], decimals)
        if r["spread"] is not None:
            shown += f" ± {fmt.num(r['spread'], int(r['spread_decimals']))}"
            if r["spread_type"] not in ("", "±"):
                shown += f" ({r['spread_type']})"
        body.append(
            Row(
                [
                    Cell(f"{outcome}{', ' + unit if unit else ''}"),
                    Cell(_QUANTITIES.get(r["quantity"], r["quantity"])),
                    Cell(ctx.arm(r["arm"])),
                    Cell(shown, "num"),
                    _reanalysed_cell(r, decimals + 1),
                    Cell(_source_name(r["source"]), "small nowrap"),
                ]
            )
        )
    notes = [
        f"Published: as printed in the source ({pub['trial']}), ± as printed (the sources do "
        "not say whether it is an SD or an SE; its size suggests an SE). Re-analysed: the "
        "same quantity from these data, on the subjects measured at baseline and "
        f"{ctx.visit(pub['visit'])}: mean ± SE (n); net changes are the arm's mean change "
        "minus the control arm's, ± SE (Welch), with the 95% CI; re-analysed values have one "
        "decimal more than the source prints for the outcome.",
        f"Fasting insulin in pmol/L: µU/mL × {fmt.num(pub['insulin_factor'], 2)}. Blood "
        "pressure in the top third of the baseline diastolic pressure of the randomised "
        "subjects, as published.",
    ]
    if ctx.numbers["analysis"]["source_kind"] == "simulate":
        notes.append(
            "The simulated trial was calibrated to these published figures; agreement "
            "within sampling error checks the generator, not the trial."
        )
    return table(
        ctx,
        f"Published {pub['trial']} summaries beside the same quantities computed from these "
        f"data; analysis set of the re-analysis: subjects measured at baseline and "
        f"{ctx.visit(pub['visit'])}.",
        ["Outcome", "Quantity", "Arm", "Published", "Re-analysed", "Source"],
        body,
        notes,
    )


def _tests(ctx: Context, pub: Mapping[str, Any]) -> Table:
    """Each published P value, whether the published summaries give it, and the re-analysis."""
    places: dict[str, int] = {}
    for r in pub["summaries"]:  # one more decimal than the source prints, per outcome
        if r["mean_decimals"] is not None:
            places[r["outcome"]] = max(places.get(r["outcome"], 0), int(r["mean_decimals"]) + 1)
    body = []
    for t in pub["tests"]:
        published = f"P {t['p_relation']} {fmt.num(t['p_value'], int(t['p_value_decimals']))}"
        re = t["reanalysed"]
        if "reason" in re:
            effect, p = Cell(re["reason"], "small"), Cell("–", "num")
        else:
            d = places.get(t["outcome"], fmt.decimals_for(re["std_error"]))
            effect = Cell(
                fmt.estimate_ci(re["estimate"], re["conf_low"], re["conf_high"], d), "num"
            )
            p = Cell(fmt.p_value(re["p_value"]), "num")
        body.append(
            Row(
                [
                    Cell(PUBLISHED_LABELS.get(t["outcome"], t["outcome"])),
                    Cell(lab.term_label(t["comparison"], ctx.labels["arms"])),
                    Cell(published, "num"),
                    _verdict_cell(t["verdict"], t["consistent_readings"]),
                    effect,
                    p,
                ]
            )
        )
    notes = [
        "From the published summaries: the published P value recomputed from the published "
        "means and ± under every plausible reading (lt.published_vs_recomputed: ± as SE or "
        "SD, each published basis of the arm sizes, with and without a Bonferroni "
        "adjustment; rounding respected). Consistent with: the readings under which the "
        "published value is recovered; the others do not give it, so the reading the authors "
        "used is not known.",
        "Re-analysed: the same comparison in these data, Welch t test on the change from "
        "baseline (not the ANCOVA of the primary analysis), unadjusted.",
    ]
    return table(
        ctx,
        f"Published {pub['trial']} P values, how they arise from the published summaries, and "
        "the same comparison in these data; analysis set of the re-analysis: subjects measured "
        f"at baseline and {ctx.visit(pub['visit'])}.",
        [
            "Outcome",
            "Comparison",
            "Published",
            "From the published summaries",
            "Re-analysed difference (95% CI)",
            "Re-analysed P",
        ],
        body,
        notes,
    )


def _source_name(key: str) -> str:
    """A source key as a name and year: ``anderssen1996`` → ``Anderssen 1996``.

    >>> _source_name("anderssen1996")
    'Anderssen 1996'
    """
    name = key.rstrip("0123456789")
    return f"{name.capitalize()} {key[len(name) :]}".strip()


def _verdict_cell(verdict: str, readings: str) -> Cell:
    """The verdict on a published P value: "consistent with" the readings that give it.

    >>> _verdict_cell("reproduced", "± as SE, randomised n, none").text
    'consistent with ± as SE, randomised n, none'
    >>> _verdict_cell("not reproduced", "").text
    'not recovered under any reading'
    """
    if verdict == "reproduced":
        shown = _readings(readings)
        return Cell(f"consistent with {shown.split('; ')[0]}", sub=_more(shown))
    if verdict == "not reproduced":
        return Cell("not recovered under any reading")
    return Cell(verdict or "–")


def _more(shown: str) -> str:
    """The readings after the first, as a second line ("or ...")."""
    rest = shown.split("; ")[1:]
    return ("or " + "; ".join(rest)) if rest else ""


def _readings(text: str, most: int = 2) -> str:
    """The first readings of a ';'-separated list, and how many more there are.

    >>> _readings("SE; SD; SE, Bonferroni")
    'SE; SD; and 1 more'
    """
    readings = [r.strip() for r in text.split(";") if r.strip()]
    if len(readings) <= most:
        return "; ".join(readings)
    return "; ".join(readings[:most]) + f"; and {len(readings) - most} more"


def _reanalysed_cell(row: Mapping[str, Any], decimals: int) -> Cell:
    """The same quantity from the data: mean ± SE (n), net change ± SE (CI), or the reason."""
    re = row["reanalysed"]
    if "reason" in re:
        return Cell(re["reason"], "small")
    if row["quantity"] == "net_change":
        d = decimals
        text = f"{fmt.num(re['estimate'], d)} ± {fmt.num(re['std_error'], d)}"
        return Cell(text, "num", sub=f"95% CI {fmt.ci(re['conf_low'], re['conf_high'], d)}")
    if row["spread"] is None:
        return Cell(fmt.num(re["mean"], decimals), "num", sub=f"n = {re['n']}")
    return Cell(
        f"{fmt.num(re['mean'], decimals)} ± {fmt.num(re['se'], decimals)}",
        "num",
        sub=f"n = {re['n']}",
    )
