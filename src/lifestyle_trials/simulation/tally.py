"""Counts and sums over replicates, merged exactly whatever the chunking: :class:`Tally`.

Every chunk of replicates returns a tally per cell of the power table (a term, at a visit):
fits that succeeded and failed, rejections at level ``alpha``, confidence intervals that
covered the truth, and the sum of the estimates. Counts are integers; the sum of estimates is
kept in fixed point (each estimate rounded to a multiple of 2⁻³² before it is added, as a
Python integer), so merging tallies is exact addition and the table is identical whichever
way the replicates were split into chunks or spread over workers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["CellResults", "TABLE_COLUMNS", "Tally", "tally", "table"]

_SCALE = 2**32
TABLE_COLUMNS: tuple[str, ...] = (
    "term",
    "visit",
    "power",
    "mc_se",
    "mean_estimate",
    "truth",
    "bias",
    "coverage",
    "n_sim",
    "n_failed",
)


@dataclass(frozen=True, eq=False)
class CellResults:
    """The analyses of ``k`` replicates, cell by cell (``c`` cells).

    Attributes
    ----------
    estimate, p_value, conf_low, conf_high : ndarray (k, c)
        NaN where the fit failed.
    failed : ndarray of bool (k,)
    reasons : tuple of str
        Why each failed fit failed (one per failure, in replicate order).
    """

    estimate: np.ndarray
    p_value: np.ndarray
    conf_low: np.ndarray
    conf_high: np.ndarray
    failed: np.ndarray
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class Tally:
    """Sufficient statistics of a set of replicates for each cell.

    Attributes
    ----------
    n_ok, n_failed, rejected, covered : ndarray of int (c,)
    estimate_sum : tuple of int
        Sum of the estimates in units of 2⁻³².
    reasons : Counter
        Failure messages and how often each occurred.
    """

    n_ok: np.ndarray
    n_failed: np.ndarray
    rejected: np.ndarray
    covered: np.ndarray
    estimate_sum: tuple[int, ...]
    reasons: Counter = field(default_factory=Counter)

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            n_ok=self.n_ok + other.n_ok,
            n_failed=self.n_failed + other.n_failed,
            rejected=self.rejected + other.rejected,
            covered=self.covered + other.covered,
            estimate_sum=tuple(
                a + b for a, b in zip(self.estimate_sum, other.estimate_sum, strict=True)
            ),
            reasons=self.reasons + other.reasons,
        )

    @classmethod
    def empty(cls, cells: int) -> Tally:
        zero = np.zeros(cells, dtype=np.int64)
        return cls(zero, zero.copy(), zero.copy(), zero.copy(), (0,) * cells, Counter())


def tally(results: CellResults, truth: np.ndarray, alpha: float) -> Tally:
    """Count rejections (``p < alpha``) and coverage of ``truth`` (NaN: not counted).

    Examples
    --------
    >>> est = np.array([[0.5], [0.1], [np.nan]])
    >>> r = CellResults(est, np.array([[0.01], [0.3], [np.nan]]), est - 0.2, est + 0.2,
    ...                 np.array([False, False, True]), ("singular",))
    >>> t = tally(r, np.array([0.4]), 0.05)
    >>> t.n_ok.tolist(), t.rejected.tolist(), t.covered.tolist()
    ([2], [1], [1])
    >>> round(t.estimate_sum[0] / 2**32, 9)
    0.6
    """
    ok = ~results.failed[:, None] & np.isfinite(results.estimate)
    with np.errstate(invalid="ignore"):
        rejected = ok & (results.p_value < alpha)
        covered = ok & (results.conf_low <= truth) & (truth <= results.conf_high)
    fixed = np.where(ok, np.rint(np.where(ok, results.estimate, 0.0) * _SCALE), 0.0)
    sums = tuple(int(sum(int(v) for v in col)) for col in fixed.T)
    n_failed = (~ok).sum(axis=0).astype(np.int64)
    return Tally(
        n_ok=ok.sum(axis=0).astype(np.int64),
        n_failed=n_failed,
        rejected=rejected.sum(axis=0).astype(np.int64),
        covered=covered.sum(axis=0).astype(np.int64),
        estimate_sum=sums,
        reasons=Counter(results.reasons),
    )


def table(
    total: Tally, cells: list[tuple[str, float]], truth: np.ndarray, n_sim: int
) -> pd.DataFrame:
    """The power table: one row per cell.

    ``power`` = rejections / successful fits, ``mc_se`` = sqrt(power (1 − power) / n_ok),
    ``mean_estimate`` over successful fits, ``bias`` = mean_estimate − truth, ``coverage``
    of the ``1 − alpha`` confidence interval (NaN when the truth is unknown).
    """
    n_ok = total.n_ok.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        power = total.rejected / n_ok
        mean = np.array([s / _SCALE for s in total.estimate_sum]) / n_ok
        coverage = np.where(np.isfinite(truth), total.covered / n_ok, np.nan)
        mc_se = np.sqrt(power * (1.0 - power) / n_ok)
    return pd.DataFrame(
        {
            "term": [c[0] for c in cells],
            "visit": [float(c[1]) for c in cells],
            "power": power,
            "mc_se": mc_se,
            "mean_estimate": mean,
            "truth": truth,
            "bias": mean - truth,
            "coverage": coverage,
            "n_sim": np.full(len(cells), n_sim, dtype=np.int64),
            "n_failed": total.n_failed,
        },
        columns=list(TABLE_COLUMNS),
    )
