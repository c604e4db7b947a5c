"""Documents attached to the messages of a request: checked, kept by content, served to the
case's members only.

An officer attaches court orders or supplementary evidence to additional information
(UNCAC 46(16)) or to an execution report (46(24)); they travel inline with the message
(``exchange.messages.AttachedFile``), at most ``ATTACHED_LIMIT`` bytes in all, so the sealed
envelope stays under the receiving node's body limit. Bigger uploads are refused before
anything is stored or queued; larger evidence travels by the evidence transfer.

Both nodes keep each document under its SHA-256 in the node's data directory (folders
0700, files 0600), record an event naming the hash, and serve it only to the members of
the request's case (need-to-know), each download recorded as an export (46(19)-(20)).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from sqlalchemy import select
from sqlalchemy.orm import Session

from repatria.domain.access import Action
from repatria.domain.event import EventKind
from repatria.domain.request import check_request_reference
from repatria.errors import InvalidInput, NotFound
from repatria.exchange.messages import ATTACHED_FILES, ATTACHED_LIMIT, AttachedFile
from repatria.service.access import authorize
from repatria.service.actor import Actor
from repatria.service.events import record_event
from repatria.service.node import Node
from repatria.service.requests import case_of_request, load_request
from repatria.store.tables import EventRow

DOCUMENTS_DIR = "documents"
"""The content-addressed folder of attached documents, under the node's data directory."""

DOCUMENT_KINDS = (EventKind.DOCUMENT_ATTACHED, EventKind.DOCUMENT_RECEIVED)

_MEDIA = re.compile(r"^[a-z0-9.+-]+/[a-z0-9.+-]+$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class Upload:
    """A file as the browser sent it."""

    name: str
    media_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class Document:
    """An attached document as the thread shows it."""

    name: str
    media_type: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Download:
    document: Document
    content: bytes


def attached_files(uploads: Sequence[Upload]) -> tuple[AttachedFile, ...]:
    """The uploads as documents to carry inline, or a refusal naming what is wrong.

    Nothing is stored here: the caller stores and queues only what passed."""
    chosen = [u for u in uploads if u.name or u.content]
    if len(chosen) > ATTACHED_FILES:
        raise InvalidInput(
            f"{len(chosen)} documents; at most {ATTACHED_FILES} travel with one message",
            where="files",
        )
    total = sum(len(u.content) for u in chosen)
    if total > ATTACHED_LIMIT:
        raise InvalidInput(
            f"the documents come to {total:,} bytes; at most {ATTACHED_LIMIT // 1024} KiB in all"
            " travel with a message. Larger evidence travels by the evidence transfer"
            " (issue 15)",
            where="files",
        )
    files = []
    for i, upload in enumerate(chosen):
        name = _file_name(upload.name)
        if not upload.content:
            raise InvalidInput(f"document {name!r} is empty", where=f"files[{i}]")
        files.append(AttachedFile.of(name, _media_type(upload.media_type), upload.content))
    return tuple(files)


def _file_name(raw: str) -> str:
    """The file's own name, without any folder a browser may send, at most 200 characters."""
    name = PureWindowsPath(PurePosixPath(raw).name).name.strip()
    if not name:
        raise InvalidInput("a document needs a file name", where="files")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:190] + dot + ext[:9]) if dot else name[:200]
    return name


def _media_type(raw: str) -> str:
    media = raw.split(";", 1)[0].strip().lower()
    return media if _MEDIA.match(media) else "application/octet-stream"


def document_path(node: Node, sha256: str) -> Path:
    if not _SHA256.match(sha256):
        raise InvalidInput("expected a SHA-256 (64 hex digits)", where="sha256")
    return node.settings.data_dir / DOCUMENTS_DIR / sha256[:2] / sha256


def store_document(node: Node, content: bytes) -> str:
    """Keep ``content`` under its SHA-256 (once: the same bytes are the same file)."""
    sha256 = hashlib.sha256(content).hexdigest()
    path = document_path(node, sha256)
    for folder in (path.parent.parent, path.parent):
        folder.mkdir(mode=0o700, exist_ok=True)
        folder.chmod(0o700)
    if not path.exists():
        partial = path.with_suffix(".part")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(content)
        partial.replace(path)
    return sha256


def record_documents(
    session: Session, files: Sequence[AttachedFile], *, kind: EventKind, actor: str,
    case_id: int, request_id: int, message_id: str | None = None,
) -> None:  # fmt: skip
    """One event per document, naming its hash, in the caller's transaction."""
    for f in files:
        details: dict[str, object] = {
            "sha256": f.sha256, "name": f.name, "media_type": f.media_type, "size": f.size,
        }  # fmt: skip
        if message_id is not None:
            details["message_id"] = message_id
        record_event(session, actor=actor, action=kind, why=f"{f.name} ({f.size:,} bytes)",
                     case_id=case_id, request_id=request_id, details=details)  # fmt: skip


def keep_received(
    session: Session, node: Node, files: Sequence[AttachedFile], *, actor: str, case_id: int,
    request_id: int, message_id: str,
) -> None:  # fmt: skip
    """Keep the documents a verified message carried (their hashes were checked when the
    message was read) and record each."""
    for f in files:
        store_document(node, f.content)
    record_documents(session, files, kind=EventKind.DOCUMENT_RECEIVED, actor=actor,
                     case_id=case_id, request_id=request_id, message_id=message_id)  # fmt: skip


def document_of(row: EventRow) -> Document:
    d = row.details
    return Document(str(d["name"]), str(d["media_type"]), int(d["size"]), str(d["sha256"]))


def open_document(node: Node, actor: Actor, reference: str, sha256: str) -> Download:
    """A document of the request, for a member of its case; the download is recorded."""
    ref = check_request_reference(reference)
    authorize(node, actor, Action.CASE_READ, case_of_request(node, ref))
    path = document_path(node, sha256)
    with node.transaction() as session:
        row = load_request(session, ref)
        found = session.scalars(
            select(EventRow)
            .where(EventRow.request_id == row.id, EventRow.action.in_(DOCUMENT_KINDS))
            .order_by(EventRow.id)
        ).all()
        event = next((e for e in found if e.details.get("sha256") == sha256), None)
        if event is None or not path.exists():
            raise NotFound(f"no document {sha256[:12]}… on request {ref}", where="sha256")
        document = document_of(event)
        record_event(session, actor=actor.username, action=EventKind.DOCUMENT_EXPORTED,
                     why=f"{document.name} downloaded", case_id=row.case_id, request_id=row.id,
                     details={"sha256": sha256, "name": document.name})  # fmt: skip
    return Download(document, path.read_bytes())
