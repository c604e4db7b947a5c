"""Our envelope vectors (tests/vectors/exchange_envelopes.json), including expected failures.

The file was written once by ``make_vectors.py`` under the fixed keys of ``network.py``; it
pins the wire format: a change that stops old envelopes from opening, or lets a bad one
through, fails here.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from repatria.errors import RepatriaError
from repatria.exchange.canonical import parse_time
from repatria.exchange.directory import verify_directory
from repatria.exchange.envelope import open_envelope
from repatria.exchange.rejection import reason_of

from .network import DIRECTORY_KEY, NODES, raw

VECTORS = json.loads(
    (Path(__file__).parent.parent / "vectors" / "exchange_envelopes.json").read_text()
)
HPKE_KEYS = {n.node_id: n.hpke for n in NODES}


def test_vectors_use_the_fixed_directory_key() -> None:
    assert VECTORS["directory_key"] == raw(DIRECTORY_KEY).hex()
    assert {c["want_error"] for c in VECTORS["cases"]} >= {
        None, "tampered", "expired", "not-yet-valid", "misaddressed", "forwarded",
        "unknown-sender", "revoked-key", "malformed",
    }  # fmt: skip


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda c: c["name"])
def test_vector(case: dict[str, Any]) -> None:
    now = parse_time(case["now"], where="now")
    directory = verify_directory(
        VECTORS["directories"][case["directory"]], DIRECTORY_KEY.public_key(), now
    )
    data = base64.b64decode(case["envelope"])
    recipient = case["recipient"]
    if case["want_error"] is None:
        opened = open_envelope(data, HPKE_KEYS[recipient], recipient, directory, now)
        assert opened.message.type.value == case["want_type"]
        return
    with pytest.raises(RepatriaError) as info:
        open_envelope(data, HPKE_KEYS[recipient], recipient, directory, now)
    assert reason_of(info.value).value == case["want_error"]
