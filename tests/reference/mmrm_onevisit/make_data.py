"""One post-baseline visit: the MMRM is the ANCOVA (compared with R's lm)."""

import sys
from pathlib import Path


def main() -> None:
    here = Path(__file__).resolve().parent
    sys.path.insert(0, str(here.parent))
    from mmrm_simulate import simulate, write

    write(simulate(seed=5, n_per_arm=(12, 16, 14, 17), visits=(0, 12), covariates=True), here)


if __name__ == "__main__":
    main()
