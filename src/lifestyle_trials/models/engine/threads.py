"""BLAS threads for model fits: one thread for small problems.

The matrix products of a fit of a few thousand observations take well under a millisecond
each; handing them to several BLAS threads costs more in starting and synchronising the
threads than it saves. Even at 100,000 subjects (360,000 rows) the largest product, the
cross-products of the design over subjects, takes tens of milliseconds on one thread, while
on a machine whose cores are busy with other work a second thread waiting for a core made the
grouping several times slower (measured on 2 shared cores). A fit below :data:`SMALL_ROWS`
observations therefore runs its products on one thread; larger fits keep the BLAS library's
own setting. Results do not depend on the number of threads beyond rounding.
"""

from __future__ import annotations

import contextlib
from functools import lru_cache
from typing import Any

from threadpoolctl import ThreadpoolController

__all__ = ["SMALL_ROWS", "blas_threads"]

SMALL_ROWS = 1_000_000
"""Observations below which a fit runs its matrix products on one BLAS thread."""


@lru_cache(maxsize=1)
def _controller() -> ThreadpoolController:
    return ThreadpoolController()


def blas_threads(n_rows: int) -> contextlib.AbstractContextManager[Any]:
    """A context in which a fit of ``n_rows`` observations runs its matrix products: one
    BLAS thread below :data:`SMALL_ROWS` rows, the library's setting otherwise.

    Parameters
    ----------
    n_rows : int
        Number of observations of the fit.

    Returns
    -------
    context manager

    Examples
    --------
    >>> import numpy as np
    >>> with blas_threads(1_000):
    ...     float(np.ones((3, 3)) @ np.ones(3) @ np.ones(3))
    9.0
    """
    if n_rows >= SMALL_ROWS:
        return contextlib.nullcontext()
    return _controller().limit(limits=1, user_api="blas")
