"""Estimates and standard errors of 40 analyses (B = 20 bootstraps × D = 2 imputations), to
pool with rbmi's Rubin's rules and von Hippel-Bartlett formulas: data.csv."""

from pathlib import Path

import numpy as np
import pandas as pd


def main() -> None:
    rng = np.random.default_rng(2024)
    boot = rng.normal(0.0, 0.3, 20)
    est = 1.0 + np.repeat(boot, 2) + rng.normal(0.0, 0.2, 40)
    se = 0.4 + rng.uniform(0.0, 0.05, 40)
    frame = pd.DataFrame({"est": est, "se": se})
    frame.to_csv(Path(__file__).resolve().parent / "data.csv", index=False, float_format="%.17g")


if __name__ == "__main__":
    main()
