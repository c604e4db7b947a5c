"""AMLSim output (IBM/AMLSim, Apache-2.0) read into the canonical transaction table.

Two layouts exist in ``/work/shared/data/aml/`` (see its ``SOURCES.md``):

* ``amlsim-10k-a/transactions.csv.gz``: already canonical (``id,timestamp,from_account,
  to_account,amount,currency``) plus ``is_laundering`` and the ground truth ``alert_id`` and
  ``alert_type`` (the typology instance and its kind: ``cycle``, ``fan_in``, ``fan_out``).
* the sample archives (``20K_cycle200.tgz`` ...), made by an older AMLSim: ``transactions.csv``
  with ``sourceNodeId,targetNodeId,value,time`` (a step, no date, no label) and ``nodes.csv``
  with ``nodeid,isFraud,init_balance,fraudStep``: the labels are on accounts only.

AMLSim has no currency (its accounts report in USD) and no per-transfer time of day; a sample's
step is read as a day after ``base_date`` (2017-01-01, the ``conf.json`` default).
"""

from __future__ import annotations

import io
import tarfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv

from repatria.errors import InvalidInput
from repatria.tracing.patterns import quote_relation
from repatria.tracing.scoring import load_transactions

__all__ = ["AMLSIM_BASE_DATE", "SampleLoad", "load_dataset", "load_sample"]

AMLSIM_BASE_DATE = date(2017, 1, 1)
"""``general.base_date`` of AMLSim's ``conf.json``."""


def load_dataset(con: duckdb.DuckDBPyConnection, path: Path, name: str) -> int:
    """Load a canonical AMLSim ``transactions.csv.gz`` into table ``name``; return its rows.

    The table has the canonical columns, ``is_laundering`` and ``alert_type`` (empty for
    normal transfers), so recall per typology can be measured.
    """
    extra = load_transactions(con, path, name)
    if "is_laundering" not in extra or "alert_type" not in extra:
        raise InvalidInput(
            "expected AMLSim's labelled columns is_laundering and alert_type, found "
            f"{', '.join(extra) or 'neither'}",
            where=str(path),
        )
    row = con.sql(f"SELECT count(*) FROM {quote_relation(name)}").fetchone()  # nosec B608  # the name passes quote_relation
    return int(row[0]) if row else 0


@dataclass(frozen=True)
class SampleLoad:
    """What a sample archive held: transfers and accounts, and how many accounts are fraud."""

    transactions: int
    accounts: int
    fraud_accounts: int


def _member(archive: tarfile.TarFile, suffix: str) -> tarfile.TarInfo:
    for member in archive.getmembers():
        if member.isfile() and member.name.endswith("/" + suffix):
            return member
    raise InvalidInput(
        f"expected a member ending in /{suffix} in the AMLSim sample archive, found "
        f"{', '.join(m.name for m in archive.getmembers())}",
        where="archive",
    )


def load_sample(con: duckdb.DuckDBPyConnection, archive_path: Path, name: str) -> SampleLoad:
    """Load an AMLSim sample ``.tgz`` into ``name`` and its node labels into ``name_accounts``.

    Transfers get ``id`` = their line number (1-based), ``ts`` = base date + step days,
    currency USD and no label (``is_laundering`` is NULL: the sample labels accounts only).
    ``name_accounts`` has ``account``, ``is_fraud`` and ``fraud_step`` (NULL for -1).
    Members are read into memory; nothing is extracted to disk.
    """
    table = quote_relation(name)
    accounts = quote_relation(name + "_accounts")
    with tarfile.open(archive_path, "r:gz") as archive:
        frames = {}
        for suffix in ("transactions.csv", "nodes.csv"):
            handle = archive.extractfile(_member(archive, suffix))
            if handle is None:
                raise InvalidInput(f"cannot read {suffix} in the archive", where=str(archive_path))
            frames[suffix] = pacsv.read_csv(
                io.BytesIO(handle.read()),
                convert_options=pacsv.ConvertOptions(
                    column_types={
                        "sourceNodeId": pa.string(),
                        "targetNodeId": pa.string(),
                        "value": pa.string(),
                        "nodeid": pa.string(),
                    }
                ),
            )
    tx = frames["transactions.csv"]
    # Line numbers are the ids: pyarrow keeps file order, so ids are stable across runs.
    tx = tx.append_column("line", pa.array(range(1, tx.num_rows + 1), type=pa.int64()))
    nodes = frames["nodes.csv"]
    base = AMLSIM_BASE_DATE.isoformat()
    con.register("_amlsim_tx", tx)
    con.register("_amlsim_nodes", nodes)
    try:
        con.execute(f"""
          CREATE OR REPLACE TABLE {table} AS
          SELECT CAST(line AS VARCHAR) AS id,
            CAST(DATE '{base}' + CAST(time AS INTEGER) AS TIMESTAMP) AS ts,
            sourceNodeId AS from_account, targetNodeId AS to_account,
            CAST(value AS DECIMAL(20,2)) AS amount, 'USD' AS currency,
            CAST(NULL AS VARCHAR) AS from_bank, CAST(NULL AS VARCHAR) AS to_bank,
            CAST(NULL AS VARCHAR) AS from_country, CAST(NULL AS VARCHAR) AS to_country,
            CAST(NULL AS BOOLEAN) AS is_laundering
          FROM _amlsim_tx ORDER BY line""")  # nosec B608  # names from quote_relation, base a date; the rest is fixed SQL
        con.execute(f"""
          CREATE OR REPLACE TABLE {accounts} AS
          SELECT nodeid AS account, CAST(isFraud AS INTEGER) = 1 AS is_fraud,
            nullif(CAST(fraudStep AS INTEGER), -1) AS fraud_step
          FROM _amlsim_nodes""")  # nosec B608  # accounts from quote_relation; the rest is fixed SQL
    finally:
        con.unregister("_amlsim_tx")
        con.unregister("_amlsim_nodes")
    counts = con.sql(
        f"SELECT (SELECT count(*) FROM {table}), count(*), count(*) FILTER (WHERE is_fraud) "
        f"FROM {accounts}"  # nosec B608  # both names from quote_relation
    ).fetchone()
    if counts is None:  # an aggregate without GROUP BY always gives one row
        return SampleLoad(0, 0, 0)
    return SampleLoad(int(counts[0]), int(counts[1]), int(counts[2]))
