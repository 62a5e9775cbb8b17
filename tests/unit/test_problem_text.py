"""How a validation problem reads: where it is, in the words of the source."""

import pytest

from lifestyle_trials.errors import Problem, TrialDataError


@pytest.mark.parametrize(
    ("rows", "where"),
    [
        (("line 9",), "(line 9)"),
        (("line 7", "line 8"), "(lines 7, 8)"),
        (("sheet 'Data' row 2", "sheet 'Data' row 5"), "(sheet 'Data' rows 2, 5)"),
        (("record 3",), "(record 3)"),
        (("3", "4"), "(rows 3, 4)"),  # a DataFrame's index labels
        (("a b", "a c"), "(rows a b, a c)"),  # labels that only look like noun + number
    ],
)
def test_rows_are_named_as_the_source_numbers_them(rows, where):
    text = Problem("glucose", "1 value(s) <= 0", "correct it", rows=rows).describe()
    assert text == f"column 'glucose': 1 value(s) <= 0 {where}. Correct it"


def test_long_lists_of_rows_are_cut_with_a_count():
    rows = tuple(f"line {i}" for i in range(2, 16))
    text = Problem("insulin", "bad", rows=rows).describe(limit=3)
    assert "(lines 2, 3, 4 and 11 more)" in text


def test_error_lists_every_problem_with_its_source():
    error = TrialDataError(
        [Problem("visit", "not a number", rows=("line 4",)), Problem(None, "no baseline")],
        source="trial.csv",
    )
    assert str(error).splitlines() == [
        "2 problem(s) in trial.csv:",
        "  - column 'visit': not a number (line 4)",
        "  - no baseline",
    ]
    assert error.columns == ("visit",)
