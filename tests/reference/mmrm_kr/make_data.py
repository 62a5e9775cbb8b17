"""Few subjects with dropout, for Kenward-Roger: compound symmetry equals a random intercept."""

import sys
from pathlib import Path


def main() -> None:
    here = Path(__file__).resolve().parent
    sys.path.insert(0, str(here.parent))
    from mmrm_simulate import simulate, write

    write(simulate(seed=99, n_per_arm=(6, 7, 6, 8), rho=0.5, dropout=0.1), here)


if __name__ == "__main__":
    main()
