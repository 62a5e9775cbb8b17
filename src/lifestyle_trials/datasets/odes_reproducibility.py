"""How visit noise, the subject's own change and the spread between people set reproducibility.

In the synthetic ODES trial an outcome observed at visit t (on the log scale for glucose and
insulin) is

    Y(0) = L + e₀,    Y(t) = L + f(t)·(δ + s·z) + e_t,

with L the subject's level (variance ``σ² − ε²`` in the eligible population), z the
subject's own change (standard normal, independent of L), e₀ and e_t independent visit noise
with SD ε, δ the arm's change and f(t) the trajectory (f(12) = 1). Within an arm, with σ the
SD of Y(0),

    Var Y(0) = σ²,   Var Y(t) = σ² + f²s²,   Cov(Y(0), Y(t)) = σ² − ε²,

    r(t) = (σ² − ε²) / (σ · √(σ² + f²s²)),

and the change Y(12) − Y(0) has variance ``D = s² + 2ε²``. Three figures therefore fix the
fourth: with the visit SD ε (a repeatability study) and the SD of the one-year change √D
(a trial's published change) given, the one-year correlation r(12) depends only on the spread
σ between people, and solving r(12) = ρ for σ² gives the positive root of

    (1 − ρ²)·σ⁴ − (2ε² + ρ²s²)·σ² + ε⁴ = 0.

With D fixed, moving variance between ε and s moves r(12) only between
``1 − D / (2σ²)`` (s = 0) and ``σ / √(σ² + D)`` (ε = 0): a small published SD of change
relative to the spread between people forces a high one-year correlation, whatever the split.
"""

from __future__ import annotations

import math

__all__ = ["correlation_bounds", "spread_for_correlation", "visit_correlation"]


def visit_correlation(
    spread: float, visit_sd: float, change_sd: float, fraction: float = 1.0
) -> float:
    """Within-arm correlation of an outcome at baseline and at a later visit.

    ``r = (σ² − ε²) / (σ · √(σ² + f²s²))`` (module docstring).

    Parameters
    ----------
    spread : float
        σ, SD of the outcome at one visit in the eligible population (log scale for the
        multiplicative outcomes).
    visit_sd : float
        ε, within-subject SD from one visit to the next (same scale).
    change_sd : float
        s, SD of the subject's own one-year change (same scale).
    fraction : float, default 1
        f(t), the fraction of the one-year change reached at the later visit.

    Returns
    -------
    float

    Examples
    --------
    >>> round(visit_correlation(0.1, 0.056, 0.044), 4)
    0.6283
    >>> round(visit_correlation(0.1, 0.056, 0.044, fraction=0.0), 4)  # a repeat visit: the ICC
    0.6864
    """
    var = spread**2
    return (var - visit_sd**2) / math.sqrt(var * (var + (fraction * change_sd) ** 2))


def spread_for_correlation(correlation: float, visit_sd: float, change_sd: float) -> float:
    """The spread σ between people that gives a one-year correlation ρ.

    The positive root σ² > ε² of ``(1 − ρ²)σ⁴ − (2ε² + ρ²s²)σ² + ε⁴ = 0``; the inverse of
    :func:`visit_correlation` at ``fraction=1``.

    Parameters
    ----------
    correlation : float
        ρ, in (0, 1).
    visit_sd, change_sd : float
        ε and s, as :func:`visit_correlation`.

    Returns
    -------
    float
        σ, the SD of the outcome at one visit.

    Examples
    --------
    >>> sd = spread_for_correlation(0.70, 0.056, 0.044)
    >>> round(sd, 4), round(visit_correlation(sd, 0.056, 0.044), 10)
    (0.1124, 0.7)
    """
    rho2, e2, s2 = correlation**2, visit_sd**2, change_sd**2
    b = 2.0 * e2 + rho2 * s2
    var = (b + math.sqrt(b * b - 4.0 * (1.0 - rho2) * e2 * e2)) / (2.0 * (1.0 - rho2))
    return math.sqrt(var)


def correlation_bounds(spread: float, change_variance: float) -> tuple[float, float]:
    """Range of the one-year correlation over every split of a fixed change variance.

    With ``D = s² + 2ε²`` fixed, r(12) runs from ``1 − D / (2σ²)`` (all visit noise, s = 0)
    to ``σ / √(σ² + D)`` (no visit noise).

    Parameters
    ----------
    spread : float
        σ, as :func:`visit_correlation`.
    change_variance : float
        D, variance of the one-year change within an arm.

    Returns
    -------
    tuple of (float, float)
        Lowest and highest attainable correlation.

    Examples
    --------
    >>> [round(r, 3) for r in correlation_bounds(0.58, 0.089)]
    [0.868, 0.889]
    """
    var = spread**2
    return 1.0 - change_variance / (2.0 * var), spread / math.sqrt(var + change_variance)
