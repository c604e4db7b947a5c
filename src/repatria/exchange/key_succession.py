"""A key rotation is announced by the node and cross-signed by its old key (issue 14.5).

The directory's signature says that the network's operator lists a key; it does not say that
the node made it. A directory key that leaks, or an operator who pastes the wrong entry, could
otherwise give a known node new keys, and every peer would seal to them and trust what they
sign (threat T6 in reliability.md). So a key added to a node the network already knows must
carry an *endorsement*: the node's signature over the new key with a signing key that the
previously accepted directory listed for it. This is the rule of TUF's root rotation (the
new root must be signed by the keys of the root the client already trusts), applied per node.

What is signed (``endorsement_statement``): the domain-separation prefix, then the RFC 8785
canonical JSON of the node id, the new key's id and raw public key, the endorsing key's id
and the time of endorsement. The endorsing key must be a signing key of the same node, not
revoked in the new directory, and valid at that time: from its ``valid_from`` up to and
including its retirement, because a node signs its successor at the moment it retires the
old key. Endorsements chain: a key endorsed in this directory may vouch for another key
added in the same directory (two rotations between two versions).

The one exception is recovery after compromise: when every signing key the previous directory
listed for the node is revoked in the new one, no trusted key is left to vouch (and the old
ones may be the stolen ones), so the new keys stand on the operator's signature alone. The
caller records that they did (``Succession.unendorsed``), so the fact is on the ledger.

A node that the previous directory did not list is introduced by the operator and needs no
endorsement; nor does anything in the first directory a node accepts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from repatria.exchange.canonical import canonical_json, format_time
from repatria.exchange.directory import (
    Directory,
    KeyEndorsement,
    KeyUse,
    NodeEntry,
    NodeKey,
    make_key_id,
)
from repatria.exchange.rejection import Reason, Rejected
from repatria.exchange.wire import base64_text

ENDORSEMENT_CONTEXT = b"repatria key endorsement v1\n"
"""Prefixed before signing, so an endorsement can never pass for a message, a receipt, a
checkpoint or a directory signature (domain separation)."""


def endorsement_statement(node_id: str, key: NodeKey, by: str, at: datetime) -> bytes:
    """The bytes an endorsement signs."""
    return ENDORSEMENT_CONTEXT + canonical_json(
        {
            "node": node_id,
            "key": key.key_id,
            "public_key": base64_text(key.public_key),
            "by": by,
            "at": format_time(at),
        }
    )


def endorse(node_id: str, key: NodeKey, signer: Ed25519PrivateKey, at: datetime) -> KeyEndorsement:
    """The node's endorsement of ``key`` with its signing key ``signer`` at ``at`` (whole
    seconds, as the directory carries times)."""
    at = at.replace(microsecond=0)
    by = make_key_id(KeyUse.SIGNING, signer.public_key().public_bytes_raw())
    signature = signer.sign(endorsement_statement(node_id, key, by, at))
    return KeyEndorsement(by=by, at=at, signature=signature)


@dataclass(frozen=True, slots=True)
class Succession:
    """What ``check_succession`` found: the keys added to known nodes and how each is vouched
    for. ``unendorsed`` lists ``node/key`` ids accepted on the operator's word alone because
    every previous signing key of their node is revoked (recovery after compromise)."""

    endorsed: tuple[str, ...] = field(default=())
    unendorsed: tuple[str, ...] = field(default=())


def check_succession(previous: Directory | None, new: Directory) -> Succession:
    """Refuse ``new`` if it gives a node that ``previous`` listed a key the node did not
    endorse with a key it already had; see the module's docstring for the rule."""
    if previous is None:
        return Succession()
    known = {entry.node_id: entry for entry in previous.nodes}
    endorsed: list[str] = []
    unendorsed: list[str] = []
    for entry in new.nodes:
        before = known.get(entry.node_id)
        if before is None:
            continue
        vouched, alone = _succession_of(before, entry)
        endorsed += [f"{entry.node_id}/{k}" for k in vouched]
        unendorsed += [f"{entry.node_id}/{k}" for k in alone]
    return Succession(tuple(endorsed), tuple(unendorsed))


def _succession_of(before: NodeEntry, entry: NodeEntry) -> tuple[list[str], list[str]]:
    """The added keys of one node that are endorsed, and those accepted in recovery."""
    old_ids = {k.key_id for k in before.keys}
    added = [k for k in entry.keys if k.key_id not in old_ids]
    if not added:
        return [], []
    now_of = {k.key_id: k for k in entry.keys}
    vouchers = {
        k.key_id: now_of[k.key_id]
        for k in before.keys
        if k.use is KeyUse.SIGNING and k.key_id in now_of and now_of[k.key_id].revoked_at is None
    }
    endorsed: list[str] = []
    pending = list(added)
    progress = True
    while pending and progress:
        progress = False
        for key in list(pending):
            voucher = vouchers.get(key.endorsement.by) if key.endorsement else None
            if voucher is None:
                continue
            _verify(entry.node_id, key, voucher)
            pending.remove(key)
            endorsed.append(key.key_id)
            progress = True
            if key.use is KeyUse.SIGNING and key.revoked_at is None:
                vouchers[key.key_id] = key
    if not pending:
        return endorsed, []
    old_signing = [k for k in before.keys if k.use is KeyUse.SIGNING]
    recovery = all(
        k.key_id in now_of and now_of[k.key_id].revoked_at is not None for k in old_signing
    )
    for key in pending:
        if key.endorsement is not None and key.endorsement.by in now_of:
            _verify(entry.node_id, key, now_of[key.endorsement.by], revoked_ok=recovery)
    if recovery:
        return endorsed, [k.key_id for k in pending]
    names = ", ".join(k.key_id for k in pending)
    trusted = ", ".join(sorted(vouchers)) or "none"
    raise Rejected(
        Reason.UNENDORSED_KEY,
        f"node {entry.node_id} gains key(s) {names} that no signing key it already had"
        f" endorsed (its trusted signing keys: {trusted}); a rotation must be cross-signed"
        " by the old key (`repatria ledger rotate-key` does it), or every old signing key"
        " must be revoked first",
        where=f"directory.{entry.node_id}.keys",
    )


def _verify(node_id: str, key: NodeKey, voucher: NodeKey, *, revoked_ok: bool = False) -> None:
    """The endorsement of ``key`` by ``voucher``: the right kind of key, valid when it signed,
    and a signature that verifies."""
    endorsement = key.endorsement
    if endorsement is None:
        raise Rejected(Reason.UNENDORSED_KEY, f"{key.key_id} carries no endorsement")
    where = f"directory.{node_id}.{key.key_id}.endorsement"
    if voucher.use is not KeyUse.SIGNING:
        raise Rejected(
            Reason.UNKNOWN_KEY, f"{voucher.key_id} is not a signing key and cannot endorse",
            where=where,
        )  # fmt: skip
    at = endorsement.at
    if at < voucher.valid_from or (voucher.valid_until is not None and at > voucher.valid_until):
        raise Rejected(
            Reason.INACTIVE_KEY,
            f"{voucher.key_id} endorsed {key.key_id} at {format_time(at)}, outside its"
            f" validity (from {format_time(voucher.valid_from)}"
            + (f" to {format_time(voucher.valid_until)})" if voucher.valid_until else ")"),
            where=where,
        )
    if not revoked_ok and voucher.revoked_at is not None and at >= voucher.revoked_at:
        raise Rejected(
            Reason.REVOKED_KEY,
            f"{voucher.key_id} was revoked at {format_time(voucher.revoked_at)}, before it"
            f" endorsed {key.key_id}",
            where=where,
        )
    statement = endorsement_statement(node_id, key, endorsement.by, at)
    try:
        Ed25519PublicKey.from_public_bytes(voucher.public_key).verify(
            endorsement.signature, statement
        )
    except InvalidSignature:
        raise Rejected(
            Reason.BAD_SIGNATURE,
            f"the endorsement of {key.key_id} does not verify with {voucher.key_id}",
            where=where,
        ) from None
