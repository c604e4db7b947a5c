"""AMLSim dataset A and the sample archives, read into the canonical table."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from repatria.errors import InvalidInput
from repatria.tracing.amlsim import load_dataset, load_sample
from repatria.tracing.schema import check_table

DATA = Path("/work/shared/data/aml")


def test_dataset_a_counts_match_sources_md() -> None:
    con = duckdb.connect()
    rows = load_dataset(con, DATA / "amlsim-10k-a" / "transactions.csv.gz", "a")
    assert rows == 199_374
    assert check_table(con, "a") is True
    per_type = dict(
        con.sql("SELECT alert_type, count(*) FROM a WHERE is_laundering GROUP BY 1").fetchall()
    )
    assert per_type == {"cycle": 296, "fan_in": 208, "fan_out": 195}
    span = con.sql("SELECT min(ts)::DATE::VARCHAR, max(ts)::DATE::VARCHAR FROM a").fetchone()
    assert span == ("2017-01-01", "2018-12-21")


def test_sample_archive_labels_accounts() -> None:
    con = duckdb.connect()
    result = load_sample(con, DATA / "amlsim-samples" / "20K_cycle200.tgz", "s")
    assert (result.transactions, result.accounts, result.fraud_accounts) == (117_805, 20_000, 945)
    first = con.sql(
        "SELECT id, ts::VARCHAR, from_account, to_account, amount::VARCHAR FROM s WHERE id = '1'"
    ).fetchone()
    assert first == ("1", "2017-01-02 00:00:00", "280", "15349", "147.80")


def test_unlabelled_file_is_not_an_amlsim_dataset(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text(
        "id,timestamp,from_account,to_account,amount,currency\n"
        "1,2024-01-01T00:00:00Z,A,B,10.00,USD\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput, match="is_laundering and alert_type"):
        load_dataset(duckdb.connect(), path, "p")
