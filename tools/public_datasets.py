"""Re-extract the bundled public datasets and record their sizes and checksums.

Usage: python tools/public_datasets.py [--no-extract]

1. Runs tools/extract_public_datasets.R (needs Rscript with MASS, carData and HSAUR3), which
   writes src/lifestyle_trials/datasets/data/public_<name>.csv.
2. Reads every dataset of the registry (public_datasets.toml) into a Trial, without the
   checksum check, and rewrites the registry's `n` (subjects) and `sha256` lines.
3. Prints what changed, so that a reviewer sees a changed dataset.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "lifestyle_trials" / "datasets" / "data"
REGISTRY = DATA / "public_datasets.toml"


def main(argv: list[str]) -> int:
    if "--no-extract" not in argv:
        subprocess.run(
            ["Rscript", "--vanilla", str(ROOT / "tools" / "extract_public_datasets.R"), str(DATA)],
            check=True,
        )
    from lifestyle_trials.datasets import public

    public._registry.cache_clear()
    found: dict[str, dict[str, str]] = {}
    for name in public._registry():
        path = public.dataset_path(name)
        trial = public._build(name, path)
        found[name] = {
            "n": str(trial.design.n_subjects),
            "sha256": f'"{hashlib.sha256(path.read_bytes()).hexdigest()}"',
        }
    lines = REGISTRY.read_text("utf-8").splitlines(keepends=True)
    section = None
    changed = []
    for i, line in enumerate(lines):
        header = re.fullmatch(r"\[([A-Za-z0-9_]+)\]\s*", line)
        if header:
            section = header[1]
        elif line.startswith("["):
            section = None
        key = re.match(r"(n|sha256) = (.*)$", line.rstrip("\n"))
        if section in found and key:
            new = found[section][key[1]]
            if key[2] != new:
                changed.append(f"{section}.{key[1]}: {key[2]} -> {new}")
                lines[i] = f"{key[1]} = {new}\n"
    REGISTRY.write_text("".join(lines), "utf-8")
    print("\n".join(changed) or "registry unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
