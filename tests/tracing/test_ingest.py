"""Ingest: every format into the canonical table, all rows checked, nothing half-loaded."""

from __future__ import annotations

import csv
import shutil
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from repatria.adapters.parquet import run_trace, write_parquet
from repatria.errors import InvalidInput
from repatria.tracing.formats.currencies import CURRENT, KNOWN
from repatria.tracing.formats.iban import find_iban, iban_country, is_iban
from repatria.tracing.ingest import (
    IngestError,
    detect_format,
    ingest,
    ingest_amlworld,
    ingest_csv,
    load,
)
from repatria.tracing.schema import check_table

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
D = Decimal


def rows_of(path: Path) -> dict[str, tuple[object, ...]]:
    con = duckdb.connect()
    load(con, path, "t")
    check_table(con, "t")
    return {r[0]: r for r in con.execute("SELECT * FROM t").fetchall()}


def test_canonical_csv_is_typed_normalised_and_sorted(tmp_path: Path) -> None:
    out = tmp_path / "t.parquet"
    report = ingest_csv(FIXTURES / "canonical.csv", out, write=write_parquet)
    assert (report.rows, report.labelled, report.format) == (3, True, "canonical")
    rows = rows_of(out)
    t2 = rows["t2"]
    assert t2[1] == datetime(2024, 3, 2, 9, 30)  # +01:00 converted to UTC
    assert t2[4] == D("400.50") and t2[5] == "EUR" and t2[9] == "NL"
    assert rows["t1"][10] is True and rows["t3"][10] is False
    assert rows["t3"][6:10] == (None, None, None, None)
    con = duckdb.connect()
    order = [r[0] for r in con.execute(f"SELECT id FROM '{out}'").fetchall()]
    assert order == ["t1", "t3", "t2"]  # ts, then id


def test_every_bad_row_is_reported_with_row_column_and_reason(tmp_path: Path) -> None:
    out = tmp_path / "t.parquet"
    with pytest.raises(IngestError) as err:
        ingest_csv(FIXTURES / "canonical_bad.csv", out, write=write_parquet)
    found = {(e.row, e.column): e for e in err.value.errors}
    assert set(found) == {
        (2, "id"),
        (3, "timestamp"),
        (4, "from_account"),
        (5, "amount"),
        (6, "amount"),
        (7, "amount"),
        (8, "currency"),
        (9, "to_country"),
    }
    assert err.value.total == 8
    assert "first on row 1" in found[2, "id"].reason
    assert found[3, "timestamp"].value == "31/12/2024"
    assert "positive" in found[5, "amount"].reason
    assert "two decimals" in found[6, "amount"].reason
    assert "not a decimal" in found[7, "amount"].reason
    assert "GB" in found[9, "to_country"].reason  # UK: did you mean GB?
    assert isinstance(err.value, InvalidInput)
    assert not out.exists()


def test_errors_are_capped_but_counted(tmp_path: Path) -> None:
    with pytest.raises(IngestError) as err:
        ingest_csv(
            FIXTURES / "canonical_bad.csv",
            tmp_path / "t.parquet",
            max_errors=3,
            write=write_parquet,
        )
    assert len(err.value.errors) == 3
    assert err.value.total == 8
    assert "8 problem(s)" in str(err.value)


def test_a_failed_ingest_leaves_the_previous_file_untouched(tmp_path: Path) -> None:
    out = tmp_path / "t.parquet"
    ingest_csv(FIXTURES / "canonical.csv", out, write=write_parquet)
    before = out.read_bytes()
    with pytest.raises(IngestError):
        ingest_csv(FIXTURES / "canonical_bad.csv", out, write=write_parquet)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["t.parquet"]  # no temporary left


def test_missing_columns_are_named(tmp_path: Path) -> None:
    src = tmp_path / "x.csv"
    src.write_text("id,timestamp,from_account,amount\n1,2024-01-01,A,1\n")
    with pytest.raises(InvalidInput) as err:
        ingest_csv(src, tmp_path / "t.parquet", write=write_parquet)
    assert "to_account, currency" in str(err.value)


def test_amlworld_layout_maps_names_row_ids_and_paid_amounts(tmp_path: Path) -> None:
    out = tmp_path / "t.parquet"
    report = ingest_amlworld(FIXTURES / "amlworld.csv", out, write=write_parquet)
    assert (report.rows, report.dropped, report.labelled) == (4, 1, True)
    rows = rows_of(out)
    assert set(rows) == {"1", "2", "3", "5"}  # row 4 is bitcoin dust, rounds to 0.00
    one = rows["1"]
    assert one[1:6] == (datetime(2022, 9, 1, 0, 20), "8000EBD30", "8000EBD30", D("3697.34"), "USD")
    assert one[6:8] == ("010", "010") and one[10] is False
    assert rows["3"][4:6] == (D("1.18"), "CNY")  # paid 1.18 Yuan (received 1.23 Euro)
    assert rows["5"][4:6] == (D("0.05"), "XBT") and rows["5"][10] is True


def test_amlworld_header_is_checked(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="AMLworld"):
        ingest_amlworld(FIXTURES / "canonical.csv", tmp_path / "t.parquet", write=write_parquet)


def test_camt053_v02_entries_batches_and_unknown_counterparties(tmp_path: Path) -> None:
    out = tmp_path / "t.parquet"
    report = ingest(FIXTURES / "camt053_v02.xml", out, write=write_parquet)
    rows = rows_of(out)
    assert report.format == "camt053" and report.rows == 4  # the pending entry is left out
    own = "CH9300762011623852957"
    credit = rows["UBS-0001"]
    assert credit[2:6] == ("GB82WEST12345698765432", own, D("5000.00"), "CHF")
    assert credit[6:10] == ("WESTGB2L", "UBSWCHZH80A", "GB", "CH")
    assert credit[1] == datetime(2024, 3, 4)  # booking date, not value date
    assert rows["STMT-2024-03-05/2/1"][2:5] == (own, "NL91ABNA0417164300", D("700.00"))
    assert rows["STMT-2024-03-05/2/2"][2:5] == (own, "LOCAL-77", D("500.00"))
    assert rows["STMT-2024-03-05/4"][3] == f"unknown counterparty of {own}"


def test_camt053_v08_prefixed_namespace_bicfi_and_datetime(tmp_path: Path) -> None:
    out = tmp_path / "t.parquet"
    ingest(FIXTURES / "camt053_v08.xml", out, write=write_parquet)
    (row,) = rows_of(out).values()
    assert row[0] == "CB-42"
    assert row[1] == datetime(2024, 3, 31, 12, 15)  # 14:15+02:00 in UTC
    assert row[2:10] == (
        "DE89370400440532013000",
        "FR1420041010050500013M02606",
        D("250.75"),
        "EUR",
        "COBADEFFXXX",
        "PSSTFRPP",
        "DE",
        "FR",
    )


def test_camt053_bad_direction_and_wrong_document(tmp_path: Path) -> None:
    text = (FIXTURES / "camt053_v08.xml").read_text().replace(">DBIT<", ">DEBIT<")
    bad = tmp_path / "bad.xml"
    bad.write_text(text)
    with pytest.raises(InvalidInput, match="expected CRDT"):
        ingest(bad, tmp_path / "t.parquet", write=write_parquet)
    other = tmp_path / "other.xml"
    other.write_text("<Document><CstmrCdtTrfInitn/></Document>")
    with pytest.raises(InvalidInput, match="BkToCstmrStmt"):
        ingest(other, tmp_path / "t.parquet", format="camt053", write=write_parquet)


def test_mt940_counterparties_from_86_or_an_explicit_unknown(tmp_path: Path) -> None:
    out = tmp_path / "t.parquet"
    report = ingest(FIXTURES / "statement.sta", out, write=write_parquet)
    assert report.format == "mt940"
    rows = rows_of(out)
    own = "NL91ABNA0417164300"
    first, second, third, fourth = (rows[f"{own}/STMT0001/{n}"] for n in range(1, 5))
    # /IBAN/ subfield, debit: money out to the counterparty, bank from /BIC/
    assert first[2:8] == (own, "DE89370400440532013000", D("250.00"), "EUR", "ABNANL2A", "COBADEFF")
    # German ?31 subfield, credit: money in; entry date (0104), not value date (0103)
    assert second[1:4] == (datetime(2024, 1, 4), "GB82WEST12345698765432", own)
    # an IBAN written in free text, in groups of four
    assert third[3] == "FR1420041010050500013M02606"
    assert fourth[2] == f"unknown counterparty of {own}"


def test_ftm_payments_resolve_bank_accounts_then_legal_entities(tmp_path: Path) -> None:
    out = tmp_path / "t.parquet"
    ingest(FIXTURES / "payments.ftm.jsonl", out, write=write_parquet)
    rows = rows_of(out)
    assert rows["pay-1"][2:10] == (
        "CH9300762011623852957",
        "0012-3456",
        D("1500.00"),
        "USD",
        "UBSWCHZH",
        "Bank of Somewhere",
        "CH",
        "PA",
    )
    assert rows["pay-2"][2] == "entity:co-1" and rows["pay-2"][8] == "VG"


def test_formats_are_detected_from_content(tmp_path: Path) -> None:
    expected = {
        "canonical.csv": "canonical",
        "amlworld.csv": "amlworld",
        "camt053_v02.xml": "camt053",
        "statement.sta": "mt940",
        "payments.ftm.jsonl": "ftm",
    }
    for name, fmt in expected.items():
        assert detect_format(FIXTURES / name) == fmt
    odd = tmp_path / "odd.txt"
    odd.write_text("hello,world\n")
    with pytest.raises(InvalidInput, match="cannot tell the format"):
        detect_format(odd)
    with pytest.raises(InvalidInput, match="expected one of"):
        ingest(
            FIXTURES / "canonical.csv", tmp_path / "t.parquet", format="xls", write=write_parquet
        )


def test_each_stage_is_reported_to_the_listener(tmp_path: Path) -> None:
    heard: list[tuple[str, str, int, int]] = []

    def listen(label: str, what: str, done: int, total: int) -> None:
        heard.append((label, what, done, total))

    report = ingest_csv(
        FIXTURES / "canonical.csv", tmp_path / "t.parquet", progress=listen, write=write_parquet
    )
    assert report.rows == 3
    label = "ingest canonical.csv"
    assert heard == [
        (label, "", 0, 3),
        (label, "read", 1, 3),
        (label, "checked", 2, 3),
        (label, "written", 3, 3),
    ]


def test_run_trace_ingests_a_csv_then_traces(tmp_path: Path) -> None:
    result = run_trace(FIXTURES / "canonical.csv", ["t1"], "fifo")
    assert result.transactions == {"t1": D("1000.00"), "t2": D("400.50")}
    assert result.accounts == {
        "GB82WEST12345698765432": D("599.50"),
        "NL91ABNA0417164300": D("400.50"),
    }
    assert result.by_country() == {"GB": D("599.50"), "NL": D("400.50")}


def test_iban_check_digits_and_search_in_text() -> None:
    assert is_iban("GB82 WEST 1234 5698 7654 32")
    assert not is_iban("GB82WEST12345698765433")
    assert iban_country("de89370400440532013000") == "DE"
    assert iban_country("0012-3456") is None
    assert find_iban("ref GB82WEST12345698765432SHELL LTD") == "GB82WEST12345698765432"
    assert find_iban("no account here, DE00 1234") is None


def test_currency_list_has_the_majors_and_not_the_non_money_codes() -> None:
    assert {"EUR", "USD", "GBP", "CHF", "JPY", "CNY", "NGN"} <= CURRENT
    assert "XXX" not in KNOWN and "XTS" not in KNOWN
    assert "HRK" in KNOWN and "HRK" not in CURRENT


valid_rows = st.lists(
    st.tuples(
        st.integers(0, 10**6),  # minutes after the epoch of the test
        st.sampled_from(["A", "B", "C", "DE89370400440532013000"]),
        st.sampled_from(["A", "B", "C", "GB82WEST12345698765432"]),
        st.integers(1, 10**12),  # cents
        st.sampled_from(["EUR", "usd", "Chf"]),
        st.sampled_from(["", "CH", "gb", "NG"]),
    ),
    min_size=1,
    max_size=30,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(valid_rows)
def test_valid_rows_survive_the_round_trip_exactly(tmp_path: Path, rows: list[tuple]) -> None:  # type: ignore[type-arg]
    shutil.rmtree(tmp_path / "rt", ignore_errors=True)
    (tmp_path / "rt").mkdir()
    src = tmp_path / "rt" / "in.csv"
    start = datetime(2020, 1, 1, tzinfo=UTC)
    with src.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            ["id", "timestamp", "from_account", "to_account", "amount", "currency", "to_country"]
        )
        for i, (minute, payer, payee, cents, ccy, country) in enumerate(rows):
            when = (start + timedelta(minutes=minute)).isoformat()
            w.writerow([f"r{i}", when, payer, payee, f"{D(cents) / 100:.2f}", ccy, country])
    out = tmp_path / "rt" / "t.parquet"
    assert ingest_csv(src, out, write=write_parquet).rows == len(rows)
    back = rows_of(out)
    for i, (minute, payer, payee, cents, ccy, country) in enumerate(rows):
        got = back[f"r{i}"]
        assert got[1] == datetime(2020, 1, 1) + timedelta(minutes=minute)
        assert got[2:6] == (payer, payee, D(cents) / 100, ccy.upper())
        assert got[9] == (country.upper() or None)


def test_amount_text_is_read_exactly_into_cents(tmp_path: Path) -> None:
    src = tmp_path / "amounts.csv"
    lines = ["id,timestamp,from_account,to_account,amount,currency"]
    good = {"g1": ("1.500", D("1.50")), "g2": (".5", D("0.50")), "g3": ("007", D("7.00"))}
    good["g4"] = ("9999999999999999.99", D("9999999999999999.99"))
    for tid, (text, _) in good.items():
        lines.append(f"{tid},2024-01-01T00:00:00Z,A,B,{text},EUR")
    src.write_text("\n".join(lines) + "\n")
    out = tmp_path / "t.parquet"
    ingest_csv(src, out, write=write_parquet)
    assert {k: v[4] for k, v in rows_of(out).items()} == {k: v[1] for k, v in good.items()}
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "id,timestamp,from_account,to_account,amount,currency\n"
        "b1,2024-01-01,A,B,1e3,EUR\n"
        "b2,2024-01-01,A,B,10000000000000000,EUR\n"
        "b3,2024-01-01,A,B,0.00,EUR\n"
        "b4,2024-01-01,A,B,,EUR\n"
    )
    with pytest.raises(IngestError) as err:
        ingest_csv(bad, tmp_path / "b.parquet", write=write_parquet)
    reasons = {e.row: e.reason for e in err.value.errors}
    assert "not a decimal" in reasons[1]
    assert "too large" in reasons[2]
    assert "not positive" in reasons[3]
    assert "missing amount" in reasons[4]
