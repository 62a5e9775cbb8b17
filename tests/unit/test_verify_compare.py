"""The comparison rules of `make verify` and the figure data it compares.

Numbers agree within a relative 1e-6 (pipeline.compare.RTOL); printed numbers agree when values
rounding to each can lie within that tolerance, which is one unit in the last printed digit at
most; checksums and versions are notes. Figures are compared by what figure_data reads back
from the drawn artists.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.figure import Figure

from lifestyle_trials.pipeline.compare import (
    Printed,
    compare_csv,
    compare_numbers,
    compare_text,
    printed_agree,
    printed_tokens,
)
from lifestyle_trials.pipeline.files import write_csv
from lifestyle_trials.pipeline.save import figure_data, svg_bytes


@pytest.mark.parametrize(
    ("built", "expected", "agree"),
    [
        ("0.1235", "0.1234", True),  # a value at 0.12345 rounds either way
        ("0.1236", "0.1234", False),  # two units: no value rounds to both neighbours
        ("10.00", "9.999", True),  # 9.9995 at four significant digits
        ("10.01", "9.999", False),
        ("−0.000", "0.000", True),
        ("1.24e-05", "1.23e-05", True),
        ("1.25e-05", "1.23e-05", False),
        ("1.23e-05", "1.23e-06", False),
        ("41", "42", True),
        ("41", "43", False),
    ],
)
def test_printed_numbers_agree_within_one_unit_of_their_last_digit(built, expected, agree):
    assert printed_agree(f"mean {built} kg", f"mean {expected} kg") is agree


@given(
    st.floats(min_value=1e-6, max_value=1e6),
    st.floats(min_value=-1e-9, max_value=1e-9),
    st.sampled_from([".4g", ".3f", ".2e", ".0f", ".6g"]),
    st.booleans(),
)
def test_any_value_printed_after_a_tiny_change_still_agrees(value, change, spec, negative):
    """Whatever the value and format, the printed text of x and of x(1 + 1e-9) agree."""
    x = -value if negative else value
    assert printed_agree(f"HR {x:{spec}} (p)", f"HR {x * (1 + change):{spec}} (p)")


def test_words_with_digits_are_text_not_numbers():
    kinds = [(k, v) for k, v, _ in printed_tokens("ODES-034 at visit_12, 2007-01-15")]
    assert kinds[0] == ("text", "ODES-034 at visit_12, ")
    assert kinds[1] == ("number", Printed(2007.0, 1.0))
    assert kinds[2] == ("text", "-01-15")
    assert not printed_agree("ODES-034", "ODES-035")
    assert not printed_agree("homa_ir_12", "homa_ir_11")


def test_checksums_and_versions_are_notes_and_text_differences_name_their_place():
    sha_a, sha_b = "0" * 64, "f" * 64
    found = list(compare_text(f"a {sha_a} numpy 2.4.6.", f"a {sha_b} numpy 2.3.1."))
    assert [kind for kind, _, _ in found] == ["note", "note"]
    found = list(compare_text("line\nmean 1.0 kg", "line\nmean 1.0 lb"))
    assert found == [("difference", "' kg', expected ' lb'", 13)]
    found = list(compare_text("p 0.12 and 0.5", "p 0.12"))
    assert found[0][0] == "difference" and "text cut or added" in found[0][1]
    assert not printed_agree("2.4.6", "2.4")  # a version where a number was


def test_json_numbers_within_tolerance_counts_exactly_strings_as_printed():
    assert not list(
        compare_numbers({"x": 1.0, "s": "n = 40, 0.1235"}, {"x": 1 + 1e-9, "s": "n = 40, 0.1234"})
    )
    assert list(compare_numbers({"n": 41}, {"n": 40})) == [("difference", "n: 41, expected 40")]
    assert list(compare_numbers({"x": 1.001}, {"x": 1.0})) == [
        ("difference", "x: 1.001, expected 1.0")
    ]
    notes = list(compare_numbers({"v": {"a": 1}}, {"v": {"a": 2}}, notes=(("v",),)))
    assert notes == [("note", "v: {'a': 1}, expected {'a': 2}")]


def test_tables_cell_by_cell(tmp_path):
    frame = pd.DataFrame(
        {"arm": ["control", "diet"], "n": [40, 41], "estimate": [0.1, 1 / 3], "ids": ["S-1", ""]}
    )
    write_csv(tmp_path / "e.csv", frame)
    write_csv(tmp_path / "b.csv", frame.assign(estimate=frame["estimate"] * (1 + 1e-12)))
    assert compare_csv(tmp_path / "b.csv", tmp_path / "e.csv") == (8, [])
    changed = frame.assign(n=[40, 42], ids=["S-1", "S-2"])
    write_csv(tmp_path / "b.csv", changed)
    assert compare_csv(tmp_path / "b.csv", tmp_path / "e.csv")[1] == [
        "row 2, n: '42', expected '41'",
        "row 2, ids: 'S-2', expected ''",
    ]
    write_csv(tmp_path / "b.csv", frame.drop(columns="ids"))
    assert "shape" in compare_csv(tmp_path / "b.csv", tmp_path / "e.csv")[1][0]


def _figure(y: np.ndarray) -> Figure:
    fig = Figure(figsize=(4, 3))
    left, right = fig.subplots(1, 2)
    x = np.arange(y.size, dtype=float)
    left.plot(x, np.exp(y), marker="o", label="diet")
    left.errorbar(x, y, yerr=0.1 * np.abs(y), linestyle="none")
    left.fill_between(x, y - 1, y + 1, alpha=0.2)
    left.set_yscale("log")
    left.set_title("Insulin", loc="left")
    left.legend()
    right.bar(x, np.log1p(np.abs(y)))
    right.scatter(x, y, label="subjects")
    right.annotate("peak", xy=(1.0, float(y[1])), xytext=(2.0, 0.5), arrowprops={})
    fig.suptitle("Two panels")
    svg_bytes(fig)  # draws the figure, as saving does
    return fig


def test_figure_data_reads_back_what_is_drawn():
    y = np.array([0.5, 1.5, -0.25, 2.0])
    data = figure_data(_figure(y))
    left, right = data["axes"]
    assert data["suptitle"] == "Two panels" and left["title_left"] == "Insulin"
    assert left["yscale"] == "log" and left["legend"]["labels"] == ["diet"]
    assert left["lines"][0]["y"] == pytest.approx(np.exp(y), rel=1e-9)
    assert left["lines"][0]["label"] == "diet"
    kinds = [c["kind"] for c in left["collections"]]
    assert "LineCollection" in kinds and any("Poly" in k or "Fill" in k for k in kinds)
    bars = [p for p in right["patches"] if p["kind"] == "Rectangle"]
    heights = [max(v[1] for v in p["vertices"]) for p in bars]
    assert heights == pytest.approx(np.log1p(np.abs(y)), rel=1e-9)
    scatter = next(c for c in right["collections"] if c["kind"] == "PathCollection")
    assert np.asarray(scatter["offsets"])[:, 1] == pytest.approx(y)
    assert right["texts"] == [{"text": "peak", "at": [2.0, 0.5], "points_to": [1.0, 1.5]}]
    assert all(label for _, label in right["xticks"])


def test_figure_data_agrees_after_one_ulp_and_names_a_moved_point():
    y = np.array([0.5, 1.5, -0.25, 2.0])
    expected = figure_data(_figure(y))
    assert not list(compare_numbers(figure_data(_figure(np.nextafter(y, np.inf))), expected))
    moved = y.copy()
    moved[2] *= 1.001
    found = [m for kind, m in compare_numbers(figure_data(_figure(moved)), expected)]
    assert any(m.startswith("axes[1].collections[0].offsets[2][1]:") for m in found), found


@given(st.integers(min_value=1, max_value=10**6), st.integers(min_value=0, max_value=6))
def test_a_value_on_a_rounding_boundary_printed_both_ways_agrees(digits, decimals):
    """x = (m + 1/2) 10^-d nudged by 1e-12 either way prints one unit apart, and agrees."""
    x = (digits + 0.5) / 10**decimals
    low, high = f"{x * (1 - 1e-12):.{decimals}f}", f"{x * (1 + 1e-12):.{decimals}f}"
    assert printed_agree(f"({low})", f"({high})")
