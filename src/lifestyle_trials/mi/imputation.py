"""``lt.mi.impute``: complete the data from each fit of the imputation model.

For a subject with missing values ``q`` and observed values ``o`` (including values observed
after an event, which the fit left out but the imputation conditions on, as rbmi does), the
mean ``μ`` over the visits from its strategy (:mod:`lifestyle_trials.mi.strategies`) and the
model's covariance ``Σ`` give the conditional distribution::

    y_q | y_o ~ N( μ_q + Σ_qo Σ_oo⁻¹ (y_o − μ_o),  Σ_qq − Σ_qo Σ_oo⁻¹ Σ_oq )

``condmean`` imputes its mean; ``approxbayes`` and ``bmlmi`` draw from it. The work is
vectorised over fits and subjects: one batched solve per missingness pattern.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..errors import MIError
from .drawing import Draws
from .strategies import Strategy, resolve

__all__ = ["Imputed", "impute"]


@dataclass(frozen=True, eq=False)
class Imputed:
    """Completed datasets of :func:`impute`.

    Attributes
    ----------
    draws : Draws
    strategy : ndarray of object (n,)
        Each subject's strategy (a name, or the user's function) for the values from its
        event on; "MAR" for subjects without an event.
    is_mar : ndarray of bool (n, T)
    references : dict
        Arm → reference arm.
    index : tuple of ndarray
        Subject rows of each completed dataset (the resample it belongs to).
    values : tuple of ndarray
        Each dataset's values at the modelled visits, shape ``(len(index[d]), T)``.
    """

    draws: Draws
    strategy: np.ndarray
    is_mar: np.ndarray
    references: dict[str, str]
    index: tuple[np.ndarray, ...]
    values: tuple[np.ndarray, ...]

    @property
    def n_datasets(self) -> int:
        """Number of completed datasets."""
        return len(self.values)

    def __repr__(self) -> str:
        names = sorted({s if isinstance(s, str) else "user" for s in self.strategy})
        return (
            f"Imputed({self.draws.data.outcome}: {self.n_datasets} datasets, "
            f"{int(self.draws.data.missing.sum())} values imputed; strategies "
            f"{', '.join(names)})"
        )


def _references(arms: tuple[str, ...], references: Mapping[str, str] | None) -> dict[str, str]:
    refs = {a: a for a in arms}
    for arm, ref in (references or {}).items():
        for name in (arm, ref):
            if name not in arms:
                raise MIError(
                    f"references: arm {name!r} is not in the trial; arms: {', '.join(arms)}"
                )
        refs[arm] = ref
    return refs


def _strategies(
    draws: Draws, strategy: str | Strategy | None, refs: dict[str, str], given: set[str]
) -> np.ndarray:
    data, events = draws.data, draws.events
    if strategy is not None:
        resolve(strategy)  # an unknown name raises even when nothing is missing
    n, t = data.values.shape
    has_event = events.index < t
    out = np.full(n, "MAR", dtype=object)
    for i in np.flatnonzero(has_event):
        chosen = strategy if strategy is not None else events.strategy[i]
        out[i] = "MAR" if chosen is None else chosen
    for s in {x for x in out if isinstance(x, str)}:
        resolve(s)  # unknown names raise here
    after = np.arange(t)[None, :] >= events.index[:, None]
    locked = (~data.missing & after).any(axis=1)
    is_mar_now = np.array([s == "MAR" for s in out])
    clash = locked & (is_mar_now != draws.fit_mar)
    if clash.any():
        who = ", ".join(data.subjects[clash][:10])
        raise MIError(
            f"subject(s) {who} have values observed after their event, which the imputation "
            "model used or left out according to the strategy in the event table; a strategy "
            "that changes between MAR and non-MAR needs new draws: put it in the ice table"
        )
    needs_ref = has_event & np.array([s not in ("MAR", "LMCF") for s in out])
    arm_names = np.asarray(data.arms, dtype=object)[data.arm]
    missing_ref = needs_ref & np.array([a not in given for a in arm_names])
    if missing_ref.any():
        arms = sorted(set(arm_names[missing_ref]))
        raise MIError(
            f"a non-MAR strategy needs a reference arm for arm(s) {', '.join(arms)}; pass "
            "references={arm: reference arm}"
        )
    return out


def impute(
    draws: Draws,
    strategy: str | Strategy | None = None,
    references: Mapping[str, str] | None = None,
) -> Imputed:
    """Complete the data from each fit in ``draws``.

    Parameters
    ----------
    draws : Draws
    strategy : {"MAR", "JR", "CR", "CIR", "LMCF"} or callable, optional
        The strategy for the values from each subject's event on (a callable is
        ``f(mu_own, mu_ref, is_mar) -> mu``, see :mod:`lifestyle_trials.mi.strategies`).
        Default: the ``strategy`` column of the event table, else MAR.
    references : dict, optional
        Arm → reference arm, for the arms whose subjects have non-MAR strategies (an arm
        named as a reference is its own reference unless mapped otherwise).

    Returns
    -------
    Imputed

    Raises
    ------
    MIError
        An unknown strategy or arm, a missing reference, an LMCF event with no visit
        before it.

    Examples
    --------
    >>> import lifestyle_trials as lt
    >>> trial = lt.simulate_odes(seed=3, n_per_arm=(15,) * 4, visits=(0, 3, 6, 12), dropout=0.2)
    >>> d = lt.mi.draws(trial, "homa_ir", log=True)
    >>> lt.mi.impute(d, "JR", references={"diet": "control", "exercise": "control",
    ...                                   "diet+exercise": "control"})
    Imputed(homa_ir: 61 datasets, 21 values imputed; strategies JR, MAR)
    """
    data = draws.data
    refs = _references(data.arms, references)
    given = set((references or {}).keys()) | set((references or {}).values())
    strategies = _strategies(draws, strategy, refs, given)
    n, t = data.values.shape
    is_mar = draws.events.is_mar(
        np.array(["MAR" if s == "MAR" else "other" for s in strategies], dtype=object), t
    )
    betas = np.stack([f.beta for f in draws.fits])  # (m, p)
    sigmas = np.stack([f.sigma for f in draws.fits])  # (m, T, T)
    ref_pos = np.array([data.arms.index(refs[data.arms[a]]) for a in data.arm])
    x_ref = draws.matrices.x_arm[ref_pos, np.arange(n)]
    mu_own = np.einsum("ntp,mp->mnt", draws.matrices.x, betas)
    mu_ref = np.einsum("ntp,mp->mnt", x_ref, betas)
    missing = data.missing
    need = missing.any(axis=1)
    mu = mu_own.copy()
    # strategies: one call per (strategy, event visit)
    keys: dict[tuple, list[int]] = {}
    for i in np.flatnonzero(need):
        s = strategies[i]
        keys.setdefault(
            (s if isinstance(s, str) else id(s), int(draws.events.index[i])), []
        ).append(int(i))
    for (_, _), members in keys.items():
        rows = np.asarray(members)
        fn = resolve(strategies[rows[0]])
        mu[:, rows] = fn(mu_own[:, rows], mu_ref[:, rows], is_mar[rows[0]])

    cond = np.where(missing[None], mu, data.values[None])  # (m, n, T)
    chol_by_pattern: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    patterns, inverse = np.unique(missing[need], axis=0, return_inverse=True)
    need_rows = np.flatnonzero(need)
    for g, pattern in enumerate(patterns):
        rows = need_rows[inverse.ravel() == g]
        q, o = np.flatnonzero(pattern), np.flatnonzero(~pattern)
        s_qq = sigmas[:, q][:, :, q]
        if o.size:
            s_qo = sigmas[:, q][:, :, o]
            s_oo = sigmas[:, o][:, :, o]
            gain = np.linalg.solve(s_oo, np.swapaxes(s_qo, 1, 2)).swapaxes(1, 2)  # (m, q, o)
            resid = data.values[rows][:, o][None] - mu[:, rows][:, :, o]  # (m, s, o)
            cond[:, rows[:, None], q[None, :]] = mu[:, rows][:, :, q] + np.einsum(
                "mqo,mso->msq", gain, resid
            )
            cov = s_qq - gain @ np.swapaxes(s_qo, 1, 2)
        else:
            cov = s_qq
        if draws.method != "condmean":
            chol_by_pattern.append((rows, q, np.linalg.cholesky(0.5 * (cov + cov.mT))))

    if draws.method == "condmean":
        index = draws.samples
        values = tuple(cond[f][idx] for f, idx in enumerate(index))
    else:
        # the children of the draws' stream, built without spawning (which advances the
        # parent): every call imputes with the same streams, whatever was imputed before
        root = draws.impute_seed
        streams = [
            np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, f))
            for f in range(len(draws.fits))
        ]
        which = np.full(n, -1)
        index_out: list[np.ndarray] = []
        values_out: list[np.ndarray] = []
        for f, idx in enumerate(draws.samples):
            rng = np.random.default_rng(streams[f])
            for _ in range(draws.n_imputations):
                filled = cond[f][idx].copy()
                for g, (rows, q, chol) in enumerate(chol_by_pattern):
                    which[rows] = g
                    at = np.flatnonzero(which[idx] == g)
                    z = rng.standard_normal((at.size, q.size))
                    filled[at[:, None], q[None, :]] += z @ chol[f].T
                    which[rows] = -1
                index_out.append(idx)
                values_out.append(filled)
        index, values = tuple(index_out), tuple(values_out)
    return Imputed(
        draws=draws,
        strategy=strategies,
        is_mar=is_mar,
        references=refs,
        index=tuple(index),
        values=values,
    )
