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
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any, TypeVar

from threadpoolctl import ThreadpoolController

__all__ = ["SMALL_ROWS", "blas_threads", "fit_threads"]

F = TypeVar("F", bound=Callable[..., Any])

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


def fit_threads(function: F) -> F:
    """Run a model function whose first argument is the data (a table, or an object with
    a ``data`` table) in :func:`blas_threads` of its number of rows.

    Examples
    --------
    >>> import pandas as pd
    >>> @fit_threads
    ... def rows(data):
    ...     return len(data)
    >>> rows(pd.DataFrame({"y": [1.0, 2.0]}))
    2
    """

    @wraps(function)
    def wrapper(data: Any, *args: Any, **kwargs: Any) -> Any:
        table = getattr(data, "data", data)
        try:
            n_rows = len(table)
        except TypeError:  # not a table: the function says what it needs
            n_rows = 0
        with blas_threads(n_rows):
            return function(data, *args, **kwargs)

    return wrapper  # type: ignore[return-value]
