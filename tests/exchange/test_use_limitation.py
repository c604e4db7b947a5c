"""Use limitation enforced on the receiving node (UNCAC 46(19)-(20); SIENA H0-H3).

NG (the suite's ``node``) sends GB a records request through the network (``Direct``
transport, both nodes in this process). On GB the request's case is worked by the intake
supervisor and an officer assigned to it; another officer is not. The tests follow what the
officers may do with NG's message: read it, export it, use it in another case, forward it,
and how NG's consent, asked through the protocol, changes that, each step recorded.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import String, cast, select
from typer.testing import CliRunner

from repatria.cli import received as received_cli
from repatria.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from repatria.exchange.envelope import message_id_of, verify_origin
from repatria.exchange.handling import (
    Confidentiality,
    ConsentKind,
    ConsentRecord,
    Handling,
    HandlingCode,
    Purpose,
    Use,
)
from repatria.exchange.messages import Message, StatusInquiry
from repatria.service import cases, requests, users
from repatria.service import use_limitation as limitation
from repatria.service.actor import Actor
from repatria.service.exchange import (
    current_directory,
    deliver_due,
    enqueue,
)
from repatria.service.ledger import verification
from repatria.service.node import Node, init_node, open_node
from repatria.settings import Settings
from repatria.store.base import Base, utcnow
from repatria.store.exchange_tables import ConsentRow, InboxRow, OutboxRow
from repatria.store.tables import AccessDecisionRow, CaseRow, EventRow
from repatria.web.api import received as received_api
from repatria.web.app import create_app
from tests.conftest import PASSWORD, CaseFixture, People, sign_in_form
from tests.exchange.directory_of import Direct, join


@dataclass
class World:
    ng: Node
    gb: Node
    ng_people: People
    supervisor: Actor  # GB's intake (central authority)
    officer: Actor  # GB, assigned to the incoming case
    outsider: Actor  # GB, not assigned
    transport: Direct
    case: str = ""  # GB's case for NG's request
    request: str = ""  # GB's incoming request
    message: str = ""  # NG's request message, as GB received it

    def pump(self) -> None:
        for _ in range(4):
            later = utcnow() + timedelta(hours=2)
            if not deliver_due(self.ng, self.transport, later) + deliver_due(
                self.gb, self.transport, later
            ):
                return


@pytest.fixture
def world(node: Node, people: People, ng_case: CaseFixture, tmp_path: Path) -> Iterator[World]:
    settings = Settings(data_dir=tmp_path / "gb-uka")
    init_node(settings, node_id="gb-uka", jurisdiction="GB", authority="UKCA", languages=["en"])
    gb = open_node(settings)
    admin = users.create_user(gb, None, username="gbadmin", password=PASSWORD, roles=["node-admin"])

    def user(name: str, role: str) -> Actor:
        return users.create_user(gb, admin, username=name, password=PASSWORD, roles=[role])

    supervisor, officer = user("gbsup", "supervisor"), user("gbofficer", "case-officer")
    outsider = user("gboutsider", "case-officer")
    endpoints = {"http://127.0.0.1:1": node, "http://127.0.0.1:2": gb}
    join(endpoints)
    world = World(
        node,
        gb,
        people,
        supervisor,
        officer,
        outsider,
        Direct(endpoints),
    )
    requests.apply_transition(node, people.officer, ng_case.request, "mark-ready")
    requests.apply_transition(node, people.supervisor, ng_case.request, "send")
    world.pump()
    incoming = requests.list_requests(gb, supervisor, requests.RequestFilter(direction="incoming"))
    world.case, world.request = incoming[0].case_reference, incoming[0].reference
    cases.assign_member(gb, supervisor, world.case, "gbofficer", "executes the records request")
    with gb.transaction() as session:
        world.message = session.scalars(select(InboxRow.message_id)).one()
    yield world
    gb.close()


def _events(node: Node, action: str) -> list[EventRow]:
    with node.transaction() as session:
        return list(session.scalars(select(EventRow).where(EventRow.action == action)).all())


def _other_case(world: World) -> str:
    """A second GB case the officer works on, outside NG's request."""
    return cases.open_case(
        world.gb, world.officer, {"title": "Domestic laundering probe"}
    ).reference


def _send_from_ng(world: World, fixture: CaseFixture, handling: Handling, question: str) -> str:
    """NG asks GB about the request (a status inquiry) under ``handling``."""
    inquiry = StatusInquiry(fixture.request, question)
    message = Message(inquiry, case=fixture.case, handling=handling)
    sent = enqueue(world.ng, world.ng_people.officer, message, "gb-uka", utcnow())
    world.pump()
    return sent


def test_a_member_of_the_case_reads_the_message_with_its_handling_an_outsider_does_not(
    world: World, ng_case: CaseFixture
) -> None:
    [seen] = limitation.received_messages(world.gb, world.officer, world.request)
    assert (seen.message_id, seen.type, seen.sender) == (world.message, "request", "ng-test")
    assert seen.handling.level is Confidentiality.CONFIDENTIAL  # the request is (46(20))
    assert seen.handling.confidential_request and seen.handling.court
    assert seen.handling.codes == {HandlingCode.H0, HandlingCode.H2}
    assert seen.handling.cases == (ng_case.case,) and seen.case == ng_case.case
    assert Purpose.INVESTIGATION in seen.handling.purposes and not seen.handling.export
    assert seen.payload["reference"] == ng_case.request
    assert seen.outcome.startswith(f"incoming request {world.request}")
    assert seen.created_at <= seen.received_at.replace(tzinfo=UTC) + timedelta(seconds=1)
    with pytest.raises(NotFound, match="not assigned to it"):
        limitation.received_messages(world.gb, world.outsider, world.request)
    with pytest.raises(NotFound, match="not assigned to it"):
        limitation.export_message(world.gb, world.outsider, world.message)
    with world.gb.transaction() as session:
        refused = session.scalars(
            select(AccessDecisionRow).where(AccessDecisionRow.actor == "gboutsider")
        ).all()
    assert [(r.case_reference, r.allowed, r.reason) for r in refused] == [
        (world.case, False, "not assigned to the case")
    ] * 2


def test_secret_material_is_shown_to_supervisors_only(world: World, ng_case: CaseFixture) -> None:
    secret = Handling(
        "ng-test",
        Confidentiality.SECRET,
        frozenset({HandlingCode.H0}),
        frozenset({Purpose.INVESTIGATION}),
        (ng_case.case,),
    )
    sent = _send_from_ng(world, ng_case, secret, "Has the account holder been alerted?")
    by_officer = limitation.received_messages(world.gb, world.officer, world.request)
    by_supervisor = limitation.received_messages(world.gb, world.supervisor, world.request)
    assert [m.message_id for m in by_officer] == [world.message]
    assert [m.message_id for m in by_supervisor] == [world.message, sent]
    assert by_supervisor[1].payload["question"] == "Has the account holder been alerted?"
    with pytest.raises(PermissionDenied, match="secret material is shown to supervisors only"):
        limitation.use_in_case(world.gb, world.officer, sent, world.case, "investigation")
    [refusal] = _events(world.gb, "message.access-refused")
    assert (refusal.actor, refusal.details["message_id"]) == ("gbofficer", sent)
    assert refusal.details["article"] == "Council Decision 2013/488/EU Art. 2"


def test_export_needs_the_originators_consent_and_confidential_material_never_leaves(
    world: World, ng_case: CaseFixture
) -> None:
    with pytest.raises(PermissionDenied, match="confidential material is not exported"):
        limitation.export_message(world.gb, world.officer, world.message)
    with pytest.raises(InvalidInput, match="never exported; consent cannot change that"):
        limitation.ask_consent(world.gb, world.officer, world.message, "export", reason="court")
    restricted = Handling(
        "ng-test",
        Confidentiality.RESTRICTED,
        frozenset({HandlingCode.H0}),
        frozenset({Purpose.INVESTIGATION}),
        (ng_case.case,),
    )
    sent = _send_from_ng(world, ng_case, restricted, "Any progress?")
    with pytest.raises(PermissionDenied, match="export needs ng-test's permission"):
        limitation.export_message(world.gb, world.officer, sent)
    refused = _events(world.gb, "message.export-refused")
    assert [(e.details["message_id"], e.details["allowed"]) for e in refused] == [
        (world.message, False),
        (sent, False),
    ]
    assert refused[0].why.endswith("(Council Decision 2013/488/EU Art. 2; Europol Reg. Art. 19)")
    asked = limitation.ask_consent(
        world.gb,
        world.officer,
        sent,
        ConsentKind.EXPORT,
        reason="the prosecutor needs a copy on file",
    )
    world.pump()
    limitation.answer_consent(
        world.ng, world.ng_people.supervisor, asked, True, ("keep in the prosecution file only",)
    )
    world.pump()
    exported = limitation.export_message(world.gb, world.officer, sent)
    assert message_id_of(exported.content) == sent
    signed = verify_origin(exported.content, current_directory(world.gb))
    assert signed.sender == "ng-test" and signed.recipient == "gb-uka"
    assert exported.decision.obligations == ("keep in the prosecution file only",)
    [done] = _events(world.gb, "message.exported")
    assert done.details["allowed"] is True and "consent given by ng-test" in done.why


def test_use_in_another_case_needs_consent_asked_and_granted_through_the_protocol(
    world: World, ng_case: CaseFixture
) -> None:
    own = limitation.use_in_case(
        world.gb, world.officer, world.message, world.case, Purpose.INVESTIGATION
    )
    assert own.allowed and own.article == "UNCAC 46(19)"
    other = _other_case(world)
    with pytest.raises(PermissionDenied, match="its prior consent is needed: send a consent"):
        limitation.use_in_case(world.gb, world.officer, world.message, other, "prosecution")
    [refused] = _events(world.gb, "message.use-refused")
    assert (refused.details["case"], refused.details["consent"]) == (other, None)
    asked = limitation.ask_consent(
        world.gb,
        world.officer,
        world.message,
        "use",
        purpose="prosecution",
        case_reference=other,
        reason="the same payments fund a domestic laundering scheme",
    )
    with pytest.raises(Conflict, match=f"asked in message {asked} and is not answered"):
        limitation.ask_consent(
            world.gb,
            world.officer,
            world.message,
            "use",
            purpose="prosecution",
            case_reference=other,
            reason="again",
        )
    with world.gb.transaction() as session:
        queued = session.scalars(select(OutboxRow).where(OutboxRow.message_id == asked)).one()
    assert (queued.recipient, queued.message_type) == ("ng-test", "consent-request")
    world.pump()
    [noted] = _events(world.ng, "consent.requested")
    assert noted.details["original_message"] == world.message
    with pytest.raises(PermissionDenied, match="only a supervisor may answer a consent request"):
        limitation.answer_consent(world.ng, world.ng_people.officer, asked, True)
    answer = limitation.answer_consent(world.ng, world.ng_people.supervisor, asked, True)
    with pytest.raises(Conflict, match="answered already"):
        limitation.answer_consent(world.ng, world.ng_people.supervisor, asked, False)
    world.pump()
    with world.gb.transaction() as session:
        consent = session.scalars(select(ConsentRow)).one()
    assert (consent.answer_message_id, consent.granted, consent.granted_by) == (
        answer,
        True,
        "ng-test",
    )
    allowed = limitation.use_in_case(world.gb, world.officer, world.message, other, "prosecution")
    assert allowed.allowed and f"consent given by ng-test in message {answer}" in allowed.reason
    used = [e for e in _events(world.gb, "message.used") if e.details["case"] == other]
    assert [e.details["consent"] for e in used] == [answer]
    with pytest.raises(PermissionDenied, match="outside what ng-test allowed"):  # only that use
        limitation.use_in_case(world.gb, world.officer, world.message, other, "asset-recovery")
    with pytest.raises(Conflict, match="no consent is needed"):
        limitation.ask_consent(
            world.gb,
            world.officer,
            world.message,
            "use",
            purpose="prosecution",
            case_reference=other,
            reason="x",
        )


def test_a_refused_consent_keeps_the_use_refused(world: World) -> None:
    other = _other_case(world)
    asked = limitation.ask_consent(
        world.gb,
        world.officer,
        world.message,
        "use",
        purpose="investigation",
        case_reference=other,
        reason="possible link to a domestic case",
    )
    world.pump()
    answer = limitation.answer_consent(world.ng, world.ng_people.supervisor, asked, False)
    world.pump()
    [answered] = _events(world.ng, "consent.answered")
    assert answered.details["granted"] is False and answered.details["message_id"] == answer
    with pytest.raises(
        PermissionDenied, match=f"ng-test refused consent to this use in message {answer}"
    ):
        limitation.use_in_case(world.gb, world.officer, world.message, other, "investigation")
    with pytest.raises(Conflict, match=f"refused this consent in message {answer}"):
        limitation.ask_consent(
            world.gb,
            world.officer,
            world.message,
            "use",
            purpose="investigation",
            case_reference=other,
            reason="again",
        )
    again = limitation.ask_consent(
        world.gb,
        world.officer,
        world.message,
        "use",
        purpose="investigation",
        case_reference=other,
        reason="new facts: the account moved",
        again=True,
    )
    assert again != asked


def test_forwarding_is_decided_against_accreditation_and_consent(world: World) -> None:
    back = limitation.forward_message(world.gb, world.officer, world.message, "ng-test")
    assert back.allowed and back.reason == "returning information to its originator"
    with pytest.raises(PermissionDenied, match="fr-pnf is accredited up to unknown"):
        limitation.forward_message(world.gb, world.officer, world.message, "fr-pnf")
    with pytest.raises(InvalidInput, match="gb-uka is this node"):
        limitation.forward_message(world.gb, world.officer, world.message, "gb-uka")
    with pytest.raises(InvalidInput, match="consent cannot change that"):
        limitation.ask_consent(
            world.gb,
            world.officer,
            world.message,
            "forward",
            recipient="fr-pnf",
            reason="the French case",
        )
    decided = _events(world.gb, "message.forward-allowed") + _events(
        world.gb, "message.forward-refused"
    )
    assert sorted((e.details["recipient"], e.details["allowed"]) for e in decided) == [
        ("fr-pnf", False),
        ("ng-test", True),
    ]


def test_malformed_questions_are_refused_naming_the_field(world: World) -> None:
    with pytest.raises(InvalidInput, match="accepted: use, forward, export") as bad_kind:
        limitation.ask_consent(world.gb, world.officer, world.message, "publish", reason="x")
    assert bad_kind.value.where == "kind"
    with pytest.raises(InvalidInput, match="names the purpose and the case"):
        limitation.ask_consent(
            world.gb, world.officer, world.message, "use", reason="x", purpose="prosecution"
        )
    with pytest.raises(InvalidInput, match="accepted: investigation, prosecution"):
        limitation.use_in_case(world.gb, world.officer, world.message, world.case, "gossip")
    with pytest.raises(InvalidInput, match="64 hex digits"):
        limitation.export_message(world.gb, world.officer, "not-an-id")
    with pytest.raises(InvalidInput, match="not a consent-request"):
        limitation.answer_consent(world.gb, world.supervisor, world.message, True)
    with pytest.raises(InvalidInput, match="say why"):
        limitation.ask_consent(world.gb, world.officer, world.message, "export", reason=" ")


_times = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
).map(lambda t: t.replace(microsecond=0))
_ids = st.text("0123456789abcdef", min_size=64, max_size=64)


@st.composite
def _records(draw: st.DrawFn) -> ConsentRecord:
    kind = draw(st.sampled_from(ConsentKind))
    use = Use(
        draw(st.sampled_from(Purpose)),
        draw(st.from_regex(r"[A-Z]{2}-20\d\d-\d{4}", fullmatch=True)),
    )
    return ConsentRecord(
        consent_message=draw(_ids),
        original_message=draw(_ids),
        granted_by=draw(st.from_regex(r"[a-z]{2}-[a-z]{2,8}", fullmatch=True)),
        granted_at=draw(_times),
        kind=kind,
        use=use if kind is ConsentKind.USE else None,
        recipient=draw(st.from_regex(r"[a-z]{2}-[a-z]{2,8}", fullmatch=True))
        if kind is ConsentKind.FORWARD
        else None,
        conditions=tuple(draw(st.lists(st.text(min_size=1, max_size=30), max_size=3))),
    )


@given(_records())
def test_a_stored_consent_reads_back_as_the_same_record(record: ConsentRecord) -> None:
    row = ConsentRow(
        answer_message_id=record.consent_message,
        original_message_id=record.original_message,
        granted_by=record.granted_by,
        granted=True,
        record=record.to_dict(),
    )
    assert limitation.consent_of(row) == record


def test_the_api_routes_call_the_same_decisions(world: World, ng_case: CaseFixture) -> None:
    app = create_app(world.gb.settings, world.gb)
    app.include_router(received_api.router)

    def bearer(actor: Actor) -> dict[str, str]:
        token = users.issue_credential(world.gb, actor, kind="api", lifetime=timedelta(hours=1))
        return {"Authorization": f"Bearer {token.secret}"}

    officer, outsider = bearer(world.officer), bearer(world.outsider)
    other = _other_case(world)
    with TestClient(app, raise_server_exceptions=False) as client:
        listed = client.get(f"/api/requests/{world.request}/received", headers=officer)
        assert listed.status_code == 200
        [seen] = listed.json()
        assert seen["message_id"] == world.message and seen["handling"]["codes"] == ["H0", "H2"]
        assert seen["payload"]["reference"] == ng_case.request
        hidden = client.get(f"/api/requests/{world.request}/received", headers=outsider)
        assert hidden.status_code == 404
        refused = client.post(f"/api/received/{world.message}/export", headers=officer)
        assert refused.status_code == 403
        assert "confidential material is not exported" in refused.json()["error"]["message"]
        used = client.post(
            f"/api/received/{world.message}/use",
            json={"case": world.case, "purpose": "asset-recovery"},
            headers=officer,
        )
        assert used.status_code == 200 and used.json()["allowed"] is True
        asked = client.post(
            f"/api/received/{world.message}/consent-requests",
            json={"kind": "use", "purpose": "prosecution", "case": other, "reason": "linked"},
            headers=officer,
        )
        assert asked.status_code == 201, asked.json()
    with world.gb.transaction() as session:
        queued = session.scalars(
            select(OutboxRow).where(OutboxRow.message_id == asked.json()["message_id"])
        ).one()
    assert (queued.message_type, queued.recipient) == ("consent-request", "ng-test")


def test_the_cli_lists_and_refuses_with_the_decision(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPATRIA_DATA_DIR", str(world.gb.settings.data_dir))
    monkeypatch.delenv("REPATRIA_DATABASE_URL", raising=False)
    monkeypatch.setenv("REPATRIA_USER", "gbofficer")
    monkeypatch.setenv("REPATRIA_PASSWORD", PASSWORD)
    runner = CliRunner()
    listed = runner.invoke(received_cli.app, ["list", world.request, "--json"])
    assert listed.exit_code == 0, listed.output
    assert [m["message_id"] for m in json.loads(listed.output)] == [world.message]
    other = _other_case(world)
    refused = runner.invoke(received_cli.app, ["use", world.message, other, "prosecution"])
    assert isinstance(refused.exception, PermissionDenied)
    assert "send a consent request" in str(refused.exception)
    asked = runner.invoke(
        received_cli.app,
        ["ask", world.message, "use", "--purpose", "prosecution", "--case", other,
         "--reason", "linked domestic case", "--json"],
    )  # fmt: skip
    assert asked.exit_code == 0, asked.output
    assert len(json.loads(asked.output)["message_id"]) == 64


def _all_rows(node: Node, *, leaving_out: tuple[str, ...]) -> str:
    """Every row of every table of the node's database but ``leaving_out``, as text."""
    with node.engine.connect() as connection:
        return "\n".join(
            f"{table.name}: {row!r}"
            for table in Base.metadata.sorted_tables
            if table.name not in leaving_out
            for row in connection.execute(select(table))
        )


def test_r18_a_canary_leaves_only_with_the_originators_recorded_consent(
    world: World, ng_case: CaseFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    """reliability.md R18: a unique canary in a restricted message from NG is tried at GB
    through every way out this node has: reads by an outsider (API and page), export,
    forwarding, use in another case, the ledger bundle, the database beside the inbox, the
    logs. Without NG's consent each is refused, recorded as an event (a leaf of the log), and
    shows 0 occurrences of the canary; with the consent recorded the export is allowed and its
    event names the consent message (UNCAC 46(19); Europol Reg. Art. 19(2))."""
    canary = f"canary-{secrets.token_hex(12)}"
    restricted = Handling(
        "ng-test",
        Confidentiality.RESTRICTED,
        frozenset({HandlingCode.H0, HandlingCode.H2}),
        frozenset({Purpose.INVESTIGATION}),
        (ng_case.case,),
    )
    sent = _send_from_ng(world, ng_case, restricted, f"Has the bank answered? {canary}")
    other = _other_case(world)
    app = create_app(world.gb.settings, world.gb)
    seen: list[str] = []

    def bearer(actor: Actor) -> dict[str, str]:
        token = users.issue_credential(world.gb, actor, kind="api", lifetime=timedelta(hours=1))
        return {"Authorization": f"Bearer {token.secret}"}

    officer, outsider = bearer(world.officer), bearer(world.outsider)
    with TestClient(app, raise_server_exceptions=False) as client:
        member_view = client.get(f"/api/requests/{world.request}/received", headers=officer)
        assert canary in member_view.text  # the case's own officer reads it: the control
        refusals = {
            "an outsider's read": client.get(
                f"/api/requests/{world.request}/received", headers=outsider
            ),
            "an outsider's export": client.post(f"/api/received/{sent}/export", headers=outsider),
            "the officer's export": client.post(f"/api/received/{sent}/export", headers=officer),
            "use in another case": client.post(
                f"/api/received/{sent}/use",
                json={"case": other, "purpose": "prosecution"},
                headers=officer,
            ),
            "forwarding to a third node": client.post(
                f"/api/received/{sent}/forward", json={"recipient": "fr-pnf"}, headers=officer
            ),
        }
        client.cookies.clear()
        client.post("/login", data=sign_in_form(client, "gboutsider", PASSWORD))
        page = client.get(f"/requests/{world.request}", headers={"Accept": "text/html"})
    assert {what: r.status_code for what, r in refusals.items()} == {
        "an outsider's read": 404,
        "an outsider's export": 404,
        "the officer's export": 403,
        "use in another case": 403,
        "forwarding to a third node": 403,
    }
    assert page.status_code == 404
    seen += [f"{what}: {r.text}" for what, r in refusals.items()]
    seen.append(f"the outsider's page: {page.text}")
    admin = users.find_user(world.gb, "gbadmin")
    seen.append(verification.export_bundle(world.gb, admin).to_json())
    # The message is kept in the inbox and applied to the request's thread (the inquiry and
    # the event that records it, on the request's own case); nowhere else.
    seen.append(_all_rows(world.gb, leaving_out=("exchange_inbox", "status_inquiries", "events")))
    with world.gb.transaction() as session:
        holders = session.execute(
            select(EventRow.action, CaseRow.reference)
            .join(CaseRow, CaseRow.id == EventRow.case_id)
            .where(EventRow.why.contains(canary) | cast(EventRow.details, String).contains(canary))
        ).all()
    assert [tuple(h) for h in holders] == [("request.status-inquiry", world.case)]
    with world.gb.transaction() as session:
        queued = session.scalars(select(OutboxRow.recipient, OutboxRow.message_type)).all()
    assert all(kind not in {"request", "status-inquiry"} for kind in queued), queued
    for refused in ("message.export-refused", "message.use-refused", "message.forward-refused"):
        assert [e.details["message_id"] for e in _events(world.gb, refused)] == [sent], refused
    written = capsys.readouterr()
    seen += [written.out, written.err]
    found = [line[:160] for text in seen for line in text.splitlines() if canary in line]
    assert found == []

    asked = limitation.ask_consent(
        world.gb, world.officer, sent, ConsentKind.EXPORT, reason="the court file"
    )
    world.pump()
    answer = limitation.answer_consent(world.ng, world.ng_people.supervisor, asked, True)
    world.pump()
    exported = limitation.export_message(world.gb, world.officer, sent)
    assert canary.encode() in exported.content
    [done] = [e for e in _events(world.gb, "message.exported") if e.details["message_id"] == sent]
    assert answer in json.dumps(done.details) + done.why
