"""The figures step: which figures an analysis gets, drawn from numbers.json and the data.

:func:`draw_figures` yields ``(name, Figure)`` pairs in report order; a figure whose numbers
the analysis does not have (an interaction plot for a design without the four cells, the
MMRM means with one follow-up visit) is not drawn, and the report says why.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from .. import figures as fig
from ..report import labels as lab
from ..report.consort_text import STAGES, consort_boxes
from ..trial import Trial

__all__ = ["FIGURES", "draw_figures", "trajectory_outcomes"]

FIGURES: tuple[str, ...] = (
    "flow",
    "trajectories",
    "distributions",
    "interaction",
    "forest_primary",
    "forest_outcomes",
    "mmrm_means",
    "residuals",
    "tipping_point",
)
"""Every figure name, in report order."""


def trajectory_outcomes(numbers: Mapping[str, Any], most: int = 4) -> list[str]:
    """The outcomes of the trajectory figure: the primary and up to three secondaries."""
    out = numbers["outcomes"]
    preferred = [o for o in ("insulin", "glucose", "weight") if o in out["secondary"]]
    rest = [o for o in out["secondary"] if o not in preferred]
    return [out["primary"], *preferred, *rest][:most]


def _axis_label(numbers: Mapping[str, Any], outcome: str, geometric: bool = False) -> str:
    custom = numbers["analysis"]["labels"]["variables"]
    unit = lab.unit_text(numbers["design"]["units"].get(outcome))
    name = lab.variable_label(outcome, custom)
    text = f"{name} ({unit})" if unit else name
    return f"{text}, geometric mean" if geometric else text


def draw_figures(
    numbers: Mapping[str, Any], trial: Trial, fits: Mapping[str, Any]
) -> Iterator[tuple[str, Figure]]:
    """The figures of one analysis, in report order."""
    arms = {
        a: lab.arm_label(a, numbers["analysis"]["labels"]["arms"])
        for a in numbers["design"]["arms"]
    }
    axis = numbers["analysis"]["labels"]["visit_axis"]
    log = set(numbers["outcomes"]["log"])
    primary = numbers["outcomes"]["primary"]

    boxes = consort_boxes(numbers["flow"], lambda a: arms.get(a, lab.arm_label(a)))
    yield "flow", fig.flow_diagram(boxes, stages=STAGES)

    shown = trajectory_outcomes(numbers)
    means = pd.DataFrame(numbers["by_visit"])
    means = means[means["outcome"].isin(shown)]
    yield (
        "trajectories",
        fig.trajectories(
            means,
            {o: _axis_label(numbers, o, o in log) for o in shown},
            arm_labels=arms,
            xlabel=axis,
            log=[o for o in shown if o in log],
            titles={
                o: lab.variable_label(o, numbers["analysis"]["labels"]["variables"]) for o in shown
            },
        ),
    )

    values = trial.data[["arm", "visit", primary]].rename(columns={primary: "value"})
    values = values.assign(arm=values["arm"].astype(str))
    yield (
        "distributions",
        fig.distributions(
            values, _axis_label(numbers, primary), arm_labels=arms, log=primary in log, xlabel=axis
        ),
    )

    p = numbers.get("primary")
    if p and numbers["design"]["factorial"]:
        cells = pd.DataFrame(p["means"]).rename(columns={"mean": "estimate"})
        factors = numbers["analysis"]["labels"]["factors"]
        yield (
            "interaction",
            fig.interaction_plot(
                cells,
                _axis_label(numbers, primary, p["log"]) + " (adjusted)",
                factor_labels=(factors.get("diet", "Diet"), factors.get("exercise", "Exercise")),
                log=p["log"],
            ),
        )

    if p:
        yield "forest_primary", _forest_primary(numbers)
        if numbers["secondary"]:
            yield "forest_outcomes", _forest_outcomes(numbers)

    mmrm = numbers.get("mmrm")
    if mmrm:
        means = pd.DataFrame(mmrm["means"]).assign(outcome=primary)
        means = means.rename(columns={"estimate": "mean"})
        yield (
            "mmrm_means",
            fig.trajectories(
                means,
                {primary: _axis_label(numbers, primary, mmrm["log"]) + " (adjusted)"},
                arm_labels=arms,
                xlabel=axis,
                log=[primary] if mmrm["log"] else [],
            ),
        )

    primary_fit = next((f for f in fits["ancova"]["fits"] if f["key"] == "primary"), None)
    if primary_fit and "residuals" in primary_fit:
        res = primary_fit["residuals"]
        scale = "log " if primary_fit["log"] else ""
        title = f"ANCOVA of {scale}{lab.variable_label(primary, None)}"
        yield "residuals", fig.residual_diagnostics(res["fitted"], res["residual"], title)

    missing = numbers.get("missing_data")
    if missing and "tipping" in missing:
        from ..report.missing_data import tipping_figure

        unit = (
            "log units"
            if missing["log"]
            else lab.unit_text(numbers["design"]["units"].get(primary))
        )
        yield (
            "tipping_point",
            tipping_figure(
                missing,
                lambda t: _term(numbers, t),
                f"Shift added to the imputed values ({unit})" if unit else "",
            ),
        )


def _term(numbers: Mapping[str, Any], term: str) -> str:
    factors = numbers["analysis"]["labels"]["factors"]
    if term in factors:
        return str(factors[term])
    if term == "diet:exercise":
        return (
            "Interaction"
            if not factors
            else f"{factors.get('diet', 'Diet')} × {factors.get('exercise', 'exercise').lower()}"
        )
    return (
        lab.term_label(term, numbers["analysis"]["labels"]["arms"])
        .replace(" (main effect)", "")
        .replace(" (interaction)", "")
    )


def _forest_primary(numbers: Mapping[str, Any]) -> Figure:
    from ..report.view import SENSITIVITY_LABELS

    log = numbers["primary"]["log"]
    terms = {e["term"] for e in numbers["primary"]["effects"]}
    rows = []
    for r in numbers["sensitivity"]:
        for e in r["effects"]:
            if e["term"] not in terms:
                continue
            key = (
                ("ratio", "ratio_low", "ratio_high")
                if log
                else ("estimate", "conf_low", "conf_high")
            )
            rows.append(
                {
                    "panel": e["term"],
                    "label": SENSITIVITY_LABELS.get(r["key"], r["key"]),
                    "estimate": e[key[0]],
                    "conf_low": e[key[1]],
                    "conf_high": e[key[2]],
                }
            )
    frame = pd.DataFrame(rows)
    panels = list(dict.fromkeys(frame["panel"]))
    unit = lab.unit_text(numbers["design"]["units"].get(numbers["outcomes"]["primary"]))
    xlabel = "Ratio of geometric means" if log else f"Difference ({unit})" if unit else "Difference"
    return fig.forest_plot(
        frame, xlabel, ratio=log, panels=panels, panel_titles={t: _term(numbers, t) for t in panels}
    )


def _forest_outcomes(numbers: Mapping[str, Any]) -> Figure:
    custom = numbers["analysis"]["labels"]["variables"]
    frame = pd.DataFrame(
        [
            {
                "panel": s["term"],
                "label": lab.variable_label(s["outcome"], custom) + (" (log)" if s["log"] else ""),
                "estimate": s["estimate"],
                "conf_low": s["conf_low"],
                "conf_high": s["conf_high"],
            }
            for s in numbers["standardised"]
        ]
    )
    panels = list(dict.fromkeys(frame["panel"]))
    return fig.forest_plot(
        frame,
        "Effect (baseline SD units)",
        panels=panels,
        panel_titles={t: _term(numbers, t) for t in panels},
    )
