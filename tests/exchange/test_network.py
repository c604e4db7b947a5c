"""The exchange between three real node processes: a request's round trip, and R10.

Three ``repatria serve`` processes (NG, GB, CH; ``three_nodes.py``) on loopback, each with its
own SQLite data directory and delivery worker, joined by one signed directory.

- Round trip through the HTTP API only (UNCAC 46(13), 46(24)): an NG request is drafted,
  sent by a supervisor, arrives at GB's central authority for its supervisors alone, is
  acknowledged and executed there, and NG sees ``executed``; every message carries a receipt
  that verifies offline under the receiver's key, inclusion proof included.
- R10 (reliability.md, "Reception awareness"), CI size: 200 messages NG→GB while GB is killed
  -9 three times at random moments and stays down 1-5 s each time (2,000 and 10 kills of up
  to 60 s with ``REPATRIA_SOAK=1``). Each message is stored at GB exactly once, NG keeps one
  verifying receipt per message, and NG's outbox drains after GB's last restart.
- R10, second run: GB down past the retry limit; every message ends ``failed`` with signed
  negative evidence, a ``message.failed`` event and an open alarm; none silently dropped.
- CH is in the directory throughout and is sent nothing: its inbox stays empty.

The random schedule of kills prints its seed; ``REPATRIA_R10_SEED=<seed>`` replays it.
"""

from __future__ import annotations

import hashlib
import os
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from repatria.exchange.handling import Confidentiality, Handling, HandlingCode, Purpose
from repatria.exchange.messages import Message, StatusInquiry
from repatria.exchange.receipt import ReceiptStatus, verify_negative_receipt, verify_receipt
from repatria.exchange.rejection import Reason
from repatria.service.exchange import (
    DELIVERY_ALARM,
    FAILED_KIND,
    QUEUED_KIND,
    RECEIPTED_KIND,
    enqueue,
)
from repatria.service.ledger.alarms import alarms
from repatria.service.node import Node
from repatria.service.users import authenticate_password
from repatria.store.base import utcnow
from repatria.store.exchange_tables import InboxRow, OutboxRow, ReceiptRow
from repatria.store.ledger_tables import LedgerLeafRow
from repatria.store.tables import EventRow
from tests.conftest import REQUEST_BODY, complete_document
from tests.exchange.three_nodes import (
    PASSWORD,
    WAIT,
    Member,
    Network,
    build_network,
    json_of,
    serve_log,
)
from tests.waiting import wait_until

pytestmark = pytest.mark.process

SOAK = bool(os.environ.get("REPATRIA_SOAK"))
MESSAGES = 2000 if SOAK else 200
KILLS = 10 if SOAK else 3
LONGEST_DOWN = 60.0 if SOAK else 5.0
DRAIN = WAIT
"""How long NG's outbox may take to drain after GB's last restart, on top of the latest
retry already scheduled then: a message that failed through several outages waits out its
back-off (0.3 s doubling; reliability.md R10: "drains within the retry cap"), and the
backlog is sent after it."""
GIVE_UP_MESSAGES = 40
"""Messages queued while GB is down for good (each fails after 3 attempts)."""


@pytest.fixture
def make_network(tmp_path: Path) -> Iterator[Callable[..., Network]]:
    """Build the three nodes with ``max_attempts`` and start them (or those named); kill
    them all afterwards."""
    started: list[Network] = []

    def make(max_attempts: int, *jurisdictions: str) -> Network:
        network = build_network(tmp_path, max_attempts=max_attempts)
        started.append(network)
        network.start(*jurisdictions)
        return network

    yield make
    for network in started:
        network.stop()


# --- reading the nodes' databases ------------------------------------------------------


def count(member: Member, model: type, *where: object) -> int:
    def query(node: Node) -> int:
        with node.transaction() as session:
            statement = select(func.count()).select_from(model).where(*where)  # type: ignore[arg-type]
            return int(session.scalar(statement) or 0)

    return member.read(query)


def outbox_states(member: Member) -> Counter[str]:
    def query(node: Node) -> Counter[str]:
        with node.transaction() as session:
            return Counter(session.scalars(select(OutboxRow.state)).all())

    return member.read(query)


def outbox_rows(member: Member) -> list[OutboxRow]:
    def query(node: Node) -> list[OutboxRow]:
        with node.transaction() as session:
            rows = list(session.scalars(select(OutboxRow).order_by(OutboxRow.id)).all())
            session.expunge_all()
            return rows

    return member.read(query)


def latest_retry(member: Member) -> float:
    """Seconds from now until the last pending message's next attempt is due (0 if none)."""

    def query(node: Node) -> float:
        with node.transaction() as session:
            latest = session.scalar(
                select(func.max(OutboxRow.next_attempt_at)).where(OutboxRow.state == "pending")
            )
        return max(0.0, (latest - utcnow()).total_seconds()) if latest is not None else 0.0

    return member.read(query)


def receipts_by_id(member: Member) -> dict[str, list[bytes]]:
    def query(node: Node) -> dict[str, list[bytes]]:
        found: dict[str, list[bytes]] = {}
        with node.transaction() as session:
            for row in session.scalars(select(ReceiptRow)).all():
                found.setdefault(row.message_id, []).append(row.receipt)
        return found

    return member.read(query)


def inbox_ids(member: Member) -> list[str]:
    def query(node: Node) -> list[str]:
        with node.transaction() as session:
            return list(session.scalars(select(InboxRow.message_id)).all())

    return member.read(query)


def leaves(member: Member) -> dict[int, bytes]:
    def query(node: Node) -> dict[int, bytes]:
        with node.transaction() as session:
            rows = session.execute(select(LedgerLeafRow.leaf_index, LedgerLeafRow.data)).all()
            return {int(index): bytes(data) for index, data in rows}

    return member.read(query)


def events(member: Member, action: str) -> list[EventRow]:
    def query(node: Node) -> list[EventRow]:
        with node.transaction() as session:
            rows = list(session.scalars(select(EventRow).where(EventRow.action == action)).all())
            session.expunge_all()
            return rows

    return member.read(query)


def integrity(member: Member) -> str:
    def query(node: Node) -> str:
        with node.engine.connect() as connection:
            return str(connection.execute(text("PRAGMA integrity_check")).scalar())

    return member.read(query)


def assert_ch_received_nothing(network: Network) -> None:
    """CH is in the directory but nobody wrote to it: nothing may arrive there, as its
    operator sees it through the API and as its database holds it."""
    ch = network["CH"]
    with ch.api("admin") as operator:
        assert json_of(operator.get("/api/exchange/inbox")) == []
        assert json_of(operator.get("/api/exchange/outbox")) == []
    assert count(ch, InboxRow) == 0, f"CH stored messages it was not sent: {inbox_ids(ch)}"
    assert count(ch, OutboxRow) == 0
    assert events(ch, "message.received") == []


# --- 1. a request's round trip through the API -----------------------------------------


def test_a_request_goes_to_gb_over_http_and_its_execution_comes_back(
    make_network: Callable[..., Network],
) -> None:
    network = make_network(40)
    ng, gb, ch = network["NG"], network["GB"], network["CH"]
    with ng.api("supervisor") as ng_sup, ng.api("officer") as ng_off:
        case = json_of(ng_sup.post("/api/cases", json={"title": "Delta licence bribes",
                                                       "summary": "Payments via London"}), 201)  # fmt: skip
        case_ref = case["reference"]
        json_of(ng_sup.post(f"/api/cases/{case_ref}/members",
                            json={"username": "officer", "why": "drafts the request"}), 201)  # fmt: skip
        json_of(ng_off.post(f"/api/cases/{case_ref}/entities", json={
            "id": "person-1", "schema": "Person", "properties": {"name": ["Ada Obi"]}}), 201)  # fmt: skip
        ref = json_of(ng_off.post(f"/api/cases/{case_ref}/requests", json=REQUEST_BODY), 201)[
            "reference"
        ]
        report = json_of(ng_off.put(f"/api/requests/{ref}/document", json=complete_document(ref)))
        assert report["complete"] is True, report
        ready = json_of(ng_off.post(f"/api/requests/{ref}/transitions",
                                    json={"transition": "mark-ready"}))  # fmt: skip
        assert ready["state"] == "ready"
        sent = json_of(ng_sup.post(f"/api/requests/{ref}/transitions", json={"transition": "send"}))
        assert sent["state"] == "sent"

    # GB's central authority: its supervisors see the incoming request, nobody else does.
    with gb.api("supervisor") as gb_sup, gb.api("officer") as gb_off:

        def arrived() -> list[dict[str, object]]:
            found = json_of(gb_sup.get("/api/requests", params={"direction": "incoming"}))
            return [r for r in found if r["foreign_reference"] == ref]

        (incoming,) = wait_until(arrived, what=f"GB's supervisor to see NG's request {ref}",
                                 describe=lambda: serve_log(ng))  # fmt: skip
        assert (incoming["direction"], incoming["state"]) == ("incoming", "sent")
        assert (incoming["requesting_state"], incoming["requested_state"]) == ("NG", "GB")
        assert incoming["measures"] == REQUEST_BODY["measures"]
        listed = json_of(gb_sup.get("/api/cases"))
        assert [c["reference"] for c in listed] == [incoming["case"]]
        assert json_of(gb_off.get("/api/cases")) == []
        assert json_of(gb_off.get("/api/requests", params={"direction": "incoming"})) == []
        gb_ref = incoming["reference"]
    with ch.api("supervisor") as ch_sup:
        assert json_of(ch_sup.get("/api/cases")) == []
        assert json_of(ch_sup.get("/api/requests")) == []

    # NG's outbox row is delivered, its receipt verifies offline under GB's key.
    def delivered() -> list[OutboxRow]:
        rows = outbox_rows(ng)
        return rows if rows and all(r.state == "delivered" for r in rows) else []

    (request_row,) = wait_until(delivered, what="NG's request message to be receipted",
                                describe=lambda: str(outbox_states(ng)))  # fmt: skip
    assert (request_row.recipient, request_row.message_type) == ("gb-uka", "request")
    (kept,) = receipts_by_id(ng)[request_row.message_id]
    receipt = verify_receipt(kept, gb.signing_key(), request_row.message_id)
    assert receipt.status is ReceiptStatus.ACCEPTED
    assert (receipt.sender, receipt.receiver) == ("ng-moj", "gb-uka")
    assert receipt.envelope_digest == hashlib.sha256(request_row.envelope).hexdigest()
    assert leaves(gb)[receipt.log.leaf_index] == receipt.log.leaf  # the leaf GB really holds
    assert inbox_ids(gb) == [request_row.message_id]

    # GB acknowledges and executes through its API; NG's request follows.
    with gb.api("supervisor") as gb_sup:
        moves = (("acknowledge", ""), ("start-execution", "production order served on the bank"),
                 ("complete-execution", "all records produced"))  # fmt: skip
        for move, why in moves:
            moved = json_of(gb_sup.post(f"/api/requests/{gb_ref}/transitions",
                                        json={"transition": move, "why": why}))  # fmt: skip
            assert moved["reference"] == gb_ref
    with ng.api("officer") as ng_off:

        def executed() -> dict[str, object] | None:
            ours: dict[str, object] = json_of(ng_off.get(f"/api/requests/{ref}"))
            return ours if ours["state"] == "executed" else None

        ours = wait_until(executed, what=f"NG's request {ref} to reach executed",
                          describe=lambda: serve_log(gb))  # fmt: skip
        assert ours["foreign_reference"] == gb_ref  # learnt from GB's acknowledgement
        timeline = json_of(ng_off.get(f"/api/cases/{case_ref}/events"))
        trace = json_of(ng_off.get(f"/api/requests/{ref}/messages"))
    # The request's dialogue as NG's officer sees it: what went out, receipted; what came in.
    assert sorted((m["direction"], m["type"], m["peer"], m["receipt_status"]) for m in trace) == [
        ("received", "acknowledgement", "gb-uka", "accepted"),
        ("received", "final-execution", "gb-uka", "accepted"),
        ("received", "status-answer", "gb-uka", "accepted"),
        ("sent", "request", "gb-uka", "accepted"),
    ]
    assert all(m["state"] == "delivered" for m in trace if m["direction"] == "sent")
    assert all(not m["state"].startswith("not applied") for m in trace)
    reported = [e for e in timeline if e["action"] == "request.complete-execution"]
    assert [(e["actor"], e["details"]["reported_by"]) for e in reported] == [
        ("node:gb-uka", "gb-uka")
    ]

    # GB's two answers were receipted by NG, each receipt verifying under NG's key.
    answers = wait_until(lambda: delivered_all(gb, 3), what="GB's answers to be receipted",
                         describe=lambda: str(outbox_states(gb)))  # fmt: skip
    assert [r.message_type for r in answers] == [
        "acknowledgement",
        "status-answer",
        "final-execution",
    ]
    ng_key = ng.signing_key()
    kept_by_gb = receipts_by_id(gb)
    ng_leaves = leaves(ng)
    for row in answers:
        (data,) = kept_by_gb[row.message_id]
        answer_receipt = verify_receipt(data, ng_key, row.message_id)
        assert ng_leaves[answer_receipt.log.leaf_index] == answer_receipt.log.leaf
    assert sorted(inbox_ids(ng)) == sorted(r.message_id for r in answers)
    assert_ch_received_nothing(network)


def delivered_all(member: Member, expected: int) -> list[OutboxRow]:
    rows = outbox_rows(member)
    done = len(rows) == expected and all(r.state == "delivered" for r in rows)
    return rows if done else []


# --- 2. R10: no loss through receiver crashes ---------------------------------------------


def inquiry(number: int) -> Message:
    """A status inquiry (46(24)) about an NG request GB never received: stored, receipted and
    kept as not applicable there, which is all reception awareness needs."""
    case = f"NG-2026-{9000 + number // 100:04d}"
    return Message(
        payload=StatusInquiry(f"{case}-R{number % 100:02d}", f"R10 message {number}"),
        case=case,
        handling=Handling(
            originator="ng-moj",
            level=Confidentiality.RESTRICTED,
            codes=frozenset({HandlingCode.H0, HandlingCode.H2}),
            purposes=frozenset({Purpose.INVESTIGATION}),
            cases=(case,),
        ),
    )


def queue(ng: Member, numbers: range) -> list[str]:
    """Queue inquiries straight into NG's outbox (its running worker delivers them)."""
    with ng.opened() as node:
        admin = authenticate_password(node, "admin", PASSWORD)
        ids = []
        for number in numbers:
            ids.append(enqueue(node, admin, inquiry(number), "gb-uka", utcnow()))
        return ids


class Chaos(threading.Thread):
    """Kill GB -9 each time NG's delivered count passes a random threshold; keep it down until
    NG's back-off has grown to a random 1-``LONGEST_DOWN`` s (a state of the sender, not a
    fixed sleep, so a slow machine still sees every outage at its full length), then restart
    it on the same port and data directory."""

    def __init__(self, network: Network, rng: random.Random) -> None:
        super().__init__(name="r10-chaos", daemon=True)
        self.network = network
        self.rng = rng
        self.thresholds = sorted(rng.sample(range(MESSAGES // 10, MESSAGES * 9 // 10), KILLS))
        self.downs = [rng.uniform(1.0, LONGEST_DOWN) for _ in range(KILLS)]
        self.log: list[str] = []
        self.problem: BaseException | None = None
        self.last_restart = 0.0

    def run(self) -> None:
        ng, gb = self.network["NG"], self.network["GB"]
        try:
            with ng.opened() as node:  # one connection setup for the whole schedule

                def delivered() -> int:
                    with node.transaction() as session:
                        statement = select(func.count()).where(OutboxRow.state == "delivered")
                        return int(session.scalar(statement) or 0)

                self.kill_and_restart(gb, delivered, lambda: latest_retry(ng))
        except BaseException as problem:  # noqa: BLE001  (re-raised by the test thread)
            self.problem = problem

    def kill_and_restart(
        self, gb: Member, delivered: Callable[[], int], backoff: Callable[[], float]
    ) -> None:
        for threshold, down in zip(self.thresholds, self.downs, strict=True):
            wait_until(lambda t=threshold: delivered() >= t,  # type: ignore[misc]
                       what=f"{threshold} deliveries before a kill",
                       timeout=WAIT + backoff(), interval=0.03,
                       describe=lambda: f"{delivered()} delivered")  # fmt: skip
            killed_at = delivered()
            gb.process.kill()
            # Every attempt from here on fails, and each failure doubles the message's delay.
            wait_until(lambda d=down: backoff() >= d,  # type: ignore[misc]
                       what=f"NG to back off {down:.1f} s while GB is down",
                       timeout=WAIT + 4 * down, describe=lambda: f"back-off {backoff():.1f} s")  # fmt: skip
            healthy = gb.process.start()
            self.last_restart = time.monotonic()
            self.log.append(f"killed at {killed_at} delivered, down until a {down:.1f} s back-off,"
                            f" healthy after {healthy:.1f} s")  # fmt: skip


def test_r10_no_message_is_lost_while_the_receiver_is_killed(
    make_network: Callable[..., Network],
) -> None:
    network = make_network(40)
    ng, gb = network["NG"], network["GB"]
    seed = int(os.environ.get("REPATRIA_R10_SEED") or random.SystemRandom().randrange(2**32))
    chaos = Chaos(network, random.Random(seed))
    replay = f"(REPATRIA_R10_SEED={seed} replays this schedule)"
    began = time.monotonic()
    chaos.start()
    queued = queue(ng, range(MESSAGES))
    queued_in = time.monotonic() - began
    chaos.join(timeout=KILLS * (5 * LONGEST_DOWN + 2 * WAIT))
    assert not chaos.is_alive(), f"the kill schedule did not finish {replay}: {chaos.log}"
    if chaos.problem is not None:
        raise AssertionError(f"the kill schedule failed {replay}: {chaos.log}") from chaos.problem
    assert gb.process.running
    backoff = latest_retry(ng)
    wait_until(
        lambda: outbox_states(ng)["pending"] == 0,
        what=f"NG's outbox to drain after GB's last restart (latest retry due in {backoff:.1f} s)"
        f" {replay} {chaos.log}",
        timeout=backoff + DRAIN,
        describe=lambda: f"{outbox_states(ng)}; GB log: {serve_log(gb, 1500)}",
    )
    drained = time.monotonic() - chaos.last_restart
    total = time.monotonic() - began

    assert len(set(queued)) == MESSAGES
    assert outbox_states(ng) == Counter({"delivered": MESSAGES}), replay
    attempts = Counter(row.attempts for row in outbox_rows(ng))
    stored = inbox_ids(gb)
    assert len(stored) == MESSAGES and set(stored) == set(queued), replay
    received = [e.details["message_id"] for e in events(gb, "message.received")]
    assert sorted(received) == sorted(queued), "each message is logged once at GB"

    gb_key = gb.signing_key()
    gb_leaves = leaves(gb)
    kept = receipts_by_id(ng)
    assert set(kept) == set(queued) and all(len(v) == 1 for v in kept.values()), replay
    statuses: Counter[str] = Counter()
    indices = set()
    for message_id, (data,) in kept.items():
        receipt = verify_receipt(data, gb_key, message_id)
        assert gb_leaves[receipt.log.leaf_index] == receipt.log.leaf, message_id
        statuses[receipt.status.value] += 1
        indices.add(receipt.log.leaf_index)
    assert len(indices) == MESSAGES, "two receipts name the same leaf of GB's log"
    assert len(events(ng, RECEIPTED_KIND)) == MESSAGES
    assert integrity(gb) == "ok"
    print(f"R10: {MESSAGES} messages queued in {queued_in:.1f} s; {'; '.join(chaos.log)};"
          f" drained {drained:.1f} s after the last restart (latest retry then due in"
          f" {backoff:.1f} s), {total:.1f} s in all; receipts"
          f" {dict(statuses)}; attempts {dict(sorted(attempts.items()))}; verified in {time.monotonic() - began - total:.1f} s {replay}")  # fmt: skip
    assert_ch_received_nothing(network)


# --- 3. R10, second run: the receiver never comes back ------------------------------------


def test_r10_messages_to_a_receiver_that_stays_down_fail_with_evidence(
    make_network: Callable[..., Network],
) -> None:
    network = make_network(3, "NG", "CH")  # GB is in the directory; its node never answers
    ng, gb = network["NG"], network["GB"]
    assert not gb.process.running
    with socket.socket() as held:  # GB's port stays taken and refuses every connection
        held.bind(("127.0.0.1", gb.process.port))
        queued = queue(ng, range(GIVE_UP_MESSAGES))
        wait_until(
            lambda: outbox_states(ng)["pending"] == 0,
            what="every message to NG's dead receiver to be given up",
            describe=lambda: str(outbox_states(ng)),
        )
    states = outbox_states(ng)
    assert states == Counter({"failed": GIVE_UP_MESSAGES}), states
    assert states["pending"] + states["delivered"] + states["failed"] == len(queued)
    assert count(ng, EventRow, EventRow.action == QUEUED_KIND) == len(queued)

    ng_key = ng.signing_key()
    rows = outbox_rows(ng)
    assert sorted(r.message_id for r in rows) == sorted(queued)
    for row in rows:
        assert row.attempts == 3 and row.negative_receipt is not None, row.message_id
        evidence = verify_negative_receipt(
            row.negative_receipt, ng_key, hashlib.sha256(row.envelope).hexdigest()
        )
        assert evidence.reason is Reason.NOT_DELIVERED
        assert (evidence.issuer, evidence.sender, evidence.receiver) == (
            "ng-moj", "ng-moj", "gb-uka")  # fmt: skip
        assert evidence.message_id == row.message_id
    failed = events(ng, FAILED_KIND)
    assert sorted(e.details["message_id"] for e in failed) == sorted(queued)
    assert all(e.details["reason"] == Reason.NOT_DELIVERED.value for e in failed)
    raised = [a for a in ng.read(alarms) if a.kind == DELIVERY_ALARM]
    assert len(raised) == len(queued)
    for message_id in queued:
        assert sum(message_id in a.reason for a in raised) == 1, message_id
    assert all(a.cleared_at is None and a.origin == "gb-uka" for a in raised)
    assert receipts_by_id(ng) == {}
    assert count(gb, InboxRow) == 0
    with ng.api("admin") as operator:  # what NG's operator is shown: every failure, none hidden
        shown = json_of(operator.get("/api/exchange/outbox", params={"state": "failed"}))
        assert json_of(operator.get("/api/exchange/outbox", params={"state": "pending"})) == []
        open_alarms = json_of(operator.get("/api/ledger/alarms"))
    assert sorted(m["message_id"] for m in shown) == sorted(queued)
    assert sorted(a["id"] for a in open_alarms if a["kind"] == DELIVERY_ALARM) == sorted(
        a.id for a in raised
    )
    assert all(m["negative_evidence"] and m["attempts"] == 3 and m["last_error"] for m in shown)
    assert_ch_received_nothing(network)
