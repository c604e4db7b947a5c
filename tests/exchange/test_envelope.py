"""The sealed envelope: round trips and the negative matrix of reliability.md R13 and R15."""

from __future__ import annotations

import base64
import hashlib
import struct
from dataclasses import replace
from datetime import timedelta

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

from repatria.crypto.hpke import SUITE
from repatria.errors import InvalidInput, RepatriaError
from repatria.exchange import envelope
from repatria.exchange.canonical import parse_canonical
from repatria.exchange.directory import (
    Directory,
    KeyUse,
    NodeKey,
    make_key_id,
    sign_directory,
    verify_directory,
)
from repatria.exchange.envelope import (
    DEFAULT_SKEW,
    ENC_SIZE,
    KEY_SIZE,
    MAX_CHUNK,
    MAX_LIFETIME,
    MIN_CHUNK,
    TAG_SIZE,
    WRAPPED_SIZE,
    encrypt,
    hpke_info,
    message_id_of,
    open_envelope,
    read_header,
    seal,
    sign_message,
    verify_origin,
    verify_origin_signature,
)
from repatria.exchange.rejection import Reason, Rejected, reason_of

from .network import (
    CH,
    DIRECTORY_KEY,
    GB,
    NG,
    NOW,
    T0,
    directory,
    hpke_private,
    raw,
    request,
    signing_key,
)

DIRECTORY = verify_directory(
    sign_directory(directory(), DIRECTORY_KEY), DIRECTORY_KEY.public_key(), NOW
)


def sealed(
    summary: str = "Licence fees.", *, chunk_size: int = 64 * 1024, **kwargs: object
) -> bytes:
    options: dict[str, object] = {
        "signer_key_id": NG.sign_id,
        "recipient_hpke_key_id": GB.hpke_id,
        "now": NOW,
        "chunk_size": chunk_size,
    }
    options.update(kwargs)
    return seal(request(summary), NG.sign, "ng-moj", "gb-uka", GB.hpke.public_key(), **options)  # type: ignore[arg-type]


def opening(**kwargs: object) -> dict[str, object]:
    """GB's arguments to ``open_envelope`` at ``NOW``, with ``kwargs`` over them."""
    options: dict[str, object] = {
        "recipient_private_hpke_key": GB.hpke,
        "recipient_id": "gb-uka",
        "directory": DIRECTORY,
        "now": NOW,
    }
    options.update(kwargs)
    return options


def rejected(data: bytes, **kwargs: object) -> Reason:
    return reason_of(refusal(data, **kwargs))


ENVELOPE = sealed("A" * 3000, chunk_size=MIN_CHUNK)
HEADER_LEN = struct.unpack(">H", ENVELOPE[5:7])[0]
BODY_START = 7 + HEADER_LEN + ENC_SIZE + WRAPPED_SIZE + KEY_SIZE


@given(
    summary=st.text(min_size=1, max_size=3000).filter(str.strip),
    chunk=st.integers(min_value=MIN_CHUNK, max_value=4096),
)
@settings(max_examples=40, deadline=None)
def test_seal_then_open_gives_back_the_message(summary: str, chunk: int) -> None:
    data = sealed(summary, chunk_size=chunk)
    opened = open_envelope(data, GB.hpke, "gb-uka", DIRECTORY, NOW)
    assert opened.message == request(summary)
    assert opened.sender == "ng-moj"
    assert opened.signed.recipient == "gb-uka"
    assert (
        opened.message_id
        == hashlib.sha256(
            rfc8785.dumps(parse_canonical(opened.signed.data, where="t")["signed"])
        ).hexdigest()
    )
    assert opened.envelope_digest == hashlib.sha256(data).hexdigest()


def test_message_id_is_the_hash_of_the_signed_content_and_unique_per_message() -> None:
    first = sign_message(request(), NG.sign, NG.sign_id, "ng-moj", "gb-uka", NOW)
    second = sign_message(request(), NG.sign, NG.sign_id, "ng-moj", "gb-uka", NOW)
    assert first.message_id == message_id_of(first.data)
    assert first.message_id != second.message_id  # the nonce keeps identical messages apart
    # Re-encrypting the same signed content (a retry) keeps the id.
    one = encrypt(first, "ng-moj", "gb-uka", GB.hpke.public_key(), GB.hpke_id)
    two = encrypt(first, "ng-moj", "gb-uka", GB.hpke.public_key(), GB.hpke_id)
    assert one != two
    ids = {open_envelope(d, GB.hpke, "gb-uka", DIRECTORY, NOW).message_id for d in (one, two)}
    assert ids == {first.message_id}


def test_header_is_routing_only() -> None:
    header = read_header(ENVELOPE)
    assert (header.sender, header.recipient, header.hpke_key) == ("ng-moj", "gb-uka", GB.hpke_id)
    head = ENVELOPE[7 : 7 + HEADER_LEN]
    assert set(parse_canonical(head, where="h")) == {"chunk", "from", "hpke_key", "to", "v"}
    assert b"NG-2025-0042" not in ENVELOPE  # the case reference travels encrypted (46(20))


@pytest.mark.parametrize(
    ("region", "start", "end"),
    [
        ("magic and version", 0, 5),
        ("header length", 5, 7),
        ("header", 7, 7 + HEADER_LEN),
        ("hpke enc", 7 + HEADER_LEN, 7 + HEADER_LEN + ENC_SIZE),
        ("wrapped key", 7 + HEADER_LEN + ENC_SIZE, 7 + HEADER_LEN + ENC_SIZE + WRAPPED_SIZE),
        ("key commitment", BODY_START - KEY_SIZE, BODY_START),
        ("ciphertext", BODY_START, len(ENVELOPE) - TAG_SIZE),
        ("final tag", len(ENVELOPE) - TAG_SIZE, len(ENVELOPE)),
    ],
)
@given(data=st.data())
@settings(max_examples=25, deadline=None)
def test_flipping_any_byte_is_rejected(
    region: str, start: int, end: int, data: st.DataObject
) -> None:
    position = data.draw(st.integers(min_value=start, max_value=end - 1), label="position")
    bit = data.draw(st.integers(min_value=0, max_value=7), label="bit")
    tampered = bytearray(ENVELOPE)
    tampered[position] ^= 1 << bit
    reason = rejected(bytes(tampered))
    assert reason in {
        Reason.MALFORMED,
        Reason.TAMPERED,
        Reason.UNSUPPORTED_VERSION,
        Reason.MISADDRESSED,
        Reason.UNKNOWN_SENDER,
        Reason.UNKNOWN_KEY,
    }
    if region in {"hpke enc", "wrapped key", "key commitment", "ciphertext", "final tag"}:
        assert reason is Reason.TAMPERED


def test_the_signature_inside_is_checked() -> None:
    signed = sign_message(request(), NG.sign, NG.sign_id, "ng-moj", "gb-uka", NOW)
    outer = parse_canonical(signed.data, where="t")
    value = bytearray(base64.b64decode(outer["signature"]["value"]))
    value[5] ^= 0x40
    outer["signature"]["value"] = base64.b64encode(bytes(value)).decode()
    forged = rfc8785.dumps(outer)
    data = encrypt(forged, "ng-moj", "gb-uka", GB.hpke.public_key(), GB.hpke_id)
    assert rejected(data) is Reason.BAD_SIGNATURE
    # Also: signed content changed after signing (another summary) fails the signature.
    outer = parse_canonical(signed.data, where="t")
    outer["signed"]["message"]["payload"]["summary"] = "Something else."
    data = encrypt(rfc8785.dumps(outer), "ng-moj", "gb-uka",
                   GB.hpke.public_key(), GB.hpke_id)  # fmt: skip
    assert rejected(data) is Reason.BAD_SIGNATURE


def test_chunks_cannot_be_dropped_reordered_or_added() -> None:
    body = ENVELOPE[BODY_START:]
    block = MIN_CHUNK + TAG_SIZE
    chunks = [body[i : i + block] for i in range(0, len(body), block)]
    assert len(chunks) > 3
    head = ENVELOPE[:BODY_START]
    variants = {
        "truncated at a chunk boundary": chunks[:-1],
        "first chunk dropped": chunks[1:],
        "two chunks swapped": [chunks[1], chunks[0], *chunks[2:]],
        "chunk appended": [*chunks, chunks[0]],
        "final chunk cut short": [*chunks[:-1], chunks[-1][:-1]],
    }
    for name, parts in variants.items():
        assert rejected(head + b"".join(parts)) is Reason.TAMPERED, name
    # Splicing a chunk from another envelope under the same key is impossible: keys are
    # per message. A chunk from another envelope fails too.
    other = sealed("B" * 3000, chunk_size=MIN_CHUNK)
    spliced = head + other[BODY_START : BODY_START + block] + b"".join(chunks[1:])
    assert rejected(spliced) is Reason.TAMPERED


def test_unknown_sender_is_rejected() -> None:
    stranger = replace(NG, node_id="zz-rogue", sign=NG.sign, hpke=NG.hpke)
    data = seal(request(), stranger.sign, "zz-rogue", "gb-uka", GB.hpke.public_key(),
                signer_key_id=NG.sign_id, recipient_hpke_key_id=GB.hpke_id, now=NOW)  # fmt: skip
    assert rejected(data) is Reason.UNKNOWN_SENDER


def test_an_expired_directory_entry_makes_the_sender_unknown() -> None:
    stale = Directory(
        "repatria-test", 2, T0, T0 + timedelta(days=60),
        (NG.entry(expires_at=NOW - timedelta(seconds=1)), GB.entry()),
    )  # fmt: skip
    assert rejected(sealed(), directory=stale) is Reason.UNKNOWN_SENDER


def test_a_key_signing_as_another_node_is_rejected() -> None:
    data = seal(request(), CH.sign, "ng-moj", "gb-uka", GB.hpke.public_key(),
                signer_key_id=NG.sign_id, recipient_hpke_key_id=GB.hpke_id, now=NOW)  # fmt: skip
    assert rejected(data) is Reason.BAD_SIGNATURE
    data = seal(request(), CH.sign, "ng-moj", "gb-uka", GB.hpke.public_key(),
                signer_key_id=CH.sign_id, recipient_hpke_key_id=GB.hpke_id, now=NOW)  # fmt: skip
    assert rejected(data) is Reason.UNKNOWN_KEY  # CH's key is not one of NG's keys


def test_expired_and_not_yet_valid() -> None:
    data = sealed(now=NOW, lifetime=timedelta(hours=1))
    assert open_envelope(data, GB.hpke, "gb-uka", DIRECTORY, NOW + timedelta(hours=1, minutes=4))
    later = NOW + timedelta(hours=1, minutes=6)
    assert rejected(data, now=later) is Reason.EXPIRED
    early = sealed(now=NOW + timedelta(minutes=6))
    assert rejected(early) is Reason.NOT_YET_VALID
    within_skew = sealed(now=NOW + timedelta(minutes=4))
    assert open_envelope(within_skew, GB.hpke, "gb-uka", DIRECTORY, NOW)


def test_a_lifetime_longer_than_the_receiver_remembers_ids_is_refused() -> None:
    data = sealed(lifetime=timedelta(days=3))
    assert rejected(data, max_lifetime=timedelta(days=2)) is Reason.EXPIRED
    with pytest.raises(InvalidInput, match="lifetime"):
        sealed(lifetime=timedelta(days=8))


def test_misaddressed_envelope_is_rejected() -> None:
    data = seal(request(), NG.sign, "ng-moj", "ch-fojo", CH.hpke.public_key(),
                signer_key_id=NG.sign_id, recipient_hpke_key_id=CH.hpke_id, now=NOW)  # fmt: skip
    assert rejected(data) is Reason.MISADDRESSED


def test_surreptitious_forwarding_is_rejected() -> None:
    """B (GB) opens A's (NG) message and re-encrypts it to C (CH): C must refuse it."""
    original = sealed()
    opened = open_envelope(original, GB.hpke, "gb-uka", DIRECTORY, NOW)
    at_ch = {"recipient_private_hpke_key": CH.hpke, "recipient_id": "ch-fojo"}
    # B claims to be A in the header (HPKE base mode cannot tell).
    as_a = encrypt(opened.signed, "ng-moj", "ch-fojo", CH.hpke.public_key(), CH.hpke_id)
    with pytest.raises(Rejected, match="signed recipient is 'gb-uka'") as info:
        open_envelope(as_a, CH.hpke, "ch-fojo", DIRECTORY, NOW)
    assert info.value.reason is Reason.FORWARDED
    # B sends it openly as itself.
    as_b = encrypt(opened.signed, "gb-uka", "ch-fojo", CH.hpke.public_key(), CH.hpke_id)
    assert rejected(as_b, **at_ch) is Reason.FORWARDED
    # The same signed content is still good evidence of origin for a third party.
    assert verify_origin(opened.signed.data, DIRECTORY).recipient == "gb-uka"


def test_header_sender_must_be_the_signer() -> None:
    signed = sign_message(request(), NG.sign, NG.sign_id, "ng-moj", "gb-uka", NOW)
    data = encrypt(signed, "ch-fojo", "gb-uka", GB.hpke.public_key(), GB.hpke_id)
    assert rejected(data) is Reason.SENDER_MISMATCH


def test_hpke_info_binds_sender_and_recipient() -> None:
    """A header naming another sender (CH) makes HPKE derive another key: nothing opens."""
    data = sealed()
    length = struct.unpack(">H", data[5:7])[0]
    head = parse_canonical(data[7 : 7 + length], where="h")
    head["from"] = "ch-fojo"
    new_head = rfc8785.dumps(head)
    rebuilt = data[:5] + struct.pack(">H", len(new_head)) + new_head + data[7 + length :]
    with pytest.raises(Rejected, match="content key does not open") as info:
        open_envelope(rebuilt, GB.hpke, "gb-uka", DIRECTORY, NOW)
    assert info.value.reason is Reason.TAMPERED


def test_wrong_hpke_key_and_unknown_key_id() -> None:
    assert rejected(sealed(), recipient_private_hpke_key=CH.hpke) is Reason.TAMPERED
    assert (
        rejected(sealed(), recipient_private_hpke_key={"hpke-0000": GB.hpke}) is Reason.UNKNOWN_KEY
    )


def _rotated(revoke_signing_at: object = None) -> Directory:
    """NG rotated both keys at T1 = NOW + 1 h; optionally its old signing key is revoked."""
    t1 = NOW + timedelta(hours=1)
    old_sign, old_hpke = NG.entry().keys
    new_sign = NodeKey(KeyUse.SIGNING, raw(signing_key_v2()), t1)
    new_hpke = NodeKey(KeyUse.HPKE, raw(hpke_private("ng-moj v2")), t1)
    old_sign = replace(old_sign, valid_until=t1)
    if revoke_signing_at is not None:
        old_sign = replace(old_sign, revoked_at=revoke_signing_at, revocation_reason="stolen")
    ng = NG.entry(keys=(old_sign, replace(old_hpke, valid_until=t1), new_sign, new_hpke))
    gb_old_sign, gb_old_hpke = GB.entry().keys
    gb = GB.entry(keys=(gb_old_sign, replace(gb_old_hpke, valid_until=t1),
                        NodeKey(KeyUse.HPKE, raw(hpke_private("gb-uka v2")), t1)))  # fmt: skip
    return Directory("repatria-test", 2, T0, T0 + timedelta(days=30), (ng, gb, CH.entry()))


def signing_key_v2() -> Ed25519PrivateKey:
    return signing_key("ng-moj v2")


def test_rotation_keeps_old_messages_verifiable_and_decryptable() -> None:
    rotated = _rotated()
    before = sealed(lifetime=timedelta(hours=3))  # signed and sealed with the old keys
    after_rotation = NOW + timedelta(hours=2)
    gb_keys = {GB.hpke_id: GB.hpke}
    opened = open_envelope(before, gb_keys, "gb-uka", rotated, after_rotation)
    assert opened.hpke_key == GB.hpke_id  # opened with the retired key
    assert verify_origin(opened.signed.data, rotated).sender == "ng-moj"
    # A message created after the rotation under the retired signing key is refused.
    late = sealed(now=after_rotation)
    with pytest.raises(Rejected, match="retired") as info:
        open_envelope(late, gb_keys, "gb-uka", rotated, after_rotation)
    assert info.value.reason is Reason.INACTIVE_KEY
    # And the new keys work.
    gb_new = hpke_private("gb-uka v2")
    fresh = seal(request(), signing_key_v2(), "ng-moj", "gb-uka", gb_new.public_key(),
                 signer_key_id=make_key_id(KeyUse.SIGNING, raw(signing_key_v2())),
                 recipient_hpke_key_id=make_key_id(KeyUse.HPKE, raw(gb_new)),
                 now=after_rotation)  # fmt: skip
    keys = {GB.hpke_id: GB.hpke, make_key_id(KeyUse.HPKE, raw(gb_new)): gb_new}
    assert open_envelope(fresh, keys, "gb-uka", rotated, after_rotation).sender == "ng-moj"


def test_revoked_key_is_rejected_live_but_old_evidence_stays_valid() -> None:
    t_revoke = NOW + timedelta(minutes=30)
    revoked = _rotated(revoke_signing_at=t_revoke)
    before = sign_message(request(), NG.sign, NG.sign_id, "ng-moj", "gb-uka", NOW)
    # Signed before the revocation: still verifies as stored evidence.
    assert verify_origin(before.data, revoked).message_id == before.message_id
    # Signed after t with the revoked key (even backdated to look older): rejected live.
    for created in (t_revoke + timedelta(minutes=1), NOW):
        data = seal(request(), NG.sign, "ng-moj", "gb-uka", GB.hpke.public_key(),
                    signer_key_id=NG.sign_id, recipient_hpke_key_id=GB.hpke_id,
                    now=created)  # fmt: skip
        assert rejected(data, directory=revoked, now=t_revoke + timedelta(minutes=2)) is (
            Reason.REVOKED_KEY
        )
    after = sign_message(request(), NG.sign, NG.sign_id, "ng-moj", "gb-uka",
                         t_revoke + timedelta(minutes=1))  # fmt: skip
    with pytest.raises(Rejected) as info:
        verify_origin(after.data, revoked)
    assert info.value.reason is Reason.REVOKED_KEY


def test_sender_checkpoint_is_verified() -> None:
    good = sealed(checkpoint=NG.checkpoint(5))
    opened = open_envelope(good, GB.hpke, "gb-uka", DIRECTORY, NOW)
    assert opened.sender_checkpoint is not None and opened.sender_checkpoint.size == 5
    assert rejected(sealed(checkpoint=CH.checkpoint(5))) is Reason.SENDER_MISMATCH
    forged = NG.checkpoint(5).replace("5\n", "6\n", 1)
    assert rejected(sealed(checkpoint=forged)) is Reason.BAD_SIGNATURE


def test_unsupported_version_and_garbage() -> None:
    assert rejected(b"RPX1\x02" + ENVELOPE[5:]) is Reason.UNSUPPORTED_VERSION
    assert rejected(b"") is Reason.MALFORMED
    assert rejected(b"not an envelope at all") is Reason.MALFORMED
    assert rejected(ENVELOPE[:BODY_START]) is Reason.MALFORMED


def test_seal_refuses_bad_ids_and_chunk_sizes() -> None:
    with pytest.raises(InvalidInput, match="node id"):
        seal(request(), NG.sign, "NG MOJ", "gb-uka", GB.hpke.public_key(),
             signer_key_id=NG.sign_id, recipient_hpke_key_id=GB.hpke_id, now=NOW)  # fmt: skip
    with pytest.raises(InvalidInput, match="chunk size"):
        sealed(chunk_size=10)


def test_new_x25519_key_never_opens_it() -> None:
    assert rejected(sealed(), recipient_private_hpke_key=X25519PrivateKey.generate()) is (
        Reason.TAMPERED
    )


# ------------------------------------------------------------------------------------------
# Each refusal of the sealed envelope names its reason *and* the part it refuses, and the
# limits sit exactly where the module says (R13, R24).
#
# The tests above check that every attack is refused with the right reason; a refusal is
# also reported to the sender and shown to an operator with ``where`` (the part that failed)
# and its message, so those are asserted here too. Mutation testing (R24, docs/security.md)
# found that no test held them, nor the exact bounds of the time window, lifetime, chunk size
# and envelope size, nor the byte layout of chunk nonces and AAD that the module docstring
# documents (a round trip cannot see a layout that both sides change together).


def refusal(data: bytes, **kwargs: object) -> RepatriaError:
    with pytest.raises(RepatriaError) as info:
        open_envelope(data, **opening(**kwargs))  # type: ignore[arg-type]
    return info.value


def opens(data: bytes, **kwargs: object) -> None:
    assert open_envelope(data, **opening(**kwargs)).sender == "ng-moj"  # type: ignore[arg-type]


def check(exc: RepatriaError, reason: Reason | None, where: str, message: str) -> None:
    if reason is None:
        assert isinstance(exc, InvalidInput) and not isinstance(exc, Rejected), exc
    else:
        assert isinstance(exc, Rejected) and exc.reason is reason, exc
    assert exc.where == where, exc
    assert message in exc.message, exc


def body_start(data: bytes) -> int:
    (length,) = struct.unpack(">H", data[5:7])
    return 7 + length + ENC_SIZE + WRAPPED_SIZE + KEY_SIZE


def flipped(data: bytes, position: int) -> bytes:
    out = bytearray(data)
    out[position] ^= 0x01
    return bytes(out)


def test_routing_refusals_name_the_header_and_the_signed_fields() -> None:
    to_ch = seal(request(), NG.sign, "ng-moj", "ch-fojo", CH.hpke.public_key(),
                 signer_key_id=NG.sign_id, recipient_hpke_key_id=CH.hpke_id, now=NOW)  # fmt: skip
    check(refusal(to_ch), Reason.MISADDRESSED, "envelope.header.to", "addressed to 'ch-fojo'")
    opened = open_envelope(sealed(), GB.hpke, "gb-uka", DIRECTORY, NOW)
    forwarded = encrypt(opened.signed, "ng-moj", "ch-fojo", CH.hpke.public_key(), CH.hpke_id)
    check(
        refusal(forwarded, recipient_private_hpke_key=CH.hpke, recipient_id="ch-fojo"),
        Reason.FORWARDED, "envelope.signed.to", "the signed recipient is 'gb-uka'",
    )  # fmt: skip
    signed = sign_message(request(), NG.sign, NG.sign_id, "ng-moj", "gb-uka", NOW)
    as_ch = encrypt(signed, "ch-fojo", "gb-uka", GB.hpke.public_key(), GB.hpke_id)
    check(refusal(as_ch), Reason.SENDER_MISMATCH, "envelope.signed.from",
          "the header says 'ch-fojo' sent it")  # fmt: skip
    check(refusal(sealed(), recipient_private_hpke_key={"hpke-0000": GB.hpke}),
          Reason.UNKNOWN_KEY, "envelope.header.hpke_key", "holds no HPKE private key")  # fmt: skip


def test_cryptographic_refusals_name_the_layer_that_failed() -> None:
    data = sealed()
    start = body_start(data)
    enc = start - KEY_SIZE - WRAPPED_SIZE - ENC_SIZE
    check(refusal(flipped(data, enc)), Reason.TAMPERED, "envelope.hpke",
          "content key does not open")  # fmt: skip
    check(refusal(flipped(data, start - 1)), Reason.TAMPERED, "envelope.commitment",
          "key commitment does not match")  # fmt: skip
    check(refusal(flipped(data, start)), Reason.TAMPERED, "envelope.body",
          "chunk 0 does not authenticate")  # fmt: skip


def test_a_last_chunk_shorter_than_a_tag_and_one_exactly_a_tag_long() -> None:
    data = sealed(chunk_size=MIN_CHUNK)
    block = MIN_CHUNK + TAG_SIZE
    start = body_start(data)
    last = (len(data) - start - 1) // block  # index of the final chunk
    assert last >= 2
    cut = start + last * block  # the earlier chunks stay whole and authentic
    check(refusal(data[: cut + TAG_SIZE - 1]), Reason.TAMPERED, "envelope.body",
          f"chunk {last} is shorter than its tag")  # fmt: skip
    # Exactly a tag long is an empty chunk: it is decrypted, and fails as a forgery.
    check(refusal(data[: cut + TAG_SIZE]), Reason.TAMPERED, "envelope.body",
          f"chunk {last} does not authenticate")  # fmt: skip


def test_signature_refusals_name_the_signature() -> None:
    signed = sign_message(request(), NG.sign, NG.sign_id, "ng-moj", "gb-uka", NOW)
    outer = parse_canonical(signed.data, where="t")
    value = bytearray(base64.b64decode(outer["signature"]["value"]))
    value[0] ^= 0x01
    outer["signature"]["value"] = base64.b64encode(bytes(value)).decode()
    forged = encrypt(rfc8785.dumps(outer), "ng-moj", "gb-uka", GB.hpke.public_key(), GB.hpke_id)
    check(refusal(forged), Reason.BAD_SIGNATURE, "envelope.signature",
          f"signature by ng-moj (key {NG.sign_id}) does not verify")  # fmt: skip
    outer = parse_canonical(signed.data, where="t")
    outer["signature"]["key"] = CH.sign_id
    with pytest.raises(InvalidInput) as info:
        verify_origin(rfc8785.dumps(outer), DIRECTORY)
    check(info.value, None, "envelope.signature.key", "differs from the signed signer_key")


def test_content_that_is_not_signed_content_is_refused_where_it_was_read() -> None:
    with pytest.raises(InvalidInput) as info:
        message_id_of(b"not json")
    assert info.value.where is not None and info.value.where.startswith("envelope.signed")
    with pytest.raises(InvalidInput) as info:
        verify_origin(b"not json", DIRECTORY)
    assert info.value.where is not None and info.value.where.startswith("envelope.signed")
    with pytest.raises(InvalidInput) as info:
        verify_origin(rfc8785.dumps({"signed": {}}), DIRECTORY)
    assert info.value.where is not None and info.value.where.startswith("envelope")
    signed = sign_message(request(), NG.sign, NG.sign_id, "ng-moj", "gb-uka", NOW)
    with pytest.raises(InvalidInput) as info:
        verify_origin_signature(replace(signed, data=b"not json"), NG.sign.public_key())
    assert info.value.where is not None and info.value.where.startswith("envelope.signed")


def test_a_bad_message_inside_is_refused_at_its_path() -> None:
    signed = sign_message(request(), NG.sign, NG.sign_id, "ng-moj", "gb-uka", NOW)
    outer = parse_canonical(signed.data, where="t")
    outer["signed"]["message"]["type"] = "no-such-type"
    with pytest.raises(InvalidInput) as info:
        verify_origin(rfc8785.dumps(outer), DIRECTORY)
    assert info.value.where is not None
    assert info.value.where.startswith("envelope.signed.message"), info.value.where
    outer = parse_canonical(signed.data, where="t")
    outer["signed"]["expires"] = 7
    with pytest.raises(InvalidInput) as info:
        verify_origin(rfc8785.dumps(outer), DIRECTORY)
    assert info.value.where is not None
    assert info.value.where.startswith("envelope.signed.expires"), info.value.where


def test_the_time_window_is_inclusive_at_both_ends() -> None:
    """Created exactly ``max_skew`` ahead, or expired exactly ``max_skew`` ago, still opens."""
    ahead = sealed(now=NOW + DEFAULT_SKEW)
    opens(ahead)
    exc = refusal(sealed(now=NOW + DEFAULT_SKEW + timedelta(seconds=1)))
    check(exc, Reason.NOT_YET_VALID, "envelope.signed.created", "later than now")
    hour = sealed(lifetime=timedelta(hours=1))
    opens(hour, now=NOW + timedelta(hours=1) + DEFAULT_SKEW)
    exc = refusal(hour, now=NOW + timedelta(hours=1) + DEFAULT_SKEW + timedelta(seconds=1))
    check(exc, Reason.EXPIRED, "envelope.signed.expires", "expired at 2025-03-02T10:00:00Z")


def test_a_lifetime_of_exactly_the_limit_opens_and_one_second_more_does_not() -> None:
    day = sealed(lifetime=timedelta(days=1))
    opens(day, max_lifetime=timedelta(days=1))
    longer = sealed(lifetime=timedelta(days=1, seconds=1))
    check(refusal(longer, max_lifetime=timedelta(days=1)), Reason.EXPIRED,
          "envelope.signed.expires", "longer than message ids are remembered")  # fmt: skip


def test_signing_accepts_lifetimes_from_one_second_to_the_maximum() -> None:
    for lifetime in (timedelta(seconds=1), MAX_LIFETIME):
        signed = sign_message(request(), NG.sign, NG.sign_id, "ng-moj", "gb-uka", NOW,
                              lifetime=lifetime)  # fmt: skip
        assert signed.expires_at - signed.created_at == lifetime
    for lifetime in (timedelta(milliseconds=999), MAX_LIFETIME + timedelta(seconds=1)):
        with pytest.raises(InvalidInput) as info:
            sign_message(request(), NG.sign, NG.sign_id, "ng-moj", "gb-uka", NOW,
                         lifetime=lifetime)  # fmt: skip
        check(info.value, None, "envelope.lifetime", "is outside 1 s..")


@pytest.mark.parametrize("step", ["sign", "encrypt"])
def test_bad_node_ids_are_refused_naming_the_argument(step: str) -> None:
    signed = sign_message(request(), NG.sign, NG.sign_id, "ng-moj", "gb-uka", NOW)
    for sender, recipient, where in (("NG MOJ", "gb-uka", "sender_id"),
                                     ("ng-moj", "GB UKA", "recipient_id")):  # fmt: skip
        with pytest.raises(InvalidInput) as info:
            if step == "sign":
                sign_message(request(), NG.sign, NG.sign_id, sender, recipient, NOW)
            else:
                encrypt(signed, sender, recipient, GB.hpke.public_key(), GB.hpke_id)
        check(info.value, None, where, "is not a node id")


def test_chunk_sizes_at_the_limits_are_accepted_and_beyond_them_refused() -> None:
    for size in (MIN_CHUNK, MAX_CHUNK):
        opens(sealed(chunk_size=size))
    for size in (MIN_CHUNK - 1, MAX_CHUNK + 1):
        with pytest.raises(InvalidInput) as info:
            sealed(chunk_size=size)
        check(info.value, None, "chunk_size", f"chunk size {size} is outside")


def test_an_envelope_of_exactly_the_size_limit_is_sealed(monkeypatch: pytest.MonkeyPatch) -> None:
    signed = sign_message(request(), NG.sign, NG.sign_id, "ng-moj", "gb-uka", NOW)
    size = len(encrypt(signed, "ng-moj", "gb-uka", GB.hpke.public_key(), GB.hpke_id))
    monkeypatch.setattr(envelope, "MAX_ENVELOPE", size)
    assert len(encrypt(signed, "ng-moj", "gb-uka", GB.hpke.public_key(), GB.hpke_id)) == size
    monkeypatch.setattr(envelope, "MAX_ENVELOPE", size - 1)
    with pytest.raises(InvalidInput) as info:
        encrypt(signed, "ng-moj", "gb-uka", GB.hpke.public_key(), GB.hpke_id)
    check(info.value, None, "envelope", "send large evidence through the evidence transfer")


def test_the_byte_layout_is_the_documented_one() -> None:
    """Open an envelope by hand from the module docstring's table: magic, version, header
    length, header, HPKE enc and wrapped key under ``hpke_info``, commitment, then chunks whose
    nonce is index (11 bytes) || final and whose AAD is SHA-256(preamble) || index (8 bytes)
    || final."""
    signed = sign_message(request("x" * 700), NG.sign, NG.sign_id, "ng-moj", "gb-uka", NOW)
    data = encrypt(signed, "ng-moj", "gb-uka", GB.hpke.public_key(), GB.hpke_id,
                   chunk_size=MIN_CHUNK)  # fmt: skip
    assert data[:5] == b"RPX1\x01"
    start = body_start(data)
    (length,) = struct.unpack(">H", data[5:7])
    assert parse_canonical(data[7 : 7 + length], where="t")["chunk"] == MIN_CHUNK
    wrapped = data[7 + length : 7 + length + ENC_SIZE + WRAPPED_SIZE]
    key = SUITE.decrypt(wrapped, GB.hpke, info=b"repatria exchange v1\x06ng-moj\x06gb-uka")
    assert hpke_info("ng-moj", "gb-uka") == b"repatria exchange v1\x06ng-moj\x06gb-uka"
    commitment = hashlib.sha256(b"repatria exchange v1 key commitment" + key).digest()
    assert data[start - KEY_SIZE : start] == commitment
    digest = hashlib.sha256(data[:start]).digest()
    block = MIN_CHUNK + TAG_SIZE
    pieces = [data[i : i + block] for i in range(start, len(data), block)]
    assert len(pieces) >= 3
    plain = b""
    for index, piece in enumerate(pieces):
        final = b"\x01" if index == len(pieces) - 1 else b"\x00"
        nonce = index.to_bytes(11, "big") + final
        aad = digest + index.to_bytes(8, "big") + final
        plain += AESGCM(key).decrypt(nonce, piece, aad)
    assert plain == signed.data


def test_sender_checkpoint_refusals_name_the_checkpoint() -> None:
    exc = refusal(sealed(checkpoint="not a note\n"))
    check(exc, None, "envelope.checkpoint", "sender checkpoint: ")
    check(refusal(sealed(checkpoint=CH.checkpoint(5))), Reason.SENDER_MISMATCH,
          "envelope.checkpoint", f"checkpoint of log {CH.origin!r}")  # fmt: skip
    forged = NG.checkpoint(5).replace("5\n", "6\n", 1)
    check(refusal(sealed(checkpoint=forged)), Reason.BAD_SIGNATURE, "envelope.checkpoint",
          "sender checkpoint: ")  # fmt: skip


@given(
    summary=st.text(min_size=1, max_size=2000).filter(str.strip),
    seconds=st.integers(min_value=1, max_value=86_400),
)
@settings(max_examples=40, deadline=None)
def test_signed_content_as_built_is_what_a_reader_reads_back(summary: str, seconds: int) -> None:
    """``sign_message`` assembles the signed document from the canonical body rather than
    serialising it twice (issue 14.3): the bytes must equal the canonical form of the whole,
    and every field what ``_read_signed`` reads from them."""
    built = sign_message(
        request(summary), NG.sign, NG.sign_id, "ng-moj", "gb-uka", NOW,
        lifetime=timedelta(seconds=seconds, microseconds=seconds % 7),
    )  # fmt: skip
    assert built.data == rfc8785.dumps(parse_canonical(built.data, where="t"))
    assert built == envelope._read_signed(built.data)
    verify_origin_signature(built, NG.sign.public_key())


def test_signed_document_is_the_canonical_form_of_the_whole() -> None:
    body = rfc8785.dumps({"a": 'é\u2028"', "z": [1, {"b": None}]})
    document = envelope.signed_document("signing-0123456789abcdef", b"\x00" * 64, body)
    whole = {
        "signature": {
            "key": "signing-0123456789abcdef",
            "value": base64.b64encode(b"\x00" * 64).decode(),
        },
        "signed": parse_canonical(body, where="t"),
    }
    assert document == rfc8785.dumps(whole)
