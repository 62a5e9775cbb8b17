"""An ODES-like 2 × 2 trial (lt.simulate_odes) with visits at 0, 3, 6 and 12 months and 25%
dropout per arm: the long table of HOMA-IR written to data.csv."""

from pathlib import Path

import lifestyle_trials as lt


def main() -> None:
    here = Path(__file__).resolve().parent
    trial = lt.simulate_odes(seed=2011, visits=(0, 3, 6, 12), dropout=0.25)
    table = trial.data[["subject", "diet", "exercise", "visit", "homa_ir"]]
    table.to_csv(here / "data.csv", index=False, float_format="%.17g")


if __name__ == "__main__":
    main()
