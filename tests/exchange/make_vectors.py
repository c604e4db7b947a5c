"""Write tests/vectors/exchange_envelopes.json: envelopes under the fixed keys of network.py.

Run from the repository root: ``.venv/bin/python -m tests.exchange.make_vectors``. HPKE draws
a fresh ephemeral key and each message a fresh nonce, so running it again gives other bytes
with the same outcomes; the committed file is what ``test_vectors.py`` checks.
"""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from repatria.exchange.canonical import format_time
from repatria.exchange.directory import Directory, sign_directory
from repatria.exchange.envelope import encrypt, open_envelope, seal

from .network import CH, DIRECTORY_KEY, GB, NG, NOW, T0, directory, raw, request, signing_key

OUT = Path(__file__).parent.parent / "vectors" / "exchange_envelopes.json"


def main() -> None:
    base = directory()
    ng_sign, ng_hpke = NG.entry().keys
    revoked_entry = NG.entry(
        keys=(replace(ng_sign, revoked_at=NOW - timedelta(hours=1), revocation_reason="stolen"),
              ng_hpke)
    )  # fmt: skip
    revoked = Directory("repatria-test", 2, T0, T0 + timedelta(days=30),
                        (revoked_entry, GB.entry(), CH.entry()))  # fmt: skip

    def to_gb(now=NOW, **kwargs):  # type: ignore[no-untyped-def]
        return seal(request(), NG.sign, "ng-moj", "gb-uka", GB.hpke.public_key(),
                    signer_key_id=NG.sign_id, recipient_hpke_key_id=GB.hpke_id, now=now,
                    **kwargs)  # fmt: skip

    valid = to_gb(checkpoint=NG.checkpoint(7))
    tampered = bytearray(valid)
    tampered[-20] ^= 0x01
    forwarded = encrypt(
        open_envelope(valid, GB.hpke, "gb-uka", base, NOW).signed,
        "ng-moj", "ch-fojo", CH.hpke.public_key(), CH.hpke_id,
    )  # fmt: skip
    rogue = seal(request(), signing_key("zz-rogue"), "zz-rogue", "gb-uka", GB.hpke.public_key(),
                 signer_key_id=NG.sign_id, recipient_hpke_key_id=GB.hpke_id, now=NOW)  # fmt: skip
    misaddressed = seal(request(), NG.sign, "ng-moj", "ch-fojo", CH.hpke.public_key(),
                        signer_key_id=NG.sign_id, recipient_hpke_key_id=CH.hpke_id, now=NOW)  # fmt: skip
    cases = [
        ("valid request NG to GB", valid, "gb-uka", NOW, "base", None),
        ("valid within clock skew", to_gb(now=NOW + timedelta(minutes=4)), "gb-uka", NOW,
         "base", None),
        ("one bit flipped near the final tag", bytes(tampered), "gb-uka", NOW, "base", "tampered"),
        ("expired", to_gb(lifetime=timedelta(hours=1)), "gb-uka", NOW + timedelta(hours=2),
         "base", "expired"),
        ("not yet valid", to_gb(now=NOW + timedelta(hours=1)), "gb-uka", NOW, "base",
         "not-yet-valid"),
        ("misaddressed", misaddressed, "gb-uka", NOW, "base", "misaddressed"),
        ("forwarded by GB to CH", forwarded, "ch-fojo", NOW, "base", "forwarded"),
        ("unknown sender", rogue, "gb-uka", NOW, "base", "unknown-sender"),
        ("revoked signing key", to_gb(), "gb-uka", NOW, "revoked", "revoked-key"),
        ("truncated", valid[:-1], "gb-uka", NOW, "base", "tampered"),
        ("not an envelope", b"RPX0 hello", "gb-uka", NOW, "base", "malformed"),
    ]  # fmt: skip
    document = {
        "about": "Envelopes under the fixed test keys of tests/exchange/network.py; "
        "want_error is the Reason code, null when the envelope opens.",
        "directory_key": raw(DIRECTORY_KEY).hex(),
        "directories": {
            "base": sign_directory(base, DIRECTORY_KEY).decode(),
            "revoked": sign_directory(revoked, DIRECTORY_KEY).decode(),
        },
        "cases": [
            {
                "name": name,
                "envelope": base64.b64encode(data).decode(),
                "recipient": recipient,
                "now": format_time(now),
                "directory": which,
                "want_error": want,
                "want_type": None if want else "request",
            }
            for name, data, recipient, now, which, want in cases
        ],
    }
    OUT.write_text(json.dumps(document, indent=1) + "\n")


if __name__ == "__main__":
    main()
