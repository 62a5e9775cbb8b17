"""A positive outcome analysed on the log scale (HOMA-IR-like), with dropout."""

import sys
from pathlib import Path


def main() -> None:
    here = Path(__file__).resolve().parent
    sys.path.insert(0, str(here.parent))
    from mmrm_simulate import simulate, write

    write(simulate(seed=1997, n_per_arm=(22, 27, 27, 34), log=True, dropout=0.1), here)


if __name__ == "__main__":
    main()
