"""Calibration constants of the synthetic ODES trial, each with its source.

The Oslo Diet and Exercise Study (ODES) published arm sizes, eligibility criteria and a few
one-year changes, but no baseline distributions and no participant data. The constants here
fill the gaps: published figures where they exist (cited), the NHANES 2017–2018 fasting
subsample aged 41–50 as the base population for glucose, insulin, BMI, waist and height
(estimated once and stored here; the file is not read at run time), and values marked
**assumed** where nothing was published. Constants marked **calibrated** were tuned by
simulation so that the eligible population reproduces a published figure; the test suite
checks them against a large simulated sample.

Sources
-------
- Torjesen PA et al. Diabetes Care 1997;20:26-31. doi:10.2337/diacare.20.1.26 (arm sizes,
  198 men and 21 women, "calculated insulin resistance" 4.6–5.0 at baseline and its changes,
  its correlation with BMI).
- Anderssen SA et al. J Intern Med 1996;240:203-9. doi:10.1046/j.1365-2796.1996.22848000.x
  (eligibility criteria; one-year changes of fasting insulin and glucose, with their standard
  errors).
- Anderssen SA et al. Blood Pressure 1995. doi:10.3109/08037059509077619 (blood-pressure
  changes in the top third of diastolic BP).
- Holme I et al. J Intern Med 2007;262:235-43. doi:10.1111/j.1365-2796.2007.01806.x:
  completers per arm (37, 45, 48, 58 men of 43, 55, 54, 67 randomised; 188 in all). The counts
  are reported for men; the generator uses them as the completers of each arm.
- CDC NCHS. National Health and Nutrition Examination Survey 2017–2018, fasting subsample
  (US federal data, public domain).

NHANES estimates
----------------
Adults aged 41–50 without diabetes (not told by a doctor, "borderline" kept; HbA1c < 6.5 %
and fasting glucose < 126 mg/dL, or missing), weighted with the fasting-subsample weight
WTSAF2YR. Means and SDs by sex: weighted, each variable on its available values (n = 139–153
men, 143–147 women). Correlations: weighted Pearson correlations of log glucose, log insulin,
log BMI, waist and height on the 274 people with all five, after centring each sex on its own
weighted means (pooled within-sex correlations).

Known departures from ODES
--------------------------
The base population is American (2017–2018), not Norwegian (1990): with the ODES criteria it
gives a mean baseline BMI of about 33 kg/m² and weight of about 101 kg, probably heavier than
ODES (whose baseline means are not public). Baseline glucose varies little between people
compared with its visit-to-visit variation (one-year within-subject correlation about 0.38),
which is what the published SD of change (about 0.55 mmol/L) against the NHANES spread
(SD about 0.46 mmol/L) requires. ODES applied its criteria at a screening examination done
before the baseline visit (Cochrane review CD008274, doi:10.1002/14651858.CD008274.pub3);
here every subject meets them at the simulated baseline.
"""

from __future__ import annotations

from types import MappingProxyType

from ..units import INSULIN_PMOL_L_PER_UU_ML
from .odes_params import FactorialEffects

__all__ = [
    "BASELINE_CORRELATION",
    "BASELINE_MEAN",
    "BASELINE_SD",
    "BASELINE_VARIABLES",
    "CHANGE_CORRELATION",
    "CHANGE_OUTCOMES",
    "CHANGE_SD",
    "DEFAULT_EFFECTS",
    "DROPOUT_MAR_POWER",
    "ELIGIBILITY",
    "LOG_OUTCOMES",
    "PUBLISHED_COMPLETERS",
    "PUBLISHED_N_PER_ARM",
    "PUBLISHED_SEX",
    "REFERENCE_MEANS",
    "TRAJECTORY_MONTHS",
    "VISIT_SD",
]

# -- design ------------------------------------------------------------------------------------

PUBLISHED_N_PER_ARM: tuple[int, int, int, int] = (43, 55, 54, 67)
"""Randomised per arm (control, diet, exercise, diet + exercise): 219 in all (Torjesen 1997)."""

PUBLISHED_COMPLETERS: tuple[int, int, int, int] = (37, 45, 48, 58)
"""Completers per arm at one year: 188 in all (Holme 2007, reported for men)."""

PUBLISHED_SEX: tuple[int, int] = (198, 21)
"""Men and women among the 219 randomised (Torjesen 1997)."""

ELIGIBILITY: MappingProxyType[str, tuple[float, float]] = MappingProxyType(
    {
        "bmi": (24.0, float("inf")),
        "dbp": (86.0, 99.0),
        "cholesterol": (5.20, 7.74),
        "hdl": (float("-inf"), 1.20),
        "triglycerides": (1.4, float("inf")),
    }
)
"""ODES eligibility (Anderssen 1996), applied to the simulated baseline, as (low, high) in the
Trial's units: BMI > 24 kg/m², diastolic BP 86–99 mmHg, total cholesterol 5.20–7.74 mmol/L,
HDL cholesterol < 1.20 mmol/L, fasting triglycerides > 1.4 mmol/L."""

# -- baseline population ---------------------------------------------------------------------

BASELINE_VARIABLES: tuple[str, ...] = (
    "log_glucose",  # log mmol/L
    "log_insulin",  # log pmol/L
    "log_bmi",  # log kg/m²
    "waist",  # cm
    "height",  # cm
    "vo2max",  # mL/kg/min
    "log_triglycerides",  # log mmol/L
    "log_hdl",  # log mmol/L
    "cholesterol",  # mmol/L
    "sbp",  # mmHg
    "dbp",  # mmHg
)
"""The jointly normal baseline variables of the base population, before eligibility."""

INSULIN_LOG_SHIFT = 0.0685
"""**Calibrated**: added to the NHANES mean of log insulin (pmol/L) in both sexes so that the
eligible population's mean baseline HOMA-IR is 4.8, the middle of the 4.6–5.0 that Torjesen
(1997) reports for the ODES arms. Without it the same eligibility applied to NHANES gives a
mean HOMA-IR of about 4.5 (HOMA-IR scales with exp(shift))."""

BASELINE_MEAN: MappingProxyType[str, tuple[float, ...]] = MappingProxyType(
    {
        # log glucose, log insulin, log BMI, waist, height: NHANES (weighted, no diabetes);
        # vo2max, lipids and BP: assumed (Norwegian adults aged 40-49 around 1990)
        "M": (
            1.7523,
            4.0032 + INSULIN_LOG_SHIFT,
            3.3708,
            102.78,
            175.54,
            36.0,
            0.3716,  # log 1.45 mmol/L
            0.1823,  # log 1.20 mmol/L
            6.10,
            133.0,
            85.0,
        ),
        "F": (
            1.7195,
            3.9076 + INSULIN_LOG_SHIFT,
            3.3757,
            98.73,
            163.27,
            30.0,
            0.0488,  # log 1.05 mmol/L
            0.4055,  # log 1.50 mmol/L
            5.80,
            125.0,
            80.0,
        ),
    }
)
"""Mean of each baseline variable (order of :data:`BASELINE_VARIABLES`) by sex, as observed
at one visit. Sources: NHANES 2017–2018 for log glucose, log insulin (plus
:data:`INSULIN_LOG_SHIFT`), log BMI, waist and height; **assumed** for VO2max, lipids and
blood pressure."""

BASELINE_SD: MappingProxyType[str, tuple[float, ...]] = MappingProxyType(
    {
        "M": (0.0794, 0.6975, 0.1850, 15.93, 7.12, 6.5, 0.50, 0.23, 1.10, 15.0, 10.0),
        "F": (0.0946, 0.6561, 0.2420, 17.26, 7.29, 5.5, 0.45, 0.22, 1.00, 15.0, 10.0),
    }
)
"""SD of each baseline variable by sex, as observed at one visit (sources as
:data:`BASELINE_MEAN`)."""

_NHANES_CORRELATION = {
    # pooled within-sex weighted correlations, NHANES 2017-2018 (see module docstring)
    ("log_glucose", "log_insulin"): 0.393,
    ("log_glucose", "log_bmi"): 0.337,
    ("log_glucose", "waist"): 0.311,
    ("log_glucose", "height"): -0.078,
    ("log_insulin", "log_bmi"): 0.665,  # NHANES 0.640, raised: see below
    ("log_insulin", "waist"): 0.628,
    ("log_insulin", "height"): -0.066,
    ("log_bmi", "waist"): 0.946,
    ("log_bmi", "height"): 0.040,
    ("waist", "height"): 0.173,
}

_ASSUMED_CORRELATION = {
    ("log_glucose", "vo2max"): -0.10,
    ("log_insulin", "vo2max"): -0.30,
    ("log_bmi", "vo2max"): -0.45,
    ("waist", "vo2max"): -0.45,
    ("log_glucose", "log_triglycerides"): 0.20,
    ("log_insulin", "log_triglycerides"): 0.40,
    ("log_bmi", "log_triglycerides"): 0.30,
    ("waist", "log_triglycerides"): 0.30,
    ("vo2max", "log_triglycerides"): -0.15,
    ("log_glucose", "log_hdl"): -0.10,
    ("log_insulin", "log_hdl"): -0.30,
    ("log_bmi", "log_hdl"): -0.30,
    ("waist", "log_hdl"): -0.30,
    ("vo2max", "log_hdl"): 0.15,
    ("log_triglycerides", "log_hdl"): -0.45,
    ("log_glucose", "cholesterol"): 0.10,
    ("log_insulin", "cholesterol"): 0.10,
    ("log_bmi", "cholesterol"): 0.10,
    ("waist", "cholesterol"): 0.10,
    ("log_triglycerides", "cholesterol"): 0.35,
    ("log_hdl", "cholesterol"): 0.15,
    ("log_glucose", "sbp"): 0.15,
    ("log_insulin", "sbp"): 0.20,
    ("log_bmi", "sbp"): 0.25,
    ("waist", "sbp"): 0.25,
    ("log_triglycerides", "sbp"): 0.15,
    ("cholesterol", "sbp"): 0.10,
    ("log_glucose", "dbp"): 0.12,
    ("log_insulin", "dbp"): 0.20,
    ("log_bmi", "dbp"): 0.25,
    ("waist", "dbp"): 0.25,
    ("log_triglycerides", "dbp"): 0.15,
    ("cholesterol", "dbp"): 0.10,
    ("sbp", "dbp"): 0.70,
}

BASELINE_CORRELATION: MappingProxyType[tuple[str, str], float] = MappingProxyType(
    {**_NHANES_CORRELATION, **_ASSUMED_CORRELATION}
)
"""Correlations of the baseline variables as observed at one visit, the same in both sexes;
pairs not listed are uncorrelated. Glucose, insulin, BMI, waist and height: NHANES (module
docstring), except log insulin with log BMI, **calibrated** from NHANES's 0.640 to 0.665 so
that baseline HOMA-IR correlates with BMI with r = 0.54 in the eligible population (Torjesen
1997; Pearson, natural scale; the range restriction of BMI > 24 and the selection on
lipids would otherwise give about 0.52). The rest **assumed** (signs and sizes typical of
the metabolic syndrome)."""

# -- change over the year ---------------------------------------------------------------------

CHANGE_OUTCOMES: tuple[str, ...] = (
    "glucose",
    "insulin",
    "weight",
    "waist",
    "vo2max",
    "triglycerides",
    "hdl",
    "cholesterol",
    "sbp",
    "dbp",
)
"""Outcomes simulated over time; BMI follows weight and HOMA-IR follows glucose and insulin."""

LOG_OUTCOMES: frozenset[str] = frozenset({"glucose", "insulin", "triglycerides", "hdl"})
"""Outcomes simulated multiplicatively (on the log scale); the others change additively."""

TRAJECTORY_MONTHS = 3.0
"""**Assumed** time constant τ (months) of the trajectory
``f(t) = (1 − exp(−t/τ)) / (1 − exp(−12/τ))``: most of the one-year change appears in the
first three to six months of a lifestyle intervention, and f(12) = 1."""

VISIT_SD: MappingProxyType[str, float] = MappingProxyType(
    {
        "glucose": 0.060,  # log scale (CV about 6 %)
        "insulin": 0.15,  # log scale (CV about 15 %)
        "weight": 0.8,  # kg, follow-up visits only
        "waist": 1.5,  # cm
        "vo2max": 1.5,  # mL/kg/min
        "triglycerides": 0.20,  # log scale
        "hdl": 0.07,  # log scale
        "cholesterol": 0.35,  # mmol/L
        "sbp": 7.0,  # mmHg
        "dbp": 5.0,  # mmHg
    }
)
"""Within-subject SD from one visit to the next (day-to-day biological and analytical
variation), independent across visits and outcomes, on the simulation scale (log for
:data:`LOG_OUTCOMES`). Baseline values carry it too, except weight (whose baseline is the
subject's level, so that BMI > 24 holds for the measured baseline). Glucose and insulin
**calibrated** with :data:`CHANGE_SD` (below); the rest **assumed**. The observed baseline
SDs of :data:`BASELINE_SD` include it: the levels have the variance that is left."""

CHANGE_SD: MappingProxyType[str, float] = MappingProxyType(
    {
        "glucose": 0.035,  # log scale
        "insulin": 0.22,  # log scale
        "weight": 3.5,
        "waist": 3.5,
        "vo2max": 2.5,
        "triglycerides": 0.25,  # log scale
        "hdl": 0.08,  # log scale
        "cholesterol": 0.45,
        "sbp": 8.0,
        "dbp": 5.0,
    }
)
"""SD of the subject's own one-year change around the arm mean, on the simulation scale.
Glucose and insulin: **calibrated** with :data:`VISIT_SD` so that the SD of the observed
one-year change is about 0.54 mmol/L and 37–42 pmol/L (by arm), what the standard errors of
Anderssen (1996) imply (glucose 0.07 × √45 = 0.47, 0.08 × √58 = 0.61; insulin
6.2 × √37 = 38, 4.7 × √58 = 36). Others **assumed**."""

CHANGE_CORRELATION: MappingProxyType[tuple[str, str], float] = MappingProxyType(
    {
        ("glucose", "insulin"): 0.25,
        ("glucose", "weight"): 0.25,
        ("insulin", "weight"): 0.75,
        ("weight", "waist"): 0.70,
        ("insulin", "waist"): 0.50,
        ("weight", "vo2max"): -0.30,
        ("weight", "triglycerides"): 0.30,
        ("insulin", "triglycerides"): 0.30,
        ("weight", "hdl"): -0.15,
        ("triglycerides", "hdl"): -0.30,
        ("weight", "cholesterol"): 0.25,
        ("triglycerides", "cholesterol"): 0.30,
        ("weight", "sbp"): 0.25,
        ("weight", "dbp"): 0.25,
        ("sbp", "dbp"): 0.60,
    }
)
"""Correlations of the subjects' own changes (pairs not listed: 0). Insulin with weight is
**calibrated** so that, in the diet arm, the change in HOMA-IR correlates with the change in
BMI with r = 0.40 (Torjesen 1997; Pearson, natural scale): a subject who loses more weight
than the arm average also loses more insulin. The others **assumed**."""

# -- effects --------------------------------------------------------------------------------------


def _pmol(value: float) -> float:
    """Insulin change in pmol/L expressed in the Trial's µU/mL."""
    return value / INSULIN_PMOL_L_PER_UU_ML


DEFAULT_EFFECTS: MappingProxyType[str, FactorialEffects] = MappingProxyType(
    {
        # Anderssen 1996: control +3.9, diet + exercise -22.6 pmol/L; diet and exercise
        # alone not significant, values unpublished: assumed -6.0 pmol/L each
        "insulin": FactorialEffects.from_arms(_pmol(3.9), _pmol(-6.0), _pmol(-6.0), _pmol(-22.6)),
        # Anderssen 1996: diet -0.21, diet + exercise -0.26 mmol/L; control 0 and exercise
        # -0.05 assumed
        "glucose": FactorialEffects.from_arms(0.0, -0.21, -0.05, -0.26),
        # assumed (kg, cm, mL/kg/min, mmol/L)
        "weight": FactorialEffects.from_arms(0.5, -4.5, -1.0, -5.5),
        "waist": FactorialEffects.from_arms(0.5, -4.5, -2.0, -6.0),
        "vo2max": FactorialEffects.from_arms(-0.5, 1.0, 3.0, 4.0),
        "triglycerides": FactorialEffects.from_arms(0.0, -0.35, -0.15, -0.45),
        "hdl": FactorialEffects.from_arms(0.0, 0.03, 0.05, 0.08),
        "cholesterol": FactorialEffects.from_arms(-0.05, -0.30, -0.10, -0.35),
        # Anderssen 1995, top third of DBP, net of control: diet -11.3/-6.7, exercise
        # -7.0/-5.1, diet + exercise -11.2/-6.7 mmHg; halved (assumed) for the whole
        # eligible DBP range; control 0 before regression to the mean
        "sbp": FactorialEffects.from_arms(0.0, -5.5, -3.5, -5.5),
        "dbp": FactorialEffects.from_arms(0.0, -3.5, -2.5, -3.5),
    }
)
"""One-year arm changes of every simulated outcome, in the Trial's units (insulin µU/mL,
converted from the published pmol/L with 6.00), before regression to the mean. Published
where cited in the source; the rest **assumed**.

HOMA-IR is not set: it follows from glucose and insulin. The unpublished insulin changes of
diet and exercise alone (−6.0 pmol/L each) were chosen so that the implied mean HOMA-IR change
in the diet arm is −0.42 (Torjesen 1997: 4.6 → 4.2, −0.4). In the diet + exercise arm the
published insulin (−22.6 pmol/L, about −21 % of the mean) and glucose (−0.26 mmol/L) changes
imply a HOMA-IR change of −1.17 at the baseline mean 4.8, against the published 5.0 → 4.0
(−1.0, −20 %): the figures come from different papers and the HOMA formula of the 1997 paper
is not stated, so the residual gap of about 0.17 units is left as it is. Control +0.18 and
exercise −0.30 (published: exercise alone did not change significantly)."""

# -- dropout ----------------------------------------------------------------------------------

DROPOUT_MAR_POWER = 1.0
"""**Assumed** exponent of baseline HOMA-IR in a subject's dropout weight: at equal arm, a
subject with twice the HOMA-IR is twice as likely to be drawn to drop out (missing at random
given arm and baseline)."""

# -- reference means --------------------------------------------------------------------------

REFERENCE_MEANS: MappingProxyType[str, MappingProxyType[str, float]] = MappingProxyType(
    {
        "M": MappingProxyType(
            {
                "glucose": 5.91223,  # SE 0.00023
                "insulin": 17.8241,  # SE 0.0063
                "homa_ir": 4.76328,  # SE 0.0018
                "weight": 101.644,  # SE 0.0093
                "bmi": 32.9034,  # SE 0.0026
                "waist": 112.192,  # SE 0.0068
                "vo2max": 34.5872,  # SE 0.0032
                "triglycerides": 2.4223,  # SE 0.00045
                "triglycerides_level": 2.3678,  # SE 0.00041
                "hdl": 0.993142,  # SE 6.7e-05
                "hdl_level": 1.00954,  # SE 6.9e-05
                "cholesterol": 6.38495,  # SE 0.00033
                "cholesterol_level": 6.37089,  # SE 0.00034
                "sbp": 140.483,  # SE 0.0057
                "dbp": 91.6571,  # SE 0.0018
                "dbp_level": 90.2692,  # SE 0.0025
                "inverse_height2": 0.32602,  # SE 1.3e-05
            }
        ),
        "F": MappingProxyType(
            {
                "glucose": 5.83864,  # SE 0.00027
                "insulin": 19.3759,  # SE 0.0063
                "homa_ir": 5.12322,  # SE 0.0018
                "weight": 100.283,  # SE 0.012
                "bmi": 37.5074,  # SE 0.004
                "waist": 114.854,  # SE 0.0074
                "vo2max": 28.1855,  # SE 0.0027
                "triglycerides": 2.13219,  # SE 0.00032
                "triglycerides_level": 2.05207,  # SE 0.00028
                "hdl": 1.06512,  # SE 5.1e-05
                "hdl_level": 1.10079,  # SE 5.9e-05
                "cholesterol": 6.23086,  # SE 0.00031
                "cholesterol_level": 6.19315,  # SE 0.00031
                "sbp": 137.28,  # SE 0.0056
                "dbp": 91.0718,  # SE 0.0017
                "dbp_level": 88.6686,  # SE 0.0025
                "inverse_height2": 0.377307,  # SE 1.7e-05
            }
        ),
    }
)
"""**Calibrated** expectations in the eligible population, by sex, in the Trial's units:
``<outcome>`` the mean baseline value; ``<outcome>_level`` the mean of the subjects' level
(baseline without its visit noise), kept for the outcomes selected on at baseline, whose
level differs from the baseline mean by regression to the mean (for the others they are equal
by construction); ``inverse_height2`` the mean of 1 / height² (m⁻²). Estimated from 4 million
simulated eligible subjects per sex with
``odes_baseline.estimate_reference_means(4_000_000, seed=20250101)`` (standard errors in the
comments); the test suite re-estimates them. With the ODES sex mix (198 men, 21 women) the
mean baseline HOMA-IR is 4.80, glucose 5.91 mmol/L and insulin 17.97 µU/mL (107.8 pmol/L)."""
