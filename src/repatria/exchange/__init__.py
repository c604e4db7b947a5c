"""The secure exchange between nodes, pure layer: directory, envelope, messages, handling,
receipts. Nothing here reads a clock, a database, the network or settings; callers pass
``now`` and key objects in, and get values (or a ``Rejected`` with its reason) back.

Usage, sender side::

    signed = sign_message(message, signing_key, signer_key_id, "ng-moj", "gb-uka", now)
    data = encrypt(signed, "ng-moj", "gb-uka", recipient_hpke_public, recipient_hpke_key_id)

receiver side::

    directory = verify_directory(directory_bytes, network_key, now, previous_version)
    opened = open_envelope(data, hpke_private_keys, "gb-uka", directory, now)
    opened.message_id, opened.message.payload, opened.message.implied_transition()

and the sender checks what comes back with ``verify_receipt``. See docs/exchange.md.
"""

from repatria.exchange.directory import (
    AuthorityContact,
    Directory,
    KeyUse,
    NodeEntry,
    NodeKey,
    UrgentChannel,
    make_key_id,
    sign_directory,
    verify_directory,
)
from repatria.exchange.envelope import (
    OpenedMessage,
    SignedContent,
    encrypt,
    open_envelope,
    read_header,
    seal,
    sign_message,
    verify_origin,
)
from repatria.exchange.handling import (
    Confidentiality,
    ConsentKind,
    ConsentRecord,
    Decision,
    Handling,
    HandlingCode,
    Purpose,
    Use,
    may_disclose_exculpatory,
    may_export,
    may_forward,
    may_use,
)
from repatria.exchange.messages import Message, MessageType
from repatria.exchange.receipt import (
    LogEvidence,
    NegativeReceipt,
    Receipt,
    ReceiptStatus,
    received_details,
    sign_negative_receipt,
    sign_receipt,
    verify_negative_receipt,
    verify_receipt,
)
from repatria.exchange.rejection import Reason, Rejected, reason_of

__all__ = [
    "AuthorityContact",
    "Confidentiality",
    "ConsentKind",
    "ConsentRecord",
    "Decision",
    "Directory",
    "Handling",
    "HandlingCode",
    "KeyUse",
    "LogEvidence",
    "Message",
    "MessageType",
    "NegativeReceipt",
    "NodeEntry",
    "NodeKey",
    "OpenedMessage",
    "Purpose",
    "Reason",
    "Receipt",
    "ReceiptStatus",
    "Rejected",
    "SignedContent",
    "UrgentChannel",
    "Use",
    "encrypt",
    "make_key_id",
    "may_disclose_exculpatory",
    "may_export",
    "may_forward",
    "may_use",
    "open_envelope",
    "read_header",
    "reason_of",
    "received_details",
    "seal",
    "sign_directory",
    "sign_message",
    "sign_negative_receipt",
    "sign_receipt",
    "verify_directory",
    "verify_negative_receipt",
    "verify_origin",
    "verify_receipt",
]
