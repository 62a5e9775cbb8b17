"""SHA-256 checksums of files and tables, for provenance."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

__all__ = ["sha256_file", "sha256_frame"]


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def sha256_frame(frame: pd.DataFrame) -> str:
    """Hex SHA-256 of a DataFrame's content (column names, dtypes and values, not the index).

    Two frames with equal content give the same checksum on any machine.
    """
    digest = hashlib.sha256()
    names = "\x1f".join(f"{c}:{t}" for c, t in zip(frame.columns, frame.dtypes, strict=True))
    digest.update(names.encode())
    for position in range(frame.shape[1]):  # by position: column names may repeat
        column = frame.iloc[:, position]
        digest.update(pd.util.hash_pandas_object(column, index=False).to_numpy().tobytes())
    return digest.hexdigest()
