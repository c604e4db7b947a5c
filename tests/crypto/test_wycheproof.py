"""Wycheproof conformance of the Ed25519 and X25519 primitives the node relies on (R14).

reliability.md R14 asks that 100% of the Wycheproof ``ed25519_test.json`` and
``x25519_test.json`` vectors agree with the library in use: valid accepted, invalid rejected.
The node signs and verifies with pyca/cryptography's Ed25519 and wraps content keys with its
X25519 DHKEM (RFC 9180), so that is the implementation under test. The vectors are kept as
published under ``tests/vectors/wycheproof`` (provenance in its SOURCES.md).

What each result means:

* Ed25519 (RFC 8032 §5.1.7): ``valid`` must verify; ``invalid`` must raise
  ``InvalidSignature`` (a malformed public key would raise ``ValueError`` when loaded). The
  invalid set covers S >= L malleability (§5.1.7, §8.4), non-canonical and undecodable R
  (§5.1.3), truncated or padded signatures. ``acceptable`` vectors (none in this version of
  the file) may go either way; what pyca did is recorded.
* X25519 (RFC 7748 §5): ``valid`` must give the expected shared secret. ``acceptable``
  vectors are classified by their flags. Low-order public keys give the all-zero shared
  secret (RFC 7748 §6.1); pyca refuses it with ``ValueError``, which is what HPKE needs:
  RFC 9180 §7.1.4 requires the recipient to abort on an all-zero DH output. Every other
  acceptable vector (points on the twist, non-canonical u >= p which §5 says to reduce, edge
  cases of the ladder) must give exactly the vector's shared secret.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_der_public_key,
    load_pem_public_key,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from repatria.crypto.hpke import open_sealed, seal
from repatria.errors import VerificationFailed

VECTORS = Path(__file__).parent.parent / "vectors" / "wycheproof"
RESULTS = ("valid", "invalid", "acceptable")
ZERO = bytes(32)
# Flags whose vectors carry an all-zero shared secret, which pyca (and HPKE) must refuse.
REFUSED_X25519_FLAGS = frozenset({"LowOrderPublic", "ZeroSharedSecret"})

RecordProperty = Callable[[str, object], None]


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / name).read_text(encoding="utf-8"))
    return data


ED25519_FILE = _load("ed25519_test.json")
X25519_FILE = _load("x25519_test.json")


@dataclass(frozen=True)
class Ed25519Case:
    """One EddsaVerify test with its group's public key (raw 32 bytes, RFC 8032 §5.1.5)."""

    tc_id: int
    public_key: bytes
    message: bytes
    signature: bytes
    result: str
    flags: tuple[str, ...]
    comment: str


@dataclass(frozen=True)
class X25519Case:
    """One XdhComp test: our private scalar, their u-coordinate, the expected output."""

    tc_id: int
    private_key: bytes
    public_key: bytes
    shared: bytes
    result: str
    flags: tuple[str, ...]
    comment: str


def _ed25519_cases(document: dict[str, Any]) -> list[Ed25519Case]:
    return [
        Ed25519Case(
            tc_id=test["tcId"],
            public_key=bytes.fromhex(group["publicKey"]["pk"]),
            message=bytes.fromhex(test["msg"]),
            signature=bytes.fromhex(test["sig"]),
            result=test["result"],
            flags=tuple(test["flags"]),
            comment=test["comment"],
        )
        for group in document["testGroups"]
        for test in group["tests"]
    ]


def _x25519_cases(document: dict[str, Any]) -> list[X25519Case]:
    return [
        X25519Case(
            tc_id=test["tcId"],
            private_key=bytes.fromhex(test["private"]),
            public_key=bytes.fromhex(test["public"]),
            shared=bytes.fromhex(test["shared"]),
            result=test["result"],
            flags=tuple(test["flags"]),
            comment=test["comment"],
        )
        for group in document["testGroups"]
        for test in group["tests"]
    ]


ED25519 = _ed25519_cases(ED25519_FILE)
X25519 = _x25519_cases(X25519_FILE)


def ed25519_accepts(case: Ed25519Case) -> bool:
    """pyca's verdict: True if the signature verifies, False if it is refused."""
    try:
        key = Ed25519PublicKey.from_public_bytes(case.public_key)
    except ValueError:  # a malformed key: the signature cannot be accepted
        return False
    try:
        key.verify(case.signature, case.message)
    except InvalidSignature:
        return False
    return True


def x25519_exchange(case: X25519Case) -> bytes | None:
    """pyca's X25519 output, or None when it refuses (``ValueError``)."""
    try:
        private = X25519PrivateKey.from_private_bytes(case.private_key)
        public = X25519PublicKey.from_public_bytes(case.public_key)
        return private.exchange(public)
    except ValueError:
        return None


def refused_by_flags(case: X25519Case) -> bool:
    """Whether the vector's flags say the exchange must be refused (all-zero output)."""
    return bool(REFUSED_X25519_FLAGS & set(case.flags))


def _table(counts: Counter[tuple[str, ...]]) -> str:
    return "\n".join(f"  {' / '.join(key)}: {n}" for key, n in sorted(counts.items()))


# --- the files themselves ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "cases", "algorithm", "schema"),
    [
        (ED25519_FILE, ED25519, "EDDSA", "eddsa_verify_schema_v1.json"),
        (X25519_FILE, X25519, "XDH", "xdh_comp_schema_v1.json"),
    ],
    ids=["ed25519", "x25519"],
)
def test_vector_file_is_complete(
    document: dict[str, Any], cases: list[Any], algorithm: str, schema: str
) -> None:
    """Nothing dropped: the count of cases equals the file's numberOfTests, ids are 1..N."""
    assert document["algorithm"] == algorithm
    assert document["schema"] == schema
    assert len(cases) == document["numberOfTests"]
    assert [case.tc_id for case in cases] == list(range(1, len(cases) + 1))
    assert {case.result for case in cases} <= set(RESULTS)
    used = {flag for case in cases for flag in case.flags}
    assert used <= set(document["notes"]), f"flags without a note: {used - set(document['notes'])}"


def test_ed25519_group_keys_agree_across_encodings() -> None:
    """Each group's raw key equals its DER and PEM forms, so the raw bytes are the right key."""
    for group in ED25519_FILE["testGroups"]:
        raw = bytes.fromhex(group["publicKey"]["pk"])
        der = load_der_public_key(bytes.fromhex(group["publicKeyDer"]))
        pem = load_pem_public_key(group["publicKeyPem"].encode())
        for key in (der, pem):
            assert isinstance(key, Ed25519PublicKey)
            assert key.public_bytes(Encoding.Raw, PublicFormat.Raw) == raw


# --- Ed25519 ----------------------------------------------------------------------------


@pytest.mark.parametrize("case", ED25519, ids=[f"tc{c.tc_id}-{c.result}" for c in ED25519])
def test_ed25519_vector(case: Ed25519Case, record_property: RecordProperty) -> None:
    key = Ed25519PublicKey.from_public_bytes(case.public_key)
    if case.result == "valid":
        key.verify(case.signature, case.message)
    elif case.result == "invalid":
        with pytest.raises(InvalidSignature):
            key.verify(case.signature, case.message)
    else:  # acceptable: either verdict conforms; record which one pyca gives
        verdict = "accepted" if ed25519_accepts(case) else "rejected"
        record_property(f"ed25519_tc{case.tc_id}_acceptable", verdict)


def test_ed25519_agreement_is_total(record_property: RecordProperty) -> None:
    """100% agreement over the whole file, counted per result and per flag."""
    verdicts = {case.tc_id: ed25519_accepts(case) for case in ED25519}
    by_result: Counter[tuple[str, ...]] = Counter()
    by_flag: Counter[tuple[str, ...]] = Counter()
    for case in ED25519:
        verdict = "accepted" if verdicts[case.tc_id] else "rejected"
        by_result[(case.result, verdict)] += 1
        for flag in case.flags:
            by_flag[(case.result, flag, verdict)] += 1
    disagree = [
        case.tc_id
        for case in ED25519
        if case.result != "acceptable" and verdicts[case.tc_id] != (case.result == "valid")
    ]
    assert disagree == [], f"pyca disagrees with Wycheproof on tcIds {disagree}"
    assert sum(by_result.values()) == ED25519_FILE["numberOfTests"]
    for result in RESULTS:
        record_property(
            f"ed25519_{result}",
            {v: by_result[(result, v)] for v in ("accepted", "rejected")},
        )
    print(f"\nEd25519 Wycheproof, by result:\n{_table(by_result)}\nby flag:\n{_table(by_flag)}")


@settings(max_examples=60, deadline=None)
@given(
    case=st.sampled_from([c for c in ED25519 if c.result == "valid"]),
    data=st.data(),
)
def test_ed25519_any_single_bit_flip_is_rejected(case: Ed25519Case, data: st.DataObject) -> None:
    """Signatures are non-malleable (RFC 8032 §8.4): no one-bit change of a valid one verifies."""
    bit = data.draw(st.integers(min_value=0, max_value=8 * len(case.signature) - 1))
    flipped = bytearray(case.signature)
    flipped[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(InvalidSignature):
        Ed25519PublicKey.from_public_bytes(case.public_key).verify(bytes(flipped), case.message)


@settings(max_examples=30, deadline=None)
@given(seed=st.binary(min_size=32, max_size=32), message=st.binary(max_size=256))
def test_ed25519_s_plus_group_order_is_rejected(seed: bytes, message: bytes) -> None:
    """Adding L to S keeps the scalar mod L; RFC 8032 §5.1.7 still requires S < L."""
    order = 2**252 + 27742317777372353535851937790883648493
    private = Ed25519PrivateKey.from_private_bytes(seed)
    signature = private.sign(message)
    s = int.from_bytes(signature[32:], "little")
    malleated = signature[:32] + (s + order).to_bytes(32, "little")
    private.public_key().verify(signature, message)
    with pytest.raises(InvalidSignature):
        private.public_key().verify(malleated, message)


# --- X25519 -----------------------------------------------------------------------------


@pytest.mark.parametrize("case", X25519, ids=[f"tc{c.tc_id}-{c.result}" for c in X25519])
def test_x25519_vector(case: X25519Case) -> None:
    private = X25519PrivateKey.from_private_bytes(case.private_key)
    public = X25519PublicKey.from_public_bytes(case.public_key)
    if case.result == "invalid" or refused_by_flags(case):
        with pytest.raises(ValueError):
            private.exchange(public)
    else:
        assert private.exchange(public) == case.shared, case.comment


def test_x25519_zero_output_flags_match_the_vectors() -> None:
    """The flags that predict refusal mark exactly the vectors whose output is all zero."""
    for case in X25519:
        assert refused_by_flags(case) == (case.shared == ZERO), case.tc_id
        assert ("ZeroSharedSecret" in case.flags) == ("LowOrderPublic" in case.flags), case.tc_id


def test_x25519_agreement_is_total(record_property: RecordProperty) -> None:
    """Every vector gives its shared secret or, for the all-zero ones, is refused; counted."""
    outputs = {case.tc_id: x25519_exchange(case) for case in X25519}
    by_result: Counter[tuple[str, ...]] = Counter()
    by_flag: Counter[tuple[str, ...]] = Counter()
    wrong = []
    for case in X25519:
        out = outputs[case.tc_id]
        verdict = "refused" if out is None else "computed"
        if case.result == "invalid" or refused_by_flags(case):
            ok = out is None
        else:
            ok = out == case.shared
        if not ok:
            wrong.append(case.tc_id)
        by_result[(case.result, verdict)] += 1
        for flag in case.flags:
            by_flag[(case.result, flag, verdict)] += 1
    assert wrong == [], f"pyca disagrees with Wycheproof on tcIds {wrong}"
    assert sum(by_result.values()) == X25519_FILE["numberOfTests"]
    for result in RESULTS:
        record_property(
            f"x25519_{result}",
            {v: by_result[(result, v)] for v in ("computed", "refused")},
        )
    print(f"\nX25519 Wycheproof, by result:\n{_table(by_result)}\nby flag:\n{_table(by_flag)}")


LOW_ORDER_POINTS = sorted({case.public_key for case in X25519 if "LowOrderPublic" in case.flags})


@settings(max_examples=40, deadline=None)
@given(scalar=st.binary(min_size=32, max_size=32), point=st.sampled_from(LOW_ORDER_POINTS))
def test_x25519_low_order_points_are_refused_for_any_private_key(
    scalar: bytes, point: bytes
) -> None:
    """Clamping (RFC 7748 §5) makes every scalar a multiple of 8, so each of the low-order
    points in the vectors maps to the all-zero output for any key, and is refused."""
    with pytest.raises(ValueError):
        X25519PrivateKey.from_private_bytes(scalar).exchange(
            X25519PublicKey.from_public_bytes(point)
        )


@settings(max_examples=40, deadline=None)
@given(a=st.binary(min_size=32, max_size=32), b=st.binary(min_size=32, max_size=32))
def test_x25519_is_commutative(a: bytes, b: bytes) -> None:
    """Both sides of a Diffie-Hellman exchange derive the same secret (RFC 7748 §6.1)."""
    alice, bob = X25519PrivateKey.from_private_bytes(a), X25519PrivateKey.from_private_bytes(b)
    assert alice.exchange(bob.public_key()) == bob.exchange(alice.public_key())


# --- what it means for the node's HPKE (RFC 9180 §7.1.4) ------------------------------


@pytest.mark.parametrize("point", LOW_ORDER_POINTS, ids=[p.hex()[:16] for p in LOW_ORDER_POINTS])
def test_hpke_refuses_low_order_keys(point: bytes) -> None:
    """A low-order enc cannot open a sealed key and a low-order recipient cannot be sealed
    to: the all-zero DH output is refused on both sides, as RFC 9180 §7.1.4 requires."""
    recipient = X25519PrivateKey.from_private_bytes(bytes(range(32)))
    sealed = seal(b"content key", recipient.public_key(), b"info")
    assert open_sealed(sealed, recipient, b"info") == b"content key"
    with pytest.raises(VerificationFailed):
        open_sealed(point + sealed[32:], recipient, b"info")
    with pytest.raises(ValueError):
        seal(b"content key", X25519PublicKey.from_public_bytes(point), b"info")
