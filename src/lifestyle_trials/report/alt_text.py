"""Alternative text for every figure, written from the same numbers the figure shows.

A screen-reader user (or a reader of the printed report without the image) gets what the
figure says: its kind, its axes and the numbers behind it, formatted like the tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from . import format as fmt
from .consort_text import consort_boxes
from .context import Context

__all__ = [
    "distributions",
    "flow",
    "forest",
    "interaction",
    "mmrm_means",
    "residuals",
    "trajectories",
]


def flow(ctx: Context) -> str:
    """The CONSORT flow diagram: every box, in reading order."""
    boxes = consort_boxes(ctx.numbers["flow"], ctx.arm)
    top = [*(boxes["assessed"] or []), *(boxes["excluded"] or []), boxes["randomised"]]
    parts = ["; ".join(_clean(t) for t in top)]
    for arm in boxes["arms"]:
        lines = [*arm["allocation"], *arm["follow_up"], *arm["analysis"]]
        parts.append(f"{arm['title']}: " + "; ".join(_clean(t) for t in lines))
    return "CONSORT 2010 flow diagram. " + ". ".join(parts) + "."


def _clean(line: str) -> str:
    return line.removeprefix("• ")


def trajectories(ctx: Context, outcomes: Sequence[str]) -> str:
    """Observed means by arm and visit."""
    rows = ctx.numbers["by_visit"]
    parts = []
    for outcome in outcomes:
        kind = "geometric mean" if ctx.is_log(outcome) else "mean"
        per_arm = []
        for arm in ctx.numbers["design"]["arms"]:
            mine = [r for r in rows if r["outcome"] == outcome and r["arm"] == arm]
            d = fmt.decimals_for(_spread(rows, outcome))
            values = " → ".join(fmt.num(r["mean"], d) for r in mine)
            per_arm.append(f"{ctx.arm(arm)} {values}")
        parts.append(f"{ctx.var_unit(outcome)}, {kind}: " + "; ".join(per_arm))
    visits = ", ".join(ctx.visit(v) for v in ctx.numbers["design"]["visits"])
    return (
        "Line charts of observed means with 95% confidence intervals by arm at "
        f"{visits}. " + ". ".join(parts) + "."
    )


def _spread(rows: Sequence[Mapping[str, Any]], outcome: str) -> float | None:
    sds = [
        r["sd"]
        for r in rows
        if r["outcome"] == outcome and r["sd"] is not None and not r["geometric"]
    ]
    if sds:
        return float(sum(sds) / len(sds)) / 2
    return 0.05


def distributions(ctx: Context, outcome: str) -> str:
    """Box plots of the primary outcome by arm and visit."""
    rows = [r for r in ctx.numbers["table1"] if r["variable"] == outcome and r["arm"] != "all"]
    base = "; ".join(f"{ctx.arm(r['arm'])} median {fmt.median_iqr(r)}" for r in rows)
    scale = " on a log scale" if ctx.is_log(outcome) else ""
    return (
        f"Box plots with individual values of {ctx.var_unit(outcome)}{scale} by arm at each "
        f"visit. At baseline: {base}."
    )


def interaction(ctx: Context) -> str:
    """The interaction plot of the primary analysis."""
    p = ctx.numbers["primary"]
    kind = "geometric means" if p["log"] else "means"
    d = ctx.decimals(p["outcome"])
    cells = "; ".join(
        f"{ctx.arm(m['arm'])} {fmt.estimate_ci(m['mean'], m['conf_low'], m['conf_high'], d)}"
        for m in p["means"]
    )
    inter = next(e for e in p["effects"] if e["term"] == "diet:exercise")
    return (
        f"Interaction plot of adjusted {kind} of {ctx.var(p['outcome'])} "
        f"{ctx.at_visit(p['visit'])} with 95% CIs, exercise on the horizontal axis and one line "
        f"per diet level: {cells}. Interaction {ctx.effect(inter, p['log'], p['outcome'])}, "
        f"{fmt.p_text(inter['p_value'])}."
    )


def forest(rows: Sequence[tuple[str, str, str]], axis: str, no_effect: str) -> str:
    """A forest plot, panel by panel.

    Parameters
    ----------
    rows : sequence of (str, str, str)
        (panel, row label, the estimate with its CI as printed), in the figure's order.
    axis : str
        What the shared horizontal axis shows.
    no_effect : str
        The value of the line of no effect, as printed.

    Examples
    --------
    >>> text = forest([("Diet", "ANCOVA", "0.90 (0.82 to 0.98)")], "ratio", "1")
    >>> text.split(". ")[-1]
    'Panel Diet: ANCOVA 0.90 (0.82 to 0.98).'
    """
    panels: dict[str, list[str]] = {}
    for panel, label, text in rows:
        panels.setdefault(panel, []).append(f"{label} {text}")
    count = f"{len(panels)} panel{'s' if len(panels) != 1 else ''}"
    body = " ".join(f"Panel {p}: " + "; ".join(items) + "." for p, items in panels.items())
    return (
        f"Forest plot of estimates with 95% confidence intervals in {count} on one shared "
        f"horizontal axis ({axis}), with a vertical line of no effect at {no_effect}. " + body
    )


def mmrm_means(ctx: Context) -> str:
    """Adjusted means of the MMRM by arm and visit."""
    m = ctx.numbers["mmrm"]
    kind = "geometric means" if m["log"] else "means"
    per_arm = []
    for arm in ctx.numbers["design"]["arms"]:
        mine = [r for r in m["means"] if r["arm"] == arm]
        per_arm.append(f"{ctx.arm(arm)} " + " → ".join(fmt.num(r["estimate"], 2) for r in mine))
    visits = ", ".join(ctx.visit(v) for v in m["visits"])
    return (
        f"Line chart of MMRM adjusted {kind} of {ctx.var(m['outcome'])} with 95% CIs by arm "
        f"at {visits}: " + "; ".join(per_arm) + "."
    )


def residuals(ctx: Context) -> str:
    """Residual diagnostics of the primary ANCOVA."""
    p = ctx.numbers["primary"]
    scale = "log " if p["log"] else ""
    d = fmt.decimals_for(p["residual_sd"])
    return (
        f"Two scatter plots of the residuals of the primary ANCOVA of {scale}"
        f"{ctx.var(p['outcome'])}: against the fitted values, and against normal quantiles "
        f"(Q–Q plot). Residual SD {fmt.num(p['residual_sd'], d)} on "
        f"{p['df_resid']} degrees of freedom."
    )
