"""The same ANCOVA fitted to many responses at once: ``lt.ancova_batch``.

For simulation studies (thousands of replicate trials) and for screening many outcomes of one
trial: one design, ``k`` response columns, each with its own baseline column, fitted without a
Python loop over fits. The numbers are those of :func:`lifestyle_trials.ancova` fitted to each
column in turn (the tests check this).

Method (Frisch-Waugh-Lovell): with ``Z`` the columns shared by every fit (intercept, design
terms, covariates) and ``b_k`` the baseline of response ``y_k``, one QR decomposition
``Z = QR`` gives the residuals ``r_y = y_k - Q Q'y_k`` and ``r_b = b_k - Q Q'b_k`` of all
columns at once; then

- baseline slope ``beta_k = r_b'r_y / r_b'r_b``, residual sum of squares
  ``RSS_k = r_y'r_y - beta_k r_b'r_y``, ``s_k^2 = RSS_k / (n - q - 1)``;
- the other coefficients ``g_k = R^{-1} Q'(y_k - beta_k b_k)``, with covariance
  ``s_k^2 [(Z'Z)^{-1} + a_k a_k' / r_b'r_b]``, ``a_k = R^{-1} Q'b_k``;
- an effect ``l'g_k`` (a contrast of arm means, in which the baseline and covariates cancel)
  has variance ``s_k^2 [l'(Z'Z)^{-1}l + (l'a_k)^2 / r_b'r_b]``.

The cost is that of a few matrix products of size ``n × k``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import linalg

from ..arms import ARM_CODES, ARMS
from ..errors import ModelError, computed
from .ancova import ANALYSES, ESTIMANDS, possible_estimands
from .design.spec import ModelSpec, arm_frame, effect_weights
from .results import EFFECT_COLUMNS, RATIO_COLUMNS, t_inference

__all__ = ["AncovaBatch", "ancova_batch"]


@dataclass(frozen=True, eq=False)
class AncovaBatch:
    """Effects of one ANCOVA fitted to ``k`` response columns.

    Attributes
    ----------
    terms : tuple of str
        The effects, as in :func:`lifestyle_trials.ancova` for the same estimand.
    estimate, std_error, statistic, p_value, conf_low, conf_high : ndarray (k, terms)
        Effect estimates (treated minus untreated) and their inference; column ``j`` is
        ``terms[j]``.
    df : int
        Residual degrees of freedom, the same for every column.
    residual_sd : ndarray (k,)
    estimand, analysis : str
    log : bool
    level : float
    """

    terms: tuple[str, ...]
    estimate: np.ndarray
    std_error: np.ndarray
    df: int
    statistic: np.ndarray
    p_value: np.ndarray
    conf_low: np.ndarray
    conf_high: np.ndarray
    residual_sd: np.ndarray
    estimand: str
    analysis: str
    log: bool
    level: float

    @property
    def n_fits(self) -> int:
        """Number of response columns fitted."""
        return int(self.estimate.shape[0])

    def effects(self, names: list[str] | None = None) -> pd.DataFrame:
        """A long effects table: ``response`` then the contract columns, one row per response
        and term (``ratio`` columns when ``log``).

        Parameters
        ----------
        names : list of str, optional
            A name per response column (default ``0, 1, ...``).
        """
        k, m = self.estimate.shape
        labels = np.asarray(names if names is not None else np.arange(k), dtype=object)
        if len(labels) != k:
            raise ModelError(f"{len(labels)} names for {k} response columns")
        table = pd.DataFrame(
            {
                "response": np.repeat(labels, m),
                "term": np.tile(np.asarray(self.terms, dtype=object), k),
                "estimate": self.estimate.ravel(),
                "std_error": self.std_error.ravel(),
                "df": float(self.df),
                "statistic": self.statistic.ravel(),
                "p_value": self.p_value.ravel(),
                "conf_low": self.conf_low.ravel(),
                "conf_high": self.conf_high.ravel(),
            }
        )
        if self.log:
            table["ratio"] = np.exp(table["estimate"])
            table["ratio_low"] = np.exp(table["conf_low"])
            table["ratio_high"] = np.exp(table["conf_high"])
        cols = ["response", *EFFECT_COLUMNS, *(RATIO_COLUMNS if self.log else ())]
        return table[cols]


def ancova_batch(
    y: np.ndarray,
    baseline: np.ndarray | None,
    diet: np.ndarray,
    exercise: np.ndarray,
    *,
    covariates: pd.DataFrame | None = None,
    estimand: str = "margins",
    analysis: str = "ancova",
    log: bool = False,
    level: float = 0.95,
) -> AncovaBatch:
    """Fit one ANCOVA to many response columns at once (outcomes or simulated replicates).

    The model and effects are those of :func:`lifestyle_trials.ancova` (classical standard
    errors, residual df): ``y_k ~ baseline_k + design terms + covariates`` for every column
    ``k``, all sharing the subjects, the design and the covariates.

    Parameters
    ----------
    y : array (n, k)
        Responses at the follow-up visit, one column per outcome or replicate; a 1-D array is
        one column.
    baseline : array (n, k) or (n,), or None
        The baseline of each column (a 1-D array is shared by all). Needed unless
        ``analysis="followup"``.
    diet, exercise : array (n,)
        0/1 codes of the subjects.
    covariates : DataFrame, optional
        ``n`` rows of subject-level covariates (numeric ones linear, others factors).
    estimand : {"margins", "factorial", "arms"}
    analysis : {"ancova", "change", "followup"}
    log : bool
        Log-transform ``y`` and ``baseline`` (all values must be positive).
    level : float

    Returns
    -------
    AncovaBatch

    Raises
    ------
    ModelError
        Shapes that do not match, non-finite or (with ``log``) non-positive values (naming the
        columns), a design the estimand cannot be estimated from, too few subjects, a baseline
        column that is constant or collinear with the design, a column fitted exactly.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> n, k = 200, 1000
    >>> diet, exercise = np.tile([0, 1, 0, 1], n // 4), np.repeat([0, 1], n // 2)
    >>> base = rng.normal(3.0, 1.0, (n, k))
    >>> y = 1.0 + 0.6 * base - 0.5 * diet[:, None] + rng.normal(0.0, 1.0, (n, k))
    >>> batch = ancova_batch(y, base, diet, exercise, estimand="factorial")
    >>> batch.estimate.shape, batch.df
    ((1000, 3), 195)
    >>> np.round(batch.estimate.mean(axis=0), 2)
    array([-0.5 ,  0.  ,  0.01])
    >>> round(float((batch.p_value[:, 1] < 0.05).mean()), 3)  # type I error of exercise
    0.059
    """
    if estimand not in ESTIMANDS:
        raise ModelError(f"unknown estimand {estimand!r}; use one of {', '.join(ESTIMANDS)}")
    if analysis not in ANALYSES:
        raise ModelError(f"unknown analysis {analysis!r}; use one of {', '.join(ANALYSES)}")
    Y = np.asarray(y, dtype=float)
    if Y.ndim == 1:
        Y = Y[:, None]
    if Y.ndim != 2:
        raise ModelError(f"y must be an (n, k) array; got shape {Y.shape}")
    n, k = Y.shape
    d = np.asarray(diet)
    e = np.asarray(exercise)
    if d.shape != (n,) or e.shape != (n,):
        raise ModelError(f"diet and exercise need {n} values, one per row of y")
    if not (np.isin(d, (0, 1)).all() and np.isin(e, (0, 1)).all()):
        raise ModelError("diet and exercise must be coded 0 (untreated) and 1 (treated)")
    B: np.ndarray | None = None
    if analysis != "followup":
        if baseline is None:
            raise ModelError(f"analysis={analysis!r} needs the baseline values")
        B = np.asarray(baseline, dtype=float)
        if B.ndim == 1:
            B = B[:, None]
        if B.shape[0] != n or B.shape[1] not in (1, k):
            raise ModelError(f"baseline must have shape ({n},) or ({n}, {k}); got {B.shape}")
    _require_finite(Y, "y")
    if B is not None:
        _require_finite(B, "baseline")
    if log:
        _require_positive(Y, "y")
        Y = np.log(Y)
        if B is not None:
            _require_positive(B, "baseline")
            B = np.log(B)
    if analysis == "change":
        Y = Y - computed(B, "the baseline")

    frame = pd.DataFrame({"diet": d.astype(np.int64), "exercise": e.astype(np.int64)})
    if covariates is not None:
        if len(covariates) != n:
            raise ModelError(f"covariates need {n} rows, one per row of y; got {len(covariates)}")
        for col in covariates.columns:
            values = covariates[col].to_numpy()
            if pd.isna(values).any():
                raise ModelError(f"covariate {col!r} has missing values; remove those subjects")
            frame[str(col)] = values
    codes = d.astype(np.int64) + 2 * e.astype(np.int64)
    arm_of = {dd + 2 * ee: arm for arm, (dd, ee) in ARM_CODES.items()}
    present = tuple(a for a in ARMS if a in {arm_of[c] for c in np.unique(codes)})
    if estimand not in possible_estimands(present):
        raise ModelError(
            f"estimand {estimand!r} cannot be estimated with arms {', '.join(present)}; "
            f"possible: {', '.join(possible_estimands(present)) or 'none'}"
        )
    spec = ModelSpec.for_estimand(estimand, present, frame, frame.columns[2:], baseline=False)
    Z = spec.matrix(frame)
    names = [c for c, _ in spec.columns()]
    q = Z.shape[1] + (1 if analysis == "ancova" else 0)
    if n <= q:
        raise ModelError(f"{n} subjects for a model with {q} parameters; at least {q + 1} needed")
    Q, R = np.linalg.qr(Z)
    diag = np.abs(np.diag(R))
    norms = np.linalg.norm(Z, axis=0)
    if np.any(diag < 1e-7 * norms):
        bad = names[int(np.flatnonzero(diag < 1e-7 * norms)[0])]
        raise ModelError(f"the model term {bad!r} is constant or collinear with the others")
    terms, L = _effect_rows(spec, estimand, present, frame)

    QtY = Q.T @ Y
    rY = Y - Q @ QtY
    s_yy = np.einsum("ij,ij->j", rY, rY)
    R_inv = linalg.solve_triangular(R, np.eye(R.shape[0]))
    LRi = L @ R_inv  # (m, q): l'(Z'Z)^{-1} l = |l' R^{-1}|^2
    base_var = np.einsum("ij,ij->i", LRi, LRi)
    df = n - q
    if analysis == "ancova":
        B = computed(B, "the baseline")
        QtB = Q.T @ B
        rB = B - Q @ QtB
        s_bb = np.einsum("ij,ij->j", rB, rB)
        if B.shape[1] == 1:
            s_by = rB[:, 0] @ rY
        else:
            s_by = np.einsum("ij,ij->j", rB, rY)
        norm_b = np.einsum("ij,ij->j", B, B)
        if np.any(s_bb <= 1e-14 * norm_b):
            bad_cols = np.flatnonzero(s_bb <= 1e-14 * norm_b)
            raise ModelError(
                f"baseline column(s) {_list(bad_cols)} are constant or collinear with the design"
            )
        beta = s_by / s_bb
        rss = s_yy - beta * s_by
        gamma = linalg.solve_triangular(R, QtY - QtB * beta)
        a = LRi @ QtB  # l' R^{-1} Q'b = l'(Z'Z)^{-1} Z'b
        var_scale = base_var[None, :] + (a.T**2) / s_bb[:, None]
    else:
        rss = s_yy
        gamma = linalg.solve_triangular(R, QtY)
        var_scale = np.broadcast_to(base_var[None, :], (k, len(terms)))
    tss = np.einsum("ij,ij->j", Y - Y.mean(axis=0), Y - Y.mean(axis=0))
    exact = np.flatnonzero((rss <= 1e-20 * tss) | (np.ptp(Y, axis=0) == 0))
    if exact.size:
        raise ModelError(
            f"response column(s) {_list(exact)} are constant or fitted exactly (zero residual "
            "variance)"
        )
    sigma2 = rss / df
    estimate = (L @ gamma).T  # (k, m)
    std_error = np.sqrt(sigma2[:, None] * var_scale)
    statistic, p_value, low, high = t_inference(estimate, std_error, np.array(float(df)), level)
    return AncovaBatch(
        terms=terms,
        estimate=estimate,
        std_error=std_error,
        df=int(df),
        statistic=statistic,
        p_value=p_value,
        conf_low=low,
        conf_high=high,
        residual_sd=np.sqrt(sigma2),
        estimand=estimand,
        analysis=analysis,
        log=log,
        level=level,
    )


def _effect_rows(
    spec: ModelSpec, estimand: str, present: tuple[str, ...], frame: pd.DataFrame
) -> tuple[tuple[str, ...], np.ndarray]:
    """Contrast rows over the shared columns: arm-mean differences (covariates cancel)."""
    arms = arm_frame()
    for col in frame.columns[2:]:
        arms[col] = frame[col].iloc[0]
    rows = spec.matrix(arms)  # (4, q), NaN for an arm the arms model lacks
    weights = effect_weights(estimand, present)
    has = ~np.isnan(rows[:, 0])
    return tuple(weights), np.array([w[has] @ rows[has] for w in weights.values()])


def _require_finite(values: np.ndarray, what: str) -> None:
    bad = ~np.isfinite(values)
    if bad.any():
        cols = np.flatnonzero(bad.any(axis=0))
        raise ModelError(
            f"{what} has {int(bad.sum())} missing or non-finite value(s) in column(s) "
            f"{_list(cols)}; the batched fit needs complete data (one design for every "
            "column). Fit columns with missing values one at a time with lt.ancova"
        )


def _require_positive(values: np.ndarray, what: str) -> None:
    bad = values <= 0
    if bad.any():
        cols = np.flatnonzero(bad.any(axis=0))
        raise ModelError(
            f"log=True needs positive values; {what} has {int(bad.sum())} value(s) <= 0 in "
            f"column(s) {_list(cols)}"
        )


def _list(cols: np.ndarray, limit: int = 10) -> str:
    shown = ", ".join(str(int(c)) for c in cols[:limit])
    return shown + (f" and {len(cols) - limit} more" if len(cols) > limit else "")
