"""The signed network directory: who the nodes are, their keys, and whom to contact.

Nodes trust each other only through this directory (architecture.md, "Between nodes"). It
lists each node's id, jurisdiction, authority, endpoint, languages, the highest
classification level it is accredited for, the origin of its ledger, and its public keys:
an Ed25519 key that signs messages, receipts and checkpoints, and an X25519 key for HPKE
(RFC 9180). Each key has a validity period and may carry a revocation time, so rotation
and revocation are expressible (reliability.md R15, T6). It also lists each authority's
contact points: the central authority of UNCAC Art. 46(13), the languages it accepts under
46(14), and an urgent channel available at all hours.

The whole document is signed by the network's directory key (Ed25519, RFC 8032) over its
RFC 8785 canonical bytes, and it expires; so does each entry, unless renewed, so contact
data cannot silently go stale. Its ``version`` must never go down: a node remembers the
highest version it accepted and refuses an older one (rollback protection in the style of
TUF's version check, R15; threat T5).
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pydantic import (
    AfterValidator,
    Field,
    ModelWrapValidatorHandler,
    StrictInt,
    StrictStr,
    ValidationInfo,
    model_serializer,
    model_validator,
)
from pydantic.dataclasses import dataclass as wire_dataclass
from pydantic_core.core_schema import SerializerFunctionWrapHandler

from repatria.domain.authority import AuthorityRole
from repatria.domain.jurisdiction import parse_jurisdiction
from repatria.domain.language import parse_language
from repatria.errors import InvalidInput
from repatria.exchange.canonical import (
    NODE_ID,
    canonical_json,
    format_time,
    parse_canonical,
)
from repatria.exchange.handling import Confidentiality
from repatria.exchange.rejection import Reason, Rejected
from repatria.exchange.wire import (
    WIRE_CONFIG,
    Key32,
    Signature,
    Signature64,
    WireTime,
    canonical_bytes,
    domain_rule,
    integer,
    items,
    on_the_wire,
    read_wire,
    refuse,
    require,
    text,
    to_wire,
)

FORMAT = "repatria-directory/v1"
SIGNING_CONTEXT = b"repatria directory v1\n"
"""Prefixed to the canonical bytes before signing, so a directory signature can never be
mistaken for a signature over a message or a receipt (domain separation)."""

DEFAULT_SKEW = timedelta(minutes=5)

_KEY_ID = re.compile(r"^(signing|hpke)-[0-9a-f]{16}$")
_ENDPOINT = re.compile(
    r"^(https://[A-Za-z0-9.-]+|http://(127\.0\.0\.1|localhost|\[::1\]))"
    r"(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?$"
)
"""Endpoints are https; plain http only on the loopback interface, where nodes of one machine
(a demo, a test network, a node behind a TLS-terminating proxy on the same host) talk without
leaving it. The envelope is sealed end to end either way (docs/exchange.md)."""
_KEY = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class KeyUse(StrEnum):
    SIGNING = "signing"
    HPKE = "hpke"


@lru_cache(maxsize=4096)
def make_key_id(use: KeyUse, public_key: bytes) -> str:
    """``<use>-<first 16 hex digits of SHA-256(raw public key)>``: the key store's fingerprint
    with its purpose, so the id names exactly one key and can be recomputed by anyone."""
    return f"{use.value}-{hashlib.sha256(public_key).hexdigest()[:16]}"


def _keys(keys: tuple[NodeKey, ...], info: ValidationInfo) -> tuple[NodeKey, ...]:
    """A node lists each key once and has a key of each use (R15)."""
    if not on_the_wire(info):
        return keys
    ids = [k.key_id for k in keys]
    if len(set(ids)) != len(ids):
        raise refuse("the same key is listed twice")
    for use in KeyUse:
        if not any(k.use is use for k in keys):
            raise refuse(f"node has no {use.value} key")
    return keys


def _jurisdiction(value: str, info: ValidationInfo) -> str:
    if not on_the_wire(info):
        return value
    return domain_rule(lambda v, where: parse_jurisdiction(v, where=where).code, value)


def _language(value: str, info: ValidationInfo) -> str:
    return domain_rule(parse_language, value) if on_the_wire(info) else value


def _some_language(value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
    if on_the_wire(info) and not value:
        raise refuse("at least one accepted language (UNCAC 46(14))")
    return value


Jurisdiction = Annotated[StrictStr, AfterValidator(text(8)), AfterValidator(_jurisdiction)]
"""An ISO 3166-1 alpha-2 code."""
Languages = Annotated[
    tuple[Annotated[StrictStr, AfterValidator(text(10)), AfterValidator(_language)], ...],
    AfterValidator(items(20)),
    AfterValidator(_some_language),
]
"""The languages accepted (UNCAC 46(14)), ISO 639 codes."""


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class KeyEndorsement:
    """A node's own signature over a key it announces, by a signing key it already had: the
    cross-signature of a rotation (issue 14.5; ``key_succession`` says what it covers and
    when it is required)."""

    by: Annotated[StrictStr, AfterValidator(text(40, _KEY_ID))]
    at: WireTime
    signature: Signature64


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class NodeKey:
    """One public key of a node and when it may be used.

    A key is *active* in ``[valid_from, valid_until)``; rotation sets ``valid_until`` (what
    was signed or sealed before stays good). Revocation sets ``revoked_at``: nothing the key
    signed at or after that time is trusted, and a message still in flight under a revoked
    key is refused (its sender re-seals it with the new key).
    """

    use: KeyUse
    public_key: Key32
    valid_from: WireTime
    valid_until: WireTime | None = None
    revoked_at: WireTime | None = None
    revocation_reason: Annotated[StrictStr, AfterValidator(text(500))] | None = None
    endorsement: KeyEndorsement | None = None
    """Absent on a node's first keys (the operator vouches for a new node); required on a
    key added later to a node the network knows (``key_succession.check_succession``)."""

    @model_validator(mode="wrap")
    @classmethod
    def _id_names_the_key(
        cls, value: object, handler: ModelWrapValidatorHandler[NodeKey]
    ) -> NodeKey:
        """On the wire a key carries its id, which must be the one its bytes give."""
        if not isinstance(value, dict):
            return handler(value)
        require(value, ("id",))
        key = handler({k: v for k, v in value.items() if k != "id"})
        claimed = value["id"]
        if not isinstance(claimed, str) or not _KEY_ID.match(claimed):
            raise refuse(f"{claimed!r} does not match {_KEY_ID.pattern}", at=".id")
        if claimed != key.key_id:
            raise refuse(f"key id {claimed!r} does not match the key, whose id is {key.key_id}",
                         at=".id")  # fmt: skip
        return key

    @model_serializer(mode="wrap")
    def _with_id(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """The id first; no ``endorsement`` member on a key without one, so directories
        signed before endorsements existed read back to the same bytes."""
        body: dict[str, Any] = handler(self)
        if body.get("endorsement") is None:
            body.pop("endorsement", None)
        return {"id": self.key_id} | body

    def __post_init__(self) -> None:
        if len(self.public_key) != 32:
            raise InvalidInput(
                f"public key has {len(self.public_key)} bytes, want 32", where="key.public_key"
            )
        if self.valid_until is not None and self.valid_until <= self.valid_from:
            raise InvalidInput("valid_until is not after valid_from", where="key.valid_until")
        if (self.revoked_at is None) != (self.revocation_reason is None):
            raise InvalidInput(
                "a revocation needs both revoked_at and revocation_reason", where="key.revoked_at"
            )

    @property
    def key_id(self) -> str:
        return make_key_id(self.use, self.public_key)

    def state_at(self, moment: datetime) -> str:
        """``active``, ``not yet valid``, ``retired`` or ``revoked`` at ``moment``."""
        if self.revoked_at is not None and moment >= self.revoked_at:
            return "revoked"
        if moment < self.valid_from:
            return "not yet valid"
        if self.valid_until is not None and moment >= self.valid_until:
            return "retired"
        return "active"

    def to_dict(self) -> dict[str, Any]:
        return to_wire(self)

    @classmethod
    def from_dict(cls, value: object, where: str) -> NodeKey:
        return read_wire(cls, value, where)


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class NodeEntry:
    """A node as the network knows it."""

    node_id: Annotated[StrictStr, AfterValidator(text(64, NODE_ID)), Field(alias="id")]
    jurisdiction: Jurisdiction
    authority: Annotated[StrictStr, AfterValidator(text())]
    endpoint: Annotated[StrictStr, AfterValidator(text(300, _ENDPOINT))]
    languages: Languages
    accredited: Confidentiality
    log_origin: Annotated[StrictStr, AfterValidator(text(200))]
    keys: Annotated[tuple[NodeKey, ...], AfterValidator(items(64)), AfterValidator(_keys)]
    expires_at: WireTime

    def key(self, key_id: str) -> NodeKey:
        for key in self.keys:
            if key.key_id == key_id:
                return key
        known = ", ".join(k.key_id for k in self.keys)
        raise Rejected(
            Reason.UNKNOWN_KEY,
            f"node {self.node_id} has no key {key_id!r}; its keys: {known}",
            where="directory.key",
        )

    def current_key(self, use: KeyUse, now: datetime) -> NodeKey:
        """The newest key of ``use`` active at ``now``: the one to seal or sign with."""
        active = [k for k in self.keys if k.use is use and k.state_at(now) == "active"]
        if not active:
            raise Rejected(
                Reason.INACTIVE_KEY,
                f"node {self.node_id} has no active {use.value} key at {format_time(now)}",
                where="directory.key",
            )
        return max(active, key=lambda k: k.valid_from)

    def to_dict(self) -> dict[str, Any]:
        return to_wire(self)

    @classmethod
    def from_dict(cls, value: object, where: str) -> NodeEntry:
        return read_wire(cls, value, where)


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class UrgentChannel:
    """How to reach an authority at any hour (urgent requests, UNCAC 46(13)-(14))."""

    phone: Annotated[StrictStr, AfterValidator(text(40))] | None = None
    email: Annotated[StrictStr, AfterValidator(text(200))] | None = None
    node_id: Annotated[
        Annotated[StrictStr, AfterValidator(text(64, NODE_ID))] | None, Field(alias="node")
    ] = None

    @model_validator(mode="after")
    def _reachable(self, info: ValidationInfo) -> UrgentChannel:
        if not on_the_wire(info):
            return self
        if self.email is not None and "@" not in self.email:
            raise refuse(f"not an e-mail address: {self.email!r}", at=".email")
        if not (self.phone or self.email or self.node_id):
            raise refuse("an urgent channel needs a phone, an e-mail or a node")
        return self

    def to_dict(self) -> dict[str, Any]:
        return to_wire(self)

    @classmethod
    def from_dict(cls, value: object, where: str) -> UrgentChannel:
        return read_wire(cls, value, where)


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class AuthorityContact:
    """An authority's contact point: role, accepted languages (46(14)), node, urgent channel."""

    key: Annotated[StrictStr, AfterValidator(text(64, _KEY))]
    name: Annotated[StrictStr, AfterValidator(text())]
    role: AuthorityRole
    jurisdiction: Jurisdiction
    languages: Languages
    node_id: Annotated[
        Annotated[StrictStr, AfterValidator(text(64, NODE_ID))] | None, Field(alias="node")
    ]
    urgent: UrgentChannel | None
    expires_at: WireTime

    @model_validator(mode="before")
    @classmethod
    def _optional_on_the_wire(cls, value: object) -> object:
        """``node`` and ``urgent`` may be left out on the wire; they are then none."""
        if isinstance(value, dict):
            return {"node": None, "urgent": None} | value
        return value

    def to_dict(self) -> dict[str, Any]:
        return to_wire(self)

    @classmethod
    def from_dict(cls, value: object, where: str) -> AuthorityContact:
        return read_wire(cls, value, where)


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class Directory:
    """A verified directory. Build one with ``Directory(...)`` to sign it, or get one from
    ``verify_directory``; lookups take ``now`` and refuse what has expired."""

    network: Annotated[StrictStr, AfterValidator(text(100))]
    version: Annotated[StrictInt, AfterValidator(integer(minimum=1))]
    issued_at: WireTime
    expires_at: WireTime
    nodes: Annotated[tuple[NodeEntry, ...], AfterValidator(items(10_000))]
    contacts: Annotated[tuple[AuthorityContact, ...], AfterValidator(items(10_000))] = ()

    @model_validator(mode="before")
    @classmethod
    def _format(cls, value: object) -> object:
        """The wire names its format first; only ``FORMAT`` is read."""
        if not isinstance(value, dict):
            return value
        require(value, ("contacts", "format"))
        if value["format"] != FORMAT:
            raise refuse(f"format {value['format']!r} is not {FORMAT!r}", at=".format")
        return {k: v for k, v in value.items() if k != "format"}

    @model_serializer(mode="wrap")
    def _with_format(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        body: dict[str, Any] = handler(self)
        return {"format": FORMAT} | body

    def __post_init__(self) -> None:
        ids = [n.node_id for n in self.nodes]
        if len(set(ids)) != len(ids):
            raise InvalidInput("a node id is listed twice", where="directory.nodes")
        keys = [c.key for c in self.contacts]
        if len(set(keys)) != len(keys):
            raise InvalidInput("a contact key is listed twice", where="directory.contacts")
        if self.version < 1:
            raise InvalidInput(f"version {self.version} is below 1", where="directory.version")
        if self.expires_at <= self.issued_at:
            raise InvalidInput("expires_at is not after issued_at", where="directory.expires_at")

    def node(self, node_id: str, now: datetime) -> NodeEntry:
        """The entry of ``node_id``, refused when unknown or when its entry has expired."""
        for entry in self.nodes:
            if entry.node_id == node_id:
                if now >= entry.expires_at:
                    raise Rejected(
                        Reason.UNKNOWN_SENDER,
                        f"the directory entry of {node_id} expired at "
                        f"{format_time(entry.expires_at)} and was not renewed",
                        where="directory.node",
                    )
                return entry
        raise Rejected(
            Reason.UNKNOWN_SENDER,
            f"node {node_id!r} is not in directory version {self.version} of {self.network}",
            where="directory.node",
        )

    def entry(self, node_id: str) -> NodeEntry:
        """The entry of ``node_id`` even if it has expired: for checking old evidence only."""
        for entry in self.nodes:
            if entry.node_id == node_id:
                return entry
        raise Rejected(
            Reason.UNKNOWN_SENDER,
            f"node {node_id!r} is not in directory version {self.version} of {self.network}",
            where="directory.node",
        )

    def key_at(self, node_id: str, key_id: str, use: KeyUse, at: datetime) -> NodeKey:
        """The key ``key_id`` of ``node_id`` if it was active and unrevoked at ``at``.

        The rule for evidence already received (a stored message or receipt, whose arrival
        the ledger dates): what was signed before a rotation or a revocation still verifies.
        """
        return _usable(self.entry(node_id), key_id, use, at, at)

    def signing_key(self, node_id: str, key_id: str, signed_at: datetime, now: datetime) -> NodeKey:
        """The key ``key_id`` of ``node_id``, if it could sign at ``signed_at`` and is not
        revoked at ``now``.

        A signature made before a rotation still verifies (the key was active then); a key
        revoked at any time up to ``now`` is refused for live traffic, because a thief holding
        it can claim any earlier signing time.
        """
        return _usable(self.node(node_id, now), key_id, KeyUse.SIGNING, signed_at, now)

    def hpke_key(self, node_id: str, key_id: str, sealed_at: datetime, now: datetime) -> NodeKey:
        """The HPKE key a message claims to be sealed to, checked like ``signing_key``."""
        return _usable(self.node(node_id, now), key_id, KeyUse.HPKE, sealed_at, now)

    def contacts_of(self, jurisdiction: str, now: datetime) -> list[AuthorityContact]:
        """The unexpired contact points of a jurisdiction, central authority first (46(13))."""
        code = parse_jurisdiction(jurisdiction).code
        found = [c for c in self.contacts if c.jurisdiction == code and now < c.expires_at]
        return sorted(found, key=lambda c: (c.role is not AuthorityRole.CENTRAL_AUTHORITY, c.key))

    def to_dict(self) -> dict[str, Any]:
        return to_wire(self)

    def canonical_bytes(self) -> bytes:
        """The directory's RFC 8785 bytes: what the directory key signs."""
        return canonical_bytes(self)

    @classmethod
    def from_dict(cls, value: object, where: str = "directory") -> Directory:
        return read_wire(cls, value, where)


@wire_dataclass(frozen=True, slots=True, config=WIRE_CONFIG)
class _SignedDirectory:
    """``{"directory": ..., "signature": ...}``; the directory is read once its signature
    verifies over its canonical bytes."""

    directory: dict[str, Any]
    signature: Signature


def sign_directory(directory: Directory, directory_key: Ed25519PrivateKey) -> bytes:
    """The signed directory: canonical ``{"directory": ..., "signature": ...}``."""
    body = directory.to_dict()
    signature = directory_key.sign(SIGNING_CONTEXT + canonical_json(body))
    public = directory_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return canonical_json(
        {
            "directory": body,
            "signature": {
                "key": hashlib.sha256(public).hexdigest()[:16],
                "value": base64.b64encode(signature).decode("ascii"),
            },
        }
    )


def verify_directory(
    data: bytes | str,
    directory_key: Ed25519PublicKey,
    now: datetime,
    previous_version: int | None = None,
    *,
    max_skew: timedelta = DEFAULT_SKEW,
) -> Directory:
    """Parse and verify a signed directory, or raise saying which part is wrong.

    Checks, in order: strict canonical JSON with exactly the known fields; the signature by
    the network's directory key; no rollback (``version`` not below ``previous_version``, the
    highest the caller accepted before; the same version may be fetched again); issued no
    later than ``now`` plus ``max_skew``; not expired at ``now``.
    """
    outer = read_wire(_SignedDirectory, parse_canonical(data, where="directory"), "signed")
    public = directory_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    want_key = hashlib.sha256(public).hexdigest()[:16]
    if outer.signature.key != want_key:
        raise Rejected(
            Reason.UNKNOWN_KEY,
            f"signed by directory key {outer.signature.key!r}, the trusted key is {want_key}",
            where="directory.signature.key",
        )
    try:
        directory_key.verify(
            outer.signature.value, SIGNING_CONTEXT + canonical_json(outer.directory)
        )
    except InvalidSignature:
        raise Rejected(
            Reason.BAD_SIGNATURE,
            "the directory signature does not verify with the network's directory key",
            where="directory.signature",
        ) from None
    directory = Directory.from_dict(outer.directory)
    if previous_version is not None and directory.version < previous_version:
        raise Rejected(
            Reason.ROLLBACK,
            f"directory version {directory.version} is older than version {previous_version} "
            "already accepted",
            where="directory.version",
        )
    if directory.issued_at > now + max_skew:
        raise Rejected(
            Reason.NOT_YET_VALID,
            f"directory issued at {format_time(directory.issued_at)}, after now "
            f"({format_time(now)}) plus {max_skew}",
            where="directory.issued_at",
        )
    if now >= directory.expires_at:
        raise Rejected(
            Reason.EXPIRED,
            f"directory version {directory.version} expired at "
            f"{format_time(directory.expires_at)}; fetch a renewed one",
            where="directory.expires_at",
        )
    return directory


def _usable(entry: NodeEntry, key_id: str, use: KeyUse, at: datetime, now: datetime) -> NodeKey:
    key = entry.key(key_id)
    where = f"directory.{entry.node_id}.{key_id}"
    if key.use is not use:
        raise Rejected(
            Reason.UNKNOWN_KEY, f"key {key_id} is a {key.use.value} key, not {use.value}",
            where=where,
        )  # fmt: skip
    if key.revoked_at is not None and key.revoked_at <= now:
        raise Rejected(
            Reason.REVOKED_KEY,
            f"key {key_id} of {entry.node_id} was revoked at {format_time(key.revoked_at)} "
            f"({key.revocation_reason})",
            where=where,
        )
    state = key.state_at(at)
    if state != "active":
        raise Rejected(
            Reason.INACTIVE_KEY,
            f"key {key_id} of {entry.node_id} was {state} at {format_time(at)}",
            where=where,
        )
    return key
