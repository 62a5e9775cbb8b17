"""Bad and borderline files: clear errors naming the file, column, row and remedy, or correct
reads recorded in provenance; never a raw traceback or a silent acceptance."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lifestyle_trials as lt

HEADER = "subject,diet,exercise,visit,glucose,insulin"
ROWS = [
    f"{s},{s % 2},{(s // 2) % 2},{v},{5.0 + 0.1 * s:.1f},{10.0 + s + 0.1 * v:.1f}"
    for s in range(1, 5)
    for v in (0, 12)
]


def frame() -> pd.DataFrame:
    return pd.read_csv(io.StringIO("\n".join([HEADER, *ROWS])))


def write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def refused(source, **kwargs) -> str:
    with pytest.raises(lt.TrialDataError) as info:
        lt.read_trial(source, **kwargs)
    return str(info.value)


# -- silent data corruption: ids that print alike ------------------------------------------


def test_integer_and_text_ids_that_print_alike_are_refused():
    df = frame()
    df["subject"] = df["subject"].astype(object)
    df.loc[2, "subject"] = "2"
    message = refused(df)
    assert "column 'subject'" in message and "'2' and 2" in message or "2 and '2'" in message
    assert "rows 2, 3" in message and "astype(str)" in message


def test_integer_and_text_ids_that_differ_are_read():
    df = frame()
    df["subject"] = [1, 1, "a", "a", 3, 3, "b", "b"]
    assert lt.read_trial(df).design.n_subjects == 4


def test_true_false_subject_ids_are_refused():
    df = frame().assign(subject=[True, True, False, False, True, True, False, False])
    message = refused(df)
    assert "column 'subject': subject ids are True/False" in message and "subject=" in message


# -- empty data -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content", [HEADER + "\n", "\ufeff" + HEADER + "\n", HEADER, HEADER + "\n\n\n,,,,,\n"]
)
def test_header_only_csv_is_refused(tmp_path, content):
    message = refused(write(tmp_path / "h.csv", content))
    assert "h.csv" in message and "no data rows" in message and "complete" in message


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\n\n"])
def test_empty_file_is_refused(tmp_path, content):
    message = refused(write(tmp_path / "e.csv", content))
    assert "e.csv" in message and "empty" in message and "column names" in message


def test_zero_row_parquet_and_dataframe_are_refused(tmp_path):
    frame().iloc[:0].to_parquet(tmp_path / "e.parquet")
    assert "no data rows" in refused(tmp_path / "e.parquet")
    assert "no data rows" in refused(frame().iloc[:0])


def test_every_row_set_aside_is_refused():
    df = frame().drop(columns=["diet", "exercise"]).assign(arm="screen failure")
    message = refused(df, arm="arm", arms={"screen failure": None})
    assert "column 'arm'" in message and "every row was set aside" in message


# -- wide files -----------------------------------------------------------------------------


def wide(**columns) -> pd.DataFrame:
    base = {"subject": [1, 2, 3, 4], "arm": ["control", "diet", "exercise", "diet+exercise"]}
    return pd.DataFrame(base | columns)


def test_wide_column_with_unparsed_visit_is_refused():
    message = refused(
        wide(homa_ir_0=[2.0, 3, 2, 3], homa_ir_12m=[1.0, 2, 1, 2]), arm="arm", layout="wide"
    )
    assert "column 'homa_ir_12m'" in message and "'12m' is not a visit number" in message
    assert "homa_ir_12" in message and "wide=" in message


def test_wide_column_named_baseline_is_refused():
    message = refused(
        wide(homa_ir_baseline=[2.0, 3, 2, 3], homa_ir_12=[1.0, 2, 1, 2]), arm="arm", layout="wide"
    )
    assert "column 'homa_ir_baseline'" in message


def test_wide_outcome_spelt_with_different_case_is_refused():
    message = refused(
        wide(HOMA_IR_0=[2.0, 3, 2, 3], homa_ir_12=[1.0, 2, 1, 2]), arm="arm", layout="wide"
    )
    assert "'HOMA_IR' and 'homa_ir'" in message and "HOMA_IR_0, homa_ir_12" in message


def test_pandas_index_column_is_not_read_and_is_recorded(tmp_path):
    wide(homa_ir_0=[2.0, 3, 2, 3], homa_ir_12=[1.0, 2, 1, 2]).to_csv(tmp_path / "w.csv")
    trial = lt.read_trial(tmp_path / "w.csv", arm="arm", layout="wide")
    assert trial.outcomes == ("homa_ir",) and trial.covariates == ()
    assert any("index written by pandas" in s for s in trial.provenance.steps)
    frame().to_csv(tmp_path / "l.csv")
    trial = lt.read_trial(tmp_path / "l.csv")
    assert trial.outcomes == ("glucose", "insulin")


def test_unnamed_index_like_column_in_a_dataframe_is_not_read():
    df = frame()
    df.insert(0, "Unnamed: 0", range(len(df)))
    trial = lt.read_trial(df)
    assert "Unnamed: 0" not in trial.data.columns


def test_trailing_separator_is_not_an_empty_covariate(tmp_path):
    text = "\n".join(line + "," for line in [HEADER, *ROWS]) + "\n"
    trial = lt.read_trial(write(tmp_path / "t.csv", text))
    assert trial.outcomes == ("glucose", "insulin") and trial.covariates == ()
    assert any("no name and no values" in s for s in trial.provenance.steps)


def test_column_without_a_name_but_with_values_is_refused(tmp_path):
    text = "\n".join([HEADER + ",", *(r + ",x" for r in ROWS)])
    message = refused(write(tmp_path / "u.csv", text))
    assert "u.csv" in message and "column 7 has no name" in message
    assert "give it a name" in message.lower()


# -- separators and arguments ---------------------------------------------------------------


@pytest.mark.parametrize("sep", [";;", "", "ab", "\n", '"', "1", "."])
def test_separator_that_cannot_separate_is_refused(tmp_path, sep):
    message = refused(write(tmp_path / "s.csv", "a;;b\n1;;2\n"), sep=sep)
    assert "s.csv" in message and "sep=" in message


@pytest.mark.parametrize("baseline", ["zero", None, float("nan"), float("inf"), [0]])
def test_baseline_that_is_not_a_number_is_refused(baseline):
    message = refused(frame(), baseline=baseline)
    assert "baseline must be a finite number" in message and "baseline=0" in message


def test_baseline_written_as_text_number_is_read():
    assert lt.read_trial(frame(), baseline="0").design.baseline == 0.0


def test_one_name_as_text_is_one_column():
    df = frame().assign(age=[50, 50, 60, 60, 55, 55, 45, 45])
    trial = lt.read_trial(df, covariates="age", outcomes="glucose")
    assert trial.covariates == ("age",) and trial.outcomes == ("glucose",)
    message = refused(df, covariates=[1, "age"])
    assert "covariates must be column names" in message


@pytest.mark.parametrize("factor", ["x", -1, 0, float("nan"), None])
def test_insulin_factor_errors_name_the_argument(factor):
    message = refused(frame(), units={"insulin": "pmol/L"}, insulin_factor=factor)
    assert "insulin_factor" in message and "insulin_factor=6.0" in message


def test_conversion_factor_error_names_the_argument():
    with pytest.raises(lt.UnitError, match="factor: .* factor=6.0"):
        lt.convert_insulin(10.0, "uU/mL", "pmol/L", factor="six")


# -- folders, unreadable and truncated files ------------------------------------------------


def test_folder_is_refused_as_a_folder(tmp_path):
    message = refused(tmp_path)
    assert "is a folder, not a file" in message and "data file" in message


def test_gzip_data_is_refused_with_the_formats(tmp_path):
    path = write(tmp_path / "d.csv.gz", gzip.compress(("\n".join([HEADER, *ROWS])).encode()))
    assert "unknown file format '.gz'" in refused(path)


def test_binary_file_named_csv_is_refused(tmp_path):
    path = write(tmp_path / "d.csv", gzip.compress(("\n".join([HEADER, *ROWS])).encode()))
    message = refused(path)
    assert "d.csv" in message and "encoding" in message


def test_truncated_parquet_is_refused(tmp_path):
    frame().to_parquet(tmp_path / "f.parquet")
    raw = (tmp_path / "f.parquet").read_bytes()
    message = refused(write(tmp_path / "cut.parquet", raw[: len(raw) // 2]))
    assert "cut.parquet" in message and "written completely" in message


# -- nested values and resource bombs -------------------------------------------------------


def test_nested_parquet_columns_are_refused(tmp_path):
    df = frame().assign(glucose=[[5.0, 5.1]] * 8, insulin=[{"a": 1}] * 8)
    df.to_parquet(tmp_path / "n.parquet")
    message = refused(tmp_path / "n.parquet")
    assert "nested column(s) 'glucose', 'insulin'" in message and "one value per cell" in message


def test_nested_dataframe_cells_are_refused():
    df = frame().astype({"glucose": object})
    df.at[3, "glucose"] = [5.0, 5.2]
    message = refused(df)
    assert (
        "column 'glucose'" in message and "row(s) 3" in message and "one value per cell" in message
    )


def test_parquet_over_the_row_limit_is_refused_before_reading(tmp_path, monkeypatch):
    n = 200_000
    pd.DataFrame({"subject": np.zeros(n, dtype=np.int8)}).to_parquet(tmp_path / "big.parquet")
    monkeypatch.setattr(pd, "read_parquet", lambda *a, **k: pytest.fail("data were read"))
    message = refused(tmp_path / "big.parquet", max_rows=100_000)
    assert "big.parquet" in message and "200,000" in message and "max_rows" in message
    assert "[data.options]" in message


def test_row_limit_can_be_raised(tmp_path):
    frame().to_parquet(tmp_path / "f.parquet")
    assert "max_rows" in refused(tmp_path / "f.parquet", max_rows=7)
    assert lt.read_trial(tmp_path / "f.parquet", max_rows=8).design.n_subjects == 4
    assert "max_rows must be a whole number" in refused(tmp_path / "f.parquet", max_rows=-1)


def test_xlsx_expanding_over_the_limit_is_refused_from_the_zip_directory(tmp_path):
    path = tmp_path / "bomb.xlsx"
    frame().to_excel(path, index=False)
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as book:
        book.writestr("xl/padding.xml", b" " * (3 * 2**20))
    message = refused(path, max_xlsx_bytes=2**20)
    assert "bomb.xlsx" in message and "max_xlsx_bytes" in message and "unzipped" in message
    assert lt.read_trial(path).design.n_subjects == 4


# -- Excel cells whose value would be lost --------------------------------------------------


def workbook(tmp_path: Path, edit) -> Path:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Data"
    for row in [HEADER.split(","), *(r.split(",") for r in ROWS)]:
        sheet.append([float(v) if v.replace(".", "").isdigit() else v for v in row])
    edit(sheet)
    path = tmp_path / "book.xlsx"
    book.save(path)
    return path


def test_excel_error_cells_are_refused_with_their_cells(tmp_path):
    def edit(sheet):
        sheet["E3"] = "#DIV/0!"
        sheet["F5"] = "#N/A"

    message = refused(workbook(tmp_path, edit))
    assert "book.xlsx, sheet 'Data'" in message
    assert "column 'glucose'" in message and "#DIV/0!" in message and "cells E3" in message
    assert "column 'insulin'" in message and "#N/A" in message
    assert "sheet 'Data' row 3" in message or "rows 3" in message


def test_formula_without_cached_value_is_refused(tmp_path):
    def edit(sheet):
        sheet["F4"] = "=E4*2"

    message = refused(workbook(tmp_path, edit))
    assert "column 'insulin'" in message and "formula saved without its computed value" in message
    assert "F4" in message and "save it" in message


def test_excel_without_errors_or_formulas_is_read(tmp_path):
    trial = lt.read_trial(workbook(tmp_path, lambda sheet: None))
    assert trial.design.n_subjects == 4 and trial.data["glucose"].notna().all()
