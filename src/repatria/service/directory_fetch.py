"""The network directory reaches every node on its own: each node fetches it from its
publication point on a schedule (issue 14.5).

The network's operator signs a new directory (a node added, a key rotated, a contact point
changed) and accepts it on one node, or puts the file on any web server. Every node whose
``REPATRIA_DIRECTORY_URL`` points there fetches it every ``REPATRIA_DIRECTORY_FETCH_SECONDS``
(the delivery worker of ``repatria serve`` does) and accepts it under the same rules as a
directory given by hand (``network_directory.accept_directory``): the directory key's
signature, no version older than one accepted (R15, TUF-style rollback protection), not
issued in the future, not expired. A node serves the highest version it accepted at
``GET /api/exchange/directory/signed``, so any node can be another's publication point: the
signature, not the place, is what is trusted.

A publication point that offers an older version than one accepted is either stale or
replaying; the node keeps its version, and raises one alarm so that an operator looks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select

from repatria.adapters.directory_source import fetch_signed_directory
from repatria.errors import NotFound, PeerUnavailable, RepatriaError
from repatria.exchange.rejection import Reason, Rejected
from repatria.service.ledger.alarms import add_alarm_once
from repatria.service.network_directory import accept_directory, directory_key
from repatria.service.node import Node
from repatria.store.exchange_tables import DirectoryRow

ROLLBACK_ALARM = "directory-rollback"
FETCH_ACTOR = "node:directory-fetch"


class FetchOutcome(StrEnum):
    ACCEPTED = "accepted"
    UNCHANGED = "unchanged"
    REFUSED = "refused"
    UNREACHABLE = "unreachable"


@dataclass(frozen=True, slots=True)
class DirectoryFetch:
    """What one fetch did: the version now accepted, and why not when it was not."""

    url: str
    outcome: FetchOutcome
    version: int | None
    reason: str = ""


def fetch_directory(node: Node, now: datetime) -> DirectoryFetch:
    """Fetch the directory from ``REPATRIA_DIRECTORY_URL`` and accept it if it is newer."""
    url = node.settings.directory_url
    if not url:
        raise NotFound(
            "no publication point for the network directory is configured; set"
            " REPATRIA_DIRECTORY_URL",
            where="REPATRIA_DIRECTORY_URL",
        )
    anchor = directory_key(node.settings)
    highest = _highest(node)
    try:
        data = fetch_signed_directory(url, timeout=node.settings.peer_timeout_seconds)
    except PeerUnavailable as failed:
        return DirectoryFetch(url, FetchOutcome.UNREACHABLE, highest, failed.message)
    except RepatriaError as refused:  # e.g. larger than any directory
        return DirectoryFetch(url, FetchOutcome.REFUSED, highest, str(refused))
    try:
        version = accept_directory(node, data, anchor, now, actor=FETCH_ACTOR)
    except Rejected as refused:
        if refused.reason is Reason.ROLLBACK:
            with node.transaction() as session:
                add_alarm_once(
                    session,
                    url,
                    ROLLBACK_ALARM,
                    f"the directory's publication point {url} offers an older version than"
                    f" the one accepted: {refused.message}",
                )
        return DirectoryFetch(url, FetchOutcome.REFUSED, highest, str(refused))
    except RepatriaError as refused:
        return DirectoryFetch(url, FetchOutcome.REFUSED, highest, str(refused))
    outcome = FetchOutcome.UNCHANGED if version == highest else FetchOutcome.ACCEPTED
    return DirectoryFetch(url, outcome, version)


def published_directory(node: Node) -> bytes:
    """The signed bytes of the highest directory version this node accepted, as received:
    what ``GET /api/exchange/directory/signed`` serves to other nodes."""
    with node.transaction() as session:
        data = session.scalar(
            select(DirectoryRow.data).order_by(DirectoryRow.version.desc()).limit(1)
        )
    if data is None:
        raise NotFound("this node has accepted no network directory yet", where="directory")
    return bytes(data)


def _highest(node: Node) -> int | None:
    with node.transaction() as session:
        found: int | None = session.scalar(select(func.max(DirectoryRow.version)))
        return found
