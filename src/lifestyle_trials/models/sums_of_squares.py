"""Type II and type III F tests of the terms of a least-squares model (R: ``car::Anova``).

Type II (Langsrud 2003): each term is tested after every other term that does not contain it,
``SS(A | B)`` for a main effect A in a model with the interaction A:B — the model comparison
``RSS(without A and A:B) - RSS(without A:B)``. It respects marginality and does not depend on
the coding of the factors.

Type III: each term is tested after all the others, as a Wald test that the term's
coefficients are zero, ``F = b_T' V_TT^{-1} b_T / q``, in the model with **sum-to-zero
(``contr.sum``) coding of every factor**; with treatment coding the main-effect tests would be
simple effects at the reference level, which is why the coding is pinned here. The sum of
squares reported is ``F q s^2``. The intercept is tested too, as car does.

Both use the model-based (classical) variance, whatever standard errors the effects use; the
denominator df are the residual df. Output columns ``term, sum_sq, num_df, den_df, statistic,
p_value``, the same test columns as the other models of the package.

References
----------
Langsrud O. ANOVA for unbalanced data: use type II instead of type III sums of squares. Stat
Comput 2003;13:163-7. doi:10.1023/A:1023260610025
Fox J, Weisberg S. An R Companion to Applied Regression, 3rd ed. Sage, 2019 (``car::Anova``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import linalg, stats

from .design.spec import ModelSpec
from .engine.ols import LeastSquares, least_squares, subset_rss

__all__ = ["ANOVA_COLUMNS", "type2_table", "type3_table"]

ANOVA_COLUMNS: tuple[str, ...] = ("term", "sum_sq", "num_df", "den_df", "statistic", "p_value")


def _relatives(term: str, terms: tuple[str, ...]) -> list[str]:
    """Terms that contain ``term`` (interactions it is part of)."""
    parts = set(term.split(":"))
    return [t for t in terms if t != term and parts < set(t.split(":"))]


def type2_table(spec: ModelSpec, fit: LeastSquares) -> pd.DataFrame:
    """Type II F tests from the fit of ``spec`` (treatment coding, any vcov).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> frame = pd.DataFrame({"diet": np.repeat([0, 1, 0, 1], 5),
    ...                       "exercise": np.repeat([0, 0, 1, 1], 5),
    ...                       "baseline": rng.normal(size=20)})
    >>> spec = ModelSpec("factorial", numeric=("baseline",))
    >>> y = frame["diet"] + frame["baseline"] + rng.normal(size=20)
    >>> names = [c for c, _ in spec.columns()]
    >>> table = type2_table(spec, least_squares(spec.matrix(frame), y.to_numpy(), names))
    >>> print(table.round(3).to_string(index=False))
             term  sum_sq  num_df  den_df  statistic  p_value
             diet   3.386       1      15      6.624    0.021
         exercise   0.098       1      15      0.192    0.668
    diet:exercise   1.861       1      15      3.641    0.076
         baseline  10.164       1      15     19.886    0.000
    """
    columns = spec.term_columns()
    terms = tuple(t for t in columns if t != "(Intercept)")
    all_cols = np.arange(sum(len(v) for v in columns.values()))
    s2 = fit.rss / fit.df_resid
    rows = []
    for term in terms:
        related = [columns[t] for t in _relatives(term, terms)]
        drop_rel = np.concatenate(related) if related else np.array([], dtype=np.int64)
        drop_all = np.concatenate([drop_rel, columns[term]])
        without_rel = np.setdiff1d(all_cols, drop_rel)
        without_both = np.setdiff1d(all_cols, drop_all)
        ss = subset_rss(fit.r_factor, without_both) - subset_rss(fit.r_factor, without_rel)
        q = len(columns[term])
        f = ss / q / s2
        rows.append((term, ss, q, fit.df_resid, f, stats.f.sf(f, q, fit.df_resid)))
    return pd.DataFrame(rows, columns=list(ANOVA_COLUMNS))


def type3_table(spec: ModelSpec, frame: pd.DataFrame, y: np.ndarray) -> pd.DataFrame:
    """Type III Wald F tests of every term (intercept included) with sum-to-zero coding."""
    names = [c for c, _ in spec.columns()]
    fit = least_squares(spec.matrix(frame, coding="sum"), y, names)
    s2 = fit.sigma2
    vcov = fit.classical_vcov
    rows = []
    for term, idx in spec.term_columns().items():
        b = fit.coef[idx]
        v = vcov[np.ix_(idx, idx)]
        wald = float(b @ linalg.solve(v, b, assume_a="pos"))
        q = len(idx)
        f = wald / q
        rows.append((term, f * q * s2, q, fit.df_resid, f, stats.f.sf(f, q, fit.df_resid)))
    return pd.DataFrame(rows, columns=list(ANOVA_COLUMNS))
