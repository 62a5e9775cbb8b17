"""read_trial: every format and layout ends in the same Trial; bad files are refused clearly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import lifestyle_trials as lt

HEADER = "subject,diet,exercise,visit,age,sex,centre,glucose,insulin,homa_ir"
ROWS = [
    "007,0,0,0,45,M,Tromsø,5.6,11.0,2.74",
    "007,0,0,12,45,M,Tromsø,5.5,12.5,3.06",
    "012,1,0,0,47,F,Oslo,6.1,14.0,3.8",
    "012,1,0,12,47,F,Oslo,5.7,11.5,2.91",
    "101,0,1,0,43,M,Bærum,5.4,9.0,2.16",
    "101,0,1,12,43,M,Bærum,5.3,8.25,1.94",
    "230,1,1,0,49,M,Oslo,5.9,16.0,4.2",
    "230,1,1,12,49,M,Oslo,5.2,10.0,2.31",
]
ARM_OF = {"007": "Control", "012": "Diet", "101": "Exercise", "230": "Diet + Exercise"}


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def european(text: str) -> str:
    """The same table as a European spreadsheet exports it: ';' and decimal commas."""
    return "\n".join(line.replace(",", ";").replace(".", ",") for line in text.split("\n"))


@pytest.fixture
def reference(tmp_path: Path) -> lt.Trial:
    return lt.read_trial(write(tmp_path / "ref.csv", "\n".join([HEADER, *ROWS]) + "\n"))


def assert_same(trial: lt.Trial, reference: lt.Trial) -> None:
    pd.testing.assert_frame_equal(trial.data, reference.data)
    assert trial.design == reference.design
    assert dict(trial.units) == dict(reference.units)


def test_long_csv(reference):
    assert reference.data["subject"].tolist()[:2] == ["007", "007"]  # ids kept as written
    assert reference.covariates == ("age", "sex", "centre")
    assert reference.data["centre"].tolist()[0] == "Tromsø"
    assert len(reference.provenance.sha256) == 64
    assert reference.provenance.source == "ref.csv"


@pytest.mark.parametrize(
    "ids",
    [("1001", "1002"), ("0", "10"), ("-3", "12"), ("+7", "8"), ("007", "12"), ("-0", "5")],
)
def test_numeric_ids_are_kept_as_written(tmp_path, ids):
    lines = [f"{i},0,0,{v},5.6" for i in ids for v in (0, 12)]
    text = "\n".join(["subject,diet,exercise,visit,glucose", *lines]) + "\n"
    trial = lt.read_trial(write(tmp_path / "ids.csv", text))
    assert trial.data["subject"].drop_duplicates().tolist() == list(ids)


@pytest.mark.parametrize(("ids", "reads"), [(("1001", "1002"), 1), (("007", "012"), 2)])
def test_integer_ids_written_plainly_are_not_read_twice(tmp_path, monkeypatch, ids, reads):
    calls = []
    read_csv = pd.read_csv

    def counted(*args, **kwargs):
        calls.append(kwargs)
        return read_csv(*args, **kwargs)

    monkeypatch.setattr(pd, "read_csv", counted)
    lines = [f"{i},0,0,{v},5.6" for i in ids for v in (0, 12)]
    text = "\n".join(["subject,diet,exercise,visit,glucose", *lines]) + "\n"
    trial = lt.read_trial(write(tmp_path / "ids.csv", text))
    assert trial.data["subject"].drop_duplicates().tolist() == list(ids)
    assert len(calls) == reads


def test_trial_and_source_frame_do_not_see_each_others_writes():
    source = pd.DataFrame(
        {
            "subject": ["a", "a", "b", "b"],
            "diet": [0, 0, 1, 1],
            "exercise": [0, 0, 0, 0],
            "visit": [0, 12, 0, 12],
            "age": [40, 40, 50, 50],
            "sex": ["M", "M", "F", "F"],
            "glucose": [5.0, 5.1, 5.2, 5.3],
        }
    )
    original = source.copy()
    trial = lt.read_trial(source)
    data = trial.data.copy()
    trial.data.loc[0, "glucose"] = 9.9
    trial.data.loc[1, "sex"] = "X"
    pd.testing.assert_frame_equal(source, original)
    source.loc[2, "glucose"] = 0.1
    source.loc[3, "age"] = 1
    data.loc[0, "glucose"], data.loc[1, "sex"] = 9.9, "X"
    pd.testing.assert_frame_equal(trial.data, data)


def test_semicolon_and_decimal_comma(tmp_path, reference):
    path = write(tmp_path / "eu.csv", european("\n".join([HEADER, *ROWS])))
    trial = lt.read_trial(path)
    assert_same(trial, reference)
    assert any("decimal comma" in s for s in trial.provenance.steps)


def test_declared_decimal_comma(tmp_path, reference):
    path = write(tmp_path / "eu.csv", european("\n".join([HEADER, *ROWS])))
    assert_same(lt.read_trial(path, sep=";", decimal=","), reference)


def test_utf8_bom_and_crlf(tmp_path, reference):
    path = write(tmp_path / "bom.csv", "\ufeff" + "\r\n".join([HEADER, *ROWS]) + "\r\n")
    assert_same(lt.read_trial(path), reference)


def test_carriage_return_only_line_ends_are_refused(tmp_path):
    path = tmp_path / "mac.csv"
    path.write_bytes("\r".join([HEADER, *ROWS]).encode() + b"\r")
    with pytest.raises(lt.TrialDataError, match="carriage return only") as info:
        lt.read_trial(path)
    assert "mac.csv" in str(info.value)


def test_latin1_excel_export(tmp_path, reference):
    text = european("\n".join([HEADER, *ROWS])) + "\n"
    trial = lt.read_trial(write(tmp_path / "latin.csv", text, "cp1252"))
    assert_same(trial, reference)
    assert any("cp1252" in s for s in trial.provenance.steps)


def test_text_that_is_neither_utf8_nor_latin1_is_refused(tmp_path):
    text = "\n".join([HEADER, *ROWS]).replace("Oslo", "Łódź").replace("ø", "o").replace("æ", "a")
    path = write(tmp_path / "cp1250.csv", text, "cp1250")
    with pytest.raises(lt.TrialDataError, match="not UTF-8.*line 4") as info:
        lt.read_trial(path)
    assert "encoding=" in str(info.value)
    assert lt.read_trial(path, encoding="cp1250").data["centre"].iloc[2] == "Łódź"


def test_utf16_with_bom(tmp_path, reference):
    path = write(tmp_path / "u16.csv", "\n".join([HEADER, *ROWS]) + "\n", "utf-16")
    assert_same(lt.read_trial(path), reference)


def test_tab_separated(tmp_path, reference):
    text = "\n".join([HEADER, *ROWS]).replace(",", "\t") + "\n"
    assert_same(lt.read_trial(write(tmp_path / "t.tsv", text)), reference)


def test_parquet(tmp_path, reference):
    frame = pd.read_csv(tmp_path / "ref.csv", dtype={"subject": str})
    frame.to_parquet(tmp_path / "t.parquet")
    assert_same(lt.read_trial(tmp_path / "t.parquet"), reference)


def test_excel_with_a_sheet(tmp_path, reference):
    frame = pd.read_csv(tmp_path / "ref.csv", dtype={"subject": str})
    path = tmp_path / "t.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"note": ["read me"]}).to_excel(writer, sheet_name="About", index=False)
        frame.to_excel(writer, sheet_name="Data", index=False)
    assert_same(lt.read_trial(path, sheet="Data"), reference)
    with pytest.raises(lt.TrialDataError, match="2 sheets .*'About', 'Data'"):
        lt.read_trial(path)
    with pytest.raises(lt.TrialDataError, match="no sheet named 'data'"):
        lt.read_trial(path, sheet="data")


def test_excel_rows_are_named_by_sheet_row(tmp_path):
    data = pd.DataFrame([r.split(",") for r in ROWS], columns=HEADER.split(","))
    data["insulin"] = data["insulin"].astype(float)
    data.loc[3, "insulin"] = -1.0
    data.to_excel(tmp_path / "bad.xlsx", sheet_name="Trial", index=False)
    with pytest.raises(lt.TrialDataError) as info:
        lt.read_trial(tmp_path / "bad.xlsx")
    problem = next(p for p in info.value.problems if p.column == "insulin")
    assert problem.rows == ("sheet 'Trial' row 5",)
    assert "bad.xlsx, sheet 'Trial'" in str(info.value)


def test_excel_numbers_stored_as_text_with_decimal_comma(tmp_path, reference):
    data = pd.read_csv(tmp_path / "ref.csv", dtype={"subject": str})
    data["glucose"] = [f"{v}".replace(".", ",") for v in data["glucose"]]
    data.to_excel(tmp_path / "text.xlsx", index=False)
    assert_same(lt.read_trial(tmp_path / "text.xlsx"), reference)


def test_wide_layout_with_arm_column(tmp_path, reference):
    long = reference.data
    wide = long.pivot(index="subject", columns="visit", values=["glucose", "insulin", "homa_ir"])
    wide.columns = [f"{o}_{int(v)}" for o, v in wide.columns]
    subjects = reference.subjects().set_index("subject")
    wide = wide.join(subjects[["age", "sex", "centre"]]).reset_index()
    wide.insert(1, "group", [ARM_OF[s] for s in wide["subject"]])
    wide.to_csv(tmp_path / "wide.csv", index=False)
    trial = lt.read_trial(tmp_path / "wide.csv", arm="group", layout="wide")
    assert_same(trial, reference)
    assert any(s.startswith("wide to long: glucose") for s in trial.provenance.steps)


def test_wide_layout_with_explicit_mapping():
    wide = pd.DataFrame(
        {
            "id": ["a", "b"],
            "arm": ["diet", "control"],
            "ins_pre": [12.0, 10.0],
            "ins_post": [9.0, 11.0],
        }
    )
    trial = lt.read_trial(
        wide,
        subject="id",
        arm="arm",
        layout="wide",
        wide={"ins_pre": ("insulin", 0), "ins_post": ("insulin", 6)},
    )
    assert trial.data["insulin"].tolist() == [12.0, 9.0, 10.0, 11.0]
    assert trial.design.visits == (0.0, 6.0)


def test_wide_layout_problems_name_the_cell():
    wide = pd.DataFrame({"id": ["a", "b"], "arm": ["diet", "control"]})
    wide["insulin_0"] = [12.0, 0.0]
    wide["insulin_6"] = [9.0, 11.0]
    with pytest.raises(lt.TrialDataError) as info:
        lt.read_trial(wide, subject="id", arm="arm", layout="wide")
    assert info.value.problems[0].rows == ("1 (insulin_0)",)


def test_wide_layout_without_measured_columns():
    with pytest.raises(lt.TrialDataError, match="none is named <outcome>_<visit>"):
        lt.read_trial(
            pd.DataFrame({"id": [1], "arm": ["diet"], "x": [1]}), arm="arm", layout="wide"
        )


def test_unmeasured_baseline_gets_rows_with_missing_outcome():
    wide = pd.DataFrame({"subject": ["a", "b"], "arm": ["diet", "control"], "gain_1": [3.0, 1.0]})
    trial = lt.read_trial(wide, arm="arm", layout="wide", unmeasured_visits=[0])
    assert trial.design.visits == (0.0, 1.0)
    assert trial.data["gain"].isna().tolist() == [True, False, True, False]
    assert any("not measured" in s for s in trial.provenance.steps)


def test_three_arm_trial_with_arm_mapping_and_screen_failures():
    frame = pd.DataFrame(
        {
            "USUBJID": ["1", "1", "2", "2", "3", "3", "4"],
            "TRT": ["Usual care"] * 2 + ["Low-fat diet"] * 2 + ["Diet + walking"] * 2 + ["SF"],
            "week": [0, 24, 0, 24, 0, 24, 0],
            "weight": [90.0, 89, 95, 90, 99, 92, 80],
        }
    )
    arms = {"usual care": "control", "Low-fat diet": (1, 0), "Diet + walking": (1, 1), "SF": None}
    trial = lt.read_trial(frame, subject="USUBJID", visit="week", arm="TRT", arms=arms)
    assert trial.design.arms == ("control", "diet", "diet+exercise")
    assert not trial.design.is_factorial
    (exclusion,) = trial.exclusions
    assert exclusion.subjects == ("4",) and exclusion.rows == 1
    assert "'SF'" in exclusion.reason
    assert any("Usual care → control" in s for s in trial.provenance.steps)


def test_unknown_arm_label_is_named_with_its_rows():
    frame = pd.DataFrame({"subject": [1, 1], "arm": ["placebo"] * 2, "visit": [0, 1], "y": [1, 2]})
    with pytest.raises(lt.TrialDataError, match="'placebo'") as info:
        lt.read_trial(frame, arm="arm")
    assert info.value.problems[0].rows == ("0", "1")
    assert "arms=" in info.value.problems[0].hint


def test_units_declared_per_column_are_converted_and_recorded(tmp_path, reference):
    data = reference.data.drop(columns="arm").copy()
    data["glucose"] = data["glucose"] * 18.016
    data["insulin"] = data["insulin"] * 6.0
    trial = lt.read_trial(data, units={"glucose": "mg/dL", "insulin": "pmol/L"})
    np.testing.assert_allclose(trial.data["glucose"], reference.data["glucose"], rtol=1e-12)
    np.testing.assert_allclose(trial.data["insulin"], reference.data["insulin"], rtol=1e-12)
    assert sum("converted" in s for s in trial.provenance.steps) == 2


def test_trial_data_round_trips_through_csv(tmp_path, reference):
    reference.data.to_csv(tmp_path / "again.csv", index=False)
    again = lt.read_trial(tmp_path / "again.csv")
    assert_same(again, reference)
    assert "column arm not used (it agrees with the design columns)" in again.provenance.steps


# -- files refused -------------------------------------------------------------------------


def refused(path: Path, **kwargs) -> lt.TrialDataError:
    with pytest.raises(lt.TrialDataError) as info:
        lt.read_trial(path, **kwargs)
    return info.value


def test_line_with_too_few_fields_is_refused_with_its_line(tmp_path):
    rows = [*ROWS]
    rows[4] = rows[4].rsplit(",", 1)[0]
    error = refused(write(tmp_path / "short.csv", "\n".join([HEADER, *rows])))
    assert error.problems[0].rows == ("line 6",)


def test_first_row_with_an_extra_field_is_refused(tmp_path):
    rows = [*ROWS]
    rows[0] += ",extra"
    error = refused(write(tmp_path / "extra.csv", "\n".join([HEADER, *rows])))
    assert error.problems[0].rows == ("line 2",)


def test_extra_field_compensated_elsewhere_is_still_refused(tmp_path):
    rows = [*ROWS]
    rows[0] += ",extra"
    rows[3] = rows[3].rsplit(",", 1)[0]
    error = refused(write(tmp_path / "both.csv", "\n".join([HEADER, *rows])))
    assert error.problems[0].rows == ("line 2", "line 5")


def test_decimal_comma_in_comma_separated_file_is_refused(tmp_path):
    text = "subject,diet,exercise,visit,glucose\n1,0,0,0,5,6\n1,0,0,12,5,4\n"
    error = refused(write(tmp_path / "comma.csv", text))
    assert "decimal comma" in error.problems[0].hint


def test_mixed_decimal_marks_are_refused(tmp_path):
    text = "subject;diet;exercise;visit;glucose;insulin\n1;0;0;0;5,6;11.5\n1;0;0;12;5,4;1.234\n"
    error = refused(write(tmp_path / "mixed.csv", text))
    assert "mixed decimal marks" in str(error) and "insulin" in str(error)


def test_thousands_separator_or_decimal_comma_is_refused_in_tab_file(tmp_path):
    text = "subject\tdiet\texercise\tvisit\tinsulin\n1\t0\t0\t0\t1,234\n1\t0\t0\t12\t1,100\n"
    error = refused(write(tmp_path / "t.tsv", text))
    assert "thousands separator" in str(error)


def test_quoted_values_and_quoted_newlines_keep_line_numbers(tmp_path):
    text = (
        'subject,diet,exercise,visit,note,insulin\n1,0,0,0,"fasted, ok",10\n'
        '1,0,0,12,"two\nlines",11\n2,1,1,0,"",-3\n2,1,1,12,x,9\n'
    )
    error = refused(write(tmp_path / "q.csv", text))
    assert next(p for p in error.problems if p.column == "insulin").rows == ("line 5",)


def test_blank_lines_keep_line_numbers(tmp_path):
    lines = [HEADER, *ROWS]
    lines[5] = lines[5].replace("5.4,9.0", "5.4,0")
    text = "\n".join(lines[:3] + ["", ",,,,,,,,,"] + lines[3:]) + "\n\n"
    error = refused(write(tmp_path / "blank.csv", text))
    assert next(p for p in error.problems if p.column == "insulin").rows == ("line 8",)


def test_missing_file_unknown_format_and_disguised_workbook(tmp_path):
    assert "file not found" in str(refused(tmp_path / "none.csv"))
    assert "'.sav'" in str(refused(write(tmp_path / "x.sav", "a")))
    assert ".xlsx" in str(refused(write(tmp_path / "x.xls", "a")))
    pd.DataFrame({"a": [1]}).to_excel(tmp_path / "book.xlsx", index=False)
    (tmp_path / "book.csv").write_bytes((tmp_path / "book.xlsx").read_bytes())
    assert "zip archive" in str(refused(tmp_path / "book.csv"))


def test_unrecognised_separator_is_refused(tmp_path):
    error = refused(write(tmp_path / "sp.csv", "subject diet exercise visit\n1 0 0 0\n"))
    assert "sep=" in error.problems[0].hint


def test_other_sources_are_refused_and_column_names_need_not_be_text():
    with pytest.raises(lt.TrialDataError, match="not list"):
        lt.read_trial([1, 2])  # type: ignore[arg-type]
    frame = pd.DataFrame(
        {"subject": [1, 1], "diet": 0, "exercise": 0, "visit": [0, 1], 7: [1.0, 2]}
    )
    assert lt.read_trial(frame).outcomes == ("7",)


def test_layout_arguments_are_checked():
    with pytest.raises(lt.TrialDataError, match="layout must be"):
        lt.read_trial(pd.DataFrame({"subject": [1]}), layout="tall")  # type: ignore[arg-type]
    with pytest.raises(lt.TrialDataError, match="need layout='wide'"):
        lt.read_trial(pd.DataFrame({"subject": [1]}), unmeasured_visits=[0])
