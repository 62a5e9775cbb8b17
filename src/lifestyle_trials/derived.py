"""Derived outcomes: insulin-sensitivity indices added to a Trial from its glucose and insulin."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from dataclasses import replace
from types import MappingProxyType
from typing import Any

import numpy as np

from .errors import ConfigError, Problem, TrialDataError, TrialDataWarning
from .indices import HOMA_IR_DIVISOR, homa_b, homa_ir, quicki
from .trial import Trial
from .units import DEFAULT_UNITS

__all__ = ["FASTING_INDICES", "add_indices"]

FASTING_INDICES: dict[str, tuple[Callable[..., Any], str]] = {
    "homa_ir": (homa_ir, f"HOMA1-IR = glucose × insulin / {HOMA_IR_DIVISOR:g} (Matthews 1985)"),
    "homa_b": (homa_b, "HOMA1-%B = 20 × insulin / (glucose − 3.5) (Matthews 1985)"),
    "quicki": (quicki, "QUICKI = 1 / (log10 insulin + log10 glucose [mg/dL]) (Katz 2000)"),
}
"""Indices computable from one fasting glucose and insulin: name → (function, formula)."""

_AGREEMENT_RTOL = 1e-6
"""Relative tolerance within which an index already in the data counts as the same index."""


def add_indices(
    trial: Trial,
    indices: Iterable[str] = ("homa_ir", "homa_b", "quicki"),
    *,
    overwrite: bool = False,
    rounded: str = "keep",
) -> Trial:
    """A new Trial with insulin-sensitivity indices computed from fasting glucose and insulin.

    Each index is computed row by row (every subject and visit) from the trial's ``glucose``
    and ``insulin`` columns in their recorded units (the Trial stores mmol/L and µU/mL):

    - ``homa_ir``: HOMA1-IR = insulin [µU/mL] × glucose [mmol/L] / 22.5, dimensionless;
    - ``homa_b``: HOMA1-%B = 20 × insulin [µU/mL] / (glucose [mmol/L] − 3.5), in %; NaN (with a
      TrialDataWarning) where glucose <= 3.5 mmol/L;
    - ``quicki``: QUICKI = 1 / (log10 insulin [µU/mL] + log10 glucose [mg/dL]), dimensionless.

    A row missing glucose or insulin gets NaN. The new columns are appended to the outcomes,
    their units recorded, and the step recorded in ``provenance.steps``. The input is not
    modified.

    An index already in the trial (e.g. a HOMA-IR column from the source) is checked: if it
    agrees with the recomputed values (relative tolerance 1e-6 where both exist) it is kept
    as it is. Values that differ only as much as rounding explains (the index written to
    the decimals the column has, e.g. 2.74, computed from glucose and insulin written to
    theirs) are recognised as rounded: with a TrialDataWarning, the column's values are
    kept (``rounded="keep"``) or replaced by the recomputed ones (``rounded="recompute"``).
    Larger differences are a TrialDataError naming the subjects and visits, unless
    ``overwrite=True``, which replaces the column with the recomputed values.

    Parameters
    ----------
    trial : Trial
        A trial with ``glucose`` and ``insulin`` outcomes.
    indices : iterable of str, default ("homa_ir", "homa_b", "quicki")
        Which indices to add. (The Matsuda index needs an OGTT: see
        :func:`lifestyle_trials.matsuda`.)
    overwrite : bool, default False
        Replace an existing index column that disagrees with the recomputed values.
    rounded : {"keep", "recompute"}, default "keep"
        What to do with an existing index whose values differ from the recomputed ones by
        rounding only: keep the column's values, or replace them with the recomputed ones.
        In analysis.toml: ``rounded`` (and ``overwrite``) under ``[derive]``.

    Returns
    -------
    Trial
        The same trial with the index columns added (design, truth and exclusions unchanged).

    Raises
    ------
    TrialDataError
        When glucose or insulin is not in the trial, or an existing index column disagrees
        with the recomputed values (and ``overwrite`` is False).
    ConfigError
        For an unknown index name.

    References
    ----------
    Matthews DR et al. Homeostasis model assessment. Diabetologia 1985;28:412-9.
    doi:10.1007/BF00280883

    Katz A et al. Quantitative insulin sensitivity check index. J Clin Endocrinol Metab
    2000;85:2402-10. doi:10.1210/jcem.85.7.6661

    Examples
    --------
    >>> import pandas as pd, lifestyle_trials as lt
    >>> df = pd.DataFrame({"subject": [1, 1, 2, 2], "diet": [0, 0, 1, 1],
    ...                    "exercise": [1, 1, 0, 0], "visit": [0, 12, 0, 12],
    ...                    "glucose": [5.0, 5.5, 6.0, 4.5], "insulin": [9.0, 10.0, 15.0, 9.0]})
    >>> trial = lt.add_indices(lt.read_trial(df))
    >>> trial.data[["subject", "visit", "homa_ir", "homa_b", "quicki"]].round(3)
      subject  visit  homa_ir  homa_b  quicki
    0       1    0.0    2.000   120.0   0.344
    1       1   12.0    2.444   100.0   0.334
    2       2    0.0    4.000   120.0   0.312
    3       2   12.0    1.800   180.0   0.349
    >>> trial.units["homa_b"], trial.provenance.steps[-1][:34]
    ('%', 'added homa_ir, homa_b, quicki from')
    """
    names = _check_indices(indices)
    if rounded not in _ROUNDED:
        raise ConfigError(f"rounded: must be 'keep' or 'recompute', got {rounded!r}")
    if not isinstance(overwrite, bool):
        raise ConfigError(f"overwrite: must be True or False, got {overwrite!r}")
    _require_inputs(trial)
    data = trial.data
    g_unit = trial.units.get("glucose", DEFAULT_UNITS["glucose"])
    i_unit = trial.units.get("insulin", DEFAULT_UNITS["insulin"])
    glucose = data["glucose"].to_numpy(dtype=float)
    insulin = data["insulin"].to_numpy(dtype=float)

    columns: dict[str, np.ndarray] = {}
    notes: list[str] = []
    for name in names:
        function, formula = FASTING_INDICES[name]
        values = np.asarray(
            function(glucose, insulin, glucose_unit=g_unit, insulin_unit=i_unit), dtype=float
        )
        if name in data.columns:
            tolerance = _rounding(function, glucose, insulin, g_unit, i_unit, values)
            tolerance = tolerance + _half_unit(data[name].to_numpy(dtype=float))
            values, note = _reconcile(trial, name, values, overwrite, rounded, tolerance)
            notes.append(note)
        columns[name] = values

    added = [n for n in names if n not in trial.outcomes]
    formulas = "; ".join(FASTING_INDICES[n][1] for n in names)
    step = f"added {', '.join(names)} from glucose ({g_unit}) and insulin ({i_unit}): {formulas}"
    if notes:
        step += "; " + "; ".join(notes)
    units = dict(trial.units)
    units.update({n: DEFAULT_UNITS[n] for n in names})
    return replace(
        trial,
        data=data.assign(**columns),
        units=MappingProxyType(units),
        outcomes=(*trial.outcomes, *added),
        provenance=trial.provenance.with_step(step),
    )


def _check_indices(indices: Iterable[str]) -> tuple[str, ...]:
    if isinstance(indices, str):
        indices = (indices,)
    names = tuple(dict.fromkeys(indices))
    unknown = [n for n in names if n not in FASTING_INDICES]
    if unknown:
        hint = (
            " (the Matsuda index needs OGTT samples: use lifestyle_trials.matsuda)"
            if "matsuda" in unknown
            else ""
        )
        raise ConfigError(
            f"indices: unknown index {', '.join(map(repr, unknown))}{hint}; "
            f"choose from {', '.join(FASTING_INDICES)}"
        )
    if not names:
        raise ConfigError(f"indices: name at least one of {', '.join(FASTING_INDICES)}")
    return names


def _require_inputs(trial: Trial) -> None:
    missing = [c for c in ("glucose", "insulin") if c not in trial.data.columns]
    if missing:
        raise TrialDataError(
            [
                Problem(
                    column,
                    "required to compute insulin-sensitivity indices but not in the trial",
                    f"the trial's outcomes are {', '.join(trial.outcomes) or 'none'}; "
                    "read the fasting glucose and insulin columns with the trial",
                )
                for column in missing
            ],
            source=f"trial {trial.provenance.source!r}",
        )


_ROUNDED = ("keep", "recompute")


def _half_unit(values: np.ndarray) -> float:
    """Half a unit of the last decimal the values are written to (0 when they have more than
    8 decimals, i.e. are not rounded).

    Examples
    --------
    >>> _half_unit(np.array([2.74, 3.1, np.nan])), _half_unit(np.array([1 / 3]))
    (0.005, 0.0)
    """
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return 0.0
    for decimals in range(9):
        scaled = finite * 10.0**decimals
        if np.all(np.abs(scaled - np.round(scaled)) <= 1e-6 + 1e-12 * np.abs(scaled)):
            return 0.5 * 10.0**-decimals
    return 0.0


def _rounding(
    function: Callable[..., Any],
    glucose: np.ndarray,
    insulin: np.ndarray,
    g_unit: str,
    i_unit: str,
    center: np.ndarray,
) -> np.ndarray:
    """How far an index can move, row by row, when glucose and insulin move within the
    rounding of the decimals they are written to (the index is monotone in each)."""
    dg, di = _half_unit(glucose), _half_unit(insulin)
    if dg == 0.0 and di == 0.0:
        return np.zeros_like(center)
    spread = np.zeros_like(center)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for sg in (-dg, dg):
            for si in (-di, di):
                corner = np.asarray(
                    function(
                        np.maximum(glucose + sg, 1e-12),
                        np.maximum(insulin + si, 1e-12),
                        glucose_unit=g_unit,
                        insulin_unit=i_unit,
                    ),
                    dtype=float,
                )
                spread = np.fmax(spread, np.abs(corner - center))
    return spread


def _reconcile(
    trial: Trial,
    name: str,
    computed: np.ndarray,
    overwrite: bool,
    rounded: str,
    tolerance: np.ndarray | float,
) -> tuple[np.ndarray, str]:
    """The column to store for an index the data already have, and a note for provenance."""
    existing = trial.data[name].to_numpy(dtype=float)
    both = np.isfinite(existing) & np.isfinite(computed)
    differ = both & ~np.isclose(existing, computed, rtol=_AGREEMENT_RTOL, atol=0.0)
    beyond = differ & (np.abs(existing - computed) > tolerance * (1 + 1e-9) + 1e-12)
    if differ.any() and not beyond.any():
        filled = ~np.isfinite(existing) & np.isfinite(computed)
        kept = rounded == "keep"
        what = (
            "the column's values are kept" if kept else "they are replaced by the recomputed values"
        )
        warnings.warn(
            f"trial {trial.provenance.source!r}: column {name!r}: {int(differ.sum())} value(s) "
            f"differ from {FASTING_INDICES[name][1]} by rounding only; {what}. To "
            f"{'use the recomputed values' if kept else 'keep the values as given'}, pass "
            f"rounded={'recompute' if kept else 'keep'!r} (analysis.toml: rounded = "
            f'"{"recompute" if kept else "keep"}" under [derive])',
            TrialDataWarning,
            stacklevel=3,
        )
        note = f"{name} already present and differs from the formula by rounding only: " + (
            "kept" if kept else "recomputed"
        )
        if kept and filled.any():
            note += f", {int(filled.sum())} missing value(s) filled from glucose and insulin"
        return (np.where(filled, computed, existing) if kept else computed), note
    differ = beyond if beyond.any() else differ
    if not differ.any():
        filled = ~np.isfinite(existing) & np.isfinite(computed)
        note = f"{name} already present and agrees with the formula: kept"
        if filled.any():
            note += f", {int(filled.sum())} missing value(s) filled from glucose and insulin"
        return np.where(filled, computed, existing), note
    if overwrite:
        return computed, f"{name} replaced: {int(differ.sum())} value(s) differed from the formula"
    where = trial.data.loc[differ, ["subject", "visit"]]
    cells = tuple(
        f"subject {s} visit {v:g}" for s, v in zip(where["subject"], where["visit"], strict=True)
    )
    first = np.flatnonzero(differ)[0]
    raise TrialDataError(
        [
            Problem(
                name,
                f"{int(differ.sum())} value(s) differ from {FASTING_INDICES[name][1]} by more "
                f"than rounding explains (e.g. {existing[first]:g} where the formula gives "
                f"{computed[first]:.4g})",
                "check the units of glucose and insulin and the formula of the source; "
                "pass overwrite=True (analysis.toml: overwrite = true under [derive]) to "
                "replace the column with the recomputed values",
                rows=cells,
                subjects=tuple(map(str, where["subject"].drop_duplicates())),
            )
        ],
        source=f"trial {trial.provenance.source!r}",
    )
