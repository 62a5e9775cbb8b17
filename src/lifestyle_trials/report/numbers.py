"""numbers.json: every number the report shows, at full precision, and nothing formatted.

:func:`build_numbers` gathers, for one analysis, the provenance, the design, the participant
flow, Table 1, means by arm and visit, the model results (from the fit files), the
sensitivity analyses, the published figures to compare with and, for simulated data, the
true effects. The HTML and the CSV tables are rendered from this structure alone.
"""

from __future__ import annotations

import platform
from collections.abc import Mapping, Sequence
from importlib import metadata
from typing import Any

import numpy as np
import pandas as pd

from .._version import __version__
from ..config import AnalysisConfig
from ..trial import Trial
from . import descriptives, models
from . import labels as lab
from .consort import consort_flow
from .missing_data import missing_data
from .published import published_comparison

__all__ = ["DEPENDENCIES", "DISPOSITION_COLUMNS", "build_numbers", "dependency_versions"]

DISPOSITION_COLUMNS: tuple[str, ...] = ("dcsreas", "dcdecod", "disposition", "discontinued_reason")
"""Subject-level columns read as the disposition when ``[report] disposition`` names none
(ADaM ADSL's reason for discontinuation, DCSREAS, or a column named so)."""

DEPENDENCIES: tuple[str, ...] = (
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "pingouin",
    "matplotlib",
    "seaborn",
    "jinja2",
)
"""Packages whose versions are recorded in every report."""


def dependency_versions() -> dict[str, str]:
    """Python and the versions of :data:`DEPENDENCIES` installed."""
    out = {"python": platform.python_version()}
    for name in DEPENDENCIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def build_numbers(
    config: AnalysisConfig,
    trial: Trial,
    manifest: Mapping[str, Any],
    fits: Mapping[str, Mapping[str, Any]],
    data_files: Sequence[Mapping[str, str]],
) -> dict[str, Any]:
    """Everything the report of one analysis shows.

    Parameters
    ----------
    config : AnalysisConfig
    trial : Trial
        The processed trial.
    manifest : mapping
        The processed data's manifest (warnings, truth).
    fits : mapping
        Fit family → the content of ``fits/<family>.json``.
    data_files : sequence of mapping
        The pipeline's data files with their checksums (stage, file, sha256).
    """
    primary = config.outcomes.primary
    secondary = _secondary(config, trial)
    table1_vars = list(config.table1.variables or (*trial.covariates, primary, *secondary))
    log = [o for o in (primary, *secondary) if o in config.outcomes.log]
    visit = config.outcomes.visit
    if visit is None:
        visit = trial.design.post_baseline[-1]
    prov = trial.provenance
    result: dict[str, Any] = {
        "analysis": {
            "id": config.id,
            "title": config.title,
            "description": config.description,
            "source_kind": config.data.source,
            "population": config.report.population,
            "decimals": dict(config.report.decimals),
            "labels": {
                "arms": dict(config.labels.arms),
                "factors": dict(config.labels.factors),
                "variables": dict(config.labels.variables),
                "visits": dict(config.labels.visits),
                "visit_unit": config.labels.visit_unit,
                "visit_axis": config.labels.visit_axis,
            },
        },
        "provenance": {
            "source": prov.source,
            "citation": prov.citation,
            "licence": prov.licence,
            "source_sha256": prov.sha256,
            "seed": prov.seed,
            "package_version": __version__,
            "steps": list(prov.steps),
            "config_sha256": config.sha256,
            "files": list(data_files),
            "dependencies": dependency_versions(),
            "warnings": list(manifest.get("warnings", [])),
        },
        "design": {
            "arms": list(trial.design.arms),
            "arm_sizes": dict(trial.design.arm_sizes),
            "n_subjects": trial.design.n_subjects,
            "visits": list(trial.design.visits),
            "baseline": trial.design.baseline,
            "post_baseline": list(trial.design.post_baseline),
            "factorial": trial.design.is_factorial,
            "covariates": list(trial.covariates),
            "outcomes": list(trial.outcomes),
            "units": dict(trial.units),
        },
        "outcomes": {
            "primary": primary,
            "secondary": secondary,
            "log": log,
            "visit": float(visit),
            "covariates": list(config.models.covariates),
        },
        "table1": _records(
            descriptives.baseline_table(trial, table1_vars, config.table1.median_iqr)
        ),
        "by_visit": _records(descriptives.by_visit(trial, [primary, *secondary], log)),
        "exclusions": [dict(e) for e in manifest.get("exclusions", [])],
    }
    result.update(models.model_numbers(config, trial, fits, primary, secondary, float(visit)))
    result["missing_data"] = missing_data(config, trial, primary, primary in log, result)
    result["flow"] = _flow(config, trial, manifest, result, float(visit))
    result["standardised"] = _standardised(trial, result)
    result["baseline_sd"] = _baseline_sd(trial, [primary, *secondary])
    if config.published:
        result["published"] = published_comparison(config, trial, float(visit))
    result["truth"] = _truth(manifest.get("truth"), [primary, *secondary], log, float(visit))
    if result.get("mmrm") and result["truth"]:
        result["mmrm"]["truth"] = _truth_by_visit(manifest["truth"], result["mmrm"])
    return result


def _secondary(config: AnalysisConfig, trial: Trial) -> list[str]:
    primary = config.outcomes.primary
    if config.outcomes.secondary is not None:
        return list(config.outcomes.secondary)
    return [o for o in trial.outcomes if o != primary]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [dict(r) for r in frame.to_dict(orient="records")]


def _flow(
    config: AnalysisConfig,
    trial: Trial,
    manifest: Mapping[str, Any],
    numbers: Mapping[str, Any],
    visit: float,
) -> dict[str, Any]:
    """The CONSORT 2010 flow of the primary analysis (:func:`.consort.consort_flow`)."""
    fit = numbers.get("primary") or {}
    labels = config.labels
    column = config.report.disposition or next(
        (c for c in trial.covariates if c.lower() in DISPOSITION_COLUMNS), ""
    )
    if column and column not in trial.covariates:
        raise config.error(
            "report.disposition",
            f"{column!r} is not a subject-level column of the data; the covariates are "
            f"{', '.join(trial.covariates) or 'none'} (read the disposition, e.g. ADSL's "
            "DCSREAS, as a covariate)",
        )

    def visit_words(v: float) -> str:
        return labels.visits.get(f"{v:g}") or lab.visit_label(v, labels.visit_unit)

    def at_visit(v: float) -> str:
        custom = labels.visits.get(f"{v:g}")
        return custom or f"at {lab.visit_label(v, labels.visit_unit)}"

    return consort_flow(
        trial,
        config.outcomes.primary,
        visit,
        fit.get("n_analysed"),
        [s for e in fit.get("exclusions", []) for s in e["subjects"]],
        read_exclusions=manifest.get("exclusions", []),
        assessed=config.report.assessed,
        not_randomised=config.report.not_randomised,
        disposition=column,
        words=lambda name: lab.variable_label(name, labels.variables),
        visit_words=visit_words,
        at_visit=at_visit,
    )


def _standardised(trial: Trial, numbers: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Effects of every outcome divided by the outcome's baseline SD (of logs when logged)."""
    base = trial.data[trial.data["visit"] == trial.design.baseline]
    out = []
    for fit in [numbers["primary"], *numbers["secondary"]]:
        values = base[fit["outcome"]].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        if fit["log"]:
            values = np.log(values)
        sd = float(values.std(ddof=1)) if values.size > 1 else float("nan")
        for e in fit["effects"]:
            out.append(
                {
                    "outcome": fit["outcome"],
                    "term": e["term"],
                    "log": fit["log"],
                    "baseline_sd": sd,
                    "estimate": e["estimate"] / sd,
                    "conf_low": e["conf_low"] / sd,
                    "conf_high": e["conf_high"] / sd,
                }
            )
    return out


def _baseline_sd(trial: Trial, outcomes: Sequence[str]) -> dict[str, float | None]:
    """Each outcome's SD at baseline on its natural scale (None with fewer than 2 values)."""
    base = trial.data[trial.data["visit"] == trial.design.baseline]
    out: dict[str, float | None] = {}
    for outcome in outcomes:
        values = base[outcome].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        out[outcome] = float(values.std(ddof=1)) if values.size > 1 else None
    return out


def _truth_by_visit(truth: Mapping[str, Any], mmrm: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The true factorial effects of the MMRM's outcome at each of its visits."""
    spec = truth["outcomes"].get(mmrm["outcome"])
    if spec is None:
        return []
    table = spec["log_effects"] if mmrm["log"] else spec["effects"]
    out: list[dict[str, Any]] = []
    for visit in mmrm["visits"]:
        values = (table or {}).get(repr(float(visit)))
        if values:
            out.extend({"visit": float(visit), "term": t, "value": v} for t, v in values.items())
    return out


def _truth(
    truth: Mapping[str, Any] | None, outcomes: Sequence[str], log: Sequence[str], visit: float
) -> dict[str, Any] | None:
    """The generator's true factorial effects at the primary visit, on each analysis scale:
    over all randomised subjects, and (``"analysed"``) over the completers."""
    if not truth or "outcomes" not in truth:
        return None
    key = repr(float(visit))
    out: dict[str, Any] = {}
    for outcome in outcomes:
        spec = truth["outcomes"].get(outcome)
        if spec is None:
            continue
        table = spec["log_effects"] if outcome in log else spec["effects"]
        if table is None or key not in table:
            continue
        out[outcome] = {"scale": "log" if outcome in log else "natural", **table[key]}
        # the same contrasts over the subjects observed at the visit (the completers), who
        # differ from all randomised when dropout depends on the outcome
        analysed = spec.get("completers_log_effects" if outcome in log else "completers_effects")
        if analysed and key in analysed:
            out[outcome]["analysed"] = dict(analysed[key])
    return out or None
