"""Delta adjustment: shifts added to imputed values before the analysis.

:func:`delta_template` lists every subject at every analysed visit with what the imputation
did there; set its ``delta`` column (for instance ``delta = is_missing * 5``, or only in one
arm) and pass it to :func:`lifestyle_trials.mi.analyse`. Deltas are on the analysis scale:
the log scale when the draws were made with ``log=True`` (a delta of ``log(1.2)`` multiplies
an imputed value by 1.2).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import MIError

if TYPE_CHECKING:
    from .imputation import Imputed

__all__ = ["delta_matrix", "delta_template"]


def delta_template(imputed: Imputed) -> pd.DataFrame:
    """One row per subject and analysed visit, with ``delta`` 0 to fill in.

    Columns: ``subject``, ``visit``, ``arm``, ``is_mar`` (before the subject's event, or a
    MAR strategy), ``is_missing``, ``is_post_ice`` (at or after the event), ``strategy``
    (of an imputed value; None for observed values), ``delta``.

    Examples
    --------
    >>> import lifestyle_trials as lt
    >>> trial = lt.simulate_odes(seed=3, n_per_arm=(15,) * 4, visits=(0, 3, 6, 12), dropout=0.2)
    >>> imputed = lt.mi.impute(lt.mi.draws(trial, "homa_ir"))
    >>> t = lt.mi.delta_template(imputed)
    >>> t.shape, int(t["is_missing"].sum())
    ((180, 8), 21)
    """
    data = imputed.draws.data
    first = data.first_analysed
    n, t = data.values.shape
    visits = np.asarray(data.visits, dtype=float)[first:]
    k = visits.size
    missing = data.missing[:, first:]
    post = (np.arange(t)[None, :] >= imputed.draws.events.index[:, None])[:, first:]
    names = np.array(
        [s if isinstance(s, str) else getattr(s, "__name__", "user") for s in imputed.strategy],
        dtype=object,
    )
    is_mar = imputed.is_mar[:, first:]
    strategy = np.where(is_mar, "MAR", names[:, None]).astype(object)
    strategy[~missing] = None
    return pd.DataFrame(
        {
            "subject": np.repeat(data.subjects, k),
            "visit": np.tile(visits, n),
            "arm": np.repeat(np.asarray(data.arms, dtype=object)[data.arm], k),
            "is_mar": is_mar.ravel(),
            "is_missing": missing.ravel(),
            "is_post_ice": post.ravel(),
            "strategy": strategy.ravel(),
            "delta": 0.0,
        }
    )


def delta_matrix(imputed: Imputed, delta: pd.DataFrame) -> np.ndarray:
    """The deltas as an ``(n, T)`` array over the modelled visits.

    Raises
    ------
    MIError
        Missing columns, a subject or visit not in the imputed data, a non-finite delta, or
        two rows for one subject and visit.
    """
    if not isinstance(delta, pd.DataFrame):
        raise MIError("delta must be a DataFrame with columns subject, visit and delta")
    lacking = [c for c in ("subject", "visit", "delta") if c not in delta.columns]
    if lacking:
        raise MIError(
            f"the delta table lacks column(s) {', '.join(lacking)}; start from "
            "lt.mi.delta_template(imputed)"
        )
    data = imputed.draws.data
    first = data.first_analysed
    position = {s: i for i, s in enumerate(data.subjects)}
    subj = delta["subject"].astype(str).to_numpy()
    rows = np.array([position.get(s, -1) for s in subj])
    if (rows < 0).any():
        bad = sorted(set(subj[rows < 0]))[:10]
        raise MIError(
            f"the delta table has subject(s) {', '.join(bad)} that are not in the imputed data; "
            "start from lt.mi.delta_template(imputed)"
        )
    visits = np.asarray(data.visits, dtype=float)
    given = pd.to_numeric(delta["visit"], errors="coerce").to_numpy(dtype=float)
    cols = np.searchsorted(visits, given)
    cols = np.clip(cols, 0, visits.size - 1)
    ok = np.isclose(visits[cols], given) & (cols >= first)
    if not ok.all():
        bad_v = sorted({str(v) for v in delta["visit"].to_numpy()[~ok]})[:10]
        raise MIError(
            f"the delta table has visit(s) {', '.join(bad_v)} that are not analysed visits "
            f"({', '.join(f'{v:g}' for v in data.post_baseline)})"
        )
    values = pd.to_numeric(delta["delta"], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(values).all():
        raise MIError("the delta column must hold finite numbers")
    out = np.zeros(data.values.shape)
    seen = np.zeros(data.values.shape, dtype=bool)
    if seen[rows, cols].any() or len(set(zip(rows, cols, strict=True))) < rows.size:
        raise MIError("the delta table has more than one row for a subject and visit")
    out[rows, cols] = values
    return out
