"""A small test network under fixed keys: three nodes (NG, GB, CH) and a directory key.

Keys come from fixed seeds so vectors made with them can be checked again later. Each node
has one signing and one HPKE key, valid from ``T0``; the directory is valid for 30 days.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from repatria.domain.authority import AuthorityRole
from repatria.domain.measure import Measure
from repatria.exchange.directory import (
    AuthorityContact,
    Directory,
    KeyUse,
    NodeEntry,
    NodeKey,
    UrgentChannel,
    make_key_id,
    sign_directory,
)
from repatria.exchange.handling import Confidentiality, Handling, HandlingCode, Purpose
from repatria.exchange.messages import Message, Request
from repatria.ledger.checkpoint import Checkpoint, sign_checkpoint

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=1)


def seed(label: str) -> bytes:
    return hashlib.sha256(b"repatria test key " + label.encode()).digest()


def signing_key(label: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(seed(label))


def hpke_private(label: str) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(seed(label))


def raw(key: Ed25519PrivateKey | X25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


DIRECTORY_KEY = signing_key("directory")


@dataclass(frozen=True)
class TestNode:
    node_id: str
    jurisdiction: str
    sign: Ed25519PrivateKey
    hpke: X25519PrivateKey

    @property
    def sign_id(self) -> str:
        return make_key_id(KeyUse.SIGNING, raw(self.sign))

    @property
    def hpke_id(self) -> str:
        return make_key_id(KeyUse.HPKE, raw(self.hpke))

    @property
    def origin(self) -> str:
        return f"repatria/{self.node_id}"

    def entry(self, **changes: object) -> NodeEntry:
        entry = NodeEntry(
            node_id=self.node_id,
            jurisdiction=self.jurisdiction,
            authority=f"Central authority of {self.jurisdiction}",
            endpoint=f"https://{self.node_id}.repatria.example",
            languages=("en",),
            accredited=Confidentiality.CONFIDENTIAL,
            log_origin=self.origin,
            keys=(
                NodeKey(KeyUse.SIGNING, raw(self.sign), T0),
                NodeKey(KeyUse.HPKE, raw(self.hpke), T0),
            ),
            expires_at=T0 + timedelta(days=30),
        )
        return replace(entry, **changes)  # type: ignore[arg-type]

    def checkpoint(self, size: int = 3) -> str:
        cp = Checkpoint(self.origin, size, hashlib.sha256(f"root {size}".encode()).digest())
        return sign_checkpoint(cp, self.origin, self.sign).to_text()


def node(node_id: str, jurisdiction: str) -> TestNode:
    return TestNode(node_id, jurisdiction, signing_key(node_id), hpke_private(node_id))


NG = node("ng-moj", "NG")
GB = node("gb-uka", "GB")
CH = node("ch-fojo", "CH")
NODES = (NG, GB, CH)


def directory(
    *entries: NodeEntry, version: int = 1, issued: datetime = T0, days: int = 30
) -> Directory:
    return Directory(
        network="repatria-test",
        version=version,
        issued_at=issued,
        expires_at=issued + timedelta(days=days),
        nodes=entries or tuple(n.entry() for n in NODES),
        contacts=(
            AuthorityContact(
                key="gb-uka",
                name="UK Central Authority",
                role=AuthorityRole.CENTRAL_AUTHORITY,
                jurisdiction="GB",
                languages=("en",),
                node_id="gb-uka",
                urgent=UrgentChannel(phone="+44 20 0000 0000", email=None, node_id="gb-uka"),
                expires_at=issued + timedelta(days=30),
            ),
            AuthorityContact(
                key="gb-nca-iaru",
                name="NCA International Anti-Corruption Unit",
                role=AuthorityRole.ASSET_RECOVERY_OFFICE,
                jurisdiction="GB",
                languages=("en",),
                node_id=None,
                urgent=None,
                expires_at=issued + timedelta(days=30),
            ),
        ),
    )


def signed_directory(**kwargs: object) -> bytes:
    return sign_directory(directory(**kwargs), DIRECTORY_KEY)  # type: ignore[arg-type]


def handling(originator: str = "ng-moj") -> Handling:
    return Handling(
        originator=originator,
        level=Confidentiality.RESTRICTED,
        codes=frozenset({HandlingCode.H0, HandlingCode.H2}),
        purposes=frozenset({Purpose.INVESTIGATION, Purpose.ASSET_RECOVERY}),
        cases=("NG-2025-0042",),
    )


def request(summary: str = "Payments of licence fees diverted through London.") -> Message:
    return Message(
        payload=Request(
            reference="NG-2025-0042/1",
            measures=(Measure.RECORDS, Measure.FREEZING),
            summary=summary,
            purpose="Trace and freeze proceeds of embezzlement (UNCAC Art. 17).",
            language="en",
            confidential=True,
        ),
        case="NG-2025-0042",
        handling=handling(),
    )
