"""R22 fuzz targets: one function per parser of outside input, bytes in (reliability.md R22).

Each target feeds one input to one parser. A parser may refuse it, but only with the
project's own refusal for bad input: ``InvalidInput`` (a bank file, a note) or ``Rejected``
(an envelope). Any other exception is a crash: libFuzzer (through atheris, ``run.py``) stops
and writes the input, which then goes into ``corpus/<target>/`` as a regression case that
``test_fuzz.py`` replays in process on every CI run.

File readers get the bytes in a file of their own in a private temporary folder (the
parsers take paths, as the CLI and the node give them).
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from repatria.adapters.parquet import write_parquet
from repatria.errors import InvalidInput, VerificationFailed
from repatria.exchange.directory import sign_directory, verify_directory
from repatria.exchange.envelope import open_envelope, read_header, seal
from repatria.exchange.rejection import Rejected
from repatria.ledger.checkpoint import Checkpoint, sign_checkpoint, verify_note
from repatria.ledger.note import Ed25519Verifier
from repatria.tracing.formats.camt053 import parse_camt053
from repatria.tracing.formats.ftm import parse_ftm_payments
from repatria.tracing.formats.mt940 import parse_mt940
from repatria.tracing.ingest import ingest
from tests.exchange.network import DIRECTORY_KEY, GB, NG, NOW, directory, request

__all__ = ["CORPUS", "EXPECTED", "TARGETS", "regressions", "run_target", "seeds"]

CORPUS = Path(__file__).resolve().parent / "corpus"
FIXTURES = Path(__file__).resolve().parent.parent / "tracing" / "fixtures" / "ingest"
_FIXTURES = {
    "camt053": ("camt053_v02.xml", "camt053_v08.xml"),
    "mt940": ("statement.sta",),
    "ftm": ("payments.ftm.jsonl",),
    "csv": ("canonical.csv", "canonical_bad.csv", "amlworld.csv", "statement.sta"),
}
REFUSED: tuple[type[Exception], ...] = (InvalidInput,)
EXPECTED: dict[str, tuple[type[Exception], ...]] = {
    "camt053": REFUSED,
    "mt940": REFUSED,
    "ftm": REFUSED,
    "csv": REFUSED,
    "envelope": (InvalidInput, Rejected),
    # A signed note's declared refusal is VerificationFailed (ledger/note.py): a note either
    # verifies or it does not, whatever is wrong with it.
    "checkpoint": (InvalidInput, VerificationFailed),
}
_WORK = Path(tempfile.mkdtemp(prefix="repatria-fuzz-"))

DIRECTORY = verify_directory(
    sign_directory(directory(), DIRECTORY_KEY), DIRECTORY_KEY.public_key(), NOW
)
LOG_KEY = Ed25519PrivateKey.from_private_bytes(b"\x22" * 32)
LOG = "fuzz.example/log"
VERIFIER = Ed25519Verifier.from_private_key(LOG, LOG_KEY)


def _file(data: bytes, name: str) -> Path:
    path = _WORK / name
    path.write_bytes(data)
    return path


def camt053(data: bytes) -> None:
    parse_camt053(_file(data, "statement.xml"))


def mt940(data: bytes) -> None:
    parse_mt940(_file(data, "statement.sta"))


def ftm(data: bytes) -> None:
    parse_ftm_payments(_file(data, "payments.json"))


def csv(data: bytes) -> None:
    """The whole ingest of a file of unknown format: detection, bounds, DuckDB, checks."""
    out = _WORK / "out.parquet"
    try:
        ingest(_file(data, "records.csv"), out, write=write_parquet)
    finally:
        out.unlink(missing_ok=True)


def envelope(data: bytes) -> None:
    """The framing and outer header (for routing), then the whole opening under GB's keys."""
    try:
        read_header(data)
    except EXPECTED["envelope"]:
        pass
    open_envelope(data, GB.hpke, "gb-uka", DIRECTORY, NOW, max_skew=timedelta(minutes=5))


def checkpoint(data: bytes) -> None:
    """A signed checkpoint note (C2SP tlog-checkpoint, signed-note) against one log key."""
    verify_note(data, [VERIFIER])


TARGETS: dict[str, Callable[[bytes], None]] = {
    "camt053": camt053,
    "mt940": mt940,
    "ftm": ftm,
    "csv": csv,
    "envelope": envelope,
    "checkpoint": checkpoint,
}


def run_target(name: str, data: bytes) -> None:
    """One input; the project's refusals are expected, anything else propagates (a crash)."""
    try:
        TARGETS[name](data)
    except EXPECTED[name]:
        pass


def envelope_seeds() -> list[bytes]:
    """Good envelopes to start from: without one the fuzzer never gets past the framing."""
    return [
        seal(request(summary), NG.sign, "ng-moj", "gb-uka", GB.hpke.public_key(),
             signer_key_id=NG.sign_id, recipient_hpke_key_id=GB.hpke_id, now=NOW,
             chunk_size=chunk)
        for summary, chunk in (("Licence fees.", 64 * 1024), ("A" * 600, 256))
    ]  # fmt: skip


def note_seeds() -> list[bytes]:
    cp = Checkpoint(LOG, 7, hashlib.sha256(b"root").digest())
    return [sign_checkpoint(cp, LOG, LOG_KEY).to_text().encode()]


def seeds(name: str) -> list[bytes]:
    """The inputs a run starts from: built ones, then the committed corpus."""
    built = {"envelope": envelope_seeds, "checkpoint": note_seeds}.get(name)
    fixtures = [(FIXTURES / f).read_bytes() for f in _FIXTURES.get(name, ())]
    return [*(built() if built else []), *fixtures, *regressions(name)]


def regressions(name: str) -> list[bytes]:
    """The committed inputs of ``corpus/<name>/``: crashes found and fixed, kept."""
    return [p.read_bytes() for p in sorted((CORPUS / name).glob("*")) if p.is_file()]
