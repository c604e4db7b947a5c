"""The exchange benchmark's peer: a plain HTTP endpoint that stores each body in SQLite.

``bench/bench_exchange.py`` compares a sealed delivery between two repatria nodes with the
least a plain, unsealed HTTP exchange must do to be durable: receive the bytes over HTTP/1.1,
store them in one SQLite transaction that survives power loss (WAL, ``synchronous=FULL``, as
the nodes use; ``BEGIN IMMEDIATE`` like ``repatria.store.db``), refuse a second copy of the
same bytes (a UNIQUE digest, as the inbox's UNIQUE message id), and answer 200 with a small
JSON acknowledgement. No signature, no encryption, no ledger, no receipt: what is left when
every guarantee of docs/exchange.md is taken away.

Served by uvicorn in its own process, like ``repatria serve``:

    .venv/bin/python bench/exchange_peer.py --port 8799 --db /tmp/peer.db

``POST /messages`` stores the body and answers ``{"id", "sha256", "size"}``; ``POST /batch``
takes ``{"envelopes": [base64, ...]}`` (the nodes' batch shape), stores every body in one
transaction and answers ``{"results": [{"id", "sha256", "size"}, ...]}``;
``GET /count`` says how many bodies are stored; ``GET /health`` answers when ready.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    body BLOB NOT NULL,
    received_at TEXT NOT NULL
)
"""


def open_store(path: Path) -> sqlite3.Connection:
    """The peer's SQLite file with the nodes' durability settings (WAL, ``synchronous=FULL``);
    autocommit mode, so each message takes its own explicit transaction."""
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("PRAGMA busy_timeout=30000")
    connection.execute(SCHEMA)
    return connection


def create_peer(path: Path) -> FastAPI:
    """The plain endpoint as a FastAPI app around one SQLite connection."""
    store = open_store(path)
    app = FastAPI(title="repatria exchange bench peer", docs_url=None, redoc_url=None)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/messages")
    async def receive(request: Request) -> JSONResponse:
        body = await request.body()
        digest = hashlib.sha256(body).hexdigest()
        store.execute("BEGIN IMMEDIATE")
        try:
            cursor = store.execute(
                "INSERT INTO messages (sha256, body, received_at) VALUES (?, ?, ?)",
                (digest, body, datetime.now(UTC).isoformat()),
            )
            store.execute("COMMIT")
        except sqlite3.IntegrityError:
            store.execute("ROLLBACK")
            return JSONResponse({"error": f"body {digest} already stored"}, status_code=409)
        return JSONResponse({"id": cursor.lastrowid, "sha256": digest, "size": len(body)})

    @app.post("/batch")
    async def receive_batch(request: Request) -> JSONResponse:
        bodies = [base64.b64decode(text) for text in (await request.json())["envelopes"]]
        digests = [hashlib.sha256(body).hexdigest() for body in bodies]
        now = datetime.now(UTC).isoformat()
        store.execute("BEGIN IMMEDIATE")
        try:
            ids = [
                store.execute(
                    "INSERT INTO messages (sha256, body, received_at) VALUES (?, ?, ?)",
                    (digest, body, now),
                ).lastrowid
                for digest, body in zip(digests, bodies, strict=True)
            ]
            store.execute("COMMIT")
        except sqlite3.IntegrityError:
            store.execute("ROLLBACK")
            return JSONResponse({"error": "a body of the batch is already stored"}, status_code=409)
        results = [
            {"id": i, "sha256": d, "size": len(b)}
            for i, d, b in zip(ids, digests, bodies, strict=True)
        ]
        return JSONResponse({"results": results})

    @app.get("/count")
    async def count() -> dict[str, int]:
        (stored,) = store.execute("SELECT count(*) FROM messages").fetchone()
        return {"stored": int(stored)}

    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db", type=Path, required=True, help="SQLite file to store bodies in")
    args = parser.parse_args(argv)
    uvicorn.run(create_peer(args.db), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
