"""Integer codes of a column in order of first appearance, fast for Arrow-backed text."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["ARROW_TEXT", "factorize"]

ARROW_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)
"""pandas' default string dtype (``str``), held by pyarrow; distinct text is returned in it."""


def factorize(values: pd.Series | np.ndarray) -> tuple[np.ndarray, Any]:
    """Codes (int64, -1 for missing) in order of first appearance, and the distinct values.

    Text held by pyarrow (pandas' default string dtype) is encoded by pyarrow itself, and
    its distinct values stay in Arrow (no Python string per value). Where values come in
    runs of equal neighbours (a subject's rows one after another), each run is encoded once;
    values (or runs) in increasing order (as text, or as numbers written without leading
    zeros) are distinct without a hash look-up. Anything else goes through
    :func:`pandas.factorize`.

    Examples
    --------
    >>> codes, uniques = factorize(pd.Series(["b", "a", "a", "b", None], dtype="str"))
    >>> codes.tolist(), list(uniques)
    ([0, 1, 1, 0, -1], ['b', 'a'])
    >>> codes, uniques = factorize(pd.Series(["a", "a", "b", "c", "c"], dtype="str"))
    >>> codes.tolist(), list(uniques)
    ([0, 0, 1, 2, 2], ['a', 'b', 'c'])
    >>> codes, uniques = factorize(pd.Series(["9", "9", "10", "11", "11"], dtype="str"))
    >>> codes.tolist(), list(uniques)
    ([0, 0, 1, 2, 2], ['9', '10', '11'])
    """
    chunked = getattr(getattr(values, "array", None), "_pa_array", None)
    if isinstance(chunked, pa.ChunkedArray) and (
        pa.types.is_string(chunked.type) or pa.types.is_large_string(chunked.type)
    ):
        return _factorize_text(chunked.combine_chunks())
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes.astype(np.int64, copy=False), uniques


def _factorize_text(text: pa.Array) -> tuple[np.ndarray, pd.Index]:
    n = len(text)
    starts = None
    heads = text
    if n > 1:
        change = pc.fill_null(pc.not_equal(text.slice(1), text.slice(0, n - 1)), True)
        run_starts = np.flatnonzero(np.append(True, change.to_numpy(zero_copy_only=False)))
        if 2 * len(run_starts) <= n:  # runs worth encoding once each
            starts = run_starts
            heads = text.take(pa.array(starts))
    if heads.null_count == 0 and _increasing(heads):
        codes = np.arange(len(heads), dtype=np.int64)
        dictionary = heads
    else:
        encoded = heads.dictionary_encode()
        codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
        codes = codes.astype(np.int64, copy=False)
        dictionary = encoded.dictionary
    if starts is not None:
        codes = np.repeat(codes, np.diff(np.append(starts, n)))
    return codes, pd.Index(pd.arrays.ArrowStringArray(dictionary, dtype=ARROW_TEXT))


def _increasing(text: pa.Array) -> bool:
    """True when the values increase, by their bytes or by their length and then their bytes
    (numbers written without leading zeros, in numeric order): then they are all distinct."""
    m = len(text)
    if m < 2:
        return True
    less = pc.less(text.slice(0, m - 1), text.slice(1))
    if pc.all(less).as_py():
        return True
    longer = np.diff(pc.binary_length(text).to_numpy(zero_copy_only=False))
    return bool(np.all((longer > 0) | ((longer == 0) & less.to_numpy(zero_copy_only=False))))
