"""Integer codes of a column in order of first appearance, fast for Arrow-backed text."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["factorize"]

_STR = pd.StringDtype("pyarrow", na_value=np.nan)
"""pandas' default string dtype (``str``), in which the distinct values are returned."""


def factorize(values: pd.Series | np.ndarray) -> tuple[np.ndarray, Any]:
    """Codes (int64, -1 for missing) in order of first appearance, and the distinct values.

    Text held by pyarrow (pandas' default string dtype) is dictionary-encoded by pyarrow
    itself and its distinct values stay in Arrow (no Python string per value); anything else
    goes through :func:`pandas.factorize`.

    Examples
    --------
    >>> codes, uniques = factorize(pd.Series(["b", "a", "b", None], dtype="str"))
    >>> codes.tolist(), list(uniques)
    ([0, 1, 0, -1], ['b', 'a'])
    """
    chunked = getattr(getattr(values, "array", None), "_pa_array", None)
    if isinstance(chunked, pa.ChunkedArray) and (
        pa.types.is_string(chunked.type) or pa.types.is_large_string(chunked.type)
    ):
        encoded = chunked.combine_chunks().dictionary_encode()
        codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
        uniques = pd.arrays.ArrowStringArray(encoded.dictionary, dtype=_STR)
        return codes.astype(np.int64, copy=False), pd.Index(uniques)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes.astype(np.int64, copy=False), uniques
