"""The pieces a report page is made of: sections of paragraphs, tables, figures and lists.

The view (:mod:`.view`) turns numbers.json into these, with every number already formatted;
the template only lays them out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["Cell", "Figure", "Items", "Paragraph", "Row", "Section", "Table"]


@dataclass(frozen=True)
class Cell:
    """One table cell. ``sub`` is a second, smaller line (e.g. a P value under an effect)."""

    text: str
    cls: str = ""
    colspan: int = 1
    rowspan: int = 1
    sub: str = ""


@dataclass(frozen=True)
class Row:
    """One table row; ``cls`` marks group headers (``"group"``) or emphasis."""

    cells: Sequence[Cell]
    cls: str = ""


@dataclass(frozen=True)
class Table:
    """A numbered table with a caption, header rows, body rows and notes."""

    id: str
    caption: str
    head: Sequence[Row]
    body: Sequence[Row]
    notes: Sequence[str] = ()
    kind: str = "table"


@dataclass(frozen=True)
class Figure:
    """A numbered figure: the image (a data URI), its alt text and its caption."""

    id: str
    caption: str
    alt: str
    src: str
    kind: str = "figure"


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of text; ``cls`` e.g. ``"note"`` or ``"lead"``."""

    text: str
    cls: str = ""
    kind: str = "paragraph"


@dataclass(frozen=True)
class Items:
    """A definition list (``pairs``: term, description) or a bulleted list (terms only)."""

    pairs: Sequence[tuple[str, str]]
    cls: str = ""
    kind: str = "items"


@dataclass(frozen=True)
class Section:
    """A titled section of blocks, with subsections."""

    id: str
    title: str
    blocks: Sequence[Table | Figure | Paragraph | Items] = ()
    subsections: Sequence[Section] = field(default_factory=tuple)
