"""The data steps: configured source → raw → validated (interim) → processed (indices).

- :func:`load_source` builds the Trial the configuration names: ``lt.simulate_odes`` with
  the analysis seed, ``lt.load_dataset`` or ``lt.read_trial`` on a file next to the
  configuration. Written to ``data/raw``; never edited afterwards.
- :func:`validate` reads the raw table back through ``lt.read_trial``, so that every row
  passes the same checks as user data, and keeps the provenance of the source.
- :func:`derive` adds the insulin-sensitivity indices with ``lt.add_indices`` when the
  trial has fasting glucose and insulin.

Warnings raised on the way are returned, to be recorded in the manifest and shown in the
report, not lost on a terminal.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..config import AnalysisConfig
from ..datasets.files import read_trial
from ..datasets.odes_params import FactorialEffects
from ..datasets.public import load_dataset
from ..datasets.synthetic import simulate_odes
from ..derived import add_indices
from ..errors import ConfigError, LifestyleTrialsError
from ..trial import Provenance, Trial

__all__ = ["derive", "load_source", "validate"]


def load_source(config: AnalysisConfig) -> tuple[Trial, list[str]]:
    """The Trial named by ``[data]`` of the configuration, and the warnings raised.

    Raises
    ------
    ConfigError
        For an option the loader does not take, or a value it refuses; the message names
        the configuration file and the key.
    """
    src = config.data
    options = dict(src.options)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if src.source == "simulate":
            kwargs = _options(simulate_odes, options, config, skip=("seed",))
            if "effects" in kwargs:
                kwargs["effects"] = _effects(kwargs["effects"], config)
            trial = _call(simulate_odes, config, seed=config.seed, **kwargs)
        elif src.source == "dataset":
            kwargs = _options(load_dataset, options, config, skip=("name",))
            trial = _call(load_dataset, config, src.name, **kwargs)
        else:
            path = config.folder / src.path
            if path.is_dir():
                raise config.error(
                    "data.path", f"{path} is a folder; give the path of the data file in it"
                )
            if not path.is_file():
                raise config.error(
                    "data.path",
                    f"file {path} not found; give its path relative to the analysis folder",
                )
            kwargs = _options(read_trial, options, config, skip=("source",))
            trial = _call(read_trial, config, path, **kwargs)
    return trial, [str(w.message) for w in caught]


def validate(raw_csv: str | Path, manifest: Mapping[str, Any]) -> tuple[Trial, list[str]]:
    """Read the raw table through ``lt.read_trial`` with the roles and units it was written with.

    The returned Trial keeps the source's provenance (name, citation, licence, checksum of
    the original input, seed, steps) with one more step, its exclusion log and its truth.
    """
    prov = manifest["provenance"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        checked = read_trial(
            raw_csv,
            baseline=manifest["baseline"],
            outcomes=manifest["outcomes"],
            covariates=manifest["covariates"],
            units=manifest["units"],
            name=prov["source"],
            citation=prov["citation"],
            licence=prov["licence"],
        )
    n_rows, n_subjects = len(checked.data), checked.design.n_subjects
    provenance = Provenance(**{**prov, "steps": tuple(prov["steps"])}).with_step(
        f"validated with read_trial: {n_rows} rows, {n_subjects} subjects"
    )
    trial = replace(
        checked,
        provenance=provenance,
        exclusions=(*_exclusions(manifest), *checked.exclusions),
        truth=manifest["truth"],
    )
    return trial, [str(w.message) for w in caught]


def derive(trial: Trial, config: AnalysisConfig | None = None) -> tuple[Trial, list[str]]:
    """Add HOMA-IR, HOMA-%B and QUICKI when the trial has glucose and insulin.

    An index already in the data is treated as ``[derive]`` of the configuration says
    (``rounded``, ``overwrite``; see :func:`lifestyle_trials.add_indices`).
    """
    if not {"glucose", "insulin"} <= set(trial.outcomes):
        note = "no indices added: the trial has no fasting glucose and insulin"
        return replace(trial, provenance=trial.provenance.with_step(note)), []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        settings = config.derive if config is not None else None
        if settings is None:
            out = add_indices(trial)
        else:
            out = add_indices(trial, overwrite=settings.overwrite, rounded=settings.rounded)
    return out, [str(w.message) for w in caught]


def _exclusions(manifest: Mapping[str, Any]) -> tuple[Any, ...]:
    from ..trial import Exclusion

    return tuple(
        Exclusion(**{**e, "subjects": tuple(e["subjects"])}) for e in manifest["exclusions"]
    )


def _options(
    function: Callable[..., Any],
    options: Mapping[str, Any],
    config: AnalysisConfig,
    skip: tuple[str, ...] = (),
) -> dict[str, Any]:
    """``[data.options]`` checked against the loader's keyword arguments; lists → tuples.

    ``skip`` names the arguments the pipeline gives itself (the seed, the dataset name, the
    file), which the options may not set.
    """
    params = inspect.signature(function).parameters
    accepted = [
        n
        for n, p in params.items()
        if n not in skip and p.kind is not p.VAR_POSITIONAL and p.kind is not p.VAR_KEYWORD
    ]
    out: dict[str, Any] = {}
    for key, value in options.items():
        if key not in accepted:
            raise config.error(
                f"data.options.{key}",
                f"{function.__name__} has no option {key!r}; its options are {', '.join(accepted)}",
            )
        out[key] = _tuples(value)
    return out


def _tuples(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    if isinstance(value, Mapping):
        return {k: _tuples(v) for k, v in value.items()}
    return value


def _effects(value: Any, config: AnalysisConfig) -> dict[str, FactorialEffects]:
    key = "data.options.effects"
    if not isinstance(value, Mapping):
        raise config.error(
            key, "must be a table of outcome = {control, diet, exercise, interaction}"
        )
    out = {}
    for outcome, spec in value.items():
        if not isinstance(spec, Mapping):
            raise config.error(
                f"{key}.{outcome}",
                "must be a table {control = ..., diet = ..., exercise = ..., interaction = ...}",
            )
        try:
            out[outcome] = FactorialEffects(**spec)
        except TypeError as exc:
            raise config.error(
                f"{key}.{outcome}", f"{exc}; the fields are control, diet, exercise, interaction"
            ) from None
    return out


def _call(
    function: Callable[..., Trial], config: AnalysisConfig, *args: Any, **kwargs: Any
) -> Trial:
    """Call a loader; turn a refusal of the configured values into a ConfigError."""
    try:
        return function(*args, **kwargs)
    except ConfigError as exc:
        raise config.error("data", f"{function.__name__} refused the settings: {exc}") from exc
    except LifestyleTrialsError:
        raise
    except (TypeError, ValueError) as exc:
        raise config.error("data.options", f"{function.__name__}: {exc}") from exc
