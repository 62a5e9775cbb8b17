"""Monotone dropout, unequal arms, 4 follow-up visits; one subject without a baseline value and
one without any follow-up value (both excluded from the analysis)."""

import sys
from pathlib import Path

import numpy as np


def main() -> None:
    here = Path(__file__).resolve().parent
    sys.path.insert(0, str(here.parent))
    from mmrm_simulate import simulate, write

    data = simulate(seed=7, n_per_arm=(20, 25, 22, 28), visits=(0, 3, 6, 9, 12), dropout=0.12)
    data.loc[(data["subject"] == "s005") & (data["visit"] == 0), "homa_ir"] = np.nan
    data.loc[(data["subject"] == "s030") & (data["visit"] > 0), "homa_ir"] = np.nan
    write(data, here)


if __name__ == "__main__":
    main()
