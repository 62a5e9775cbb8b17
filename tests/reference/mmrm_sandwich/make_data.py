"""Data for the empirical (sandwich) covariance: dropout, 3 follow-up visits."""

import sys
from pathlib import Path


def main() -> None:
    here = Path(__file__).resolve().parent
    sys.path.insert(0, str(here.parent))
    from mmrm_simulate import simulate, write

    write(simulate(seed=17, n_per_arm=(14, 16, 15, 17), dropout=0.1, sd=(0.8, 1.0, 1.4)), here)


if __name__ == "__main__":
    main()
