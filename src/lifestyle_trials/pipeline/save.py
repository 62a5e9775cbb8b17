"""Saving figures: the SVG, and beside it what the figure draws, as JSON.

Matplotlib writes a creation date and random element ids into SVG unless told otherwise;
here the date is removed, the creator is the package name and version, element ids are
derived from a fixed salt (``svg.hashsalt``) and text is drawn as paths from the fonts that
ship with matplotlib, so the file is the same on every machine with the same versions and
renders the same without any font installed.

The SVG bytes still change with the last bit of any drawn coordinate, and numpy's
``exp``/``log`` round differently in that bit on different CPUs. So each figure also gets
``<name>.json``: :func:`figure_data` reads back, from the drawn figure's artists, every
plotted coordinate (in data units, to 10 significant digits) and every text. ``make verify``
compares those within its tolerances instead of the SVG bytes.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import Collection, LineCollection, PathCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Annotation, Text

from .._version import __version__
from .files import atomic_write, write_json

__all__ = ["DIGITS", "SVG_RC", "figure_data", "save_figure", "save_svg", "svg_bytes"]

SVG_RC: dict[Any, Any] = {"svg.hashsalt": "lifestyle-trials", "svg.fonttype": "path"}
"""rcParams in force while writing SVG."""

DIGITS = 10
"""Significant digits of the coordinates in a figure's data file (``make verify`` compares
them to a relative tolerance of 1e-6, so the last bits of a computation do not show)."""


def svg_bytes(figure: Figure) -> bytes:
    """The figure as SVG bytes with fixed metadata (no date)."""
    buffer = io.BytesIO()
    with matplotlib.rc_context(SVG_RC):
        figure.savefig(
            buffer,
            format="svg",
            metadata={"Date": None, "Creator": f"lifestyle-trials {__version__}"},
        )
    return buffer.getvalue()


def save_svg(figure: Figure, path: str | Path) -> None:
    """Write the figure to ``path`` as SVG, atomically."""
    atomic_write(path, svg_bytes(figure))


def save_figure(figure: Figure, path: str | Path) -> Path:
    """Write the figure as SVG to ``path`` and what it draws to the same name with ``.json``.

    The SVG is written first: drawing it fixes the tick labels that :func:`figure_data`
    records. Returns the path of the data file.
    """
    path = Path(path)
    save_svg(figure, path)
    data_path = path.with_suffix(".json")
    write_json(data_path, figure_data(figure))
    return data_path


def figure_data(figure: Figure) -> dict[str, Any]:
    """What a drawn figure shows: its texts and every plotted coordinate, in data units.

    Read from the figure's artists, whatever function drew it: per axes the titles, axis
    labels, scales, limits, tick positions and labels, lines (``x``, ``y``), collections
    (scatter offsets, line segments, filled paths), patches (their outline), texts and
    annotations and the legend; for the figure its size, texts and legends. Only visible
    artists count. Floats are rounded to :data:`DIGITS` significant digits; NaN and
    infinities become ``None``.

    Examples
    --------
    >>> fig = Figure()
    >>> ax = fig.subplots()
    >>> _ = ax.plot([0.0, 1.0], [2.0, 1.0 / 3.0], label="diet")
    >>> _ = ax.set_title("Weight")
    >>> fig.canvas.draw()
    >>> data = figure_data(fig)
    >>> data["axes"][0]["title"], data["axes"][0]["lines"][0]["y"]
    ('Weight', [2.0, 0.3333333333])
    """
    out: dict[str, Any] = {
        "size": _floats(figure.get_size_inches()),
        "texts": _texts(figure.texts),
        "legends": [_legend(g) for g in figure.legends if g.get_visible()],
        "axes": [_axes(ax) for ax in figure.axes if ax.get_visible()],
    }
    for name in ("_suptitle", "_supxlabel", "_supylabel"):
        text = getattr(figure, name, None)
        if isinstance(text, Text) and text.get_visible() and text.get_text():
            out[name.lstrip("_")] = text.get_text()
    return out


def _axes(ax: Axes) -> dict[str, Any]:
    out: dict[str, Any] = {"title": ax.get_title()}
    for loc in ("left", "right"):
        if ax.get_title(loc=loc):
            out[f"title_{loc}"] = ax.get_title(loc=loc)
    if ax.axison:
        for which, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            low, high = sorted(ax.get_xlim() if which == "x" else ax.get_ylim())
            out[f"{which}label"] = axis.get_label_text()
            out[f"{which}scale"] = axis.get_scale()
            out[f"{which}lim"] = _floats([low, high])
            out[f"{which}ticks"] = _ticks(axis, low, high)
    out["lines"] = [_line(x) for x in ax.lines if x.get_visible()]
    out["collections"] = [_collection(c) for c in ax.collections if c.get_visible()]
    out["patches"] = [_patch(p) for p in ax.patches if p.get_visible()]
    out["texts"] = _texts(ax.texts)
    legend = ax.get_legend()
    if legend is not None and legend.get_visible():
        out["legend"] = _legend(legend)
    return out


def _ticks(axis: Any, low: float, high: float) -> list[list[Any]]:
    """``[position, label]`` of each major tick within the axis limits."""
    slack = 1e-9 * max(abs(high - low), abs(high), abs(low), 1e-300)
    out = []
    for tick in axis.get_major_ticks():
        where = float(tick.get_loc())
        if tick.get_visible() and low - slack <= where <= high + slack:
            out.append([_float(where), tick.label1.get_text()])
    return out


def _line(line: Line2D) -> dict[str, Any]:
    xy = np.asarray(line.get_xydata(), dtype=float).reshape(-1, 2)
    out: dict[str, Any] = {"x": _floats(xy[:, 0]), "y": _floats(xy[:, 1])}
    label = str(line.get_label())
    if label and not label.startswith("_"):
        out["label"] = label
    out["colour"] = _hex(line.get_color())
    out["marker"] = str(line.get_marker())
    out["linestyle"] = str(line.get_linestyle())
    return out


def _collection(collection: Collection) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": type(collection).__name__}
    label = str(collection.get_label())
    if label and not label.startswith("_"):
        out["label"] = label
    if isinstance(collection, LineCollection):
        out["segments"] = [_floats(s) for s in collection.get_segments()]
    elif isinstance(collection, PathCollection):
        out["offsets"] = _floats(np.asarray(collection.get_offsets(), dtype=float))
    else:
        out["paths"] = [_floats(p.vertices) for p in collection.get_paths()]
        offsets = np.asarray(collection.get_offsets(), dtype=float)
        if offsets.size and np.any(offsets != 0):
            out["offsets"] = _floats(offsets)
    colours = collection.get_facecolor()
    if len(colours) == 0:
        colours = collection.get_edgecolor()
    if len(colours):
        out["colour"] = _hex(colours[0])
    return out


def _patch(patch: Patch) -> dict[str, Any]:
    vertices = patch.get_patch_transform().transform(patch.get_path().vertices)
    return {
        "kind": type(patch).__name__,
        "vertices": _floats(vertices),
        "colour": _hex(patch.get_facecolor()),
    }


def _texts(texts: Iterable[Text]) -> list[dict[str, Any]]:
    out = []
    for text in texts:
        if not text.get_visible() or not (text.get_text() or isinstance(text, Annotation)):
            continue
        item: dict[str, Any] = {"text": text.get_text(), "at": _floats(text.get_position())}
        if isinstance(text, Annotation):
            item["points_to"] = _floats(text.xy)
        out.append(item)
    return out


def _legend(legend: Legend) -> dict[str, Any]:
    return {
        "title": legend.get_title().get_text(),
        "labels": [t.get_text() for t in legend.get_texts()],
    }


def _hex(colour: Any) -> str:
    return str(to_hex(colour, keep_alpha=True))


def _float(value: Any) -> float | None:
    x = float(value)
    if not math.isfinite(x):
        return None
    return float(f"{x:.{DIGITS}g}")


def _floats(values: Any) -> Any:
    """Nested lists of rounded floats from an array or a sequence of numbers."""
    array = np.asarray(values, dtype=float)
    if array.ndim == 0:
        return _float(array)
    return [_floats(v) for v in array] if array.ndim > 1 else [_float(v) for v in array]
