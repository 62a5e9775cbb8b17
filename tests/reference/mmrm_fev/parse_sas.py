"""Parse the SAS PROC MIXED results shipped in R mmrm's sources into sas.json.

Usage: ``python parse_sas.py <unpacked mmrm source folder>`` (the folder of
``mmrm_0.3.18.tar.gz``). Reads

- ``design/ddfm_covtype/kr_<cov>.csv`` and ``kr1_<cov>.csv``: the TRT - PBO difference of
  least-squares means of ``FEV1 ~ ARMCD`` (REML, ``REPEATED AVISIT / TYPE=<cov>``) with
  ``DDFM=KR`` and ``DDFM=KR(LINEAR)``, to full precision (``ods output diffs``). The design
  script of mmrm (``ddfm_covtype.R``) writes ``sp(exp)`` with ``kr`` to ``kr1_spexp`` and with
  ``kr(linear)`` to ``kr_spexp``, the other way round from the other structures; the names
  below follow what the script ran.
- ``design/SAS``: the listings in ``SPECS`` (under ``listings``, keyed
  ``<cov>[_group|_weighted|_full|_full_weighted|_armcd_sex]_<reml|ml>``), each with the
  model the script beside it ran (``.R``/``.sas``): ``model`` (SAS's MODEL statement),
  ``type`` (REPEATED TYPE=), ``group`` (GROUP=, one covariance per arm), ``weight``
  (WEIGHT), ``method``, ``visits`` (the order of the REPEATED levels: ``CLASS AVISIT(ref =
  'VIS1')`` puts VIS1 last), and from the listing: ``minus2_loglik`` and ``criterion`` (last
  line of the iteration history, 8 decimals), ``solution`` (the estimated rows of "Solution
  for Fixed Effects" by effect and levels: estimate, SE, DF as printed, rounded to an
  integer, and 95% limits where printed; ``lsmeans`` likewise where the listing has "Least
  Squares Means") and ``covariance_parameters`` (as printed: 4 decimals, 5 or 6 significant
  digits; named with the arm for GROUP=). The ``.rtf`` files (ODS RTF) are read table by
  table. Only listings where SAS converged ("Convergence criteria met") are kept. Not
  parsed: ``sas_sp_exp2_*`` (two coordinates), ``sas_sp_gau*`` (Gaussian spatial), which the
  engine does not fit; ``sas_log_nonconvergence*`` (SAS did not converge); ``sas_resid_*``
  (no script beside them, and the weighted one uses a column ``fit_weight`` not in
  fev_data).
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
# (key, file, SAS MODEL right-hand side, REPEATED TYPE=, GROUP=, WEIGHT, order of the
# REPEATED levels), from the .R and .sas scripts beside each listing. ``CLASS AVISIT(ref =
# 'VIS1')`` puts VIS1 last among the levels, so UN(1,1) is VIS2's variance there.
INTERCEPT = ""
FULL = "ARMCD AVISIT ARMCD*AVISIT RACE SEX"
NATURAL = ("VIS1", "VIS2", "VIS3", "VIS4")
VIS1_LAST = ("VIS2", "VIS3", "VIS4", "VIS1")
SPECS: list[tuple[str, str, str, str, str, str, tuple[str, ...]]] = []
for _m in ("reml", "ml"):
    SPECS += [
        (f"{c}_{_m}", f"sas_{f}_{_m}.txt", INTERCEPT, t, "", "", NATURAL)
        for c, f, t in (
            ("ar1", "ar1", "AR(1)"),
            ("ar1h", "ar1h", "ARH(1)"),
            ("cs", "cs", "CS"),
            ("csh", "csh", "CSH"),
            ("adh", "adh", "ANTE(1)"),
            ("toeph", "toeph", "TOEPH"),
        )
    ]
    SPECS += [
        (f"{c}_group_{_m}", f"sas_group_{f}_{_m}.txt", INTERCEPT, t, "ARMCD", "", NATURAL)
        for c, f, t in (
            ("ar1", "ar1", "AR(1)"),
            ("ar1h", "ar1h", "ARH(1)"),
            ("cs", "cs", "CS"),
            ("csh", "csh", "CSH"),
            ("adh", "adh", "ANTE(1)"),
            ("toeph", "toeph", "TOEPH"),
        )
    ]
    SPECS += [
        (f"toep_{_m}", f"sas_toep_{_m}.rtf", INTERCEPT, "TOEP", "", "", NATURAL),
        (f"sp_exp_{_m}", f"sas_sp_exp_{_m}.txt", INTERCEPT, "SP(EXP)(VISITN)", "", "", NATURAL),
        (
            f"adh_weighted_{_m}",
            f"sas_weighted_mmrm_{_m}.rtf",
            INTERCEPT,
            "ANTE(1)",
            "",
            "WEIGHT",
            NATURAL,
        ),
        (
            f"us_{_m}",
            "sas_log_simple" + ("_reml" if _m == "reml" else "") + ".txt",
            INTERCEPT,
            "UN",
            "",
            "",
            VIS1_LAST,
        ),
        (
            f"us_full_{_m}",
            "sas_log" + ("_reml" if _m == "reml" else "") + ".txt",
            FULL,
            "UN",
            "",
            "",
            VIS1_LAST,
        ),
        (f"us_armcd_sex_{_m}", f"sas_coef_ci_{_m}_un.txt", "ARMCD SEX", "UN", "", "", NATURAL),
        (f"ar1_armcd_sex_{_m}", f"sas_coef_ci_{_m}_ar1.txt", "ARMCD SEX", "AR(1)", "", "", NATURAL),
    ]
SPECS.append(("us_full_weighted_reml", "sas_weighted.txt", FULL, "UN", "", "WEIGHT", NATURAL))

NUMBER = r"-?(?:\d+\.?\d*|\.\d+)(?:E[-+]?\d+)?"
SOLUTION_ROW = re.compile(
    rf"^\s*(\S.*?)\s+({NUMBER})\s+({NUMBER})\s+(\d+(?:\.\d+)?)\s+({NUMBER})\s+(<?[\d.]+)"
    rf"(?:\s+0\.05\s+({NUMBER})\s+({NUMBER}))?\s*$"
)


def diff_row(path: Path) -> dict[str, float]:
    with path.open() as fh:
        row = next(csv.DictReader(fh))
    return {
        k: float(row[c])
        for k, c in (("estimate", "Estimate"), ("std_error", "StdErr"), ("df", "DF"))
    }


def rtf_text(path: Path) -> str:
    """The tables of an ODS RTF file as text: one line per table row, cells two spaces
    apart."""
    lines = []
    for row in path.read_text(errors="replace").split("{\\row}"):
        cells = re.findall(r"\{([^{}]*)\\cell\}", row)
        if cells:
            lines.append("  ".join(c.replace("\\~", " ").replace("\\-", "-") for c in cells))
        if "Convergence criteria met" in row:
            lines.append("Convergence criteria met.")
    return "\n".join(lines) + "\n"


def solution(block: str) -> dict[str, dict[str, float]]:
    """Rows of "Solution for Fixed Effects" (or "Least Squares Means") that were estimated
    (the reference levels, printed as 0 with no standard error, are left out), named by
    effect and levels, e.g. ``AVISIT*ARMCD VIS2 TRT``; DF as printed (rounded to an
    integer)."""
    rows = {}
    for line in block.splitlines():
        m = SOLUTION_ROW.match(line)
        if m is None or m.group(1).startswith("Effect") or m.group(1)[0].isdigit():
            continue
        label = " ".join(m.group(1).split())
        if label in rows:
            break
        rows[label] = {
            "estimate": float(m.group(2)),
            "std_error": float(m.group(3)),
            "df": float(m.group(4)),
        }
        if m.group(7) is not None:
            rows[label]["lower"] = float(m.group(7))
            rows[label]["upper"] = float(m.group(8))
    return rows


def listing(path: Path) -> dict[str, object] | None:
    text = rtf_text(path) if path.suffix == ".rtf" else path.read_text()
    if "Convergence criteria met" not in text:
        return None
    history = text.split("Iteration History")[1].split("Convergence criteria met")[0]
    last = [ln.split() for ln in history.splitlines() if re.match(r"\s*\d+\s+\d+\s+", ln)][-1]
    block = "".join(
        part.split("Fit Statistics")[0] for part in text.split("Covariance Parameter Estimates")[1:]
    )
    params = {}
    for line in block.splitlines():
        parts = line.split()
        if len(parts) >= 5 and all(re.fullmatch(NUMBER, p) for p in parts[-4:]):
            name = " ".join(p for p in parts[:-4] if p not in ("USUBJID", "ARMCD"))
            params[name] = float(parts[-4])
    extra = {}
    lsmeans = re.search(r"\n\s*Least Squares Means\s*\n(.*?)Differences of Least", text, re.S)
    if lsmeans is not None:
        extra["lsmeans"] = solution(lsmeans.group(1))
    return {
        **extra,
        "minus2_loglik": float(last[2]),
        "criterion": float(last[3]) if len(last) > 3 else None,
        "solution": solution(
            text.split("Solution for Fixed Effects")[1].split("Tests of Fixed Effects")[0]
        ),
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
    for key, name, model, cov, group, weight, visits in SPECS:
        got = listing(source / "design" / "SAS" / name)
        if got is None:
            continue
        listings[key] = {
            "file": name,
            "model": f"FEV1 = {model}".rstrip(),
            "type": cov,
            "group": group,
            "weight": weight,
            "method": key.rsplit("_", 1)[1],
            "visits": list(visits),
            **got,
        }
    out["listings"] = listings
    here = Path(__file__).resolve().parent
    (here / "sas.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
