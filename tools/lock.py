"""Write the lock: the exact version of every package the reports and the tests run on.

Usage: python tools/lock.py [constraints.txt]   (what `make lock` runs, with .venv's python)

Starts from the requirements in pyproject.toml (the runtime dependencies, then the `dev`
extra), follows each installed package's own requirements (their markers evaluated for this
Python), and writes `name==version` for every package reached, as installed in the running
environment. `make report` installs with `pip install --constraint` on this file, so a
reviewer gets the versions the expected reports were made with; `make test` adds the dev tools
under the same constraints. pyproject.toml keeps the ranges for library users.
"""

from __future__ import annotations

import platform
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def closure(requirements: list[str], skip: set[str]) -> dict[str, str]:
    """Installed name → version for every package reached from ``requirements``."""
    found: dict[str, str] = {}
    todo = [(Requirement(r), "") for r in requirements]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        req, extra = todo.pop()
        if req.marker is not None and not req.marker.evaluate(
            {**default_environment(), "extra": extra}
        ):
            continue
        name = canonicalize_name(req.name)
        key = (name, frozenset(req.extras))
        if name in skip or key in seen:
            continue
        seen.add(key)
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            raise SystemExit(
                f"lock: {req.name} is required but not installed in {sys.prefix}; "
                "run `make setup` first"
            ) from None
        found[name] = dist.version
        for line in dist.requires or []:
            sub = Requirement(line)
            for wanted in ("", *sorted(req.extras)):
                todo.append((sub, wanted))
    return found


def main(argv: list[str]) -> int:
    target = Path(argv[1]) if len(argv) > 1 else ROOT / "constraints.txt"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    own = {canonicalize_name(project["name"])}
    runtime = closure(project["dependencies"], own)
    dev = closure(project["optional-dependencies"]["dev"], own | set(runtime))
    lines = [
        "# Exact versions of everything `make report` (runtime) and `make test` (dev tools)",
        "# install, as pip constraints. Written by `make lock` from .venv; do not edit by hand.",
        f"# Made with Python {platform.python_version()} on {sys.platform} "
        f"{platform.machine()}. Ranges for library users are in pyproject.toml.",
        "",
        "# runtime: these versions make the reports (numbers, figures, HTML)",
        *(f"{name}=={version}" for name, version in sorted(runtime.items())),
        "",
        "# dev tools: tests, lint and type checks",
        *(f"{name}=={version}" for name, version in sorted(dev.items())),
    ]
    text = "\n".join(lines) + "\n"
    old = target.read_text("utf-8") if target.exists() else ""
    target.write_text(text, encoding="utf-8")
    changed = sorted(set(text.splitlines()) ^ set(old.splitlines()))
    pins = [line for line in changed if "==" in line]
    print(f"lock: {target.name}, {len(runtime)} runtime and {len(dev)} dev packages")
    for line in pins:
        print(f"  {'+' if line in text.splitlines() else '-'} {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
