"""What every part of the view needs: the numbers, the words for them, figure images, numbering.

A :class:`Context` wraps numbers.json with the analysis's labels and hands out table and
figure numbers in order of appearance.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import format as fmt
from . import labels as lab
from .blocks import Figure

__all__ = ["Context"]


@dataclass
class Context:
    """numbers.json with its labels, the figures' SVG bytes, and the numbering state."""

    numbers: Mapping[str, Any]
    svgs: Mapping[str, bytes]
    tables: int = 0
    figures: int = 0
    used: list[str] = field(default_factory=list)
    _decimals: dict[str, int] = field(default_factory=dict)

    # -- words ------------------------------------------------------------------------------

    @property
    def labels(self) -> Mapping[str, Any]:
        return self.numbers["analysis"]["labels"]

    def arm(self, arm: str) -> str:
        return lab.arm_label(arm, self.labels["arms"])

    def var(self, name: str) -> str:
        return lab.variable_label(name, self.labels["variables"])

    def unit(self, name: str) -> str:
        return lab.unit_text(self.numbers["design"]["units"].get(name))

    def diff_unit(self, name: str) -> str:
        """The unit of a difference of ``name``: percentage points for a percentage."""
        unit = self.unit(name)
        return "percentage points" if unit == "%" else unit

    def var_diff_unit(self, name: str, log: bool = False) -> str:
        """The name with the unit its effects are in: "(percentage points)" for a
        percentage; no unit for a ratio (log scale)."""
        if log:
            return self.var(name)
        unit = self.diff_unit(name)
        return f"{self.var(name)} ({unit})" if unit else self.var(name)

    def var_unit(self, name: str) -> str:
        unit = self.unit(name)
        return f"{self.var(name)} ({unit})" if unit else self.var(name)

    def term(self, term: str) -> str:
        factors = self.labels["factors"]
        if term in ("diet", "exercise") and term in factors:
            return f"{factors[term]} (main effect)"
        if term == "diet:exercise" and factors:
            d = factors.get("diet", "Diet")
            e = factors.get("exercise", "exercise")
            return f"{d} × {e.lower()} (interaction)"
        return lab.term_label(term, self.labels["arms"])

    def visit(self, visit: float) -> str:
        key = f"{float(visit):g}"
        custom = self.labels["visits"]
        if key in custom:
            return str(custom[key])
        return lab.visit_label(visit, self.labels["visit_unit"])

    def at_visit(self, visit: float) -> str:
        """The visit as a phrase: "at month 12", or the configured name as it is."""
        key = f"{float(visit):g}"
        custom = self.labels["visits"]
        if key in custom:
            return str(custom[key])
        return f"at {lab.visit_label(visit, self.labels['visit_unit'])}"

    def is_log(self, outcome: str) -> bool:
        return outcome in self.numbers["outcomes"]["log"]

    # -- numbering ----------------------------------------------------------------------------

    def table_caption(self, caption: str) -> tuple[str, str]:
        """The next table's id and numbered caption."""
        self.tables += 1
        return f"table-{self.tables}", f"Table {self.tables}. {caption}"

    def figure(self, name: str, caption: str, alt: str) -> Figure | None:
        """The next figure (None when the figures step did not draw ``name``)."""
        if name not in self.svgs:
            return None
        self.figures += 1
        self.used.append(name)
        data = base64.b64encode(self.svgs[name]).decode("ascii")
        return Figure(
            id=f"figure-{self.figures}",
            caption=f"Figure {self.figures}. {caption}",
            alt=alt,
            src=f"data:image/svg+xml;base64,{data}",
        )

    # -- numbers ------------------------------------------------------------------------------

    def decimals(self, outcome: str) -> int:
        """Decimals of every mean, difference and limit of ``outcome`` in the report.

        ``[report] decimals`` of the configuration when it names the outcome; otherwise,
        for an outcome analysed on its own scale, enough to show the smallest standard
        error of its effects with two significant digits (at most 3); for a log-scale
        outcome (whose effects are ratios), one more than its baseline SD needs.
        """
        if outcome in self._decimals:
            return self._decimals[outcome]
        custom = self.numbers["analysis"].get("decimals", {})
        if outcome in custom:
            d = int(custom[outcome])
        elif self.is_log(outcome):
            sd = self.numbers.get("baseline_sd", {}).get(outcome)
            d = min(3, fmt.decimals_for(sd) + 1) if sd else 2
        else:
            fits = [self.numbers.get("primary"), *self.numbers.get("secondary", [])]
            ses = [
                e["std_error"]
                for f in fits
                if f and f["outcome"] == outcome
                for e in f["effects"]
                if e.get("std_error")
            ]
            d = fmt.decimals_for(min(ses), most=3) if ses else 2
        self._decimals[outcome] = d
        return d

    def effect(self, row: Mapping[str, Any], log: bool, outcome: str) -> str:
        """An effect with its CI: a ratio for log-scale analyses, else a difference with the
        outcome's decimals (:meth:`decimals`)."""
        if log:
            return fmt.ratio_ci(row["ratio"], row["ratio_low"], row["ratio_high"])
        d = self.decimals(outcome)
        return fmt.estimate_ci(row["estimate"], row["conf_low"], row["conf_high"], d)
