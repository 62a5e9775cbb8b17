"""Exception and warning types that users of lifestyle-trials catch.

Every error the package raises on purpose is a subclass of :class:`LifestyleTrialsError`,
and those about bad input are also :class:`ValueError`, so ``except ValueError`` keeps working.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

__all__ = [
    "ConfigError",
    "ConvergenceError",
    "ConvergenceWarning",
    "DatasetError",
    "DomainError",
    "LifestyleTrialsError",
    "ModelError",
    "Problem",
    "TrialDataError",
    "TrialDataWarning",
    "UnitError",
    "computed",
]


class LifestyleTrialsError(Exception):
    """Base class of every error raised by lifestyle-trials."""


@dataclass(frozen=True)
class Problem:
    """One problem found while validating trial data.

    Attributes
    ----------
    column : str or None
        The column the problem is about (None for a problem with the whole table).
    message : str
        What is wrong.
    hint : str
        What to do about it.
    rows : tuple of str
        Where it is: row labels (file line numbers for files, index labels for DataFrames).
    subjects : tuple of str
        The subjects concerned, when the problem is about subjects.
    """

    column: str | None
    message: str
    hint: str = ""
    rows: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()

    def describe(self, limit: int = 10) -> str:
        """One readable paragraph: column, what is wrong, where, and what to do."""
        head = f"column {self.column!r}: " if self.column else ""
        text = head + self.message
        if self.rows:
            noun, where = _row_noun(self.rows)
            text += f" ({_enumerate(noun, where, limit)})"
        if self.subjects:
            text += f" ({_enumerate('subject', self.subjects, limit)})"
        if self.hint:
            text += f". {self.hint[:1].upper()}{self.hint[1:]}"
        return text


def _row_noun(rows: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    """The noun that row labels share ("line" of "line 9", "line 12") and what follows it;
    "row" for bare labels (a DataFrame's index)."""
    parts = [label.rpartition(" ") for label in rows]
    heads = {head for head, _, _ in parts}
    if len(heads) == 1 and (head := heads.pop()) and all(n.isdigit() for _, _, n in parts):
        return head, tuple(number for _, _, number in parts)
    return "row", tuple(rows)


def _enumerate(noun: str, items: Sequence[str], limit: int) -> str:
    shown = ", ".join(str(i) for i in items[:limit])
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    plural = "s" if len(items) != 1 else ""
    return f"{noun}{plural} {shown}{more}"


class TrialDataError(LifestyleTrialsError, ValueError):
    """Trial data that cannot be turned into a valid Trial.

    All problems found are collected and reported together; ``problems`` holds them.
    """

    def __init__(self, problems: Sequence[Problem], source: str = "the data") -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.source = source
        lines = [f"{len(self.problems)} problem(s) in {source}:"]
        lines += [f"  - {p.describe()}" for p in self.problems]
        super().__init__("\n".join(lines))

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns named by the problems, in order of first mention."""
        seen: dict[str, None] = {}
        for p in self.problems:
            if p.column:
                seen.setdefault(p.column, None)
        return tuple(seen)


class TrialDataWarning(UserWarning):
    """Data that are valid but look wrong (e.g. values that suggest other units)."""


class DomainError(LifestyleTrialsError, ValueError):
    """A value outside the domain of a formula (e.g. a non-positive insulin in HOMA-IR)."""


class UnitError(LifestyleTrialsError, ValueError):
    """A unit that is not known, or a conversion between incompatible units."""


class ModelError(LifestyleTrialsError, ValueError):
    """A model that cannot be fitted to these data as asked (and what can be done instead)."""


class ConvergenceError(LifestyleTrialsError, RuntimeError):
    """An iterative fit that did not converge."""


class ConvergenceWarning(UserWarning):
    """An iterative fit that converged with a caveat (boundary, flat likelihood)."""


class DatasetError(LifestyleTrialsError, ValueError):
    """A bundled dataset that is unknown, missing or fails its checksum."""


class ConfigError(LifestyleTrialsError, ValueError):
    """An analysis configuration (analysis.toml) that is invalid."""


def computed(value: T | None, name: str) -> T:
    """``value``, which the caller's state guarantees was computed; an error if it was not.

    For optional results that a code path always fills (e.g. derivatives evaluated at order 2),
    so that a broken invariant fails loudly whatever the interpreter's optimisation flags.
    """
    if value is None:
        raise LifestyleTrialsError(
            f"internal error: {name} was not computed; please report this with the call that "
            "raised it"
        )
    return value
