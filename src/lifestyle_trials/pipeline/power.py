"""Power analyses in the pipeline: ``kind = "power"`` in analysis.toml.

A power analysis simulates a trial design many times (:func:`lifestyle_trials.power`) at
the configured arm sizes and along a curve of equal arm sizes, and renders a report: power
curves by arm size for each term, the design, the truth used, the Monte Carlo error and
provenance. Its ``analysis.toml``::

    kind = "power"
    title = "What the ODES design could detect"
    seed = 2026

    [design]                   # lt.simulate_odes arguments (not the seed)
    n_per_arm = [43, 55, 54, 67]
    visits = [0, 12]
    dropout = "published"

    [analysis]
    outcome = "homa_ir"
    analysis = "ancova"        # or "mmrm" (covariance, df_method)
    estimand = "factorial"
    log = true
    alpha = 0.05
    n_sim = 1000

    [curve]
    n_per_arm = [20, 40, 60, 80, 100]   # equal arms
    targets = [0.8, 0.9]

Two steps, each one verb: ``power`` (analysis.toml → numbers.json and tables/*.csv) and
``power-report`` (numbers.json → figures/*.svg and index.html).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConfigError
from .files import atomic_write, read_json, stamp, write_csv, write_json

__all__ = ["PowerConfig", "is_power_analysis", "load_power_config", "power", "power_report"]

_TOP = ("kind", "title", "description", "seed", "design", "analysis", "curve", "links")
_ANALYSIS = (
    "outcome",
    "analysis",
    "estimand",
    "log",
    "visit",
    "covariance",
    "df_method",
    "alpha",
    "n_sim",
)
_CURVE = ("n_per_arm", "targets")


@dataclass(frozen=True)
class PowerConfig:
    """A checked power analysis.

    Attributes
    ----------
    id, title, description : str
    seed : int
    design : Mapping
        ``simulate_odes`` arguments.
    analysis : Mapping
        ``lt.power`` arguments: outcome, analysis, estimand, log, visit, covariance,
        df_method, alpha, n_sim.
    curve : tuple of int
        Equal arm sizes simulated for the curves.
    targets : tuple of float
        Powers whose smallest arm size the report gives.
    links : Mapping
        Other reports to link to (id → text).
    file, sha256 : str
    """

    id: str
    title: str
    description: str
    seed: int
    design: Mapping[str, Any]
    analysis: Mapping[str, Any]
    curve: tuple[int, ...]
    targets: tuple[float, ...] = (0.8, 0.9)
    links: Mapping[str, str] = field(default_factory=dict)
    file: str = ""
    sha256: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": "power",
            "title": self.title,
            "description": self.description,
            "seed": self.seed,
            "design": dict(self.design),
            "analysis": dict(self.analysis),
            "curve": {"n_per_arm": list(self.curve), "targets": list(self.targets)},
            "links": dict(self.links),
            "file": self.file,
        }


def is_power_analysis(path: str | Path) -> bool:
    """True when the analysis.toml at ``path`` says ``kind = "power"``."""
    try:
        return tomllib.loads(Path(path).read_text("utf-8")).get("kind") == "power"
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False


def load_power_config(path: str | Path) -> PowerConfig:
    """Read and check a power analysis.

    Raises
    ------
    ConfigError
        Naming the file and the key: unknown or missing keys, wrong types; the design and
        analysis are checked as :func:`lifestyle_trials.power` checks them.

    Examples
    --------
    >>> cfg = load_power_config("analyses/odes_power/analysis.toml")
    >>> cfg.id, cfg.analysis["outcome"], cfg.curve[:2]
    ('odes_power', 'homa_ir', (20, 30))
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
        table = tomllib.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: not a valid UTF-8 TOML file ({exc})") from None
    where = str(path)
    _known(table, _TOP, where, "")
    if table.get("kind") != "power":
        raise ConfigError(f'{where}: kind must be "power" for a power analysis')
    title = table.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ConfigError(f"{where}: title is required (a non-empty string)")
    seed = table.get("seed")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError(f"{where}: seed must be a whole number >= 0, got {seed!r}")
    design = _table(table, "design", where)
    analysis = _table(table, "analysis", where)
    _known(analysis, _ANALYSIS, where, "analysis.")
    curve = _table(table, "curve", where)
    _known(curve, _CURVE, where, "curve.")
    sizes = curve.get("n_per_arm", [])
    if (
        not isinstance(sizes, list)
        or len(sizes) < 2
        or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 2 for n in sizes)
    ):
        raise ConfigError(
            f"{where}: curve.n_per_arm must list at least two arm sizes (whole numbers >= 2), "
            f"got {sizes!r}"
        )
    targets = curve.get("targets", [0.8, 0.9])
    if not isinstance(targets, list) or not all(
        isinstance(t, float | int) and 0 < t < 1 for t in targets
    ):
        raise ConfigError(f"{where}: curve.targets must list powers between 0 and 1")
    links = table.get("links", {})
    if not isinstance(links, dict) or not all(isinstance(v, str) for v in links.values()):
        raise ConfigError(f"{where}: links must map report ids to link texts")
    cfg = PowerConfig(
        id=path.parent.name,
        title=title.strip(),
        description=str(table.get("description", "")).strip(),
        seed=int(seed),
        design=design,
        analysis=analysis,
        curve=tuple(sorted(set(sizes))),
        targets=tuple(float(t) for t in targets),
        links=links,
        file=f"analyses/{path.parent.name}/{path.name}",
        sha256=hashlib.sha256(raw).hexdigest(),
    )
    _check_with_power(cfg, where)
    return cfg


def _table(table: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    value = table.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: [{key}] must be a table")
    return dict(value)


def _known(table: Mapping[str, Any], keys: tuple[str, ...], where: str, prefix: str) -> None:
    unknown = [k for k in table if k not in keys]
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {prefix}{unknown[0]!r}; the keys are {', '.join(keys)}"
        )


def _arguments(cfg: PowerConfig, n_sim: int | None = None) -> dict[str, Any]:
    design = dict(cfg.design)
    for key in ("n_per_arm", "visits"):
        if key in design and isinstance(design[key], list):
            design[key] = tuple(design[key])
    args = {"simulate": design, **cfg.analysis, "seed": cfg.seed}
    if n_sim is not None:
        args["n_sim"] = n_sim
    return args


def _check_with_power(cfg: PowerConfig, where: str) -> None:
    from ..errors import LifestyleTrialsError
    from ..simulation.run import prepare

    a = _arguments(cfg, 1)
    try:
        prepare(
            a["simulate"],
            a.get("outcome", "homa_ir"),
            a.get("analysis", "ancova"),
            a.get("estimand", "factorial"),
            a.get("log", True),
            a.get("visit"),
            a.get("covariance", "us"),
            a.get("df_method", "satterthwaite"),
            a.get("alpha", 0.05),
            1,
            cfg.seed,
        )
    except LifestyleTrialsError as exc:
        raise ConfigError(f"{where}: [design]/[analysis]: {exc}") from None


def power(config_path: Path, output: Path, tables_dir: Path) -> None:
    """analysis.toml → reports/<id>/numbers.json and tables/*.csv (with index.json)."""
    from ..simulation import power as simulate

    cfg = load_power_config(config_path)
    args = _arguments(cfg)
    at_design = simulate(**args, progress=False)
    rows = []
    for n in cfg.curve:
        sized = dict(args, simulate=dict(args["simulate"], n_per_arm=(n,) * 4))
        rows.append(simulate(**sized, progress=False).table.assign(n_per_arm=n))
    curve = pd.concat(rows, ignore_index=True)
    curve = curve[["n_per_arm", *rows[0].columns.drop("n_per_arm")]]
    numbers = {
        "stamp": stamp("power", {"config": config_path}, cfg),
        "kind": "power",
        "title": cfg.title,
        "description": cfg.description,
        "design": _design_summary(at_design),
        "at_design": at_design.table.to_dict(orient="records"),
        "curve": curve.to_dict(orient="records"),
        "sample_size": _sizes_for_targets(curve, cfg.targets),
        "failures": at_design.failures,
        "targets": list(cfg.targets),
        "links": dict(cfg.links),
        "versions": _versions(),
    }
    write_json(output, numbers)
    tables = {"power_at_design": at_design.table, "power_curve": curve}
    index = []
    for name, frame in tables.items():
        write_csv(tables_dir / f"{name}.csv", frame)
        index.append({"name": name, "file": f"{name}.csv", "rows": len(frame)})
    write_json(
        tables_dir / "index.json", {"stamp": stamp("power", {"numbers": output}), "tables": index}
    )


def _design_summary(result: Any) -> dict[str, Any]:
    d = result.design
    sizes = [int(n) for n in d.simulate["n_per_arm"]]
    out = {k: v for k, v in result.to_dict()["design"].items() if k != "simulate"}
    out.update(
        simulate=result.to_dict()["design"]["simulate"],
        n_per_arm=sizes,
        n_total=sum(sizes),
        scheduler=result.scheduler,
    )
    return out


def _sizes_for_targets(curve: pd.DataFrame, targets: tuple[float, ...]) -> list[dict[str, Any]]:
    """Per term (and visit) and target: the smallest arm size of the curve from which every
    larger size reaches the target (None when none does)."""
    out = []
    for (term, visit), rows in curve.groupby(["term", "visit"], sort=False):
        rows = rows.sort_values("n_per_arm")
        for target in targets:
            reached = rows["power"].to_numpy() >= target
            tail = np.flatnonzero(~reached)
            first = 0 if tail.size == 0 else int(tail[-1]) + 1
            n = int(rows["n_per_arm"].iloc[first]) if first < len(rows) else None
            out.append({"term": term, "visit": float(visit), "target": target, "n_per_arm": n})
    return out


def _versions() -> dict[str, str]:
    out = {}
    for name in ("lifestyle-trials", "numpy", "scipy", "pandas", "dask", "distributed"):
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def power_report(numbers_json: Path, figures_dir: Path, output: Path) -> None:
    """numbers.json → reports/<id>/figures/*.svg (with index.json) and index.html."""
    from ..checksums import sha256_file
    from ..report.power import power_figures, render_power_report
    from .save import save_figure

    numbers = read_json(numbers_json)
    index = []
    svgs = {}
    for name, figure in power_figures(numbers):
        path = figures_dir / f"{name}.svg"
        data = save_figure(figure, path)
        svgs[name] = path.read_bytes()
        index.append(
            {"name": name, "file": path.name, "sha256": sha256_file(path), "data": data.name}
        )
    write_json(
        figures_dir / "index.json",
        {"stamp": stamp("power-report", {"numbers": numbers_json}), "figures": index},
    )
    made = stamp("power-report", {"numbers": numbers_json, "figures": figures_dir / "index.json"})
    source = numbers["stamp"]
    made.update({k: source[k] for k in ("config", "config_sha256", "seed") if k in source})
    atomic_write(output, render_power_report(numbers, svgs, made).encode("utf-8"))
