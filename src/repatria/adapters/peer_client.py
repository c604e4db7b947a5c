"""HTTP calls from one node's ledger to a peer's: fetch its checkpoint and proofs, push back.

The peer's routes are ``repatria.web.api.ledger``'s: ``GET /api/ledger/checkpoint`` (the
signed note, text/plain), ``GET /api/ledger/consistency?old=&new=`` (JSON list of base64
hashes), ``POST /api/ledger/add-checkpoint`` (the C2SP tlog-witness request body; answers
with cosignature lines), ``POST /api/ledger/cosignatures`` (a cosigned note) and ``GET
/api/ledger/seen?origin=`` (the checkpoints of a third log it saw as a witness, for gossip). No call
carries credentials: every payload is signed, and the receiver checks the signatures.
Network failures become ``PeerUnavailable``; a peer's refusal keeps its status and message.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import httpx

from repatria.errors import InvalidInput, PeerUnavailable

PROOF_LIMIT = 64
"""Most hashes accepted in a consistency proof from a peer (a proof has ≤ 2·64)."""


@dataclass(frozen=True, slots=True)
class PeerAnswer:
    """A peer's answer to a push, read as tlog-witness defines it: 200 is a cosignature,
    409 with a size as body means "prove consistency from the size I hold"."""

    status: int
    text: str

    @property
    def accepted(self) -> bool:
        return self.status == 200

    @property
    def stored_size(self) -> int | None:
        """The witness's size when it asks for a proof from there, else ``None``."""
        body = self.text.strip()
        return int(body) if self.status == 409 and body.isdigit() else None


class PeerClient:
    """Calls to one peer node at ``base_url``."""

    def __init__(self, base_url: str, *, timeout: float) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(timeout=timeout, follow_redirects=False)

    def close(self) -> None:
        self._client.close()

    def checkpoint(self) -> str:
        answer = self._call("GET", "/api/ledger/checkpoint")
        self._expect(answer, 200, "its checkpoint")
        return answer.text

    def consistency(self, old_size: int, new_size: int) -> list[bytes]:
        answer = self._call(
            "GET", "/api/ledger/consistency", params={"old": old_size, "new": new_size}
        )
        self._expect(answer, 200, f"a consistency proof from {old_size} to {new_size}")
        import json

        try:
            hashes = json.loads(answer.text)["proof"]
            if not isinstance(hashes, list) or len(hashes) > 2 * PROOF_LIMIT:
                raise ValueError("proof is not a short list")
            return [base64.b64decode(h, validate=True) for h in hashes]
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidInput(
                f"peer {self.base_url} sent a malformed consistency proof: {exc}", where="peer"
            ) from None

    def seen(self, origin: str) -> list[str]:
        """The signed checkpoints of ``origin`` the peer saw as a witness (gossip)."""
        answer = self._call("GET", "/api/ledger/seen", params={"origin": origin})
        self._expect(answer, 200, f"the checkpoints it saw of {origin}")
        import json

        try:
            notes = json.loads(answer.text)["checkpoints"]
            if not isinstance(notes, list) or not all(isinstance(n, str) for n in notes):
                raise ValueError("checkpoints is not a list of notes")
            return notes
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidInput(
                f"peer {self.base_url} sent a malformed list of seen checkpoints: {exc}",
                where="peer",
            ) from None

    def add_checkpoint(self, body: str) -> PeerAnswer:
        return self._call("POST", "/api/ledger/add-checkpoint", content=body)

    def push_cosignatures(self, note: str) -> PeerAnswer:
        return self._call("POST", "/api/ledger/cosignatures", content=note)

    def _call(self, method: str, path: str, **kwargs: object) -> PeerAnswer:
        try:
            response = self._client.request(
                method,
                self.base_url + path,
                headers={"content-type": "text/plain; charset=utf-8"},
                **kwargs,  # type: ignore[arg-type]  # httpx's keyword types are a union
            )
        except httpx.HTTPError as exc:
            raise PeerUnavailable(
                f"peer {self.base_url} did not answer {method} {path}: {type(exc).__name__}",
                where="peer",
            ) from None
        return PeerAnswer(response.status_code, response.text)

    def _expect(self, answer: PeerAnswer, status: int, what: str) -> None:
        if answer.status != status:
            raise PeerUnavailable(
                f"peer {self.base_url} refused {what}: HTTP {answer.status} {answer.text[:200]}",
                where="peer",
            )
