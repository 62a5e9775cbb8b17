"""Reading a 1,000,000-row long CSV into a validated Trial, beside plain pandas.read_csv.

The file (250,000 subjects × 4 visits; subject, diet, exercise, visit, age, sex, glucose,
insulin, homa_ir, weight) is generated in a temporary folder. Time: the two readers take
turns in one process, best of five runs each, so that both see the same load on a shared
machine. Peak memory: each reader runs once in its own process, so that its peak (peak
resident set size, VmHWM, above the process's size after imports) is its own. Goal: read_trial
within 2× the time and memory of pandas.read_csv.

The stages of read_trial are timed as well (reading with the file checks, validation, and
building the Trial), to show where the time goes. A second file with the same values and
integer subject ids (1000, 1001, ...), which pandas reads as numbers and read_trial keeps
as text, is timed beside pandas.read_csv of that file.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

N_SUBJECTS = 250_000
VISITS = (0.0, 3.0, 6.0, 12.0)
REPEATS = 5

_CHILD = r"""
import json, sys, time
import pandas as pd
import lifestyle_trials as lt
from lifestyle_trials.datasets.readers import read_table
from lifestyle_trials.trial import Provenance, make_trial
from lifestyle_trials.validation import validate_long

def status_mb(field):
    # VmRSS now, VmHWM its peak: both of this process alone (getrusage's ru_maxrss also
    # counts the parent's size at fork, carried over the exec)
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(field + " not in /proc/self/status")

path, what, repeats = sys.argv[1], sys.argv[2], int(sys.argv[3])
readers = {"pandas": lambda: pd.read_csv(path), "read_trial": lambda: lt.read_trial(path)}
before = status_mb("VmRSS")
times = {}
for _ in range(repeats):
    if what == "stages":
        t0 = time.perf_counter()
        table = read_table(path, text_columns=["subject"])
        t1 = time.perf_counter()
        valid = validate_long(table.frame, rows=table.rows, source=table.label)
        t2 = time.perf_counter()
        make_trial(valid.data, baseline=0.0, units=valid.units, provenance=Provenance("x"),
                   outcomes=valid.outcomes, covariates=valid.covariates,
                   subject_codes=valid.subject_codes)
        t3 = time.perf_counter()
        for key, value in (("read", t1 - t0), ("validate", t2 - t1), ("trial", t3 - t2)):
            times.setdefault(key, []).append(value)
        del table, valid
    else:
        for name in what.split("+"):  # "pandas+read_trial": the readers take turns
            start = time.perf_counter()
            result = readers[name]()
            times.setdefault(name, []).append(time.perf_counter() - start)
            del result
peak = status_mb("VmHWM") - before
print(json.dumps({"times": {k: min(v) for k, v in times.items()}, "peak_mb": peak}))
"""


def make_file(
    folder: Path, n_subjects: int = N_SUBJECTS, seed: int = 1, integer_ids: bool = False
) -> Path:
    """A long CSV of n_subjects × 4 visits, realistic values, written once.

    Subject ids are S000000, S000001, ... or, with ``integer_ids``, 1000, 1001, ...
    """
    rng = np.random.default_rng(seed)
    k = len(VISITS)
    subject = np.repeat(np.arange(n_subjects), k)
    ids = subject + 1000 if integer_ids else np.char.add("S", np.char.zfill(subject.astype(str), 6))
    glucose = np.round(rng.lognormal(np.log(5.6), 0.1, n_subjects * k), 2)
    insulin = np.round(rng.lognormal(2.2, 0.6, n_subjects * k), 1)
    frame = pd.DataFrame(
        {
            "subject": ids,
            "diet": rng.integers(0, 2, n_subjects)[subject],
            "exercise": rng.integers(0, 2, n_subjects)[subject],
            "visit": np.tile(VISITS, n_subjects),
            "age": rng.integers(41, 51, n_subjects)[subject],
            "sex": np.array(["M", "F"])[rng.integers(0, 2, n_subjects)][subject],
            "glucose": glucose,
            "insulin": insulin,
            "homa_ir": np.round(glucose * insulin / 22.5, 3),
            "weight": np.round(rng.normal(90, 12, n_subjects * k), 1),
        }
    )
    path = folder / ("long_integer_ids.csv" if integer_ids else "long.csv")
    frame.to_csv(path, index=False)
    return path


def _measure(path: Path, what: str, repeats: int = REPEATS) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), what, str(repeats)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run() -> list[dict]:
    """Rows: name, ours_s, peer, peer_s, ratio, peak_mb, notes."""
    with tempfile.TemporaryDirectory() as folder:
        path = make_file(Path(folder))
        size_mb = path.stat().st_size / 2**20
        main = _compare(path)
        stages = _measure(path, "stages")
        integer_ids = _compare(make_file(Path(folder), integer_ids=True))
    peer_s = main["peer_s"]
    rows = [{"name": f"read_trial: 1,000,000-row long CSV ({size_mb:.0f} MB)", **main}]
    labels = {
        "read": "read_table (read_csv + encoding, field-count, decimal checks)",
        "validate": "validate_long (all checks)",
        "trial": "make_trial (Trial assembly, sorting)",
    }
    for key, label in labels.items():
        rows.append(
            {
                "name": f"  stage: {label}",
                "ours_s": stages["times"][key],
                "peer": "pandas.read_csv",
                "peer_s": peer_s,
                "ratio": stages["times"][key] / peer_s,
                "peak_mb": float("nan"),
                "notes": "",
            }
        )
    rows.append({"name": "read_trial: the same with integer subject ids", **integer_ids})
    return rows


def _compare(path: Path) -> dict:
    """read_trial beside pandas.read_csv of one file: the columns of a row but its name."""
    times = _measure(path, "pandas+read_trial")["times"]
    peer_mb = _measure(path, "pandas", repeats=1)["peak_mb"]
    ours_mb = _measure(path, "read_trial", repeats=1)["peak_mb"]
    return {
        "ours_s": times["read_trial"],
        "peer": "pandas.read_csv",
        "peer_s": times["pandas"],
        "ratio": times["read_trial"] / times["pandas"],
        "peak_mb": ours_mb,
        "notes": (
            f"peak memory {ours_mb:.0f} MB vs pandas {peer_mb:.0f} MB "
            f"(ratio {ours_mb / peer_mb:.2f}); goal: both ratios <= 2"
        ),
    }


if __name__ == "__main__":
    for row in run():
        print(
            f"{row['name']:<75} {row['ours_s']:7.3f} s  vs {row['peer']} {row['peer_s']:.3f} s"
            f"  ×{row['ratio']:.2f}  {row['notes']}"
        )
