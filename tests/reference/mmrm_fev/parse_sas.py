"""Parse the SAS PROC MIXED results shipped in R mmrm's sources into sas.json.

Usage: ``python parse_sas.py <unpacked mmrm source folder>`` (the folder of
``mmrm_0.3.18.tar.gz``). Reads

- ``design/ddfm_covtype/kr_<cov>.csv`` and ``kr1_<cov>.csv``: the TRT - PBO difference of
  least-squares means of ``FEV1 ~ ARMCD`` (REML, ``REPEATED AVISIT / TYPE=<cov>``) with
  ``DDFM=KR`` and ``DDFM=KR(LINEAR)``, to full precision (``ods output diffs``). The design
  script of mmrm (``ddfm_covtype.R``) writes ``sp(exp)`` with ``kr`` to ``kr1_spexp`` and with
  ``kr(linear)`` to ``kr_spexp``, the other way round from the other structures; the names
  below follow what the script ran.
- ``design/SAS/sas_<cov>_<method>.txt``: listings of the intercept-only model
  ``FEV1 = / ddfm=satterthwaite`` with ``REPEATED AVISIT / TYPE=<cov>``, where SAS
  converged: -2 log-likelihood (last line of the iteration history, 8 decimals), intercept
  estimate, SE and df, and the covariance parameters (as printed: 4 decimals, 5 or 6
  significant digits).
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

KR_FILES = {
    "ar1": "ar1",
    "ar1h": "arh1",
    "cs": "cs",
    "csh": "csh",
    "adh": "adh",
    "toep": "toep",
    "toeph": "toeph",
    "us": "us",
    "sp_exp": "spexp",
}
LISTINGS = {"ar1": "ar1", "ar1h": "ar1h", "cs": "cs", "csh": "csh", "adh": "adh"}


def diff_row(path: Path) -> dict[str, float]:
    with path.open() as fh:
        row = next(csv.DictReader(fh))
    return {
        k: float(row[c])
        for k, c in (("estimate", "Estimate"), ("std_error", "StdErr"), ("df", "DF"))
    }


def listing(path: Path) -> dict[str, object] | None:
    text = path.read_text()
    if "Convergence criteria met" not in text:
        return None
    history = text.split("Iteration History")[1].split("Convergence criteria met")[0]
    last = [ln.split() for ln in history.splitlines() if re.match(r"\s+\d+\s+\d+\s+", ln)][-1]
    sol = re.search(r"Intercept\s+([-\d.]+)\s+([\d.]+)\s+([\d.]+)\s+", text)
    block = "".join(
        part.split("Fit Statistics")[0] for part in text.split("Covariance Parameter Estimates")[1:]
    )
    params = {}
    for line in block.splitlines():
        parts = line.split()
        if len(parts) >= 5 and all(re.fullmatch(r"-?\d+\.?\d*", p) for p in parts[-4:]):
            name = " ".join(p for p in parts[:-4] if p != "USUBJID")
            params[name] = float(parts[-4])
    return {
        "minus2_loglik": float(last[2]),
        "intercept": {
            "estimate": float(sol.group(1)),
            "std_error": float(sol.group(2)),
            "df": float(sol.group(3)),
        }
        if sol
        else None,
        "covariance_parameters": params,
    }


def main(source: Path) -> None:
    kr_dir = source / "design" / "ddfm_covtype"
    out: dict[str, object] = {"source": "mmrm 0.3.18 design/ddfm_covtype and design/SAS"}
    kr = {}
    for name, stem in KR_FILES.items():
        full, linear = f"kr_{stem}.csv", f"kr1_{stem}.csv"
        if stem == "spexp":
            full, linear = linear, full
        kr[name] = {
            "kenward_roger": diff_row(kr_dir / full),
            "kenward_roger_linear": diff_row(kr_dir / linear),
        }
    out["fev1_armcd_trt_minus_pbo"] = kr
    listings = {}
    for name, stem in LISTINGS.items():
        for method in ("reml", "ml"):
            got = listing(source / "design" / "SAS" / f"sas_{stem}_{method}.txt")
            if got is not None:
                listings[f"{name}_{method}"] = got
    out["fev1_intercept_only"] = listings
    here = Path(__file__).resolve().parent
    (here / "sas.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
