"""Intermittent missing values (not monotone) and two covariates, age (numeric) and sex
(text); rows of missing values are left out of the file rather than left empty."""

import sys
from pathlib import Path


def main() -> None:
    here = Path(__file__).resolve().parent
    sys.path.insert(0, str(here.parent))
    from mmrm_simulate import simulate, write

    data = simulate(seed=11, n_per_arm=(18, 20, 19, 21), intermittent=0.2, covariates=True)
    write(data.dropna(subset=["homa_ir"]), here)


if __name__ == "__main__":
    main()
