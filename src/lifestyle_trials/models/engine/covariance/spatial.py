"""Spatial exponential covariance over times (``sp_exp``), common or subject-specific.

``Σ_ab = σ² exp(-d_ab / θ)`` with ``d_ab = |t_a - t_b|`` the distance between the times of
two observations of a subject (the times themselves, e.g. months since randomisation, not
their positions), as SAS's ``TYPE=SP(EXP)(time)``: ``psi = (σ², θ)``, ``θ > 0`` the range,
working parameters ``log σ²`` and ``log θ``. With equally spaced visits one unit apart this is
``ar1`` with ``ρ = exp(-1/θ) > 0``; with unequal spacing the correlation decays with the
time between observations. R mmrm's ``sp_exp`` reports ``ρ = exp(-1/θ)`` (the correlation at
distance 1) instead of ``θ``; the fits are the same.

Two ways to use it:

- ``SpatialExponential(visits)``: times common to all subjects (the visits' values); the
  engine slices each subject's ``Σ_i`` from the ``T × T`` matrix over the visits.
- ``SpatialExponential(times, coordinates=True)``: subject-specific times (R mmrm's
  ``sp_exp(time | subject)`` on a numeric column, SAS's ``SP(EXP)`` on a per-observation
  coordinate), ``times`` the distinct times of all observations, which may all differ
  (continuous times such as days since randomisation). The structure is :attr:`local`:
  the engine computes each subject's ``Σ_i`` (and its derivatives) from the distances
  between that subject's own times (:meth:`sigma_at`, batched over the subjects with the
  same number of observations in
  :mod:`~lifestyle_trials.models.engine.subject_times`), and the starting values from the
  residual products of consecutive observations within subjects (:meth:`start_local`), so
  no ``T × T`` matrix is formed however many distinct times there are. With times common
  to all subjects the fit equals that of the first form.

Within a subject the times must differ: two observations at one time have correlation 1 and
a singular ``Σ_i`` (the formula interface refuses them, naming the subject and time).

References
----------
Littell RC, Pendergast J, Natarajan R. Modelling covariance structure in the analysis of
repeated measures data. Stat Med 2000;19:1793-819.
doi:10.1002/1097-0258(20000715)19:13<1793::AID-SIM482>3.0.CO;2-Q
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

import numpy as np

from .correlated import Correlated, lag_means

__all__ = ["SpatialExponential"]


@dataclass(frozen=True)
class SpatialExponential(Correlated):
    """``sp_exp``: ``σ² exp(-|t_a - t_b| / θ)`` over the times ``t``.

    Attributes
    ----------
    visits : tuple of float
        The times, increasing (with ``coordinates``, the distinct times of all observations).
    coordinates : bool, default False
        Subject-specific times: each pattern's ``Σ_i`` is computed from its own times
        (:attr:`local`), never the ``T × T`` matrix.

    Examples
    --------
    >>> s = SpatialExponential((0.0, 1.0, 3.0))
    >>> s.param_names()
    ('var', 'range')
    >>> s.sigma(np.array([2.0, 1.0 / np.log(2.0)]))
    array([[2.  , 1.  , 0.25],
           [1.  , 2.  , 0.5 ],
           [0.25, 0.5 , 2.  ]])

    Subject-specific times: a subject seen at times 0.5 and 3.5 of the distinct times
    (0.5, 1.2, 3.5), positions 0 and 2:

    >>> s = SpatialExponential((0.5, 1.2, 3.5), coordinates=True)
    >>> s.sigma_at(np.array([2.0, 3.0 / np.log(2.0)]), np.array([0, 2]))
    array([[2., 1.],
           [1., 2.]])
    """

    coordinates: bool = False

    name: ClassVar[str] = "sp_exp"
    description: ClassVar[str] = "spatial exponential"
    heterogeneous: ClassVar[bool] = False

    @property
    def local(self) -> bool:
        """True with subject-specific times (``coordinates``)."""
        return self.coordinates

    @cached_property
    def _times(self) -> np.ndarray:
        return np.asarray(self.visits, dtype=float)

    def _distance(self) -> np.ndarray:
        t = self._times
        return np.abs(t[:, None] - t[None, :])

    def _distance_at(self, idx: np.ndarray) -> np.ndarray:
        t = self._times[idx]
        return np.abs(t[..., :, None] - t[..., None, :])

    def _rho_names(self) -> list[str]:
        return ["range"] if self.n_visits > 1 else []

    def _rho(self, z: np.ndarray) -> np.ndarray:
        return np.exp(z)

    def _z(self, rho: np.ndarray) -> np.ndarray:
        return np.log(rho)

    def _corr(self, rho: np.ndarray) -> np.ndarray:
        if self.n_visits == 1:
            return np.ones((1, 1))
        return np.exp(-self._distance() / rho[0])

    def _d_corr(self, rho: np.ndarray) -> np.ndarray:
        if self.n_visits == 1:
            return np.zeros((0, 1, 1))
        return _d_corr(self._distance(), rho[0])[None]

    def _d2_corr(self, rho: np.ndarray) -> np.ndarray:
        if self.n_visits == 1:
            return np.zeros((0, 0, 1, 1))
        return _d2_corr(self._distance(), rho[0])[None, None]

    def _start_rho(self, corr: np.ndarray) -> np.ndarray:
        if self.n_visits == 1:
            return np.zeros(0)
        r = float(np.clip(lag_means(corr)[0], 0.05, 0.95))
        gap = float(np.mean(np.diff(np.asarray(self.visits, dtype=float))))
        return np.array([-gap / np.log(r)])

    # -- subject-specific times: Σ_i from the pattern's own distances -----------------------

    def _scale(self, psi: np.ndarray) -> float:
        sd = float(np.sqrt(psi[0]))
        return sd * sd  # as Correlated.sigma's outer(sd, sd), to the last bit

    def sigma_at(self, psi: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """``Σ`` at the positions ``idx``: shape ``(k, k)``, or ``(S, k, k)`` for the rows
        of a 2-D ``idx`` (``S`` subjects, ``k`` times each) with ``coordinates``."""
        if not self.coordinates:
            return super().sigma_at(psi, idx)
        d = self._distance_at(idx)
        scale = self._scale(psi)
        if self.n_visits == 1:
            return scale * np.ones_like(d)
        return scale * np.exp(-d / psi[1])

    def d_sigma_at(self, psi: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """``∂Σ/∂ψ`` at ``idx``: shape ``(K, k, k)``, or ``(K, S, k, k)`` (see
        :meth:`sigma_at`)."""
        if not self.coordinates:
            return super().d_sigma_at(psi, idx)
        d = self._distance_at(idx)
        if self.n_visits == 1:
            return np.ones((1, *d.shape))
        theta = psi[1]
        return np.stack([np.exp(-d / theta), self._scale(psi) * _d_corr(d, theta)])

    def d2_sigma_at(self, psi: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """``∂²Σ/∂ψ∂ψ`` at ``idx``: shape ``(K, K, k, k)``, or ``(K, K, S, k, k)`` (see
        :meth:`sigma_at`)."""
        if not self.coordinates:
            return super().d2_sigma_at(psi, idx)
        d = self._distance_at(idx)
        if self.n_visits == 1:
            return np.zeros((1, 1, *d.shape))
        theta = psi[1]
        out = np.zeros((2, 2, *d.shape))
        cross = _d_corr(d, theta)
        out[0, 1] = cross
        out[1, 0] = cross
        out[1, 1] = self._scale(psi) * _d2_corr(d, theta)
        return out

    def start_local(self, stacks: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """``log σ²`` from the mean squared residual; ``log θ`` from the mean correlation
        ``r`` (clipped to 0.05..0.95) of consecutive observations within subjects and their
        mean distance ``d``: ``θ = -d / log r``.

        Examples
        --------
        >>> s = SpatialExponential((0.0, 1.0, 2.0), coordinates=True)
        >>> residuals = np.array([[1.0, 2.0], [1.0, 0.0]])  # two subjects at times 0 and 1
        >>> np.exp(s.start_local([(np.array([[0, 1], [0, 1]]), residuals)])).round(4)
        array([1.5   , 2.4663])
        """
        total = sum(float(np.sum(r**2)) for _, r in stacks)
        count = sum(r.size for _, r in stacks)
        var = total / count if count and total > 0 else 1.0
        if self.n_visits == 1:
            return np.log([var])
        pairs = [(r[:, :-1] * r[:, 1:], np.diff(self._times[idx], axis=1)) for idx, r in stacks]
        n_pairs = sum(prod.size for prod, _ in pairs)
        if n_pairs:
            mean = sum(float(prod.sum()) for prod, _ in pairs) / (n_pairs * var)
            r = float(np.clip(mean, 0.05, 0.95))
            gap = sum(float(gaps.sum()) for _, gaps in pairs) / n_pairs
        else:  # no subject with two observations: the range is not informed by the data
            r, gap = 0.5, float(np.mean(np.diff(self._times)))
        return np.log([var, -gap / np.log(r)])


def _d_corr(d: np.ndarray, theta: float) -> np.ndarray:
    """``∂/∂θ exp(-d/θ)``."""
    return d / theta**2 * np.exp(-d / theta)


def _d2_corr(d: np.ndarray, theta: float) -> np.ndarray:
    """``∂²/∂θ² exp(-d/θ)``."""
    return (d**2 / theta**4 - 2.0 * d / theta**3) * np.exp(-d / theta)
