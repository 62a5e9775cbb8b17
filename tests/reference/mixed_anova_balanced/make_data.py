"""Complete data, 4 arms x 12 subjects, baseline and 3 follow-up visits."""

import sys
from pathlib import Path


def main() -> None:
    here = Path(__file__).resolve().parent
    sys.path.insert(0, str(here.parent))
    from mmrm_simulate import simulate, write

    write(simulate(seed=61, n_per_arm=(12, 12, 12, 12), rho=0.4), here)


if __name__ == "__main__":
    main()
