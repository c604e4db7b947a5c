"""Received messages under use limitation: list, export, use, forward, ask and answer consent.

Each command calls ``service.use_limitation``, which decides from the originator's handling
(UNCAC 46(19)-(20)) and records the decision in the case; a refusal exits with the
permission-denied code and prints the decision's reason and article.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from repatria.cli import output
from repatria.cli.context import current_actor, opened_node
from repatria.cli.output import JsonFlag
from repatria.exchange.handling import Decision
from repatria.service import use_limitation

app = typer.Typer(
    help="Received messages: what their originator allows, and consent to do more (46(19)).",
    no_args_is_help=True,
)

MessageId = Annotated[str, typer.Argument(help="The message id (64 hex digits).")]


def _message_dict(m: use_limitation.ReceivedMessage) -> dict[str, Any]:
    return {
        "message_id": m.message_id,
        "type": m.type,
        "sender": m.sender,
        "created_at": m.created_at,
        "received_at": m.received_at,
        "case": m.case,
        "handling": m.handling.to_dict(),
        "outcome": m.outcome,
        "payload": m.payload,
        "in_reply_to": m.in_reply_to,
    }


def _decision_dict(d: Decision) -> dict[str, Any]:
    return {
        "allowed": d.allowed,
        "reason": d.reason,
        "article": d.article,
        "obligations": list(d.obligations),
    }


def _say_decision(d: Decision) -> None:
    output.say(f"[bold]allowed[/]: {d.reason} ({d.article})")
    for duty in d.obligations:
        output.say(f"  condition: {duty}")


@app.command("list")
def list_received(
    request: Annotated[str, typer.Argument(help="Request reference, e.g. GB-2026-0001-R01.")],
    json_out: JsonFlag = False,
) -> None:
    """Messages received for a request, with level, handling codes and what they did here."""
    with opened_node() as node:
        found = use_limitation.received_messages(node, current_actor(node), request)
    if json_out:
        output.emit_json([_message_dict(m) for m in found])
        return
    rows = [
        (
            m.message_id[:16],
            m.type,
            m.sender,
            m.received_at,
            m.handling.level.value,
            " ".join(sorted(c.value for c in m.handling.codes)),
            ", ".join(sorted(p.value for p in m.handling.purposes)),
            ", ".join(m.handling.cases),
            m.outcome,
        )
        for m in found
    ]
    columns = ["id", "type", "sender", "received", "level", "codes", "purposes", "cases", "outcome"]
    output.table("Received messages", columns, rows)


@app.command("export")
def export(
    message_id: MessageId,
    out: Annotated[Path, typer.Option("--output", help="Where to write the signed content.")],
    json_out: JsonFlag = False,
) -> None:
    """Write the sender's signed content (verifiable origin), if export is allowed."""
    with opened_node() as node:
        done = use_limitation.export_message(node, current_actor(node), message_id)
    out.write_bytes(done.content)
    if json_out:
        output.emit_json({"message_id": done.message_id, "output": str(out),
                          "decision": _decision_dict(done.decision)})  # fmt: skip
    else:
        output.say(f"signed content of {done.message_id} written to {out}")
        _say_decision(done.decision)


@app.command("use")
def use(
    message_id: MessageId,
    case: Annotated[str, typer.Argument(help="The case to use it in.")],
    purpose: Annotated[str, typer.Argument(help="investigation, prosecution, ...")],
    json_out: JsonFlag = False,
) -> None:
    """Use the message for a purpose in a case (recorded), if its originator allows it."""
    with opened_node() as node:
        decision = use_limitation.use_in_case(node, current_actor(node), message_id, case, purpose)
    if json_out:
        output.emit_json(_decision_dict(decision))
    else:
        _say_decision(decision)


@app.command("forward")
def forward(
    message_id: MessageId,
    recipient: Annotated[str, typer.Argument(help="The node it would go to.")],
    json_out: JsonFlag = False,
) -> None:
    """Whether the message may be passed to another node (the decision only)."""
    with opened_node() as node:
        decision = use_limitation.forward_message(node, current_actor(node), message_id, recipient)
    if json_out:
        output.emit_json(_decision_dict(decision))
    else:
        _say_decision(decision)
        output.say("re-sending to another node is not built; pass it on by the usual channel")


@app.command("ask")
def ask(
    message_id: MessageId,
    kind: Annotated[str, typer.Argument(help="use, forward or export")],
    reason: Annotated[str, typer.Option(help="Why consent is needed.")],
    purpose: Annotated[str | None, typer.Option(help="For kind use.")] = None,
    case: Annotated[str | None, typer.Option(help="For kind use: the case.")] = None,
    recipient: Annotated[str | None, typer.Option(help="For kind forward: the node.")] = None,
    again: Annotated[bool, typer.Option(help="Ask again after a refusal.")] = False,
    json_out: JsonFlag = False,
) -> None:
    """Ask the originator's prior consent (46(19)); the request travels as a message."""
    with opened_node() as node:
        sent = use_limitation.ask_consent(
            node, current_actor(node), message_id, kind, purpose=purpose,
            case_reference=case, recipient=recipient, reason=reason, again=again,
        )  # fmt: skip
    if json_out:
        output.emit_json({"message_id": sent})
    else:
        output.say(f"consent request [bold]{sent}[/] queued for the originator")


@app.command("answer")
def answer(
    message_id: Annotated[str, typer.Argument(help="The consent request's message id.")],
    grant: Annotated[bool, typer.Option("--grant/--refuse", help="The decision.")],
    condition: Annotated[
        list[str] | None, typer.Option(help="A condition of the consent; repeat.")
    ] = None,
    json_out: JsonFlag = False,
) -> None:
    """Answer a consent request (supervisors: the central authority decides)."""
    with opened_node() as node:
        sent = use_limitation.answer_consent(
            node, current_actor(node), message_id, grant, tuple(condition or ())
        )
    if json_out:
        output.emit_json({"message_id": sent, "granted": grant})
    else:
        verdict = "granted" if grant else "refused"
        output.say(f"consent {verdict}; answer [bold]{sent}[/] queued for the asker")
