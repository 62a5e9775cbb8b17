"""Dropout in the synthetic ODES trial: who drops out, when, and the truth about it.

Within each arm the ``round(p × size)`` subjects who drop out are drawn without replacement
with weights w = HOMA-IR₀^power (Efraimidis–Spirakis keys log(U)/w): missing at random given
arm and baseline. A subject who drops out attends the baseline and, with equal probability,
each later visit up to one of the visits before the last.

References
----------
Efraimidis PS, Spirakis PG. Weighted random sampling with a reservoir. Inf Process Lett
2006;97:181-5. doi:10.1016/j.ipl.2005.11.003
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np

from ..arms import ARMS
from ..indices import homa_ir
from .odes_params import DropoutTruth
from .odes_streams import stream

__all__ = ["draw_dropout", "dropout_truth"]


def draw_dropout(
    settings: Mapping[str, Any], arm: np.ndarray, values: Mapping[str, np.ndarray], seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Dropouts per arm, and each subject's last attended visit (an index into visits).

    Within each arm the ``round(p × size)`` subjects with the largest keys log(U)/w drop out,
    w = HOMA-IR₀^power: weighted sampling without replacement (Efraimidis & Spirakis 2006).

    Parameters
    ----------
    settings : mapping
        The checked arguments (``dropout``: a proportion per arm; ``dropout_mar``: the power).
    arm : ndarray of int
        Each subject's arm, an index into ``ARMS``.
    values : mapping of str to ndarray
        Glucose and insulin (µU/mL), subjects × visits, baseline first.
    seed : int
        The trial's seed.

    Returns
    -------
    tuple of (ndarray, ndarray)
        The number of dropouts per arm; per subject, the index of the last visit attended
        (the last visit for a completer).
    """
    n, n_visits = len(arm), values["glucose"].shape[1]
    sizes = np.bincount(arm, minlength=4)
    counts = np.floor(np.asarray(settings["dropout"]) * sizes + 0.5).astype(int)
    rng = stream(seed, "dropout")
    u = 1.0 - rng.random(n)  # in (0, 1]
    last = rng.integers(0, n_visits - 1, size=n)  # if dropping out: last visit attended
    homa0 = homa_ir(values["glucose"][:, 0], values["insulin"][:, 0])
    keys = np.log(u) / homa0 ** settings["dropout_mar"]
    order = np.lexsort((-keys, arm))
    start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rank = np.empty(n, dtype=int)
    rank[order] = np.arange(n) - start[arm[order]]
    dropped = rank < counts[arm]
    return counts, np.where(dropped, last, n_visits - 1)


def dropout_truth(
    settings: Mapping[str, Any],
    ids: np.ndarray,
    visits: np.ndarray,
    counts: np.ndarray,
    attended: np.ndarray,
) -> DropoutTruth:
    """Who dropped out and when, as :func:`draw_dropout` drew it.

    Parameters
    ----------
    settings : mapping
        The checked arguments (``n_per_arm``, ``dropout``, ``dropout_mar``).
    ids : ndarray of str
        Subject ids.
    visits : ndarray of float
        The visits in months, baseline first.
    counts, attended : ndarray
        What :func:`draw_dropout` returned.

    Returns
    -------
    DropoutTruth
    """
    dropped = np.flatnonzero(attended < len(visits) - 1)
    sizes = settings["n_per_arm"]
    return DropoutTruth(
        proportions=MappingProxyType(dict(zip(ARMS, settings["dropout"], strict=True))),
        dropped=MappingProxyType(dict(zip(ARMS, map(int, counts), strict=True))),
        completers=MappingProxyType(
            {a: int(s - d) for a, s, d in zip(ARMS, sizes, counts, strict=True)}
        ),
        subjects=tuple(ids[dropped].tolist()),
        last_visit=tuple(float(visits[i]) for i in attended[dropped]),
        mar_power=float(settings["dropout_mar"]),
    )
