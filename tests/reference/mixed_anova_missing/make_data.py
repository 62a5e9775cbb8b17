"""Unequal arms with dropout and intermittent missing values (complete cases are analysed)."""

import sys
from pathlib import Path


def main() -> None:
    here = Path(__file__).resolve().parent
    sys.path.insert(0, str(here.parent))
    from mmrm_simulate import simulate, write

    data = simulate(seed=67, n_per_arm=(14, 18, 16, 20), dropout=0.05, intermittent=0.05, log=True)
    write(data, here)


if __name__ == "__main__":
    main()
