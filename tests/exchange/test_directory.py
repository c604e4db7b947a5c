"""The signed network directory: strict parsing, signature, expiry, rollback, key states."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from repatria.domain.authority import AuthorityRole
from repatria.errors import InvalidInput
from repatria.exchange.directory import (
    Directory,
    KeyUse,
    NodeKey,
    make_key_id,
    sign_directory,
    verify_directory,
)
from repatria.exchange.rejection import Reason, Rejected

from .network import CH, DIRECTORY_KEY, GB, NG, NOW, T0, directory, raw, signing_key

PUBLIC = DIRECTORY_KEY.public_key()


def resign(mutate: Any) -> bytes:
    """Change the directory body, then sign it properly, so only the parser can object."""
    body = directory().to_dict()
    mutate(body)
    signature = DIRECTORY_KEY.sign(b"repatria directory v1\n" + rfc8785.dumps(body))
    outer = json.loads(sign_directory(directory(), DIRECTORY_KEY))
    outer["directory"] = body
    outer["signature"]["value"] = base64.b64encode(signature).decode()
    return rfc8785.dumps(outer)


def test_round_trip() -> None:
    original = directory()
    assert verify_directory(sign_directory(original, DIRECTORY_KEY), PUBLIC, NOW) == original


@given(version=st.integers(min_value=1, max_value=10_000), days=st.integers(1, 400))
@settings(max_examples=30, deadline=None)
def test_round_trip_any_version(version: int, days: int) -> None:
    original = directory(version=version, days=days)
    data = sign_directory(original, DIRECTORY_KEY)
    assert verify_directory(data, PUBLIC, T0, previous_version=version) == original


def test_signature_by_another_key_or_over_other_bytes_is_rejected() -> None:
    with pytest.raises(Rejected) as info:
        verify_directory(sign_directory(directory(), signing_key("not the network")), PUBLIC, NOW)
    assert info.value.reason is Reason.UNKNOWN_KEY
    outer = json.loads(sign_directory(directory(), DIRECTORY_KEY))
    outer["directory"]["version"] = 7
    with pytest.raises(Rejected) as info:
        verify_directory(rfc8785.dumps(outer), PUBLIC, NOW)
    assert info.value.reason is Reason.BAD_SIGNATURE


def test_older_directory_is_rejected_as_rollback() -> None:
    old = sign_directory(directory(version=3), DIRECTORY_KEY)
    assert verify_directory(old, PUBLIC, NOW, previous_version=3).version == 3
    with pytest.raises(Rejected, match="version 3 is older than version 4") as info:
        verify_directory(old, PUBLIC, NOW, previous_version=4)
    assert info.value.reason is Reason.ROLLBACK


def test_expired_and_future_directories_are_rejected() -> None:
    data = sign_directory(directory(days=2), DIRECTORY_KEY)
    with pytest.raises(Rejected) as info:
        verify_directory(data, PUBLIC, T0 + timedelta(days=2))
    assert info.value.reason is Reason.EXPIRED
    with pytest.raises(Rejected) as info:
        verify_directory(data, PUBLIC, T0 - timedelta(minutes=6))
    assert info.value.reason is Reason.NOT_YET_VALID


@pytest.mark.parametrize(
    ("mutate", "where", "message"),
    [
        (lambda d: d.update(format="v0"), "directory.format", "is not"),
        (lambda d: d.update(extra=1), "directory", "unknown field"),
        (lambda d: d.pop("nodes"), "directory", "missing field"),
        (lambda d: d.update(version=0), "directory.version", "integer in 1"),
        (lambda d: d.update(issued_at="2025-03-01 09:00"), "directory.issued_at", "UTC time"),
        (lambda d: d["nodes"][0].update(id="NG MOJ"), "directory.nodes[0].id", "does not match"),
        (lambda d: d["nodes"][0].update(jurisdiction="XX"), "directory.nodes[0].jurisdiction",
         "XX"),
        (lambda d: d["nodes"][0].update(endpoint="http://x"), "directory.nodes[0].endpoint",
         "does not match"),
        (lambda d: d["nodes"][0].update(endpoint="http://10.0.0.1:80"),
         "directory.nodes[0].endpoint", "does not match"),
        (lambda d: d["nodes"][0].update(endpoint="http://127.0.0.1.evil.example"),
         "directory.nodes[0].endpoint", "does not match"),
        (lambda d: d["nodes"][0].update(languages=[]), "directory.nodes[0].languages",
         r"46\(14\)"),
        (lambda d: d["nodes"][0].update(accredited="top"), "directory.nodes[0].accredited",
         "accepted: unclassified"),
        (lambda d: d["nodes"][0]["keys"][0].update(id="signing-0000000000000000"),
         "directory.nodes[0].keys[0].id", "does not match the key"),
        (lambda d: d["nodes"][0]["keys"][0].update(public_key="AAAA"),
         "directory.nodes[0].keys[0].public_key", "want 32"),
        (lambda d: d["nodes"][0].update(keys=d["nodes"][0]["keys"][:1]),
         "directory.nodes[0].keys", "no hpke key"),
        (lambda d: d["nodes"].append(d["nodes"][0]), "directory.nodes", "listed twice"),
        (lambda d: d["contacts"][0].update(role="oracle"), "directory.contacts[0].role",
         "central-authority"),
        (lambda d: d["contacts"][0].update(urgent={}), "directory.contacts[0].urgent",
         "phone, an e-mail or a node"),
    ],
)  # fmt: skip
def test_each_malformed_part_names_itself(mutate: Any, where: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as info:
        verify_directory(resign(mutate), PUBLIC, NOW)
    assert info.value.where == where


def test_non_canonical_bytes_are_refused() -> None:
    data = sign_directory(directory(), DIRECTORY_KEY)
    pretty = json.dumps(json.loads(data), indent=1).encode()
    with pytest.raises(InvalidInput, match="canonical"):
        verify_directory(pretty, PUBLIC, NOW)
    with pytest.raises(InvalidInput, match="duplicate key"):
        verify_directory(b'{"a":1,"a":2}', PUBLIC, NOW)


def test_node_lookup_refuses_unknown_and_expired_entries() -> None:
    d = Directory("net", 1, T0, T0 + timedelta(days=90),
                  (NG.entry(), GB.entry(expires_at=NOW)))  # fmt: skip
    assert d.node("ng-moj", NOW).jurisdiction == "NG"
    with pytest.raises(Rejected, match="expired") as info:
        d.node("gb-uka", NOW)
    assert info.value.reason is Reason.UNKNOWN_SENDER
    with pytest.raises(Rejected, match="not in directory"):
        d.node("fr-pnf", NOW)


def test_key_states_over_time() -> None:
    t1, t2 = NOW + timedelta(hours=1), NOW + timedelta(hours=2)
    key = NodeKey(KeyUse.SIGNING, raw(NG.sign), T0, valid_until=t1, revoked_at=t2,
                  revocation_reason="laptop stolen")  # fmt: skip
    assert key.state_at(T0 - timedelta(seconds=1)) == "not yet valid"
    assert key.state_at(NOW) == "active"
    assert key.state_at(t1) == "retired"
    assert key.state_at(t2) == "revoked"
    d = Directory(
        "net", 1, T0, T0 + timedelta(days=30), (NG.entry(keys=(key, *NG.entry().keys[1:])),)
    )
    # Live use: a key revoked by now is refused whatever time the signature claims.
    assert d.signing_key("ng-moj", key.key_id, NOW, NOW).key_id == key.key_id
    with pytest.raises(Rejected) as info:
        d.signing_key("ng-moj", key.key_id, NOW, t2)
    assert info.value.reason is Reason.REVOKED_KEY
    # Stored evidence: what the key signed before revocation still counts.
    assert d.key_at("ng-moj", key.key_id, KeyUse.SIGNING, NOW) == key
    with pytest.raises(Rejected) as info:
        d.key_at("ng-moj", key.key_id, KeyUse.SIGNING, t2)
    assert info.value.reason is Reason.REVOKED_KEY
    with pytest.raises(Rejected) as info:
        d.key_at("ng-moj", key.key_id, KeyUse.HPKE, NOW)
    assert info.value.reason is Reason.UNKNOWN_KEY
    with pytest.raises(Rejected) as info:
        d.signing_key("ng-moj", "signing-ffffffffffffffff", NOW, NOW)
    assert info.value.reason is Reason.UNKNOWN_KEY


def test_current_key_is_the_newest_active_one() -> None:
    t1 = NOW + timedelta(hours=1)
    old, hpke = NG.entry().keys
    new = NodeKey(KeyUse.SIGNING, raw(signing_key("ng v2")), t1)
    entry = NG.entry(keys=(replace(old, valid_until=t1), hpke, new))
    assert entry.current_key(KeyUse.SIGNING, NOW) == replace(old, valid_until=t1)
    assert entry.current_key(KeyUse.SIGNING, t1) == new
    assert new.key_id == make_key_id(KeyUse.SIGNING, raw(signing_key("ng v2")))


def test_contacts_list_the_central_authority_first_and_drop_expired_ones() -> None:
    d = directory()
    contacts = d.contacts_of("gb", NOW)
    assert [c.role for c in contacts] == [
        AuthorityRole.CENTRAL_AUTHORITY,
        AuthorityRole.ASSET_RECOVERY_OFFICE,
    ]
    assert contacts[0].urgent is not None and contacts[0].urgent.phone
    assert d.contacts_of("GB", T0 + timedelta(days=31)) == []
    assert d.contacts_of("NG", NOW) == []


def test_revocation_needs_a_reason_and_validity_must_be_ordered() -> None:
    with pytest.raises(InvalidInput, match="revocation"):
        NodeKey(KeyUse.SIGNING, raw(NG.sign), T0, revoked_at=NOW)
    with pytest.raises(InvalidInput, match="not after"):
        NodeKey(KeyUse.SIGNING, raw(NG.sign), T0, valid_until=T0)


@pytest.mark.parametrize(
    "endpoint", ["http://127.0.0.1:8701", "http://localhost:8702/", "http://[::1]:9000"]
)
def test_plain_http_is_accepted_only_on_loopback(endpoint: str) -> None:
    data = sign_directory(
        directory(NG.entry(endpoint=endpoint), GB.entry(), CH.entry()), DIRECTORY_KEY
    )
    accepted = verify_directory(data, DIRECTORY_KEY.public_key(), NOW)
    assert accepted.node("ng-moj", NOW).endpoint == endpoint
