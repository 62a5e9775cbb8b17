"""First-order autoregressive correlation ``ρ^|a-b|`` (``ar1``, ``ar1h``).

The lag is the difference of visit positions, not the time between visits, as nlme's
``corAR1(form = ~ index | subject)`` and SAS's ``TYPE=AR(1)`` have it. The working
parameter of ``ρ`` is ``arctanh ρ``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .correlated import Correlated, lag_means, lags

__all__ = ["AutoRegressive", "AutoRegressiveHet"]


@dataclass(frozen=True)
class AutoRegressiveHet(Correlated):
    """``ar1h``: one variance per visit, correlation ``ρ^|a-b|`` (``ρ = tanh θ``)."""

    name: ClassVar[str] = "ar1h"
    description: ClassVar[str] = "heterogeneous first-order autoregressive"
    heterogeneous: ClassVar[bool] = True

    def _rho(self, z: np.ndarray) -> np.ndarray:
        return np.tanh(z)

    def _z(self, rho: np.ndarray) -> np.ndarray:
        return np.arctanh(rho)

    def _corr(self, rho: np.ndarray) -> np.ndarray:
        if self.n_visits == 1:
            return np.ones((1, 1))
        return rho[0] ** lags(self.n_visits)

    def _d_corr(self, rho: np.ndarray) -> np.ndarray:
        if self.n_visits == 1:
            return np.zeros((0, 1, 1))
        lag = lags(self.n_visits)
        return (lag * rho[0] ** np.maximum(lag - 1, 0))[None]

    def _d2_corr(self, rho: np.ndarray) -> np.ndarray:
        if self.n_visits == 1:
            return np.zeros((0, 0, 1, 1))
        lag = lags(self.n_visits)
        return (lag * (lag - 1) * rho[0] ** np.maximum(lag - 2, 0))[None, None]

    def _start_rho(self, corr: np.ndarray) -> np.ndarray:
        if self.n_visits == 1:
            return np.zeros(0)
        return np.clip(lag_means(corr)[:1], -0.9, 0.9)


@dataclass(frozen=True)
class AutoRegressive(AutoRegressiveHet):
    """``ar1``: a common variance, correlation ``ρ^|a-b|``."""

    name: ClassVar[str] = "ar1"
    description: ClassVar[str] = "first-order autoregressive"
    heterogeneous: ClassVar[bool] = False
