"""One covariance matrix per group of subjects (R mmrm's ``us(AVISIT | ARMCD / USUBJID)``,
SAS's ``REPEATED ... / GROUP=``).

A :class:`Grouped` structure over ``G`` groups and ``T`` visits is an ordinary structure over
``G × T`` positions: position ``g T + a`` is visit ``a`` of a subject in group ``g``, and
``Σ`` is block diagonal, ``Σ_g(ψ_g)`` in block ``g`` (each group its own parameters, of the
same base structure). Subjects of different groups never share a missingness pattern, so the
grouped-by-pattern likelihood, its derivatives and all inference apply unchanged: give
:func:`~lifestyle_trials.models.engine.reml.group_by_pattern` the positions
:func:`grouped_positions` and ``G × T`` visits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from .base import Structure

__all__ = ["Grouped", "grouped", "grouped_positions"]


@dataclass(frozen=True)
class Grouped(Structure):
    """``Σ = diag(Σ_1(ψ_1), ..., Σ_G(ψ_G))`` over ``G × T`` positions, ``psi = (ψ_1, ..., ψ_G)``.

    Build it with :func:`grouped`.
    """

    base: Structure = field(default=None)  # type: ignore[assignment]
    groups: tuple[str, ...] = ()

    name: ClassVar[str] = "grouped"

    @property
    def description(self) -> str:  # type: ignore[override]
        return f"{self.base.description} (one per group)"

    @property
    def linear(self) -> bool:  # type: ignore[override]
        return self.base.linear

    def _k(self) -> int:
        return self.base.n_params

    def _t(self) -> int:
        return self.base.n_visits

    def param_names(self) -> tuple[str, ...]:
        return tuple(f"{g}:{n}" for g in self.groups for n in self.base.param_names())

    def labels(self) -> list[str]:
        return [f"{g}:{v}" for g in self.groups for v in self.base.labels()]

    def psi(self, theta: np.ndarray) -> np.ndarray:
        k = self._k()
        return np.concatenate(
            [self.base.psi(theta[g * k : (g + 1) * k]) for g in range(len(self.groups))]
        )

    def sigma(self, psi: np.ndarray) -> np.ndarray:
        k, t, n = self._k(), self._t(), len(self.groups)
        out = np.zeros((n * t, n * t))
        for g in range(n):
            out[g * t : (g + 1) * t, g * t : (g + 1) * t] = self.base.sigma(
                psi[g * k : (g + 1) * k]
            )
        return out

    def d_sigma(self, psi: np.ndarray) -> np.ndarray:
        k, t, n = self._k(), self._t(), len(self.groups)
        out = np.zeros((n * k, n * t, n * t))
        for g in range(n):
            block = self.base.d_sigma(psi[g * k : (g + 1) * k])
            out[g * k : (g + 1) * k, g * t : (g + 1) * t, g * t : (g + 1) * t] = block
        return out

    def d2_sigma(self, psi: np.ndarray) -> np.ndarray:
        k, t, n = self._k(), self._t(), len(self.groups)
        out = np.zeros((n * k, n * k, n * t, n * t))
        for g in range(n):
            block = self.base.d2_sigma(psi[g * k : (g + 1) * k])
            sk, st = slice(g * k, (g + 1) * k), slice(g * t, (g + 1) * t)
            out[sk, sk, st, st] = block
        return out

    def start(self, s: np.ndarray) -> np.ndarray:
        t = self._t()
        return np.concatenate(
            [
                self.base.start(s[g * t : (g + 1) * t, g * t : (g + 1) * t])
                for g in range(len(self.groups))
            ]
        )

    def simpler_hint(self) -> str:
        return self.base.simpler_hint() + " or one covariance for all groups"

    # -- a local base (subject-specific times): each subject's Σ_i from its group's ψ_g ------

    @property
    def local(self) -> bool:
        return self.base.local

    def _by_group(self, idx: np.ndarray) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """``(g, rows, base positions)`` of the rows of a 2-D ``idx`` in each group ``g``
        (all positions of a row lie in one group)."""
        t = self._t()
        group = idx[:, 0] // t
        return [(int(g), group == g, idx[group == g] - g * t) for g in np.unique(group)]

    def sigma_at(self, psi: np.ndarray, idx: np.ndarray) -> np.ndarray:
        if not self.local:
            return super().sigma_at(psi, idx)
        rows2 = np.atleast_2d(idx)
        k = self._k()
        out = np.zeros((*rows2.shape, rows2.shape[1]))
        for g, rows, pos in self._by_group(rows2):
            out[rows] = self.base.sigma_at(psi[g * k : (g + 1) * k], pos)
        return out if idx.ndim == 2 else out[0]

    def d_sigma_at(self, psi: np.ndarray, idx: np.ndarray) -> np.ndarray:
        if not self.local:
            return super().d_sigma_at(psi, idx)
        rows2 = np.atleast_2d(idx)
        k = self._k()
        out = np.zeros((self.n_params, *rows2.shape, rows2.shape[1]))
        for g, rows, pos in self._by_group(rows2):
            out[g * k : (g + 1) * k, rows] = self.base.d_sigma_at(psi[g * k : (g + 1) * k], pos)
        return out if idx.ndim == 2 else out[:, 0]

    def d2_sigma_at(self, psi: np.ndarray, idx: np.ndarray) -> np.ndarray:
        if not self.local:
            return super().d2_sigma_at(psi, idx)
        rows2 = np.atleast_2d(idx)
        k = self._k()
        out = np.zeros((self.n_params, self.n_params, *rows2.shape, rows2.shape[1]))
        for g, rows, pos in self._by_group(rows2):
            sl = slice(g * k, (g + 1) * k)
            out[sl, sl, rows] = self.base.d2_sigma_at(psi[sl], pos)
        return out if idx.ndim == 2 else out[:, :, 0]

    def start_local(self, stacks: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        by_group: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in self.groups]
        for idx, resid in stacks:
            for g, rows, pos in self._by_group(idx):
                by_group[g].append((pos, resid[rows]))
        return np.concatenate([self.base.start_local(part) for part in by_group])


def grouped(base: Structure, groups: tuple[str, ...]) -> Grouped:
    """The structure ``base`` with its own parameters in each of ``groups``.

    Examples
    --------
    >>> from lifestyle_trials.models.engine.covariance import structure
    >>> s = grouped(structure("ar1", (1.0, 2.0)), ("PBO", "TRT"))
    >>> s.param_names()
    ('PBO:var', 'PBO:rho', 'TRT:var', 'TRT:rho')
    >>> s.sigma(np.array([1.0, 0.5, 2.0, 0.0]))
    array([[1. , 0.5, 0. , 0. ],
           [0.5, 1. , 0. , 0. ],
           [0. , 0. , 2. , 0. ],
           [0. , 0. , 0. , 2. ]])
    """
    labels = tuple(str(g) for g in groups)
    return Grouped(visits=tuple(base.visits) * len(labels), base=base, groups=labels)


def grouped_positions(visit: np.ndarray, group: np.ndarray, n_visits: int) -> np.ndarray:
    """Positions ``g T + a`` of rows at visit position ``a`` in group number ``g``.

    Examples
    --------
    >>> grouped_positions(np.array([0, 1, 0]), np.array([0, 0, 1]), 2)
    array([0, 1, 2])
    """
    return np.asarray(group, dtype=np.int64) * n_visits + np.asarray(visit, dtype=np.int64)
