"""Use cases of ``service.keys``: the node's public keys and their rotation (R15)."""

from __future__ import annotations

import pytest

from repatria.crypto.keystore import KeyPurpose
from repatria.errors import InvalidInput, PermissionDenied
from repatria.service import keys
from repatria.service.node import Node
from tests.conftest import People, snapshot


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
