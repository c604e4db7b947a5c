"""An incoming request's draft is checked from the requesting side (issue 12, bug 2)."""

from __future__ import annotations

from repatria.service import drafting, requests
from repatria.service.node import Node
from tests.conftest import REQUEST_BODY, CaseFixture, People, complete_document

FOREIGN = "GB-2026-0007-R01"


def test_an_incoming_draft_is_checked_against_the_senders_reference(
    node: Node, people: People, ng_case: CaseFixture
) -> None:
    incoming = requests.open_request(
        node,
        people.officer,
        ng_case.case,
        REQUEST_BODY
        | {
            "direction": "incoming",
            "requesting_state": "GB",
            "requested_state": "NG",
            "foreign_reference": FOREIGN,
        },
    )
    document = complete_document(FOREIGN) | {"requesting_state": "GB", "requested_state": "NG"}
    with node.transaction() as session:  # as it arrives from the sender's node
        requests.load_request(session, incoming.reference).document = document
    report = drafting.check_document(node, people.officer, incoming.reference)
    paths = [p.path for p in report.errors]
    # the bug: "reference is 'GB-...-R01' but the request is 'NG-...-R02'"
    assert "reference" not in paths
    assert "requesting_state" not in paths and "requested_state" not in paths
    wrong = document | {"reference": incoming.reference}
    with node.transaction() as session:
        requests.load_request(session, incoming.reference).document = wrong
    report = drafting.check_document(node, people.officer, incoming.reference)
    flagged = [p for p in report.errors if p.path == "reference"]
    assert flagged and FOREIGN in flagged[0].message
