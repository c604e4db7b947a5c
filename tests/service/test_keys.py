"""Use cases of ``service.keys``: the node's public keys and their rotation (R15)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select

from repatria.crypto.keystore import KeyPurpose
from repatria.domain.event import EventKind
from repatria.errors import InvalidInput, PermissionDenied
from repatria.exchange.directory import Directory, KeyUse, NodeEntry, NodeKey, sign_directory
from repatria.exchange.rejection import Reason, Rejected
from repatria.service import keys
from repatria.service.network_directory import accept_directory, current_directory, node_entry
from repatria.service.node import Node
from repatria.store.base import utcnow
from repatria.store.tables import EventRow
from tests.conftest import People, snapshot
from tests.exchange.served import make_node


def test_public_keys_have_vkeys_for_log_and_witness(node: Node) -> None:
    found = keys.public_keys(node)
    assert found.origin.endswith(node.config.node_id)
    vkeyed = {k.record.purpose for k in found.keys if k.vkey}
    assert vkeyed == {KeyPurpose.SIGNING, KeyPurpose.WITNESS}
    assert found.current_vkey(KeyPurpose.SIGNING).startswith(found.origin)
    as_json = found.to_dict()
    assert as_json["origin"] == found.origin and as_json["witness"] == found.witness
    assert all(("vkey" in k) == (k["purpose"] != "hpke") for k in as_json["keys"])


def test_rotate_key_retires_the_old_key_and_keeps_it(node: Node, people: People) -> None:
    old = keys.public_keys(node).current_vkey(KeyPurpose.SIGNING)
    new = keys.rotate_key(node, people.admin, "signing", "yearly rotation")
    after = keys.public_keys(node)
    assert after.current_vkey(KeyPurpose.SIGNING) != old
    signing = [k for k in after.keys if k.record.purpose is KeyPurpose.SIGNING]
    assert [k.vkey for k in signing if k.record.retired_at is not None] == [old]
    assert new.fingerprint in {k.record.fingerprint for k in signing}


@pytest.mark.parametrize(
    ("purpose", "why", "where"), [("signing", "  ", "why"), ("laundry", "why", None)]
)
def test_rotate_key_refuses_bad_input_and_changes_nothing(
    node: Node, people: People, purpose: str, why: str, where: str | None
) -> None:
    before = snapshot(node), keys.public_keys(node)
    with pytest.raises(InvalidInput) as refused:
        keys.rotate_key(node, people.admin, purpose, why)
    assert refused.value.where == where
    assert (snapshot(node), keys.public_keys(node)) == before


def test_rotate_key_is_for_node_admins(node: Node, people: People) -> None:
    before = keys.public_keys(node)
    with pytest.raises(PermissionDenied, match="rotate"):
        keys.rotate_key(node, people.auditor, "signing", "why")
    assert keys.public_keys(node) == before


def _signed(version: int, *entries: NodeEntry) -> bytes:
    now = utcnow()
    directory = Directory(
        network="repatria-test",
        version=version,
        issued_at=now - timedelta(minutes=1),
        expires_at=now + timedelta(days=30),
        nodes=entries,
        contacts=(),
    )
    return sign_directory(directory, NETWORK_KEY)


NETWORK_KEY = Ed25519PrivateKey.generate()


def test_a_rotation_is_cross_signed_and_a_peer_accepts_it(
    node: Node, people: People, tmp_path: Path
) -> None:
    """Issue 14.5: the node's entry after a rotation carries the old key's endorsement, and a
    peer that knew the old keys accepts the new directory and records what was endorsed."""
    peer = make_node(tmp_path, "gb-peer", "GB")
    try:
        endpoint = "https://ng.repatria.example"
        accept_directory(
            peer, _signed(1, node_entry(node, endpoint)), NETWORK_KEY.public_key(), utcnow()
        )
        keys.rotate_key(node, people.admin, "signing", "yearly rotation")
        keys.rotate_key(node, people.admin, "hpke", "yearly rotation")
        entry = node_entry(node, endpoint)
        added = [k for k in entry.keys if k.endorsement is not None]
        assert len(added) == 2 and {k.use for k in added} == {KeyUse.SIGNING, KeyUse.HPKE}
        accept_directory(peer, _signed(2, entry), NETWORK_KEY.public_key(), utcnow())
        with peer.transaction() as session:
            details = session.scalars(
                select(EventRow.details)
                .where(EventRow.action == EventKind.DIRECTORY_ACCEPTED)
                .order_by(EventRow.id.desc())
            ).first()
        assert details is not None
        assert set(details["keys_endorsed"]) == {f"{entry.node_id}/{k.key_id}" for k in added}
        assert details["keys_unendorsed_after_revocation"] == []
    finally:
        peer.close()


def test_a_substituted_key_is_refused_and_the_peer_keeps_its_directory(
    node: Node, tmp_path: Path
) -> None:
    """A key the node never endorsed, listed under its name by the operator, is refused; the
    peer stays on the version it had, with nothing recorded for the refused one."""
    peer = make_node(tmp_path, "gb-peer", "GB")
    try:
        endpoint = "https://ng.repatria.example"
        first = node_entry(node, endpoint)
        accept_directory(peer, _signed(1, first), NETWORK_KEY.public_key(), utcnow())
        before = snapshot(peer)
        impostor = NodeKey(
            KeyUse.HPKE, X25519PrivateKey.generate().public_key().public_bytes_raw(), utcnow()
        )
        swapped = replace(first, keys=(*first.keys, impostor))
        with pytest.raises(Rejected) as refused:
            accept_directory(peer, _signed(2, swapped), NETWORK_KEY.public_key(), utcnow())
        assert refused.value.reason is Reason.UNENDORSED_KEY
        assert impostor.key_id in refused.value.message
        assert snapshot(peer) == before
        assert current_directory(peer).version == 1
    finally:
        peer.close()
