"""Running an R peer of a benchmark: a script given as text, its JSON answer read back."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def run_r(code: str, out: Path, args: Sequence[object]) -> dict[str, Any] | None:
    """Run the R script ``code`` with ``Rscript --vanilla script *args`` and read the JSON
    it writes to ``out``.

    The script is written beside ``out`` (a temporary folder of the caller). Returns None
    when Rscript is not installed, and ``{"error": [last lines of stderr]}`` when the script
    fails or writes nothing.
    """
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    script = out.with_suffix(".R")
    script.write_text(code)
    done = subprocess.run(
        [rscript, "--vanilla", str(script), *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or not out.exists():
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        return {"error": lines[-2:] or ["R failed"]}
    return json.loads(out.read_text())
