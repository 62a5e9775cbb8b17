"""simulate_odes: a synthetic trial in the design of the Oslo Diet and Exercise Study.

The generator draws an eligible population at baseline
(:mod:`~lifestyle_trials.datasets.odes_baseline`), randomises it to the four arms, moves
every outcome along a smooth trajectory by its arm's effect plus the subject's own change and
visit noise, lets some subjects drop out, and returns a :class:`~lifestyle_trials.Trial`
whose ``truth`` says what every arm is expected to show. The constants and their sources are
in :mod:`~lifestyle_trials.datasets.odes_calibration`.
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from ..arms import ARM_CODES, ARMS
from ..errors import ConfigError
from ..indices import HOMA_IR_DIVISOR, homa_ir
from ..trial import Provenance, Trial, format_visit, make_trial
from ..units import DEFAULT_UNITS, convert_insulin
from .odes_baseline import sample_baseline
from .odes_calibration import (
    BASELINE_VARIABLES,
    CHANGE_CORRELATION,
    CHANGE_OUTCOMES,
    CHANGE_SD,
    DEFAULT_EFFECTS,
    DROPOUT_MAR_POWER,
    LOG_OUTCOMES,
    PUBLISHED_COMPLETERS,
    PUBLISHED_N_PER_ARM,
    PUBLISHED_SEX,
    REFERENCE_MEANS,
    TRAJECTORY_MONTHS,
    VISIT_SD,
)
from .odes_params import DropoutTruth, FactorialEffects, OutcomeTruth, factorial

__all__ = ["ODES_CITATION", "OUTCOMES", "simulate_odes", "trajectory"]

OUTCOMES: tuple[str, ...] = (
    "glucose",
    "insulin",
    "homa_ir",
    "weight",
    "bmi",
    "waist",
    "vo2max",
    "triglycerides",
    "hdl",
    "cholesterol",
    "sbp",
    "dbp",
)
"""Outcome columns of the synthetic trial, in table order."""

COVARIATES: tuple[str, ...] = ("age", "sex", "height")
"""Subject-level covariates: age (years, 41–50), sex ("M"/"F"), height (cm)."""

ODES_CITATION = (
    "Synthetic data modelled on the Oslo Diet and Exercise Study (ODES): Torjesen PA et al. "
    "Diabetes Care 1997;20:26-31, doi:10.2337/diacare.20.1.26; Anderssen SA et al. "
    "J Intern Med 1996;240:203-9, doi:10.1046/j.1365-2796.1996.22848000.x"
)
LICENCE = "CC0-1.0 (synthetic data made by lifestyle-trials; no participant data)"

_SELECTED_OUTCOMES = ("triglycerides", "hdl", "cholesterol", "dbp")
"""Outcomes selected on at baseline whose visit noise makes them regress to the mean."""

_STREAM = {"design": 0, "baseline M": 1, "baseline F": 2, "change": 3, "dropout": 4, "visit": 5}
"""Independent random streams, so that e.g. the 12-month values do not depend on which
other visits are asked for."""

_LEVEL_ROW = {
    "glucose": "log_glucose",
    "insulin": "log_insulin",
    "waist": "waist",
    "vo2max": "vo2max",
    "triglycerides": "log_triglycerides",
    "hdl": "log_hdl",
    "cholesterol": "cholesterol",
    "sbp": "sbp",
    "dbp": "dbp",
}


def trajectory(visit: Any) -> Any:
    """Fraction of the one-year change reached at ``visit`` months.

    ``f(t) = (1 − exp(−t/τ)) / (1 − exp(−12/τ))`` with τ = 3 months (assumed), so f(0) = 0,
    f(12) = 1 and most of the change appears in the first months.

    Examples
    --------
    >>> [round(trajectory(t), 3) for t in (0, 3, 6, 12)]
    [0.0, 0.644, 0.881, 1.0]
    """
    t = np.asarray(visit, dtype=float)
    tau = TRAJECTORY_MONTHS
    f = -np.expm1(-t / tau) / -np.expm1(-12.0 / tau)
    return float(f) if f.ndim == 0 else f


def simulate_odes(
    seed: int = 1997,
    n_per_arm: Sequence[int] = PUBLISHED_N_PER_ARM,
    visits: Sequence[float] = (0, 12),
    *,
    dropout: float | Sequence[float] | str | None = "published",
    effects: Mapping[str, FactorialEffects] | None = None,
    effect_scale: float = 1.0,
    dropout_mar: float = DROPOUT_MAR_POWER,
) -> Trial:
    """A synthetic 2 × 2 diet × exercise trial calibrated to the Oslo Diet and Exercise Study.

    ODES randomised 219 sedentary adults aged 41–50 (198 men, 21 women) with raised weight,
    blood pressure and lipids to control, diet, exercise or diet + exercise for one year. Its
    participant data are not public; this generator reproduces its design, eligibility and
    published one-year changes, so that analyses can be built, checked and compared against
    a known truth (``trial.truth``). The same seed gives the same trial.

    Parameters
    ----------
    seed : int, default 1997
        Seed of the random streams (a non-negative integer).
    n_per_arm : sequence of 4 int, default (43, 55, 54, 67)
        Subjects randomised to control, diet, exercise and diet + exercise (Torjesen 1997).
    visits : sequence of float, default (0, 12)
        Visits in months since randomisation; must include the baseline 0 and a later visit.
    dropout : "published", float, sequence of 4 float, 0 or None, default "published"
        Proportion of each arm that drops out: "published" (completers 37/43, 45/55, 48/54,
        58/67, Holme 2007: 188 of 219), one proportion for every arm, one per arm, or 0 /
        None for none. Counts are ``round(proportion × arm size)``, exactly.
    effects : mapping of outcome to FactorialEffects, optional
        One-year arm changes to use instead of the defaults, in the Trial's units (insulin in
        µU/mL). Keys among glucose, insulin, weight, waist, vo2max, triglycerides, hdl,
        cholesterol, sbp, dbp (HOMA-IR and BMI follow from these).
    effect_scale : float, default 1
        Multiplies the diet, exercise and interaction effects of every outcome; 0 gives a
        trial with no treatment effect (the control change, common to all arms, stays).
    dropout_mar : float, default 1
        Exponent of baseline HOMA-IR in the dropout weight (**assumed**); 0 makes dropout
        completely at random within arm.

    Returns
    -------
    Trial
        Columns subject ("ODES-001", ...), diet, exercise, arm, visit, age (years), sex
        ("M"/"F"), height (cm) and the outcomes glucose (mmol/L), insulin (µU/mL), homa_ir,
        weight (kg), bmi (kg/m2), waist (cm), vo2max (mL/kg/min), triglycerides, hdl,
        cholesterol (mmol/L), sbp, dbp (mmHg). ``trial.truth`` maps ``"outcomes"`` to an
        :class:`~lifestyle_trials.OutcomeTruth` per outcome (expected baseline mean, mean
        change by visit and arm, factorial effects on the natural and log scales),
        ``"dropout"`` to a :class:`~lifestyle_trials.DropoutTruth` (who dropped out, when)
        and ``"settings"`` to the parameters used (their SHA-256 is
        ``trial.provenance.sha256``).

    Raises
    ------
    ConfigError
        For an argument out of range, naming it and what it accepts.

    Notes
    -----
    *Baseline.* A multivariate normal base population per sex (NHANES 2017–2018, aged 41–50,
    without diabetes, for log glucose, log insulin, log BMI, waist, height and their
    correlations; **assumed** values for VO2max, lipids and blood pressure), restricted
    exactly to the ODES eligibility (Anderssen 1996): BMI > 24 kg/m², diastolic BP 86–99
    mmHg, total cholesterol 5.20–7.74 mmol/L, HDL < 1.20 mmol/L, triglycerides > 1.4 mmol/L.
    Log insulin is shifted so that the mean baseline HOMA-IR of the eligible population is
    4.8 (Torjesen 1997: 4.6–5.0), and its correlation with BMI set so that baseline HOMA-IR
    and BMI correlate with r = 0.54 (Torjesen 1997). Sex: 198 men to 21 women (Torjesen 1997),
    kept in that proportion for other sizes; age uniform on 41–50 years. Weight is
    BMI × height²; HOMA-IR is always computed from the generated glucose and insulin with
    :func:`~lifestyle_trials.homa_ir`, never drawn.

    *Follow-up.* For a subject in arm a at visit t (months), with trajectory f(t)
    (:func:`trajectory`, f(12) = 1), level L, own change component z ~ N(0, 1) (correlated
    across outcomes) and visit noise ε ~ N(0, 1) (independent), an outcome simulated
    multiplicatively (glucose, insulin, triglycerides, HDL) is

    ``X_t = exp(L + f·δ_a + f·σ_s·z − f²σ_s²/2 + σ_e·ε − σ_e²/2)``,

    so that ``E[X_t] = exp(L)·exp(f·δ_a)`` exactly, whatever the eligibility does to L. With
    ``δ_a = log(1 + Δ_a / m)``, m the reference mean of exp(L) in the eligible population
    (a documented constant, for this trial's sex mix), the arm's expected one-year change is
    Δ_a. The other outcomes change additively, ``X_t = L + f·(Δ_a + σ_s·z) + σ_e·ε``. The arm
    changes Δ are c (control), c + d (diet), c + e (exercise) and c + d + e + i (diet +
    exercise) (:class:`~lifestyle_trials.FactorialEffects`); ``effect_scale`` multiplies d, e
    and i. The change in log insulin correlates with the change in weight, hence BMI, which
    gives the diet-arm correlation of ΔHOMA-IR with ΔBMI of r = 0.40 (Torjesen 1997).
    Outcomes selected on at baseline (triglycerides, HDL, cholesterol, diastolic BP) also
    regress to the mean in every arm; ``trial.truth`` includes it. Each visit has its own
    random stream, so the 12-month values do not depend on which other visits are asked for.

    *Dropout.* Within each arm the subjects who drop out are drawn without replacement with
    weights w = HOMA-IR₀^``dropout_mar`` (Efraimidis–Spirakis keys log(U)/w): missing at
    random given arm and baseline. A subject who drops out attends the baseline and, with
    equal probability, each later visit up to one of the visits before the last; the rows
    after that are absent.

    *Defaults* (sources and the **assumed** values in
    :mod:`~lifestyle_trials.datasets.odes_calibration`):

    - fasting insulin: control +3.9, diet + exercise −22.6 pmol/L (Anderssen 1996); diet −6.0
      and exercise −6.0 pmol/L **assumed** (published only as not significant); SD of the
      one-year change 37–42 pmol/L, as the SEs of Anderssen (1996) imply;
    - fasting glucose: diet −0.21, diet + exercise −0.26 mmol/L (Anderssen 1996); control 0
      and exercise −0.05 **assumed**; SD of change about 0.54 mmol/L;
    - HOMA-IR follows from insulin and glucose: mean change −0.42 with diet (Torjesen 1997:
      4.6 → 4.2) and −1.17 with diet + exercise (Torjesen 1997: 5.0 → 4.0). The published
      insulin, glucose and HOMA-IR figures come from different papers and do not quite agree;
      the gap of about 0.17 units in the diet + exercise arm is left as it is. Control +0.18,
      exercise −0.30;
    - blood pressure: the net effects of Anderssen (1995) for the top third of diastolic BP,
      halved (**assumed**) for the whole eligible range; weight, waist, VO2max and lipids
      **assumed**.

    References
    ----------
    Torjesen PA et al. Diabetes Care 1997;20:26-31. doi:10.2337/diacare.20.1.26

    Anderssen SA et al. J Intern Med 1996;240:203-9. doi:10.1046/j.1365-2796.1996.22848000.x

    Anderssen SA et al. Blood Pressure 1995. doi:10.3109/08037059509077619

    Efraimidis PS, Spirakis PG. Weighted random sampling with a reservoir. Inf Process Lett
    2006;97:181-5. doi:10.1016/j.ipl.2005.11.003

    Examples
    --------
    >>> import lifestyle_trials as lt
    >>> trial = lt.simulate_odes(seed=1)
    >>> trial.design.n_subjects, dict(trial.design.arm_sizes)
    (219, {'control': 43, 'diet': 55, 'exercise': 54, 'diet+exercise': 67})
    >>> dict(trial.truth["dropout"].completers)
    {'control': 37, 'diet': 45, 'exercise': 48, 'diet+exercise': 58}
    >>> insulin = trial.truth["outcomes"]["insulin"]
    >>> round(insulin.change[12.0]["diet+exercise"] * 6.0, 1)  # µU/mL → pmol/L
    -22.6
    >>> {term: round(v, 3) for term, v in insulin.log_effects[12.0].items()}
    {'diet': -0.135, 'exercise': -0.135, 'diet:exercise': -0.085}
    """
    settings = _settings(seed, n_per_arm, visits, dropout, effects, effect_scale, dropout_mar)
    return _simulate(settings)


# -- arguments -------------------------------------------------------------------------------


def _settings(
    seed: Any,
    n_per_arm: Any,
    visits: Any,
    dropout: Any,
    effects: Any,
    effect_scale: Any,
    dropout_mar: Any,
) -> dict[str, Any]:
    """Checked arguments in canonical form (JSON-serialisable)."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ConfigError(f"seed must be a non-negative integer, got {seed!r}")
    sizes = _sizes(n_per_arm)
    times = _visits(visits)
    proportions = _dropout(dropout)
    scale = _finite(effect_scale, "effect_scale")
    mar = _finite(dropout_mar, "dropout_mar")
    chosen = dict(DEFAULT_EFFECTS)
    if effects is not None:
        if not isinstance(effects, Mapping):
            raise ConfigError(
                "effects must be a mapping of outcome name to FactorialEffects, "
                f"got {type(effects).__name__}"
            )
        for name, value in effects.items():
            if name not in CHANGE_OUTCOMES:
                hint = (
                    " (it follows from glucose and insulin)"
                    if name == "homa_ir"
                    else " (it follows from weight)"
                    if name == "bmi"
                    else ""
                )
                raise ConfigError(
                    f"effects: cannot set {name!r}{hint}; set one of {', '.join(CHANGE_OUTCOMES)}"
                )
            if not isinstance(value, FactorialEffects):
                raise ConfigError(
                    f"effects[{name!r}] must be a FactorialEffects, got {type(value).__name__}; "
                    "e.g. FactorialEffects.from_arms(control=0, diet=-1, exercise=-1, "
                    "diet_exercise=-2)"
                )
            for field in ("control", "diet", "exercise", "interaction"):
                _finite(getattr(value, field), f"effects[{name!r}].{field}")
            chosen[name] = value
    return {
        "generator": "simulate_odes",
        "seed": int(seed),
        "n_per_arm": sizes,
        "visits": times,
        "dropout": proportions,
        "dropout_mar": mar,
        "effect_scale": scale,
        "effects": {
            k: [
                float(chosen[k].control),
                float(chosen[k].diet),
                float(chosen[k].exercise),
                float(chosen[k].interaction),
            ]
            for k in CHANGE_OUTCOMES
        },
    }


def _finite(value: Any, name: str) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(out):
        raise ConfigError(f"{name} must be finite, got {value!r}")
    return out


def _sizes(n_per_arm: Any) -> list[int]:
    msg = (
        "n_per_arm must be four non-negative integers (control, diet, exercise, "
        f"diet+exercise) with at least one subject, got {n_per_arm!r}"
    )
    try:
        values = list(n_per_arm)
    except TypeError:
        raise ConfigError(msg) from None
    if len(values) != 4 or not all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in values
    ):
        raise ConfigError(msg)
    sizes = [int(v) for v in values]
    if min(sizes) < 0 or sum(sizes) == 0:
        raise ConfigError(msg)
    return sizes


def _visits(visits: Any) -> list[float]:
    try:
        values = [float(v) for v in visits]
    except (TypeError, ValueError):
        raise ConfigError(
            f"visits must be a sequence of numbers (months), got {visits!r}"
        ) from None
    if not all(math.isfinite(v) and v >= 0 for v in values):
        raise ConfigError(f"visits must be finite and >= 0 (months), got {visits!r}")
    if len(set(values)) != len(values):
        raise ConfigError(f"visits must not repeat, got {visits!r}")
    if 0.0 not in values or len(values) < 2:
        raise ConfigError(
            f"visits must include the baseline 0 and at least one later visit, got {visits!r}"
        )
    return sorted(values)


def _dropout(dropout: Any) -> list[float]:
    if isinstance(dropout, str):
        if dropout != "published":
            raise ConfigError(
                f'dropout must be "published", a proportion, four proportions or 0, got {dropout!r}'
            )
        return [(n - c) / n for n, c in zip(PUBLISHED_N_PER_ARM, PUBLISHED_COMPLETERS, strict=True)]
    if dropout is None:
        return [0.0] * 4
    if isinstance(dropout, numbers.Real):
        values = [float(dropout)] * 4
    else:
        try:
            values = [float(v) for v in dropout]
        except (TypeError, ValueError):
            raise ConfigError(
                f"dropout must be a proportion or four proportions (one per arm), got {dropout!r}"
            ) from None
        if len(values) != 4:
            raise ConfigError(
                f"dropout needs one proportion per arm (4), got {len(values)}: {dropout!r}"
            )
    if not all(0.0 <= v <= 1.0 for v in values):
        raise ConfigError(f"dropout proportions must be between 0 and 1, got {dropout!r}")
    return values


# -- simulation ------------------------------------------------------------------------------


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def _visit_key(visit: float) -> int:
    return round(visit * 1_000_000)


def _simulate(settings: Mapping[str, Any]) -> Trial:
    seed = settings["seed"]
    sizes = np.asarray(settings["n_per_arm"])
    n = int(sizes.sum())
    visits = np.asarray(settings["visits"], dtype=float)

    # design: arms, sex (exact counts), age
    rng = _rng(seed, _STREAM["design"])
    arm = rng.permutation(np.repeat(np.arange(4), sizes))
    n_men = int(math.floor(n * PUBLISHED_SEX[0] / sum(PUBLISHED_SEX) + 0.5))
    male = rng.permutation(np.arange(n) < n_men)
    age = rng.integers(41, 51, size=n)

    level, observed = _baseline(seed, male)
    row = {v: i for i, v in enumerate(BASELINE_VARIABLES)}
    height = observed[row["height"]]
    height_m2 = (height / 100.0) ** 2

    ref = _reference(male)
    arm_change = _arm_changes(settings, ref)

    # subject's own change components, correlated across outcomes
    k = len(CHANGE_OUTCOMES)
    z = _change_factor() @ _rng(seed, _STREAM["change"]).standard_normal((k, n))

    # values (outcome -> array subjects × visits); baseline column first
    values: dict[str, np.ndarray] = {}
    post = visits[1:]
    f = trajectory(post)
    noise = [_rng(seed, _STREAM["visit"], _visit_key(t)).standard_normal((k, n)) for t in post]
    for j, name in enumerate(CHANGE_OUTCOMES):
        sd_s, sd_e = CHANGE_SD[name], VISIT_SD[name]
        step = np.asarray([arm_change[name][a] for a in ARMS])[arm]  # δ or Δ per subject
        eps = np.stack([e[j] for e in noise], axis=1)  # subjects × post visits
        own = np.outer(z[j], f) * sd_s
        if name == "weight":
            lev = np.exp(level[row["log_bmi"]]) * height_m2
            base = lev
            follow = lev[:, None] + np.outer(step, f) + own + sd_e * eps
        elif name in LOG_OUTCOMES:
            lev = level[row[_LEVEL_ROW[name]]]
            base = np.exp(observed[row[_LEVEL_ROW[name]]])
            expo = np.outer(step, f) + own - (f * sd_s) ** 2 / 2 + sd_e * eps - sd_e**2 / 2
            follow = np.exp(lev[:, None] + expo)
        else:
            lev = level[row[_LEVEL_ROW[name]]]
            base = observed[row[_LEVEL_ROW[name]]]
            follow = lev[:, None] + np.outer(step, f) + own + sd_e * eps
        values[name] = np.column_stack([base, follow])
    values["insulin"] = convert_insulin(values["insulin"], "pmol/L", "uU/mL")
    values["bmi"] = values["weight"] / height_m2[:, None]

    dropout, attended = _dropout_draw(settings, arm, values, seed)
    ids = _subject_ids(n)
    frame = _long_table(ids, arm, age, male, height, visits, values, attended)
    dropped = np.flatnonzero(attended < len(visits) - 1)
    dropout_truth = DropoutTruth(
        proportions=MappingProxyType(dict(zip(ARMS, settings["dropout"], strict=True))),
        dropped=MappingProxyType(dict(zip(ARMS, map(int, dropout), strict=True))),
        completers=MappingProxyType(
            {a: int(s - d) for a, s, d in zip(ARMS, sizes, dropout, strict=True)}
        ),
        subjects=tuple(ids[dropped].tolist()),
        last_visit=tuple(float(visits[i]) for i in attended[dropped]),
        mar_power=float(settings["dropout_mar"]),
    )
    truth = {
        "outcomes": MappingProxyType(_outcome_truth(settings, ref, arm_change)),
        "dropout": dropout_truth,
        "settings": _freeze(settings),
    }
    canonical = json.dumps(settings, sort_keys=True, separators=(",", ":"))
    provenance = Provenance(
        source="simulate_odes",
        citation=ODES_CITATION,
        licence=LICENCE,
        sha256=hashlib.sha256(canonical.encode()).hexdigest(),
        seed=seed,
        steps=(
            f"simulated {n} subjects ({', '.join(map(str, sizes))}) at visits "
            f"{', '.join(format_visit(v) for v in visits)} with parameters {canonical}",
            f"homa_ir computed from glucose and insulin: glucose × insulin / {HOMA_IR_DIVISOR:g}",
            "bmi computed as weight / height²",
        ),
    )
    units = {c: DEFAULT_UNITS[c] for c in (*OUTCOMES, "age", "height")}
    return make_trial(
        frame,
        baseline=0.0,
        units=units,
        provenance=provenance,
        outcomes=OUTCOMES,
        covariates=COVARIATES,
        truth=truth,
    )


def _baseline(seed: int, male: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Levels and baseline observations (variables × subjects), each sex from its stream."""
    k, n = len(BASELINE_VARIABLES), len(male)
    level, observed = np.empty((k, n)), np.empty((k, n))
    for sex, mask in (("M", male), ("F", ~male)):
        draw = sample_baseline(_rng(seed, _STREAM[f"baseline {sex}"]), int(mask.sum()), sex)
        level[:, mask], observed[:, mask] = draw.level, draw.observed
    return level, observed


def _change_factor() -> np.ndarray:
    k = len(CHANGE_OUTCOMES)
    corr = np.eye(k)
    for (a, b), r in CHANGE_CORRELATION.items():
        i, j = CHANGE_OUTCOMES.index(a), CHANGE_OUTCOMES.index(b)
        corr[i, j] = corr[j, i] = r
    return np.linalg.cholesky(corr)


def _reference(male: np.ndarray) -> dict[str, float]:
    """Reference means of this trial's sex mix (the Trial's units)."""
    n = len(male)
    w_m = float(male.sum()) / n if n else 0.0
    men, women = REFERENCE_MEANS["M"], REFERENCE_MEANS["F"]
    return {key: w_m * men[key] + (1.0 - w_m) * women[key] for key in men}


def _arm_changes(
    settings: Mapping[str, Any], ref: Mapping[str, float]
) -> dict[str, dict[str, float]]:
    """Per outcome and arm: the log ratio δ (log outcomes) or the change Δ (additive)."""
    out: dict[str, dict[str, float]] = {}
    for name in CHANGE_OUTCOMES:
        effects = FactorialEffects(*settings["effects"][name])
        changes = effects.arm_changes(settings["effect_scale"])
        if name not in LOG_OUTCOMES:
            out[name] = changes
            continue
        m = ref[_level_key(name)]
        low = min(changes.values())
        if 1.0 + low / m <= 0:
            raise ConfigError(
                f"effects[{name!r}]: an arm change of {low:g} would take the mean below zero "
                f"(reference mean {m:.4g} {DEFAULT_UNITS[name]}); use a smaller decrease"
            )
        out[name] = {a: math.log1p(c / m) for a, c in changes.items()}
    return out


def _level_key(name: str) -> str:
    return f"{name}_level" if name in _SELECTED_OUTCOMES else name


def _dropout_draw(
    settings: Mapping[str, Any], arm: np.ndarray, values: Mapping[str, np.ndarray], seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Dropouts per arm, and each subject's last attended visit (an index into visits).

    Within each arm the ``round(p × size)`` subjects with the largest keys log(U)/w drop out,
    w = HOMA-IR₀^power: weighted sampling without replacement (Efraimidis & Spirakis 2006).
    """
    n, n_visits = len(arm), values["glucose"].shape[1]
    sizes = np.bincount(arm, minlength=4)
    counts = np.floor(np.asarray(settings["dropout"]) * sizes + 0.5).astype(int)
    rng = _rng(seed, _STREAM["dropout"])
    u = 1.0 - rng.random(n)  # in (0, 1]
    last = rng.integers(0, n_visits - 1, size=n)  # if dropping out: last visit attended
    homa0 = homa_ir(values["glucose"][:, 0], values["insulin"][:, 0])
    keys = np.log(u) / homa0 ** settings["dropout_mar"]
    order = np.lexsort((-keys, arm))
    start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rank = np.empty(n, dtype=int)
    rank[order] = np.arange(n) - start[arm[order]]
    dropped = rank < counts[arm]
    return counts, np.where(dropped, last, n_visits - 1)


def _subject_ids(n: int) -> np.ndarray:
    width = max(3, len(str(n)))
    numbers_ = np.char.zfill(np.arange(1, n + 1).astype(str), width)
    return np.char.add("ODES-", numbers_).astype(object)


def _long_table(
    ids: np.ndarray,
    arm: np.ndarray,
    age: np.ndarray,
    male: np.ndarray,
    height: np.ndarray,
    visits: np.ndarray,
    values: Mapping[str, np.ndarray],
    attended: np.ndarray,
) -> pd.DataFrame:
    """One row per subject and attended visit, subject-major."""
    n, n_visits = len(ids), len(visits)
    keep = (np.arange(n_visits) <= attended[:, None]).ravel()
    subject_row = np.repeat(np.arange(n), n_visits)[keep]
    codes = np.array([ARM_CODES[a] for a in ARMS])[arm]
    columns: dict[str, Any] = {
        "subject": ids[subject_row],
        "diet": codes[subject_row, 0],
        "exercise": codes[subject_row, 1],
        "visit": np.tile(visits, n)[keep],
        "age": age[subject_row],
        "sex": np.where(male, "M", "F")[subject_row],
        "height": height[subject_row],
    }
    flat = {name: v.ravel()[keep] for name, v in values.items()}
    flat["homa_ir"] = homa_ir(flat["glucose"], flat["insulin"])
    columns.update({name: flat[name] for name in OUTCOMES})
    return pd.DataFrame(columns)


# -- truth -----------------------------------------------------------------------------------


def _outcome_truth(
    settings: Mapping[str, Any],
    ref: Mapping[str, float],
    arm_change: Mapping[str, Mapping[str, float]],
) -> dict[str, OutcomeTruth]:
    """Expected arm means and changes at every post-baseline visit, per outcome."""
    post = [v for v in settings["visits"] if v > 0]
    f = {v: trajectory(v) for v in post}
    out: dict[str, OutcomeTruth] = {}

    def make(
        name: str,
        scale: str,
        baseline: float,
        means: Mapping[float, Mapping[str, float]],
        logs: Mapping[float, Mapping[str, float]] | None,
    ) -> OutcomeTruth:
        change = {v: {a: m[a] - baseline for a in ARMS} for v, m in means.items()}
        return OutcomeTruth(
            outcome=name,
            unit=DEFAULT_UNITS[name],
            scale=scale,
            baseline_mean=baseline,
            change=_frozen(change),
            effects=_frozen({v: factorial(m) for v, m in means.items()}),
            log_effects=None
            if logs is None
            else _frozen({v: factorial(g) for v, g in logs.items()}),
            arm_log_ratios=None
            if logs is None
            else _frozen({v: {a: g[a] - g["control"] for a in ARMS} for v, g in logs.items()}),
        )

    for name in CHANGE_OUTCOMES:
        step = arm_change[name]
        level = ref[_level_key(name)]
        if name in LOG_OUTCOMES:
            logs = {v: {a: f[v] * step[a] for a in ARMS} for v in post}
            means = {v: {a: level * math.exp(g[a]) for a in ARMS} for v, g in logs.items()}
            out[name] = make(name, "log", ref[name], means, logs)
        else:
            means = {v: {a: level + f[v] * step[a] for a in ARMS} for v in post}
            out[name] = make(name, "additive", ref[name], means, None)

    # HOMA-IR: E[G_t I_t] = E[G_0 I_0] · exp(f (δ_G + δ_I)) · exp(f² ρ σ_G σ_I)
    rho = CHANGE_CORRELATION.get(("glucose", "insulin"), 0.0)
    cross = rho * CHANGE_SD["glucose"] * CHANGE_SD["insulin"]
    g, i = arm_change["glucose"], arm_change["insulin"]
    logs = {v: {a: f[v] * (g[a] + i[a]) for a in ARMS} for v in post}
    means = {
        v: {a: ref["homa_ir"] * math.exp(lg[a] + f[v] ** 2 * cross) for a in ARMS}
        for v, lg in logs.items()
    }
    out["homa_ir"] = make("homa_ir", "derived", ref["homa_ir"], means, logs)

    # BMI = weight / height²: E[ΔBMI] = E[Δweight] · E[1 / height²] (change independent of height)
    w = arm_change["weight"]
    means = {v: {a: ref["bmi"] + f[v] * w[a] * ref["inverse_height2"] for a in ARMS} for v in post}
    out["bmi"] = make("bmi", "derived", ref["bmi"], means, None)
    return {name: out[name] for name in OUTCOMES}


def _freeze(value: Any) -> Any:
    """A read-only copy: mappings become MappingProxyType, lists become tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


def _frozen(nested: Mapping[float, Mapping[str, float]]) -> MappingProxyType[float, Any]:
    return MappingProxyType({float(k): MappingProxyType(dict(v)) for k, v in nested.items()})
