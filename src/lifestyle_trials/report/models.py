"""The model parts of numbers.json, taken from the fit files.

Means of log-scale analyses are back-transformed here to geometric means (``exp`` of the
estimate and its limits), so that every number the report prints is in numbers.json.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from ..config import AnalysisConfig
from ..trial import Trial

__all__ = ["geometric", "model_numbers"]


def geometric(rows: Sequence[Mapping[str, Any]], log: bool) -> list[dict[str, Any]]:
    """Means with ``geometric`` set, back-transformed (exp) when the analysis was on logs.

    The log-scale values are kept as ``log_estimate, log_conf_low, log_conf_high``.

    Examples
    --------
    >>> geometric([{"estimate": 0.0, "conf_low": -1.0, "conf_high": 1.0}], True)[0]["estimate"]
    1.0
    """
    out = []
    for row in rows:
        new = dict(row)
        new["geometric"] = log
        if log:
            for key in ("estimate", "conf_low", "conf_high"):
                new[f"log_{key}"] = row[key]
                new[key] = None if row[key] is None else math.exp(row[key])
        out.append(new)
    return out


def model_numbers(
    config: AnalysisConfig,
    trial: Trial,
    fits: Mapping[str, Mapping[str, Any]],
    primary: str,
    secondary: Sequence[str],
    visit: float,
) -> dict[str, Any]:
    """The primary, secondary, repeated-measures and sensitivity results."""
    skipped = [dict(s) for family in fits.values() for s in family.get("skipped", [])]
    ancova = {f["key"]: f for f in fits["ancova"]["fits"]}
    mmrm = _mmrm(fits["mmrm"])
    return {
        "primary": _primary(ancova["primary"]),
        "secondary": [_secondary(ancova[f"secondary:{o}"]) for o in secondary],
        "arms": [_arms(ancova[k]) for k in ("primary", *(f"secondary:{o}" for o in secondary))],
        "mmrm": mmrm,
        "mixed_anova": fits["mixed_anova"]["fits"][0] if fits["mixed_anova"]["fits"] else None,
        "sensitivity": _sensitivity(ancova, mmrm, visit),
        "skipped": skipped,
    }


def _adjusted_means(rows: Sequence[Mapping[str, Any]], log: bool) -> list[dict[str, Any]]:
    """ANCOVA marginal means as ``mean, conf_low, conf_high`` (geometric when ``log``)."""
    out = []
    for row in rows:
        new = {k: v for k, v in row.items() if not k.startswith("response")}
        new["geometric"] = log
        if log:
            new["log_estimate"] = row["estimate"]
            new["mean"], new["conf_low"], new["conf_high"] = (
                row["response"],
                row["response_low"],
                row["response_high"],
            )
        else:
            new["mean"] = row["estimate"]
        new.pop("estimate", None)
        out.append(new)
    return out


def _primary(fit: Mapping[str, Any]) -> dict[str, Any]:
    keep = (
        "outcome",
        "log",
        "visit",
        "estimand",
        "analysis",
        "formula",
        "covariates",
        "df_resid",
        "residual_sd",
        "effects",
        "interaction",
        "simple_effects",
        "anova_type2",
        "anova_type3",
        "n_randomised",
        "n_analysed",
        "exclusions",
    )
    out = {k: fit[k] for k in keep}
    out["means"] = _adjusted_means(fit["means"], fit["log"])
    out["factor_means"] = _adjusted_means(fit["factor_means"], fit["log"])
    return out


def _secondary(fit: Mapping[str, Any]) -> dict[str, Any]:
    keep = ("outcome", "log", "visit", "estimand", "effects", "n_analysed", "df_resid")
    out = {k: fit[k] for k in keep}
    out["means"] = _adjusted_means(fit["means"], fit["log"])
    return out


def _arms(fit: Mapping[str, Any]) -> dict[str, Any]:
    effects = fit["arm_effects"] if fit["estimand"] == "factorial" else fit["effects"]
    return {
        "outcome": fit["outcome"],
        "log": fit["log"],
        "effects": effects,
        "n_analysed": fit["n_analysed"],
    }


_SENSITIVITY = ("primary", "margins", "arms", "change", "followup")


def _sensitivity(
    ancova: Mapping[str, Mapping[str, Any]], mmrm: Mapping[str, Any] | None, visit: float
) -> list[dict[str, Any]]:
    """The primary outcome's effects under each analysis: one entry per analysis."""
    out = []
    for key in _SENSITIVITY:
        if key not in ancova:
            continue
        fit = ancova[key]
        out.append(
            {
                "key": key,
                "model": "ancova",
                "analysis": fit["analysis"],
                "estimand": fit["estimand"],
                "effects": fit["effects"],
                "n_analysed": sum(fit["n_analysed"].values()),
                "visit": fit["visit"],
            }
        )
    if mmrm is not None:
        at = [e for e in mmrm["effects"] if e["visit"] == visit]
        out.append(
            {
                "key": "mmrm",
                "model": "mmrm",
                "analysis": "mmrm",
                "estimand": "factorial",
                "effects": at,
                "n_analysed": mmrm["n_subjects"],
                "visit": visit,
            }
        )
    return out


def _mmrm(family: Mapping[str, Any]) -> dict[str, Any] | None:
    if not family["fits"]:
        return None
    fit = family["fits"][0]
    keep = (
        "outcome",
        "log",
        "covariance",
        "df_method",
        "method",
        "covariates",
        "visits",
        "effects",
        "tests",
        "n",
        "n_analysed",
        "exclusions",
        "correlation",
        "loglik",
        "aic",
        "bic",
        "convergence",
        "n_subjects",
        "n_obs",
    )
    out = {k: fit[k] for k in keep}
    # the fixed part as fitted (e.g. without baseline when none was measured)
    out["formula"] = fit.get("formula")
    out["means"] = geometric(fit["means"], fit["log"])
    return out
