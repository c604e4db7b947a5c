"""Write repatria's own Merkle proof vectors: good proofs and the ways they go wrong.

Run from the repository root: ``.venv/bin/python -m tests.vectors.generate_merkle_vectors``.
Good proofs come from the RFC 9162 reference implementation in
``tests/ledger/merkle_reference.py`` over the RFC 6962 test leaves (whose roots are checked
against the published values in ``merkle_rfc6962.json``), never from ``repatria.ledger``.
Each failing case carries ``want_error``: a regular expression the ``VerificationFailed``
message must match. ``tests/ledger/test_merkle_vectors.py`` checks the files are what this
script writes, so a hand edit cannot go unnoticed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.ledger import merkle_reference as ref

HERE = Path(__file__).parent
RFC6962 = json.loads((HERE / "merkle_rfc6962.json").read_text())
LEAVES = [bytes.fromhex(h) for h in RFC6962["leaves_hex"]]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")
MISMATCH = "root mismatch"
WRONG_SIZE = "wrong proof size"
ANY_REJECTION = f"{MISMATCH}|{WRONG_SIZE}|not below tree size|larger than new size"


def _flip(value: bytes, bit: int = 3) -> bytes:
    return bytes([value[0] ^ (1 << bit)]) + value[1:]


def _hex(hashes: list[bytes]) -> list[str]:
    return [h.hex() for h in hashes]


def _recorder(vectors: list[dict[str, Any]], base: dict[str, Any]) -> Callable[..., None]:
    """Return ``case(desc, want, **changes)``: record ``base`` with ``changes`` applied."""

    def case(desc: str, want: str | None, **changes: Any) -> None:
        vectors.append({"desc": desc, **base, **changes, "want_error": want})

    return case


def inclusion_vectors() -> list[dict[str, Any]]:
    vectors: list[dict[str, Any]] = []
    for size in range(1, len(LEAVES) + 1):
        tree = LEAVES[:size]
        root = ref.mth(tree)
        for index in range(size):
            leaf = LEAVES[index]
            good = ref.path(index, tree)

            base = {
                "index": index,
                "size": size,
                "leaf_hex": leaf.hex(),
                "proof_hex": _hex(good),
                "root_hex": root.hex(),
            }
            case = _recorder(vectors, base)

            n = len(good)
            case("valid", None)
            if index not in {0, size // 2, size - 1}:
                continue  # mutations of a few leaves per size; hypothesis covers the rest
            case("index = size", "not below tree size", index=size)
            case("index + size", "not below tree size", index=index + size)
            if index > 0:
                case("index - 1", ANY_REJECTION, index=index - 1)
            if index + 1 < size:
                case("index + 1", ANY_REJECTION, index=index + 1)
            case("size * 2", ANY_REJECTION, size=size * 2)
            if size // 2 > index:
                case("size / 2", ANY_REJECTION, size=size // 2)
            case("wrong leaf", MISMATCH, leaf_hex=b"WrongLeaf".hex())
            case("empty tree root", MISMATCH, root_hex=ref.sha256(b"").hex())
            case("some other root", MISMATCH, root_hex=SOME_HASH.hex())
            case("root bit 0 flipped", MISMATCH, root_hex=_flip(root, 0).hex())
            case(
                "proof with trailing root",
                f"{WRONG_SIZE} {n + 1}, want {n}",
                proof_hex=_hex([*good, root]),
            )
            case(
                "proof with preceding root",
                f"{WRONG_SIZE} {n + 1}, want {n}",
                proof_hex=_hex([root, *good]),
            )
            for i in range(n):
                bad = list(good)
                bad[i] = _flip(bad[i])
                case(f"proof[{i}] bit 3 flipped", MISMATCH, proof_hex=_hex(bad))
                short = list(good)
                short[i] = good[i][:31]
                case(
                    f"proof[{i}] truncated to 31 bytes",
                    f"proof element {i} has 31 bytes",
                    proof_hex=_hex(short),
                )
            if n > 0:
                case(
                    "last element removed",
                    f"{WRONG_SIZE} {n - 1}, want {n}",
                    proof_hex=_hex(good[:-1]),
                )
            if n > 1:
                case(
                    "element inserted",
                    f"{WRONG_SIZE} {n + 1}, want {n}",
                    proof_hex=_hex([good[0], SOME_HASH, *good[1:]]),
                )
    return vectors


def consistency_vectors() -> list[dict[str, Any]]:
    vectors: list[dict[str, Any]] = []
    empty = ref.sha256(b"")
    for new_size in range(len(LEAVES) + 1):
        new_root = ref.mth(LEAVES[:new_size])
        for old_size in range(new_size + 1):
            old_root = ref.mth(LEAVES[:old_size])
            good = [] if old_size == 0 else ref.proof(old_size, LEAVES[:new_size])

            base = {
                "old_size": old_size,
                "new_size": new_size,
                "old_root_hex": old_root.hex(),
                "new_root_hex": new_root.hex(),
                "proof_hex": _hex(good),
            }
            case = _recorder(vectors, base)

            n = len(good)
            case("valid", None)
            if old_size not in {0, 1, new_size // 2, new_size - 1, new_size}:
                continue  # mutations of a few sizes per tree; hypothesis covers the rest
            if old_size < new_size:
                case("sizes swapped", "larger than new size", old_size=new_size, new_size=old_size)
            if old_size == 0:
                case(
                    "old size 0 with a non-empty proof",
                    rf"{WRONG_SIZE} 1, want 0",
                    proof_hex=_hex([empty]),
                )
                case(
                    "old size 0 with a root that is not the empty tree's",
                    "differs",
                    old_root_hex=SOME_HASH.hex(),
                )
                continue
            if old_size == new_size:
                case("equal sizes, different roots", "differs", new_root_hex=SOME_HASH.hex())
                case(
                    "equal sizes with a non-empty proof",
                    rf"{WRONG_SIZE} 1, want 0",
                    proof_hex=_hex([old_root]),
                )
                continue
            case("old size - 1", ANY_REJECTION, old_size=old_size - 1)
            if old_size + 1 < new_size:
                case("old size + 1", ANY_REJECTION, old_size=old_size + 1)
            case("new size * 2", ANY_REJECTION, new_size=new_size * 2)
            if new_size // 2 > old_size:
                case("new size / 2", ANY_REJECTION, new_size=new_size // 2)
            case("old root bit 0 flipped", MISMATCH, old_root_hex=_flip(old_root, 0).hex())
            case("new root bit 0 flipped", MISMATCH, new_root_hex=_flip(new_root, 0).hex())
            case(
                "roots swapped", MISMATCH, old_root_hex=new_root.hex(), new_root_hex=old_root.hex()
            )
            case("empty proof", rf"{WRONG_SIZE} 0, want {n}", proof_hex=[])
            case(
                "trailing new root",
                rf"{WRONG_SIZE} {n + 1}, want {n}",
                proof_hex=_hex([*good, new_root]),
            )
            case(
                "preceding old root",
                rf"{WRONG_SIZE} {n + 1}, want {n}",
                proof_hex=_hex([old_root, *good]),
            )
            case("truncated proof", rf"{WRONG_SIZE} {n - 1}, want {n}", proof_hex=_hex(good[:-1]))
            for i in range(n):
                bad = list(good)
                bad[i] = _flip(bad[i], 4)
                case(f"proof[{i}] bit 4 flipped", MISMATCH, proof_hex=_hex(bad))
    return vectors


def render(vectors: list[dict[str, Any]], kind: str) -> str:
    document = {
        "source": (
            "repatria's own vectors, written by tests/vectors/generate_merkle_vectors.py from "
            "the RFC 9162 reference implementation over the RFC 6962 test leaves"
        ),
        "kind": kind,
        "want_error": "null for a proof that verifies; else a regex the error message matches",
        "vectors": "VECTORS",
    }
    # One vector per line keeps the files small and their diffs readable.
    head = json.dumps(document, indent=1)
    lines = ",\n  ".join(json.dumps(v, separators=(",", ":")) for v in vectors)
    return head.replace('"VECTORS"', "[\n  " + lines + "\n ]") + "\n"


def main() -> None:
    (HERE / "merkle_inclusion.json").write_text(render(inclusion_vectors(), "inclusion"))
    (HERE / "merkle_consistency.json").write_text(render(consistency_vectors(), "consistency"))


if __name__ == "__main__":
    main()
