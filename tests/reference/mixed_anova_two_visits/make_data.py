"""Two visits (baseline and one follow-up), unequal arms, some follow-up values missing."""

import sys
from pathlib import Path


def main() -> None:
    here = Path(__file__).resolve().parent
    sys.path.insert(0, str(here.parent))
    from mmrm_simulate import simulate, write

    write(simulate(seed=71, n_per_arm=(9, 12, 11, 14), visits=(0.0, 12.0), intermittent=0.2), here)


if __name__ == "__main__":
    main()
