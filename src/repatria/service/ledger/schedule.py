"""Witnessing on a schedule: each peer is asked to cosign what is new and gossiped with,
without anyone typing a command (issue 14.4).

``repatria serve`` runs ``run_due`` every few seconds (``service.witnessing_worker``). A
peer is due when its next attempt time has come. For a due peer:
- if our log holds leaves it has not cosigned, the current checkpoint is signed (after the
  audit, ``checkpoints.checkpoint_now``) and pushed to it (C2SP tlog-witness add-checkpoint),
  and the cosignature it returns is kept with the checkpoint;
- then one gossip round compares what it has seen of every log we witness with what we
  have (reliability.md R4): a split view raises an alarm, which stops cosigning as before.

A round that succeeds makes the peer due again after ``witnessing_seconds``, so a new event
is witnessed within about that time. A round that fails (the peer down, a refusal) doubles
the wait, from ``witnessing_seconds`` up to ``LONGEST_WAIT``, and keeps the error; the
admin page shows each peer's last attempt, last success, failures in a row, next attempt and
last error. While a self-audit alarm is open nothing is signed, so nothing is pushed; gossip
goes on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from repatria.errors import RepatriaError
from repatria.ledger.checkpoint import SignedCheckpoint
from repatria.service.ledger.append import SELF_AUDIT
from repatria.service.ledger.checkpoints import checkpoint_now
from repatria.service.ledger.witnessing import (
    GossipRound,
    Publication,
    gossip_with,
    publish_to,
)
from repatria.service.node import Node
from repatria.store.ledger_tables import AlarmRow, PeerRoundRow, PeerRow, SqlLogStorage

LONGEST_WAIT = timedelta(minutes=30)
"""The longest wait between two attempts at a peer that keeps failing."""

ERROR_LENGTH = 500
"""Characters of a failure's reason kept for the admin page."""


@dataclass(frozen=True, slots=True)
class PeerRound:
    """What one scheduled round with a peer did: the push (if there was something new), the
    gossip, or the error that stopped it, and when the peer is due again."""

    peer: str
    publication: Publication | None
    gossip: GossipRound | None
    error: str
    next_attempt_at: datetime

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass(frozen=True, slots=True)
class PeerSchedule:
    """A peer's witnessing rounds so far, for the admin page and ``repatria ledger peer list``."""

    peer: str
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    failures: int
    next_attempt_at: datetime | None
    last_error: str
    cosigned_size: int | None


def wait_after(failures: int, interval: timedelta) -> timedelta:
    """The wait before the next attempt: the interval after a success, doubled for each
    failure in a row, at most ``LONGEST_WAIT``."""
    if failures <= 0:
        return interval
    return min(interval * (1 << min(failures, 20)), LONGEST_WAIT)


def run_due(node: Node, now: datetime) -> list[PeerRound]:
    """One scheduled round with every peer that is due at ``now``."""
    interval = timedelta(seconds=node.settings.witnessing_seconds)
    with node.transaction() as session:
        peers = [(p.name, p.url) for p in session.scalars(select(PeerRow).order_by(PeerRow.name))]
        rounds = {r.peer: r for r in session.scalars(select(PeerRoundRow))}
        size = SqlLogStorage(session).read_head().size
        audit_alarm = session.scalar(
            select(AlarmRow.id).where(AlarmRow.kind == SELF_AUDIT, AlarmRow.cleared_at.is_(None))
        )
    signed: SignedCheckpoint | None = None
    done: list[PeerRound] = []
    for name, url in peers:
        kept = rounds.get(name)
        if kept is not None and kept.next_attempt_at > now:
            continue
        cosigned = kept.cosigned_size if kept is not None else None
        publication: Publication | None = None
        gossip: GossipRound | None = None
        error = ""
        try:
            if size and (cosigned is None or cosigned < size):
                if audit_alarm is not None:
                    raise _Skipped(
                        f"nothing is signed while self-audit alarm {audit_alarm} is open"
                    )
                signed = signed if signed is not None else checkpoint_now(node)
                publication = publish_to(node, signed, name, url)
                if publication.status is None or not 200 <= publication.status < 300:
                    error = (
                        f"asked to cosign our ledger up to {signed.checkpoint.size} entries: "
                        f"{publication.reason or f'answered HTTP {publication.status}'}"
                    )
                else:
                    cosigned = signed.checkpoint.size
            if not error:
                gossip = gossip_with(node, name)
        except (RepatriaError, _Skipped) as failure:
            error = str(failure)
        done.append(_record(node, name, now, interval, publication, gossip, error, cosigned))
    return done


class _Skipped(Exception):
    """A round that cannot push now, for a reason this node knows (an open alarm)."""


def _record(
    node: Node,
    name: str,
    now: datetime,
    interval: timedelta,
    publication: Publication | None,
    gossip: GossipRound | None,
    error: str,
    cosigned: int | None,
) -> PeerRound:
    with node.transaction() as session:
        row = session.get(PeerRoundRow, name)
        if row is None:
            row = PeerRoundRow(peer=name, failures=0, last_error="")
            session.add(row)
        row.last_attempt_at = now
        row.failures = 0 if not error else row.failures + 1
        row.next_attempt_at = now + wait_after(row.failures, interval)
        row.last_error = error[:ERROR_LENGTH]
        if not error:
            row.last_success_at = now
        if cosigned is not None:
            row.cosigned_size = max(cosigned, row.cosigned_size or 0)
        return PeerRound(name, publication, gossip, error, row.next_attempt_at)


def schedules(node: Node) -> list[PeerSchedule]:
    """Every peer's rounds so far, by name; a peer never tried has no times yet."""
    with node.transaction() as session:
        rounds = {r.peer: r for r in session.scalars(select(PeerRoundRow))}
        names = list(session.scalars(select(PeerRow.name).order_by(PeerRow.name)))
    result = []
    for name in names:
        row = rounds.get(name)
        if row is None:
            result.append(PeerSchedule(name, None, None, 0, None, "", None))
            continue
        result.append(
            PeerSchedule(
                name,
                row.last_attempt_at,
                row.last_success_at,
                row.failures,
                row.next_attempt_at,
                row.last_error,
                row.cosigned_size,
            )
        )
    return result
