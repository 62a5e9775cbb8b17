"""Dropout in the synthetic ODES trial: who drops out, when, and the truth about it.

Within each arm exactly ``round(p × size)`` subjects drop out. A subject who drops out
attends the baseline and, with equal probability, each later visit up to one of the visits
before the last (the *step* after which they leave); the rows after that are absent. Who
leaves is drawn without replacement with weights w = HOMA-IRˢ (s: the strength;
Efraimidis–Spirakis keys log(U)/w), where the HOMA-IR value that counts depends on the
mechanism:

``"baseline"``
    the baseline value, for every step at once: missing at random given arm and baseline,
    so that completers and a mixed model agree in expectation;
``"mar"``
    the last observed value, step by step: among the subjects still in the arm after visit
    j, those leaving after visit j are drawn with weights from their HOMA-IR at visit j
    (missing at random: a mixed model of all observed values is right, completers are not);
``"mnar"``
    the first unobserved value: as ``"mar"`` but with the HOMA-IR at visit j + 1, which is
    never observed for those who leave (missing not at random: only a sensitivity analysis
    recovers the truth).

With one post-baseline visit ``"mar"`` and ``"baseline"`` coincide in law.

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

__all__ = ["draw_dropout", "dropout_truth", "dropout_weights"]


def dropout_weights(settings: Mapping[str, Any], homa: np.ndarray, step: int) -> np.ndarray:
    """Each subject's weight w = HOMA-IRˢ for leaving after visit index ``step``.

    Parameters
    ----------
    settings : mapping
        The checked arguments (``dropout_mechanism``, ``dropout_strength``).
    homa : ndarray
        HOMA-IR, subjects × visits (baseline first), as simulated (also where unobserved).
    step : int
        Index of the last visit attended by those who leave at this step.

    Returns
    -------
    ndarray
        One positive weight per subject.

    Examples
    --------
    >>> homa = np.array([[2.0, 4.0, 8.0]])
    >>> s = {"dropout_mechanism": "mnar", "dropout_strength": 1.0}
    >>> float(dropout_weights(s, homa, 0)[0]), float(dropout_weights(s, homa, 1)[0])
    (4.0, 8.0)
    """
    column = {"baseline": 0, "mar": step, "mnar": step + 1}[settings["dropout_mechanism"]]
    return homa[:, column] ** settings["dropout_strength"]


def draw_dropout(
    settings: Mapping[str, Any], arm: np.ndarray, values: Mapping[str, np.ndarray], seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Dropouts per arm, and each subject's last attended visit (an index into visits).

    For ``"baseline"``, the ``round(p × size)`` subjects of each arm with the largest keys
    log(U)/w leave, w = HOMA-IR₀ˢ (Efraimidis & Spirakis 2006), each after a visit drawn
    uniformly among those before the last. For ``"mar"`` and ``"mnar"`` the same number leave,
    their steps drawn the same way; step by step, among those still in the arm, the subjects
    with the largest keys log(U)/w leave, with the weights of :func:`dropout_weights`.
    Vectorised over subjects; the loop runs over the post-baseline visits.

    Parameters
    ----------
    settings : mapping
        The checked arguments (``dropout``: a proportion per arm; ``dropout_mechanism``,
        ``dropout_strength``).
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
    steps = n_visits - 1
    sizes = np.bincount(arm, minlength=4)
    counts = np.floor(np.asarray(settings["dropout"]) * sizes + 0.5).astype(int)
    rng = stream(seed, "dropout")
    u = 1.0 - rng.random(n)  # in (0, 1]
    last = rng.integers(0, steps, size=n)  # if dropping out: last visit attended
    homa = homa_ir(values["glucose"], values["insulin"])
    if settings["dropout_mechanism"] == "baseline":
        dropped = _largest_keys(np.log(u) / dropout_weights(settings, homa, 0), arm, counts)
        return counts, np.where(dropped, last, steps)

    # steps of the dropouts: the first counts[a] draws of `last` within each arm
    order = np.argsort(arm, kind="stable")
    start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rank = np.empty(n, dtype=int)
    rank[order] = np.arange(n) - start[arm[order]]
    chosen = rank < counts[arm]
    per_step = np.zeros((4, steps), dtype=int)
    np.add.at(per_step, (arm[chosen], last[chosen]), 1)

    attended = np.full(n, steps)
    still_in = np.ones(n, dtype=bool)
    for j in range(steps):
        uj = u if j == 0 else 1.0 - rng.random(n)
        keys = np.where(still_in, np.log(uj) / dropout_weights(settings, homa, j), -np.inf)
        leave = _largest_keys(keys, arm, per_step[:, j]) & still_in
        attended[leave] = j
        still_in &= ~leave
    return counts, attended


def _largest_keys(keys: np.ndarray, arm: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Within each arm, the ``counts[arm]`` subjects with the largest keys."""
    n = len(arm)
    sizes = np.bincount(arm, minlength=4)
    order = np.lexsort((-keys, arm))
    start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rank = np.empty(n, dtype=int)
    rank[order] = np.arange(n) - start[arm[order]]
    return rank < counts[arm]


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
        The checked arguments (``n_per_arm``, ``dropout``, ``dropout_mechanism``,
        ``dropout_strength``).
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
        mechanism=str(settings["dropout_mechanism"]),
        strength=float(settings["dropout_strength"]),
    )
