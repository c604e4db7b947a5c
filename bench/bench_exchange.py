"""The sealed exchange between two nodes: messages per second end to end, beside plain HTTP.

Issue 5, point 7. Two nodes on SQLite in a temporary directory join one network (a directory
signed in this run with its own Ed25519 key, listing both nodes' real public keys and
``http://127.0.0.1:<port>`` endpoints, accepted on both with ``accept_directory``). The
receiver runs as a real ``repatria serve`` process on loopback with its delivery worker off;
the sender is this process. Measured in the same run, with the same request message (a
records-and-freezing request of UNCAC 46(13)-(15), about 1 KB of signed content):

1. **end to end, sealed** (docs/exchange.md, "Deliver"): the sender ``enqueue``\\s N
   requests (sign, seal, log ``message.queued``, queue: one transaction each), then
   ``deliver_due`` with ``HttpTransport`` sends them one by one; the receiver opens each
   envelope, stores it once, gives it its effect (an incoming request in a new case), logs
   ``message.received``, signs a checkpoint and answers with a signed receipt carrying the
   inclusion proof; the sender verifies the receipt and keeps it (``message.receipted``).
   Rate = N / time of ``deliver_due``. At the end the receiver must hold N inbox rows and
   the sender N accepted receipts.
2. **sealing alone** (``sign_message`` + ``encrypt``) and **opening alone**
   (``open_envelope``, every check), in this process, no I/O; and **receive alone**: the
   same envelopes given to ``service.exchange.receive`` in this process, on a copy of the
   receiver taken before the run (same id, keys and state), to tell the receiver's own work
   from HTTP and the web stack.
3. **the peer, a plain HTTP round trip**: the same signed content's bytes, unsealed and
   unchecked, POSTed to ``bench/exchange_peer.py`` (FastAPI on uvicorn in its own process)
   which stores them in SQLite (WAL, ``synchronous=FULL``) and answers a small JSON
   acknowledgement; one keep-alive ``httpx.Client``, sequential like ``deliver_due``.

Every scenario is timed twice: wall clock, and CPU (this process plus the server process,
read from ``/proc``), since the machine is shared and wall times stretch under load. Then
where the time goes: the HTTP call of each delivery (receiver included) against the in-process
``receive`` and the sender's own work per row; the transactions (each on a new SQLite
connection) per message on both sides; how the calls grow from the first tenth of the run to
the last, in wall time and in CPU time of sender and served receiver together, which load
does not stretch (before each receipt the receiver signs a checkpoint, auditing its ledger
since the last one first: flat since issue 14.1); that checkpoint at the final ledger size; loading the
node's keys (held in memory until the keyring changes, issue 14.2).

Prints the tables with ratios against the plain round trip and writes
``bench/results/exchange.json``.

    .venv/bin/python bench/bench_exchange.py              # 300 messages, about a minute
    .venv/bin/python bench/bench_exchange.py --quick      # 50 messages
    .venv/bin/python bench/bench_exchange.py --messages 1000
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any, Self

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pydantic import SecretStr
from rich.console import Console
from rich.table import Table
from sqlalchemy import event, func, select

from repatria.adapters.http_transport import HttpTransport
from repatria.domain.measure import Measure
from repatria.exchange.batch import MAX_BATCH, batch_body
from repatria.exchange.directory import Directory, KeyUse, make_key_id, sign_directory
from repatria.exchange.envelope import SignedContent, encrypt, open_envelope, sign_message
from repatria.exchange.handling import Confidentiality, Handling, HandlingCode, Purpose
from repatria.exchange.messages import Message, Request
from repatria.exchange.receipt import ReceiptStatus
from repatria.exchange.rejection import Rejected
from repatria.service import exchange as exchange_service
from repatria.service import users
from repatria.service.actor import Actor
from repatria.service.exchange import (
    accept_directory,
    current_directory,
    deliver_due,
    enqueue,
    hpke_keys,
    receive,
)
from repatria.service.keys import log_signer
from repatria.service.ledger.checkpoints import checkpoint_now
from repatria.service.network_directory import node_entry
from repatria.service.node import Node, init_node, open_node
from repatria.settings import Settings
from repatria.store.base import utcnow
from repatria.store.exchange_tables import InboxRow, OutboxRow, ReceiptRow
from repatria.store.ledger_tables import CheckpointRow, LedgerLeafRow

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
PEER_APP = HERE / "exchange_peer.py"
REPATRIA = Path(sys.executable).with_name("repatria")
START_TIMEOUT = 60.0
HTTP_TIMEOUT = 30.0

SENDER, RECEIVER = "ng-bench", "gb-bench"
CASE = "NG-2025-0042"
"""The requesting state's case reference the messages name (the sender's case)."""
PASSWORD = "bench exchange correct horse battery"
KEY_PASSPHRASE = "bench exchange key passphrase, not a secret"
"""Given to both nodes (and the served receiver) so the key store does not warn that its
passphrase lies next to the keys; it protects throw-away keys in a temporary directory."""
DEFAULT_MESSAGES, QUICK_MESSAGES = 300, 50
DEFAULT_BATCH = Settings.model_fields["exchange_batch_size"].default
"""Envelopes to a request in the batched runs: the node's own default."""
PEER_NAME = "plain HTTP round trip (unsealed bytes stored in SQLite, WAL, synchronous=FULL)"


# --- the two nodes and their network ------------------------------------------------------


def _node(base: Path, node_id: str, jurisdiction: str) -> Node:
    settings = Settings(data_dir=base / node_id, key_passphrase=SecretStr(KEY_PASSPHRASE))
    init_node(
        settings, node_id=node_id, jurisdiction=jurisdiction, authority=node_id, languages=["en"]
    )
    return open_node(settings)


def _accounts(node: Node, *, intake: bool) -> Actor:
    """The node's first administrator, and on the receiver a supervisor, who receives incoming
    requests (UNCAC 46(13)); without one each request would also raise a no-intake alarm."""
    admin = users.create_user(node, None, username="admin", password=PASSWORD, roles=["node-admin"])
    if intake:
        users.create_user(node, admin, username="intake", password=PASSWORD, roles=["supervisor"])
    return admin


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _join_network(sender: Node, receiver: Node, receiver_port: int) -> Directory:
    """Sign a directory listing both nodes with their real keys and have both accept it."""
    network_key = Ed25519PrivateKey.generate()
    now = utcnow()
    directory = Directory(
        network="repatria-bench",
        version=1,
        issued_at=now - timedelta(hours=1),
        expires_at=now + timedelta(days=1),
        nodes=(
            node_entry(sender, f"http://127.0.0.1:{_free_port()}", days=1),
            node_entry(receiver, f"http://127.0.0.1:{receiver_port}", days=1),
        ),
    )
    data = sign_directory(directory, network_key)
    for node in (sender, receiver):
        accept_directory(node, data, network_key.public_key(), utcnow())
    return current_directory(sender)


def _request(number: int) -> Message:
    """Request ``number`` of the sender's case: records and freezing, confidential (46(20))."""
    return Message(
        payload=Request(
            reference=f"{CASE}/{number}",
            measures=(Measure.RECORDS, Measure.FREEZING),
            summary=(
                "Licence fees paid to the state oil company were diverted through accounts "
                "held in London by companies controlled by a former minister; we ask for the "
                "account records from 2019 to 2023 and the freezing of the balances."
            ),
            purpose="Trace and freeze proceeds of embezzlement (UNCAC Art. 17, 31, 54(2)).",
            language="en",
            confidential=True,
            title="Account records and freezing, licence fee diversion",
            legal_basis="UNCAC Art. 46",
        ),
        case=CASE,
        handling=Handling(
            originator=SENDER,
            level=Confidentiality.RESTRICTED,
            codes=frozenset({HandlingCode.H0, HandlingCode.H2}),
            purposes=frozenset({Purpose.INVESTIGATION, Purpose.ASSET_RECOVERY}),
            cases=(CASE,),
        ),
    )


# --- served processes -----------------------------------------------------------------------


class Served:
    """A server in its own OS process on loopback, stopped only through its own PID."""

    def __init__(self, argv: list[str], env: dict[str, str], health: str, log: Path) -> None:
        self.argv, self.env, self.health, self.log = argv, env, health, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        """Start and wait until the health URL answers 200; returns seconds to ready."""
        began = time.monotonic()
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.argv, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        while time.monotonic() < began + START_TIMEOUT:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.argv[0]} exited with {self.proc.returncode} before answering; "
                    f"its log: {self.log}"
                )
            try:
                if httpx.get(self.health, timeout=1.0).status_code == 200:
                    return time.monotonic() - began
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.health} did not answer within {START_TIMEOUT:.0f} s")

    @property
    def pid(self) -> int:
        if self.proc is None:
            raise RuntimeError(f"{self.argv[0]} is not running")
        return self.proc.pid

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None


def _serve_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPATRIA_")}
    # The receiver only receives: its delivery worker would poll its (empty) outbox.
    return env | {
        "REPATRIA_DATA_DIR": str(data_dir),
        "REPATRIA_KEY_PASSPHRASE": KEY_PASSPHRASE,
        "REPATRIA_EXCHANGE_WORKER": "false",
        "REPATRIA_WITNESSING_WORKER": "false",
    }


# --- measuring --------------------------------------------------------------------------


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of another process so far, from ``/proc/<pid>/stat``
    (proc(5): utime and stime are fields 14 and 15, in clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Spent:
    """Wall-clock seconds, and CPU seconds of this process plus the server's, if any.

    On a machine shared with other work the wall time stretches while the CPU time does
    not, so both are kept: wall − CPU is time spent waiting (disk sync, the scheduler)."""

    wall: float
    cpu: float
    server_cpu: float = 0.0
    """The part of ``cpu`` the server process spent."""


class Stopwatch:
    """``with Stopwatch(pid) as watch: ...`` then ``watch.spent``."""

    def __init__(self, server_pid: int | None = None) -> None:
        self.server_pid = server_pid
        self.spent = Spent(0.0, 0.0)
        self._wall = self._cpu0 = self._server0 = 0.0

    def _server(self) -> float:
        return _process_cpu(self.server_pid) if self.server_pid is not None else 0.0

    def __enter__(self) -> Self:
        self._wall, self._cpu0, self._server0 = (
            time.perf_counter(), time.process_time(), self._server()
        )  # fmt: skip
        return self

    def __exit__(self, *_: object) -> None:
        server = self._server() - self._server0
        ours = time.process_time() - self._cpu0
        self.spent = Spent(time.perf_counter() - self._wall, ours + server, server)


class Transactions:
    """Counts the SQLite connections a node's engine opens and the transactions it begins
    (``repatria.store.db`` opens a new connection for each transaction: ``NullPool``)."""

    def __init__(self, node: Node) -> None:
        self.connections = 0
        self.transactions = 0
        event.listen(node.engine, "connect", self._connected)
        event.listen(node.engine, "begin", self._began)

    def _connected(self, *_: object) -> None:
        self.connections += 1

    def _began(self, *_: object) -> None:
        self.transactions += 1


RECEIVE_PHASES = (
    (exchange_service, "held_directory", "the accepted directory (held per version)"),
    (exchange_service, "hpke_keys", "the HPKE keys (held per keyring)"),
    (exchange_service, "open_envelope", "open_envelope (decrypt, all checks)"),
    (exchange_service, "_store", "store and apply (new case + request)"),
    (exchange_service, "log_staged", "log the staged events (one append a batch)"),
    (exchange_service, "sign_in", "audit the ledger since the last checkpoint, sign one"),
    (exchange_service, "prove_all_in", "inclusion proofs, verified against the signed root"),
    (exchange_service, "sign_receipt", "sign the receipt"),
)
"""The steps of ``service.exchange.receive`` timed one by one in the in-process run
(docs/exchange.md, "Receive"): module attributes wrapped for the run's duration only."""


class Phases:
    """Wraps the functions of ``RECEIVE_PHASES`` to record each call's wall time, so that
    one receive is split into its steps; restores the originals on exit."""

    def __init__(self) -> None:
        self.seconds: dict[str, list[float]] = {name: [] for _, name, _ in RECEIVE_PHASES}
        self._saved: list[tuple[ModuleType, str, Callable[..., Any]]] = []

    def _timed(self, name: str, inner: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.seconds[name].append(time.perf_counter() - began)

        return timed

    def __enter__(self) -> Self:
        for module, name, _ in RECEIVE_PHASES:
            original = getattr(module, name)
            self._saved.append((module, name, original))
            setattr(module, name, self._timed(name, original))
        return self

    def __exit__(self, *_: object) -> None:
        for module, name, original in reversed(self._saved):
            setattr(module, name, original)
        self._saved.clear()


class TimedTransport:
    """``HttpTransport`` that records how long each call took, how many envelopes it carried
    (one, or a batch) and what came back."""

    def __init__(self, inner: HttpTransport) -> None:
        self.inner = inner
        self.seconds: list[float] = []
        self.carried: list[int] = []
        self.receipt_sizes: list[int] = []
        self.started = time.perf_counter()
        self.ends: list[float] = []
        self.server_pid: int | None = None
        self.cpu_marks: list[tuple[float, float, int]] = []
        """(this process's CPU, the server's CPU) in seconds at each answer, cumulative, and
        the envelopes answered so far."""

    def start(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.started = time.perf_counter()
        self.cpu_marks = [(time.process_time(), _process_cpu(server_pid), 0)]

    def send(self, endpoint: str, envelope: bytes) -> bytes:
        began = time.perf_counter()
        data = self.inner.send(endpoint, envelope)
        self._answered(began, [data])
        return data

    def send_batch(self, endpoint: str, envelopes: list[bytes]) -> list[bytes | Rejected]:
        began = time.perf_counter()
        answers = self.inner.send_batch(endpoint, envelopes)
        self._answered(began, answers)
        return answers

    def _answered(self, began: float, answers: Sequence[bytes | Rejected]) -> None:
        self.ends.append(time.perf_counter())
        self.seconds.append(self.ends[-1] - began)
        self.carried.append(len(answers))
        self.receipt_sizes.extend(len(a) for a in answers if isinstance(a, bytes))
        if self.server_pid is not None:
            total = self.cpu_marks[-1][2] + len(answers)
            self.cpu_marks.append((time.process_time(), _process_cpu(self.server_pid), total))

    def cpu_tenths(self) -> dict[str, float]:
        """CPU ms per delivered envelope (sender and served receiver together, and the
        receiver alone) in the first and the last tenth of the calls: unlike wall time, CPU
        time does not stretch when other work shares the machine, so growth here is the
        code's own. A tenth's total is exact to a clock tick (10 ms) over hundreds of
        deliveries."""
        marks = self.cpu_marks
        tenth = max(1, (len(marks) - 1) // 10)
        if len(marks) < 2:
            return {}

        def per(a: int, b: int, server_only: bool) -> float:
            (own0, srv0, sent0), (own1, srv1, sent1) = marks[a], marks[b]
            spent = (srv1 - srv0) if server_only else (own1 - own0) + (srv1 - srv0)
            return spent / (sent1 - sent0) * 1e3

        last = len(marks) - 1
        return {
            "first_tenth_ms": per(0, tenth, False),
            "last_tenth_ms": per(last - tenth, last, False),
            "receiver_first_tenth_ms": per(0, tenth, True),
            "receiver_last_tenth_ms": per(last - tenth, last, True),
        }

    def per_message(self) -> list[float]:
        """Wall time from one answer to the next, shared by the envelopes it answered: the
        sender's work on the rows before (receipts verified and kept, the next rows sent)
        and the whole receive."""
        marks = [self.started, *self.ends]
        return _shared([b - a for a, b in itertools.pairwise(marks)], self.carried)

    def call_per_message(self) -> list[float]:
        """Each HTTP call's wall time (the receive included), shared by what it carried."""
        return _shared(self.seconds, self.carried)


def _shared(seconds: list[float], carried: list[int]) -> list[float]:
    """Per envelope: each interval divided evenly among the envelopes it answered."""
    return [t / n for t, n in zip(seconds, carried, strict=True) for _ in range(n)]


# --- the scenarios --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sealing:
    signed: list[SignedContent]
    envelopes: list[bytes]
    sign: Spent
    encrypt: Spent
    open: Spent


def _seal_and_open(
    sender: Node, receiver: Node, directory: Directory, messages: list[Message]
) -> Sealing:
    """Sign, encrypt and open every message in this process: the cryptography and checks
    alone, with the nodes' real keys and the accepted directory."""
    now = utcnow()
    key = log_signer(sender).key
    key_id = make_key_id(
        KeyUse.SIGNING, key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    )
    hpke = directory.node(RECEIVER, now).current_key(KeyUse.HPKE, now)
    public = X25519PublicKey.from_public_bytes(hpke.public_key)
    private = hpke_keys(receiver)

    with Stopwatch() as signing:
        signed = [sign_message(m, key, key_id, SENDER, RECEIVER, now) for m in messages]
    with Stopwatch() as encrypting:
        envelopes = [encrypt(s, SENDER, RECEIVER, public, hpke.key_id) for s in signed]
    # only the ids are kept, as a node keeps nothing of an opened envelope past its batch:
    # holding 10,000 opened messages would bill the collector's walks over them to opening
    with Stopwatch() as opening:
        opened = [open_envelope(e, private, RECEIVER, directory, now).message_id for e in envelopes]
    if opened != [s.message_id for s in signed]:
        raise RuntimeError("an opened envelope does not carry the message that was sealed")
    return Sealing(signed, envelopes, signing.spent, encrypting.spent, opening.spent)


def _plain_round_trips(
    bodies: list[bytes], workdir: Path, batch: int = 1
) -> tuple[Spent, list[float]]:
    """POST the bodies to the plain peer, one after the other, alone (``batch`` 1) or
    ``batch`` to a request in the same JSON and base64 as the nodes' batch route, stored in
    one transaction; returns the time spent (CPU of client and peer) and each body's wall
    time (a batch's call shared evenly by its bodies)."""
    port = _free_port()
    peer = Served(
        [sys.executable, str(PEER_APP), "--port", str(port),
         "--db", str(workdir / f"peer-{batch}.db")],
        dict(os.environ),
        f"http://127.0.0.1:{port}/health",
        workdir / f"peer-{batch}.log",
    )  # fmt: skip
    peer.start()
    try:
        base = f"http://127.0.0.1:{port}"
        calls: list[float] = []
        with httpx.Client(timeout=HTTP_TIMEOUT) as client:
            client.get(base + "/health")  # open the keep-alive connection, as deliver_due's
            with Stopwatch(peer.pid) as watch:
                for first in range(0, len(bodies), batch):
                    chunk = bodies[first : first + batch]
                    start = time.perf_counter()
                    if batch == 1:
                        answer = client.post(
                            base + "/messages", content=chunk[0],
                            headers={"Content-Type": "application/json"},
                        )  # fmt: skip
                    else:
                        answer = client.post(
                            base + "/batch", content=batch_body(chunk),
                            headers={"Content-Type": "application/json"},
                        )  # fmt: skip
                    spent = time.perf_counter() - start
                    calls.extend([spent / len(chunk)] * len(chunk))
                    if answer.status_code != 200:
                        raise RuntimeError(f"peer answered {answer.status_code}: {answer.text}")
                    acks = [answer.json()] if batch == 1 else answer.json()["results"]
                    if [a["sha256"] for a in acks] != [
                        hashlib.sha256(b).hexdigest() for b in chunk
                    ]:
                        raise RuntimeError("peer acknowledged other bytes than were sent")
            stored = client.get(base + "/count").json()["stored"]
        if stored != len(bodies):
            raise RuntimeError(f"peer stored {stored} bodies, {len(bodies)} were sent")
    finally:
        peer.stop()
    return watch.spent, calls


@dataclass(frozen=True, slots=True)
class InProcess:
    spent: Spent
    calls: list[float]
    transactions: Transactions
    phases: Phases


def _receive_in_process(node: Node, envelopes: list[bytes]) -> InProcess:
    """``receive`` for each envelope, called directly: the receiver's work without HTTP.
    Returns the time spent, each call's wall time, the connections and transactions, and
    the time of each step of every call."""
    counted = Transactions(node)
    calls: list[float] = []
    with Phases() as phases, Stopwatch() as watch:
        for envelope in envelopes:
            start = time.perf_counter()
            if receive(node, envelope, utcnow()).duplicate:
                raise RuntimeError("a fresh envelope was received as a duplicate")
            calls.append(time.perf_counter() - start)
    return InProcess(watch.spent, calls, counted, phases)


def _count(node: Node, column: Any, *where: Any) -> int:
    with node.transaction() as session:
        return int(session.scalar(select(func.count(column)).where(*where)) or 0)


@dataclass(frozen=True, slots=True)
class EndToEnd:
    enqueue: Spent
    deliver: Spent
    rounds: int
    transport: TimedTransport
    serve_start_seconds: float
    sender_transactions: Transactions


def _end_to_end(
    sender: Node, receiver: Node, port: int, messages: list[Message], workdir: Path, batch: int
) -> EndToEnd:
    """Enqueue every message, then deliver them all over HTTP to the served receiver,
    ``batch`` envelopes to a request at most (the sender's ``exchange_batch_size``)."""
    sender.settings.exchange_batch_size = batch
    served = Served(
        [str(REPATRIA), "serve", "--host", "127.0.0.1", "--port", str(port)],
        _serve_env(receiver.settings.data_dir),
        f"http://127.0.0.1:{port}/api/health",
        workdir / f"receiver-{batch}.log",
    )
    started = served.start()
    transport = TimedTransport(HttpTransport(timeout=HTTP_TIMEOUT))
    try:
        admin = users.authenticate_password(sender, "admin", PASSWORD)
        with Stopwatch() as queueing:
            for message in messages:
                enqueue(sender, admin, message, RECEIVER, utcnow())

        transport.inner.client.get(f"http://127.0.0.1:{port}/api/health")  # keep-alive open
        counted = Transactions(sender)
        rounds = 0
        transport.start(served.pid)
        with Stopwatch(served.pid) as delivering:
            while _count(sender, OutboxRow.id, OutboxRow.state == "pending"):
                rounds += 1
                for attempt in deliver_due(sender, transport, utcnow()):
                    if attempt.state != "delivered":  # a retry would wait 30 s: report, stop
                        raise RuntimeError(
                            f"message {attempt.message_id} not delivered ({attempt.state}, "
                            f"attempt {attempt.attempts}): {attempt.error}; see {served.log}"
                        )
    finally:
        transport.inner.close()
        served.stop()
    return EndToEnd(queueing.spent, delivering.spent, rounds, transport, started, counted)


def _median_seconds(action: Callable[[], object], repeat: int = 5) -> float:
    samples = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def _spread(seconds: Sequence[float]) -> dict[str, float]:
    """Mean and median of per-message times in ms, and the medians of the run's first and
    last tenth (at least one sample each): growth with the ledger shows as last > first."""
    tenth = max(1, len(seconds) // 10)
    return {
        "mean": statistics.mean(seconds) * 1e3,
        "median": statistics.median(seconds) * 1e3,
        "first_tenth": statistics.median(seconds[:tenth]) * 1e3,
        "last_tenth": statistics.median(seconds[-tenth:]) * 1e3,
    }


def _per_message(spent: Spent, count: int) -> dict[str, float]:
    return {"wall_ms": spent.wall / count * 1e3, "cpu_ms": spent.cpu / count * 1e3}


def _copy(node: Node, to: Path) -> Node:
    """The node as it is now (same id, keys, directory, users) in another data directory."""
    shutil.copytree(node.settings.data_dir, to)
    return open_node(node.settings.model_copy(update={"data_dir": to}))


def _delivered(sender: Node, receiver: Node, count: int) -> None:
    inbox = _count(receiver, InboxRow.id)
    receipts = _count(sender, ReceiptRow.id, ReceiptRow.status == ReceiptStatus.ACCEPTED)
    if inbox != count or receipts != count:
        raise RuntimeError(
            f"expected {count} inbox rows on the receiver and {count} accepted receipts on "
            f"the sender, found {inbox} and {receipts}"
        )


def run(count: int, workdir: Path, batch: int = DEFAULT_BATCH) -> dict[str, Any]:
    sender, receiver = _node(workdir, SENDER, "NG"), _node(workdir, RECEIVER, "GB")
    try:
        _accounts(sender, intake=False)
        _accounts(receiver, intake=True)
        port = _free_port()
        directory = _join_network(sender, receiver, port)
        messages = [_request(i + 1) for i in range(count)]
        # A copy of the receiver as it is now (same id, keys, directory, users), to receive
        # the same envelopes in this process, without HTTP, from the same starting state.
        twin = _copy(receiver, workdir / "receiver-in-process")
        # And of both nodes, to deliver the same messages one envelope to a request too.
        single = (
            (_copy(sender, workdir / "single" / SENDER), _copy(receiver, workdir / "single" / RECEIVER))
            if batch > 1 else None
        )  # fmt: skip

        sealing = _seal_and_open(sender, receiver, directory, messages)
        in_process = _receive_in_process(twin, sealing.envelopes)
        received, receive_calls = in_process.spent, in_process.calls
        twin.close()
        bodies = [s.data for s in sealing.signed]
        plain, peer_calls = _plain_round_trips(bodies, workdir)
        plain_batched, plain_batched_calls = (
            _plain_round_trips(bodies, workdir, batch) if batch > 1 else (plain, peer_calls)
        )
        e2e = _end_to_end(sender, receiver, port, messages, workdir, batch)
        _delivered(sender, receiver, count)
        one_by_one = e2e
        if single is not None:
            one_by_one = _end_to_end(*single, port, messages, workdir, 1)
            _delivered(*single, count)
            for node in single:
                node.close()
        leaves = _count(receiver, LedgerLeafRow.leaf_index)
        checkpoints = _count(receiver, CheckpointRow.size)
        wal = receiver.settings.data_dir / "repatria.db-wal"
        wal_bytes = wal.stat().st_size if wal.exists() else 0
        recompute = _median_seconds(lambda: checkpoint_now(receiver), repeat=3)
        load_signer = _median_seconds(lambda: log_signer(sender))
        load_hpke = _median_seconds(lambda: hpke_keys(receiver))
    finally:
        sender.close()
        receiver.close()

    calls = e2e.transport.call_per_message()
    seal = Spent(sealing.sign.wall + sealing.encrypt.wall, sealing.sign.cpu + sealing.encrypt.cpu)
    return {
        "messages": count,
        "sizes_bytes": {
            "signed_content": statistics.mean(len(s.data) for s in sealing.signed),
            "envelope": statistics.mean(len(e) for e in sealing.envelopes),
            "receipt": statistics.mean(e2e.transport.receipt_sizes),
        },
        "scenarios": {
            "plain_round_trip": _per_message(plain, count),
            "plain_round_trip_batched": _per_message(plain_batched, count),
            "end_to_end_sealed": _per_message(e2e.deliver, count),
            "end_to_end_sealed_one_by_one": _per_message(one_by_one.deliver, count),
            "receive_in_process": _per_message(received, count),
            "enqueue": _per_message(e2e.enqueue, count),
            "seal": _per_message(seal, count),
            "sign": _per_message(sealing.sign, count),
            "encrypt": _per_message(sealing.encrypt, count),
            "open": _per_message(sealing.open, count),
        },
        "batch": batch,
        "deliver_due_rounds": e2e.rounds,
        "receiver_start_seconds": e2e.serve_start_seconds,
        "where_time_goes": {
            "delivery_http_call_ms": _spread(calls),
            "end_to_end_per_message_ms": _spread(e2e.transport.per_message()),
            "end_to_end_one_by_one_per_message_ms": _spread(one_by_one.transport.per_message()),
            "plain_round_trip_batched_ms": _spread(plain_batched_calls),
            "end_to_end_cpu_tenths_ms": e2e.transport.cpu_tenths(),
            "receive_in_process_ms": _spread(receive_calls),
            "plain_round_trip_ms": _spread(peer_calls),
            "sender_side_per_row_ms": (e2e.deliver.wall - sum(calls)) / count * 1e3,
            "receiver_process_cpu_per_message_ms": e2e.deliver.server_cpu / count * 1e3,
            "receiver_process_cpu_one_by_one_per_message_ms": (
                one_by_one.deliver.server_cpu / count * 1e3
            ),
            "receive_in_process_cpu_per_message_ms": received.cpu / count * 1e3,
            # the in-process receive takes one envelope at a time: compared with the served
            # receiver's one-by-one run, the difference is HTTP, uvicorn and FastAPI
            "web_stack_cpu_per_message_ms": (
                (one_by_one.deliver.server_cpu - received.cpu) / count * 1e3
            ),
            "sender_cpu_per_row_ms": (e2e.deliver.cpu - e2e.deliver.server_cpu) / count * 1e3,
            "plain_peer_process_cpu_per_message_ms": plain.server_cpu / count * 1e3,
            "receive_phases_ms": {
                name: _spread(in_process.phases.seconds[name]) for _, name, _ in RECEIVE_PHASES
            },
            "receiver_transactions_per_message": in_process.transactions.transactions / count,
            "receiver_connections_per_message": in_process.transactions.connections / count,
            "sender_deliver_transactions_per_message": (
                e2e.sender_transactions.transactions / count
            ),
            "receiver_ledger_leaves": leaves,
            "receiver_ledger_leaves_per_message": leaves / count,
            "receiver_checkpoints": checkpoints,
            "receiver_wal_bytes_at_end": wal_bytes,
            "checkpoint_recompute_at_final_size_ms": recompute * 1e3,
            "load_signing_key_ms": load_signer * 1e3,
            "load_hpke_keys_ms": load_hpke * 1e3,
        },
    }


# --- report -----------------------------------------------------------------------------------

SCENARIOS = (
    ("plain_round_trip", "plain HTTP round trip (peer), one body to a request"),
    ("plain_round_trip_batched", "plain HTTP (peer), a batch of bodies to a request"),
    ("end_to_end_sealed", "end to end sealed: deliver_due over HTTP, in batches"),
    ("end_to_end_sealed_one_by_one", "end to end sealed, one envelope to a request"),
    ("receive_in_process", "receive alone, in-process (no HTTP)"),
    ("enqueue", "enqueue: sign + seal + log + queue"),
    ("seal", "sealing alone: sign_message + encrypt"),
    ("sign", "  of which sign_message"),
    ("encrypt", "  of which encrypt"),
    ("open", "opening alone: open_envelope"),
)
"""Rows of the main table, the peer first; CPU includes the server process when there is
one (the peer's, or the served receiver's end to end)."""


def _ratios(r: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Each scenario's wall and CPU time per message divided by the plain round trip's."""
    peer = r["scenarios"]["plain_round_trip"]
    return {
        key: {
            "wall_vs_plain": row["wall_ms"] / peer["wall_ms"],
            "cpu_vs_plain": row["cpu_ms"] / peer["cpu_ms"],
        }
        for key, row in r["scenarios"].items()
    }


def _trio(ms: dict[str, float]) -> str:
    return f"{ms['median']:.2f}; {ms['first_tenth']:.2f} / {ms['last_tenth']:.2f}"


def _report(r: dict[str, Any]) -> None:
    console = Console(width=120)
    ratios = _ratios(r)
    sizes = r["sizes_bytes"]
    table = Table(
        title=(
            f"Sealed exchange, {r['messages']} request messages "
            f"({sizes['signed_content']:,.0f} B signed, {sizes['envelope']:,.0f} B sealed, "
            f"receipt {sizes['receipt']:,.0f} B); peer: plain HTTP round trip"
        )
    )
    for name in ("scenario", "msgs/s", "ms/msg", "CPU ms/msg", "× plain (wall)", "× plain (CPU)"):
        table.add_column(name, justify="left" if name == "scenario" else "right")
    for key, label in SCENARIOS:
        row, ratio = r["scenarios"][key], ratios[key]
        table.add_row(
            label,
            f"{1e3 / row['wall_ms']:,.0f}",
            f"{row['wall_ms']:.3f}",
            f"{row['cpu_ms']:.3f}",
            f"{ratio['wall_vs_plain']:.2f}",
            f"{ratio['cpu_vs_plain']:.2f}",
        )
    console.print(table)

    w = r["where_time_goes"]
    call, received, plain = (
        w["delivery_http_call_ms"], w["receive_in_process_ms"], w["plain_round_trip_ms"]
    )  # fmt: skip
    detail = Table(title="Where the end-to-end time goes (wall ms unless stated)")
    detail.add_column("measure")
    detail.add_column("value", justify="right")
    for name, value in (
        (f"delivery HTTP call incl. receiver, per envelope (batches of {r['batch']}), mean",
         call["mean"]),
        ("  median; first tenth / last tenth of the run, medians", _trio(call)),
        ("  of which receive itself (in-process run, mean)", received["mean"]),
        ("    median; first tenth / last tenth, medians", _trio(received)),
        ("sender's own work per row (verify receipt, record)", w["sender_side_per_row_ms"]),
        ("CPU ms per delivery, sender + receiver: first tenth / last tenth", "{:.2f} / {:.2f}".format(
            w["end_to_end_cpu_tenths_ms"]["first_tenth_ms"],
            w["end_to_end_cpu_tenths_ms"]["last_tenth_ms"],
        )),
        ("  of which the served receiver: first tenth / last tenth", "{:.2f} / {:.2f}".format(
            w["end_to_end_cpu_tenths_ms"]["receiver_first_tenth_ms"],
            w["end_to_end_cpu_tenths_ms"]["receiver_last_tenth_ms"],
        )),
        ("CPU ms: served receiver process per message, in batches", w[
            "receiver_process_cpu_per_message_ms"
        ]),
        ("CPU ms: served receiver process per message, one by one", w[
            "receiver_process_cpu_one_by_one_per_message_ms"
        ]),
        ("  of which receive itself (in-process run, one by one)", w[
            "receive_in_process_cpu_per_message_ms"
        ]),
        ("  of which HTTP, uvicorn, FastAPI (by difference)", w["web_stack_cpu_per_message_ms"]),
        ("CPU ms: sender per row (deliver_due, httpx, verify)", w["sender_cpu_per_row_ms"]),
        ("CPU ms: plain peer process per message", w["plain_peer_process_cpu_per_message_ms"]),
        ("plain round trip (peer), mean", plain["mean"]),
        ("  median; first tenth / last tenth, medians", _trio(plain)),
        ("end to end sealed, one by one, per message: median; tenths", _trio(
            w["end_to_end_one_by_one_per_message_ms"]
        )),
        (f"plain (peer) in batches of {r['batch']}, per body: median; tenths", _trio(
            w["plain_round_trip_batched_ms"]
        )),
        ("receiver: transactions per message (count)", w["receiver_transactions_per_message"]),
        ("receiver: new SQLite connections per message (pooled)", w["receiver_connections_per_message"]),
        ("sender: deliver_due transactions per message (count)", w[
            "sender_deliver_transactions_per_message"
        ]),
        ("receiver: checkpoint_now at the final size (audit, no new leaf)", w[
            "checkpoint_recompute_at_final_size_ms"
        ]),
        ("receiver: ledger leaves at the end (count)", w["receiver_ledger_leaves"]),
        ("receiver: signed checkpoints at the end (count)", w["receiver_checkpoints"]),
        ("receiver: SQLite WAL file at the end (bytes)", w["receiver_wal_bytes_at_end"]),
        ("load the signing key from the key store", w["load_signing_key_ms"]),
        ("load the HPKE keys from the key store", w["load_hpke_keys_ms"]),
    ):  # fmt: skip
        detail.add_row(name, value if isinstance(value, str) else f"{value:,.2f}")
    console.print(detail)

    phases = Table(title="One receive, step by step (in-process run, wall ms)")
    for name in ("step", "mean", "first tenth", "last tenth"):
        phases.add_column(name, justify="left" if name == "step" else "right")
    for _, name, label in RECEIVE_PHASES:
        ms = w["receive_phases_ms"][name]
        phases.add_row(
            f"{label} ({name})",
            f"{ms['mean']:.2f}",
            f"{ms['first_tenth']:.2f}",
            f"{ms['last_tenth']:.2f}",
        )
    phases.add_row(
        "whole receive", f"{received['mean']:.2f}", f"{received['first_tenth']:.2f}",
        f"{received['last_tenth']:.2f}",
    )  # fmt: skip
    console.print(phases)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--messages", type=int, default=DEFAULT_MESSAGES)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_MESSAGES} messages")
    parser.add_argument(
        "--batch", type=int, default=DEFAULT_BATCH,
        help=f"envelopes (and plain bodies) to a request in the batched runs, 1 to {MAX_BATCH};"
        " 1 runs only the one-by-one delivery",
    )  # fmt: skip
    parser.add_argument(
        "--json", action="store_true", help="print the summary as one JSON line, last"
    )
    args = parser.parse_args(argv)
    count = QUICK_MESSAGES if args.quick else args.messages
    if count < 1:
        parser.error(f"--messages must be at least 1, got {count}")
    if not 1 <= args.batch <= MAX_BATCH:
        parser.error(f"--batch must be 1 to {MAX_BATCH}, got {args.batch}")
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-exchange-") as tmp:
        result = run(count, Path(tmp), args.batch)
    _report(result)
    load = os.getloadavg()
    print(
        f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on "
        f"{os.cpu_count()} CPUs (other work on the machine stretches the wall times)"
    )
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "exchange.json"
    document = {
        "benchmark": "exchange",
        "peer": PEER_NAME,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_after": load,
        "at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "wall_seconds": time.monotonic() - began,
        "ratios_vs_plain_round_trip": _ratios(result),
        "result": result,
    }
    out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"written {out}")
    if args.json:
        print(json.dumps(summary(result)))


def summary(result: dict[str, Any]) -> dict[str, Any]:
    """Issue 14.3: medians of wall time per message. ``sealed_ms`` is one delivery end to end
    as the node sends them (in batches of ``batch``: from one answer to the next, sender and
    receiver work and HTTP, shared by the envelopes the answer carried), ``plain_ms`` one
    plain round trip of the same bytes, one body to a request. That ratio compares batched
    with unbatched work, so the like-for-like ratios stand beside it:
    ``sealed_over_plain_batched`` (both in batches of ``batch``) and
    ``sealed_one_by_one_over_plain`` (both one to a request). The tenths are of the batched
    sealed deliveries, in the order sent, so growth with the ledger shows as last > first."""
    where = result["where_time_goes"]
    sealed, plain = where["end_to_end_per_message_ms"], where["plain_round_trip_ms"]
    single = where["end_to_end_one_by_one_per_message_ms"]
    plain_batched = where["plain_round_trip_batched_ms"]
    scenarios = result["scenarios"]
    return {
        "messages": result["messages"],
        "batch": result["batch"],
        "plain_ms": plain["median"],
        "sealed_ms": sealed["median"],
        "sealed_over_plain": sealed["median"] / plain["median"],
        "sealed_over_plain_compares": (
            f"sealed in batches of {result['batch']} against plain one body to a request"
        ),
        "plain_batched_ms": plain_batched["median"],
        "sealed_over_plain_batched": sealed["median"] / plain_batched["median"],
        "sealed_one_by_one_ms": single["median"],
        "sealed_one_by_one_over_plain": single["median"] / plain["median"],
        "first_tenth_ms": sealed["first_tenth"],
        "last_tenth_ms": sealed["last_tenth"],
        "last_over_first_tenth": sealed["last_tenth"] / sealed["first_tenth"],
        "cpu_first_tenth_ms": where["end_to_end_cpu_tenths_ms"]["first_tenth_ms"],
        "cpu_last_tenth_ms": where["end_to_end_cpu_tenths_ms"]["last_tenth_ms"],
        "receive_in_process_first_tenth_ms": where["receive_in_process_ms"]["first_tenth"],
        "receive_in_process_last_tenth_ms": where["receive_in_process_ms"]["last_tenth"],
        "seal_over_plain": scenarios["seal"]["wall_ms"] / plain["median"],  # mean over median
        "open_over_plain": scenarios["open"]["wall_ms"] / plain["median"],
    }


if __name__ == "__main__":
    main()
