"""Writes data.csv from the package's published tables: Villareal 2011 Table 2 one-year changes
(mean ± SD with n) and ODES (Anderssen 1996) fasting insulin change (± read as SE, with the
randomised arm sizes)."""

from pathlib import Path

import pandas as pd

import lifestyle_trials as lt


def main() -> None:
    here = Path(__file__).resolve().parent
    vil = lt.published_summaries("Villareal")
    vil = vil[(vil["source"] == "villareal2011") & (vil["quantity"] == "change")]
    vil = vil.assign(sd=vil["spread"], se=float("nan"))
    odes = lt.published_summaries("ODES")
    odes = odes[odes["outcome"] == "fasting_insulin"]
    sizes = lt.published_arm_sizes("ODES").set_index("basis").loc["randomised"]
    odes = odes.assign(n=[float(sizes[a]) for a in odes["arm"]], sd=float("nan"), se=odes["spread"])
    columns = ["outcome", "arm", "n", "mean", "sd", "se"]
    table = pd.concat([vil[columns], odes[columns]], ignore_index=True)
    table.to_csv(here / "data.csv", index=False)


if __name__ == "__main__":
    main()
