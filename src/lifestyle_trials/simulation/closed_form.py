"""Power of the 2 × 2 ANCOVA in closed form (noncentral t), to cross-check the simulation."""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
from scipy import stats

from ..errors import ConfigError, ModelError
from ..models.design.spec import ESTIMAND_TREATMENT, ModelSpec, arm_frame, effect_weights
from .design import ESTIMANDS, term_names

__all__ = ["power_ancova"]


def power_ancova(
    effect: float,
    sd: float,
    n_per_arm: int | Sequence[int],
    *,
    term: str = "diet",
    estimand: str = "factorial",
    correlation: float = 0.0,
    alpha: float = 0.05,
) -> float:
    """Power of a two-sided test of one effect of the 2 × 2 ANCOVA, in closed form.

    The ANCOVA ``y ~ baseline + design terms`` (as :func:`~lifestyle_trials.ancova`) with
    ``N`` subjects and ``q`` columns besides the baseline estimates a contrast ``l'β`` of
    the arm means with variance, averaged over normal baselines,

    ``V = σ² (1 − ρ²) · v · (1 + 1 / (N − q − 2))``,   ``v = l'(Z'Z)⁻¹l``,

    where ``σ`` is the SD of the outcome, ``ρ`` its correlation with the baseline and the
    last factor the expected cost of estimating the baseline slope. The test statistic is
    taken as noncentral t with ``N − q − 1`` df and noncentrality ``effect / sqrt(V)``:
    ``power = P(|T| > t_{1−α/2})``.

    Parameters
    ----------
    effect : float
        The true effect (log ratio when the analysis is on the log scale).
    sd : float
        SD of the outcome at follow-up within an arm (log scale if the analysis is).
    n_per_arm : int or sequence of 4 int
        Subjects analysed in control, diet, exercise, diet + exercise.
    term : str, default "diet"
        A term of ``estimand`` (``"diet"``, ``"exercise"``, ``"diet:exercise"``, or
        ``"<arm> vs control"``).
    estimand : {"factorial", "margins", "arms"}
    correlation : float, default 0
        Correlation of the baseline and follow-up values within an arm.
    alpha : float, default 0.05

    Returns
    -------
    float

    Raises
    ------
    ConfigError
        Arm sizes below 2, ``alpha`` outside (0, 1), ``sd`` not positive, ``correlation``
        outside (−1, 1).
    ModelError
        An unknown estimand or term.

    References
    ----------
    Borm GF, Fransen J, Lemmens WAJG. A simple sample size formula for analysis of
    covariance in randomized clinical trials. J Clin Epidemiol 2007;60:1234-8.
    doi:10.1016/j.jclinepi.2007.02.006

    Examples
    --------
    >>> round(power_ancova(0.2, 0.5, 50, term="diet", correlation=0.6), 3)
    0.939
    >>> round(power_ancova(0.2, 0.5, 50, term="diet:exercise", correlation=0.6), 3)
    0.419
    """
    sizes = _sizes(n_per_arm)
    if not 0.0 < float(alpha) < 1.0:
        raise ConfigError(f"alpha must be strictly between 0 and 1, got {alpha!r}")
    if not float(sd) > 0:
        raise ConfigError(f"sd must be positive, got {sd!r}")
    if not -1.0 < float(correlation) < 1.0:
        raise ConfigError(f"correlation must be between -1 and 1, got {correlation!r}")
    if estimand not in ESTIMANDS:
        raise ModelError(f"unknown estimand {estimand!r}; use one of {', '.join(ESTIMANDS)}")
    if term not in term_names(estimand):
        raise ModelError(
            f"term {term!r} is not an effect of estimand {estimand!r}; use one of "
            f"{', '.join(term_names(estimand))}"
        )
    rows = ModelSpec(ESTIMAND_TREATMENT[estimand]).matrix(arm_frame())  # (4, q): one per arm
    gram = (rows * np.asarray(sizes, dtype=float)[:, None]).T @ rows
    lvec = effect_weights(estimand)[term] @ rows
    v = float(lvec @ np.linalg.solve(gram, lvec))
    n, q = sum(sizes), rows.shape[1]
    df = n - q - 1
    if df < 1:
        raise ConfigError(f"{n} subjects leave no residual degrees of freedom")
    inflation = 1.0 + 1.0 / (n - q - 2) if n - q - 2 > 0 else np.inf
    variance = float(sd) ** 2 * (1.0 - float(correlation) ** 2) * v * inflation
    ncp = float(effect) / np.sqrt(variance)
    crit = stats.t.ppf(1.0 - float(alpha) / 2.0, df)
    return float(stats.nct.sf(crit, df, ncp) + stats.nct.cdf(-crit, df, ncp))


def _sizes(n_per_arm: int | Sequence[int]) -> tuple[int, ...]:
    if isinstance(n_per_arm, numbers.Integral) and not isinstance(n_per_arm, bool):
        sizes: tuple[int, ...] = (int(n_per_arm),) * 4
    else:
        try:
            sizes = tuple(int(v) for v in n_per_arm)  # type: ignore[union-attr]
        except (TypeError, ValueError):
            raise ConfigError(f"n_per_arm must be an int or four ints, got {n_per_arm!r}") from None
    if len(sizes) != 4 or min(sizes) < 2:
        raise ConfigError(
            f"n_per_arm must be four arm sizes of at least 2 (control, diet, exercise, "
            f"diet+exercise), got {n_per_arm!r}"
        )
    return sizes
