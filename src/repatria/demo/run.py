"""Play the demo: two central authorities, one fictional case, both nodes served.

The story: Nigeria investigates bribes paid for oil licences; the money went
through a UK shell company into a London flat. Nigeria's central authority
drafts a request to the United Kingdom for bank records and a freezing order
under UNCAC Arts. 46 and 54(2), a supervisor sends it, and the UK node records
it as an incoming request and acknowledges it. Later issues extend this story
(legal basis, the rendered request, sealed exchange, ledger, tracing).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess  # nosec B404  # starts this interpreter on repatria itself, argv list, no shell
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from repatria.adapters.http_transport import HttpTransport
from repatria.crypto.keystore import KeyPurpose
from repatria.domain.authority import AuthorityRole
from repatria.exchange.directory import AuthorityContact, Directory, UrgentChannel, sign_directory
from repatria.service import (
    authorities,
    cases,
    drafting,
    entities,
    keys,
    requests,
    tracing,
    users,
)
from repatria.service.actor import Actor
from repatria.service.exchange import accept_directory, deliver_due
from repatria.service.ledger import checkpoints as ledger_checkpoints
from repatria.service.ledger import witnessing as ledger_witnessing
from repatria.service.network_directory import node_entry
from repatria.service.node import Node, init_node, open_node
from repatria.settings import Settings


@dataclass(frozen=True, slots=True)
class DemoUser:
    username: str
    password: str
    roles: tuple[str, ...]
    display_name: str


@dataclass(frozen=True, slots=True)
class DemoNode:
    key: str
    node_id: str
    jurisdiction: str
    authority: str
    users: tuple[DemoUser, ...]


def _users(suffix: str, country: str) -> tuple[DemoUser, ...]:
    return (
        DemoUser(f"admin.{suffix}", f"demo-admin-{suffix}-2026", ("node-admin",), f"Node administrator ({country})"),
        DemoUser(f"officer.{suffix}", f"demo-officer-{suffix}-2026", ("case-officer",), f"Case officer ({country})"),
        DemoUser(f"supervisor.{suffix}", f"demo-supervisor-{suffix}-2026", ("supervisor",), f"Supervisor ({country})"),
        DemoUser(f"reviewer.{suffix}", f"demo-reviewer-{suffix}-2026", ("privilege-reviewer",), f"Privilege reviewer ({country})"),
        DemoUser(f"auditor.{suffix}", f"demo-auditor-{suffix}-2026", ("auditor",), f"Auditor ({country})"),
    )  # fmt: skip


NIGERIA = DemoNode(
    "ng",
    "ng-fmoj",
    "NG",
    "Federal Ministry of Justice, Central Authority Unit (Nigeria)",
    _users("ng", "Nigeria"),
)
UNITED_KINGDOM = DemoNode(
    "gb",
    "gb-ukca",
    "GB",
    "UK Central Authority (United Kingdom)",
    _users("gb", "United Kingdom"),
)

CONTACT_POINTS: tuple[dict[str, Any], ...] = (
    {
        "key": "ng-central-authority",
        "name": "Federal Ministry of Justice, Central Authority Unit",
        "role": "central-authority",
        "jurisdiction": "NG",
        "languages": ["en"],
        "channels": ["central-authority", "repatria"],
        "email": "central.authority@demo.invalid",
        "urgent_24_7": True,
    },
    {
        "key": "gb-uk-central-authority",
        "name": "UK Central Authority",
        "role": "central-authority",
        "jurisdiction": "GB",
        "languages": ["en"],
        "channels": ["central-authority", "repatria"],
        "email": "ukca@demo.invalid",
        "urgent_24_7": False,
    },
    {
        "key": "gb-nca-iaru",
        "name": "National Crime Agency, International Anti-Corruption Coordination Centre",
        "role": "asset-recovery-office",
        "jurisdiction": "GB",
        "languages": ["en"],
        "channels": ["direct", "interpol"],
        "urgent_24_7": True,
    },
)

CASE = {
    "title": "Operation Delta Crude: bribes for oil block licences laundered through London",
    "summary": (
        "Between 2019 and 2020 Bonny Delta Petroleum Services Ltd paid USD 5.55 million to"
        " Marlin Crest Holdings Ltd, a UK company beneficially owned by a former licensing"
        " director, for 'consultancy' never performed. GBP 1.8 million then moved to the"
        " director's personal UK account and a London flat was bought. All names are fictional."
    ),
    "offences": ["bribery of national public officials", "money laundering"],
}

REQUEST = {
    "direction": "outgoing",
    "requesting_state": "NG",
    "requested_state": "GB",
    "measures": ["records"],
    "title": "Bank records of Marlin Crest Holdings Ltd and of the former licensing director",
    "summary": (
        "The Economic and Financial Crimes Commission investigates bribery of a public official"
        " (Criminal Code Act s. 98) and money laundering (Money Laundering (Prevention and"
        " Prohibition) Act 2022 s. 18). Payments of USD 2,450,000 on 2019-06-12 and USD 3,100,000"
        " on 2019-11-28 reached account GB29NWBK60161331926819; GBP 1,800,000 went on to"
        " GB60BARC20000055779911 and a flat in London W8 was bought on 2020-03-17. We ask for the"
        " account records 2019-01-01 to 2021-12-31."
    ),
    "legal_basis": "UNCAC",
    "deadline": "2027-02-28",
    "deadline_reason": "The suspect's trial opens in March 2027; the records are needed as evidence.",
    "urgent": False,
    "confidential": True,
    "subjects": [
        "person-okonkwo",
        "company-marlin-crest",
        "account-gb-marlin",
        "realestate-kensington",
    ],
}


def demo_entities() -> list[dict[str, Any]]:
    text = resources.files("repatria.demo").joinpath("entities.json").read_text(encoding="utf-8")
    data: list[dict[str, Any]] = json.loads(text)
    return data


FREEZING_REQUEST = REQUEST | {
    "measures": ["freezing"],
    "title": "Freezing of the Kensington flat and the two London accounts",
    "summary": (
        "The flat at 18 Abingdon Gardens, London W8, and accounts GB29NWBK60161331926819 and"
        " GB60BARC20000055779911 hold the proceeds of the bribes; we ask that they be frozen"
        " pending confiscation (UNCAC Art. 54(2)(b), 55(2))."
    ),
    "deadline": None,
    "deadline_reason": None,
}


def demo_document(reference: str, kind: str = "records") -> dict[str, Any]:
    """A complete drafted request of the demo (46(15)-(16), 55(3)), dated today."""
    name = f"request-{kind}.json"
    text = resources.files("repatria.demo").joinpath(name).read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    today = datetime.now(UTC).date()
    document["reference"] = reference
    document["date"] = today.isoformat()
    if "signature" in document:
        document["signature"]["date"] = today.isoformat()
    if "deadline" in document:
        document["deadline"]["date"] = (today + timedelta(days=90)).isoformat()
    return document


def _setup_node(base: Path, spec: DemoNode) -> tuple[Settings, Node, dict[str, Actor]]:
    settings = Settings(data_dir=base / spec.key)
    init_node(
        settings,
        node_id=spec.node_id,
        jurisdiction=spec.jurisdiction,
        authority=spec.authority,
        languages=["en"],
    )
    node = open_node(settings)
    actors: dict[str, Actor] = {}
    admin = None
    for user in spec.users:
        actor = users.create_user(
            node,
            admin,
            username=user.username,
            password=user.password,
            roles=list(user.roles),
            display_name=user.display_name,
        )
        admin = admin or actor
        actors[user.roles[0]] = actor
    for point in CONTACT_POINTS:
        authorities.add_contact_point(node, actors["node-admin"], dict(point))
    return settings, node, actors


@dataclass(frozen=True, slots=True)
class DemoResult:
    ng_trace: str
    ng_dir: Path
    gb_dir: Path
    ng_case: str
    ng_request: str
    gb_case: str
    gb_request: str


def load_scenario(base: Path, *, ng_port: int = 8701, gb_port: int = 8702) -> DemoResult:
    """Create both nodes afresh and play the case up to the UK's acknowledgement."""
    if base.exists():
        shutil.rmtree(base)
    base.mkdir(parents=True)
    ng_settings, ng, ng_actors = _setup_node(base, NIGERIA)
    gb_settings, gb, gb_actors = _setup_node(base, UNITED_KINGDOM)
    try:
        # The two nodes form a network: one directory signed by the network's key,
        # accepted by both, naming each state's central authority and its node.
        join_network(base, (ng, gb), {ng.config.node_id: ng_port, gb.config.node_id: gb_port})
        supervisor, officer = ng_actors["supervisor"], ng_actors["case-officer"]
        case = cases.open_case(ng, supervisor, CASE)
        for username, why in (
            ("officer.ng", "lead case officer for Operation Delta Crude"),
            ("reviewer.ng", "reviews privileged material seized in Lagos"),
            ("auditor.ng", "case selected for the annual compliance audit"),
        ):
            cases.assign_member(ng, supervisor, case.reference, username, why)
        for entity in demo_entities():
            entities.put_entity(ng, officer, case.reference, entity)
        with resources.as_file(
            resources.files("repatria.demo").joinpath("transactions.csv")
        ) as records:
            trace = tracing.trace_case(
                ng, officer, case.reference, Path(records), ["DC-001"], "fifo"
            )
        request = requests.open_request(ng, officer, case.reference, REQUEST)
        drafting.save_document(ng, officer, request.reference, demo_document(request.reference))
        requests.apply_transition(
            ng, officer, request.reference, "mark-ready", why="draft complete and checked"
        )
        rendered = base / "rendered"
        rendered.mkdir()
        for lang in ("en", "fr"):
            pdf = drafting.render_request(ng, officer, request.reference, lang=lang, fmt="pdf")
            (rendered / f"{request.reference}-{lang}.pdf").write_bytes(pdf)
        docx = drafting.render_request(ng, officer, request.reference, lang="en", fmt="docx")
        (rendered / f"{request.reference}-en.docx").write_bytes(docx)
        freezing = requests.open_request(ng, officer, case.reference, FREEZING_REQUEST)
        drafting.save_document(
            ng, officer, freezing.reference, demo_document(freezing.reference, "freezing")
        )
        requests.apply_transition(
            ng, officer, freezing.reference, "mark-ready", why="ready for the supervisor"
        )
        requests.apply_transition(
            ng, supervisor, request.reference, "send", why="approved for transmission to the UKCA"
        )

        gb_supervisor, gb_officer = gb_actors["supervisor"], gb_actors["case-officer"]
        # ``send`` above queued the sealed request in NG's outbox; it now travels over real
        # HTTP to GB, which opens the incoming request for its supervisors.
        _deliver(ng, gb, gb_port)
        incoming_case, incoming = _incoming_request(gb, gb_supervisor)
        cases.assign_member(gb, gb_supervisor, incoming_case, "officer.gb", "allocated to execute")
        requests.apply_transition(
            gb, gb_officer, incoming, "acknowledge", why="received by the UKCA"
        )
        _deliver(gb, ng, ng_port)  # the acknowledgement travels back the same way
        # Each node witnesses the other's ledger (C2SP tlog-witness): peers, then a first
        # signed checkpoint on each side; cosigning happens once both are served.
        for here, there, port, spec in (
            (ng, gb, gb_port, UNITED_KINGDOM),
            (gb, ng, ng_port, NIGERIA),
        ):
            theirs = keys.public_keys(there)
            log_vkey = theirs.current_vkey(KeyPurpose.SIGNING)
            witness_vkey = theirs.current_vkey(KeyPurpose.WITNESS)
            admin = users.find_user(here, f"admin.{'ng' if here is ng else 'gb'}")
            ledger_witnessing.add_peer(
                here, admin, spec.node_id, f"http://127.0.0.1:{port}", log_vkey, witness_vkey
            )
        ledger_checkpoints.checkpoint_now(ng)
        ledger_checkpoints.checkpoint_now(gb)
        return DemoResult(
            trace.trace,
            ng_settings.data_dir,
            gb_settings.data_dir,
            case.reference,
            request.reference,
            incoming_case,
            incoming,
        )
    finally:
        ng.close()
        gb.close()


def join_network(base: Path, nodes: tuple[Node, ...], ports: dict[str, int]) -> Path:
    """Make the demo's network: a directory key, a directory listing every node with its
    real keys and loopback endpoint and each state's central authority, accepted by all."""
    network = base / "network"
    network.mkdir(exist_ok=True)
    key = Ed25519PrivateKey.generate()
    now = datetime.now(UTC)
    entries = tuple(node_entry(n, f"http://127.0.0.1:{ports[n.config.node_id]}") for n in nodes)
    contacts = tuple(
        AuthorityContact(
            key=f"{n.config.node_id}-ca",
            name=n.config.authority,
            role=AuthorityRole.CENTRAL_AUTHORITY,
            jurisdiction=n.config.jurisdiction,
            languages=tuple(n.config.languages) or ("en",),
            node_id=n.config.node_id,
            urgent=UrgentChannel(phone=None, email=None, node_id=n.config.node_id),
            expires_at=now + timedelta(days=90),
        )
        for n in nodes
    )
    directory = Directory(
        network="repatria-demo",
        version=1,
        issued_at=now - timedelta(minutes=1),
        expires_at=now + timedelta(days=90),
        nodes=entries,
        contacts=contacts,
    )
    data = sign_directory(directory, key)
    (network / "directory.json").write_bytes(data)
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    (network / "directory-key.pub").write_text(base64.b64encode(public).decode() + "\n")
    for node in nodes:
        accept_directory(node, data, key.public_key(), now, actor="demo")
    return network


def _deliver(sender: Node, receiver: Node, port: int) -> None:
    """Serve ``receiver`` on its port for a moment and let ``sender`` deliver its outbox."""
    transport = HttpTransport(timeout=30.0)
    try:
        with serving_briefly(receiver, port):
            attempts = deliver_due(sender, transport, datetime.now(UTC))
    finally:
        transport.close()
    failed = [a for a in attempts if a.state != "delivered"]
    if failed:
        raise RuntimeError(f"demo delivery failed: {failed}")


def _incoming_request(gb: Node, supervisor: Actor) -> tuple[str, str]:
    found = requests.list_requests(gb, supervisor, requests.RequestFilter(direction="incoming"))
    if len(found) != 1:
        raise RuntimeError(f"expected one incoming request at GB, found {len(found)}")
    return found[0].case_reference, found[0].reference


def _serve(data_dir: Path, port: int, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # nosec B603  # sys.executable -m repatria, our own arguments, no shell
        [
            sys.executable,
            "-m",
            "repatria",
            "--data-dir",
            str(data_dir),
            "serve",
            "--port",
            str(port),
        ],
        env=os.environ | (env or {}),
    )


@contextmanager
def serving_briefly(node: Node, port: int) -> Iterator[str]:
    """Serve ``node`` as its own ``repatria serve`` process (worker off) while in the block."""
    url = f"http://127.0.0.1:{port}"
    process = _serve(
        node.settings.data_dir,
        port,
        {"REPATRIA_EXCHANGE_WORKER": "false", "REPATRIA_WITNESSING_WORKER": "false"},
    )
    try:
        _wait_healthy(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def _wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the node behind {url} exited with code {process.returncode}")
        try:
            if httpx.get(f"{url}/api/health", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the node behind {url} did not answer within {timeout:.0f} s")


def _stop(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def run_demo(base: Path, *, serve: bool, ng_port: int, gb_port: int) -> DemoResult:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"[bold]repatria demo[/]: setting up two nodes in {base.resolve()}")
    result = load_scenario(base, ng_port=ng_port, gb_port=gb_port)
    nodes = ((NIGERIA, result.ng_dir, ng_port), (UNITED_KINGDOM, result.gb_dir, gb_port))
    console.print(
        f"Nigeria: case {result.ng_case}, request {result.ng_request} (sent, acknowledged)\n"
        f"United Kingdom: case {result.gb_case}, incoming request {result.gb_request}"
        " (acknowledged)\n"
        f"The Nigerian case holds trace {result.ng_trace} of the diverted licence fees: open the"
        " case page to see the money flow and draft freezing requests to the states holding it.\n"
        f"The request to the United Kingdom, rendered: {base.resolve() / 'rendered'}"
    )
    for spec, _dir, port in nodes:
        table = Table(
            title=f"{spec.authority}\nhttp://127.0.0.1:{port}/ : sign in with",
            title_justify="left",
        )
        for column in ("username", "password", "role"):
            table.add_column(column, no_wrap=True)
        for user in spec.users:
            table.add_row(user.username, user.password, user.roles[0])
        console.print(table)
    if not serve:
        return result
    processes = [_serve(d, port) for _spec, d, port in nodes]
    signal.signal(signal.SIGTERM, _stop)
    try:
        for (spec, _d, port), process in zip(nodes, processes, strict=True):
            _wait_healthy(f"http://127.0.0.1:{port}", process)
            console.print(f"[green]serving[/] {spec.authority}: http://127.0.0.1:{port}/")
        for data_dir in (result.ng_dir, result.gb_dir):
            node = open_node(Settings(data_dir=data_dir))
            try:
                for answer in ledger_witnessing.publish_checkpoint(node):
                    console.print(
                        f"ledger of {node.config.node_id} witnessed by {answer.peer}:"
                        f" {answer.cosignatures} cosignature(s)"
                        + (f" ({answer.reason})" if answer.reason else "")
                    )
            finally:
                node.close()
        console.print("Press Ctrl-C to stop both nodes.")
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        console.print("stopping")
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    return result
