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
