"""Money tracing over a canonical transaction table (DuckDB over Parquet).

The package is pure analytics: functions take a DuckDB connection or file paths and return
values; they never touch the node's operational database, settings, web or CLI.

* ``schema``: the canonical transaction table, the contract between all modules here.
* ``ingest`` and ``formats``: canonical CSV, AMLworld CSV, camt.053, MT940 and FtM
  ``Payment`` entities into that table, all-or-nothing, with per-row errors.
* ``rules`` and ``trace``: tracing rules courts use (FIFO/Clayton's case, LIFO, pro rata,
  Re Hallett's Estate clean-first, taint-first, poison) and forward/backward tracing.
* ``flowgraph``: pictures of the traced flow, and the states and accounts to ask about.
* ``engine``: the small data interface a distributed backend implements.
* ``patterns``: laundering typologies found by SQL (owned by the detection work).

Import the submodules directly (``from repatria.tracing.trace import trace``); this
package file imports nothing so that importing one module stays cheap.
"""
