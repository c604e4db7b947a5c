"""A log bundle: everything needed to check a node's log offline, and the check itself.

``repatria ledger export`` writes one JSON document (format ``repatria-log-bundle/v1``):

    {"format": ..., "origin": ..., "leaves": [base64 leaf bytes, in index order],
     "checkpoints": [signed notes, cosignatures included],
     "keys": [{"vkey", "purpose", "created_at", "retired_at"}, ...],   # the node's own
     "witnesses": [cosignature vkeys of the peers that witness this log]}

Leaves hold hashes and ids only (``repatria.ledger.entry``), so a bundle can be handed to
an auditor or a court. ``verify_bundle`` needs nothing but the bundle and the log keys the
verifier trusts (``--key VKEY``, got from the node's operator out of band): it rehashes
every leaf, folds the tree (RFC 9162 §2.1.1), and checks that every checkpoint is signed by
a trusted key and has exactly the recomputed root at its size, and which cosignatures
verify under the witness keys. Keys listed inside the bundle are not trusted by themselves.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from repatria.errors import InvalidInput, VerificationFailed
from repatria.ledger.checkpoint import Checkpoint
from repatria.ledger.compact_range import CompactRange
from repatria.ledger.cosignature import CosignatureVerifier
from repatria.ledger.entry import parse_leaf
from repatria.ledger.merkle import leaf_hash, verify_leaf_hash_inclusion
from repatria.ledger.note import Ed25519Verifier, NoteVerifier, decode_base64, open_note

BUNDLE_FORMAT = "repatria-log-bundle/v1"
PROOF_FORMAT = "repatria-inclusion-proof/v1"


@dataclass(frozen=True, slots=True)
class Bundle:
    origin: str
    leaves: tuple[bytes, ...]
    checkpoints: tuple[str, ...]
    keys: tuple[dict[str, Any], ...] = ()
    witnesses: tuple[str, ...] = ()

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": BUNDLE_FORMAT,
                "origin": self.origin,
                "leaves": [base64.b64encode(x).decode("ascii") for x in self.leaves],
                "checkpoints": list(self.checkpoints),
                "keys": list(self.keys),
                "witnesses": list(self.witnesses),
            },
            indent=1,
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> Bundle:
        try:
            data = json.loads(text)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidInput(f"bundle is not JSON: {exc}", where="bundle") from None
        if not isinstance(data, dict) or data.get("format") != BUNDLE_FORMAT:
            raise InvalidInput(f"bundle format is not {BUNDLE_FORMAT}", where="bundle.format")
        try:
            return cls(
                origin=str(data["origin"]),
                leaves=tuple(
                    decode_base64(x, where=f"bundle.leaves[{i}]")
                    for i, x in enumerate(data["leaves"])
                ),
                checkpoints=tuple(str(x) for x in data["checkpoints"]),
                keys=tuple(data.get("keys", [])),
                witnesses=tuple(str(x) for x in data.get("witnesses", [])),
            )
        except (KeyError, TypeError) as exc:
            raise InvalidInput(f"bundle lacks or mistypes {exc}", where="bundle") from None


@dataclass
class BundleReport:
    """What ``verify_bundle`` found; ``ok`` only with no problem and one checked checkpoint."""

    size: int
    checkpoints_verified: int = 0
    cosignatures: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.checkpoints_verified > 0


def verify_bundle(
    bundle: Bundle, trusted: Iterable[Ed25519Verifier], witnesses: Iterable[str] = ()
) -> BundleReport:
    """Check a bundle end to end against trusted log keys; every problem is listed."""
    report = BundleReport(len(bundle.leaves))
    tree = CompactRange()
    for index, data in enumerate(bundle.leaves):
        try:
            seq, _ = parse_leaf(data)
            if seq != index:
                report.problems.append(f"leaf {index}: records seq {seq}")
        except InvalidInput as exc:
            report.problems.append(f"leaf {index}: {exc.message}")
        tree.append(data)
    verifiers = list(trusted)
    witness_keys = [CosignatureVerifier.from_vkey(v) for v in (*bundle.witnesses, *witnesses)]
    check_checkpoints(
        bundle.origin, bundle.checkpoints, tree.size, tree.root, verifiers, witness_keys, report
    )
    return report


def check_checkpoints(
    origin: str,
    notes: Sequence[str],
    size: int,
    root_at: Any,
    verifiers: Sequence[NoteVerifier],
    witnesses: Sequence[CosignatureVerifier],
    report: BundleReport,
) -> None:
    """Each note: signed by a trusted log key, of this origin, root equal to ``root_at(size)``."""
    if not verifiers:
        report.problems.append("no trusted log key given")
        return
    for number, note in enumerate(notes):
        where = f"checkpoint {number}"
        try:
            opened = open_note(note, verifiers)
            checkpoint = Checkpoint.from_text(opened.note.text)
        except (VerificationFailed, InvalidInput) as exc:
            report.problems.append(f"{where}: {exc.message}")
            continue
        cp = checkpoint
        if cp.origin != origin:
            report.problems.append(f"{where}: origin {cp.origin!r}, want {origin!r}")
            continue
        if cp.size > size:
            report.problems.append(f"{where}: size {cp.size} is beyond the {size} leaves held")
            continue
        want = root_at(cp.size)
        if want != cp.root_hash:
            report.problems.append(
                f"{where} (size {cp.size}): signed root {cp.root_hash.hex()}, recomputed from "
                f"the leaves {want.hex()}"
            )
            continue
        report.checkpoints_verified += 1
        for witness in witnesses:
            try:
                open_note(note, [witness])
            except VerificationFailed as exc:
                if "no signature from a known key" not in exc.message:
                    report.problems.append(f"{where}: {exc.message}")
                continue
            report.cosignatures[witness.name] = report.cosignatures.get(witness.name, 0) + 1


def check_inclusion_proof(
    document: dict[str, Any], trusted: Iterable[Ed25519Verifier]
) -> Checkpoint:
    """Check a proof written by ``repatria ledger prove``; return the checkpoint it is under.

    The leaf must hash, along the proof, to the root of a checkpoint signed by a trusted
    key (RFC 9162 §2.1.3.2). Raises ``VerificationFailed`` naming what failed.
    """
    if document.get("format") != PROOF_FORMAT:
        raise VerificationFailed(f"proof format is not {PROOF_FORMAT}", where="proof.format")
    try:
        leaf = decode_base64(document["leaf"], where="proof.leaf")
        proof = [decode_base64(h, where="proof.proof") for h in document["proof"]]
        index = int(document["leaf_index"])
        note = str(document["checkpoint"])
    except (KeyError, TypeError, ValueError, InvalidInput) as exc:
        raise VerificationFailed(f"proof document is malformed: {exc}", where="proof") from None
    checkpoint = Checkpoint.from_text(open_note(note, list(trusted)).note.text)
    seq, record = parse_leaf(leaf)
    if seq != index:
        raise VerificationFailed(f"leaf records seq {seq}, proof says {index}", where="proof")
    if record.event_id != document.get("event_id"):
        raise VerificationFailed(
            f"leaf records event {record.event_id}, proof says {document.get('event_id')}",
            where="proof",
        )
    verify_leaf_hash_inclusion(leaf_hash(leaf), index, checkpoint.size, proof, checkpoint.root_hash)
    return checkpoint
