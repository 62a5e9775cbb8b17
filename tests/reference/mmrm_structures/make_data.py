"""Dropout and intermittent missing values over 4 follow-up visits, for every covariance
structure."""

import sys
from pathlib import Path


def main() -> None:
    here = Path(__file__).resolve().parent
    sys.path.insert(0, str(here.parent))
    from mmrm_simulate import simulate, write

    data = simulate(
        seed=2024,
        n_per_arm=(25, 25, 25, 25),
        visits=(0, 3, 6, 9, 12),
        sd=(0.8, 1.0, 1.1, 1.3),
        dropout=0.07,
        intermittent=0.07,
    )
    write(data, here)


if __name__ == "__main__":
    main()
