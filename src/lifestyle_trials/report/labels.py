"""Words for the report: names of outcomes, covariates, arms, terms and visits.

Configuration can rename arms and variables (``[labels]`` in analysis.toml); anything not
named here or there is shown as its column name.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "ARM_LABELS",
    "LEVEL_LABELS",
    "TERM_LABELS",
    "VARIABLE_LABELS",
    "arm_label",
    "level_label",
    "term_label",
    "unit_text",
    "variable_label",
    "visit_label",
]

VARIABLE_LABELS: dict[str, str] = {
    "homa_ir": "HOMA-IR",
    "homa_b": "HOMA-%B",
    "quicki": "QUICKI",
    "matsuda": "Matsuda index",
    "insulin": "Fasting insulin",
    "glucose": "Fasting glucose",
    "weight": "Weight",
    "bmi": "BMI",
    "waist": "Waist circumference",
    "vo2max": "VO₂max",
    "triglycerides": "Triglycerides",
    "hdl": "HDL cholesterol",
    "ldl": "LDL cholesterol",
    "cholesterol": "Total cholesterol",
    "sbp": "Systolic blood pressure",
    "dbp": "Diastolic blood pressure",
    "hba1c": "HbA1c",
    "age": "Age",
    "sex": "Sex",
    "height": "Height",
}

ARM_LABELS: dict[str, str] = {
    "control": "Control",
    "diet": "Diet",
    "exercise": "Exercise",
    "diet+exercise": "Diet + exercise",
}

TERM_LABELS: dict[str, str] = {
    "diet": "Diet (main effect)",
    "exercise": "Exercise (main effect)",
    "diet:exercise": "Diet × exercise (interaction)",
    "diet vs control": "Diet vs control",
    "exercise vs control": "Exercise vs control",
    "diet+exercise vs control": "Diet + exercise vs control",
}

LEVEL_LABELS: dict[str, dict[str, str]] = {
    "sex": {"F": "Female", "M": "Male", "female": "Female", "male": "Male"},
}
"""Words for coded levels of categorical variables."""

_UNITS: dict[str, str] = {"uU/mL": "µU/mL", "1": "", "kg/m2": "kg/m²", "mL/kg/min": "mL/kg/min"}


def unit_text(unit: str | None) -> str:
    """A unit as printed (``uU/mL`` → ``µU/mL``; dimensionless → empty).

    Examples
    --------
    >>> unit_text("uU/mL"), unit_text("1"), unit_text("kg")
    ('µU/mL', '', 'kg')
    """
    if not unit:
        return ""
    return _UNITS.get(unit, unit)


def variable_label(name: str, custom: Mapping[str, str] | None = None) -> str:
    """The printed name of an outcome or covariate.

    Examples
    --------
    >>> variable_label("homa_ir"), variable_label("self_esteem")
    ('HOMA-IR', 'Self esteem')
    """
    if custom and name in custom:
        return custom[name]
    return VARIABLE_LABELS.get(name, name.replace("_", " ").capitalize())


def level_label(variable: str, level: str) -> str:
    """The printed name of a level of a categorical variable.

    Examples
    --------
    >>> level_label("sex", "F"), level_label("centre", "Oslo")
    ('Female', 'Oslo')
    """
    return LEVEL_LABELS.get(variable, {}).get(level, level)


def arm_label(arm: str, custom: Mapping[str, str] | None = None) -> str:
    """The printed name of an arm."""
    if custom and arm in custom:
        return custom[arm]
    return ARM_LABELS.get(arm, arm)


def term_label(term: str, arms: Mapping[str, str] | None = None) -> str:
    """The printed name of an effect term; arm contrasts use the (custom) arm names.

    Examples
    --------
    >>> term_label("diet:exercise")
    'Diet × exercise (interaction)'
    >>> term_label("diet vs control", {"diet": "Family therapy"})
    'Family therapy vs control'
    """
    if arms and term.endswith(" vs control"):
        arm = term.removesuffix(" vs control")
        return f"{arm_label(arm, arms)} vs {arm_label('control', arms).lower()}"
    return TERM_LABELS.get(term, term)


def visit_label(visit: float, unit: str = "month") -> str:
    """A visit as words: ``12.0`` → ``month 12``; ``0`` → ``baseline``.

    Examples
    --------
    >>> visit_label(0.0), visit_label(12.0), visit_label(1.5, "week")
    ('baseline', 'month 12', 'week 1.5')
    """
    if float(visit) == 0.0:
        return "baseline"
    v = float(visit)
    return f"{unit} {int(v) if v.is_integer() else v:g}"
