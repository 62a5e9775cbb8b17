"""Strongly heterogeneous variances over 4 follow-up visits (SD 0.5 to 2.5) with dropout."""

import sys
from pathlib import Path


def main() -> None:
    here = Path(__file__).resolve().parent
    sys.path.insert(0, str(here.parent))
    from mmrm_simulate import simulate, write

    data = simulate(
        seed=3,
        n_per_arm=(20, 20, 20, 20),
        visits=(0, 2, 4, 8, 12),
        sd=(0.5, 1.0, 1.7, 2.5),
        rho=0.8,
        dropout=0.08,
    )
    write(data, here)


if __name__ == "__main__":
    main()
