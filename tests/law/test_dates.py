from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from repatria.errors import InvalidInput
from repatria.law.dates import parse_date, parse_optional_date


def test_parse_date_accepts_iso_text_dates_and_datetimes() -> None:
    assert parse_date("2024-05-01") == date(2024, 5, 1)
    assert parse_date(" 2024-05-01 ") == date(2024, 5, 1)
    assert parse_date(date(2020, 1, 2)) == date(2020, 1, 2)
    assert parse_date(datetime(2020, 1, 2, 13, 45)) == date(2020, 1, 2)


@pytest.mark.parametrize("bad", ["2024-13-01", "01/02/2024", "2024-5-1", "", "yesterday", 20240501])
def test_parse_date_names_the_bad_value_and_the_accepted_form(bad: object) -> None:
    with pytest.raises(InvalidInput, match="YYYY-MM-DD") as error:
        parse_date(bad, where="on")
    assert repr(bad) in error.value.message
    assert error.value.where == "on"


def test_empty_cell_in_a_data_file_means_unknown() -> None:
    assert parse_optional_date("  ", where="x.csv:2") is None
    assert parse_optional_date("2005-12-14", where="x.csv:2") == date(2005, 12, 14)


@given(st.dates())
def test_iso_text_round_trips(day: date) -> None:
    assert parse_date(day.isoformat()) == day
