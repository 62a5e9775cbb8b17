"""The numbers of a report's missing-data section, as plain JSON-ready data.

:func:`missing_data_numbers` gathers, for one outcome of a trial: the pattern of missing
values by arm and visit, the effects at the reported visit from the complete-case ANCOVA
(the primary analysis) beside multiple imputation (by default conditional mean imputation
with the jackknife) under MAR, jump to reference and copy reference (by default every arm
referenced to control), and a tipping-point grid of deltas added to the imputed values of
the active arms under MAR.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..models.ancova import ancova
from ..trial import Trial
from .analysis import analyse
from .drawing import draws as make_draws
from .imputation import impute
from .pooling import pool
from .tipping import tipping_from

__all__ = ["missing_data_numbers"]

_METHOD_TEXT = {
    "condmean jackknife": "conditional mean imputation, jackknife (Wolbers et al. 2022)",
    "condmean bootstrap": "conditional mean imputation, bootstrap (Wolbers et al. 2022)",
    "approxbayes": "approximate Bayesian multiple imputation, Rubin's rules",
    "bmlmi": "bootstrapped maximum likelihood multiple imputation (von Hippel & Bartlett 2021)",
}
_EFFECT_KEYS = ("term", "estimate", "std_error", "p_value", "conf_low", "conf_high")


def _records(frame: pd.DataFrame, keys: Sequence[str]) -> list[dict[str, Any]]:
    out = []
    for row in frame[list(keys)].itertuples(index=False):
        out.append(
            {
                k: (v if isinstance(v, str) else bool(v) if isinstance(v, np.bool_) else float(v))
                for k, v in zip(keys, row, strict=True)
            }
        )
    return out


def missing_data_numbers(
    trial: Trial,
    outcome: str,
    *,
    visit: float | None = None,
    log: bool = False,
    estimand: str = "factorial",
    covariates: Sequence[str] = (),
    deltas: Sequence[float] | None = None,
    level: float = 0.95,
    method: str = "condmean",
    resampling: str = "jackknife",
    strategies: Sequence[str] = ("MAR", "JR", "CR"),
    references: Mapping[str, str] | None = None,
    n_samples: int | None = None,
    seed: int | None = None,
) -> dict[str, Any] | None:
    """The missing-data numbers of ``outcome`` (see the module docstring).

    Parameters
    ----------
    trial, outcome, log, estimand, covariates
        As in :func:`lifestyle_trials.ancova`.
    visit : float, optional
        The reported visit (default: the last).
    deltas : sequence of float, optional
        The tipping-point grid on the analysis scale (default: 21 values from 0 to 2
        residual SDs of the outcome at the visit, in the direction that weakens the
        largest effect).
    level : float
    method, resampling, n_samples, seed
        As in :func:`lifestyle_trials.mi.draws`.
    strategies : sequence of str
        The strategies shown (MAR is computed in any case for the tipping point).
    references : mapping, optional
        Arm → reference arm (default: every arm referenced to the first, control).

    Returns
    -------
    dict or None
        None when no post-baseline value of ``outcome`` is missing. Otherwise ``outcome``,
        ``visit``, ``log``, ``estimand``, ``method``, ``pattern`` (arm, visit, n, missing),
        ``analyses`` (key, label, effects: term, estimate, std_error, p_value, conf_low,
        conf_high, and ratio, ratio_low, ratio_high with ``log``), ``tipping`` (arms; grid
        rows: delta, term, estimate, p_value, significant; points: term, delta) and
        ``strategy_note``.

    Examples
    --------
    >>> import lifestyle_trials as lt
    >>> trial = lt.simulate_odes(seed=3, n_per_arm=(15,) * 4, visits=(0, 12))
    >>> out = missing_data_numbers(trial, "homa_ir", log=True, deltas=[0.0, 0.2, 0.4])
    >>> [a["key"] for a in out["analyses"]], len(out["tipping"]["grid"])
    (['complete_case', 'MAR', 'JR', 'CR'], 9)
    """
    drawn = make_draws(
        trial, outcome, method=method, resampling=resampling, log=log, covariates=covariates,
        n_samples=n_samples, seed=seed,
    )  # fmt: skip
    data = drawn.data
    if not data.missing.any():
        return None
    post = data.post_baseline
    at = float(post[-1] if visit is None else visit)
    first = data.first_analysed
    pattern = []
    for k, arm in enumerate(data.arms):
        in_arm = data.arm == k
        for j, v in enumerate(post):
            pattern.append(
                {
                    "arm": arm,
                    "visit": float(v),
                    "n": int(in_arm.sum()),
                    "missing": int(data.missing[in_arm, first + j].sum()),
                }
            )
    keys = (*_EFFECT_KEYS, *(("ratio", "ratio_low", "ratio_high") if log else ()))
    control = data.arms[0]
    if references is None or not references:
        references = {a: control for a in data.arms[1:]}
    else:
        references = {a: r for a, r in references.items() if a in data.arms and a != r}
    primary = ancova(
        trial, outcome, estimand=estimand, visit=at, log=log, covariates=tuple(covariates)
    ).effects
    analyses = [
        {
            "key": "complete_case",
            "label": "ANCOVA of the subjects measured (primary)",
            "effects": _records(primary, keys),
        }
    ]
    refs = sorted(set(references.values()))
    named = f" ({', '.join(refs)})" if refs else ""
    labels = {
        "MAR": "Multiple imputation, missing at random",
        "JR": f"Multiple imputation, jump to reference{named}",
        "CR": f"Multiple imputation, copy reference{named}",
        "CIR": f"Multiple imputation, copy increments in reference{named}",
        "LMCF": "Multiple imputation, last mean carried forward",
    }
    for strategy in dict.fromkeys(("MAR", *strategies)):
        label = labels[strategy]
        effects = pool(
            analyse(impute(drawn, strategy, references=references), "ancova", estimand=estimand),
            level,
        ).effects
        effects = effects[effects["visit"] == at]
        analyses.append({"key": strategy, "label": label, "effects": _records(effects, keys)})
    if deltas is None:
        mar = pd.DataFrame(analyses[1]["effects"])
        biggest = mar.loc[mar["estimate"].abs().idxmax()]
        sd = float(np.nanstd(data.values[:, first + post.index(at)], ddof=1))
        sign = 1.0 if biggest["estimate"] < 0 else -1.0
        deltas = [float(d) for d in np.linspace(0.0, 2.0 * sd, 21) * sign]
    tip = tipping_from(impute(drawn, "MAR"), deltas, estimand=estimand, visit=at, level=level)
    return {
        "outcome": outcome,
        "visit": at,
        "log": log,
        "estimand": estimand,
        "method": _METHOD_TEXT[method if method != "condmean" else f"condmean {resampling}"]
        + (
            f", {len(drawn.fits) - (method == 'condmean')} samples"
            if resampling != "jackknife" or method != "condmean"
            else ""
        ),  # fmt: skip
        "n_missing": int(data.missing[:, first:].sum()),
        "pattern": pattern,
        "analyses": analyses,
        "tipping": {
            "arms": list(tip.arms),
            "grid": _records(tip.table, ("delta", "term", "estimate", "p_value", "significant")),
            "points": [
                {"term": r.term, "delta": None if np.isnan(r.delta) else float(r.delta)}
                for r in tip.tipping.itertuples(index=False)
            ],
        },
        "strategy_note": (
            "Subjects who left the study have an intercurrent event at their first missing "
            "visit; intermittent missing values are imputed under MAR. The imputation model "
            "is the MMRM baseline × visit + arm × visit (+ covariates × visit) with an "
            "unstructured covariance, fitted by REML"
            + (
                "; with one follow-up visit the baseline is a response of the model"
                if data.baseline_is_response
                else ""
            )
            + "."
        ),
    }
