"""The analysis configuration: ``analyses/<id>/analysis.toml``, read and checked.

An analysis names its data (a simulated ODES-like trial, a bundled dataset or a file), the
primary and secondary outcomes, the scale each is analysed on, the models, Table 1 and the
published trial to compare with. :func:`load_config` reads the file and checks every key;
a problem raises :class:`~lifestyle_trials.errors.ConfigError` naming the file, the key and
what to do. Unknown keys are errors too, so that a misspelt option is never ignored.

``data.path`` is relative to the analysis folder (it may lead out of it, e.g. to
``../shared/trial.csv``; an absolute path is refused, as it ties the analysis to one machine).
``[data.options]`` are passed to the loader (for a file, :func:`lifestyle_trials.read_trial`:
e.g. ``sep``, ``units``, or ``max_rows`` to read a Parquet file larger than the default
limit). ``[derive]`` says what the derive step does with an index the data already have:
``rounded = "keep"`` (default) or ``"recompute"`` when it differs from the formula by
rounding only, ``overwrite = true`` to replace it when it differs by more.

A minimal file::

    title = "ODES-like synthetic trial, baseline and one year"
    seed = 1997

    [data]
    source = "simulate"

    [outcomes]
    primary = "homa_ir"
    log = ["homa_ir", "insulin"]
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError

__all__ = [
    "COVARIANCES",
    "SOURCES",
    "AnalysisConfig",
    "DataSource",
    "Derive",
    "Labels",
    "Models",
    "Outcomes",
    "Report",
    "Table1",
    "load_config",
    "parse_config",
]

SOURCES: tuple[str, ...] = ("simulate", "dataset", "file")
"""Kinds of data source: ``simulate`` (lt.simulate_odes), ``dataset`` (lt.load_dataset),
``file`` (lt.read_trial on a file next to analysis.toml)."""

COVARIANCES: tuple[str, ...] = ("us", "cs", "csh", "ar1", "ar1h", "toep", "toeph", "diag")
"""Covariance structures accepted for the MMRM (checked again by lt.mmrm)."""


@dataclass(frozen=True)
class DataSource:
    """Where the data come from.

    Attributes
    ----------
    source : str
        One of :data:`SOURCES`.
    name : str
        Dataset name (``source = "dataset"``).
    path : str
        File path relative to the analysis folder (``source = "file"``).
    options : Mapping
        Keyword arguments for the loader: lt.simulate_odes (besides ``seed``),
        lt.load_dataset or lt.read_trial.
    """

    source: str
    name: str = ""
    path: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcomes:
    """The outcomes analysed.

    Attributes
    ----------
    primary : str
        The primary outcome.
    secondary : tuple of str or None
        Secondary outcomes in report order; None means every other outcome the data have.
    log : tuple of str
        Outcomes analysed on the log scale (effects reported as ratios).
    visit : float or None
        The visit of the primary analysis (None: the last visit).
    """

    primary: str
    secondary: tuple[str, ...] | None = None
    log: tuple[str, ...] = ()
    visit: float | None = None


@dataclass(frozen=True)
class Models:
    """Model options shared by the analyses.

    Attributes
    ----------
    covariates : tuple of str
        Baseline covariates added to every baseline-adjusted model.
    mmrm : bool
        Fit the MMRM over all post-baseline visits.
    covariance : str
        MMRM covariance structure, one of :data:`COVARIANCES`.
    mixed_anova : bool
        Fit the arm × visit mixed ANOVA (complete cases); off unless asked for, since with
        two visits it is the one-way ANOVA of the change and is easily mis-cited.
    """

    covariates: tuple[str, ...] = ()
    mmrm: bool = True
    covariance: str = "us"
    mixed_anova: bool = False


@dataclass(frozen=True)
class Table1:
    """The baseline table.

    Attributes
    ----------
    variables : tuple of str or None
        Rows in order; None means the covariates then the outcomes at baseline.
    median_iqr : tuple of str
        Variables summarised by median [IQR] instead of mean ± SD (skewed ones).
    """

    variables: tuple[str, ...] | None = None
    median_iqr: tuple[str, ...] = ("insulin", "homa_ir", "homa_b", "triglycerides", "matsuda")


@dataclass(frozen=True)
class Derive:
    """How the derive step treats an index the data already have (lt.add_indices).

    Attributes
    ----------
    rounded : str
        "keep" (the file's values, with a warning) or "recompute" (the formula's values)
        when the index differs from the formula by rounding only.
    overwrite : bool
        Replace an index that differs from the formula by more than rounding explains
        (default: such data are refused).
    """

    rounded: str = "keep"
    overwrite: bool = False


@dataclass(frozen=True)
class Labels:
    """Words the report uses for this analysis (display only; the data keep their names).

    Attributes
    ----------
    arms : Mapping[str, str]
        Arm (control, diet, exercise, diet+exercise) → name, e.g. for a trial whose
        treatments only occupy the diet and exercise slots.
    factors : Mapping[str, str]
        Factor (diet, exercise) → name.
    variables : Mapping[str, str]
        Outcome or covariate → name.
    visits : Mapping[str, str]
        Visit (as written, e.g. "12") → name.
    visit_unit : str
        Word for the visit scale: "month" gives "month 12".
    visit_axis : str
        Axis title of visit in figures.
    """

    arms: Mapping[str, str] = field(default_factory=dict)
    factors: Mapping[str, str] = field(default_factory=dict)
    variables: Mapping[str, str] = field(default_factory=dict)
    visits: Mapping[str, str] = field(default_factory=dict)
    visit_unit: str = "month"
    visit_axis: str = "Months since randomisation"


@dataclass(frozen=True)
class Report:
    """How the report presents the analysis (display only; no number changes).

    Attributes
    ----------
    decimals : Mapping[str, int]
        Outcome → decimals of its means and differences (default: from the standard
        errors of its effects, the same in every table).
    assessed : int or None
        Subjects assessed for eligibility (CONSORT enrolment), when the source reports it.
    not_randomised : Mapping[str, int]
        Reason → subjects assessed but not randomised, as the source reports them.
    disposition : str
        Subject-level column giving why a subject left the trial or stopped the
        intervention (e.g. ADaM ADSL's DCSREAS read as a covariate); empty or
        "completed" for those who did not.
    population : str
        The population of the estimand, in words (default: those who meet the trial's
        eligibility criteria, as randomised).
    """

    decimals: Mapping[str, int] = field(default_factory=dict)
    assessed: int | None = None
    not_randomised: Mapping[str, int] = field(default_factory=dict)
    disposition: str = ""
    population: str = ""


@dataclass(frozen=True)
class AnalysisConfig:
    """One analysis, as configured in ``analyses/<id>/analysis.toml``.

    Attributes
    ----------
    id : str
        The folder name.
    file : str
        The configuration file, as it was given.
    title, description : str
    seed : int or None
        Seed of the generator (required when ``data.source = "simulate"``).
    data : DataSource
    outcomes : Outcomes
    models : Models
    table1 : Table1
    labels : Labels
    published : str or None
        Name of a published trial whose summary results are shown beside the re-analysis.
    report : Report
    sha256 : str
        SHA-256 of the file's bytes.
    derive : Derive
        How existing index columns are treated (``[derive]``).
    links : Mapping[str, str]
        Other reports to link to: analysis id → link text (e.g. a power analysis).
    missing_data : lifestyle_trials.mi.settings.MISettings
        How the missing-data section imputes (``[missing_data]``).
    """

    id: str
    file: str
    title: str
    description: str
    seed: int | None
    data: DataSource
    outcomes: Outcomes
    models: Models
    table1: Table1
    labels: Labels
    published: str | None
    sha256: str
    derive: Derive = field(default_factory=Derive)
    report: Report = field(default_factory=Report)
    links: Mapping[str, str] = field(default_factory=dict)
    missing_data: Any = None

    @property
    def folder(self) -> Path:
        """The analysis folder (paths in the file are relative to it)."""
        return Path(self.file).parent

    def to_dict(self) -> dict[str, Any]:
        """Plain data (for stamps and JSON): every setting, lists for tuples."""
        return _plain(asdict(self))

    def error(self, key: str, message: str) -> ConfigError:
        """A ConfigError about ``key`` of this file (for checks made once the data are known)."""
        return ConfigError(f"{self.file}: {key}: {message}")


def load_config(path: str | Path) -> AnalysisConfig:
    """Read and check ``analysis.toml``.

    Parameters
    ----------
    path : str or Path
        The file; its folder name is the analysis id.

    Returns
    -------
    AnalysisConfig

    Raises
    ------
    ConfigError
        The file is missing or is not valid TOML, or a key is unknown, missing, of the wrong
        type or out of range. The message names the file and the key and says what to do.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: file not found; an analysis is a folder analyses/<id>/ holding analysis.toml"
        ) from None
    except IsADirectoryError:
        raise ConfigError(
            f"{path}: is a folder; give the file in it, {path / 'analysis.toml'}"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8")
        table = tomllib.loads(text)
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; save the file as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the syntax") from None
    return parse_config(table, file=str(path), sha256=hashlib.sha256(raw).hexdigest())


def parse_config(table: Mapping[str, Any], *, file: str, sha256: str = "") -> AnalysisConfig:
    """Check a parsed TOML table and build the AnalysisConfig.

    Examples
    --------
    >>> cfg = parse_config(
    ...     {"title": "Demo", "seed": 1, "data": {"source": "simulate"},
    ...      "outcomes": {"primary": "homa_ir", "log": ["homa_ir"]}},
    ...     file="analyses/demo/analysis.toml")
    >>> cfg.id, cfg.outcomes.primary, cfg.models.covariance
    ('demo', 'homa_ir', 'us')
    >>> parse_config({"title": "Demo", "data": {"source": "simulate"},  # doctest: +ELLIPSIS
    ...               "outcomes": {"primary": "homa_ir"}, "modles": {}}, file="a.toml")
    Traceback (most recent call last):
    ...
    lifestyle_trials.errors.ConfigError: a.toml: unknown key 'modles'; the keys are title, ...
    """
    r = _Reader(file)
    if table.get("kind") == "power":
        raise r.error(
            "kind",
            'a power analysis (kind = "power"): `lifestyle-trials power --config` builds it '
            "and lifestyle_trials.pipeline.power.load_power_config reads it",
        )
    top = r.table(
        table,
        "",
        (
            "title",
            "description",
            "seed",
            "data",
            "outcomes",
            "models",
            "table1",
            "labels",
            "published",
            "derive",
            "report",
            "links",
            "missing_data",
        ),
    )
    title = r.string(top, "title", required=True)
    description = r.string(top, "description", default="")
    seed = r.integer(top, "seed")
    data = _data_source(r, r.subtable(top, "data", required=True))
    if data.source == "simulate" and seed is None:
        raise r.error("seed", "a simulated analysis needs a seed; add e.g. seed = 1997")
    outcomes = _outcomes(r, r.subtable(top, "outcomes", required=True))
    models = _models(r, r.subtable(top, "models"))
    table1 = _table1(r, r.subtable(top, "table1"))
    labels = _labels(r, r.subtable(top, "labels"))
    published = r.string(top, "published", default=None)
    derive = _derive(r, r.subtable(top, "derive"))
    report = _report(r, r.subtable(top, "report"))
    from .mi.settings import read_mi_settings  # here: the mi package imports this module

    missing_data = read_mi_settings(r.subtable(top, "missing_data"), file)
    links = r.subtable(top, "links")
    if not all(isinstance(v, str) and v.strip() for v in links.values()):
        raise r.error("links", 'must map analysis ids to link texts, e.g. odes_power = "power"')
    return AnalysisConfig(
        id=Path(file).parent.name or Path(file).stem,
        file=file,
        title=title,
        description=description,
        seed=seed,
        data=data,
        outcomes=outcomes,
        models=models,
        table1=table1,
        labels=labels,
        published=published,
        sha256=sha256,
        derive=derive,
        report=report,
        links=dict(links),
        missing_data=missing_data,
    )


def _data_source(r: _Reader, t: Mapping[str, Any]) -> DataSource:
    t = r.table(t, "data", ("source", "name", "path", "options"))
    source = r.choice(t, "data.source", SOURCES)
    name = r.string(t, "data.name", default="")
    path = r.string(t, "data.path", default="")
    if source == "dataset" and not name:
        raise r.error("data.name", 'source = "dataset" needs the dataset name (lt.list_datasets())')
    if source == "file" and not path:
        raise r.error("data.path", 'source = "file" needs the file path, relative to the folder')
    if path and (Path(path).is_absolute() or Path(path).drive or path.startswith("~")):
        raise r.error(
            "data.path",
            f"{path!r} is an absolute path, which ties the analysis to one machine; give the "
            "path relative to the analysis folder (e.g. data.csv, or ../shared/data.csv)",
        )
    if source != "dataset" and name:
        raise r.error("data.name", f'only used with source = "dataset", not "{source}"')
    if source != "file" and path:
        raise r.error("data.path", f'only used with source = "file", not "{source}"')
    options = r.subtable(t, "data.options")
    if source == "simulate" and "seed" in options:
        raise r.error("data.options.seed", "give the seed once, as the top-level key seed")
    return DataSource(source=source, name=name, path=path, options=_plain(options))


def _outcomes(r: _Reader, t: Mapping[str, Any]) -> Outcomes:
    t = r.table(t, "outcomes", ("primary", "secondary", "log", "visit"))
    primary = r.string(t, "outcomes.primary", required=True)
    secondary = r.strings(t, "outcomes.secondary", default=None)
    if secondary is not None and primary in secondary:
        raise r.error("outcomes.secondary", f"lists the primary outcome {primary!r}; remove it")
    log = r.strings(t, "outcomes.log", default=())
    visit = r.number(t, "outcomes.visit")
    return Outcomes(primary=primary, secondary=secondary, log=log or (), visit=visit)


def _models(r: _Reader, t: Mapping[str, Any]) -> Models:
    t = r.table(t, "models", ("covariates", "mmrm", "covariance", "mixed_anova"))
    return Models(
        covariates=r.strings(t, "models.covariates", default=()) or (),
        mmrm=r.boolean(t, "models.mmrm", default=True),
        covariance=r.choice(t, "models.covariance", COVARIANCES, default="us"),
        mixed_anova=r.boolean(t, "models.mixed_anova", default=False),
    )


def _table1(r: _Reader, t: Mapping[str, Any]) -> Table1:
    t = r.table(t, "table1", ("variables", "median_iqr"))
    default = Table1()
    return Table1(
        variables=r.strings(t, "table1.variables", default=None),
        median_iqr=r.strings(t, "table1.median_iqr", default=default.median_iqr) or (),
    )


def _derive(r: _Reader, t: Mapping[str, Any]) -> Derive:
    t = r.table(t, "derive", ("rounded", "overwrite"))
    return Derive(
        rounded=r.choice(t, "derive.rounded", ("keep", "recompute"), default="keep"),
        overwrite=r.boolean(t, "derive.overwrite", default=False),
    )


def _labels(r: _Reader, t: Mapping[str, Any]) -> Labels:
    t = r.table(t, "labels", ("arms", "factors", "variables", "visits", "visit_unit", "visit_axis"))
    default = Labels()
    arms = r.names(t, "labels.arms", ("control", "diet", "exercise", "diet+exercise"))
    factors = r.names(t, "labels.factors", ("diet", "exercise"))
    return Labels(
        arms=arms,
        factors=factors,
        variables=r.names(t, "labels.variables", None),
        visits=r.names(t, "labels.visits", None),
        visit_unit=r.string(t, "labels.visit_unit", default=default.visit_unit),
        visit_axis=r.string(t, "labels.visit_axis", default=default.visit_axis),
    )


def _report(r: _Reader, t: Mapping[str, Any]) -> Report:
    t = r.table(
        t, "report", ("decimals", "assessed", "not_randomised", "disposition", "population")
    )
    counts: dict[str, dict[str, int]] = {"decimals": {}, "not_randomised": {}}
    for key, most in (("decimals", 6), ("not_randomised", None)):
        for name, value in r.subtable(t, f"report.{key}").items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise r.error(f"report.{key}.{name}", f"must be a whole number >= 0, got {value!r}")
            if most is not None and value > most:
                raise r.error(f"report.{key}.{name}", f"at most {most} decimals, got {value}")
            counts[key][str(name)] = value
    return Report(
        decimals=counts["decimals"],
        assessed=r.integer(t, "report.assessed"),
        not_randomised=counts["not_randomised"],
        disposition=r.string(t, "report.disposition", default=""),
        population=r.string(t, "report.population", default=""),
    )


class _Reader:
    """Typed access to TOML values with errors that name the file and the key."""

    def __init__(self, file: str) -> None:
        self.file = file

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.file}: {key}: {message}")

    def table(self, t: Mapping[str, Any], where: str, known: tuple[str, ...]) -> Mapping[str, Any]:
        for key in t:
            if key not in known:
                full = f"{where}.{key}" if where else key
                raise ConfigError(
                    f"{self.file}: unknown key {full!r}; the keys are {', '.join(known)}"
                )
        return t

    def subtable(self, t: Mapping[str, Any], key: str, required: bool = False) -> Mapping[str, Any]:
        name = key.rsplit(".", 1)[-1]
        if name not in t:
            if required:
                raise self.error(key, f"missing; add a [{key}] table")
            return {}
        value = t[name]
        if not isinstance(value, Mapping):
            raise self.error(key, f"must be a table ([{key}]), got {value!r}")
        return value

    def _value(self, t: Mapping[str, Any], key: str, required: bool) -> Any:
        name = key.rsplit(".", 1)[-1]
        if name not in t and required:
            raise self.error(key, "missing; this key is required")
        return t.get(name)

    def string(
        self, t: Mapping[str, Any], key: str, required: bool = False, default: Any = ""
    ) -> Any:
        value = self._value(t, key, required)
        if value is None:
            return default
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, f"must be a non-empty string, got {value!r}")
        return value.strip()

    def strings(self, t: Mapping[str, Any], key: str, default: Any) -> Any:
        value = self._value(t, key, False)
        if value is None:
            return default
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.error(
                key, f'must be a list of names, e.g. ["insulin", "glucose"]; got {value!r}'
            )
        dup = sorted({v for v in value if value.count(v) > 1})
        if dup:
            raise self.error(key, f"lists {', '.join(dup)} more than once")
        return tuple(value)

    def names(
        self, t: Mapping[str, Any], key: str, allowed: tuple[str, ...] | None
    ) -> dict[str, str]:
        value = self.subtable(t, key)
        for name, text in value.items():
            if allowed is not None and name not in allowed:
                raise self.error(f"{key}.{name}", f"unknown; name one of {', '.join(allowed)}")
            if not isinstance(text, str) or not text.strip():
                raise self.error(f"{key}.{name}", f"must be a non-empty string, got {text!r}")
        return {str(k): str(v).strip() for k, v in value.items()}

    def integer(self, t: Mapping[str, Any], key: str) -> int | None:
        value = self._value(t, key, False)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self.error(key, f"must be a whole number >= 0, got {value!r}")
        return value

    def number(self, t: Mapping[str, Any], key: str) -> float | None:
        value = self._value(t, key, False)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(key, f"must be a number, got {value!r}")
        return float(value)

    def boolean(self, t: Mapping[str, Any], key: str, default: bool) -> bool:
        value = self._value(t, key, False)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.error(key, f"must be true or false, got {value!r}")
        return value

    def choice(
        self, t: Mapping[str, Any], key: str, choices: tuple[str, ...], default: str | None = None
    ) -> str:
        value = self._value(t, key, default is None)
        if value is None and default is not None:
            return default
        if value not in choices:
            shown = ", ".join(f'"{c}"' for c in choices)
            raise self.error(key, f"must be one of {shown}, got {value!r}")
        return str(value)


def _plain(value: Any) -> Any:
    """TOML/dataclass values as JSON-ready plain data (tuples become lists)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
