"""Bank data into the canonical transaction table, all rows checked, nothing half-loaded.

Every format ends in one *raw* relation of text columns (``_row`` plus the canonical
columns, see ``schema.py``); one set of SQL checks then reports every offending row (row
number, column, value, reason), up to a cap, in a single :class:`IngestError`. Only when
no row is wrong is the table written, as Parquet to a temporary file in the target folder,
then renamed over the target (an atomic rename on POSIX), so a reader sees either the old
file or the whole new one.

Formats (``formats/`` holds the parsers for the non-CSV ones):

* ``canonical``: CSV ``id,timestamp,from_account,to_account,amount,currency`` with optional
  ``from_bank,to_bank,from_country,to_country,is_laundering``; other columns are ignored.
* ``amlworld``: the IBM synthetic AML data sets (Altman et al., 2023, "Realistic Synthetic
  Financial Transactions for Anti-Money Laundering Models", NeurIPS Datasets and Benchmarks).
* ``camt053``: ISO 20022 ``BkToCstmrStmt`` bank statements (camt.053.001.02 to .08).
* ``mt940``: SWIFT MT940 customer statements.
* ``ftm``: FollowTheMoney ``Payment`` entities as JSON lines.

DuckDB does the bulk work for the CSV layouts (``read_csv`` with every column as text, then
SQL). Each stage is reported to an optional ``StageListener`` (the CLI draws a Rich bar).
"""

from __future__ import annotations

import codecs
import time
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import duckdb

from repatria.domain.jurisdiction import all_jurisdictions, parse_jurisdiction
from repatria.errors import InvalidInput
from repatria.tracing.formats.bounds import check_text, refuse_utf16
from repatria.tracing.formats.camt053 import parse_camt053
from repatria.tracing.formats.currencies import AMLWORLD_CURRENCIES, KNOWN
from repatria.tracing.formats.ftm import parse_ftm_payments
from repatria.tracing.formats.mt940 import parse_mt940
from repatria.tracing.schema import AMOUNT_TYPE, LABEL_COLUMN

__all__ = [
    "FORMATS",
    "IngestError",
    "IngestReport",
    "RowError",
    "detect_format",
    "ingest",
    "ingest_amlworld",
    "ingest_csv",
    "ingest_records",
    "load",
]

FORMATS = ("canonical", "amlworld", "camt053", "mt940", "ftm")
REQUIRED_CSV = ("id", "timestamp", "from_account", "to_account", "amount", "currency")
OPTIONAL_CSV = ("from_bank", "to_bank", "from_country", "to_country", "is_laundering")
RAW_COLUMNS = (*REQUIRED_CSV, *OPTIONAL_CSV)
AMLWORLD_HEADER = (
    "Timestamp",
    "From Bank",
    "Account",
    "To Bank",
    "Account",
    "Amount Received",
    "Receiving Currency",
    "Amount Paid",
    "Payment Currency",
    "Payment Format",
    "Is Laundering",
)
_TRUE = ("1", "true", "t", "yes", "y")
_FALSE = ("0", "false", "f", "no", "n")


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in one cell: which row (1 = first data row), which column, and why."""

    row: int
    column: str
    value: str | None
    reason: str

    def __str__(self) -> str:
        shown = "" if self.value is None else f" {self.value!r}"
        return f"row {self.row}, {self.column}{shown}: {self.reason}"


class IngestError(InvalidInput):
    """The input has rows that cannot be loaded; ``errors`` lists them (up to the cap)."""

    def __init__(self, source: str, errors: Sequence[RowError], total: int) -> None:
        shown = "; ".join(str(e) for e in errors[:5])
        more = f" (and {total - 5} more)" if total > 5 else ""
        super().__init__(f"{total} problem(s), nothing was loaded: {shown}{more}", where=source)
        self.errors = list(errors)
        self.total = total


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What was loaded: where, how many rows, whether labelled, and how long it took."""

    path: Path
    format: str
    rows: int
    labelled: bool
    seconds: float
    dropped: int = 0
    """Rows left out on purpose (AMLworld amounts that round to zero cents)."""

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else float("inf")


# ---- progress ---------------------------------------------------------------------------


class ParquetWriter(Protocol):
    """Writes the rows of ``select`` (a query on ``con``) to the Parquet file ``out``, whole
    or not at all. The engine composes the checked query; the file is the adapter's
    (``repatria.adapters.parquet.write_parquet``), so the engine writes nothing itself."""

    def __call__(self, con: duckdb.DuckDBPyConnection, select: str, out: Path) -> None: ...


class StageListener(Protocol):
    """Told how far an ingest has come: ``done`` of ``total`` stages of ``label``, the last
    one ``what`` (empty before the first). The CLI draws it as a Rich bar; the engine itself
    draws nothing, so it runs the same in a server, a test or a notebook."""

    def __call__(self, label: str, what: str, done: int, total: int) -> None: ...


class _Stages:
    """The ingest stages, reported to a listener when one is given."""

    def __init__(self, label: str, total: int, listener: StageListener | None) -> None:
        self.total = total
        self.label = label
        self.done = 0
        self._listener = listener

    @contextmanager
    def running(self) -> Iterator[_Stages]:
        if self._listener is not None:
            self._listener(self.label, "", 0, self.total)
        yield self

    def step(self, what: str, advance: int = 1) -> None:
        self.done += advance
        if self._listener is not None:
            self._listener(self.label, what, self.done, self.total)


# ---- the shared checks ------------------------------------------------------------------


def _connection() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    # No lookups of Python variables as tables: every relation here is named on purpose.
    con.execute("SET python_enable_replacements = false")
    return con


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _values_table(con: duckdb.DuckDBPyConnection, name: str, values: Sequence[str]) -> None:
    import pyarrow as pa

    # An Arrow table, not a list parameter: DuckDB binds list parameters value by value.
    con.register(f"{name}_arrow", pa.table({"code": pa.array(sorted(set(values)), pa.string())}))
    con.execute(f"CREATE TEMP TABLE {name} AS SELECT code FROM {name}_arrow")  # nosec B608  # name is a fixed temp table name chosen here; values go in as Arrow


# Amounts are parsed as text into integer cents: DuckDB 1.5 casts text to DECIMAL about ten
# times slower than this (2.3 s against 0.2 s per million rows), and integers keep every cent.
# At most 16 digits before the point, so that cents fit a BIGINT everywhere downstream.
_TYPED_SQL = r"""
CREATE TEMP TABLE typed AS
SELECT * EXCLUDE (sign, int_part, frac),
       CASE WHEN amount_ok AND length(ltrim(int_part, '0')) <= 16 THEN
           sign * (CAST(coalesce(NULLIF(int_part, ''), '0') AS BIGINT) * 100
                   + CAST(rpad(left(frac, 2), 2, '0') AS BIGINT)
                   + CASE WHEN {round_cents} AND substr(frac, 3, 1) >= '5' THEN 1 ELSE 0 END)
       END AS cents,
       length(ltrim(int_part, '0')) > 16 AS amount_big,
       length(rtrim(frac, '0')) > 2 AS amount_extra
FROM (
    SELECT
        _row,
        NULLIF(trim(id), '') AS id,
        NULLIF(trim("timestamp"), '') AS ts_text,
        {ts_expr} AS ts,
        NULLIF(trim(from_account), '') AS from_account,
        NULLIF(trim(to_account), '') AS to_account,
        amount_text,
        regexp_full_match(amount_text, '[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)') AS amount_ok,
        CASE WHEN starts_with(amount_text, '-') THEN -1 ELSE 1 END AS sign,
        regexp_extract(amount_text, '^[+-]?([0-9]*)', 1) AS int_part,
        regexp_extract(amount_text, '\.([0-9]*)$', 1) AS frac,
        NULLIF(upper(trim(currency)), '') AS currency,
        NULLIF(trim(from_bank), '') AS from_bank,
        NULLIF(trim(to_bank), '') AS to_bank,
        NULLIF(upper(trim(from_country)), '') AS from_country,
        NULLIF(upper(trim(to_country)), '') AS to_country,
        NULLIF(lower(trim(is_laundering)), '') AS label_text
    FROM (SELECT *, NULLIF(trim(amount), '') AS amount_text FROM raw)
)
"""

_ERRORS_SQL = """
SELECT _row, 'id', NULL, 'missing transaction id' FROM typed WHERE id IS NULL
UNION ALL
SELECT _row, 'id', id, 'id repeats; first on row ' || first_row
FROM (SELECT _row, id, min(_row) OVER (PARTITION BY id) AS first_row
      FROM typed WHERE id IS NOT NULL)
WHERE _row > first_row
UNION ALL
SELECT _row, 'timestamp', ts_text,
       CASE WHEN ts_text IS NULL THEN 'missing timestamp'
            ELSE 'not a date-time; expected {ts_expected}' END
FROM typed WHERE ts IS NULL
UNION ALL
SELECT _row, 'timestamp', ts_text, 'outside the years 1900 to 2199'
FROM typed WHERE ts < TIMESTAMP '1900-01-01' OR ts >= TIMESTAMP '2200-01-01'
UNION ALL
SELECT _row, 'from_account', NULL, 'missing payer account'
FROM typed WHERE from_account IS NULL
UNION ALL
SELECT _row, 'to_account', NULL, 'missing payee account' FROM typed WHERE to_account IS NULL
UNION ALL
SELECT _row, 'amount', amount_text,
       CASE WHEN amount_text IS NULL THEN 'missing amount'
            WHEN NOT amount_ok THEN 'not a decimal number (expected e.g. 1234.56)'
            WHEN amount_big THEN 'too large; at most 16 digits before the point'
            WHEN cents <= 0 THEN 'not positive; amounts must be greater than zero'
            ELSE 'more than two decimals; the canonical table keeps cents' END
FROM typed
WHERE amount_text IS NULL OR NOT amount_ok OR amount_big OR cents <= 0 OR {extra_check}
UNION ALL
SELECT _row, 'currency', currency,
       CASE WHEN currency IS NULL THEN 'missing currency'
            ELSE 'not an ISO 4217 currency code (expected e.g. EUR, USD, GBP)' END
FROM typed WHERE currency IS NULL OR currency NOT IN (SELECT code FROM known_currencies)
UNION ALL
SELECT _row, 'from_country', from_country, 'country' FROM typed
WHERE from_country IS NOT NULL AND from_country NOT IN (SELECT code FROM known_countries)
UNION ALL
SELECT _row, 'to_country', to_country, 'country' FROM typed
WHERE to_country IS NOT NULL AND to_country NOT IN (SELECT code FROM known_countries)
UNION ALL
SELECT _row, 'is_laundering', label_text, 'not a boolean; expected 0, 1, true or false'
FROM typed WHERE label_text IS NOT NULL AND label_text NOT IN ({booleans})
"""


def _country_reason(value: str | None) -> str:
    try:
        parse_jurisdiction(value)
    except InvalidInput as exc:
        return exc.message
    return "not an ISO 3166-1 alpha-2 country code"


def _check_and_write(
    con: duckdb.DuckDBPyConnection,
    out: Path,
    *,
    source: str,
    fmt: str,
    labelled: bool,
    max_errors: int,
    stages: _Stages,
    started: float,
    write: ParquetWriter,
    ts_expr: str = "timezone('UTC', TRY_CAST(trim(\"timestamp\") AS TIMESTAMPTZ))",
    ts_expected: str = "ISO 8601, e.g. 2024-01-31T09:30:00Z",
    round_cents: bool = False,
) -> IngestReport:
    """Check the text relation ``raw`` and, if every row is good, write ``out`` atomically.

    With ``round_cents`` amounts are rounded half up to the cent (AMLworld) and rows whose
    positive amount rounds to zero are dropped and counted; otherwise a third decimal other
    than zero is an error.
    """
    _values_table(con, "known_currencies", sorted(KNOWN))
    _values_table(con, "known_countries", [j.code for j in all_jurisdictions()])
    con.execute(_TYPED_SQL.format(ts_expr=ts_expr, round_cents="true" if round_cents else "false"))
    dropped = 0
    if round_cents:
        dust = (
            "amount_ok AND cents = 0 AND NOT starts_with(amount_text, '-') "
            "AND regexp_matches(amount_text, '[1-9]')"
        )
        counted = con.execute(f"SELECT count(*) FROM typed WHERE {dust}").fetchone()  # nosec B608  # dust is a fixed predicate
        dropped = int(counted[0]) if counted else 0
        if dropped:
            con.execute(f"DELETE FROM typed WHERE {dust}")  # nosec B608  # dust is a fixed predicate
    booleans = ", ".join(_literal(b) for b in (*_TRUE, *_FALSE))
    errors_sql = _ERRORS_SQL.format(
        ts_expected=ts_expected.replace("'", "''"),
        booleans=booleans,
        extra_check="false" if round_cents else "amount_extra",
    )
    total = con.execute(f"SELECT count(*) FROM ({errors_sql})").fetchone()  # nosec B608  # errors_sql is a fixed template whose literals are escaped with _literal
    n_errors = int(total[0]) if total else 0
    stages.step("checked")
    if n_errors:
        rows = con.execute(
            f"SELECT * FROM ({errors_sql}) ORDER BY 1, 2 LIMIT {int(max_errors)}"  # nosec B608  # errors_sql is a fixed template with escaped literals; max_errors an int
        ).fetchall()
        found = [
            RowError(
                int(r[0]),
                str(r[1]),
                None if r[2] is None else str(r[2]),
                _country_reason(r[2]) if r[3] == "country" else str(r[3]),
            )
            for r in rows
        ]
        raise IngestError(source, found, n_errors)
    label = (
        f", (label_text IN ({', '.join(_literal(b) for b in _TRUE)})) AS {LABEL_COLUMN.name}"
        if labelled
        else ""
    )
    select = f"""
        SELECT id, ts, from_account, to_account,
               CAST(CAST(cents AS DECIMAL(20,0)) * 0.01 AS {AMOUNT_TYPE}) AS amount,
               currency, from_bank, to_bank, from_country, to_country{label}
        FROM typed ORDER BY ts, id
    """  # nosec B608  # AMOUNT_TYPE and the label are constants, its literals escaped with _literal
    write(con, select, out)
    stages.step("written")
    count = con.execute("SELECT count(*) FROM typed").fetchone()
    return IngestReport(
        path=out,
        format=fmt,
        rows=int(count[0]) if count else 0,
        labelled=labelled,
        seconds=time.perf_counter() - started,
        dropped=dropped,
    )


# ---- CSV layouts --------------------------------------------------------------------------


def _csv_header(path: Path) -> list[str]:
    import csv

    opener = _open_text(path)
    with opener as fh:
        reader = csv.reader(fh)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise InvalidInput(
                "the file is empty; expected a header row", where=str(path)
            ) from None
        except csv.Error as exc:
            raise InvalidInput(f"the header row is not CSV: {exc}", where=str(path)) from None
    for number, name in enumerate(header, start=1):
        # The names go into DuckDB's SQL as quoted literals; a NUL ends its query text
        # there (found by R22), and no real column name holds a control character.
        if not name:  # DuckDB cannot bind a column without a name (found by R22)
            raise InvalidInput(f"column {number} of the header has no name", where=str(path))
        bad = next((c for c in name if unicodedata.category(c) == "Cc"), None)
        if bad is not None:
            raise InvalidInput(
                f"column {number} of the header holds the control character U+{ord(bad):04X}",
                where=str(path),
            )
    return header


def _open_text(path: Path):  # type: ignore[no-untyped-def]
    if path.suffix == ".gz":
        import gzip

        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return path.open("r", encoding="utf-8-sig", newline="")


def _read_csv(con: duckdb.DuckDBPyConnection, sql: str, src: Path) -> None:
    """Run DuckDB's ``read_csv``; a row it cannot split is the input's fault, named by line."""
    try:
        con.execute(sql)
    except duckdb.InvalidInputException as exc:
        # DuckDB's text goes on to suggest reader options; the first two lines say what.
        said = " ".join(str(exc).splitlines()[:2])[:300]
        raise InvalidInput(f"not a well-formed CSV: {said}", where=str(src)) from None


def _require_file(path: str | Path) -> Path:
    p = Path(path)
    if not p.is_file():
        raise InvalidInput(f"no file at {str(p)!r}", where="path")
    return p


def ingest_csv(
    path: str | Path,
    out: str | Path,
    *,
    max_errors: int = 100,
    progress: StageListener | None = None,
    write: ParquetWriter,
) -> IngestReport:
    """Load a canonical CSV (optionally gzip) into canonical Parquet at ``out``."""
    started = time.perf_counter()
    src = _require_file(path)
    check_text(src)
    header = _csv_header(src)
    missing = [c for c in REQUIRED_CSV if c not in header]
    if missing:
        raise InvalidInput(
            f"missing column(s) {', '.join(missing)}; a canonical CSV needs "
            f"{','.join(REQUIRED_CSV)} (optional: {','.join(OPTIONAL_CSV)}); found "
            f"{','.join(header)}",
            where=str(src),
        )
    # DuckDB compares column names ignoring case, so "Timestamp" beside "timestamp" is the
    # same name twice to it (found by R22).
    folded = [h.casefold() for h in header]
    dupes = sorted({h for h, f in zip(header, folded, strict=True) if folded.count(f) > 1})
    if dupes:
        raise InvalidInput(
            f"column(s) {', '.join(dupes)} appear twice (names are compared ignoring case)",
            where=str(src),
        )
    labelled = "is_laundering" in header
    stages = _Stages(f"ingest {src.name}", 3, progress)
    con = _connection()
    with stages.running():
        _read_csv(
            con,
            f"""CREATE TEMP TABLE csv AS SELECT * FROM read_csv({_literal(str(src))},
                header = true, all_varchar = true, auto_detect = false,
                columns = {{{", ".join(f"{_literal(h)}: 'VARCHAR'" for h in header)}}},
                delim = ',', quote = '"', escape = '"', strict_mode = true)""",  # nosec B608  # the path and header names go in as literals escaped with _literal
            src,
        )
        cols = ", ".join(
            f'csv."{c}" AS "{c}"' if c in header else f'NULL::VARCHAR AS "{c}"' for c in RAW_COLUMNS
        )
        # rowid follows insertion order, so _row is the data row number (header excluded).
        con.execute(f"CREATE TEMP VIEW raw AS SELECT csv.rowid + 1 AS _row, {cols} FROM csv")  # nosec B608  # cols quote the RAW_COLUMNS constants
        stages.step("read")
        return _check_and_write(
            con,
            Path(out),
            source=str(src),
            fmt="canonical",
            labelled=labelled,
            max_errors=max_errors,
            stages=stages,
            started=started,
            write=write,
        )


def ingest_amlworld(
    path: str | Path,
    out: str | Path,
    *,
    max_errors: int = 100,
    progress: StageListener | None = None,
    write: ParquetWriter,
) -> IngestReport:
    """Load an IBM AMLworld CSV (``HI-Small_Trans.csv`` and the like).

    Mapping: id = data row number (1 = first row after the header); ts = ``Timestamp``
    (``2022/09/01 00:20``, read as UTC); payer = first ``Account`` at ``From Bank``; payee =
    second ``Account`` at ``To Bank``; amount and currency = ``Amount Paid`` and ``Payment
    Currency`` (what left the payer's account; ``Amount Received`` differs only for payments
    across currencies), rounded half up to the cent; currency names map to ISO codes
    (``formats.currencies.AMLWORLD_CURRENCIES``); ``Is Laundering`` is the label;
    ``Payment Format`` is not kept. Rows whose amount rounds to 0.00 (bitcoin dust) are
    left out and counted in ``IngestReport.dropped``.
    """
    started = time.perf_counter()
    src = _require_file(path)
    check_text(src)
    header = tuple(_csv_header(src))
    if header != AMLWORLD_HEADER:
        raise InvalidInput(
            f"not the AMLworld layout; expected header {','.join(AMLWORLD_HEADER)}, found "
            f"{','.join(header)}",
            where=str(src),
        )
    names = [f"c{i}" for i in range(len(AMLWORLD_HEADER))]
    stages = _Stages(f"ingest {src.name}", 3, progress)
    con = _connection()
    with stages.running():
        _read_csv(
            con,
            f"""CREATE TEMP TABLE csv AS SELECT * FROM read_csv({_literal(str(src))},
                header = false, skip = 1, all_varchar = true, auto_detect = false,
                columns = {{{", ".join(f"'{n}': 'VARCHAR'" for n in names)}}},
                delim = ',', quote = '"', strict_mode = true)""",  # nosec B608  # the path is an escaped literal; names are c0..cN
            src,
        )
        _amlworld_names(con)
        con.execute(
            """CREATE TEMP VIEW raw AS
            SELECT _row, CAST(_row AS VARCHAR) AS id, c0 AS "timestamp",
                   c2 AS from_account, c4 AS to_account, c7 AS amount,
                   coalesce(m.code, c8) AS currency, c1 AS from_bank, c3 AS to_bank,
                   NULL::VARCHAR AS from_country, NULL::VARCHAR AS to_country,
                   c10 AS is_laundering
            FROM (SELECT rowid + 1 AS _row, * FROM csv) t
            LEFT JOIN amlworld_currency m ON m.name = trim(t.c8)"""
        )
        stages.step("read")
        return _check_and_write(
            con,
            Path(out),
            source=str(src),
            fmt="amlworld",
            labelled=True,
            max_errors=max_errors,
            stages=stages,
            started=started,
            write=write,
            ts_expr="TRY_STRPTIME(trim(\"timestamp\"), '%Y/%m/%d %H:%M')",
            ts_expected="YYYY/MM/DD HH:MM as AMLworld writes it, e.g. 2022/09/01 00:20",
            round_cents=True,
        )


def _amlworld_names(con: duckdb.DuckDBPyConnection) -> None:
    import pyarrow as pa

    names = pa.table(
        {
            "name": pa.array(list(AMLWORLD_CURRENCIES), pa.string()),
            "code": pa.array(list(AMLWORLD_CURRENCIES.values()), pa.string()),
        }
    )
    con.register("amlworld_currency_arrow", names)
    con.execute("CREATE TEMP TABLE amlworld_currency AS SELECT * FROM amlworld_currency_arrow")


# ---- parsed formats -------------------------------------------------------------------------


def ingest_records(
    records: Sequence[Mapping[str, str | None]],
    out: str | Path,
    *,
    source: str,
    fmt: str,
    max_errors: int = 100,
    progress: StageListener | None = None,
    write: ParquetWriter,
) -> IngestReport:
    """Load records made by a parser (``formats/``): text values under the raw column names.

    Each record may carry ``_row`` (its number in the source: entry, line or entity); by
    default it is its position, from 1. The same checks as for CSV apply.
    """
    import pyarrow as pa

    started = time.perf_counter()
    stages = _Stages(f"ingest {Path(source).name}", 3, progress)
    labelled = any(r.get("is_laundering") is not None for r in records)
    table = pa.table(
        {
            "_row": pa.array(
                [int(r.get("_row") or i + 1) for i, r in enumerate(records)], pa.int64()
            ),
            **{c: pa.array([r.get(c) for r in records], pa.string()) for c in RAW_COLUMNS},
        }
    )
    con = _connection()
    with stages.running():
        con.register("raw_arrow", table)
        con.execute("CREATE TEMP TABLE raw AS SELECT * FROM raw_arrow")
        stages.step("read")
        return _check_and_write(
            con,
            Path(out),
            source=source,
            fmt=fmt,
            labelled=labelled,
            max_errors=max_errors,
            stages=stages,
            started=started,
            write=write,
        )


# ---- dispatch ----------------------------------------------------------------------------------


def _head(path: Path, size: int = 4096) -> bytes:
    """The first ``size`` bytes, inflated if the file is gzip (never more than that)."""
    if path.suffix != ".gz":
        with path.open("rb") as fh:
            return fh.read(size)
    import gzip
    import zlib

    try:
        with gzip.open(path, "rb") as gz:
            return gz.read(size)
    except (OSError, EOFError, zlib.error) as exc:
        raise InvalidInput(f"not a readable gzip file: {exc}", where=str(path)) from None


def detect_format(path: str | Path) -> str:
    """Guess the format from the file's first bytes (and name), or say what was expected."""
    p = _require_file(path)
    raw = _head(p)
    # Only to recognise the format: each reader checks the encoding on its own terms (XML
    # declares its own, UTF-16 included; CSV, MT940 and JSON lines are read as UTF-8).
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        if raw.decode("utf-16", errors="replace").lstrip("\ufeff \t\r\n").startswith("<"):
            return "camt053"
        refuse_utf16(raw, str(p))
    head = raw.decode("utf-8", errors="replace")
    stripped = head.lstrip("\ufeff \t\r\n")
    if stripped.startswith("<"):
        return "camt053"
    if stripped.startswith("{"):
        return "ftm"
    if stripped.startswith((":20:", "{1:")) or ":60F:" in head:
        return "mt940"
    first = stripped.splitlines()[0] if stripped else ""
    if first.startswith("Timestamp,From Bank,Account"):
        return "amlworld"
    if set(REQUIRED_CSV) <= {c.strip() for c in first.split(",")}:
        return "canonical"
    raise InvalidInput(
        "cannot tell the format: expected a canonical CSV header ("
        + ",".join(REQUIRED_CSV)
        + "), an AMLworld header, camt.053 XML, an MT940 statement or FtM JSON lines; "
        + f"file starts with {first[:60]!r}",
        where=str(p),
    )


def ingest(
    path: str | Path,
    out: str | Path,
    *,
    format: str | None = None,
    max_errors: int = 100,
    progress: StageListener | None = None,
    write: ParquetWriter,
) -> IngestReport:
    """Load any supported format into canonical Parquet at ``out`` (format guessed if None)."""
    fmt = detect_format(path) if format is None else format
    if fmt not in FORMATS:
        raise InvalidInput(
            f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}", where="format"
        )
    if fmt == "canonical":
        return ingest_csv(path, out, max_errors=max_errors, progress=progress, write=write)
    if fmt == "amlworld":
        return ingest_amlworld(path, out, max_errors=max_errors, progress=progress, write=write)
    src = _require_file(path)
    if fmt == "camt053":
        records = parse_camt053(src)
    elif fmt == "mt940":
        records = parse_mt940(src)
    else:
        records = parse_ftm_payments(src)
    return ingest_records(
        records,
        out,
        source=str(src),
        fmt=fmt,
        max_errors=max_errors,
        progress=progress,
        write=write,
    )


def load(con: duckdb.DuckDBPyConnection, path: str | Path, relation: str = "transactions") -> None:
    """Make canonical Parquet at ``path`` visible on ``con`` as the view ``relation``."""
    p = _require_file(path)
    if not relation.isidentifier():
        raise InvalidInput(
            f"relation name {relation!r} must be a plain identifier (letters, digits, _)",
            where="relation",
        )
    con.execute(
        f'CREATE OR REPLACE VIEW "{relation}" AS SELECT * FROM read_parquet({_literal(str(p))})'  # nosec B608  # relation passes isidentifier() above; the path is an escaped literal
    )
