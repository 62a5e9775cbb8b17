"""Balanced complete data: 4 arms x 15 subjects, baseline and 3 follow-up visits."""

import sys
from pathlib import Path


def main() -> None:
    here = Path(__file__).resolve().parent
    sys.path.insert(0, str(here.parent))
    from mmrm_simulate import simulate, write

    write(simulate(seed=20240501, n_per_arm=(15, 15, 15, 15), visits=(0, 3, 6, 12)), here)


if __name__ == "__main__":
    main()
