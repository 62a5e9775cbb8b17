"""The covariance structures by name: what ``mmrm(covariance=...)`` and random effects ask for."""

from __future__ import annotations

from ....errors import ModelError
from .autoregressive import AutoRegressive, AutoRegressiveHet
from .base import Structure
from .compound import CompoundSymmetry, CompoundSymmetryHet
from .random_effects import RandomIntercept, RandomSlope
from .toeplitz import Toeplitz, ToeplitzHet
from .unstructured import Diagonal, Unstructured

__all__ = ["STRUCTURES", "structure"]

STRUCTURES: tuple[str, ...] = ("us", "cs", "csh", "ar1", "ar1h", "toep", "toeph", "diag")
"""Names of the covariance structures accepted by ``mmrm(covariance=...)``."""

_REGISTRY: dict[str, type[Structure]] = {
    cls.name: cls
    for cls in (
        Unstructured,
        CompoundSymmetry,
        CompoundSymmetryHet,
        AutoRegressive,
        AutoRegressiveHet,
        Toeplitz,
        ToeplitzHet,
        Diagonal,
        RandomIntercept,
        RandomSlope,
    )
}


def structure(name: str, visits: tuple[float, ...]) -> Structure:
    """The covariance structure called ``name`` over ``visits``.

    Parameters
    ----------
    name : str
        One of :data:`STRUCTURES` (``"us"``, ``"cs"``, ``"csh"``, ``"ar1"``, ``"ar1h"``,
        ``"toep"``, ``"toeph"``, ``"diag"``), or ``"intercept"``/``"slope"`` for the
        structures implied by random effects.
    visits : tuple of float

    Returns
    -------
    Structure

    Raises
    ------
    ModelError
        An unknown name.

    Examples
    --------
    >>> import numpy as np
    >>> s = structure("ar1", (3.0, 6.0, 12.0))
    >>> s.param_names()
    ('var', 'rho')
    >>> s.sigma(np.array([2.0, 0.5]))
    array([[2. , 1. , 0.5],
           [1. , 2. , 1. ],
           [0.5, 1. , 2. ]])
    """
    key = str(name).lower()
    if key not in _REGISTRY:
        raise ModelError(
            f"unknown covariance structure {name!r}; use one of {', '.join(STRUCTURES)}"
        )
    return _REGISTRY[key](tuple(float(v) for v in visits))
