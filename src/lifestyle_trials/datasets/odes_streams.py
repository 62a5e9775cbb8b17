"""The independent random streams of the synthetic ODES trial.

Each part of the simulation draws from its own stream, derived from the seed by a
:class:`numpy.random.SeedSequence` spawn key, so that e.g. the 12-month values do not depend
on which other visits are asked for, nor the baseline on the dropout settings.
"""

from __future__ import annotations

import numpy as np

__all__ = ["stream", "visit_key"]

_STREAMS = {"design": 0, "baseline M": 1, "baseline F": 2, "change": 3, "dropout": 4, "visit": 5}
"""Spawn key of each stream; the visit stream is split further by visit."""


def stream(seed: int, name: str, *key: int) -> np.random.Generator:
    """The generator of one stream.

    Parameters
    ----------
    seed : int
        The trial's seed.
    name : {"design", "baseline M", "baseline F", "change", "dropout", "visit"}
        The stream.
    *key : int
        Further spawn keys within the stream (for "visit": :func:`visit_key`).

    Returns
    -------
    numpy.random.Generator

    Examples
    --------
    >>> a, b = stream(1, "visit", visit_key(12)), stream(1, "visit", visit_key(12.0))
    >>> a.random() == b.random()
    True
    """
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_STREAMS[name], *key)))


def visit_key(visit: float) -> int:
    """The spawn key of a visit (months, to the microsecond of a month).

    Parameters
    ----------
    visit : float

    Returns
    -------
    int
    """
    return round(visit * 1_000_000)
