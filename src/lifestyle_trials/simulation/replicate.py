"""One replicate trial as arrays: what the analyses of a power simulation need.

A :class:`Replicate` holds, per subject, the arm, the baseline value of the outcome and its
values at the follow-up visits (NaN where missing). It is made from any
:class:`~lifestyle_trials.Trial` (:func:`from_trial`), or directly, without building the
long table, by :mod:`.odes_draw` for ``simulate_odes`` designs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ConfigError
from ..trial import Trial

__all__ = ["Replicate", "from_trial"]


@dataclass(frozen=True, eq=False)
class Replicate:
    """The outcome of one trial, subject by visit.

    Attributes
    ----------
    arm : ndarray of int, shape (n,)
        Index into ``ARMS`` (control, diet, exercise, diet+exercise).
    baseline : ndarray, shape (n,)
        The outcome at the baseline visit (NaN: missing).
    follow_up : ndarray, shape (n, T)
        The outcome at each follow-up visit (NaN: missing).
    visits : tuple of float
        The follow-up visits, in order.
    """

    arm: np.ndarray
    baseline: np.ndarray
    follow_up: np.ndarray
    visits: tuple[float, ...]

    def equals(self, other: Replicate) -> bool:
        """The same subjects in the same order with bit-identical values."""
        return (
            self.visits == other.visits
            and np.array_equal(self.arm, other.arm)
            and np.array_equal(self.baseline, other.baseline, equal_nan=True)
            and np.array_equal(self.follow_up, other.follow_up, equal_nan=True)
        )


def from_trial(trial: Trial, outcome: str) -> Replicate:
    """The arrays of ``outcome`` in ``trial``, subjects in the order of the table.

    Parameters
    ----------
    trial : Trial
    outcome : str

    Returns
    -------
    Replicate

    Raises
    ------
    ConfigError
        ``trial`` is not a Trial, or has no column ``outcome``.

    Examples
    --------
    >>> import lifestyle_trials as lt
    >>> rep = from_trial(lt.simulate_odes(seed=1), "homa_ir")
    >>> rep.follow_up.shape, rep.visits, int(np.isnan(rep.follow_up).sum())
    ((219, 1), (12.0,), 31)
    """
    if not isinstance(trial, Trial):
        raise ConfigError(
            f"the simulate function must return a lifestyle_trials.Trial, got "
            f"{type(trial).__name__}; build one with lt.read_trial(data_frame, ...)"
        )
    data = trial.data
    if outcome not in data.columns:
        raise ConfigError(
            f"outcome {outcome!r} is not a column of the simulated trial; its outcomes are "
            f"{', '.join(trial.outcomes) if hasattr(trial, 'outcomes') else list(data.columns)}"
        )
    design = trial.design
    visits = tuple(float(v) for v in design.post_baseline)
    subject_codes, subjects = _codes(data["subject"].to_numpy())
    n = len(subjects)
    arm = np.zeros(n, dtype=np.int64)
    code = 2 * data["exercise"].to_numpy(dtype=np.int64) + data["diet"].to_numpy(dtype=np.int64)
    arm[subject_codes] = code  # (diet, exercise) -> 0 control, 1 diet, 2 exercise, 3 both
    values = data[outcome].to_numpy(dtype=float)
    visit = data["visit"].to_numpy(dtype=float)
    baseline = np.full(n, np.nan)
    at_base = visit == float(design.baseline)
    baseline[subject_codes[at_base]] = values[at_base]
    follow = np.full((n, len(visits)), np.nan)
    position = np.searchsorted(np.asarray(visits), visit)
    post = ~at_base & (position < len(visits))
    post &= np.asarray(visits)[np.minimum(position, len(visits) - 1)] == visit
    follow[subject_codes[post], position[post]] = values[post]
    return Replicate(arm=arm, baseline=baseline, follow_up=follow, visits=visits)


def _codes(subject: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of subjects in order of first appearance."""
    uniques, first, inverse = np.unique(subject, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[inverse], uniques[order]
