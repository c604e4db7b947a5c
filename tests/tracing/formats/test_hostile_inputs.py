"""R21: hostile bank files to every reader (reliability.md R21, T4; ASVS 5.2, 5.5.2).

Each file is refused with an ``InvalidInput`` naming the file and what is wrong, within a
time bound generous for a loaded 2-core machine and with a bounded Python heap (tracemalloc
peak; lxml's and DuckDB's own allocations are outside it, so the files stay small enough that
their parsers could not hold much either), and no Parquet file is written. A case's trace of
such a file changes nothing stored on the node.
"""

from __future__ import annotations

import gzip
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import followthemoney  # noqa: F401  (loaded before the heap is measured: ~0.6 s, 30 MB)
import mt940  # type: ignore[import-untyped]  # noqa: F401
import pytest

from repatria.adapters.parquet import write_parquet
from repatria.errors import InvalidInput
from repatria.service import tracing
from repatria.service.node import Node
from repatria.tracing.formats.bounds import INFLATION_FLOOR, MAX_LINE_BYTES, MAX_PARSED_BYTES
from repatria.tracing.ingest import detect_format, ingest
from tests.conftest import CaseFixture, People, snapshot

SECONDS = 5.0
HEAP = 48 * 1024 * 1024
HEADER = b"id,timestamp,from_account,to_account,amount,currency\n"
ROW = b"t1,2024-01-31T09:30:00Z,DE89370400440532013000,GB29NWBK60161331926819,10.00,EUR\n"
IBAN = "DE89370400440532013000"


def _camt(amount: str = "10.00", prolog: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
        f"<Stmt><Id>S1</Id><Acct><Id><IBAN>{IBAN}</IBAN></Id></Acct><Ntry>"
        f'<Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>'
        "<BookgDt><Dt>2024-01-31</Dt></BookgDt><AcctSvcrRef>R1</AcctSvcrRef></Ntry>"
        "</Stmt></BkToCstmrStmt></Document>"
    ).encode()


def _laughs() -> str:
    levels = ['<!ENTITY l0 "lol">'] + [
        f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    ]
    return f"<!DOCTYPE Document [{''.join(levels)}]>"


def _mt940(details: bytes = b"NONREF", line61: bytes = b"2401310131D10,00NTRFNONREF") -> bytes:
    return (
        b":20:STARTUMS\r\n:25:" + IBAN.encode() + b"\r\n:28C:1\r\n:60F:C240130EUR100,00\r\n"
        b":61:" + line61 + b"\r\n:86:" + details + b"\r\n:62F:C240131EUR90,00\r\n"
    )


def _bomb(path: Path) -> None:
    """Short, valid-looking rows, 40 MB of them, gzip'd to a few hundred KB."""
    with gzip.open(path, "wb", compresslevel=9) as gz:
        gz.write(HEADER)
        block = ROW * 10_000
        for _ in range(40 * 1024 * 1024 // len(block)):
            gz.write(block)


Maker = Callable[[Path], None]


def _bytes(content: bytes) -> Maker:
    return lambda path: path.write_bytes(content)


# name, file name, maker, format (None: guessed), what the message must say
HOSTILE: list[tuple[str, str, Maker, str | None, str]] = [
    ("xxe-file", "s.xml", _bytes(_camt("&x;", '<!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/passwd">]>')), "camt053", "declares a DTD"),
    ("xxe-network", "s.xml", _bytes(_camt("&x;", '<!DOCTYPE Document [<!ENTITY x SYSTEM "http://127.0.0.1:9/amount">]>')), "camt053", "declares a DTD"),
    ("xxe-parameter", "s.xml", _bytes(_camt("1.00", '<!DOCTYPE Document [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]>')), "camt053", "DTD"),
    ("external-dtd", "s.xml", _bytes(_camt("1.00", '<!DOCTYPE Document SYSTEM "file:///etc/passwd">')), None, "declares a DTD"),
    ("billion-laughs", "s.xml", _bytes(_camt("&l9;", _laughs())), "camt053", "amplification"),
    ("deep-xml", "s.xml", _bytes(b"<a>" * 100_000 + b"</a>" * 100_000), "camt053", "depth"),
    ("not-xml", "s.xml", _bytes(b"<Document><BkToCstmrStmt>"), "camt053", "not well-formed XML"),
    ("xml-too-big", "s.xml", lambda p: p.write_bytes(b" " * (MAX_PARSED_BYTES + 1)), "camt053", "split the statement"),
    ("csv-empty", "t.csv", _bytes(b""), "canonical", "the file is empty"),
    ("csv-ragged-short", "t.csv", _bytes(HEADER + b"t1,2024-01-31T09:30:00Z,A,B\n"), "canonical", "CSV Error on Line: 2"),
    ("csv-ragged-long", "t.csv", _bytes(HEADER + ROW.rstrip() + b",extra,cells\n"), "canonical", "CSV Error on Line: 2"),
    ("csv-unclosed-quote", "t.csv", _bytes(HEADER + b't1,"2024-01-31,A,B,1.00,EUR\n'), "canonical", "not a well-formed CSV"),
    ("csv-latin1", "t.csv", _bytes(HEADER + "t1,2024-01-31T09:30:00Z,Müller,B,1.00,EUR\n".encode("latin-1")), "canonical", "not UTF-8 at line 2, column 26"),
    ("csv-invalid-utf8", "t.csv", _bytes(HEADER + b"t1,2024-01-31T09:30:00Z,A\xff\xfe,B,1.00,EUR\n"), "canonical", "byte 78 is 0xff"),
    ("csv-truncated-utf8", "t.csv", _bytes(HEADER + ROW + b"\xc3"), "canonical", "ends inside a character"),
    ("csv-utf16", "t.csv", _bytes((HEADER + ROW).decode().encode("utf-16")), "canonical", "UTF-16 text"),
    ("csv-utf16-guessed", "t.csv", _bytes((HEADER + ROW).decode().encode("utf-16")), None, "UTF-16 text"),
    ("csv-huge-first-row", "t.csv", _bytes(HEADER + b"t1,2024-01-31T09:30:00Z," + b"A" * (3 * MAX_LINE_BYTES) + b",B,1.00,EUR\n"), "canonical", "line 2 is longer than"),
    ("csv-huge-header", "t.csv", _bytes(b"i" * (2 * MAX_LINE_BYTES) + b"\n" + ROW), "canonical", "line 1 is longer than"),
    ("csv-absurd-values", "t.csv", _bytes(HEADER + b"t1,99999-01-01T00:00:00Z,A,B,1e400,EUR\nt2,2024-02-30T00:00:00Z,A,B,99999999999999999999999,EUR\nt3,2024-01-31T09:30:00Z,A,B,NaN,XXX\nt4,2024-01-31T09:30:00Z,A,B,-5.00,EUR\n"), "canonical", "7 problem(s), nothing was loaded: row 1, amount '1e400'"),
    ("gzip-bomb", "t.csv.gz", _bomb, "canonical", "decompression bomb"),
    ("gzip-corrupt", "t.csv.gz", _bytes(gzip.compress(HEADER + ROW)[:-12] + b"garbage!"), "canonical", "not a readable gzip file"),
    ("zip-archive", "t.zip", _bytes(b"PK\x03\x04" + b"\x00" * 200), None, "cannot tell the format"),
    ("amlworld-latin1", "a.csv", _bytes("Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,Amount Paid,Payment Currency,Payment Format,Is Laundering\n2022/09/01 00:20,1,Ä,2,B,1,Euro,1,Euro,Wire,0\n".encode("latin-1")), "amlworld", "not UTF-8 at line 2"),
    ("mt940-empty", "s.sta", _bytes(b""), "mt940", "no :25: account identification"),
    ("mt940-header-only", "s.sta", _bytes(b":20:STARTUMS\r\n"), "mt940", "no :25: account identification"),
    ("mt940-absurd-date", "s.sta", _bytes(_mt940(line61=b"9913319999D10,00NTRFNONREF")), "mt940", "not a readable MT940 statement"),
    ("mt940-too-big", "s.sta", lambda p: p.write_bytes(_mt940() + b" " * MAX_PARSED_BYTES), "mt940", "split the statement"),
    ("ftm-deep", "p.json", _bytes(b'{"id":"p","schema":"Payment","properties":' + b"[" * 100_000 + b"]" * 100_000 + b"}\n"), "ftm", "nested too deeply"),
    ("ftm-huge-number", "p.json", _bytes(b'{"id":"p","schema":"Payment","n":' + b"9" * 5000 + b"}\n"), "ftm", "4300 digits"),
    ("ftm-huge-line", "p.json", _bytes(b'{"id":"p","schema":"Payment","p":"' + b"a" * (2 * MAX_LINE_BYTES) + b'"}\n'), "ftm", "line 1 is longer than"),
    ("ftm-latin1", "p.json", _bytes('{"id":"p","schema":"Payment","properties":{"payer":["Müller"]}}\n'.encode("latin-1")), "ftm", "not UTF-8 at line 1"),
    ("ftm-not-an-entity", "p.json", _bytes(b"[1, 2, 3]\n"), "ftm", "expected an FtM entity"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "maker", "fmt", "said"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE]
)
def test_a_hostile_file_is_refused_quickly_with_bounded_memory_and_nothing_written(
    tmp_path: Path, name: str, maker: Maker, fmt: str | None, said: str
) -> None:  # fmt: skip
    path = tmp_path / name
    maker(path)
    out = tmp_path / "out" / "transactions.parquet"
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(InvalidInput) as refused:
            ingest(path, out, format=fmt, write=write_parquet)
        took = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert said in refused.value.message, refused.value.message
    assert refused.value.where == str(path)
    assert took < SECONDS, f"{took:.2f} s"
    assert peak < HEAP, f"{peak:,} bytes of Python heap"
    assert not out.parent.exists() or not any(out.parent.iterdir())


def test_the_gzip_bomb_stops_at_the_inflation_bound_not_at_its_end(tmp_path: Path) -> None:
    path = tmp_path / "t.csv.gz"
    _bomb(path)
    with pytest.raises(InvalidInput) as refused:
        ingest(path, tmp_path / "o.parquet", format="canonical", write=write_parquet)
    packed = path.stat().st_size
    assert packed * 100 < 40 * 1024 * 1024  # a real bomb: the ratio is over 100
    inflated = int(refused.value.message.split("past ")[1].split(" bytes")[0].replace(",", ""))
    assert INFLATION_FLOOR < inflated <= INFLATION_FLOOR + 1024 * 1024


def test_a_lone_huge_first_row_is_refused_where_duckdb_would_load_no_rows(tmp_path: Path) -> None:
    """DuckDB 1.5's CSV reader returns an empty table, no error, when the first data line
    exceeds its buffer: without the bound this file was 'loaded' as 0 rows."""
    path = tmp_path / "t.csv"
    path.write_bytes(
        HEADER + b"t1,2024-01-31T09:30:00Z," + b"A" * (60 * 1024 * 1024) + b",B,1,EUR\n"
    )
    with pytest.raises(InvalidInput, match="line 2 is longer than 1,048,576 bytes"):
        ingest(path, tmp_path / "o.parquet", format="canonical", write=write_parquet)


@pytest.mark.parametrize(
    ("name", "content", "fmt", "rows"),
    [
        ("bom.csv", b"\xef\xbb\xbf" + HEADER + ROW, "canonical", 1),
        ("header-only.csv", HEADER, "canonical", 0),
        ("s.xml", _camt().decode().encode("utf-16"), "camt053", 1),  # XML says its encoding
        ("formula.csv", HEADER + b"=cmd|' /C calc'!A0" + ROW[2:], "canonical", 1),
        ("s.sta", _mt940("Zahlung an Müller".encode("latin-1")), "mt940", 1),
        ("p.json", b'\xef\xbb\xbf{"id":"p","schema":"Payment","properties":{"payer":["a"],"beneficiary":["b"],"amount":["1.00"],"currency":["EUR"],"date":["2024-01-31"]}}\n', "ftm", 1),
    ],
)  # fmt: skip
def test_awkward_but_honest_files_load_as_written(
    tmp_path: Path, name: str, content: bytes, fmt: str, rows: int
) -> None:
    """A UTF-8 BOM, a header with no rows, UTF-16 XML that declares itself, a cell that a
    spreadsheet would run as a formula (kept as text: no CSV of outside input is ever
    exported), Latin-1 in an MT940 information field: read, not refused."""
    path = tmp_path / name
    path.write_bytes(content)
    assert detect_format(path) == fmt
    report = ingest(path, tmp_path / "o.parquet", format=fmt, write=write_parquet)
    assert report.rows == rows


def test_a_trace_of_a_hostile_file_changes_nothing_on_the_node(
    tmp_path: Path, node: Node, people: People, ng_case: CaseFixture
) -> None:
    before = snapshot(node)
    for content in (
        HEADER + "t1,2024-01-31T09:30:00Z,Müller,B,1.00,EUR\n".encode("latin-1"),
        HEADER + b"t1,2024-01-31T09:30:00Z," + b"A" * (3 * MAX_LINE_BYTES) + b",B,1,EUR\n",
        HEADER + b"t1,2024-01-31T09:30:00Z,A,B\n",
    ):
        path = tmp_path / "records.csv"
        path.write_bytes(content)
        with pytest.raises(InvalidInput) as refused:
            tracing.trace_case(node, people.officer, ng_case.case, path, ["t1"], "fifo")
        assert refused.value.where == str(path)
    assert snapshot(node) == before
    assert tracing.list_traces(node, people.officer, ng_case.case) == []
