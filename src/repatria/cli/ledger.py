"""Ledger commands: verify, export, prove, check a proof, checkpoints, keys, peers, alarms.

``verify --bundle`` and ``check-proof`` need no node: anyone holding a bundle or a proof and
the node's log key (its vkey, got from the operator out of band) can run them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from repatria.cli import output
from repatria.cli.context import current_actor, opened_node
from repatria.cli.output import JsonFlag
from repatria.errors import InvalidInput, VerificationFailed
from repatria.ledger.bundle import Bundle, check_inclusion_proof, verify_bundle
from repatria.ledger.note import Ed25519Verifier
from repatria.ledger.witnessing import RefusalReason
from repatria.service import cases as case_service
from repatria.service import keys as key_service
from repatria.service.ledger import alarms as ledger_alarms
from repatria.service.ledger import checkpoints as ledger_checkpoints
from repatria.service.ledger import verification as ledger_verification
from repatria.service.ledger import witnessing as ledger_witnessing
from repatria.web.witness_status import WITNESS_STATUS

app = typer.Typer(
    help="The tamper-evident ledger: verify, export, prove, witness peers.", no_args_is_help=True
)
peer_app = typer.Typer(help="Peers whose logs this node witnesses.", no_args_is_help=True)
app.add_typer(peer_app, name="peer")

KeyOption = Annotated[
    list[str],
    typer.Option("--key", help="Trusted log key (vkey) of the node; repeat for old keys."),
]


@app.command("verify")
def verify(
    bundle: Annotated[
        Path | None, typer.Option("--bundle", help="Check an exported bundle offline instead.")
    ] = None,
    key: KeyOption = [],  # noqa: B006  (Typer reads the default; it is never mutated)
    json_out: JsonFlag = False,
) -> None:
    """Check the log end to end: every leaf rehashed, every stored hash, every signature."""
    if bundle is not None:
        if not key:
            raise InvalidInput("give the node's log key with --key VKEY", where="key")
        report = verify_bundle(
            Bundle.from_json(bundle.read_bytes()), [Ed25519Verifier.from_vkey(k) for k in key]
        )
    else:
        with opened_node() as node:
            report = ledger_verification.verify_node_log(node)
    result = {
        "ok": report.ok,
        "size": report.size,
        "checkpoints_verified": report.checkpoints_verified,
        "cosignatures": report.cosignatures,
        "problems": report.problems,
    }
    if json_out:
        output.emit_json(result)
    else:
        output.fields(
            "ledger verification",
            [
                ("leaves", report.size),
                ("checkpoints verified", report.checkpoints_verified),
                ("cosignatures", ", ".join(f"{k}: {v}" for k, v in report.cosignatures.items())),
                ("result", "ok" if report.ok else f"{len(report.problems)} problem(s)"),
            ],
        )
        for problem in report.problems[:50]:
            output.say(f"  [red]✗[/] {problem}")
    if not report.ok:
        first = report.problems[0] if report.problems else "no checkpoint verified"
        raise VerificationFailed(f"the log does not verify: {first}", where="ledger")


@app.command("export")
def export(
    out: Annotated[Path, typer.Option("--output", help="Where to write the bundle (JSON).")],
) -> None:
    """Write leaves, checkpoints, cosignatures and public keys to one bundle file."""
    with opened_node() as node:
        bundle = ledger_verification.export_bundle(node, current_actor(node))
    out.write_text(bundle.to_json() + "\n", encoding="utf-8")
    output.say(f"{len(bundle.leaves)} leaves, {len(bundle.checkpoints)} checkpoints → {out}")
    for entry in bundle.keys:
        output.say(f"log/witness key: {entry['vkey']}")


@app.command("prove")
def prove(
    event_id: Annotated[int, typer.Argument(help="Id of the event (see the case timeline).")],
    out: Annotated[Path | None, typer.Option("--output", help="Write the proof here.")] = None,
) -> None:
    """Print the proof that an event is in the log under a signed checkpoint.

    The same rule as the API's: an event of a case to its members, others to auditors and
    node administrators."""
    with opened_node() as node:
        proof = case_service.prove_event(node, current_actor(node), event_id).to_dict()
    text = json.dumps(proof, indent=2) + "\n"
    if out is None:
        output.emit_json(proof)
    else:
        out.write_text(text, encoding="utf-8")
        output.say(f"proof of event {event_id} (leaf {proof['leaf_index']}) → {out}")


@app.command("check-proof")
def check_proof(
    file: Annotated[Path, typer.Argument(help="A proof written by `repatria ledger prove`.")],
    key: KeyOption = [],  # noqa: B006
) -> None:
    """Check an inclusion proof offline against the node's log key."""
    if not key:
        raise InvalidInput("give the node's log key with --key VKEY", where="key")
    try:
        document = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{file} is not JSON: {exc.msg}", where=str(file)) from None
    checkpoint = check_inclusion_proof(document, [Ed25519Verifier.from_vkey(k) for k in key])
    output.say(
        f"ok: event {document['event_id']} is leaf {document['leaf_index']} of "
        f"{checkpoint.origin} at size {checkpoint.size}"
    )


@app.command("checkpoint")
def checkpoint() -> None:
    """Recompute the tree from every stored leaf and sign a checkpoint."""
    with opened_node() as node:
        signed = ledger_checkpoints.checkpoint_now(node)
    output.say(signed.note)


@app.command("keys")
def keys(json_out: JsonFlag = False) -> None:
    """The node's public keys (vkeys), current and retired."""
    with opened_node() as node:
        info = key_service.public_keys(node)
    if json_out:
        output.emit_json(info.to_dict())
        return
    output.table(
        f"keys of {info.origin}",
        ["purpose", "fingerprint", "valid from", "retired", "vkey"],
        [
            (k["purpose"], k["fingerprint"], k["created_at"], k["retired_at"], k.get("vkey", ""))
            for k in (key.to_dict() for key in info.keys)
        ],
    )


@app.command("rotate-key")
def rotate_key(
    purpose: Annotated[str, typer.Argument(help="signing, witness or hpke.")],
    why: Annotated[str, typer.Option(help="Why the key is replaced.")],
) -> None:
    """Retire the current key of a purpose and make a new one (old ones stay for verifying).
    A new signing or HPKE key is cross-signed by the signing key held before; give the
    operator this node's new entry (`repatria exchange entry`) to sign into the directory."""
    with opened_node() as node:
        new = key_service.rotate_key(node, current_actor(node), purpose, why)
    output.say(f"new {purpose} key {new.fingerprint}")
    if new.purpose in key_service.DIRECTORY_USE:
        output.say(
            "cross-signed by the previous signing key; send the network's operator this"
            " node's entry (`repatria exchange entry --endpoint URL`) for the next directory"
        )


@app.command("witness")
def witness(
    peer: Annotated[str | None, typer.Argument(help="One peer; default: every peer.")] = None,
    json_out: JsonFlag = False,
) -> None:
    """Fetch peers' checkpoints, check consistency, persist, cosign, push the cosignature."""
    with opened_node() as node:
        names = [peer] if peer else [p.name for p in ledger_witnessing.peers(node)]
        results = [ledger_witnessing.witness_peer(node, name) for name in names]
    if json_out:
        output.emit_json([_shown(r.to_dict()) for r in results])
    else:
        output.table(
            "witnessing",
            ["peer", "size", "cosigned", "reason", "alarm"],
            [(r.peer, r.size, r.cosigned, r.reason, r.alarm) for r in results],
        )
    if any(r.alarm for r in results):
        raise VerificationFailed("a peer's log forked or went back; see `repatria ledger alarms`")


def _shown(result: dict[str, Any]) -> dict[str, Any]:
    """A pulled refusal is shown with the tlog-witness status it would have had if pushed,
    as ``ledger witness --json`` always has; the table of statuses is the web shell's."""
    return {
        ("status" if key == "refusal" else key): (
            WITNESS_STATUS[RefusalReason(value)][0] if key == "refusal" else value
        )
        for key, value in result.items()
    }


@app.command("gossip")
def gossip(
    peer: Annotated[str | None, typer.Argument(help="One peer; default: every peer.")] = None,
    json_out: JsonFlag = False,
) -> None:
    """Compare the checkpoints peers saw of the logs we witness; alarm on a split view."""
    with opened_node() as node:
        names = [peer] if peer else [p.name for p in ledger_witnessing.peers(node)]
        results = [ledger_witnessing.gossip_with(node, name) for name in names]
    if json_out:
        output.emit_json([r.to_dict() for r in results])
    else:
        output.table(
            "gossip",
            ["peer", "fetched", "rejected", "alarms"],
            [(r.peer, r.fetched, r.rejected, list(r.alarms)) for r in results],
        )
    if any(r.alarms for r in results):
        raise VerificationFailed("peers saw a split view; see `repatria ledger alarms`")


@app.command("publish")
def publish(json_out: JsonFlag = False) -> None:
    """Sign a checkpoint and ask every peer's witness to cosign it."""
    with opened_node() as node:
        results = ledger_witnessing.publish_checkpoint(node)
    if json_out:
        output.emit_json([r.to_dict() for r in results])
        return
    output.table(
        "publication",
        ["peer", "status", "cosignatures", "reason"],
        [(r.peer, r.status, r.cosignatures, r.reason) for r in results],
    )


@app.command("alarms")
def alarms(
    include_cleared: Annotated[bool, typer.Option("--all", help="Cleared ones too.")] = False,
    json_out: JsonFlag = False,
) -> None:
    """Forks, rollbacks and failed self-audits, with both signed checkpoints as evidence."""
    with opened_node() as node:
        found = ledger_alarms.read_alarms(
            node, current_actor(node), include_cleared=include_cleared
        )
    if json_out:
        output.emit_json([a.to_dict() for a in found])
        return
    if not found:
        output.say("no open ledger alarm")
        return
    for alarm in found:
        state = f"cleared by {alarm.cleared_by}" if alarm.cleared_at else "OPEN"
        output.say(
            f"[bold red]alarm {alarm.id}[/] {alarm.kind} on {alarm.origin} "
            f"({state}): {alarm.reason}"
        )
        for label, note in (
            ("previous_checkpoint", alarm.previous_checkpoint),
            ("new_checkpoint", alarm.new_checkpoint),
        ):
            if note:
                output.say(f"{label}:\n{note}")


@app.command("clear-alarm")
def clear_alarm(
    alarm_id: Annotated[int, typer.Argument(help="Alarm number.")],
    why: Annotated[str, typer.Option(help="What was found and done.")],
) -> None:
    """Record an operator's decision on an alarm; cosigning for the origin resumes."""
    with opened_node() as node:
        ledger_alarms.clear_alarm(node, current_actor(node), alarm_id, why)
    output.say(f"alarm {alarm_id} cleared")


@peer_app.command("add")
def peer_add(
    name: Annotated[str, typer.Argument(help="Short name, e.g. gb-ukca.")],
    url: Annotated[str, typer.Option(help="Base URL of the peer node.")],
    log_key: Annotated[str, typer.Option("--log-key", help="The peer's log vkey.")],
    witness_key: Annotated[str, typer.Option("--witness-key", help="The peer's witness vkey.")],
) -> None:
    """Configure a peer (a node admin's act, recorded as an event)."""
    with opened_node() as node:
        peer = ledger_witnessing.add_peer(
            node, current_actor(node), name, url, log_key, witness_key
        )
    output.say(f"peer {peer.name} ({peer.origin}) at {peer.url}")


@peer_app.command("list")
def peer_list(json_out: JsonFlag = False) -> None:
    """Configured peers and the size of their log this node last cosigned."""
    with opened_node() as node:
        found = ledger_witnessing.peers(node)
    if json_out:
        output.emit_json([p.to_dict() for p in found])
        return
    output.table(
        "ledger peers",
        ["name", "url", "origin", "witnessed size", "at"],
        [(p.name, p.url, p.origin, p.witnessed_size, p.witnessed_at) for p in found],
    )
