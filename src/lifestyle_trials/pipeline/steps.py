"""One function per pipeline step: read the inputs, compute, write the stamped outputs.

These are what the command line's verbs call. The computing is done elsewhere (the data
steps in :mod:`.data`, the models in :mod:`.fits`, the report's numbers, tables and HTML in
:mod:`lifestyle_trials.report`, the figures in :mod:`lifestyle_trials.figures`); here are
only file names, stamps and writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..config import AnalysisConfig, load_config
from ..errors import ConfigError
from ..trial import Trial
from .files import atomic_write, read_json, stamp, write_csv, write_json
from .trials import manifest_path, read_trial_files, write_trial_files

__all__ = ["check", "derive", "figures", "fit", "numbers", "raw", "render", "tables", "validate"]


def raw(config_path: Path, output: Path) -> None:
    """analysis.toml → data/raw/<id>.csv and its manifest."""
    from . import data

    cfg = load_config(config_path)
    trial, warnings = data.load_source(cfg)
    inputs: dict[str, Path] = {"config": config_path}
    if cfg.data.source == "file":
        inputs["source"] = cfg.folder / cfg.data.path
    write_trial_files(trial, output, stamp("raw", inputs, cfg), warnings)


def validate(config_path: Path, raw_csv: Path, output: Path) -> None:
    """data/raw → data/interim: the raw table through read_trial's checks."""
    from . import data

    cfg = load_config(config_path)
    manifest = read_json(manifest_path(raw_csv))
    trial, warnings = data.validate(raw_csv, manifest)
    inputs = {"config": config_path, "raw": raw_csv, "raw manifest": manifest_path(raw_csv)}
    write_trial_files(
        trial, output, stamp("validate", inputs, cfg), [*manifest["warnings"], *warnings]
    )


def derive(config_path: Path, interim_csv: Path, output: Path) -> None:
    """data/interim → data/processed: insulin-sensitivity indices added."""
    from . import data

    cfg = load_config(config_path)
    trial, manifest = read_trial_files(interim_csv)
    out, warnings = data.derive(trial, cfg)
    inputs = {
        "config": config_path,
        "interim": interim_csv,
        "interim manifest": manifest_path(interim_csv),
    }
    write_trial_files(out, output, stamp("derive", inputs, cfg), [*manifest["warnings"], *warnings])


def check(config_path: Path) -> str:
    """What ``make report`` needs from an analysis, checked without writing anything.

    The configuration is read, its data built as the data steps build them (the file read
    with its options, the indices derived) and the outcomes, covariates and visit it names
    looked up in them. Returns one line describing the analysis.

    Raises
    ------
    ConfigError, TrialDataError
        The first problem found, naming the file and the key or column.
    """
    from . import data

    cfg = load_config(config_path)
    trial, _ = data.load_source(cfg)
    derived, _ = data.derive(trial, cfg)
    _check_names(cfg, derived)
    src = cfg.data
    what = {
        "simulate": f"simulate_odes(seed={cfg.seed})",
        "dataset": f"dataset {src.name!r}",
        "file": f"file {src.path!r}",
    }[src.source]
    if src.source == "file":
        resolved = (cfg.folder / src.path).resolve()
        if not resolved.is_relative_to(cfg.folder.resolve()):
            what += f" (outside the analysis folder: {resolved})"
    log = " (log scale)" if cfg.outcomes.primary in cfg.outcomes.log else ""
    design = derived.design
    return (
        f"{config_path}: {cfg.id!r}, {what}; primary outcome {cfg.outcomes.primary}{log}; "
        f"{design.n_subjects} subjects, visits {', '.join(f'{v:g}' for v in design.visits)}"
    )


def _processed(cfg: AnalysisConfig, csv: Path) -> tuple[Trial, dict[str, Any]]:
    trial, manifest = read_trial_files(csv)
    _check_names(cfg, trial)
    return trial, manifest


def _check_names(cfg: AnalysisConfig, trial: Trial) -> None:
    """Outcomes and covariates named in the configuration must be in the data."""
    outcomes = ", ".join(trial.outcomes)
    named = [
        ("outcomes.primary", (cfg.outcomes.primary,)),
        ("outcomes.secondary", cfg.outcomes.secondary or ()),
        ("outcomes.log", cfg.outcomes.log),
    ]
    for key, names in named:
        for name in names:
            if name not in trial.outcomes:
                raise ConfigError(
                    f"{cfg.file}: {key}: {name!r} is not an outcome of the data; "
                    f"the outcomes are {outcomes}"
                )
    for name in cfg.models.covariates:
        if name not in trial.covariates:
            raise ConfigError(
                f"{cfg.file}: models.covariates: {name!r} is not a covariate of "
                f"the data; the covariates are {', '.join(trial.covariates) or 'none'}"
            )
    for name in cfg.table1.variables or ():
        if name not in trial.covariates and name not in trial.outcomes:
            raise ConfigError(
                f"{cfg.file}: table1.variables: {name!r} is in neither the "
                f"covariates ({', '.join(trial.covariates) or 'none'}) nor the "
                f"outcomes ({outcomes})"
            )
    if cfg.outcomes.visit is not None and cfg.outcomes.visit not in trial.design.post_baseline:
        raise ConfigError(
            f"{cfg.file}: outcomes.visit: {cfg.outcomes.visit:g} is not a "
            "post-baseline visit of the data; they are "
            f"{', '.join(f'{v:g}' for v in trial.design.post_baseline)}"
        )


def fit(config_path: Path, processed_csv: Path, output: Path) -> None:
    """data/processed → reports/<id>/fits/<family>.json."""
    from . import fits

    cfg = load_config(config_path)
    trial, _ = _processed(cfg, processed_csv)
    inputs = {
        "config": config_path,
        "processed": processed_csv,
        "processed manifest": manifest_path(processed_csv),
    }
    results = fits.fit_all(trial, cfg)
    for name in fits.FIT_FILES:
        write_json(output / f"{name}.json", {"stamp": stamp("fit", inputs, cfg), **results[name]})


def numbers(config_path: Path, processed_csv: Path, fits_dir: Path, output: Path) -> None:
    """Processed data and fits → reports/<id>/numbers.json (every number the report shows)."""
    from ..report import numbers as build
    from .fits import FIT_FILES

    cfg = load_config(config_path)
    trial, manifest = _processed(cfg, processed_csv)
    fit_files = {name: fits_dir / f"{name}.json" for name in FIT_FILES}
    fitted = {name: read_json(path) for name, path in fit_files.items()}
    inputs: dict[str, Path] = {
        "config": config_path,
        "processed": processed_csv,
        "processed manifest": manifest_path(processed_csv),
        **{f"fit {n}": p for n, p in fit_files.items()},
    }
    data_files = _data_files(processed_csv)
    result = build.build_numbers(cfg, trial, manifest, fitted, data_files)
    write_json(output, {"stamp": stamp("numbers", inputs, cfg), **result})


def _data_files(processed_csv: Path) -> list[dict[str, str]]:
    """The data files of the pipeline (raw, interim, processed) with their checksums."""
    from ..checksums import sha256_file

    name = processed_csv.name
    data_root = processed_csv.parent.parent
    out = []
    for stage in ("raw", "interim", "processed"):
        for path in (data_root / stage / name, manifest_path(data_root / stage / name)):
            if path.is_file():
                out.append(
                    {
                        "stage": stage,
                        "file": f"data/{stage}/{path.name}",
                        "sha256": sha256_file(path),
                    }
                )
    return out


def tables(numbers_json: Path, output: Path) -> None:
    """numbers.json → reports/<id>/tables/*.csv and index.json."""
    from ..report import tables as build

    numbers_data = read_json(numbers_json)
    made = build.report_tables(numbers_data)
    index = []
    for name, frame in made.items():
        write_csv(output / f"{name}.csv", frame)
        index.append({"name": name, "file": f"{name}.csv", "rows": len(frame)})
    write_json(
        output / "index.json",
        {"stamp": stamp("tables", {"numbers": numbers_json}), "tables": index},
    )


def figures(numbers_json: Path, processed_csv: Path, fits_dir: Path, output: Path) -> None:
    """numbers.json, processed data and fits → reports/<id>/figures/*.svg, what each draws
    (*.json) and index.json."""
    from ..checksums import sha256_file
    from .figures import draw_figures
    from .fits import FIT_FILES
    from .save import save_figure

    numbers_data = read_json(numbers_json)
    trial, _ = read_trial_files(processed_csv)
    fit_files = {name: fits_dir / f"{name}.json" for name in FIT_FILES}
    fitted = {name: read_json(path) for name, path in fit_files.items()}
    index = []
    for name, figure in draw_figures(numbers_data, trial, fitted):
        path = output / f"{name}.svg"
        data = save_figure(figure, path)
        index.append(
            {"name": name, "file": path.name, "sha256": sha256_file(path), "data": data.name}
        )
    inputs: dict[str, Path] = {
        "numbers": numbers_json,
        "processed": processed_csv,
        **{f"fit {n}": p for n, p in fit_files.items()},
    }
    write_json(output / "index.json", {"stamp": stamp("figures", inputs), "figures": index})


def render(numbers_json: Path, figures_dir: Path, output: Path) -> None:
    """numbers.json and figures → the self-contained reports/<id>/index.html."""
    from ..report.html import render_report

    numbers_data = read_json(numbers_json)
    index = read_json(figures_dir / "index.json")
    svgs = {f["name"]: (figures_dir / f["file"]).read_bytes() for f in index["figures"]}
    made = stamp("render", {"numbers": numbers_json, "figures": figures_dir / "index.json"})
    source = numbers_data["stamp"]
    made.update({k: source[k] for k in ("config", "config_sha256", "seed") if k in source})
    html = render_report(numbers_data, svgs, made)
    atomic_write(output, html.encode("utf-8"))
