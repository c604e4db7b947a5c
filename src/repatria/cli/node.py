"""Node commands: init, serve, users, contact points."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Annotated

import typer

from repatria.cli import output
from repatria.cli.context import current_actor, node_settings, opened_node
from repatria.cli.json_file import read_json_object
from repatria.cli.output import JsonFlag
from repatria.service import authorities as authority_service
from repatria.service import users as user_service
from repatria.service.node import init_node, open_node

user_app = typer.Typer(help="Accounts of this node.", no_args_is_help=True)
authority_app = typer.Typer(help="Contact points (UNCAC 46(13)-(14)).", no_args_is_help=True)


def init(
    jurisdiction: Annotated[str, typer.Option(help="ISO 3166-1 alpha-2 code, e.g. NG.")],
    authority: Annotated[str, typer.Option(help="Name of the authority that runs the node.")],
    node_id: Annotated[str, typer.Option("--node-id", help="Short id, e.g. ng-moj.")],
    language: Annotated[
        list[str], typer.Option("--language", help="Language the authority works in (repeat).")
    ],
    admin: Annotated[str, typer.Option(help="Username of the first administrator.")] = "admin",
    admin_password: Annotated[
        str | None,
        typer.Option(
            envvar="REPATRIA_ADMIN_PASSWORD",
            help="Password of the first administrator; generated and printed once if absent.",
        ),
    ] = None,
    json_out: JsonFlag = False,
) -> None:
    """Create a node: data directory, database, keys directory and configuration."""
    settings = node_settings()
    config = init_node(
        settings,
        node_id=node_id,
        jurisdiction=jurisdiction,
        authority=authority,
        languages=language,
    )
    generated = admin_password is None
    password = admin_password or secrets.token_urlsafe(18)
    node = open_node(settings)
    try:
        user_service.create_user(
            node, None, username=admin, password=password, roles=["node-admin"]
        )
    finally:
        node.close()
    result = {"node": config.to_dict(), "data_dir": str(settings.data_dir), "admin": admin}
    if json_out:
        output.emit_json(result | ({"admin_password": password} if generated else {}))
        return
    output.say(f"node [bold]{config.node_id}[/] ({config.jurisdiction}, {config.authority})")
    output.say(f"data directory: {settings.data_dir.resolve()}")
    if generated:
        output.say(f"administrator {admin}, password (shown once): {password}")


@user_app.command("add")
def user_add(
    username: str,
    role: Annotated[list[str], typer.Option("--role", help="Role (repeat).")],
    display_name: Annotated[str | None, typer.Option()] = None,
    password_env: Annotated[
        str,
        typer.Option(help="Environment variable holding the new user's password."),
    ] = "REPATRIA_NEW_PASSWORD",  # nosec B107  # the name of a variable, not a password
    json_out: JsonFlag = False,
) -> None:
    """Create an account (node administrators only)."""
    password = os.environ.get(password_env)
    if not password:
        password = typer.prompt(f"password for {username}", hide_input=True)
    with opened_node() as node:
        created = user_service.create_user(
            node,
            current_actor(node),
            username=username,
            password=password,
            roles=role,
            display_name=display_name,
        )
    roles = sorted(r.value for r in created.roles)
    if json_out:
        output.emit_json({"username": created.username, "roles": roles})
    else:
        output.say(f"user {created.username} created with roles {', '.join(roles)}")


@user_app.command("list")
def user_list(json_out: JsonFlag = False) -> None:
    """List accounts (node administrators only)."""
    with opened_node() as node:
        users = user_service.list_users(node, current_actor(node))
    if json_out:
        output.emit_json([u.to_dict() for u in users])
        return
    output.table(
        "Users",
        ["username", "name", "roles", "active"],
        [(u.username, u.display_name, ", ".join(u.roles), u.active) for u in users],
    )


@authority_app.command("add")
def authority_add(
    file: Annotated[Path, typer.Argument(help="JSON file with one contact point.")],
    json_out: JsonFlag = False,
) -> None:
    """Add a contact point from a JSON file."""
    data = read_json_object(file)
    with opened_node() as node:
        point = authority_service.add_contact_point(node, current_actor(node), data)
    if json_out:
        output.emit_json(point.to_dict())
    else:
        output.say(f"contact point {point.key} added ({point.jurisdiction}, {point.role.value})")


@authority_app.command("list")
def authority_list(
    jurisdiction: Annotated[str | None, typer.Option()] = None, json_out: JsonFlag = False
) -> None:
    """List known contact points."""
    with opened_node() as node:
        points = authority_service.list_contact_points(
            node, current_actor(node), jurisdiction=jurisdiction
        )
    if json_out:
        output.emit_json([p.to_dict() for p in points])
        return
    output.table(
        "Contact points",
        ["key", "jurisdiction", "role", "name", "languages", "24/7"],
        [
            (p.key, p.jurisdiction, p.role.value, p.name, ", ".join(p.languages), p.urgent_24_7)
            for p in points
        ],
    )
