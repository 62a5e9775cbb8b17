"""``lt.mi.tipping_point``: how far the imputed values must move before a conclusion changes.

For each ``delta`` of a grid, ``delta`` is added to every imputed value of the subjects in
the chosen ``arms`` (at every analysed visit, on the analysis scale), the completed datasets
are analysed and pooled. The tipping point of an effect is the first delta of the grid,
moving away from 0, at which the effect's p-value reaches ``1 - level`` having been below
it at ``delta = 0`` (or the reverse). The imputation is done once; only the analysis is
repeated.

Reference
---------
Ratitch B, O'Kelly M, Tosiello R. Missing data in clinical trials: from clinical
assumptions to statistical analysis using pattern mixture models. Pharm Stat
2013;12:337-47. doi:10.1002/pst.1549
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import MIError
from ..trial import Trial
from .analysis import analyse
from .delta import delta_template
from .drawing import draws as make_draws
from .imputation import Imputed, impute
from .pooling import pool
from .strategies import Strategy

__all__ = ["TippingPoint", "tipping_from", "tipping_point"]


@dataclass(frozen=True, eq=False)
class TippingPoint:
    """Effects over a grid of deltas.

    Attributes
    ----------
    table : DataFrame
        ``delta, term, visit, estimate, std_error, p_value, conf_low, conf_high,
        significant``, one row per delta, term and visit (the figure's data).
    tipping : DataFrame
        ``term, visit, p_value`` (at delta 0), ``significant`` (at delta 0), ``delta`` (the
        tipping point; NaN when the conclusion holds over the whole grid).
    arms : tuple of str
    level : float
    """

    table: pd.DataFrame
    tipping: pd.DataFrame
    arms: tuple[str, ...]
    level: float


def tipping_point(
    trial: Trial,
    outcome: str,
    deltas: Sequence[float],
    arms: Sequence[str] | None = None,
    *,
    method: str = "condmean",
    resampling: str = "jackknife",
    strategy: str | Strategy = "MAR",
    references: Mapping[str, str] | None = None,
    estimand: str = "factorial",
    visit: float | None = None,
    covariance: str = "us",
    covariates: Sequence[str] = (),
    log: bool = False,
    ice: pd.DataFrame | None = None,
    seed: int | None = None,
    n_samples: int | None = None,
    level: float = 0.95,
    progress: bool | None = None,
) -> TippingPoint:
    """Effects as the imputed values of ``arms`` move by each of ``deltas``.

    Parameters
    ----------
    trial, outcome
    deltas : sequence of float
        The grid (analysis scale: log units when ``log``). 0 is added when absent.
    arms : sequence of str, optional
        Arms whose imputed values move (default: every arm but the first, control).
    method, resampling, covariance, covariates, log, ice, seed, n_samples, progress
        As in :func:`lifestyle_trials.mi.draws`.
    strategy, references
        As in :func:`lifestyle_trials.mi.impute`.
    estimand : str
        As in :func:`lifestyle_trials.mi.analyse`.
    visit : float, optional
        The visit whose effects are reported (default: the last).
    level : float, default 0.95

    Returns
    -------
    TippingPoint

    Raises
    ------
    MIError
        An empty grid, an unknown arm or visit, and what :func:`draws`, :func:`impute` and
        :func:`analyse` raise.

    Examples
    --------
    >>> import lifestyle_trials as lt
    >>> trial = lt.simulate_odes(seed=3, n_per_arm=(15,) * 4, visits=(0, 3, 6, 12), dropout=0.2)
    >>> tp = lt.mi.tipping_point(trial, "homa_ir", deltas=[0.0, 0.1, 0.2, 0.3, 0.4],
    ...                          arms=["exercise", "diet+exercise"], log=True)
    >>> tp.tipping[["term", "significant", "delta"]]
                term  significant  delta
    0           diet        False    NaN
    1       exercise         True    0.4
    2  diet:exercise        False    NaN
    """
    drawn = make_draws(
        trial, outcome, method=method, resampling=resampling, covariance=covariance,
        covariates=covariates, log=log, ice=ice, seed=seed, n_samples=n_samples, progress=progress,
    )  # fmt: skip
    imputed = impute(drawn, strategy, references=references)
    return tipping_from(imputed, deltas, arms, estimand=estimand, visit=visit, level=level)


def tipping_from(
    imputed: Imputed,
    deltas: Sequence[float],
    arms: Sequence[str] | None = None,
    *,
    estimand: str = "factorial",
    visit: float | None = None,
    level: float = 0.95,
) -> TippingPoint:
    """:func:`tipping_point` from data already imputed (same arguments)."""
    grid = np.unique(np.append(np.asarray(deltas, dtype=float), 0.0))
    if grid.size < 2 or not np.isfinite(grid).all():
        raise MIError("deltas must be a non-empty grid of finite numbers")
    data = imputed.draws.data
    chosen = tuple(data.arms[1:]) if arms is None else tuple(arms)
    unknown = [a for a in chosen if a not in data.arms]
    if unknown:
        raise MIError(f"arm(s) {', '.join(unknown)} not in the trial; arms: {', '.join(data.arms)}")
    post = data.post_baseline
    at = post[-1] if visit is None else float(visit)
    if at not in post:
        raise MIError(
            f"visit {visit!r} is not a post-baseline visit ({', '.join(f'{v:g}' for v in post)})"
        )
    template = delta_template(imputed)
    moves = (template["is_missing"] & template["arm"].isin(chosen)).to_numpy(dtype=float)
    rows = []
    for value in grid:
        template["delta"] = value * moves
        effects = pool(analyse(imputed, "ancova", estimand=estimand, delta=template), level).effects
        effects = effects[effects["visit"] == at]
        rows.append(effects.assign(delta=value))
    table = pd.concat(rows, ignore_index=True)
    table["significant"] = table["p_value"] < 1.0 - level
    cols = ["delta", "term", "visit", "estimate", "std_error", "p_value", "conf_low", "conf_high"]
    table = table[[*cols, "significant"]]
    summary = []
    for term, part in table.groupby("term", sort=False):
        part = part.sort_values("delta")
        zero = part[part["delta"] == 0.0].iloc[0]
        found = np.nan
        for side in (part[part["delta"] > 0], part[part["delta"] < 0].iloc[::-1]):
            flipped = side[side["significant"] != zero["significant"]]
            if len(flipped):
                d = float(flipped["delta"].iloc[0])
                found = d if np.isnan(found) or abs(d) < abs(found) else found
        summary.append(
            {
                "term": term,
                "visit": at,
                "p_value": float(zero["p_value"]),
                "significant": bool(zero["significant"]),
                "delta": found,
            }
        )
    return TippingPoint(table=table, tipping=pd.DataFrame(summary), arms=chosen, level=level)
