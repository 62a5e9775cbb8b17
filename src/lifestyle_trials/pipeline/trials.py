"""A Trial as two files: its long table (CSV) and a manifest (JSON) with everything else.

``<name>.csv`` holds the long table without the derived ``arm`` column; ``<name>.json``
holds the stamp of the step that wrote it and the rest of the Trial: baseline visit, roles
and units of the columns, provenance, the exclusion log, warnings raised while building it
and, for simulated trials, the parameters used (the truth). Reading both gives back an
equal Trial.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

from ..trial import Exclusion, Provenance, Trial, make_trial
from .files import jsonable, read_json, write_csv, write_json

__all__ = ["manifest_path", "read_trial_files", "trial_manifest", "write_trial_files"]


def manifest_path(csv: str | Path) -> Path:
    """The manifest that goes with a table: ``x.csv`` → ``x.json``."""
    return Path(csv).with_suffix(".json")


def trial_manifest(trial: Trial, warnings: Sequence[str] = ()) -> dict[str, Any]:
    """Everything about a Trial except its table, as plain data."""
    return {
        "baseline": trial.design.baseline,
        "outcomes": list(trial.outcomes),
        "covariates": list(trial.covariates),
        "units": dict(trial.units),
        "provenance": asdict(trial.provenance),
        "exclusions": [asdict(e) for e in trial.exclusions],
        "warnings": list(warnings),
        "truth": None if trial.truth is None else jsonable(dict(trial.truth)),
    }


def write_trial_files(
    trial: Trial, csv: str | Path, stamp: Mapping[str, Any], warnings: Sequence[str] = ()
) -> None:
    """Write the table to ``csv`` and the manifest (with ``stamp``) beside it.

    The manifest is written last, so its presence means both are complete.
    """
    table = trial.data.drop(columns="arm")
    write_csv(csv, table)
    write_json(manifest_path(csv), {"stamp": dict(stamp), **trial_manifest(trial, warnings)})


def read_trial_files(csv: str | Path) -> tuple[Trial, dict[str, Any]]:
    """Read a Trial written by :func:`write_trial_files`; also return its manifest."""
    manifest = read_json(manifest_path(csv))
    data = pd.read_csv(csv, dtype={"subject": str})
    prov = manifest["provenance"]
    provenance = Provenance(**{**prov, "steps": tuple(prov["steps"])})
    exclusions = [
        Exclusion(**{**e, "subjects": tuple(e["subjects"])}) for e in manifest["exclusions"]
    ]
    trial = make_trial(
        data,
        baseline=manifest["baseline"],
        units=manifest["units"],
        provenance=provenance,
        outcomes=manifest["outcomes"],
        covariates=manifest["covariates"],
        exclusions=exclusions,
        truth=manifest["truth"],
    )
    return trial, manifest
