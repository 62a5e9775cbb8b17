"""The HTML report: one self-contained file rendered from numbers.json and the figures.

Styles are inlined and figures embedded as data URIs, so the file opens offline, prints,
and can be mailed to a reviewer as it is. The template (``templates/report.html.j2``) only
lays out the sections that :mod:`.view` builds; autoescaping is on, so text from data and
configuration cannot inject markup.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from typing import Any

import jinja2

from .context import Context
from .view import build_sections, header

__all__ = ["render_report"]


def _environment() -> jinja2.Environment:
    templates = resources.files(__package__).joinpath("templates")
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: templates.joinpath(name).read_text("utf-8")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_report(
    numbers: Mapping[str, Any], svgs: Mapping[str, bytes], stamp: Mapping[str, Any] | None = None
) -> str:
    """The report of one analysis as an HTML document.

    Parameters
    ----------
    numbers : mapping
        The content of numbers.json.
    svgs : mapping
        Figure name → SVG bytes, from the figures step.
    stamp : mapping, optional
        How the page was made (package version, input checksums, configuration, seed);
        written into the page as a JSON comment at the top.

    Returns
    -------
    str
        A complete HTML document; the same inputs give the same text.
    """
    ctx = Context(numbers, svgs)
    sections = build_sections(ctx)
    css = resources.files(__package__).joinpath("templates", "report.css").read_text("utf-8")
    env = _environment()
    template = env.get_template("report.html.j2")
    return template.render(
        head=header(ctx),
        sections=sections,
        css=css,
        stamp=numbers.get("stamp", {}),
        made=_comment(stamp) if stamp else "",
        links=[
            {"href": f"../{key}/index.html", "text": text}
            for key, text in numbers.get("stamp", {}).get("config", {}).get("links", {}).items()
        ],
    )


def _comment(stamp: Mapping[str, Any]) -> str:
    """The stamp as the JSON text of an HTML comment (no ``--`` inside)."""
    text = json.dumps(stamp, indent=1, ensure_ascii=False, sort_keys=False)
    return text.replace("--", "- -")
