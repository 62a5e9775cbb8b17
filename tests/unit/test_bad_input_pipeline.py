"""Bad input to the pipeline and its command line: one message and exit status 2 for every
verb given a missing, damaged or folder input; `check` checks what `make report` needs;
rounded index columns; truncated transport files; units that do not fit the values."""

from __future__ import annotations

import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lifestyle_trials as lt
from lifestyle_trials.cli import main
from lifestyle_trials.config import load_config

ROOT = Path(__file__).resolve().parents[2]
ADAM = ROOT / "tests" / "fixtures" / "adam"

CSV = "subject,diet,exercise,visit,glucose,insulin,homa_ir\n" + "".join(
    f"{s},{s % 2},{(s // 2) % 2},{v},{g:.1f},{i:.1f},{g * i / 22.5:.2f}\n"
    for s in range(1, 9)
    for v, g, i in ((0, 5.0 + 0.1 * s, 9.0 + s), (12, 5.2 + 0.05 * s, 8.0 + 0.7 * s))
)


def analysis(tmp_path: Path, data: str, extra: str = "", path: str = "data.csv") -> Path:
    folder = tmp_path / "analyses" / "a"
    folder.mkdir(parents=True, exist_ok=True)
    toml = folder / "analysis.toml"
    toml.write_text(
        f'title = "t"\n{extra}\n[data]\nsource = "file"\npath = "{path}"\n'
        '[outcomes]\nprimary = "homa_ir"\n',
        encoding="utf-8",
    )
    if data:
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(data, encoding="utf-8")
    return toml


# -- rounded index columns --------------------------------------------------------------------


def test_rounded_homa_ir_is_recognised_and_kept_with_a_warning(tmp_path):
    trial = lt.read_trial(analysis(tmp_path, CSV).parent / "data.csv")
    with pytest.warns(lt.TrialDataWarning, match=r"homa_ir.*rounding only.*kept.*\[derive\]"):
        out = lt.add_indices(trial, indices="homa_ir")
    np.testing.assert_array_equal(out.data["homa_ir"], trial.data["homa_ir"])
    assert "by rounding only: kept" in out.provenance.steps[-1]
    with pytest.warns(lt.TrialDataWarning, match="replaced by the recomputed"):
        again = lt.add_indices(trial, indices="homa_ir", rounded="recompute")
    expected = trial.data["glucose"] * trial.data["insulin"] / 22.5
    np.testing.assert_allclose(again.data["homa_ir"], expected, rtol=1e-12)


def test_difference_beyond_rounding_is_still_refused_naming_subject_and_visit(tmp_path):
    bad = CSV.replace(",2.27\n", ",2.37\n", 1)
    assert bad != CSV
    trial = lt.read_trial(analysis(tmp_path, bad).parent / "data.csv")
    with pytest.raises(lt.TrialDataError) as info:
        lt.add_indices(trial, indices="homa_ir")
    message = str(info.value)
    assert "column 'homa_ir'" in message and "more than rounding explains" in message
    assert "subject 1 visit 0" in message and "[derive]" in message


def test_rounded_and_overwrite_are_checked():
    trial = lt.read_trial(pd.read_csv(__import__("io").StringIO(CSV)))
    with pytest.raises(lt.ConfigError, match="rounded: must be 'keep' or 'recompute'"):
        lt.add_indices(trial, rounded="round")


def test_rounded_homa_ir_file_goes_through_the_data_steps(tmp_path):
    toml = analysis(tmp_path, CSV, extra='[derive]\nrounded = "recompute"\n')
    out = tmp_path / "out"
    assert (
        main(
            [
                "data",
                "-c",
                str(toml),
                "--raw",
                str(out / "raw.csv"),
                "--interim",
                str(out / "interim.csv"),
                "-o",
                str(out / "processed.csv"),
            ]
        )
        == 0
    )
    manifest = (out / "processed.json").read_text()
    assert "rounding only" in manifest and "recomputed" in manifest


def test_derive_table_is_checked(tmp_path):
    toml = analysis(tmp_path, CSV, extra='[derive]\nrounded = "nearest"\n')
    with pytest.raises(lt.ConfigError, match="derive.rounded: must be one of"):
        load_config(toml)


# -- check checks what make report needs ----------------------------------------------------


def check_error(toml: Path, capsys) -> str:
    assert main(["check", str(toml)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
    return err


def test_check_reads_the_data(tmp_path, capsys):
    toml = analysis(tmp_path, CSV)
    assert main(["check", str(toml)]) == 0
    assert "8 subjects, visits 0, 12" in capsys.readouterr().out


def test_check_refuses_a_missing_data_file(tmp_path, capsys):
    err = check_error(analysis(tmp_path, "", path="missing.csv"), capsys)
    assert "data.path" in err and "missing.csv not found" in err


def test_check_refuses_a_folder_as_data(tmp_path, capsys):
    toml = analysis(tmp_path, "", path="folder")
    (toml.parent / "folder").mkdir()
    err = check_error(toml, capsys)
    assert "data.path" in err and "is a folder" in err


def test_check_refuses_an_absolute_path(tmp_path, capsys):
    err = check_error(analysis(tmp_path, "", path=str(tmp_path / "x.csv")), capsys)
    assert "data.path" in err and "absolute path" in err and "relative" in err


def test_check_names_a_data_file_outside_the_folder(tmp_path, capsys):
    toml = analysis(tmp_path, CSV, path="../../shared/data.csv")
    assert main(["check", str(toml)]) == 0
    assert "outside the analysis folder" in capsys.readouterr().out


def test_check_refuses_unknown_reader_options(tmp_path, capsys):
    toml = analysis(tmp_path, CSV)
    toml.write_text(
        toml.read_text().replace(
            'path = "data.csv"', 'path = "data.csv"\noptions = { seperator = ";" }'
        )
    )
    err = check_error(toml, capsys)
    assert "data.options.seperator" in err and "read_trial has no option" in err


def test_check_refuses_an_unknown_primary_outcome(tmp_path, capsys):
    toml = analysis(tmp_path, CSV)
    toml.write_text(toml.read_text().replace('primary = "homa_ir"', 'primary = "hba1c"'))
    err = check_error(toml, capsys)
    assert "outcomes.primary" in err and "'hba1c' is not an outcome" in err


def test_check_refuses_invalid_data(tmp_path, capsys):
    err = check_error(analysis(tmp_path, CSV.split("\n")[0] + "\n"), capsys)
    assert "data.csv" in err and "no data rows" in err


def test_row_limit_can_be_raised_from_analysis_toml(tmp_path, capsys):
    toml = analysis(tmp_path, "")
    pd.read_csv(__import__("io").StringIO(CSV)).to_parquet(toml.parent / "d.parquet")
    toml.write_text(
        toml.read_text().replace(
            'path = "data.csv"', 'path = "d.parquet"\noptions = { max_rows = 10 }'
        )
    )
    err = check_error(toml, capsys)
    assert "max_rows" in err and "[data.options]" in err
    toml.write_text(toml.read_text().replace("max_rows = 10", "max_rows = 100"))
    assert main(["check", str(toml)]) == 0


# -- every verb: missing, folder and damaged inputs -----------------------------------------

ARGS = {
    "raw": ["-c", "{config}", "-o", "{out}/r.csv"],
    "validate": ["{input}", "-c", "{config}", "-o", "{out}/i.csv"],
    "derive": ["{input}", "-c", "{config}", "-o", "{out}/p.csv"],
    "data": [
        "-c",
        "{config}",
        "--raw",
        "{out}/r.csv",
        "--interim",
        "{out}/i.csv",
        "-o",
        "{out}/p.csv",
    ],
    "fit": ["{input}", "-c", "{config}", "-o", "{out}/fits"],
    "numbers": ["{input}", "--fits", "{dir}", "-c", "{config}", "-o", "{out}/n.json"],
    "tables": ["{input}", "-o", "{out}/tables"],
    "figures": ["{input}", "--data", "{input}", "--fits", "{dir}", "-o", "{out}/figs"],
    "render": ["{input}", "--figures", "{dir}", "-o", "{out}/index.html"],
    "report": [
        "{input}",
        "--data",
        "{input}",
        "--fits",
        "{dir}",
        "--figures",
        "{out}/f",
        "-o",
        "{out}/index.html",
    ],
    "check": ["{config}"],
    "verify": ["--built", "{dir}", "--expected", "{dir}", "a"],
    "expected": ["{dir}"],
}


def run(verb: str, tmp_path: Path, capsys, **paths) -> str:
    (tmp_path / "out").mkdir(exist_ok=True)
    values = {"out": str(tmp_path / "out"), **{k: str(v) for k, v in paths.items()}}
    args = [a.format(**values) for a in ARGS[verb]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        status = main([verb, *args])
    err = capsys.readouterr().err
    assert status == 2, (verb, err)
    assert err.startswith("error: ") and err.count("\n") >= 1 and "Traceback" not in err
    return err


@pytest.mark.parametrize("verb", list(ARGS))
def test_every_verb_refuses_missing_inputs(verb, tmp_path, capsys):
    missing = tmp_path / "nothing"
    err = run(verb, tmp_path, capsys, config=missing, input=missing, dir=missing)
    assert "nothing" in err and ("not found" in err)


@pytest.mark.parametrize("verb", [v for v in ARGS if v != "verify"])
def test_every_verb_refuses_a_folder_where_a_file_is_meant(verb, tmp_path, capsys):
    folder = tmp_path / "folder"
    folder.mkdir()
    err = run(verb, tmp_path, capsys, config=folder, input=folder, dir=folder)
    assert "folder" in err


@pytest.mark.parametrize("verb", [v for v in ARGS if v != "verify"])
def test_every_verb_refuses_damaged_inputs(verb, tmp_path, capsys):
    toml = analysis(tmp_path, CSV)
    damaged = tmp_path / "damaged.json"
    damaged.write_bytes(b'{"stamp": {"step": "numbers"}, "tru')
    csv = tmp_path / "damaged.csv"
    csv.write_bytes(b"\x00\x01garbage")
    (tmp_path / "damaged.json").replace(tmp_path / "damaged.json")
    folder = tmp_path / "fits"
    folder.mkdir()
    (folder / "index.json").write_bytes(b"{")
    config = csv if verb in ("raw", "data", "check") else toml
    inp = damaged if verb in ("tables", "figures", "render", "report", "numbers") else csv
    if verb in ("verify", "expected"):
        inp = folder
    run(verb, tmp_path, capsys, config=config, input=inp, dir=folder)


# -- files cut short, units that do not fit -------------------------------------------------


@pytest.mark.parametrize("keep", [0.5, 0.25, lambda n: n // 2 // 80 * 80, lambda n: n - 80])
def test_truncated_sas_transport_file_is_refused(tmp_path, keep):
    raw = (ADAM / "adlb.xpt").read_bytes()
    n = keep(len(raw)) if callable(keep) else int(len(raw) * keep)
    path = tmp_path / "adlb.xpt"
    path.write_bytes(raw[:n])
    with pytest.raises(lt.TrialDataError) as info:
        lt.read_trial(path, subject="USUBJID")
    message = str(info.value)
    assert "adlb.xpt" in message and ("cut short" in message or "not a readable" in message)


def test_complete_sas_transport_files_are_read(tmp_path):
    for name in ("adsl", "adlb", "advs"):
        shutil.copy(ADAM / f"{name}.xpt", tmp_path)
    from lifestyle_trials.datasets.readers import read_table

    assert len(read_table(tmp_path / "adlb.xpt").frame) == len(pd.read_csv(ADAM / "adlb.csv"))


def test_insulin_in_uu_ml_declared_as_pmol_l_warns():
    frame = pd.read_csv(__import__("io").StringIO(CSV))
    with pytest.warns(lt.TrialDataWarning, match=r"'insulin' has median .* pmol/L.*uU/mL"):
        lt.read_trial(frame, units={"insulin": "pmol/L"})


# -- make: a data file outside the analysis folder is a prerequisite ------------------------


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_data_file_outside_the_analysis_folder_is_a_prerequisite(tmp_path):
    toml = analysis(tmp_path, CSV, path="../../shared/data.csv")
    target = tmp_path / "out" / "data" / "processed" / "a.csv"
    done = subprocess.run(
        [
            "make",
            "-d",
            "-n",
            str(target),
            f"ANALYSES={toml.parent.parent}",
            f"OUT={tmp_path / 'out'}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "a/../../shared/data.csv'" in done.stdout
