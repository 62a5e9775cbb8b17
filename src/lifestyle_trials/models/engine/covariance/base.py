"""The base class of covariance structures and helpers for their starting values.

A structure maps parameters to the ``T × T`` covariance matrix ``Σ`` of one subject's
outcomes at the ``T`` analysed visits. Its natural parameters ``psi`` are the ones reported
and differentiated for inference; its working parameters ``theta`` are unconstrained reals
for the optimiser (see :mod:`~lifestyle_trials.models.engine.covariance`).

References
----------
Squire W, Trapp G. Using complex variables to estimate derivatives of real functions.
SIAM Rev 1998;40:110-2. doi:10.1137/S003614459631241X
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ....trial import format_visit

__all__ = ["Structure", "off_diagonal", "start_variances"]

_STEP = 1e-30  # complex-step size: no subtractive cancellation, so any tiny step is exact

_SIMPLER: dict[str, str] = {
    "us": "'toeph', 'csh' or 'ar1h'",
    "toeph": "'toep' or 'ar1h'",
    "csh": "'cs'",
    "ar1h": "'ar1'",
    "toep": "'ar1' or 'cs'",
    "diag": "'cs'",
    "adh": "'ad', 'ar1h' or 'csh'",
    "ad": "'ar1' or 'cs'",
    "sp_exp": "'ar1' or 'cs'",
    "slope": "a random intercept only",
}
"""The simpler structures to suggest when a fit with a structure fails."""


@dataclass(frozen=True)
class Structure:
    """A covariance structure over the visits ``visits`` (base class).

    Attributes
    ----------
    visits : tuple of float
        The visits the structure spans, in order.
    """

    visits: tuple[float, ...]

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    linear: ClassVar[bool] = False
    """True when Σ is linear in psi (all second derivatives are zero)."""

    @property
    def n_visits(self) -> int:
        """Number of visits ``T``."""
        return len(self.visits)

    @property
    def n_params(self) -> int:
        """Number of covariance parameters."""
        return len(self.param_names())

    def labels(self) -> list[str]:
        """Visit labels used in parameter names."""
        return [format_visit(v) for v in self.visits]

    def param_names(self) -> tuple[str, ...]:
        """Names of the natural parameters ``psi``."""
        raise NotImplementedError

    def psi(self, theta: np.ndarray) -> np.ndarray:
        """Natural parameters from working parameters (complex-analytic)."""
        raise NotImplementedError

    def sigma(self, psi: np.ndarray) -> np.ndarray:
        """The ``T × T`` covariance matrix."""
        raise NotImplementedError

    def d_sigma(self, psi: np.ndarray) -> np.ndarray:
        """``∂Σ/∂ψ_k``, shape ``(K, T, T)``."""
        raise NotImplementedError

    def d2_sigma(self, psi: np.ndarray) -> np.ndarray:
        """``∂²Σ/∂ψ_k∂ψ_l``, shape ``(K, K, T, T)``."""
        k, t = self.n_params, self.n_visits
        return np.zeros((k, k, t, t))

    def start(self, s: np.ndarray) -> np.ndarray:
        """Working parameters that start the optimiser from an empirical covariance ``s``
        (``T × T``; NaN where two visits were never observed together)."""
        raise NotImplementedError

    @property
    def local(self) -> bool:
        """True when the engine takes each pattern's ``Σ`` from :meth:`sigma_at` (and its
        derivatives from :meth:`d_sigma_at`, :meth:`d2_sigma_at`) and its starting values
        from :meth:`start_local`, never forming the ``T × T`` matrix: a structure over
        many subject-specific times."""
        return False

    def sigma_at(self, psi: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """``Σ`` at the visit positions ``idx``, shape ``(k, k)``."""
        return self.sigma(psi)[np.ix_(idx, idx)]

    def d_sigma_at(self, psi: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """``∂Σ/∂ψ_k`` at the visit positions ``idx``, shape ``(K, k, k)``."""
        return self.d_sigma(psi)[:, idx][:, :, idx]

    def d2_sigma_at(self, psi: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """``∂²Σ/∂ψ_k∂ψ_l`` at the visit positions ``idx``, shape ``(K, K, k, k)``."""
        return self.d2_sigma(psi)[:, :, idx][:, :, :, idx]

    def start_local(self, stacks: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """Working parameters from the least-squares residuals of each subject, stacked by
        number of observations ``k``: ``(positions (S, k), residuals (S, k))`` (a
        :attr:`local` structure's alternative to :meth:`start`)."""
        raise NotImplementedError

    def jacobian(self, theta: np.ndarray) -> np.ndarray:
        """``∂ψ/∂θ``, shape ``(K, K)``, by complex-step differentiation."""
        theta = np.asarray(theta, dtype=float)
        steps = theta + 1j * _STEP * np.eye(theta.size)
        return np.stack([self.psi(row).imag / _STEP for row in steps], axis=1)

    def simpler_hint(self) -> str:
        """What to try when a fit with this structure fails."""
        simpler = _SIMPLER.get(self.name)
        if simpler is None:
            return "try another covariance structure"
        return f"try a simpler covariance structure ({simpler})"


def start_variances(s: np.ndarray) -> np.ndarray:
    """The variances on the diagonal of ``s``, the mean of the usable ones where a variance
    is missing or not positive.

    Parameters
    ----------
    s : ndarray of shape (T, T)
        An empirical covariance matrix (NaN allowed).

    Returns
    -------
    ndarray of shape (T,)

    Examples
    --------
    >>> start_variances(np.array([[2.0, 0.5], [0.5, np.nan]]))
    array([2., 2.])
    """
    var = np.diag(s).copy()
    return np.where(np.isfinite(var) & (var > 0), var, np.nanmean(var))


def off_diagonal(m: np.ndarray) -> np.ndarray:
    """The finite off-diagonal entries of a square matrix.

    Parameters
    ----------
    m : ndarray of shape (T, T)

    Returns
    -------
    ndarray of shape (n,)

    Examples
    --------
    >>> off_diagonal(np.array([[1.0, 0.5], [np.nan, 1.0]]))
    array([0.5])
    """
    off = m[~np.eye(m.shape[0], dtype=bool)]
    return off[np.isfinite(off)]
