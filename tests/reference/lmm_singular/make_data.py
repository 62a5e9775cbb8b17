"""Random intercepts and slopes in time, 4 follow-up visits, dropout: a small slope variance,
so that lme4 reports a singular fit (correlation 1)."""

import sys
from pathlib import Path


def main() -> None:
    here = Path(__file__).resolve().parent
    sys.path.insert(0, str(here.parent))
    from mmrm_simulate import simulate, write

    data = simulate(
        seed=43,
        n_per_arm=(20, 20, 20, 20),
        visits=(0, 3, 6, 9, 12),
        dropout=0.08,
        random_slope=True,
    )
    write(data, here)


if __name__ == "__main__":
    main()
