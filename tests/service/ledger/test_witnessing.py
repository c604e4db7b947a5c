"""Use cases of ``service.ledger.witnessing`` that need no peer running: configuring peers."""

from __future__ import annotations

import pytest

from repatria.crypto.keystore import KeyPurpose
from repatria.errors import Conflict, InvalidInput, PermissionDenied
from repatria.service import keys
from repatria.service.ledger import witnessing
from repatria.service.ledger.witnessing import PeerView
from repatria.service.node import Node
from tests.conftest import People, snapshot


def _vkeys(node: Node) -> tuple[str, str]:
    found = keys.public_keys(node)
    return found.current_vkey(KeyPurpose.SIGNING), found.current_vkey(KeyPurpose.WITNESS)


def test_add_peer_then_list_it_not_yet_witnessed(node: Node, people: People) -> None:
    log_vkey, witness_vkey = _vkeys(node)
    added = witnessing.add_peer(
        node, people.admin, "gb-x", "http://gb-x.test/", log_vkey, witness_vkey
    )
    assert isinstance(added, PeerView)
    assert (added.name, added.url, added.witnessed_size) == ("gb-x", "http://gb-x.test", None)
    assert witnessing.peers(node) == [added]
    assert added.to_dict() == {
        "name": "gb-x",
        "url": "http://gb-x.test",
        "origin": added.origin,
        "log_vkey": log_vkey,
        "witness_vkey": witness_vkey,
        "witnessed_size": None,
        "witnessed_at": None,
    }


@pytest.mark.parametrize(
    ("name", "url", "where"),
    [("X", "http://x.test", "name"), ("gb-x", "ftp://x.test", "url")],
)
def test_add_peer_refuses_bad_input_and_stores_nothing(
    node: Node, people: People, name: str, url: str, where: str
) -> None:
    before = snapshot(node)
    with pytest.raises(InvalidInput) as refused:
        witnessing.add_peer(node, people.admin, name, url, *_vkeys(node))
    assert refused.value.where == where
    assert snapshot(node) == before


def test_add_peer_refuses_a_second_peer_of_one_name_or_origin(node: Node, people: People) -> None:
    witnessing.add_peer(node, people.admin, "gb-x", "http://x.test", *_vkeys(node))
    before = snapshot(node)
    with pytest.raises(Conflict) as same_name:
        witnessing.add_peer(node, people.admin, "gb-x", "http://y.test", *_vkeys(node))
    assert same_name.value.where == "name"
    with pytest.raises(Conflict, match="origin"):
        witnessing.add_peer(node, people.admin, "gb-y", "http://y.test", *_vkeys(node))
    with pytest.raises(PermissionDenied):
        witnessing.add_peer(node, people.auditor, "gb-z", "http://z.test", *_vkeys(node))
    assert snapshot(node) == before
