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
- Anderssen SA et al. Scand J Med Sci Sports 2007;17:687-95.
  doi:10.1111/j.1600-0838.2006.00631.x (IDF metabolic syndrome at baseline and one year).
- Poon AK et al. J Clin Endocrinol Metab 2018;103:2175-81. doi:10.1210/jc.2017-02437 and
  Mooy JM et al. Diabetologia 1996;39:298-305. doi:10.1007/BF00418345 (repeatability of
  fasting glucose and insulin).
- Cochrane Database Syst Rev 2016;(3):CD008274. doi:10.1002/14651858.CD008274.pub3
  (characteristics of ODES: BMI; eligibility applied at an earlier screening).
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

Calibration targets
-------------------
Each is checked by simulation in the test suite (a large trial or many trials, with
tolerances from the Monte Carlo error):

- mean baseline BMI 30 kg/m² (Cochrane CD008274.pub3, ODES characteristics), weight and
  waist following from it (:data:`BMI_LOG_SHIFT`, :data:`WAIST_SHIFT`);
- completers' mean baseline HOMA-IR 4.8 (Torjesen 1997: 4.6–5.0; :data:`INSULIN_LOG_SHIFT`),
  its correlation with BMI 0.54 (Torjesen 1997) and, in the diet arm, of its change with the
  change in BMI 0.40 (Torjesen 1997);
- SDs of the one-year change of insulin and glucose (Anderssen 1996; :data:`CHANGE_SD`);
- fasting glucose's within-person CV 5.6 % (Poon 2018; :data:`GLUCOSE_VISIT_CV`) and its
  two-visit ICC 0.70 (Poon 2018; :data:`GLUCOSE_ICC`) as the correlation of baseline and
  one-year glucose (:data:`GLUCOSE_LOG_SD`, solved in closed form with
  :mod:`~lifestyle_trials.datasets.odes_reproducibility`);
- the IDF metabolic syndrome in 72.9 % of men at baseline (137 of 188) and its persistence at
  one year by arm (Anderssen 2007; :data:`PUBLISHED_METS`);
- arm sizes, completers and the published one-year changes (:data:`DEFAULT_EFFECTS`).

Known departures from ODES
--------------------------
The base population is American (2017–2018), not Norwegian (1990); BMI, waist and insulin
are shifted to the ODES figures above, the other variables are not. Insulin is more
reproducible than glucose here (one-year r about 0.88 against 0.70 on the log scale within an
arm; 0.86 against 0.69 on the natural scale over all arms), the reverse of the repeatability
studies (:data:`INSULIN_ICC`): the published SD of the insulin change is small beside the
spread of insulin between people, and that alone forces r ≥ 0.87 (:data:`VISIT_SD`). ODES
applied its criteria at a screening examination done before the baseline visit (Cochrane
review CD008274, doi:10.1002/14651858.CD008274.pub3); here every subject meets them at the
simulated baseline.
"""

from __future__ import annotations

from types import MappingProxyType

from ..units import INSULIN_PMOL_L_PER_UU_ML
from .odes_params import FactorialEffects
from .odes_reproducibility import spread_for_correlation

__all__ = [
    "BASELINE_CORRELATION",
    "BASELINE_MEAN",
    "BASELINE_SD",
    "BASELINE_VARIABLES",
    "BMI_LOG_SHIFT",
    "CHANGE_CORRELATION",
    "CHANGE_OUTCOMES",
    "CHANGE_SD",
    "DEFAULT_EFFECTS",
    "DROPOUT_STRENGTH",
    "ELIGIBILITY",
    "GLUCOSE_CHANGE_SD",
    "GLUCOSE_ELIGIBLE_SD_RATIO",
    "GLUCOSE_ICC",
    "GLUCOSE_LOG_SD",
    "GLUCOSE_LOG_SHIFT",
    "GLUCOSE_VISIT_CV",
    "INSULIN_ICC",
    "INSULIN_LOG_SHIFT",
    "LOG_OUTCOMES",
    "PUBLISHED_COMPLETERS",
    "PUBLISHED_METS",
    "PUBLISHED_N_PER_ARM",
    "PUBLISHED_SEX",
    "TRAJECTORY_MONTHS",
    "VISIT_SD",
    "WAIST_SD_MEN",
    "WAIST_SHIFT",
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

INSULIN_LOG_SHIFT = 0.0382
"""**Calibrated**: added to the NHANES mean of log insulin (pmol/L) in both sexes so that the
*completers'* mean baseline HOMA-IR is 4.8, the middle of the 4.6–5.0 that Torjesen (1997)
reports for the ODES arms (the analysed subjects), with the default dropout (the published
completers, dropout weighted by baseline HOMA-IR). The mean over all randomised subjects is
then about 5.16: those who drop out start higher. HOMA-IR scales with exp(shift)."""

GLUCOSE_LOG_SHIFT = -0.0065
"""**Calibrated**: added to the NHANES mean of log glucose in both sexes so that the eligible
population's mean baseline glucose stays at 6.0 mmol/L (ODES sex mix) with the wider spread of
:data:`GLUCOSE_LOG_SD`. Widening a log-normal raises its mean, and glucose's correlations with
the selected variables raise the eligible mean in proportion to the spread; without the shift
the mean would be 0.6 % higher, and with it HOMA-IR, whose calibrated figures (its mean in
completers, the changes implied by the published insulin and glucose changes) were set at
that mean."""

BMI_LOG_SHIFT = -0.145
"""**Calibrated**: added to the NHANES mean of log BMI in both sexes so that the eligible
population's mean baseline BMI is 30.0 kg/m² (with the ODES sex mix). Target: the Cochrane
review that includes ODES (Cochrane Database Syst Rev 2016;(3):CD008274,
doi:10.1002/14651858.CD008274.pub3), whose table of characteristics of "ODES 1995" gives a
mean BMI of 30 vs 30 kg/m² for dietary vs no dietary intervention (participants in the top
third of diastolic BP; no other subgroup's BMI is published). NHANES
2017–2018 with the same criteria gives about 33 kg/m²: Oslo men of 1990 were leaner than
American adults of 2017. Weight follows as BMI × height², so it moves with BMI."""

WAIST_SD_MEN = 10.0
"""**Calibrated** SD (cm) of men's waist in the base population (NHANES: 15.9 cm), with
:data:`WAIST_SHIFT`, so that the IDF metabolic syndrome is as common at baseline and as
persistent at one year as Anderssen (2007) reports (:data:`PUBLISHED_METS`). With the NHANES
spread the waists of the eligible men lie too far above the IDF threshold (94 cm) for the
one-year changes to resolve the syndrome as often as published; a narrower spread is
plausible for Norwegian men of 1990, whose waist was not published."""

WAIST_SHIFT: MappingProxyType[str, float] = MappingProxyType(
    {"M": -11.3, "F": 0.946 * 17.26 / 0.2420 * BMI_LOG_SHIFT}
)
"""Added to the NHANES mean waist (cm) by sex. Men: **calibrated** with
:data:`WAIST_SD_MEN` to the metabolic-syndrome prevalence at baseline, 137 of the 188 men
who completed (72.9 %; Anderssen 2007). Women: the regression of waist on log BMI in NHANES
(r = 0.946, SDs 17.26 cm and 0.242) times :data:`BMI_LOG_SHIFT`, so that waist stays
consistent with the leaner BMI."""

PUBLISHED_METS: MappingProxyType[str, tuple[int, int, int, int]] = MappingProxyType(
    {"baseline": (26, 34, 34, 43), "persisting": (23, 22, 26, 14)}
)
"""Men with the IDF metabolic syndrome per arm (control, diet, exercise, diet + exercise):
at baseline (137 of the 188 completers) and still at one year (Anderssen SA, Carroll S,
Urdal P, Holme I. Scand J Med Sci Sports 2007;17:687-95,
doi:10.1111/j.1600-0838.2006.00631.x: diet 22/34 = 64.7 %, exercise 26/34 = 76.5 %,
diet + exercise 14/43 = 32.6 %). The control count is not in the abstract: 23/26 (88 %) is
the count consistent with its P values (exercise vs control P = 0.23 by Pearson's
chi-squared test; 22/26 or 24/26 give 0.43 and 0.10). The IDF definition (Alberti KGMM,
Zimmet P, Shaw J. Lancet 2005;366:1059-62, doi:10.1016/S0140-6736(05)67402-8): waist
≥ 94 cm (men) or ≥ 80 cm (women) and at least two of triglycerides ≥ 1.7 mmol/L, HDL
< 1.03 (men) or < 1.29 mmol/L (women), systolic ≥ 130 or diastolic BP ≥ 85 mmHg, fasting
glucose ≥ 5.6 mmol/L."""

BASELINE_MEAN: MappingProxyType[str, tuple[float, ...]] = MappingProxyType(
    {
        # log glucose, log insulin, log BMI, waist, height: NHANES (weighted, no diabetes);
        # vo2max, lipids and BP: assumed (Norwegian adults aged 40-49 around 1990)
        "M": (
            1.7523 + GLUCOSE_LOG_SHIFT,
            4.0032 + INSULIN_LOG_SHIFT,
            3.3708 + BMI_LOG_SHIFT,
            102.78 + WAIST_SHIFT["M"],
            175.54,
            36.0,
            0.3716,  # log 1.45 mmol/L
            0.1823,  # log 1.20 mmol/L
            6.10,
            133.0,
            85.0,
        ),
        "F": (
            1.7195 + GLUCOSE_LOG_SHIFT,
            3.9076 + INSULIN_LOG_SHIFT,
            3.3757 + BMI_LOG_SHIFT,
            98.73 + WAIST_SHIFT["F"],
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
at one visit. Sources: NHANES 2017–2018 for log glucose (plus :data:`GLUCOSE_LOG_SHIFT`),
log insulin (plus :data:`INSULIN_LOG_SHIFT`), log BMI, waist and height; **assumed** for
VO2max, lipids and blood pressure."""

GLUCOSE_VISIT_CV = 0.056
"""Within-person coefficient of variation of fasting glucose from one visit to the next:
5.6 % in the Atherosclerosis Risk in Communities study's repeatability substudy (Poon AK et
al. J Clin Endocrinol Metab 2018;103:2175-81, doi:10.1210/jc.2017-02437; 102 adults without
diabetes, two visits a median of six weeks apart). The Hoorn Study agrees (Mooy JM et al.
Diabetologia 1996;39:298-305, doi:10.1007/BF00418345: SD of test-retest differences
0.4 mmol/L at 5.4 mmol/L, a within-person CV of 5.2 %). Used as the visit SD of log
glucose."""

GLUCOSE_ICC = 0.70
"""Intraclass correlation of fasting glucose between two visits: 0.70 in Poon 2018 (visits a
median of six weeks apart). **Target** of glucose's baseline–one-year correlation (log scale,
within arm), through :data:`GLUCOSE_LOG_SD`."""

GLUCOSE_CHANGE_SD = 0.044
"""**Calibrated** SD of the subject's own one-year change of log glucose (:data:`CHANGE_SD`):
with the visit noise (:data:`GLUCOSE_VISIT_CV`) the one-year change has SD
√(0.044² + 2 × 0.056²) = 0.091 on the log scale, about 0.55 mmol/L, what the standard errors
of Anderssen (1996) imply (0.47 and 0.61 mmol/L in the two arms reported)."""

GLUCOSE_ELIGIBLE_SD_RATIO = 0.966
"""**Calibrated** SD of log glucose in the eligible population (ODES sex mix) over its SD in
the base population. Glucose is not selected on; it enters eligibility through its
correlations with the selected variables, so its eligible variance is a fixed fraction of the
base variance whatever the spread (the test suite re-estimates the ratio)."""

GLUCOSE_LOG_SD = (
    spread_for_correlation(GLUCOSE_ICC, GLUCOSE_VISIT_CV, GLUCOSE_CHANGE_SD)
    / GLUCOSE_ELIGIBLE_SD_RATIO
)
"""SD of log glucose as observed at one visit in the base population, both sexes (0.116).
Solved in closed form (:func:`~.odes_reproducibility.spread_for_correlation`) so that, with
the visit noise :data:`GLUCOSE_VISIT_CV` and the own change :data:`GLUCOSE_CHANGE_SD`
(together the published SD of the one-year change), baseline and one-year log glucose
correlate within an arm with r = :data:`GLUCOSE_ICC` in the eligible population (SD 0.112
there; pooled over arms on the natural scale about 0.69). A repeat visit without change then
correlates with r = 1 − 0.056² / 0.112² = 0.75, inside the sampling error of Poon's 0.70 for
102 pairs (Fisher's z: roughly 0.58–0.79). NHANES without diabetes gives 0.079 (men) and
0.095 (women): with that spread, the visit noise and the published SD of change, the one-year
correlation would be about 0.4."""

INSULIN_ICC = 0.68
"""Intraclass correlation of fasting insulin between two visits six weeks apart (Poon 2018:
0.68, within-person CV 28.8 %; Mooy 1996: SD of test-retest differences 23 pmol/L at
76 pmol/L, a within-person CV of about 21 %). Over a year it can only be lower. **Not
reached** by the generator: see :data:`VISIT_SD`."""

BASELINE_SD: MappingProxyType[str, tuple[float, ...]] = MappingProxyType(
    {
        "M": (GLUCOSE_LOG_SD, 0.6975, 0.185, WAIST_SD_MEN, 7.12, 6.5, 0.5, 0.23, 1.1, 15.0, 10.0),
        "F": (GLUCOSE_LOG_SD, 0.6561, 0.2420, 17.26, 7.29, 5.5, 0.45, 0.22, 1.00, 15.0, 10.0),
    }
)
"""SD of each baseline variable by sex, as observed at one visit (sources as
:data:`BASELINE_MEAN`), except log glucose (:data:`GLUCOSE_LOG_SD`) and men's waist
(:data:`WAIST_SD_MEN`)."""

_NHANES_CORRELATION = {
    # pooled within-sex weighted correlations, NHANES 2017-2018 (see module docstring)
    ("log_glucose", "log_insulin"): 0.393,
    ("log_glucose", "log_bmi"): 0.337,
    ("log_glucose", "waist"): 0.311,
    ("log_glucose", "height"): -0.078,
    ("log_insulin", "log_bmi"): 0.71,  # NHANES 0.640, raised: see below
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
docstring), except log insulin with log BMI, **calibrated** from NHANES's 0.640 to 0.71 so
that baseline HOMA-IR correlates with BMI with r = 0.54 in the eligible population (Torjesen
1997; Pearson, natural scale; the range restriction of BMI > 24, the selection on lipids
and the wider spread of glucose would otherwise give about 0.47). The rest **assumed** (signs
and sizes typical of the metabolic syndrome)."""

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
        "glucose": GLUCOSE_VISIT_CV,  # log scale
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
subject's level, so that BMI > 24 holds for the measured baseline). Glucose: the
within-person CV of :data:`GLUCOSE_VISIT_CV` (Poon 2018). Insulin **calibrated** with
:data:`CHANGE_SD` (below): the published SD of the insulin change leaves room for a visit CV
of about 15 %, below the 21–29 % of repeatability studies (Mooy 1996, Poon 2018). The rest
**assumed**. The observed baseline SDs of :data:`BASELINE_SD` include it: the levels have the
variance that is left.

Why insulin's one-year correlation cannot be brought down to :data:`INSULIN_ICC` (0.68):
within an arm the one-year change of log insulin has variance D = s² + 2ε² (s its own change,
ε the visit noise), and the correlation of baseline and one year lies between 1 − D/(2σ²)
and σ/√(σ² + D) whatever the split of D between s and ε
(:func:`~.odes_reproducibility.correlation_bounds`), σ the SD of log insulin in the eligible
population (0.58, from NHANES with the ODES criteria). The published SD of the change (about
36–38 pmol/L at a mean of 114 pmol/L, Anderssen 1996) gives D ≈ 0.089 (SD 0.30 on the log
scale) and so r between 0.87 and 0.89; the generator gives 0.88 (0.86 on the natural scale
over all arms). An ICC of 0.68 at that spread would need a change SD of about 0.47 on the log
scale (over 50 pmol/L), or, at the published change, a spread of 0.37, which would break the
calibrated HOMA-IR figures (its mean in completers and its correlation with BMI). Insulin's
visit CV of 15 % is the split that keeps the correlation of the HOMA-IR and BMI changes
(:data:`CHANGE_CORRELATION`)."""

CHANGE_SD: MappingProxyType[str, float] = MappingProxyType(
    {
        "glucose": GLUCOSE_CHANGE_SD,  # log scale
        "insulin": 0.21,  # log scale
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
one-year change is about 0.55 mmol/L and 37–42 pmol/L (by arm, all randomised; completers,
whose insulin is lower, about 35–41), what the standard errors of Anderssen (1996) imply
(glucose 0.07 × √45 = 0.47, 0.08 × √58 = 0.61; insulin 6.2 × √37 = 38, 4.7 × √58 = 36).
Others **assumed**."""

CHANGE_CORRELATION: MappingProxyType[tuple[str, str], float] = MappingProxyType(
    {
        ("glucose", "insulin"): 0.25,
        ("glucose", "weight"): 0.25,
        ("insulin", "weight"): 0.74,
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
        # assumed (kg)
        "weight": FactorialEffects.from_arms(0.5, -4.5, -1.0, -5.5),
        # calibrated (cm) to the one-year persistence of the metabolic syndrome, Anderssen
        # 2007: diet 64.7 %, exercise 76.5 %, diet + exercise 32.6 % (PUBLISHED_METS)
        "waist": FactorialEffects.from_arms(0.5, -3.0, -1.0, -9.5),
        # assumed (mL/kg/min, mmol/L)
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
exercise −0.30 (published: exercise alone did not change significantly). These are changes
over all randomised subjects: the completers, who start lower, change less on the natural
scale (``OutcomeTruth.completers_change``).

Waist: **calibrated** so that, among men with the IDF metabolic syndrome at baseline, the
share who still have it at one year is 64.7 % with diet, 76.5 % with exercise and 32.6 % with
both (Anderssen 2007; about 85 % in control, where 88 % is consistent with the published
P values): waist changes by −9.5 cm with both, against −3.0 cm (diet), −1.0 cm (exercise)
and +0.5 cm (control); net of control −10.0 cm against −3.5 and −1.5, more than their sum,
the synergy that the published persistence requires."""

# -- dropout ----------------------------------------------------------------------------------

DROPOUT_STRENGTH = 1.0
"""**Assumed** exponent of HOMA-IR in a subject's dropout weight: at equal arm, a subject
with twice the HOMA-IR is about twice as likely to be drawn to drop out. Which HOMA-IR value
counts is the dropout mechanism's choice: the baseline value (default), the last observed
value (missing at random) or the first unobserved one (missing not at random)."""
