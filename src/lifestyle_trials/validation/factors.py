"""The design factors: 0/1 diet and exercise columns, arm labels and their codes.

A factor column holds 0/1, True/False or yes/no (or labels declared with ``levels``); an arm
column holds the arm names (case and spacing tolerant) or labels mapped with ``arms``. Every
parser returns int8 codes per row, -1 where a value is missing or not valid, and records a
problem for those rows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..arms import ARM_CODES, ARMS
from ..errors import Problem
from ..factorize import factorize
from .rows import RowLabeller

__all__ = [
    "FACTOR_TOKENS",
    "ArmValue",
    "arm_codes",
    "arm_target",
    "check_reserved",
    "normal_key",
    "parse_arm",
    "parse_factor",
]

FACTOR_TOKENS: dict[str, int] = {
    "0": 0,
    "1": 1,
    "0.0": 0,
    "1.0": 1,
    "false": 0,
    "true": 1,
    "no": 0,
    "yes": 1,
    "n": 0,
    "y": 1,
}
"""Text accepted for a 0/1 factor (after trimming and lower-casing)."""

ArmValue = str | tuple[int, int] | None
"""What an arm label maps to: an arm name, (diet, exercise) codes, or None (not randomised)."""


def normal_key(value: object) -> str:
    """A label as compared: trimmed, lower-cased, runs of spaces made one.

    Examples
    --------
    >>> normal_key("  Low   Fat ")
    'low fat'
    """
    return re.sub(r"\s+", " ", str(value).strip().lower())


def arm_codes(label: object) -> tuple[int, int] | None:
    """(diet, exercise) codes of an arm label, tolerant of case, spacing and 'and'/'&'.

    Accepted: control, diet, exercise, diet+exercise (also "Diet + Exercise",
    "diet and exercise", "diet & exercise", "exercise+diet"). Anything else gives None.

    Examples
    --------
    >>> arm_codes("Diet + Exercise"), arm_codes(" control "), arm_codes("placebo")
    ((1, 1), (0, 0), None)
    """
    key = re.sub(r"\s*(?:\+|&|\band\b)\s*", "+", str(label).strip().lower())
    key = re.sub(r"\s+", " ", key)
    if key == "exercise+diet":
        key = "diet+exercise"
    return ARM_CODES.get(key)


def arm_target(target: ArmValue) -> tuple[int, int] | None:
    """(diet, exercise) codes of what an arm label is mapped to (None if not an arm).

    Examples
    --------
    >>> arm_target("diet+exercise"), arm_target((0, 1)), arm_target("placebo")
    ((1, 1), (0, 1), None)
    """
    if isinstance(target, str):
        return arm_codes(target)
    try:
        d, e = target  # type: ignore[misc]
    except (TypeError, ValueError):
        return None
    if d in (0, 1) and e in (0, 1):
        return int(d), int(e)
    return None


def parse_factor(
    values: pd.Series,
    column: str,
    levels: Mapping[Any, int] | None,
    rows: RowLabeller,
    problems: list[Problem],
    steps: list[str],
) -> np.ndarray:
    """0/1 codes of a factor column (-1 where invalid, with a problem recorded)."""
    if levels is None and isinstance(values.dtype, np.dtype) and values.dtype.kind in "biu":
        direct = values.to_numpy()
        if len(direct) and direct.min() >= 0 and direct.max() <= 1:
            return direct.astype(np.int8)  # already 0/1 codes
    codes, uniques = factorize(values)
    uniq = list(uniques)
    if levels is not None:
        table = {normal_key(k): int(v) for k, v in levels.items()}
        bad_levels = {k: v for k, v in levels.items() if v not in (0, 1)}
        if bad_levels:
            problems.append(
                Problem(
                    column,
                    f"levels must map labels to 0 or 1, got {bad_levels}",
                    "code the untreated level 0 and the treated level 1",
                )
            )
        mapped = [levels.get(u, table.get(normal_key(u), -1)) for u in uniq]
        steps.append(
            f"{column} levels coded: "
            + ", ".join(f"{u} → {m}" for u, m in zip(uniq, mapped, strict=True) if m >= 0)
        )
    else:
        mapped = [_factor_token(u) for u in uniq]
    per_unique = np.array(mapped + [-1], dtype=np.int8)
    out = per_unique[codes]  # code -1 picks the trailing -1
    missing = codes < 0
    if missing.any():
        problems.append(
            Problem(
                column,
                "missing value in a design factor",
                "every row needs its subject's assignment (0 or 1)",
                rows=tuple(rows(np.flatnonzero(missing))),
            )
        )
    invalid = (out < 0) & ~missing
    if invalid.any():
        bad = [repr(u) for u, m in zip(uniq, mapped, strict=True) if m < 0]
        accepted = (
            f"the declared levels ({', '.join(map(repr, levels))})"
            if levels is not None
            else "0/1, True/False or yes/no"
        )
        problems.append(
            Problem(
                column,
                f"factor values must be {accepted}, found {', '.join(bad[:5])}",
                "recode the column, declare its labels with levels={'"
                + ("diet" if "diet" in column.lower() else "exercise")
                + "': {label: 0 or 1}}, or give a single column of arm labels with arm=...",
                rows=tuple(rows(np.flatnonzero(invalid))),
            )
        )
    return out


def _factor_token(value: object) -> int:
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return int(value) if value in (0, 1) else -1
    return FACTOR_TOKENS.get(normal_key(value), -1)


def parse_arm(
    values: pd.Series,
    column: str,
    arms: Mapping[Any, ArmValue] | None,
    rows: RowLabeller,
    problems: list[Problem],
    steps: list[str],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Diet and exercise codes from arm labels, and the rows to keep (arm not None)."""
    codes, uniques = factorize(values)
    uniq = list(uniques)
    table: dict[str, ArmValue] = {}
    if arms is not None:
        for key, target in arms.items():
            table[normal_key(key)] = target
    pairs: list[tuple[int, int]] = []
    keep_label: list[bool] = []
    unknown: list[object] = []
    described: list[str] = []
    for u in uniq:
        if arms is not None and (u in arms or normal_key(u) in table):
            target = arms[u] if u in arms else table[normal_key(u)]
            if target is None:
                pairs.append((-1, -1))
                keep_label.append(False)
                described.append(f"{u} → set aside")
                continue
            pair = arm_target(target)
            if pair is None:
                problems.append(
                    Problem(
                        column,
                        f"arms maps {u!r} to {target!r}, which is not an arm",
                        f"map labels to one of {', '.join(ARMS)}, to (diet, exercise) codes "
                        "such as (1, 0), or to None to set the subjects aside",
                    )
                )
                pair = (-1, -1)
        else:
            pair = arm_codes(u) or (-1, -1)
            if pair[0] < 0:
                unknown.append(u)
        pairs.append(pair)
        keep_label.append(True)
        if pair[0] >= 0:
            described.append(f"{u} → {ARMS[pair[0] + 2 * pair[1]]}")
    per_unique = np.array(pairs + [(-1, -1)], dtype=np.int8).reshape(-1, 2)
    keep = np.array([*keep_label, True], dtype=bool)[codes]
    diet_codes = per_unique[codes, 0]
    exercise_codes = per_unique[codes, 1]
    if arms is not None or any(str(u) not in ARMS for u in uniq):
        steps.append(f"arm labels in {column}: {', '.join(described)}")
    missing = codes < 0
    if missing.any():
        problems.append(
            Problem(
                column,
                "missing arm",
                "every row needs its subject's arm",
                rows=tuple(rows(np.flatnonzero(missing))),
            )
        )
    if unknown:
        bad_rows = np.isin(codes, [uniq.index(u) for u in unknown])
        problems.append(
            Problem(
                column,
                f"arm label(s) not recognised: {', '.join(map(repr, unknown[:8]))}",
                f"use {', '.join(ARMS)}, or map every label with arms={{label: arm name, "
                "(diet, exercise) codes or None}}",
                rows=tuple(rows(np.flatnonzero(bad_rows))),
            )
        )
    return diet_codes, exercise_codes, keep


def check_reserved(
    values: pd.Series,
    column: str,
    diet_codes: np.ndarray,
    exercise_codes: np.ndarray,
    rows: RowLabeller,
    problems: list[Problem],
    steps: list[str],
) -> None:
    """A column named like a design column but not used as one: it must agree, then it goes.

    Only values that can be read as design codes (0/1, arm names) are compared; a column of
    other labels (e.g. "Group A") is not used, and this is recorded.
    """
    if column in ("diet", "exercise"):
        given = parse_factor(values, column, None, _unlabelled, [], [])
        expected = diet_codes if column == "diet" else exercise_codes
    elif column == "arm":
        given_diet, given_exercise, _ = parse_arm(values, column, None, _unlabelled, [], [])
        given = np.where(given_diet < 0, -1, 2 * given_exercise.astype(np.int16) + given_diet)
        expected = 2 * exercise_codes.astype(np.int16) + diet_codes
    else:
        steps.append(f"column {column} not used (the name is reserved for the design)")
        return
    readable = given >= 0
    disagree = readable & (given != expected) & (diet_codes >= 0) & (exercise_codes >= 0)
    if disagree.any():
        problems.append(
            Problem(
                column,
                "disagrees with the design columns on the same rows",
                "the arm and the diet/exercise codes must describe the same assignment: "
                "correct the rows, or drop the redundant column",
                rows=tuple(rows(np.flatnonzero(disagree))),
            )
        )
    elif readable.all():
        steps.append(f"column {column} not used (it agrees with the design columns)")
    else:
        steps.append(
            f"column {column} not used (the name is reserved for the design; its values that "
            "are design codes agree with the design columns)"
        )


def _unlabelled(positions: np.ndarray) -> list[str]:
    """No labels: for parses whose problems are not reported."""
    return []
