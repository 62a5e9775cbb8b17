"""Writing pipeline files atomically and reproducibly: JSON, CSV and stamps.

Every writer goes through :func:`atomic_write`: the bytes go to a temporary file in the
target's folder, which is renamed over the target only when complete, so an interrupted
step never leaves a half-written file that Make would take as up to date.

The same inputs give the same bytes: JSON keys keep their insertion order, floats are
written with the shortest representation that round-trips, NaN becomes ``null``, CSV uses
``\\n`` line ends, and nothing records a date, a host or an absolute path.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from .._version import __version__
from ..checksums import sha256_file
from ..jsonable import jsonable

__all__ = [
    "atomic_write",
    "jsonable",
    "read_csv",
    "read_json",
    "stamp",
    "write_csv",
    "write_json",
]


def atomic_write(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def dumps(value: Any) -> bytes:
    """Canonical JSON bytes (UTF-8, indented, final newline) of :func:`jsonable` data."""
    text = json.dumps(jsonable(value), indent=1, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


def write_json(path: str | Path, value: Any) -> None:
    """Write ``value`` as canonical JSON, atomically."""
    atomic_write(path, dumps(value))


def read_json(path: str | Path) -> Any:
    """Read a JSON file written by :func:`write_json`."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def write_csv(path: str | Path, frame: pd.DataFrame) -> None:
    """Write a table as CSV (no index, ``\\n`` line ends, floats that round-trip), atomically."""
    text = frame.to_csv(index=False, lineterminator="\n")
    atomic_write(path, text.encode("utf-8"))


def read_csv(path: str | Path) -> pd.DataFrame:
    """Read a CSV written by :func:`write_csv`."""
    return pd.read_csv(path)


def stamp(
    step: str,
    inputs: Mapping[str, str | Path],
    config: Any = None,
    root: str | Path | None = None,
) -> dict[str, Any]:
    """The record of how an output was made.

    Parameters
    ----------
    step : str
        The verb that made the output.
    inputs : mapping
        Role → input file. Each is recorded by its path relative to ``root`` (or its name) and
        its SHA-256, never by an absolute path, so a rebuild elsewhere stamps the same bytes.
    config : AnalysisConfig, optional
        Recorded in full, with the checksum of its file.
    root : path, optional
        The build root that input paths are recorded relative to.

    Returns
    -------
    dict
        ``package``, ``version``, ``step``, ``inputs`` (role → file, sha256), ``config``,
        ``config_sha256``, ``seed``.
    """
    recorded = {}
    for role, file in inputs.items():
        recorded[role] = {"file": _relative(file, root), "sha256": sha256_file(file)}
    out: dict[str, Any] = {
        "package": "lifestyle-trials",
        "version": __version__,
        "step": step,
        "inputs": recorded,
    }
    if config is not None:
        out["config"] = config.to_dict()
        out["config"].pop("file", None)
        out["config_sha256"] = config.sha256
        out["seed"] = config.seed
    return out


def _relative(file: str | Path, root: str | Path | None) -> str:
    path = Path(file)
    if root is not None:
        try:
            return path.resolve().relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            pass
    return path.name
