"""A key added to a known node must be cross-signed by a signing key the node already had
(issue 14.5, ``exchange.key_succession``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repatria.exchange.directory import Directory, KeyEndorsement, KeyUse, NodeEntry, NodeKey
from repatria.exchange.key_succession import Succession, check_succession, endorse
from repatria.exchange.rejection import Reason, Rejected

from .network import CH, GB, NG, T0, directory, hpke_private, raw, signing_key

ROTATED = T0 + timedelta(days=2, seconds=7)
NEW_SIGN = signing_key("ng-moj second signing key")
NEW_HPKE = hpke_private("ng-moj second hpke key")


def _old_keys(*, retired: bool = True, revoked: bool = False) -> tuple[NodeKey, NodeKey]:
    until = ROTATED + timedelta(seconds=1) if retired else None
    sign = NodeKey(KeyUse.SIGNING, raw(NG.sign), T0, until)
    if revoked:
        sign = replace(sign, revoked_at=ROTATED - timedelta(hours=1), revocation_reason="stolen")
    return sign, NodeKey(KeyUse.HPKE, raw(NG.hpke), T0, until)


def _new_key(use: KeyUse, endorsement: KeyEndorsement | None) -> NodeKey:
    public = raw(NEW_SIGN) if use is KeyUse.SIGNING else raw(NEW_HPKE)
    return NodeKey(use, public, ROTATED - timedelta(minutes=5), endorsement=endorsement)


def _endorsed(use: KeyUse, by: object = None, at: object = ROTATED) -> NodeKey:
    bare = _new_key(use, None)
    return replace(bare, endorsement=endorse("ng-moj", bare, by or NG.sign, at))  # type: ignore[arg-type]


def _after(*keys: NodeKey) -> Directory:
    return directory(NG.entry(keys=keys), GB.entry(), version=2, issued=ROTATED)


def _check(new: Directory) -> tuple[tuple[str, ...], tuple[str, ...]]:
    found = check_succession(directory(version=1), new)
    return found.endorsed, found.unendorsed


def test_the_first_directory_and_new_nodes_need_no_endorsement() -> None:
    assert check_succession(None, directory()) == Succession()
    assert _check(directory(NG.entry(), GB.entry(), CH.entry(), version=2)) == ((), ())
    newcomer = NG.entry(node_id="ke-arb", log_origin="repatria/ke-arb")
    assert _check(directory(newcomer, NG.entry(), version=2)) == ((), ())


def test_a_rotation_cross_signed_by_the_old_key_is_accepted() -> None:
    new = _after(*_old_keys(), _endorsed(KeyUse.SIGNING), _endorsed(KeyUse.HPKE))
    endorsed, unendorsed = _check(new)
    assert set(endorsed) == {f"ng-moj/{k.key_id}" for k in new.entry("ng-moj").keys[2:]}
    assert unendorsed == ()


def test_a_new_key_without_the_nodes_endorsement_is_refused_by_name() -> None:
    bare = _new_key(KeyUse.HPKE, None)
    with pytest.raises(Rejected) as refused:
        _check(_after(*_old_keys(), _endorsed(KeyUse.SIGNING), bare))
    assert refused.value.reason is Reason.UNENDORSED_KEY
    assert bare.key_id in refused.value.message and "ng-moj" in refused.value.message
    assert refused.value.where == "directory.ng-moj.keys"


def test_an_endorsement_by_a_key_the_node_never_had_is_refused() -> None:
    by_gb = _endorsed(KeyUse.SIGNING, by=GB.sign)  # names a key ng-moj never listed
    with pytest.raises(Rejected) as refused:
        _check(_after(*_old_keys(), by_gb))
    assert refused.value.reason is Reason.UNENDORSED_KEY


def test_a_forged_endorsement_naming_the_old_key_is_refused() -> None:
    honest = _endorsed(KeyUse.SIGNING)
    assert honest.endorsement is not None
    forged = replace(
        honest,
        endorsement=replace(honest.endorsement, signature=signing_key("thief").sign(b"anything")),
    )
    with pytest.raises(Rejected) as refused:
        _check(_after(*_old_keys(), forged))
    assert refused.value.reason is Reason.BAD_SIGNATURE


def test_an_endorsement_cannot_be_moved_to_another_key() -> None:
    """The statement names the key: the signing key's endorsement on the HPKE key fails."""
    signing = _endorsed(KeyUse.SIGNING)
    moved = replace(_new_key(KeyUse.HPKE, None), endorsement=signing.endorsement)
    with pytest.raises(Rejected) as refused:
        _check(_after(*_old_keys(), signing, moved))
    assert refused.value.reason is Reason.BAD_SIGNATURE


def test_an_endorsement_dated_after_the_old_key_retired_is_refused() -> None:
    late = _endorsed(KeyUse.SIGNING, at=ROTATED + timedelta(days=1))
    with pytest.raises(Rejected) as refused:
        _check(_after(*_old_keys(), late))
    assert refused.value.reason is Reason.INACTIVE_KEY


def test_two_rotations_between_versions_chain() -> None:
    second = _endorsed(KeyUse.SIGNING)
    third_private = signing_key("ng-moj third signing key")
    bare = NodeKey(KeyUse.SIGNING, raw(third_private), ROTATED + timedelta(hours=1))
    third = replace(
        bare, endorsement=endorse("ng-moj", bare, NEW_SIGN, ROTATED + timedelta(hours=1))
    )
    endorsed, _ = _check(_after(*_old_keys(), second, third))
    assert {f"ng-moj/{second.key_id}", f"ng-moj/{third.key_id}"} == set(endorsed)


def test_after_every_old_signing_key_is_revoked_new_keys_stand_on_the_operator_alone() -> None:
    bare = _new_key(KeyUse.SIGNING, None)
    endorsed, unendorsed = _check(_after(*_old_keys(revoked=True), bare))
    assert endorsed == () and unendorsed == (f"ng-moj/{bare.key_id}",)


def test_old_keys_dropped_rather_than_revoked_do_not_open_the_recovery_path() -> None:
    with pytest.raises(Rejected) as refused:
        _check(_after(_new_key(KeyUse.SIGNING, None)))
    assert refused.value.reason is Reason.UNENDORSED_KEY


def test_a_revoked_old_key_no_longer_vouches_while_another_old_key_remains() -> None:
    other = signing_key("ng-moj other old key")
    before = directory(
        NG.entry(keys=(*NG.entry().keys, NodeKey(KeyUse.SIGNING, raw(other), T0))), version=1
    )
    revoked, hpke = _old_keys(revoked=True)
    kept = NodeKey(KeyUse.SIGNING, raw(other), T0)
    with pytest.raises(Rejected) as refused:  # endorsed by the revoked key only
        check_succession(before, _after(revoked, hpke, kept, _endorsed(KeyUse.SIGNING)))
    assert refused.value.reason is Reason.REVOKED_KEY
    by_kept = _endorsed(KeyUse.SIGNING, by=other)
    found = check_succession(before, _after(revoked, hpke, kept, by_kept))
    assert found.endorsed == (f"ng-moj/{by_kept.key_id}",)


def test_endorsements_travel_in_the_directory_and_read_back() -> None:
    entry = NG.entry(keys=(*_old_keys(), _endorsed(KeyUse.SIGNING)))
    assert NodeEntry.from_dict(entry.to_dict(), "entry") == entry


@given(flip=st.integers(min_value=0, max_value=63), bit=st.integers(min_value=0, max_value=7))
@settings(max_examples=40, deadline=None)
def test_any_flipped_bit_of_the_endorsement_is_caught(flip: int, bit: int) -> None:
    honest = _endorsed(KeyUse.SIGNING)
    assert honest.endorsement is not None
    signature = bytearray(honest.endorsement.signature)
    signature[flip] ^= 1 << bit
    tampered = replace(honest, endorsement=replace(honest.endorsement, signature=bytes(signature)))
    with pytest.raises(Rejected) as refused:
        _check(_after(*_old_keys(), tampered))
    assert refused.value.reason is Reason.BAD_SIGNATURE
