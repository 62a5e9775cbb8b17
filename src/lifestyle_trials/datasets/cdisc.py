"""read_adam: a trial from CDISC ADaM datasets (ADSL with ADLB and/or ADVS).

The ADaM variables used, from the CDISC ADaM Implementation Guide:

- ADSL (one record per subject): ``USUBJID``; the planned treatment ``TRT01P`` (or ``ARM``),
  mapped to (diet, exercise) by ``arms``; covariates such as ``AGE`` and ``SEX``.
- ADLB / ADVS (basic data structure, one record per subject, parameter and analysis visit):
  ``USUBJID``, ``PARAMCD``, ``AVAL``, the analysis visit ``AVISITN`` (or ``AVISIT`` with a
  ``visits`` mapping), the baseline flag ``ABLFL``, the unit ``AVALU`` (or the unit in
  brackets at the end of ``PARAM``, e.g. "Insulin (mIU/L)"), and when present ``DTYPE``,
  ``ANL01FL`` and a fasting flag (``LBFAST`` or ``FASTFL``).

Records set aside, each counted in ``trial.exclusions`` with its reason: derived records
(``DTYPE`` given, e.g. LOCF), records not flagged for analysis (``ANL01FL`` present and not
"Y"), non-fasting records (flag "N"), records with no analysis visit, and — when ``ABLFL``
is present — records before the baseline or at the baseline visit without the flag. The
record flagged ``ABLFL = "Y"`` is the baseline (visit ``baseline``) whatever its AVISITN.

Visits: the visit is ``AVISITN`` as given — time since randomisation in the study's own
unit, usually weeks ("Week 12" → 12) — unless ``visits`` maps AVISITN values or AVISIT
labels to times.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import Problem, TrialDataError
from ..trial import Exclusion, Provenance, Trial, format_visit, make_trial
from ..units import INSULIN_PMOL_L_PER_UU_ML
from ..validation import ArmValue, RowLabeller, arm_target, mapping_argument, validate_long
from .readers import Source, Table, read_table

__all__ = ["read_adam"]

_BDS_REQUIRED = ("USUBJID", "PARAMCD", "AVAL")
_FASTING_FLAGS = ("LBFAST", "FASTFL")
_UNIT_IN_PARAM = re.compile(r"\(([^()]+)\)\s*$")
_NO_UNIT = {"homa_ir": "1", "homa_b": "%", "quicki": "1", "matsuda": "1"}
"""Dimensionless outcomes, whose ADaM parameters rarely state a unit."""


def read_adam(
    adsl: Source,
    adlb: Source | None = None,
    advs: Source | None = None,
    *,
    arms: Mapping[Any, ArmValue],
    params: Mapping[str, str],
    arm_variable: str | None = None,
    visits: Mapping[Any, float] | None = None,
    baseline: float = 0.0,
    covariates: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    fasting: bool = True,
    insulin_factor: float = INSULIN_PMOL_L_PER_UU_ML,
    encoding: str | None = None,
    name: str | None = None,
    citation: str = "",
    licence: str = "",
) -> Trial:
    """Read ADaM datasets (SAS transport .xpt, CSV or Parquet, or DataFrames) into a Trial.

    Parameters
    ----------
    adsl : DataFrame or path
        Subject-level dataset: USUBJID, TRT01P (or ARM) and covariates.
    adlb, advs : DataFrame or path, optional
        Laboratory and vital-signs datasets in the basic data structure (at least one).
    arms : mapping
        Treatment label (of ``arm_variable``) → arm name (control, diet, exercise,
        diet+exercise), ``(diet, exercise)`` codes, or None for subjects outside the trial
        (e.g. screen failures), who are set aside and logged. Every label must be mapped.
    params : mapping
        Outcome name → PARAMCD, e.g. ``{"glucose": "GLUC", "insulin": "INSULIN",
        "homa_ir": "HOMAIR", "weight": "WEIGHT"}``; each PARAMCD is looked up in ADLB and
        ADVS.
    arm_variable : str, optional
        ADSL variable holding the treatment: default TRT01P, or ARM when there is no TRT01P.
    visits : mapping, optional
        AVISITN value or AVISIT label → visit (time since randomisation). Records at visits
        not in the mapping are set aside and logged. Default: AVISITN as given.
    baseline : float, default 0
        The baseline visit. Records flagged ``ABLFL = "Y"`` are put at this visit.
    covariates : mapping, optional
        Covariate name → ADSL variable. Default: ``{"age": "AGE", "sex": "SEX"}`` for those
        present.
    units : mapping, optional
        Unit of an outcome whose records state none (no AVALU, no unit in PARAM).
        Dimensionless indices (HOMA-IR, QUICKI, Matsuda) need none.
    fasting : bool, default True
        Set aside records flagged non-fasting (LBFAST or FASTFL = "N").
    insulin_factor : float, default 6.00
        pmol/L per µU/mL, for insulin recorded in pmol/L.
    encoding : str, optional
        Text encoding of the files (default: detected for CSV, UTF-8 for XPT).
    name, citation, licence : str
        Provenance.

    Returns
    -------
    Trial
        Glucose in mmol/L and insulin in µU/mL (converted and recorded when the ADaM unit
        differs). Provenance holds the SHA-256 of the inputs (each file's in ``steps``).

    Raises
    ------
    TrialDataError
        Each problem named with its dataset, variable and records or subjects: a required
        ADaM variable missing; a PARAMCD in neither dataset; a subject in ADLB/ADVS but not
        in ADSL; duplicate USUBJID × visit × PARAMCD records; mixed units within one
        parameter; an unmapped treatment label; then every check of
        :func:`lifestyle_trials.validation.validate_long`.

    Examples
    --------
    >>> import pandas as pd, lifestyle_trials as lt
    >>> adsl = pd.DataFrame({"USUBJID": ["01", "02"], "TRT01P": ["Placebo", "Diet"],
    ...                      "AGE": [44, 47]})
    >>> adlb = pd.DataFrame({"USUBJID": ["01", "01", "02", "02"], "PARAMCD": "INSULIN",
    ...                      "PARAM": "Insulin (pmol/L)", "AVISIT": ["Baseline", "Week 12"] * 2,
    ...                      "AVISITN": [0, 12] * 2, "AVAL": [66.0, 60.0, 72.0, 54.0],
    ...                      "ABLFL": ["Y", None] * 2})
    >>> trial = lt.read_adam(adsl, adlb, arms={"Placebo": "control", "Diet": "diet"},
    ...                      params={"insulin": "INSULIN"})
    >>> print(trial.data.to_string(index=False))
    subject  diet  exercise     arm  visit  age  insulin
         01     0         0 control    0.0   44     11.0
         01     0         0 control   12.0   44     10.0
         02     1         0    diet    0.0   47     12.0
         02     1         0    diet   12.0   47      9.0
    """
    if adlb is None and advs is None:
        raise TrialDataError(
            [Problem(None, "no BDS dataset given", "pass adlb=..., advs=... or both")], "ADaM"
        )
    arms = mapping_argument(arms, "arms", '{"Placebo": "control", "Diet": "diet"}', "ADaM")
    params = mapping_argument(params, "params", '{"glucose": "GLUC"}', "ADaM")
    if not params:
        raise TrialDataError(
            [Problem(None, "params is empty", 'name the outcomes: params={"glucose": "GLUC"}')],
            "ADaM",
        )
    sl = read_table(adsl, encoding=encoding, text_columns=["USUBJID"])
    bds_tables = {
        label: read_table(source, encoding=encoding, text_columns=["USUBJID"])
        for label, source in (("ADLB", adlb), ("ADVS", advs))
        if source is not None
    }
    empty = [
        Problem(None, f"{kind} has no rows", "check that the dataset was exported completely")
        for kind, table in (("ADSL", sl), *bds_tables.items())
        if len(table.frame) == 0
    ]
    if empty:
        raise TrialDataError(empty, "ADaM")
    label = " + ".join(
        t.label if t.label != "the DataFrame" else k for k, t in _named(sl, bds_tables)
    )
    problems: list[Problem] = []
    exclusions: list[Exclusion] = []
    steps: list[str] = []

    subjects = _subjects(sl, arms, arm_variable, covariates, problems, exclusions, steps)
    records = _records(bds_tables, params, problems)
    if problems:
        raise TrialDataError(problems, label)

    records = _select(records, subjects, fasting, visits, baseline, exclusions, steps)
    _check_records(records, problems)
    found_units = _units(records, params, units, problems)
    if problems:
        raise TrialDataError(problems, label)

    table, rows = _assemble(records, subjects, params, baseline, exclusions)
    valid = validate_long(
        table,
        subject="subject",
        diet="diet",
        exercise="exercise",
        visit="visit",
        baseline=baseline,
        outcomes=list(params),
        covariates=[c for c in subjects.columns if c not in ("subject", "diet", "exercise")],
        units=found_units,
        insulin_factor=insulin_factor,
        source=label,
        rows=rows,
    )
    steps += [
        f"outcome {o} = PARAMCD {params[o]}, unit {found_units.get(o, 'none stated')}"
        for o in params
    ]
    checksums = {k: t.sha256 for k, t in _named(sl, bds_tables)}
    steps.append("inputs: " + "; ".join(f"{k} sha256 {v}" for k, v in checksums.items()))
    combined = hashlib.sha256("\n".join(f"{k}:{v}" for k, v in checksums.items()).encode())
    provenance = Provenance(
        source=name or label,
        citation=citation,
        licence=licence,
        sha256=combined.hexdigest(),
        steps=(*steps, *valid.steps),
    )
    trial = make_trial(
        valid.data,
        baseline=baseline,
        units=valid.units,
        provenance=provenance,
        outcomes=valid.outcomes,
        covariates=valid.covariates,
        exclusions=exclusions,
        subject_codes=valid.subject_codes,
    )
    return trial


def _named(sl: Table, bds: Mapping[str, Table]) -> list[tuple[str, Table]]:
    return [("ADSL", sl), *bds.items()]


def _missing_variables(table: Table, dataset: str, needed: Iterable[str]) -> list[Problem]:
    found = [str(c) for c in table.frame.columns]
    return [
        Problem(
            var,
            f"required ADaM variable missing from {dataset} ({table.label})",
            f"variables found: {', '.join(found)}",
        )
        for var in needed
        if var not in found
    ]


def _subjects(
    sl: Table,
    arms: Mapping[Any, ArmValue],
    arm_variable: str | None,
    covariates: Mapping[str, str] | None,
    problems: list[Problem],
    exclusions: list[Exclusion],
    steps: list[str],
) -> pd.DataFrame:
    """One row per randomised subject: subject, diet, exercise and the covariates."""
    frame = sl.frame
    if arm_variable is None:
        arm_variable = "TRT01P" if "TRT01P" in frame.columns or "ARM" not in frame else "ARM"
    cov_map = (
        dict(covariates)
        if covariates is not None
        else {k: v for k, v in {"age": "AGE", "sex": "SEX"}.items() if v in frame.columns}
    )
    missing = _missing_variables(sl, "ADSL", ["USUBJID", arm_variable, *cov_map.values()])
    if missing:
        problems += missing
        return pd.DataFrame()
    ids = frame["USUBJID"].astype(str).str.strip()
    twice = ids.duplicated(keep=False).to_numpy()
    if twice.any():
        problems.append(
            Problem(
                "USUBJID",
                "subject with more than one ADSL record",
                "ADSL has one record per subject",
                rows=tuple(sl.rows(np.flatnonzero(twice))),
                subjects=tuple(pd.unique(ids[twice])),
            )
        )
    labels = frame[arm_variable]
    lookup = {str(k).strip().lower(): v for k, v in arms.items()}
    diet = np.full(len(frame), -1, dtype=np.int8)
    exercise = np.full(len(frame), -1, dtype=np.int8)
    keep = np.ones(len(frame), dtype=bool)
    for value, positions in labels.groupby(labels.fillna(""), sort=False).indices.items():
        key = str(value).strip().lower()
        if key not in lookup:
            problems.append(
                Problem(
                    arm_variable,
                    f"treatment label {value!r} is not mapped",
                    f"add it to arms=, mapping it to an arm, (diet, exercise) codes or None; "
                    f"labels found: {', '.join(map(repr, pd.unique(labels.fillna(''))))}",
                    subjects=tuple(ids.iloc[positions]),
                )
            )
            continue
        target = lookup[key]
        if target is None:
            keep[positions] = False
            exclusions.append(
                Exclusion(
                    reason=f"{arm_variable} {value!r} mapped to None (not in the trial)",
                    subjects=tuple(ids.iloc[positions]),
                    rows=0,
                    step="read_adam",
                    column=arm_variable,
                )
            )
            continue
        codes = arm_target(target)
        if codes is None:
            problems.append(
                Problem(
                    arm_variable,
                    f"arms maps {value!r} to {target!r}, which is not an arm",
                    "map it to control, diet, exercise, diet+exercise, (diet, exercise) codes "
                    "or None",
                )
            )
            continue
        diet[positions], exercise[positions] = codes
    steps.append(
        f"arms from {arm_variable}: "
        + ", ".join(f"{k} → {'set aside' if v is None else v}" for k, v in arms.items())
    )
    out = pd.DataFrame({"subject": ids, "diet": diet, "exercise": exercise})
    for cov, var in cov_map.items():
        values = frame[var].to_numpy()
        if values.dtype.kind == "f" and np.all(np.isfinite(values) & (values == np.round(values))):
            values = values.astype(np.int64)  # SAS stores every number as a double
        out[cov] = values
    return out.loc[keep].reset_index(drop=True)


def _records(
    tables: Mapping[str, Table], params: Mapping[str, str], problems: list[Problem]
) -> pd.DataFrame:
    """The records of the requested parameters from ADLB and ADVS, with their row labels."""
    wanted = {code: outcome for outcome, code in params.items()}
    parts = []
    where: dict[str, list[str]] = {}
    for dataset, table in tables.items():
        frame = table.frame
        visit_vars = ["AVISITN"] if "AVISITN" in frame.columns else ["AVISIT"]
        missing = _missing_variables(table, dataset, [*_BDS_REQUIRED, *visit_vars])
        if missing:
            problems += missing
            continue
        mask = frame["PARAMCD"].isin(list(wanted)).to_numpy()
        positions = np.flatnonzero(mask)
        where_from = f"{dataset} row" if table.label == "the DataFrame" else table.label
        part = pd.DataFrame(
            {
                "dataset": dataset,
                "label": [f"{where_from} {r}" for r in table.rows(positions)],
            }
        )
        for var in frame.columns:
            part[str(var)] = frame[var].to_numpy()[positions]
        parts.append(part)
        for code in pd.unique(part["PARAMCD"]):
            where.setdefault(str(code), []).append(dataset)
    for code, outcome in wanted.items():
        if code not in where and not problems:
            problems.append(
                Problem(
                    "PARAMCD",
                    f"parameter {code!r} (for {outcome}) is in none of {', '.join(tables)}",
                    "check params=; PARAMCD values are case-sensitive",
                )
            )
        elif len(where.get(code, [])) > 1:
            problems.append(
                Problem(
                    "PARAMCD",
                    f"parameter {code!r} is in both {' and '.join(where[code])}",
                    "give each parameter in one dataset only, e.g. by passing only one of them",
                )
            )
    if not parts:
        return pd.DataFrame()
    records = pd.concat(parts, ignore_index=True)
    records["outcome"] = records["PARAMCD"].map(wanted)
    records["USUBJID"] = records["USUBJID"].astype(str).str.strip()
    return records


def _flag(values: pd.Series, flag: str) -> np.ndarray:
    return (values.astype("string").str.strip().str.upper() == flag).fillna(False).to_numpy(bool)


def _set_aside(
    records: pd.DataFrame,
    drop: np.ndarray,
    reason: str,
    column: str | None,
    exclusions: list[Exclusion],
) -> pd.DataFrame:
    if drop.any():
        exclusions.append(
            Exclusion(
                reason=reason,
                subjects=tuple(pd.unique(records.loc[drop, "USUBJID"])),
                rows=int(drop.sum()),
                step="read_adam",
                column=column,
            )
        )
    return records.loc[~drop].reset_index(drop=True)


def _select(
    records: pd.DataFrame,
    subjects: pd.DataFrame,
    fasting: bool,
    visits: Mapping[Any, float] | None,
    baseline: float,
    exclusions: list[Exclusion],
    steps: list[str],
) -> pd.DataFrame:
    """Set aside the records that are not analysis values, and give each record its visit."""
    set_aside_arm = {s for e in exclusions for s in e.subjects}
    drop = records["USUBJID"].isin(set_aside_arm).to_numpy()
    records = _set_aside(
        records, drop, "subject not in the trial (arm mapped to None)", None, exclusions
    )
    if "DTYPE" in records:
        derived = records["DTYPE"].notna().to_numpy() & (
            records["DTYPE"].astype("string").str.strip() != ""
        ).fillna(False).to_numpy(bool)
        records = _set_aside(
            records, derived, "derived record (DTYPE given, e.g. LOCF)", "DTYPE", exclusions
        )
    if "ANL01FL" in records:
        records = _set_aside(
            records,
            ~_flag(records["ANL01FL"], "Y"),
            "not flagged for analysis (ANL01FL)",
            "ANL01FL",
            exclusions,
        )
    flag = next((f for f in _FASTING_FLAGS if f in records), None)
    if fasting and flag:
        records = _set_aside(
            records,
            _flag(records[flag], "N"),
            f"non-fasting record ({flag} = 'N')",
            flag,
            exclusions,
        )

    if visits is not None:
        by_number = {}
        by_label = {}
        for key, value in visits.items():
            if isinstance(key, str):
                by_label[key.strip().lower()] = float(value)
            else:
                by_number[float(key)] = float(value)
        number = records["AVISITN"] if "AVISITN" in records else pd.Series(np.nan, records.index)
        label = records["AVISIT"] if "AVISIT" in records else pd.Series("", records.index)
        visit = number.map(by_number).astype(float)
        from_label = label.astype("string").str.strip().str.lower().map(by_label)
        visit = visit.fillna(from_label.astype(float))
        steps.append(
            "visits mapped: " + ", ".join(f"{k} → {format_visit(v)}" for k, v in visits.items())
        )
    else:
        if "AVISITN" not in records:
            visit = pd.to_numeric(records["AVISIT"], errors="coerce")
        else:
            visit = records["AVISITN"].astype(float)
        steps.append("visits: AVISITN as given (time since randomisation in the study's unit)")
    records["visit"] = visit.to_numpy(dtype=float)
    records = _set_aside(
        records,
        np.isnan(records["visit"].to_numpy()),
        "no analysis visit (AVISITN missing or not in visits=)",
        "AVISITN",
        exclusions,
    )
    if "ABLFL" in records:
        is_base = _flag(records["ABLFL"], "Y")
        v = records["visit"].to_numpy()
        records = _set_aside(
            records,
            ~is_base & (v < baseline),
            "before the baseline record (ABLFL)",
            "ABLFL",
            exclusions,
        )
        is_base = _flag(records["ABLFL"], "Y")
        v = records["visit"].to_numpy()
        records = _set_aside(
            records,
            ~is_base & (v == baseline),
            "at the baseline visit but not the baseline record (ABLFL)",
            "ABLFL",
            exclusions,
        )
        is_base = _flag(records["ABLFL"], "Y")
        records.loc[is_base, "visit"] = float(baseline)
        steps.append(f"baseline: the record flagged ABLFL = 'Y' is visit {format_visit(baseline)}")
    return records


def _check_records(records: pd.DataFrame, problems: list[Problem]) -> None:
    if records.empty:
        return
    key = ["USUBJID", "visit", "PARAMCD"]
    twice = records.duplicated(key, keep=False).to_numpy()
    if twice.any():
        dup = records.loc[twice]
        shown = "; ".join(
            f"{s} {c} at visit {format_visit(v)}"
            for s, v, c in dup[key].drop_duplicates().head(5).itertuples(index=False)
        )
        problems.append(
            Problem(
                "USUBJID × AVISITN × PARAMCD",
                f"more than one analysis record per subject, visit and parameter ({shown})",
                "select one record per visit (e.g. with ANL01FL) before reading",
                rows=tuple(dup["label"]),
                subjects=tuple(pd.unique(dup["USUBJID"])),
            )
        )


def _units(
    records: pd.DataFrame,
    params: Mapping[str, str],
    declared: Mapping[str, str] | None,
    problems: list[Problem],
) -> dict[str, str]:
    """One unit per outcome, from AVALU or PARAM; mixed units are an error."""
    declared = dict(declared or {})
    if "AVALU" in records:
        unit = records["AVALU"].astype("string").str.strip().replace("", pd.NA)
    else:
        unit = pd.Series(pd.NA, index=records.index, dtype="string")
    if "PARAM" in records:
        from_param = records["PARAM"].astype("string").str.extract(_UNIT_IN_PARAM)[0]
        unit = unit.fillna(from_param.str.strip())
    found: dict[str, str] = {}
    for outcome, code in params.items():
        mask = (records["PARAMCD"] == code).to_numpy()
        units = pd.unique(unit[mask].dropna())
        if len(units) > 1:
            counts = unit[mask].value_counts()
            minority = unit[mask] != counts.index[0]
            problems.append(
                Problem(
                    "AVALU",
                    f"parameter {code!r} has mixed units: {', '.join(map(str, units))}",
                    "convert AVAL to one unit per parameter (as ADaM requires) before reading",
                    rows=tuple(records.loc[mask, "label"][minority.to_numpy()]),
                )
            )
        elif len(units) == 1:
            if outcome in declared and declared[outcome] != units[0]:
                problems.append(
                    Problem(
                        outcome,
                        f"units= says {declared[outcome]!r} but the records of {code} say "
                        f"{units[0]!r}",
                        "drop the declaration, or correct the data",
                    )
                )
            found[outcome] = str(units[0])
        elif outcome in declared:
            found[outcome] = declared[outcome]
        elif outcome in _NO_UNIT:
            found[outcome] = _NO_UNIT[outcome]
        elif outcome in ("glucose", "insulin"):
            problems.append(
                Problem(
                    "AVALU",
                    f"no unit for {code} (no AVALU, no unit in brackets at the end of PARAM)",
                    f"declare it with units={{{outcome!r}: ...}}",
                )
            )
    return found


def _assemble(
    records: pd.DataFrame,
    subjects: pd.DataFrame,
    params: Mapping[str, str],
    baseline: float,
    exclusions: list[Exclusion],
) -> tuple[pd.DataFrame, RowLabeller]:
    """The long table: one row per subject and visit, outcomes in columns, ADSL joined."""
    unknown = ~records["USUBJID"].isin(set(subjects["subject"]))
    if unknown.any():
        raise TrialDataError(
            [
                Problem(
                    "USUBJID",
                    "subject(s) with ADLB/ADVS records but no ADSL record",
                    "every subject must be in ADSL; check the files belong to the same study",
                    rows=tuple(records.loc[unknown, "label"]),
                    subjects=tuple(pd.unique(records.loc[unknown, "USUBJID"])),
                )
            ],
            "ADaM",
        )
    wide = records.pivot(index=["USUBJID", "visit"], columns="outcome", values="AVAL")
    wide = wide.reindex(columns=list(params)).reset_index()
    without = ~subjects["subject"].isin(set(wide["USUBJID"]))
    if without.any():
        exclusions.append(
            Exclusion(
                reason="no records of the requested parameters in ADLB/ADVS",
                subjects=tuple(subjects.loc[without, "subject"]),
                rows=0,
                step="read_adam",
            )
        )
    table = subjects.merge(wide, left_on="subject", right_on="USUBJID", how="inner")
    table = table.drop(columns="USUBJID")
    labels = (table["subject"] + " at visit " + table["visit"].map(format_visit)).to_numpy()

    def rows(pos: np.ndarray) -> list[str]:
        return [f"USUBJID {labels[p]}" for p in np.asarray(pos, dtype=np.intp)]

    return table, rows
