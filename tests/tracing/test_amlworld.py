"""AMLworld HI-Small layout mapped to the canonical table, on hand-written rows."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from repatria.errors import InvalidInput
from repatria.tracing.amlworld import load_amlworld, read_amlworld_rows
from repatria.tracing.schema import check_table

HEADER = (
    "Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,"
    "Amount Paid,Payment Currency,Payment Format,Is Laundering"
)
ROWS = [
    "2022/09/01 00:20,010,8000EBD30,010,8000EBD30,3697.34,US Dollar,3697.34,US Dollar,Reinvestment,0",
    "2022/09/01 00:20,3208,8000F4580,001,8000F5340,0.01,US Dollar,0.01,US Dollar,Cheque,0",
    "2022/09/01 00:02,3402,80021DAD0,3402,80021DAD0,14675.57,Euro,14675.57,Euro,Reinvestment,0",
    "2022/09/02 13:05,011,8000ECA90,020,80044F6C0,897.37,Euro,1025.10,US Dollar,ACH,1",
    "2022/09/02 13:06,011,8000ECA90,020,80044F6C0,0.00,Euro,0.00,US Dollar,ACH,0",
]


def test_rows_map_to_canonical_columns(tmp_path: Path) -> None:
    path = tmp_path / "HI-Small_Trans.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    con = duckdb.connect()
    result = load_amlworld(con, path, "world")
    assert (result.transactions, result.laundering, result.skipped_non_positive) == (4, 1, 1)
    assert check_table(con, "world") is True
    rows = con.sql(
        "SELECT id, ts, from_account, to_account, amount, currency, from_bank, to_bank, "
        "is_laundering FROM world"
    ).fetchall()
    assert rows[0] == (
        "3",
        datetime(2022, 9, 1, 0, 2),
        "3402:80021DAD0",
        "3402:80021DAD0",
        Decimal("14675.57"),
        "EUR",
        "3402",
        "3402",
        False,
    )
    assert rows[-1] == (
        "4",
        datetime(2022, 9, 2, 13, 5),
        "011:8000ECA90",
        "020:80044F6C0",
        Decimal("1025.10"),
        "USD",
        "011",
        "020",
        True,
    )


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("2022-09-01 00:20,1,A,2,B,1,Euro,1,Euro,ACH,0", "timestamp like 2022/09/01 00:20"),
        ("2022/09/01 00:20,1,A,2,B,1,Euro,x,Euro,ACH,0", "decimal Amount Paid"),
        ("2022/09/01 00:20,1,A,2,B,1,Euro,1,Dogecoin,ACH,0", "Payment Currency among"),
        ("2022/09/01 00:20,1,A,2,B,1,Euro,1,Euro,ACH,yes", "Is Laundering 0 or 1"),
        ("2022/09/01 00:20,1,A,2,B,1,Euro,1,Euro,ACH", "expected 11 fields, found 10"),
    ],
)
def test_bad_rows_name_line_and_field(row: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as info:
        read_amlworld_rows([HEADER, ROWS[0], row], where="f.csv")
    assert info.value.where == "f.csv:3"


def test_wrong_header_is_refused() -> None:
    with pytest.raises(InvalidInput, match="AMLworld header"):
        read_amlworld_rows(["id,timestamp,from_account", "1,2,3"])
