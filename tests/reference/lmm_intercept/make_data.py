"""Random-intercept data with dropout and unequal arms, 3 follow-up visits."""

import sys
from pathlib import Path


def main() -> None:
    here = Path(__file__).resolve().parent
    sys.path.insert(0, str(here.parent))
    from mmrm_simulate import simulate, write

    write(simulate(seed=41, n_per_arm=(16, 20, 18, 22), rho=0.5, dropout=0.1), here)


if __name__ == "__main__":
    main()
