"""Exchange commands: join a network, see what travelled, run a delivery round.

Two kinds of user: the network's operator (a secretariat) keeps the directory key and signs
directories from the nodes' entries (``directory-key``, ``sign-directory``: no node needed);
each node's operator publishes its entry, accepts directories and watches the outbox. Case
officers see the messages of their requests (``messages``).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from repatria.adapters.http_transport import HttpTransport
from repatria.cli import output
from repatria.cli.context import current_actor, opened_node
from repatria.cli.output import JsonFlag
from repatria.errors import InvalidInput
from repatria.exchange.directory import sign_directory
from repatria.service import deliveries, spontaneous
from repatria.service import network_directory as network

app = typer.Typer(
    help="Secure exchange between nodes: directory, outbox, inbox, delivery.",
    no_args_is_help=True,
)

PASSPHRASE_ENV = "REPATRIA_DIRECTORY_PASSPHRASE"  # nosec B105  # a variable's name, not its value


def _passphrase(confirm: bool = False) -> str:
    value = os.environ.get(PASSPHRASE_ENV)
    if value is None:
        value = typer.prompt(
            "directory key passphrase", hide_input=True, confirmation_prompt=confirm
        )
    return value


def _read_json(file: Path, where: str) -> Any:
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(f"no file {file}", where=where) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as bad:
        raise InvalidInput(f"{file} is not JSON: {bad}", where=where) from None


@app.command("directory-key")
def directory_key(
    out: Annotated[Path, typer.Option("--output", help="Where to keep the private key.")],
) -> None:
    """Create the network's directory key (network operator); prints the public key that
    every node sets as REPATRIA_DIRECTORY_KEY. Passphrase from REPATRIA_DIRECTORY_PASSPHRASE
    or a prompt."""
    public = network.create_directory_key(out, _passphrase(confirm=True))
    output.say(f"directory key written to {out} (mode 0600, encrypted)")
    output.say(f"REPATRIA_DIRECTORY_KEY={network.public_text(public)}")


@app.command("entry")
def entry(
    endpoint: Annotated[str, typer.Option(help="This node's https URL as peers reach it.")],
    days: Annotated[int, typer.Option(help="Days until the entry expires.")] = 90,
    out: Annotated[Path | None, typer.Option("--output", help="Write the entry here.")] = None,
) -> None:
    """This node's directory entry (id, state, authority, endpoint, languages, public keys),
    for the network's operator to sign into the directory."""
    with opened_node() as node:
        data = network.node_entry(node, endpoint, days=days).to_dict()
    text = json.dumps(data, indent=2, sort_keys=True)
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        output.say(f"entry of {data['id']} → {out}")


@app.command("sign-directory")
def sign(
    key: Annotated[Path, typer.Option(help="The directory key file.")],
    entry_files: Annotated[
        list[Path], typer.Option("--entry", help="A node's entry (JSON); repeat.")
    ],
    version: Annotated[int, typer.Option(help="Directory version; must grow each time.")],
    out: Annotated[Path, typer.Option("--output", help="Where to write the signed directory.")],
    contacts: Annotated[
        Path | None, typer.Option(help="JSON list of authorities' contact points.")
    ] = None,
    network_name: Annotated[str, typer.Option("--network", help="Network name.")] = "repatria",
    days: Annotated[int, typer.Option(help="Days until the directory expires.")] = 30,
) -> None:
    """Sign a directory from the nodes' entries and the contact points (network operator)."""
    entries = [_read_json(f, f"entry {f}") for f in entry_files]
    points = _read_json(contacts, "contacts") if contacts is not None else []
    if not isinstance(points, list):
        raise InvalidInput("contacts must be a JSON list of contact points", where="contacts")
    directory = network.build_directory(
        network=network_name, version=version, days=days, entries=entries, contacts=points,
        now=datetime.now(UTC).replace(microsecond=0),
    )  # fmt: skip
    private = network.load_directory_key(key, _passphrase())
    out.write_bytes(sign_directory(directory, private))
    output.say(
        f"directory {network_name} v{version}: {len(entries)} node(s), {len(points)} contact"
        f" point(s), valid {days} days → {out}"
    )


@app.command("accept")
def accept(
    file: Annotated[Path, typer.Argument(help="A signed directory (JSON).")],
    json_out: JsonFlag = False,
) -> None:
    """Accept a signed directory (node operator): checked against REPATRIA_DIRECTORY_KEY,
    refused when older than the one accepted (rollback) or expired."""
    with opened_node() as node:
        accepted = deliveries.accept(node, current_actor(node), file.read_bytes())
    nodes = [n.node_id for n in accepted.nodes]
    if json_out:
        output.emit_json({"version": accepted.version, "network": accepted.network, "nodes": nodes})
    else:
        output.say(f"accepted directory {accepted.network} v{accepted.version}: {', '.join(nodes)}")


@app.command("directory")
def show_directory(json_out: JsonFlag = False) -> None:
    """The accepted directory: nodes with their keys, and the contact points (46(13)-(14))."""
    with opened_node() as node:
        current_actor(node)
        directory = network.current_directory(node)
    if json_out:
        output.emit_json(directory.to_dict())
        return
    output.say(
        f"network {directory.network} v{directory.version}, expires"
        f" {directory.expires_at.isoformat()}"
    )
    output.table(
        "nodes",
        ["id", "state", "authority", "endpoint", "languages", "expires"],
        [(n.node_id, n.jurisdiction, n.authority, n.endpoint, ", ".join(n.languages),
          n.expires_at.date()) for n in directory.nodes],
    )  # fmt: skip
    output.table(
        "contact points",
        ["state", "role", "name", "languages", "node", "urgent (24/7)"],
        [(c.jurisdiction, c.role.value, c.name, ", ".join(c.languages), c.node_id,
          "yes" if c.urgent else "no") for c in directory.contacts],
    )  # fmt: skip


def _trace_rows(found: list[deliveries.MessageTrace]) -> list[tuple[Any, ...]]:
    return [
        (t.at.isoformat(timespec="seconds"), t.direction, t.type, t.peer, t.state, t.attempts,
         t.receipt_status or "", t.message_id[:16], t.last_error[:60])
        for t in found
    ]  # fmt: skip


_TRACE_COLUMNS = ["at", "direction", "type", "peer", "state", "attempts", "receipt", "message",
                  "last error"]  # fmt: skip


def _emit(title: str, found: list[deliveries.MessageTrace], json_out: bool) -> None:
    if json_out:
        output.emit_json([asdict(t) for t in found])
    else:
        output.table(title, _TRACE_COLUMNS, _trace_rows(found))


@app.command("messages")
def messages(
    reference: Annotated[str, typer.Argument(help="The request's reference.")],
    json_out: JsonFlag = False,
) -> None:
    """Messages sent and received for a request: delivery state, attempts, receipt."""
    with opened_node() as node:
        found = deliveries.request_messages(node, current_actor(node), reference)
    _emit(f"messages of {reference}", found, json_out)


@app.command("outbox")
def outbox(
    state: Annotated[str | None, typer.Option(help="pending, delivered or failed.")] = None,
    json_out: JsonFlag = False,
) -> None:
    """The outbox as metadata (node operator), newest first."""
    with opened_node() as node:
        found = deliveries.outbox(node, current_actor(node), state)
    _emit("outbox", found, json_out)


@app.command("inbox")
def inbox(json_out: JsonFlag = False) -> None:
    """The inbox as metadata (node operator), newest first."""
    with opened_node() as node:
        found = deliveries.inbox(node, current_actor(node))
    _emit("inbox", found, json_out)


@app.command("deliver")
def deliver(json_out: JsonFlag = False) -> None:
    """Run one delivery round now (node operator); `repatria serve` does this continuously."""
    with opened_node() as node:
        actor = current_actor(node)
        transport = HttpTransport(timeout=node.settings.peer_timeout_seconds)
        try:
            attempts = deliveries.deliver_now(node, actor, transport)
        finally:
            transport.close()
    if json_out:
        output.emit_json([asdict(a) for a in attempts])
        return
    output.table(
        "delivery round",
        ["message", "state", "attempts", "error"],
        [(a.message_id[:16], a.state, a.attempts, a.error[:80]) for a in attempts],
    )


@app.command("spontaneous")
def spontaneous_information(
    case: Annotated[str, typer.Argument(help="The case the information comes from.")],
    to: Annotated[str, typer.Option("--to", help="The receiving node's id (see the directory).")],
    basis: Annotated[str, typer.Option(help="46(4) (any offence) or 56 (proceeds).")],
    summary: Annotated[str, typer.Option(help="What the information is.")],
) -> None:
    """Send information without a request (UNCAC 46(4)-(5), 56); supervisors."""
    with opened_node() as node:
        message_id = spontaneous.send_spontaneous(
            node, current_actor(node), case, recipient=to, basis=basis, summary=summary
        )
    output.say(f"queued for {to}: message {message_id[:16]}…")
