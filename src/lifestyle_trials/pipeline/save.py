"""Saving figures as SVG whose bytes depend only on what is drawn.

Matplotlib writes a creation date and random element ids into SVG unless told otherwise;
here the date is removed, the creator is the package name and version, element ids are
derived from a fixed salt (``svg.hashsalt``) and text is drawn as paths from the fonts that
ship with matplotlib, so the file is the same on every machine with the same versions and
renders the same without any font installed.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.figure import Figure

from .._version import __version__
from .files import atomic_write

__all__ = ["SVG_RC", "save_svg", "svg_bytes"]

SVG_RC: dict[Any, Any] = {"svg.hashsalt": "lifestyle-trials", "svg.fonttype": "path"}
"""rcParams in force while writing SVG."""


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
