"""Figures: what each draws, and SVG bytes that depend only on the content."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure

from lifestyle_trials import figures as fig
from lifestyle_trials.pipeline.save import svg_bytes

ARMS = ["control", "diet", "exercise", "diet+exercise"]


def means(shift: float = 0.0) -> pd.DataFrame:
    rows = []
    for i, arm in enumerate(ARMS):
        for visit in (0.0, 6.0, 12.0):
            m = 4.0 - 0.1 * i * visit / 6 + shift
            rows.append(
                {
                    "outcome": "homa_ir",
                    "arm": arm,
                    "visit": visit,
                    "mean": m,
                    "conf_low": m - 0.3,
                    "conf_high": m + 0.3,
                }
            )
    return pd.DataFrame(rows)


def test_trajectories_one_line_per_arm_with_its_label():
    figure = fig.trajectories(
        means(), {"homa_ir": "HOMA-IR"}, arm_labels={"diet": "Low fat"}, log=["homa_ir"]
    )
    assert isinstance(figure, Figure)
    (ax,) = figure.axes
    assert ax.get_ylabel() == "HOMA-IR" and ax.get_yscale() == "log"
    labels = [t.get_text() for t in figure.legends[0].get_texts()]
    assert labels == ["control", "Low fat", "exercise", "diet+exercise"]
    assert len(ax.lines) >= 4


def test_interaction_plot_draws_two_diet_lines_over_exercise():
    cells = pd.DataFrame(
        {
            "diet": [0, 1, 0, 1],
            "exercise": [0, 0, 1, 1],
            "estimate": [4.0, 3.3, 3.5, 2.8],
            "conf_low": [3.6, 3.0, 3.2, 2.5],
            "conf_high": [4.5, 3.6, 3.9, 3.1],
        }
    )
    figure = fig.interaction_plot(cells, "HOMA-IR", factor_labels=("Diet", "Exercise"))
    ax = figure.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Exercise: no", "Exercise: yes"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Diet: no", "Diet: yes"]


def test_forest_plot_uses_a_log_axis_for_ratios_and_a_panel_per_term():
    rows = pd.DataFrame(
        {
            "panel": ["diet", "diet", "exercise", "exercise"],
            "label": ["A", "B", "A", "B"],
            "estimate": [0.8, 0.85, 0.9, 0.95],
            "conf_low": [0.7, 0.75, 0.8, 0.85],
            "conf_high": [0.9, 0.95, 1.0, 1.1],
        }
    )
    figure = fig.forest_plot(rows, "Ratio", ratio=True, panel_titles={"diet": "Diet"})
    assert len(figure.axes) == 2
    assert all(ax.get_xscale() == "log" for ax in figure.axes)
    assert figure.axes[0].get_title(loc="left") == "Diet"
    assert [t.get_text() for t in figure.axes[0].get_yticklabels()] == ["A", "B"]
    additive = fig.forest_plot(rows.assign(estimate=rows["estimate"] - 1), "Difference")
    assert additive.axes[0].get_xscale() == "linear"


def test_forest_panels_share_one_axis_with_round_ticks_and_a_labelled_null_line():
    rows = pd.DataFrame(
        {
            "panel": ["diet", "diet", "exercise", "exercise"],
            "label": ["A", "B", "A", "B"],
            "estimate": [0.62, 0.85, 1.3, 1.6],
            "conf_low": [0.51, 0.75, 1.1, 1.25],
            "conf_high": [0.77, 0.95, 1.55, 2.1],
        }
    )
    for ratio, null in ((True, 1.0), (False, 0.0)):
        data = (
            rows
            if ratio
            else rows.assign(
                **{c: (rows[c] - 1) * 7.3 for c in ("estimate", "conf_low", "conf_high")}
            )
        )
        figure = fig.forest_plot(data, "Effect", ratio=ratio)
        first, second = figure.axes
        assert first.get_xlim() == second.get_xlim()
        low, high = first.get_xlim()
        assert low <= data["conf_low"].min() and high >= data["conf_high"].max()
        ticks = first.get_xticks()
        assert len(ticks) >= 3 and list(ticks) == list(second.get_xticks())
        for t in ticks:  # round values (1, 1.25, 1.5, 2, 2.5, 5 times a power of ten)
            assert float(f"{t:.3g}") == pytest.approx(t, abs=1e-12), t
        for ax in figure.axes:
            lines = [line.get_xdata()[0] for line in ax.lines if len(set(line.get_xdata())) == 1]
            assert null in lines
            assert any(t.get_text().strip() == "no effect" for t in ax.texts)


def test_distributions_draw_every_observed_value_once():
    rng = np.random.default_rng(0)
    data = pd.DataFrame(
        {
            "arm": np.repeat(ARMS, 10),
            "visit": np.tile([0.0, 12.0], 20),
            "value": rng.lognormal(1.0, 0.4, 40),
        }
    )
    data.loc[3, "value"] = np.nan
    figure = fig.distributions(data, "HOMA-IR", log=True)
    points = [c for c in figure.axes[0].collections if isinstance(c, PathCollection)]
    assert sum(len(c.get_offsets()) for c in points) == 39


def test_residual_diagnostics_qq_points_are_the_sorted_residuals():
    resid = np.array([0.3, -0.1, 0.05, -0.4, 0.2])
    figure = fig.residual_diagnostics(np.arange(5.0), resid)
    qq = figure.axes[1].collections[0].get_offsets()
    assert np.allclose(qq[:, 1], np.sort(resid))
    assert np.all(np.diff(qq[:, 0]) > 0)


def test_flow_diagram_shows_every_box_of_consort_2010():
    from lifestyle_trials.report.consort_text import consort_boxes

    flow = {
        "enrolment": {
            "assessed": 120,
            "not_randomised": [{"reason": "did not meet the criteria", "n": 22}],
            "randomised": 98,
        },
        "disposition": "",
        "arms": [
            {
                "arm": arm,
                "allocated": n,
                "received": None,
                "not_received": [],
                "lost": [{"reason": "no visit after baseline", "n": n - k}],
                "discontinued": [],
                "analysed": k,
                "excluded": [{"reason": "no follow-up measurement at month 12", "n": n - k}],
            }
            for arm, n, k in (("control", 43, 37), ("diet", 55, 45))
        ],
    }
    figure = fig.flow_diagram(consort_boxes(flow, str.capitalize))
    texts = " ".join(t.get_text() for t in figure.axes[0].texts)
    texts = " ".join(texts.replace("\u00a0", " ").split())
    for expected in (
        "Assessed for eligibility (n = 120)",
        "Not randomised (n = 22)",
        "did not meet the criteria (n = 22)",
        "Randomised (n = 98)",
        "Allocated to Control (n = 43)",
        "Allocated to Diet (n = 55)",
        "Lost to follow-up (n = 6)",
        "Lost to follow-up (n = 10)",
        "Analysed (n = 37)",
        "Analysed (n = 45)",
        "Excluded from analysis (n = 10)",
        "Enrolment",
        "Allocation",
        "Follow-up",
        "Analysis",
    ):
        assert expected in texts, expected


def test_svg_bytes_depend_only_on_content():
    first = svg_bytes(fig.trajectories(means(), {"homa_ir": "HOMA-IR"}))
    second = svg_bytes(fig.trajectories(means(), {"homa_ir": "HOMA-IR"}))
    other = svg_bytes(fig.trajectories(means(0.5), {"homa_ir": "HOMA-IR"}))
    assert first == second
    assert first != other
    text = first.decode()
    assert "<dc:date>" not in text and re.search(r"20\d\d-\d\d-\d\d", text) is None
    assert "lifestyle-trials" in text


@pytest.mark.parametrize("name", ["trajectories", "forest_plot"])
def test_figures_fit_a_page(name):
    if name == "trajectories":
        figure = fig.trajectories(means(), {"homa_ir": "HOMA-IR", "x": "X"})
    else:
        rows = pd.DataFrame(
            {
                "panel": "d",
                "label": list("ABCDEFGHIJ"),
                "estimate": 0.0,
                "conf_low": -1.0,
                "conf_high": 1.0,
            }
        )
        figure = fig.forest_plot(rows, "Difference")
    width, height = figure.get_size_inches()
    assert width <= 7.2 and height <= 9.5
