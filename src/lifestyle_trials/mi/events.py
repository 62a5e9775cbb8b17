"""Intercurrent events: which visits of which subject are imputed under which strategy.

An event table ``ice`` has one row per subject with an intercurrent event: ``subject``, the
``visit`` of the event (the first visit whose value it affects) and, optionally, the
``strategy`` for the values from that visit on. Without a table, every subject whose values
are missing from some visit to the last one (a monotone dropout) has an event at the first
missing visit; an intermittent missing value followed by observed ones is imputed under MAR,
as rbmi's vignettes do.

Values observed at or after an event with a strategy other than MAR are left out of the
imputation model's fit (as rbmi does), and kept as observed data otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import MIError
from ..trial import format_visit
from .data import MIData
from .strategies import STRATEGIES

__all__ = ["Events", "default_events", "read_events"]


@dataclass(frozen=True, eq=False)
class Events:
    """One entry per subject.

    Attributes
    ----------
    index : ndarray of int, shape (n,)
        Position of the event's visit among the modelled visits; ``T`` (the number of
        modelled visits) when the subject has no event.
    strategy : ndarray of object, shape (n,)
        The strategy named in the event table, or None (given later to ``impute``).
    """

    index: np.ndarray
    strategy: np.ndarray

    def is_mar(self, strategies: np.ndarray, n_visits: int) -> np.ndarray:
        """Boolean (n, T): the visit comes before the event or the strategy is MAR."""
        before = np.arange(n_visits)[None, :] < self.index[:, None]
        return before | (strategies == "MAR")[:, None]


def default_events(data: MIData) -> Events:
    """An event at the first missing visit of every monotone dropout.

    Examples
    --------
    >>> import lifestyle_trials as lt
    >>> from lifestyle_trials.mi.data import mi_data
    >>> trial = lt.simulate_odes(seed=1, visits=(0, 3, 6, 12), dropout=0.2)
    >>> ev = default_events(mi_data(trial, "homa_ir"))
    >>> int((ev.index < 3).sum())
    44
    """
    missing = data.missing
    n, t = missing.shape
    # trailing run of missing values: the first visit from which every value is missing
    observed_after = np.flip(np.cumsum(np.flip(~missing, axis=1), axis=1), axis=1)
    dropped = missing & (observed_after == 0)
    index = np.where(dropped.any(axis=1), np.argmax(dropped, axis=1), t)
    return Events(index=index.astype(np.int64), strategy=np.full(n, None, dtype=object))


def read_events(data: MIData, ice: pd.DataFrame) -> Events:
    """Events from a table with columns ``subject``, ``visit`` and optionally ``strategy``.

    Raises
    ------
    MIError
        Missing columns, a subject not in the imputed data, a visit that is not a
        post-baseline visit, two rows for one subject, an unknown strategy name.
    """
    if not isinstance(ice, pd.DataFrame):
        raise MIError("ice must be a DataFrame with columns subject, visit and strategy")
    missing_cols = [c for c in ("subject", "visit") if c not in ice.columns]
    if missing_cols:
        raise MIError(
            f"the event table (ice) lacks column(s) {', '.join(missing_cols)}; it needs "
            "subject, visit (of the event) and optionally strategy"
        )
    n, t = data.values.shape
    position = {s: i for i, s in enumerate(data.subjects)}
    index = np.full(n, t, dtype=np.int64)
    strategy = np.full(n, None, dtype=object)
    visits = np.asarray(data.visits, dtype=float)
    first = data.first_analysed
    for row, rec in enumerate(ice.itertuples(index=False)):
        subject = str(rec.subject)
        if subject not in position:
            raise MIError(
                f"ice row {row}: subject {subject!r} is not among the imputed subjects "
                "(not in the trial, or set aside for lack of a baseline)"
            )
        try:
            visit = float(rec.visit)
        except (TypeError, ValueError):
            visit = np.nan
        hit = np.flatnonzero(np.isclose(visits, visit))
        if hit.size == 0 or hit[0] < first:
            post = ", ".join(format_visit(v) for v in data.post_baseline)
            raise MIError(
                f"ice row {row}: visit {rec.visit!r} of subject {subject!r} is not a "
                f"post-baseline visit of the trial ({post}); give the first visit the event "
                "affects"
            )
        i = position[subject]
        if index[i] < t:
            raise MIError(f"ice row {row}: subject {subject!r} has more than one event")
        index[i] = int(hit[0])
        if "strategy" in ice.columns:
            value = rec.strategy
            if isinstance(value, str) and value not in STRATEGIES:
                raise MIError(
                    f"ice row {row}: unknown strategy {value!r} for subject {subject!r}; use "
                    f"one of {', '.join(STRATEGIES)} (or leave it empty and give the strategy "
                    "to impute)"
                )
            strategy[i] = None if pd.isna(value) else value
    return Events(index=index, strategy=strategy)
