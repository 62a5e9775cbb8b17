"""Public datasets bundled with lifestyle-trials, each mapped to the diet × exercise design.

The registry ``data/public_datasets.toml`` records for each dataset its description, design,
the mapping to a Trial (in words, and as the arguments of :func:`read_trial`), citation,
licence (and its compatibility with the project's GPL-3.0-or-later), source, number of
subjects and the SHA-256 of its file. :func:`load_dataset` verifies the checksum before it
reads anything.

Datasets with no baseline measurement (``weightgain``, ``weightloss``, ``anova2_unbalanced``)
keep the design's baseline visit 0 with the outcomes missing there: a statistician analyses
such data with models that have no baseline covariate, and a baseline-adjusted model finds
no baseline value rather than an invented one.
"""

from __future__ import annotations

import importlib.resources
import tomllib
from collections.abc import Mapping
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from ..checksums import sha256_file
from ..errors import DatasetError
from ..trial import Trial
from .files import read_trial

__all__ = ["REGISTRY", "dataset_path", "list_datasets", "load_dataset"]

REGISTRY = "public_datasets.toml"
"""The registry file, in the package's ``datasets/data`` folder."""

_COLUMNS = ["name", "description", "design", "n", "citation", "licence", "source", "sha256"]


@cache
def _registry() -> Mapping[str, Mapping[str, Any]]:
    text = importlib.resources.files(__package__).joinpath("data", REGISTRY).read_text("utf-8")
    return tomllib.loads(text)


def list_datasets() -> pd.DataFrame:
    """The bundled public datasets: what they are, where from, under which licence.

    Returns
    -------
    DataFrame
        One row per dataset with columns ``name, description, design, n, citation, licence,
        source, sha256`` (n: subjects; sha256: of the data file) and ``licence_note`` (the
        licence's compatibility with GPL-3.0-or-later) and ``mapping`` (how the data map to
        the diet × exercise design).

    Examples
    --------
    >>> import lifestyle_trials as lt
    >>> print(lt.list_datasets()[["name", "n", "licence"]].to_string(index=False))
                 name  n                           licence
             anorexia 72    GPL-2 | GPL-3 (R package MASS)
           weightloss 34    GPL (>= 2) (R package carData)
           weightgain 40          GPL-2 (R package HSAUR3)
    anova2_unbalanced 10 GPL-3.0 (Python package pingouin)
    """
    rows = [
        {"name": name, **{k: v for k, v in entry.items() if k != "read"}}
        for name, entry in _registry().items()
    ]
    frame = pd.DataFrame(rows)
    return frame[[*_COLUMNS, "licence_note", "mapping"]]


def dataset_path(name: str) -> Path:
    """Path of a dataset's file (in this package, or in the package that ships it)."""
    entry = _entry(name)
    package = entry.get("package", __package__)
    base = importlib.resources.files(package)
    if package == __package__:
        base = base.joinpath("data")
    resource = base.joinpath(entry["file"])
    return Path(str(resource))


def load_dataset(name: str) -> Trial:
    """A bundled public dataset as a Trial, after verifying its checksum.

    Parameters
    ----------
    name : str
        A name from :func:`list_datasets`: ``anorexia`` (MASS), ``weightloss`` (carData),
        ``weightgain`` (HSAUR3) or ``anova2_unbalanced`` (pingouin).

    Returns
    -------
    Trial
        Provenance has the dataset's name, citation, licence, the file's SHA-256 and every
        step of the mapping (arm labels, wide to long, visits without measurement).

    Raises
    ------
    DatasetError
        An unknown name, a missing file, or a file whose SHA-256 is not the registry's.

    Examples
    --------
    >>> import lifestyle_trials as lt
    >>> trial = lt.load_dataset("anorexia")
    >>> dict(trial.design.arm_sizes), trial.design.visits, trial.units["weight"]
    ({'control': 26, 'diet': 17, 'exercise': 29}, (0.0, 1.0), 'lb')
    >>> round(float(trial.data.groupby(["arm", "visit"], observed=True)["weight"].mean()
    ...       .loc[("diet", 1.0)]), 2)
    90.49
    """
    entry = _entry(name)
    path = dataset_path(name)
    if not path.is_file():
        raise DatasetError(
            f"the file of dataset {name!r} is missing ({path}); reinstall lifestyle-trials"
            + (f" and {entry['package']}" if "package" in entry else "")
        )
    found = sha256_file(path)
    if found != entry["sha256"]:
        raise DatasetError(
            f"dataset {name!r}: {path.name} has SHA-256 {found}, the registry expects "
            f"{entry['sha256']}; the file changed (a different {entry.get('package', 'package')}"
            " version, or an edit). Reinstall it, or re-extract with `make datasets` and review "
            "the difference"
        )
    return _build(name, path)


def _entry(name: str) -> Mapping[str, Any]:
    registry = _registry()
    if name not in registry:
        raise DatasetError(f"no dataset named {name!r}; the datasets are {', '.join(registry)}")
    return registry[name]


def _build(name: str, path: Path) -> Trial:
    """Read a dataset's file with its registry arguments (no checksum check)."""
    entry = _entry(name)
    options = dict(entry["read"])
    if "wide" in options:
        options["wide"] = {col: tuple(target) for col, target in options["wide"].items()}
    source: pd.DataFrame | Path = path
    if entry.get("package") == "pingouin":
        import pingouin

        source = pingouin.read_dataset(Path(entry["file"]).stem)
    trial = read_trial(
        source, name=name, citation=entry["citation"], licence=entry["licence"], **options
    )
    if isinstance(source, pd.DataFrame):  # provenance names the file, not the frame
        trial = replace(trial, provenance=replace(trial.provenance, sha256=sha256_file(path)))
    return trial
