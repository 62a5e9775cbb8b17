"""Figures of a diet × exercise trial, as matplotlib Figures.

Every function takes plain data (DataFrames of numbers already computed, and the text to
show) and returns a :class:`matplotlib.figure.Figure` built without pyplot, so no global
state is touched and nothing is shown or saved: saving with fixed metadata is I/O and lives
in :mod:`lifestyle_trials.pipeline.save`. Arms keep one colour and one marker everywhere
(Okabe–Ito colours, readable in grey print too).

Examples
--------
>>> import pandas as pd
>>> means = pd.DataFrame({"outcome": "weight", "arm": ["control", "control", "diet", "diet"],
...                       "visit": [0.0, 12.0, 0.0, 12.0], "mean": [90.0, 90.5, 91.0, 86.0],
...                       "conf_low": [88.0, 88.4, 89.0, 84.1],
...                       "conf_high": [92.0, 92.6, 93.0, 87.9]})
>>> fig = trajectories(means, {"weight": "Weight (kg)"})
>>> [ax.get_ylabel() for ax in fig.axes]
['Weight (kg)']
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping, Sequence
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, NullLocator
from scipy import stats

from .arms import ARMS

__all__ = [
    "ARM_COLOURS",
    "ARM_MARKERS",
    "STYLE",
    "distributions",
    "flow_diagram",
    "forest_plot",
    "interaction_plot",
    "log_ticks",
    "residual_diagnostics",
    "trajectories",
]

ARM_COLOURS: dict[str, str] = {
    "control": "#5F5F5F",
    "diet": "#E69F00",
    "exercise": "#0072B2",
    "diet+exercise": "#009E73",
}
"""One colour per arm (Okabe & Ito's colour-blind-safe palette, grey for control)."""

ARM_MARKERS: dict[str, str] = {"control": "o", "diet": "s", "exercise": "^", "diet+exercise": "D"}
"""One marker per arm, so that arms stay distinct in grey print."""

STYLE: dict[Any, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9.0,
    "axes.titlesize": 9.5,
    "axes.titleweight": "bold",
    "axes.labelsize": 9.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#E4E4E4",
    "grid.linewidth": 0.6,
    "legend.frameon": False,
    "legend.fontsize": 8.5,
    "xtick.labelsize": 8.5,
    "ytick.labelsize": 8.5,
    "lines.linewidth": 1.6,
    "lines.markersize": 5.0,
    "figure.dpi": 100,
}
"""rcParams in force while a figure is built (fonts that ship with matplotlib)."""

P = ParamSpec("P")
R = TypeVar("R")


def _styled(function: Callable[P, R]) -> Callable[P, R]:
    """Build the figure under :data:`STYLE` (text properties are fixed at creation)."""

    @wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with mpl.rc_context(STYLE):
            return function(*args, **kwargs)

    return wrapper


def _label(arm: str, arm_labels: Mapping[str, str] | None) -> str:
    return (arm_labels or {}).get(arm, arm)


def _visit_text(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _jitter(n: int, width: float) -> np.ndarray:
    """Deterministic, evenly spread horizontal offsets (golden-ratio sequence)."""
    return ((np.arange(n) * 0.6180339887498949) % 1.0 - 0.5) * width


@_styled
def trajectories(
    means: pd.DataFrame,
    ylabels: Mapping[str, str],
    *,
    arm_labels: Mapping[str, str] | None = None,
    xlabel: str = "Visit (months since randomisation)",
    titles: Mapping[str, str] | None = None,
    log: Sequence[str] = (),
) -> Figure:
    """Means with confidence intervals by arm over visits, one panel per outcome.

    Parameters
    ----------
    means : DataFrame
        Columns ``outcome, arm, visit, mean, conf_low, conf_high`` (one row per outcome, arm
        and visit), e.g. from :func:`lifestyle_trials.report.descriptives.by_visit` or a
        model's marginal means.
    ylabels : mapping
        Outcome → y-axis label; panels follow its order.
    arm_labels : mapping, optional
        Arm → legend text.
    titles : mapping, optional
        Outcome → panel title.
    log : sequence of str
        Outcomes drawn on a log y axis (geometric means).
    """
    outcomes = list(ylabels)
    n = len(outcomes)
    ncols = 1 if n == 1 else 2
    nrows = int(np.ceil(n / ncols))
    fig = Figure(figsize=(7.0 if n > 1 else 5.4, 2.7 * nrows + 0.5), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    visits = np.sort(means["visit"].unique())
    span = float(visits.max() - visits.min()) or 1.0
    arms = [a for a in ARMS if a in set(means["arm"])]
    for ax, outcome in zip(axes, outcomes, strict=False):
        part = means[means["outcome"] == outcome]
        for i, arm in enumerate(arms):
            rows = part[part["arm"] == arm].sort_values("visit")
            x = rows["visit"].to_numpy(dtype=float) + (i - (len(arms) - 1) / 2) * 0.018 * span
            _points_with_ci(
                ax,
                x,
                rows,
                "mean",
                color=ARM_COLOURS[arm],
                marker=ARM_MARKERS[arm],
                capsize=2.5,
                label=_label(arm, arm_labels),
            )
        ax.set_xticks(visits, [_visit_text(v) for v in visits])
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabels[outcome])
        if outcome in log:
            _log_axis(ax, "y")
        if titles and outcome in titles:
            ax.set_title(titles[outcome], loc="left")
    for ax in axes[n:]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncols=len(arms))
    return fig


def _points_with_ci(ax: Axes, x: np.ndarray, rows: pd.DataFrame, column: str, **style: Any) -> None:
    """Draw ``rows[column]`` at ``x`` with error bars from ``conf_low`` to ``conf_high``."""
    y = rows[column].to_numpy(dtype=float)
    low = rows["conf_low"].to_numpy(dtype=float)
    high = rows["conf_high"].to_numpy(dtype=float)
    ax.errorbar(x, y, yerr=np.vstack([y - low, high - y]), elinewidth=1.0, **style)


_LOG_TICK_LEVELS: tuple[tuple[float, ...], ...] = (
    (1.0, 2.0, 5.0),
    (1.0, 1.5, 2.0, 3.0, 5.0, 7.0),
    (1.0, 1.1, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0),
    (
        1.0,
        1.1,
        1.2,
        1.3,
        1.4,
        1.5,
        1.6,
        1.8,
        2.0,
        2.25,
        2.5,
        2.75,
        3.0,
        3.5,
        4.0,
        4.5,
        5.0,
        5.5,
        6.0,
        7.0,
        8.0,
        9.0,
    ),
)
"""Mantissas of the tick values offered to log axes, coarse to fine."""


def log_ticks(low: float, high: float, most: int = 6) -> np.ndarray:
    """Round tick values for a log axis from ``low`` to ``high``: at least 3 where possible.

    The coarsest of :data:`_LOG_TICK_LEVELS` that gives three ticks in the range is used,
    thinned to at most ``most`` (keeping 1 when present).

    Examples
    --------
    >>> log_ticks(0.62, 1.3).tolist()
    [0.7, 0.8, 0.9, 1.0, 1.1, 1.25]
    >>> log_ticks(0.62, 1.3, most=4).tolist()
    [0.8, 1.0, 1.25]
    >>> log_ticks(0.5, 25).tolist()
    [0.5, 1.0, 2.0, 5.0, 10.0, 20.0]
    """
    low, high = min(low, high), max(low, high)
    decades = np.arange(np.floor(np.log10(low)) - 1, np.ceil(np.log10(high)) + 1)
    ticks = np.array([])
    for mantissas in _LOG_TICK_LEVELS:
        grid = np.unique(np.round(np.outer(10.0**decades, mantissas).ravel(), 10))
        ticks = grid[(grid >= low) & (grid <= high)]
        if ticks.size >= 3:
            break
    if ticks.size > most:
        step = int(np.ceil(ticks.size / most))
        anchor = int(np.argmin(np.abs(np.log(ticks)))) % step
        ticks = ticks[anchor::step]
    return ticks


def _log_axis(
    ax: Axes, which: str, low: float | None = None, high: float | None = None, most: int = 6
) -> None:
    """A log axis with plain-number ticks (0.8, 1, 1.25 rather than 10^x)."""
    axis = ax.yaxis if which == "y" else ax.xaxis
    (ax.set_yscale if which == "y" else ax.set_xscale)("log")
    if low is None or high is None:
        limits = ax.dataLim.intervaly if which == "y" else ax.dataLim.intervalx
        low, high = float(limits[0]), float(limits[1])
    axis.set_major_locator(FixedLocator(log_ticks(low, high, most).tolist()))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())
    axis.set_minor_locator(NullLocator())


@_styled
def interaction_plot(
    cells: pd.DataFrame,
    ylabel: str,
    *,
    factor_labels: tuple[str, str] = ("Diet", "Exercise"),
    log: bool = False,
) -> Figure:
    """Adjusted means of the four cells: exercise on the x axis, one line per diet level.

    Parallel lines mean no interaction on the scale of the analysis.

    Parameters
    ----------
    cells : DataFrame
        Columns ``diet, exercise`` (0/1), ``estimate, conf_low, conf_high``.
    ylabel : str
    factor_labels : (str, str)
        Names of the diet and exercise factors.
    log : bool
        Draw the y axis on a log scale (geometric means).
    """
    diet_name, exercise_name = factor_labels
    fig = Figure(figsize=(4.6, 3.4), layout="constrained")
    ax = fig.subplots()
    for level, colour, marker, offset in ((0, "#5F5F5F", "o", -0.03), (1, "#E69F00", "s", 0.03)):
        rows = cells[cells["diet"] == level].sort_values("exercise")
        x = rows["exercise"].to_numpy(dtype=float) + offset
        _points_with_ci(
            ax,
            x,
            rows,
            "estimate",
            color=colour,
            marker=marker,
            capsize=3,
            label=f"{diet_name}: {'yes' if level else 'no'}",
        )
    ax.set_xticks([0, 1], [f"{exercise_name}: no", f"{exercise_name}: yes"])
    ax.set_xlim(-0.4, 1.4)
    ax.set_ylabel(ylabel)
    if log:
        _log_axis(ax, "y")
    ax.legend(loc="best")
    return fig


@_styled
def forest_plot(
    rows: pd.DataFrame,
    xlabel: str,
    *,
    ratio: bool = False,
    panels: Sequence[str] | None = None,
    panel_titles: Mapping[str, str] | None = None,
) -> Figure:
    """Estimates with confidence intervals, one row per label, one panel per term.

    Every panel shares one x axis (the same limits and ticks, at round values), so that
    effects can be compared across panels, and shows the line of no effect (0, or 1 for
    ratios) with its label.

    Parameters
    ----------
    rows : DataFrame
        Columns ``panel, label, estimate, conf_low, conf_high``; rows keep their order
        within a panel (top to bottom), and every panel shares the labels.
    xlabel : str
    ratio : bool
        Estimates are ratios: log x axis with the no-effect line at 1 (else 0).
    panels : sequence of str, optional
        Panel order (default: order of first appearance).
    panel_titles : mapping, optional
        Panel → title.

    Examples
    --------
    >>> rows = pd.DataFrame({"panel": ["a", "b"], "label": ["x", "x"], "estimate": [-1.2, 3.4],
    ...                      "conf_low": [-2.5, 1.1], "conf_high": [0.3, 5.8]})
    >>> fig = forest_plot(rows, "Difference")
    >>> [ax.get_xlim() == fig.axes[0].get_xlim() for ax in fig.axes]
    [True, True]
    >>> [t.get_text() for t in fig.axes[0].get_xticklabels()]
    ['−2', '0', '2', '4', '6']
    """
    from matplotlib.ticker import MaxNLocator

    panels = list(panels) if panels is not None else list(pd.unique(rows["panel"]))
    labels = list(pd.unique(rows["label"]))
    height = 1.1 + 0.28 * len(labels)
    fig = Figure(figsize=(7.0, max(2.4, height)), layout="constrained")
    axes = fig.subplots(1, len(panels), sharey=True, sharex=True, squeeze=False).ravel()
    y_of = {label: len(labels) - 1 - i for i, label in enumerate(labels)}
    null = 1.0 if ratio else 0.0
    low_all = float(np.nanmin(np.append(rows["conf_low"].to_numpy(dtype=float), null)))
    high_all = float(np.nanmax(np.append(rows["conf_high"].to_numpy(dtype=float), null)))
    if ratio:
        ticks = log_ticks(low_all, high_all, most=5)
        pad = (np.log(high_all) - np.log(low_all)) * 0.06 or 0.05
        limits = (float(np.exp(np.log(low_all) - pad)), float(np.exp(np.log(high_all) + pad)))
    else:
        pad = (high_all - low_all) * 0.06 or 0.5
        limits = (low_all - pad, high_all + pad)
        for bins in range(5, 12):
            locator = MaxNLocator(nbins=bins, steps=[1, 2, 2.5, 5, 10])
            ticks = np.asarray(locator.tick_values(*limits), dtype=float)
            ticks = ticks[(ticks >= limits[0]) & (ticks <= limits[1])]
            if ticks.size >= 3:
                break
    for ax, panel in zip(axes, panels, strict=True):
        part = rows[rows["panel"] == panel]
        y = np.array([y_of[label] for label in part["label"]], dtype=float)
        est = part["estimate"].to_numpy(dtype=float)
        low = part["conf_low"].to_numpy(dtype=float)
        high = part["conf_high"].to_numpy(dtype=float)
        ax.axvline(null, color="#9A9A9A", linewidth=0.9, zorder=1)
        ax.hlines(y, low, high, color="#1F3A5F", linewidth=1.4, zorder=2)
        ax.plot(est, y, linestyle="none", marker="s", color="#1F3A5F", markersize=4.5, zorder=3)
        ax.text(
            null,
            len(labels) - 0.45,
            " no effect",
            fontsize=7,
            color="#6A6A6A",
            ha="left",
            va="bottom",
        )
        title = (panel_titles or {}).get(panel, panel)
        ax.set_title(textwrap.fill(title, max(16, 60 // len(panels))), loc="left")
        ax.grid(axis="y", visible=False)
    first = axes[0]
    if ratio:
        first.set_xscale("log")
        first.xaxis.set_minor_locator(NullLocator())
        first.xaxis.set_minor_formatter(NullFormatter())
    first.xaxis.set_major_locator(FixedLocator(ticks.tolist()))
    first.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _tick_text(v)))
    first.set_xlim(*limits)
    fig.supxlabel(xlabel, fontsize=STYLE["axes.labelsize"])
    first.set_yticks(list(y_of.values()), list(y_of.keys()))
    first.set_ylim(-0.7, len(labels) + 0.2)
    return fig


def _tick_text(value: float) -> str:
    """A tick label: a round value with a true minus sign and no float noise."""
    text = f"{round(value, 10):g}"
    return "\u2212" + text[1:] if text.startswith("-") else text


@_styled
def distributions(
    data: pd.DataFrame,
    ylabel: str,
    *,
    arm_labels: Mapping[str, str] | None = None,
    log: bool = False,
    xlabel: str = "Visit (months since randomisation)",
) -> Figure:
    """Each subject's value by arm and visit: box plots with the points over them.

    Parameters
    ----------
    data : DataFrame
        Columns ``arm, visit, value`` (one row per subject and visit; missing values are
        left out and not drawn).
    ylabel : str
    arm_labels : mapping, optional
    log : bool
        Log y axis.
    """
    data = data[np.isfinite(data["value"].to_numpy(dtype=float))]
    visits = np.sort(data["visit"].unique())
    arms = [a for a in ARMS if a in set(data["arm"])]
    width = 0.8 / len(arms)
    fig = Figure(figsize=(7.0, 3.4), layout="constrained")
    ax = fig.subplots()
    for j, arm in enumerate(arms):
        colour = ARM_COLOURS[arm]
        for k, visit in enumerate(visits):
            values = data.loc[(data["arm"] == arm) & (data["visit"] == visit), "value"]
            y = np.sort(values.to_numpy(dtype=float))
            if y.size == 0:
                continue
            x0 = k + (j - (len(arms) - 1) / 2) * width
            ax.boxplot(
                y,
                positions=[x0],
                widths=width * 0.8,
                showfliers=False,
                patch_artist=True,
                manage_ticks=False,
                boxprops={"facecolor": colour + "33", "edgecolor": colour},
                medianprops={"color": colour, "linewidth": 1.6},
                whiskerprops={"color": colour},
                capprops={"color": colour},
            )
            ax.scatter(
                x0 + _jitter(y.size, width * 0.55),
                y,
                s=7,
                color=colour,
                alpha=0.55,
                linewidths=0,
                marker=ARM_MARKERS[arm],
                label=_label(arm, arm_labels) if k == 0 else None,
            )
    ax.set_xticks(range(len(visits)), [_visit_text(v) for v in visits])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(axis="x", visible=False)
    if log:
        _log_axis(ax, "y")
    fig.legend(loc="outside upper center", ncols=len(arms), markerscale=1.8)
    return fig


@_styled
def residual_diagnostics(fitted: np.ndarray, residuals: np.ndarray, title: str = "") -> Figure:
    """Residuals against fitted values, and a normal quantile–quantile plot of residuals.

    Parameters
    ----------
    fitted, residuals : array-like
        Fitted values and residuals of one model (same length).
    title : str
        The model, named in the first panel's title.
    """
    fitted = np.asarray(fitted, dtype=float)
    resid = np.asarray(residuals, dtype=float)
    fig = Figure(figsize=(7.0, 3.1), layout="constrained")
    left, right = fig.subplots(1, 2)
    left.scatter(fitted, resid, s=9, color="#1F3A5F", alpha=0.6, linewidths=0)
    left.axhline(0.0, color="#9A9A9A", linewidth=0.9)
    left.set_xlabel("Fitted value")
    left.set_ylabel("Residual")
    left.set_title("Residuals vs fitted", loc="left")
    n = resid.size
    theoretical = stats.norm.ppf((np.arange(1, n + 1) - 0.375) / (n + 0.25))
    ordered = np.sort(resid)
    right.scatter(theoretical, ordered, s=9, color="#1F3A5F", alpha=0.6, linewidths=0)
    q1, q3 = np.quantile(resid, [0.25, 0.75])
    z1, z3 = stats.norm.ppf([0.25, 0.75])
    slope = (q3 - q1) / (z3 - z1)
    line = np.array([theoretical.min(), theoretical.max()])
    right.plot(line, q1 + slope * (line - z1), color="#9A9A9A", linewidth=0.9)
    right.set_xlabel("Normal quantile")
    right.set_ylabel("Residual")
    right.set_title("Normal Q–Q plot", loc="left")
    if title:
        left.set_title(f"{title}: residuals vs fitted", loc="left")
    return fig


@_styled
def flow_diagram(
    boxes: Mapping[str, Any],
    *,
    stages: Sequence[str] = ("Allocation", "Follow-up", "Analysis"),
) -> Figure:
    """The CONSORT 2010 flow diagram: enrolment, then allocation, follow-up and analysis per arm.

    Parameters
    ----------
    boxes : mapping
        The text of every box (as :func:`lifestyle_trials.report.consort_text.consort_boxes`
        writes it): ``assessed`` and ``excluded`` (lines, or None when the source does not
        report enrolment), ``randomised`` (one line) and ``arms``, one entry per arm with
        ``arm`` and the lines of each stage (``allocation``, ``follow_up``, ``analysis``).
        The first line of a box is its heading; lines starting with "•" are reasons.
    stages : sequence of str
        Names of the per-arm stages, shown at the left.

    Examples
    --------
    >>> boxes = {"assessed": None, "excluded": None, "randomised": "Randomised (n = 4)",
    ...          "arms": [{"arm": a, "allocation": [f"Allocated (n = 2)"],
    ...                    "follow_up": ["Lost to follow-up (n = 0)"],
    ...                    "analysis": ["Analysed (n = 2)"]} for a in ("control", "diet")]}
    >>> fig = flow_diagram(boxes)
    >>> sum("Analysed" in t.get_text() for t in fig.axes[0].texts)
    2
    """
    from matplotlib.patches import FancyBboxPatch

    arms = list(boxes["arms"])
    n_arms = len(arms)
    width = 7.2
    left = 0.1  # stage names to the left of this (axes fraction)
    column = (1 - left) / n_arms
    col_w = width * column - 0.12
    chars = max(14, int((col_w - 0.14) * 72 / (7.0 * 0.52)))  # about 0.52 em per character
    keys = ("allocation", "follow_up", "analysis")

    def wrap(lines: Sequence[str], size: int) -> str:
        """The lines wrapped to ``size`` characters; the heading ends at a blank marker."""
        out = []
        for i, line in enumerate(lines):
            line = line.replace("n = ", "n\u00a0=\u00a0")  # keep "n = 6" on one line
            indent = "   " if line.startswith("•") else "  "
            out.append(textwrap.fill(line, size, subsequent_indent=indent))
            if i == 0:
                out[-1] += "\0"
        return "\n".join(out)

    texts = [[wrap(a[k], chars) for k in keys] for a in arms]
    line = 0.125  # inches per text line at 7 pt
    pad = 0.16
    gap = 0.3

    def height(text: str) -> float:
        return line * (text.count("\n") + 1) + pad

    heights = [max(height(t[i]) for t in texts) for i in range(len(keys))]
    assessed = wrap(boxes["assessed"], 60) if boxes.get("assessed") else ""
    excluded = wrap(boxes["excluded"], 44) if boxes.get("excluded") else ""
    randomised = wrap([boxes["randomised"]], 60)
    gap_top = max(gap, height(excluded) + 0.16) if excluded else gap
    total = 0.24 + height(randomised) + gap * len(keys) + sum(heights)
    if assessed:
        total += height(assessed) + gap_top
    fig = Figure(figsize=(width, total))
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_axis_off()
    ax.set_xlim(0, width)
    ax.set_ylim(0, total)
    arrow = {
        "arrowstyle": "-|>",
        "color": "#1F3A5F",
        "linewidth": 0.8,
        "shrinkA": 0,
        "shrinkB": 0,
        "mutation_scale": 8,
    }

    def box(x: float, top: float, w: float, h: float, text: str, colour: str, bold: bool) -> None:
        ax.add_patch(
            FancyBboxPatch(
                (x, top - h),
                w,
                h,
                boxstyle="round,pad=0,rounding_size=0.04",
                facecolor="#F4F6F8",
                edgecolor=colour,
                linewidth=1.2 if bold else 0.8,
            )
        )
        heading, _, rest = text.partition("\0")
        rest = rest.removeprefix("\n")
        style: dict[str, Any] = {"ha": "left", "va": "top", "fontsize": 7, "linespacing": 1.25}
        ax.text(x + 0.07, top - pad / 2, heading, fontweight="bold", **style)
        if rest:
            below = line * (heading.count("\n") + 1)
            ax.text(x + 0.07, top - pad / 2 - below, rest, **style)

    def stage(y: float, name: str) -> None:
        ax.text(
            0.05, y, name, ha="left", va="center", fontsize=8, color="#555555", fontweight="bold"
        )

    centre = width * (left + (1 - left) / 2)
    top_w = 2.5
    y = total - 0.12
    if assessed:
        h = height(assessed)
        box(centre - top_w / 2, y, top_w, h, assessed, "#1F3A5F", True)
        stage(y - h / 2, "Enrolment")
        y -= h
        if excluded:
            ex_w = 2.3
            ex_x = width - ex_w - 0.08
            mid = y - gap_top / 2
            box(
                ex_x, mid + height(excluded) / 2, ex_w, height(excluded), excluded, "#1F3A5F", False
            )
            ax.annotate("", xy=(ex_x, mid), xytext=(centre, mid), arrowprops=arrow)
        ax.annotate("", xy=(centre, y - gap_top), xytext=(centre, y), arrowprops=arrow)
        y -= gap_top
    h = height(randomised)
    box(centre - top_w / 2, y, top_w, h, randomised, "#1F3A5F", True)
    if not assessed:
        stage(y - h / 2, "Enrolment")
    y -= h
    randomised_bottom = y
    y -= gap
    xs = [width * (left + column * i) + 0.06 for i in range(n_arms)]
    tops = []
    for h in heights:
        tops.append(y)
        y -= h + gap
    for name, top, h in zip(stages, tops, heights, strict=True):
        stage(top - h / 2, name)
    for x, a, text in zip(xs, arms, texts, strict=True):
        colour = ARM_COLOURS.get(str(a["arm"]), "#1F3A5F")
        mid = x + col_w / 2
        ax.annotate("", xy=(mid, tops[0]), xytext=(centre, randomised_bottom), arrowprops=arrow)
        for i, (top, h) in enumerate(zip(tops, heights, strict=True)):
            box(x, top, col_w, h, text[i], colour, i in (0, len(keys) - 1))
            if i + 1 < len(keys):
                ax.annotate("", xy=(mid, tops[i + 1]), xytext=(mid, top - h), arrowprops=arrow)
    return fig
