"""ANCOVA of a chunk of replicates at once, with :func:`~lifestyle_trials.ancova_batch`.

The ANCOVA does not depend on the order of the subjects, so each replicate's analysed
subjects (baseline and follow-up value present) are sorted by arm; replicates with the same
number of analysed subjects per arm then share one design matrix and are fitted together,
one column each. A batch that cannot be fitted as a whole (a column with a non-positive
value on the log scale, a degenerate column) is fitted column by column, and each column
that still fails is counted as a failed fit with its reason.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import LifestyleTrialsError
from ..models.ancova_batch import ancova_batch
from .design import PowerDesign
from .replicate import Replicate
from .tally import CellResults

__all__ = ["ancova_chunk"]

_CODES = np.array([(0, 0), (1, 0), (0, 1), (1, 1)])  # arm index -> (diet, exercise)


def ancova_chunk(replicates: Sequence[Replicate], design: PowerDesign, visit: float) -> CellResults:
    """Fit the design's ANCOVA at ``visit`` to every replicate.

    Returns
    -------
    CellResults
        One column per term of ``design.terms``.
    """
    k, m = len(replicates), len(design.terms)
    out = {name: np.full((k, m), np.nan) for name in ("estimate", "p", "low", "high")}
    failed = np.zeros(k, dtype=bool)
    reasons: dict[int, str] = {}
    groups: dict[tuple[int, ...], list[int]] = {}
    columns: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for i, rep in enumerate(replicates):
        j = rep.visits.index(visit)
        y, b = rep.follow_up[:, j], rep.baseline
        ok = np.isfinite(y) & np.isfinite(b)
        order = np.argsort(rep.arm[ok], kind="stable")
        arm = rep.arm[ok][order]
        columns.append((y[ok][order], b[ok][order], arm))
        groups.setdefault(tuple(np.bincount(arm, minlength=4)), []).append(i)
    for members in groups.values():
        arm = columns[members[0]][2]
        Y = np.column_stack([columns[i][0] for i in members])
        B = np.column_stack([columns[i][1] for i in members])
        fits = _fit(Y, B, arm, design)
        if fits is None:  # fit the columns one at a time to find the failing ones
            for i in members:
                one = _fit(columns[i][0][:, None], columns[i][1][:, None], arm, design, reasons, i)
                if one is None:
                    failed[i] = True
                else:
                    _store(out, [i], one)
        else:
            _store(out, members, fits)
    return CellResults(
        estimate=out["estimate"],
        p_value=out["p"],
        conf_low=out["low"],
        conf_high=out["high"],
        failed=failed,
        reasons=tuple(reasons[i] for i in sorted(reasons)),
    )


def _fit(
    Y: np.ndarray,
    B: np.ndarray,
    arm: np.ndarray,
    design: PowerDesign,
    reasons: dict[int, str] | None = None,
    index: int = 0,
) -> tuple[np.ndarray, ...] | None:
    try:
        batch = ancova_batch(
            Y,
            B,
            _CODES[arm, 0],
            _CODES[arm, 1],
            estimand=design.estimand,
            log=design.log,
            level=1.0 - design.alpha,
        )
    except (LifestyleTrialsError, np.linalg.LinAlgError) as err:
        if reasons is not None:
            reasons[index] = f"{type(err).__name__}: {str(err).splitlines()[0]}"
        return None
    if batch.terms != design.terms:
        if reasons is not None:
            reasons[index] = f"the fit estimated {', '.join(batch.terms)}, not every term"
        return None
    return batch.estimate, batch.p_value, batch.conf_low, batch.conf_high


def _store(out: dict[str, np.ndarray], rows: list[int], fits: tuple[np.ndarray, ...]) -> None:
    for name, values in zip(("estimate", "p", "low", "high"), fits, strict=True):
        out[name][rows] = values
