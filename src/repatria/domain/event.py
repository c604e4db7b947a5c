"""Events: the record of who did what, when and why.

Every state change in a node writes exactly one event in the same transaction
as the change (NIST SP 800-53 AU-3: what, when, where, source, outcome, who).
Events are the record, never a log line; the ledger (RFC 9162) later commits
to their canonical form so that history cannot be rewritten unseen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from repatria.domain.lifecycle import TransitionName


class EventKind(StrEnum):
    """Every kind of event a node records; the value is the wire string stored in the event
    row and committed to by its ledger leaf (docs/ledger.md, "Leaves"), so a value never
    changes once released. The label is what a case officer reads on a timeline."""

    CASE_OPENED = "case.opened"
    CASE_MEMBER_ADDED = "case.member-added"
    CASE_MEMBER_REMOVED = "case.member-removed"
    ENTITY_ADDED = "entity.added"
    ENTITY_UPDATED = "entity.updated"
    REQUEST_DRAFTED = "request.drafted"
    REQUEST_RECEIVED = "request.received"
    REQUEST_MARK_READY = "request.mark-ready"
    REQUEST_REVISE = "request.revise"
    REQUEST_SEND = "request.send"
    REQUEST_ACKNOWLEDGE = "request.acknowledge"
    REQUEST_REQUEST_ADDITIONAL_INFORMATION = "request.request-additional-information"
    REQUEST_PROVIDE_ADDITIONAL_INFORMATION = "request.provide-additional-information"
    REQUEST_START_EXECUTION = "request.start-execution"
    REQUEST_OPEN_CONSULTATION = "request.open-consultation"
    REQUEST_AGREE_CONDITIONS = "request.agree-conditions"
    REQUEST_POSTPONE = "request.postpone"
    REQUEST_RESUME_EXECUTION = "request.resume-execution"
    REQUEST_EXECUTE_PARTIALLY = "request.execute-partially"
    REQUEST_COMPLETE_EXECUTION = "request.complete-execution"
    REQUEST_REFUSE = "request.refuse"
    REQUEST_WITHDRAW = "request.withdraw"
    REQUEST_STATUS_INQUIRY = "request.status-inquiry"
    REQUEST_STATUS_ANSWER = "request.status-answer"
    REQUEST_CONDITIONS_ANSWERED = "request.conditions-answered"
    REQUEST_DOCUMENT_SAVED = "request.document-saved"
    REQUEST_RENDERED = "request.rendered"
    TRACE_RUN = "trace.run"
    INFORMATION_SENT_SPONTANEOUSLY = "information.sent-spontaneously"
    MESSAGE_QUEUED = "message.queued"
    MESSAGE_RECEIPTED = "message.receipted"
    MESSAGE_FAILED = "message.failed"
    MESSAGE_RECEIVED = "message.received"
    MESSAGE_UNAPPLIED = "message.unapplied"
    MESSAGE_EXPORTED = "message.exported"
    MESSAGE_EXPORT_REFUSED = "message.export-refused"
    MESSAGE_USED = "message.used"
    MESSAGE_USE_REFUSED = "message.use-refused"
    MESSAGE_FORWARD_ALLOWED = "message.forward-allowed"
    MESSAGE_FORWARD_REFUSED = "message.forward-refused"
    MESSAGE_ACCESS_REFUSED = "message.access-refused"
    DOCUMENT_ATTACHED = "document.attached"
    DOCUMENT_RECEIVED = "document.received"
    DOCUMENT_EXPORTED = "document.exported"
    CONSENT_ASKED = "consent.asked"
    CONSENT_ANSWERED = "consent.answered"
    CONSENT_REQUESTED = "consent.requested"
    CONSENT_GRANTED = "consent.granted"
    CONSENT_REFUSED = "consent.refused"
    USER_CREATED = "user.created"
    USER_ENABLED = "user.enabled"
    USER_DISABLED = "user.disabled"
    SIGN_IN_FAILED = "user.sign-in-failed"
    SIGN_IN_PAUSED = "user.sign-in-paused"
    CREDENTIAL_ISSUED_API = "credential.issued.api"
    CREDENTIAL_ISSUED_SESSION = "credential.issued.session"
    CREDENTIAL_REVOKED_API = "credential.revoked.api"
    CREDENTIAL_REVOKED_SESSION = "credential.revoked.session"
    AUTHORITY_ADDED = "authority.added"
    KEYS_ROTATED = "keys.rotated"
    DIRECTORY_ACCEPTED = "directory.accepted"
    LEDGER_PEER_ADDED = "ledger.peer-added"
    LEDGER_ALARM_CLEARED = "ledger.alarm-cleared"

    @classmethod
    def of_transition(cls, name: TransitionName) -> EventKind:
        """The event a move of the request lifecycle records (``request.<move>``)."""
        return cls(f"request.{name.value}")

    @classmethod
    def credential_issued(cls, kind: str) -> EventKind:
        return cls(f"credential.issued.{kind}")

    @classmethod
    def credential_revoked(cls, kind: str) -> EventKind:
        return cls(f"credential.revoked.{kind}")

    @property
    def label(self) -> str:
        """The kind in words, for timelines: "request.send" reads "Request sent"."""
        return EVENT_LABELS[self]


EVENT_LABELS: dict[EventKind, str] = {
    EventKind.CASE_OPENED: "Case opened",
    EventKind.CASE_MEMBER_ADDED: "Member assigned to the case",
    EventKind.CASE_MEMBER_REMOVED: "Member removed from the case",
    EventKind.ENTITY_ADDED: "Entity added",
    EventKind.ENTITY_UPDATED: "Entity corrected",
    EventKind.REQUEST_DRAFTED: "Request drafted",
    EventKind.REQUEST_RECEIVED: "Request received",
    EventKind.REQUEST_MARK_READY: "Request marked ready",
    EventKind.REQUEST_REVISE: "Request returned to draft",
    EventKind.REQUEST_SEND: "Request sent",
    EventKind.REQUEST_ACKNOWLEDGE: "Receipt acknowledged",
    EventKind.REQUEST_REQUEST_ADDITIONAL_INFORMATION: "Additional information asked (46(16))",
    EventKind.REQUEST_PROVIDE_ADDITIONAL_INFORMATION: "Additional information provided (46(16))",
    EventKind.REQUEST_START_EXECUTION: "Execution started",
    EventKind.REQUEST_OPEN_CONSULTATION: "Consultation opened (46(26))",
    EventKind.REQUEST_AGREE_CONDITIONS: "Conditions agreed (46(26))",
    EventKind.REQUEST_POSTPONE: "Execution postponed (46(25))",
    EventKind.REQUEST_RESUME_EXECUTION: "Execution resumed",
    EventKind.REQUEST_EXECUTE_PARTIALLY: "Partly executed",
    EventKind.REQUEST_COMPLETE_EXECUTION: "Executed",
    EventKind.REQUEST_REFUSE: "Refused (46(21))",
    EventKind.REQUEST_WITHDRAW: "Withdrawn",
    EventKind.REQUEST_STATUS_INQUIRY: "Status inquiry (46(24))",
    EventKind.REQUEST_STATUS_ANSWER: "Status inquiry answered (46(24))",
    EventKind.REQUEST_CONDITIONS_ANSWERED: "Conditions answered (46(26))",
    EventKind.REQUEST_DOCUMENT_SAVED: "Request document saved",
    EventKind.REQUEST_RENDERED: "Request document rendered",
    EventKind.TRACE_RUN: "Proceeds traced",
    EventKind.INFORMATION_SENT_SPONTANEOUSLY: "Information sent spontaneously (46(4), 56)",
    EventKind.MESSAGE_QUEUED: "Message queued for delivery",
    EventKind.MESSAGE_RECEIPTED: "Delivery receipted",
    EventKind.MESSAGE_FAILED: "Delivery failed",
    EventKind.MESSAGE_RECEIVED: "Message received",
    EventKind.MESSAGE_UNAPPLIED: "Message received but not applied",
    EventKind.MESSAGE_EXPORTED: "Received material exported",
    EventKind.MESSAGE_EXPORT_REFUSED: "Export of received material refused (46(19))",
    EventKind.MESSAGE_USED: "Received material used in a case",
    EventKind.MESSAGE_USE_REFUSED: "Use of received material refused (46(19))",
    EventKind.MESSAGE_FORWARD_ALLOWED: "Forwarding allowed",
    EventKind.MESSAGE_FORWARD_REFUSED: "Forwarding refused (46(20))",
    EventKind.MESSAGE_ACCESS_REFUSED: "Reading of received material refused (46(20))",
    EventKind.DOCUMENT_ATTACHED: "Document attached to a message",
    EventKind.DOCUMENT_RECEIVED: "Document received with a message",
    EventKind.DOCUMENT_EXPORTED: "Document downloaded",
    EventKind.CONSENT_ASKED: "Consent asked of the originator (46(19))",
    EventKind.CONSENT_ANSWERED: "Consent answered (46(19))",
    EventKind.CONSENT_REQUESTED: "Consent requested by the other state (46(19))",
    EventKind.CONSENT_GRANTED: "Consent granted (46(19))",
    EventKind.CONSENT_REFUSED: "Consent refused (46(19))",
    EventKind.USER_CREATED: "User created",
    EventKind.USER_ENABLED: "User enabled",
    EventKind.USER_DISABLED: "User disabled",
    EventKind.SIGN_IN_FAILED: "Sign-in failed",
    EventKind.SIGN_IN_PAUSED: "Sign-in paused after repeated failures",
    EventKind.CREDENTIAL_ISSUED_API: "API token issued",
    EventKind.CREDENTIAL_ISSUED_SESSION: "Signed in",
    EventKind.CREDENTIAL_REVOKED_API: "API token revoked",
    EventKind.CREDENTIAL_REVOKED_SESSION: "Signed out",
    EventKind.AUTHORITY_ADDED: "Authority added to the directory",
    EventKind.KEYS_ROTATED: "Node key rotated",
    EventKind.DIRECTORY_ACCEPTED: "Network directory accepted",
    EventKind.LEDGER_PEER_ADDED: "Ledger witness peer added",
    EventKind.LEDGER_ALARM_CLEARED: "Ledger alarm cleared",
}


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    at: datetime
    actor: str
    action: str
    why: str
    case_reference: str | None
    request_reference: str | None = None
    entity_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The event's kind in words; an action no ``EventKind`` names is shown as stored."""
        try:
            return EventKind(self.action).label
        except ValueError:
            return self.action

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "why": self.why,
            "case": self.case_reference,
            "request": self.request_reference,
            "entity": self.entity_id,
            "details": self.details,
        }
