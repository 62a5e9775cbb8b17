"""Writes data.csv of this reference case (see ../ancova_simulate.py)."""

import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from ancova_simulate import write_case

    write_case("ancova_missing_followup", Path(__file__).resolve().parent)
