"""What a node administrator reads on one page: accounts, ledger witnesses, alarms, keys.

The administrator runs the node but sees no case content (``domain.access``), so the page
is made of the node-wide, read-only views the services already give, each behind its own
authorisation: accounts (``users.list_users``), the ledger peers this node witnesses and how
far (``ledger.witnessing.peers``), how the scheduled witnessing rounds with each went
(``ledger.schedule.schedules``), open ledger alarms (``ledger.alarms.read_alarms``) and the
node's public keys (``keys.public_keys``, public anyway).
"""

from __future__ import annotations

from dataclasses import dataclass

from repatria.domain.access import Action
from repatria.service.access import authorize
from repatria.service.actor import Actor
from repatria.service.keys import PublicKeys, public_keys
from repatria.service.ledger.alarms import AlarmView, read_alarms
from repatria.service.ledger.schedule import PeerSchedule, schedules
from repatria.service.ledger.witnessing import PeerView, peers
from repatria.service.node import Node
from repatria.service.users import UserView, list_users


@dataclass(frozen=True, slots=True)
class NodeOverview:
    """The node as its administrator sees it; nothing here belongs to a case."""

    users: tuple[UserView, ...]
    peers: tuple[PeerView, ...]
    rounds: dict[str, PeerSchedule]
    alarms: tuple[AlarmView, ...]
    keys: PublicKeys


def node_overview(node: Node, actor: Actor) -> NodeOverview:
    """Accounts, witnesses, open alarms and keys; each part authorised and recorded."""
    users = list_users(node, actor)
    authorize(
        node, actor, Action.LEDGER_PEERS, refusal="only a node-admin may read the ledger peers"
    )
    return NodeOverview(
        users=tuple(users),
        peers=tuple(peers(node)),
        rounds={s.peer: s for s in schedules(node)},
        alarms=tuple(read_alarms(node, actor)),
        keys=public_keys(node),
    )
