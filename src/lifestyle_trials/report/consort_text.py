"""The words of the CONSORT 2010 flow diagram, from the ``flow`` part of numbers.json.

One function, :func:`consort_boxes`, writes the text of every box: the enrolment boxes
(when the source reports who was assessed and who was not randomised), the randomised
box, and per arm the allocation, follow-up and analysis boxes. The figure, its alt text
and the flow table all use it, so they say the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["STAGES", "consort_boxes", "reason_lines"]

STAGES: tuple[str, ...] = ("Allocation", "Follow-up", "Analysis")
"""The per-arm stages of the CONSORT 2010 diagram, top to bottom."""


def reason_lines(reasons: Sequence[Mapping[str, Any]]) -> list[str]:
    """Reasons with their counts, one line each.

    Examples
    --------
    >>> reason_lines([{"reason": "no visit after baseline", "n": 3}])
    ['• no visit after baseline (n = 3)']
    """
    return [f"• {r['reason']} (n = {int(r['n'])})" for r in reasons]


def _total(reasons: Sequence[Mapping[str, Any]]) -> int:
    return sum(int(r["n"]) for r in reasons)


def consort_boxes(flow: Mapping[str, Any], arm: Callable[[str], str]) -> dict[str, Any]:
    """The text of every box of the CONSORT 2010 diagram.

    Parameters
    ----------
    flow : mapping
        ``flow`` of numbers.json (:func:`lifestyle_trials.report.consort.consort_flow`).
    arm : callable
        Arm → its printed name.

    Discontinuation is counted only when the data record a disposition (``disposition``
    of the flow); otherwise the box says "not recorded" rather than zero.

    Returns
    -------
    dict
        ``assessed`` (lines of the eligibility box, or None when the source does not say),
        ``excluded`` (lines of the box of those not randomised, or None), ``randomised``
        (one line) and ``arms``: one entry per arm with ``arm``, ``title`` and the lines of
        each of :data:`STAGES` (keys ``allocation``, ``follow_up``, ``analysis``).

    Examples
    --------
    >>> flow = {"enrolment": {"assessed": None, "not_randomised": [], "randomised": 2},
    ...         "arms": [{"arm": "control", "allocated": 2, "received": None,
    ...                   "not_received": [], "lost": [{"reason": "no visit after baseline",
    ...                   "n": 1}], "discontinued": [], "analysed": 1,
    ...                   "excluded": [{"reason": "no follow-up measurement", "n": 1}]}]}
    >>> box = consort_boxes(flow, str.capitalize)["arms"][0]
    >>> for text in box["follow_up"]:
    ...     print(text)
    Lost to follow-up (n = 1)
    • no visit after baseline (n = 1)
    Discontinued intervention: not recorded
    """
    enrol = flow["enrolment"]
    assessed = None
    excluded = None
    if enrol["assessed"] is not None:
        assessed = [f"Assessed for eligibility (n = {int(enrol['assessed'])})"]
    if enrol["not_randomised"]:
        excluded = [
            f"Not randomised (n = {_total(enrol['not_randomised'])})",
            *reason_lines(enrol["not_randomised"]),
        ]
    arms = []
    for f in flow["arms"]:
        allocation = [f"Allocated to {arm(f['arm'])} (n = {int(f['allocated'])})"]
        if f["received"] is not None:
            allocation.append(f"Received the allocated intervention (n = {int(f['received'])})")
            if f["not_received"]:
                allocation.append(
                    f"Did not receive the allocated intervention (n = {_total(f['not_received'])})"
                )
                allocation += reason_lines(f["not_received"])
        else:
            allocation.append("Received intervention: not recorded")
        follow = [f"Lost to follow-up (n = {_total(f['lost'])})", *reason_lines(f["lost"])]
        if flow.get("disposition"):
            follow.append(f"Discontinued intervention (n = {_total(f['discontinued'])})")
            follow += reason_lines(f["discontinued"])
        else:
            follow.append("Discontinued intervention: not recorded")
        if f["analysed"] is None:
            analysis = ["Analysed: no primary analysis"]
        else:
            analysis = [
                f"Analysed (n = {int(f['analysed'])})",
                f"Excluded from analysis (n = {_total(f['excluded'])})",
                *reason_lines(f["excluded"]),
            ]
        arms.append(
            {
                "arm": f["arm"],
                "title": arm(f["arm"]),
                "allocation": allocation,
                "follow_up": follow,
                "analysis": analysis,
            }
        )
    return {
        "assessed": assessed,
        "excluded": excluded,
        "randomised": f"Randomised (n = {int(enrol['randomised'])})",
        "arms": arms,
    }
