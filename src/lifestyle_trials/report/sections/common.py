"""Tables, cells and notes that several sections of the report build the same way."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from .. import format as fmt
from ..blocks import Cell, Figure, Items, Paragraph, Row, Table
from ..context import Context

__all__ = [
    "Block",
    "add",
    "effect_cell",
    "effect_cells",
    "scale_note",
    "table",
    "truth_of",
    "truth_text",
]

Block = Table | Figure | Paragraph | Items
"""What a section is made of (:attr:`..blocks.Section.blocks`)."""


def table(
    ctx: Context,
    caption: str,
    columns: Sequence[str | Cell],
    body: Sequence[Row],
    notes: Sequence[str] = (),
    head: Sequence[Row] | None = None,
) -> Table:
    """The next numbered table.

    Parameters
    ----------
    ctx : Context
        The report's numbers and numbering state; the table takes the next number.
    caption : str
        The caption, without its number.
    columns : sequence of str or Cell
        Column headers; a plain string over a column that is mostly numbers is aligned
        right (class ``num``).
    body : sequence of Row
        The body rows.
    notes : sequence of str, optional
        Notes printed under the table.
    head : sequence of Row, optional
        Header rows to use instead of ``columns``.

    Returns
    -------
    Table
    """
    tid, cap = ctx.table_caption(caption)
    if head is None:
        head = [
            Row(
                [
                    c if isinstance(c, Cell) else Cell(c, _column_class(body, j))
                    for j, c in enumerate(columns)
                ]
            )
        ]
    return Table(id=tid, caption=cap, head=head, body=body, notes=notes)


def _column_class(body: Sequence[Row], j: int) -> str:
    """``num`` for a header over a column of numbers (so that it aligns right)."""
    cells = [r.cells[j] for r in body if len(r.cells) > j and r.cls != "group"]
    numeric = sum("num" in c.cls.split() for c in cells)
    return "num" if cells and numeric * 2 > len(cells) else ""


def add(blocks: list[Block], item: Block | None) -> None:
    """Append ``item`` to ``blocks`` unless it is None (a figure that was not drawn)."""
    if item is not None:
        blocks.append(item)


def effect_cell(
    ctx: Context, row: Mapping[str, Any], log: bool, outcome: str, note: str = ""
) -> Cell:
    """An effect with its 95% CI, and its P value (then ``note``) on a second line.

    Parameters
    ----------
    ctx : Context
        The report's numbers and labels.
    row : mapping
        An effect of numbers.json (estimate or ratio, limits, ``std_error``, ``p_value``).
    log : bool
        Whether the effect is a ratio (log-scale analysis).
    outcome : str
        The outcome (its decimals are the same throughout the report).
    note : str, optional
        Text appended to the P value.

    Returns
    -------
    Cell
    """
    return Cell(ctx.effect(row, log, outcome), "num", sub=fmt.p_text(row["p_value"]) + note)


def effect_cells(ctx: Context, row: Mapping[str, Any], log: bool, outcome: str) -> list[Cell]:
    """Estimate (95% CI), % change for ratios, P value: one cell each."""
    cells = [Cell(ctx.effect(row, log, outcome), "num")]
    if log:
        cells.append(Cell(fmt.percent_change(row["ratio"]), "num"))
    cells.append(Cell(fmt.p_value(row["p_value"]), "num"))
    return cells


def scale_note(log: bool, outcome_label: str) -> str:
    """The note under an effects table that says what the effects are."""
    if log:
        return (
            f"{outcome_label} was analysed on the log scale: effects are ratios of geometric "
            "means (treated / untreated) with 95% CIs; % change = (ratio − 1) × 100."
        )
    return "Effects are differences in adjusted means (treated − untreated) with 95% CIs."


def truth_of(ctx: Context, outcome: str) -> Mapping[str, Any] | None:
    """The true effects on ``outcome`` of a simulated trial (None for real data)."""
    truth = ctx.numbers.get("truth") or {}
    return truth.get(outcome)


def truth_text(value: float | None, log: bool, decimals: int) -> str:
    """A true effect as printed: a ratio (``exp`` of the log effect) or a difference.

    Parameters
    ----------
    value : float or None
        The true effect on the analysis scale; None when the generator defines none.
    log : bool
        Whether the outcome is analysed on the log scale.
    decimals : int
        Decimals of a difference (ratios have 2).

    Returns
    -------
    str
        The value, or "–" when there is none.

    Examples
    --------
    >>> truth_text(None, False, 1)
    '–'
    >>> truth_text(0.0, True, 1)
    '1.00'
    """
    if value is None:
        return "–"
    if log:
        return fmt.num(math.exp(value), 2)
    return fmt.num(value, decimals)
