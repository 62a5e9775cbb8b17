"""simulate_odes: a synthetic trial in the design of the Oslo Diet and Exercise Study.

The generator draws an eligible population at baseline
(:mod:`~lifestyle_trials.datasets.odes_baseline`), randomises it to the four arms, moves
every outcome along a smooth trajectory by its arm's effect plus the subject's own change and
visit noise, lets some subjects drop out, and returns a :class:`~lifestyle_trials.Trial`
whose ``truth`` says what every arm is expected to show. The constants and their sources are
in :mod:`~lifestyle_trials.datasets.odes_calibration`.

This module assembles the trial; each step has its own module: the arguments
(:mod:`.odes_settings`), the random streams (:mod:`.odes_streams`), change over time
(:mod:`.odes_change`), the outcome values at every visit (:mod:`.odes_outcomes`), dropout
(:mod:`.odes_dropout`), the long table (:mod:`.odes_table`) and the truth (:mod:`.odes_truth`).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..arms import ARMS
from ..indices import HOMA_IR_DIVISOR
from ..trial import Provenance, Trial, format_visit, make_trial
from ..units import DEFAULT_UNITS
from .odes_analysed import analysed_means
from .odes_calibration import (
    DEFAULT_EFFECTS,
    DROPOUT_STRENGTH,
    PUBLISHED_N_PER_ARM,
    PUBLISHED_SEX,
)
from .odes_change import arm_changes, reference_means, trajectory
from .odes_dropout import draw_dropout, dropout_truth
from .odes_outcomes import draw_outcomes
from .odes_params import FactorialEffects
from .odes_settings import checked_settings
from .odes_streams import stream
from .odes_table import COVARIATES, OUTCOMES, long_table, subject_ids
from .odes_truth import LazyTruth, freeze, outcome_truth, with_completers

__all__ = ["ODES_CITATION", "OUTCOMES", "simulate_odes", "trajectory"]

ODES_CITATION = (
    "Synthetic data modelled on the Oslo Diet and Exercise Study (ODES): Torjesen PA et al. "
    "Diabetes Care 1997;20:26-31, doi:10.2337/diacare.20.1.26; Anderssen SA et al. "
    "J Intern Med 1996;240:203-9, doi:10.1046/j.1365-2796.1996.22848000.x"
)
LICENCE = "CC0-1.0 (synthetic data made by lifestyle-trials; no participant data)"


def simulate_odes(
    seed: int = 1997,
    n_per_arm: Sequence[int] = PUBLISHED_N_PER_ARM,
    visits: Sequence[float] = (0, 12),
    *,
    dropout: float | Sequence[float] | str | None = "published",
    effects: Mapping[str, FactorialEffects] | None = None,
    effect_scale: float = 1.0,
    dropout_mechanism: str = "baseline",
    dropout_strength: float = DROPOUT_STRENGTH,
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
    dropout_mechanism : {"baseline", "mar", "mnar"}, default "baseline"
        What dropout depends on (Notes): the baseline HOMA-IR (completers and a mixed model
        agree), the last observed HOMA-IR (missing at random: a mixed model of all observed
        values is unbiased, completers are not) or the first unobserved HOMA-IR (missing not
        at random: only a sensitivity analysis recovers the truth).
    dropout_strength : float, default 1
        Exponent of that HOMA-IR in the dropout weight (**assumed**); 0 makes dropout
        completely at random within arm, larger values make it more selective.

    Returns
    -------
    Trial
        Columns subject ("ODES-001", ...), diet, exercise, arm, visit, age (years), sex
        ("M"/"F"), height (cm) and the outcomes glucose (mmol/L), insulin (µU/mL), homa_ir,
        weight (kg), bmi (kg/m2), waist (cm), vo2max (mL/kg/min), triglycerides, hdl,
        cholesterol (mmol/L), sbp, dbp (mmHg). ``trial.truth`` maps ``"outcomes"`` to an
        :class:`~lifestyle_trials.OutcomeTruth` per outcome (expected baseline mean, mean
        change by visit and arm, factorial effects on the natural and log scales),
        ``"dropout"`` to a :class:`~lifestyle_trials.DropoutTruth` (who dropped out, when, by
        which mechanism)
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
    Log BMI is shifted so that the mean baseline BMI is 30 kg/m² (Cochrane CD008274.pub3),
    men's waist so that 72.9 % of men have the IDF metabolic syndrome (Anderssen 2007), log
    insulin so that the completers' mean baseline HOMA-IR is 4.8 (Torjesen 1997: 4.6–5.0), and
    its correlation with BMI set so that baseline HOMA-IR and BMI correlate with r = 0.54
    (Torjesen 1997). Glucose varies between people so that, with its within-person CV of
    5.6 % and the published SD of its one-year change, baseline and one-year glucose correlate
    with r = 0.70 (log scale, within arm), its two-visit ICC (Poon 2018); insulin's
    correlation (about 0.88) is forced above its ICC of 0.68 by the published SD of its change
    (:mod:`~lifestyle_trials.datasets.odes_reproducibility`). Sex: 198 men to 21 women
    (Torjesen 1997), kept in that proportion for other sizes; age uniform on 41–50 years. Weight is
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

    *Dropout.* Each arm loses exactly ``round(p × size)`` subjects. A subject who drops out
    attends the baseline and, with equal probability, each later visit up to one of the
    visits before the last; the rows after that are absent. Who leaves is drawn without
    replacement with weights w = HOMA-IRˢ, s = ``dropout_strength`` (Efraimidis–Spirakis keys
    log(U)/w), where HOMA-IR is, by ``dropout_mechanism``: ``"baseline"``, the baseline value
    (missing at random given arm and baseline); ``"mar"``, the value at the last visit
    attended, drawn visit by visit among those still in (missing at random given the observed
    values; with a single post-baseline visit this is the baseline value); ``"mnar"``, the
    value at the first visit missed, which is never observed.

    *Truth.* ``change``, ``effects`` and ``log_effects`` are expectations over all randomised
    subjects. With dropout that depends on HOMA-IR, the subjects still observed differ from
    them: because glucose, insulin and HOMA-IR change multiplicatively, completers who started
    lower change less on the natural scale even under the ``"baseline"`` mechanism (with the
    defaults, the completers' diet effect on HOMA-IR is about 0.06 smaller in magnitude than
    the randomised one), and under ``"mar"`` and ``"mnar"`` their log-scale changes differ
    too. The ``completers_*`` fields of each :class:`~lifestyle_trials.OutcomeTruth` give the
    truth for the analysed subjects (those observed at each visit; at the last visit, the
    completers), computed on a large fixed reference population
    (:mod:`~lifestyle_trials.datasets.odes_analysed`).

    *Defaults* (sources and the **assumed** values in
    :mod:`~lifestyle_trials.datasets.odes_calibration`):

    - fasting insulin: control +3.9, diet + exercise −22.6 pmol/L (Anderssen 1996); diet −6.0
      and exercise −6.0 pmol/L **assumed** (published only as not significant); SD of the
      one-year change 37–42 pmol/L, as the SEs of Anderssen (1996) imply;
    - fasting glucose: diet −0.21, diet + exercise −0.26 mmol/L (Anderssen 1996); control 0
      and exercise −0.05 **assumed**; SD of change about 0.54 mmol/L;
    - HOMA-IR follows from insulin and glucose: mean change about −0.4 with diet (Torjesen
      1997: 4.6 → 4.2) and −1.2 with diet + exercise (Torjesen 1997: 5.0 → 4.0), over all
      randomised subjects. The published insulin, glucose and HOMA-IR figures come from
      different papers and do not quite agree; the gap in the diet + exercise arm is left as
      it is;
    - waist: calibrated so that the IDF metabolic syndrome persists at one year in 64.7 %
      (diet), 76.5 % (exercise) and 32.6 % (diet + exercise) of the men who had it
      (Anderssen 2007);
    - blood pressure: the net effects of Anderssen (1995) for the top third of diastolic BP,
      halved (**assumed**) for the whole eligible range; weight, VO2max and lipids
      **assumed**.

    References
    ----------
    Torjesen PA et al. Diabetes Care 1997;20:26-31. doi:10.2337/diacare.20.1.26

    Anderssen SA et al. J Intern Med 1996;240:203-9. doi:10.1046/j.1365-2796.1996.22848000.x

    Anderssen SA et al. Blood Pressure 1995. doi:10.3109/08037059509077619

    Anderssen SA et al. Scand J Med Sci Sports 2007;17:687-95.
    doi:10.1111/j.1600-0838.2006.00631.x

    Poon AK et al. J Clin Endocrinol Metab 2018;103:2175-81. doi:10.1210/jc.2017-02437

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
    {'diet': -0.127, 'exercise': -0.127, 'diet:exercise': -0.079}

    The completers' natural-scale effects differ from the randomised ones:

    >>> homa = trial.truth["outcomes"]["homa_ir"]
    >>> round(homa.effects[12.0]["diet"], 2), round(homa.completers_effects[12.0]["diet"], 2)
    (-0.76, -0.7)

    Dropout that depends on the last observed value (missing at random):

    >>> mar = lt.simulate_odes(seed=1, visits=(0, 6, 12), dropout_mechanism="mar",
    ...                        dropout_strength=2)
    >>> mar.truth["dropout"].mechanism, sorted(set(mar.truth["dropout"].last_visit))
    ('mar', [0.0, 6.0])
    """
    settings = checked_settings(
        seed,
        n_per_arm,
        visits,
        dropout,
        effects,
        effect_scale,
        dropout_mechanism,
        dropout_strength,
    )
    return _simulate(settings)


def _describe(settings: Mapping[str, Any]) -> tuple[str, ...]:
    """The dropout and effect settings in words, for the provenance steps.

    Examples
    --------
    >>> from lifestyle_trials.datasets.odes_settings import checked_settings
    >>> _describe(checked_settings(1, (4, 4, 4, 4), (0, 12), 0.25, None, 0.5, "mar", 2))
    ('dropout 25.0% (control), 25.0% (diet), 25.0% (exercise), 25.0% (diet+exercise), \
missing at random given the last observed HOMA-IR (strength 2)', 'the default effects, \
scaled by 0.5')
    """
    if any(settings["dropout"]):
        basis = {
            "baseline": "given the baseline HOMA-IR",
            "mar": "missing at random given the last observed HOMA-IR",
            "mnar": "missing not at random, given the first unobserved HOMA-IR",
        }[settings["dropout_mechanism"]]
        shares = ", ".join(f"{p:.1%} ({a})" for p, a in zip(settings["dropout"], ARMS, strict=True))
        dropout = f"dropout {shares}, {basis} (strength {settings['dropout_strength']:g})"
    else:
        dropout = "no dropout"
    changed = [
        name
        for name, values in settings["effects"].items()
        if values != list(_default_effects()[name])
    ]
    effects = "the default effects" if not changed else f"effects set for {', '.join(changed)}"
    if settings["effect_scale"] != 1.0:
        effects += f", scaled by {settings['effect_scale']:g}"
    return dropout, effects


def _default_effects() -> dict[str, tuple[float, ...]]:
    return {
        name: (e.control, e.diet, e.exercise, e.interaction) for name, e in DEFAULT_EFFECTS.items()
    }


def _simulate(settings: Mapping[str, Any]) -> Trial:
    """The trial the checked settings describe: design, outcomes, dropout, truth."""
    seed = settings["seed"]
    sizes = np.asarray(settings["n_per_arm"])
    n = int(sizes.sum())
    visits = np.asarray(settings["visits"], dtype=float)

    # design: arms, sex (exact counts), age
    rng = stream(seed, "design")
    arm = rng.permutation(np.repeat(np.arange(4), sizes))
    n_men = int(math.floor(n * PUBLISHED_SEX[0] / sum(PUBLISHED_SEX) + 0.5))
    male = rng.permutation(np.arange(n) < n_men)
    age = rng.integers(41, 51, size=n)

    ref = reference_means(male)
    arm_change = arm_changes(settings, ref)
    height, values = draw_outcomes(seed, arm, male, visits, arm_change)
    counts, attended = draw_dropout(settings, arm, values, seed)
    ids = subject_ids(n)
    frame = long_table(ids, arm, age, male, height, visits, values, attended)
    share_men = float(male.mean())

    def outcomes() -> dict[str, Any]:
        analysed = (
            analysed_means(settings, share_men, arm_change) if any(settings["dropout"]) else None
        )
        return with_completers(outcome_truth(settings, ref, arm_change), analysed)

    truth = {
        "outcomes": LazyTruth(outcomes),
        "dropout": dropout_truth(settings, ids, visits, counts, attended),
        "settings": freeze(settings),
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
            f"{', '.join(format_visit(v) for v in visits)} months from seed {seed}",
            *_describe(settings),
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
