"""Settings of a node process, read once at the edge (CLI, web) and passed down.

Every field is documented; ``docs/configuration.md`` lists them and a test
checks that the two agree. The node's identity (jurisdiction, authority) is
not a setting: it lives in ``node.json`` in the data directory, written by
``repatria init``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REPATRIA_", extra="ignore")

    data_dir: Path = Field(
        default=Path("repatria-data"),
        description="Directory holding node.json, the SQLite database, keys and files.",
    )
    database_url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy URL of the node's database, e.g."
            " postgresql+psycopg://user@host/db. Default: SQLite in the data directory."
        ),
    )
    host: str = Field(default="127.0.0.1", description="Address `repatria serve` listens on.")
    port: int = Field(default=8700, ge=1, le=65535, description="Port `repatria serve` uses.")
    session_hours: int = Field(
        default=8, ge=1, le=24, description="Lifetime of a web UI session, in hours."
    )
    token_days: int = Field(
        default=30, ge=1, le=365, description="Lifetime of an API bearer token, in days."
    )
    sign_in_failures_per_account: int = Field(
        default=5,
        ge=1,
        le=1000,
        description="Failed sign-ins per account within the window before it is paused.",
    )
    sign_in_failures_per_source: int = Field(
        default=20,
        ge=1,
        le=10_000,
        description="Failed sign-ins from one address within the window before it is paused.",
    )
    sign_in_window_minutes: int = Field(
        default=15,
        ge=1,
        le=1440,
        description="The window of the sign-in throttle, and how long a pause lasts at most.",
    )
    max_body_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        description="Largest request body the API accepts; larger ones get 413.",
    )
    log_format: Literal["console", "json"] = Field(
        default="console", description="Operator log format: console for people, json for tools."
    )
    cookie_secure: bool = Field(
        default=False,
        description="Mark the session cookie Secure (set when the node is served over HTTPS).",
    )
    key_passphrase: SecretStr | None = Field(
        default=None,
        description=(
            "Passphrase that encrypts the node's private keys at rest (16 characters or more)."
            " Absent: one is generated into keys/passphrase (mode 0600) with a warning."
        ),
    )
    peer_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="How long a ledger call to a peer node (witnessing) may take, in seconds.",
    )
    directory_key: str | None = Field(
        default=None,
        description=(
            "The network directory's Ed25519 public key (base64 of the 32 raw bytes): the trust"
            " anchor against which this node verifies every directory it accepts."
        ),
    )
    directory_url: str | None = Field(
        default=None,
        pattern=r"^https?://\S+$",
        description=(
            "Where the network's signed directory is published (e.g. another node's"
            " /api/exchange/directory/signed): `repatria serve` fetches it on a schedule and"
            " accepts a newer version under the usual checks."
        ),
    )
    directory_fetch_seconds: float = Field(
        default=300.0,
        gt=0,
        le=86_400,
        description="How often `repatria serve` fetches the directory from REPATRIA_DIRECTORY_URL.",
    )
    exchange_worker: bool = Field(
        default=True,
        description="Run the delivery worker inside `repatria serve` (sends the outbox).",
    )
    exchange_poll_seconds: float = Field(
        default=2.0,
        gt=0,
        le=3600,
        description="How often the delivery worker looks for due messages, in seconds.",
    )
    exchange_first_retry_seconds: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="Wait after the first failed delivery; doubles each time, capped at 1 h.",
    )
    exchange_batch_size: int = Field(
        default=32,
        ge=1,
        le=64,
        description=(
            "Envelopes due for one node sent in one request, stored there under one"
            " checkpoint (at most 64, the batch route's limit); 1 sends each alone."
        ),
    )
    exchange_max_attempts: int = Field(
        default=12,
        ge=1,
        le=100,
        description="Delivery attempts before a message is marked failed with an alarm.",
    )
    witnessing_worker: bool = Field(
        default=True,
        description=(
            "Inside `repatria serve`, ask the ledger peers to cosign new checkpoints and gossip"
            " with them on a schedule (docs/ledger.md)."
        ),
    )
    witnessing_seconds: float = Field(
        default=20.0,
        gt=0,
        le=3600,
        description=(
            "How long after a successful witnessing round a peer is asked again: a new event is"
            " witnessed within about this long. A failing peer waits twice as long each time."
        ),
    )
    reminder_days: int = Field(
        default=7,
        ge=0,
        le=90,
        description="Work queue: deadlines due within this many days are highlighted.",
    )

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'repatria.db').resolve()}"
