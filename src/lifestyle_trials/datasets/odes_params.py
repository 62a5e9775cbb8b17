"""Parameters and truth of the synthetic ODES trial: what is set, and what it implies.

:class:`FactorialEffects` is how a caller sets the one-year change of an outcome in each arm.
:class:`OutcomeTruth` and :class:`DropoutTruth` are what :func:`~lifestyle_trials.simulate_odes`
returns in ``trial.truth`` so that a simulation study can check what a model recovers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..arms import ARMS

__all__ = ["FACTORIAL_TERMS", "DropoutTruth", "FactorialEffects", "OutcomeTruth", "factorial"]

FACTORIAL_TERMS: tuple[str, ...] = ("diet", "exercise", "diet:exercise")
"""Names of the factorial contrasts, as in the models' effects tables."""


@dataclass(frozen=True)
class FactorialEffects:
    """Expected one-year change of one outcome in each arm of the 2 × 2 design.

    The arms change by ``control`` (control), ``control + diet`` (diet),
    ``control + exercise`` (exercise) and ``control + diet + exercise + interaction``
    (diet + exercise), in the outcome's unit in the Trial (insulin in µU/mL).

    For an outcome simulated multiplicatively (glucose, insulin, triglycerides) these are
    changes of the arm mean at the reference baseline mean of the eligible population; the
    generator turns them into log ratios (see :func:`~lifestyle_trials.simulate_odes`).

    Attributes
    ----------
    control : float
        Change in the control arm (secular drift, seasonal and assay change, ...).
    diet, exercise : float
        Change added by diet alone and by exercise alone.
    interaction : float, default 0
        Change added in the diet + exercise arm beyond the sum of the two.

    Examples
    --------
    >>> e = FactorialEffects.from_arms(control=0.5, diet=-4.5, exercise=-1.0,
    ...                                diet_exercise=-5.5)
    >>> e
    FactorialEffects(control=0.5, diet=-5.0, exercise=-1.5, interaction=0.5)
    >>> e.arm_changes()
    {'control': 0.5, 'diet': -4.5, 'exercise': -1.0, 'diet+exercise': -5.5}
    >>> e.arm_changes(effect_scale=0.0)
    {'control': 0.5, 'diet': 0.5, 'exercise': 0.5, 'diet+exercise': 0.5}
    """

    control: float
    diet: float
    exercise: float
    interaction: float = 0.0

    @classmethod
    def from_arms(
        cls, control: float, diet: float, exercise: float, diet_exercise: float
    ) -> FactorialEffects:
        """The effects that give these four arm changes.

        The contrasts are rounded to 12 decimals, so that arm changes given in decimals give
        contrasts without floating-point noise (−0.26 + 0.21 + 0.05 is 0, not 1e-17).
        """
        c, d, e, de = float(control), float(diet), float(exercise), float(diet_exercise)
        return cls(
            control=c,
            diet=round(d - c, 12) + 0.0,  # + 0.0: no negative zero
            exercise=round(e - c, 12) + 0.0,
            interaction=round(de - d - e + c, 12) + 0.0,
        )

    def arm_changes(self, effect_scale: float = 1.0) -> dict[str, float]:
        """Change in each arm, with diet, exercise and interaction multiplied by ``effect_scale``.

        The control change is not scaled: ``effect_scale=0`` gives four arms that change
        alike (no treatment effect).
        """
        s = float(effect_scale)
        d, e, i = s * self.diet, s * self.exercise, s * self.interaction
        c = float(self.control)
        return dict(zip(ARMS, (c, c + d, c + e, c + d + e + i), strict=True))


def factorial(arm_values: Mapping[str, float]) -> dict[str, float]:
    """Factorial contrasts of four arm values, with equal weights.

    ``diet = ((DE − E) + (D − C)) / 2``, ``exercise = ((DE − D) + (E − C)) / 2`` and
    ``diet:exercise = (DE − E) − (D − C)``, as the models' ``estimand="factorial"``.

    Examples
    --------
    >>> factorial({"control": 0.0, "diet": -2.0, "exercise": -1.0, "diet+exercise": -4.0})
    {'diet': -2.5, 'exercise': -1.5, 'diet:exercise': -1.0}
    """
    c, d, e, de = (float(arm_values[a]) for a in ARMS)
    return dict(
        zip(
            FACTORIAL_TERMS,
            (((de - e) + (d - c)) / 2, ((de - d) + (e - c)) / 2, (de - e) - (d - c)),
            strict=True,
        )
    )


@dataclass(frozen=True)
class OutcomeTruth:
    """What the generator implies for one outcome, exactly or from documented constants.

    Attributes
    ----------
    outcome : str
    unit : str
        The outcome's unit in the Trial.
    scale : {"log", "additive", "derived"}
        How follow-up values were generated: multiplicatively (log scale), additively, or
        computed from other outcomes (HOMA-IR from glucose and insulin, BMI from weight).
    baseline_mean : float
        Expected baseline mean of the eligible population (all randomised subjects).
    change : Mapping[float, Mapping[str, float]]
        Expected mean change from baseline, by post-baseline visit and arm, over all
        randomised subjects (dropout removes rows, not expectations).
    effects : Mapping[float, Mapping[str, float]]
        Factorial contrasts (``diet``, ``exercise``, ``diet:exercise``; equal weights) of the
        expected arm means, by post-baseline visit, on the natural scale.
    log_effects : Mapping[float, Mapping[str, float]] or None
        The same contrasts of the log arm means (exact log ratios; also the contrasts of
        the expected change in log values); None for outcomes that change additively.
    arm_log_ratios : Mapping[float, Mapping[str, float]] or None
        log(arm mean / control mean) at each visit, per arm; None for additive outcomes.
    completers_baseline_mean : Mapping[str, float] or None
        Expected baseline mean of the completers (observed at the last visit), per arm.
    completers_change : Mapping[float, Mapping[str, float]] or None
        Expected mean change from baseline among the subjects observed at each post-baseline
        visit (at the last visit: the completers), by visit and arm.
    completers_effects : Mapping[float, Mapping[str, float]] or None
        Factorial contrasts of ``completers_change``: what an analysis of the observed
        subjects estimates on the natural scale.
    completers_log_effects : Mapping[float, Mapping[str, float]] or None
        Factorial contrasts of the expected change in log values among the subjects observed
        at each visit; None for additive outcomes.

    Notes
    -----
    ``change``, ``effects`` and ``log_effects`` average over all randomised subjects. When
    dropout depends on HOMA-IR the subjects still observed are a selected group, and for the
    outcomes that change multiplicatively (glucose, insulin, HOMA-IR, triglycerides, HDL)
    their natural-scale changes differ from the randomised average even when dropout
    depends on the baseline value only (completers start lower, so they change less in
    absolute terms); under ``"mar"`` and ``"mnar"`` dropout their log-scale changes differ
    too. The ``completers_*`` fields give the truth for that analysed population
    (:mod:`~lifestyle_trials.datasets.odes_analysed`); without dropout they equal the
    randomised ones.
    """

    outcome: str
    unit: str
    scale: str
    baseline_mean: float
    change: Mapping[float, Mapping[str, float]]
    effects: Mapping[float, Mapping[str, float]]
    log_effects: Mapping[float, Mapping[str, float]] | None = None
    arm_log_ratios: Mapping[float, Mapping[str, float]] | None = None
    completers_baseline_mean: Mapping[str, float] | None = None
    completers_change: Mapping[float, Mapping[str, float]] | None = None
    completers_effects: Mapping[float, Mapping[str, float]] | None = None
    completers_log_effects: Mapping[float, Mapping[str, float]] | None = None


@dataclass(frozen=True)
class DropoutTruth:
    """Who dropped out of the synthetic trial, and when.

    Attributes
    ----------
    proportions : Mapping[str, float]
        Proportion asked for in each arm.
    dropped : Mapping[str, int]
        Subjects who dropped out, per arm (``round(proportion × arm size)``).
    completers : Mapping[str, int]
        Subjects with every visit, per arm.
    subjects : tuple of str
        The subjects who dropped out, in subject order.
    last_visit : tuple of float
        For each of ``subjects``, the last visit they attended (the baseline at least);
        every later visit is absent from the table.
    mechanism : {"baseline", "mar", "mnar"}
        What dropout depended on: the baseline HOMA-IR, the last observed HOMA-IR (missing
        at random) or the first unobserved one (missing not at random).
    strength : float
        Exponent of that HOMA-IR in the dropout weight (0: completely at random within arm).
    """

    proportions: Mapping[str, float]
    dropped: Mapping[str, int]
    completers: Mapping[str, int]
    subjects: tuple[str, ...]
    last_visit: tuple[float, ...]
    mechanism: str
    strength: float
