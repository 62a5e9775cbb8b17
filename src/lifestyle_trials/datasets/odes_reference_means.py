"""Reference means of the synthetic ODES trial's eligible population, by sex.

Derived, not published: expectations of the generator's own eligible population, estimated
once by simulation (``odes_baseline.estimate_reference_means``) and stored here so that the
arms' expected changes (:mod:`~lifestyle_trials.datasets.odes_change`) need no simulation at
run time. The test suite re-estimates them. The published and assumed figures they follow
from are in :mod:`~lifestyle_trials.datasets.odes_calibration`.
"""

from __future__ import annotations

from types import MappingProxyType

__all__ = ["REFERENCE_MEANS"]

REFERENCE_MEANS: MappingProxyType[str, MappingProxyType[str, float]] = MappingProxyType(
    {
        "M": MappingProxyType(
            {
                "glucose": 6.00595,  # SE 0.00034
                "insulin": 18.9431,  # SE 0.0063
                "homa_ir": 5.16598,  # SE 0.0019
                "weight": 91.6459,  # SE 0.0074
                "bmi": 29.6443,  # SE 0.002
                "waist": 99.6302,  # SE 0.0037
                "vo2max": 33.854,  # SE 0.0031
                "triglycerides": 2.45365,  # SE 0.00046
                "triglycerides_level": 2.40235,  # SE 0.00042
                "hdl": 0.987077,  # SE 6.7e-05
                "hdl_level": 1.00234,  # SE 7e-05
                "cholesterol": 6.39274,  # SE 0.00033
                "cholesterol_level": 6.38021,  # SE 0.00034
                "sbp": 140.868,  # SE 0.0056
                "dbp": 91.7352,  # SE 0.0018
                "dbp_level": 90.4903,  # SE 0.0025
                "inverse_height2": 0.325719,  # SE 1.3e-05
            }
        ),
        "F": MappingProxyType(
            {
                "glucose": 5.89677,  # SE 0.00033
                "insulin": 19.7286,  # SE 0.0062
                "homa_ir": 5.28049,  # SE 0.0018
                "weight": 89.363,  # SE 0.0098
                "bmi": 33.4053,  # SE 0.0033
                "waist": 107.294,  # SE 0.0068
                "vo2max": 27.8284,  # SE 0.0026
                "triglycerides": 2.14206,  # SE 0.00033
                "triglycerides_level": 2.0642,  # SE 0.00029
                "hdl": 1.06325,  # SE 5.1e-05
                "hdl_level": 1.09799,  # SE 5.9e-05
                "cholesterol": 6.23591,  # SE 0.00031
                "cholesterol_level": 6.19888,  # SE 0.00031
                "sbp": 137.49,  # SE 0.0056
                "dbp": 91.113,  # SE 0.0017
                "dbp_level": 88.7914,  # SE 0.0025
                "inverse_height2": 0.377049,  # SE 1.7e-05
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
mean baseline over all randomised subjects is: BMI 30.0 kg/m², weight 91.4 kg, waist 100.4
cm, HOMA-IR 5.16, glucose 6.00 mmol/L and insulin 19.0 µU/mL (114 pmol/L); the completers'
HOMA-IR (default dropout) is 4.8."""
