"""Pictures of a traced money flow, and the lists a case needs from it.

* :func:`flow_graph` turns a :class:`~repatria.tracing.trace.TraceResult` into accounts
  (grouped by the country that holds them) and tainted flows between them;
  :func:`draw_flow` draws it as SVG and PNG bytes with matplotlib (Agg backend, no display, no
  graphviz) using a layout of its own: one column per country, countries ordered by how
  early the money reaches them, accounts ordered within a column the same way; line width
  grows with the tainted amount, the circle with the tainted balance left.
* :func:`jurisdictions_to_ask`: the states whose accounts hold tainted balances, largest
  first. These are the states to send requests to (UNCAC art. 46(3)(g) tracing proceeds,
  art. 54-55 freezing and confiscation on request; Council of Europe Warsaw Convention
  (CETS 198) art. 17 requests for information on bank accounts).
* :func:`assets_to_freeze`: the accounts with tainted balances, their banks and countries,
  largest first: the provisional measures to ask for (UNCAC art. 31(2), 54(2); FATF
  Recommendation 4).
"""

from __future__ import annotations

import io
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from repatria.domain.jurisdiction import parse_jurisdiction
from repatria.errors import InvalidInput
from repatria.tracing.trace import TraceResult

__all__ = [
    "FlowAccount",
    "FlowEdge",
    "FlowGraph",
    "FreezeTarget",
    "JurisdictionToAsk",
    "assets_to_freeze",
    "draw_flow",
    "flow_graph",
    "jurisdictions_to_ask",
]

UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class FlowAccount:
    """An account on the flow: where it is held, how far from the seeds, what it keeps."""

    account: str
    country: str
    bank: str | None
    tainted_balance: Decimal
    depth: int


@dataclass(frozen=True, slots=True)
class FlowEdge:
    """Tainted money from one account to another (all payments between them summed)."""

    payer: str
    payee: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class FlowGraph:
    """The traced flow: accounts, edges and countries in drawing order."""

    rule: str
    accounts: tuple[FlowAccount, ...]
    edges: tuple[FlowEdge, ...]
    countries: tuple[str, ...]
    left_out: int
    """Edges below the ``max_edges`` largest, not drawn (their amounts are in no edge)."""


def _depths(edges: list[FlowEdge]) -> dict[str, int]:
    """Hops from the accounts that pay tainted money without receiving any (the sources)."""
    receivers = {e.payee for e in edges}
    out: dict[str, list[str]] = {}
    for e in edges:
        out.setdefault(e.payer, []).append(e.payee)
    nodes = {e.payer for e in edges} | receivers
    start = sorted(n for n in nodes if n not in receivers) or sorted(nodes)[:1]
    depth = {n: 0 for n in start}
    queue = deque(start)
    while queue:
        node = queue.popleft()
        for nxt in sorted(out.get(node, [])):
            if nxt not in depth:
                depth[nxt] = depth[node] + 1
                queue.append(nxt)
    for n in sorted(nodes):  # parts of a cycle not reached from a source
        depth.setdefault(n, 0)
    return depth


def flow_graph(result: TraceResult, *, max_edges: int = 200) -> FlowGraph:
    """The graph of ``result``: its ``max_edges`` largest flows and every account on them."""
    ranked = sorted(
        (FlowEdge(p, q, amount) for (p, q), amount in result.flows.items()),
        key=lambda e: (-e.amount, e.payer, e.payee),
    )
    edges = ranked[:max_edges]
    depth = _depths(edges)
    names = set(depth) if edges else set(result.accounts)
    accounts = []
    for name in sorted(names):
        place = result.places.get(name)
        accounts.append(
            FlowAccount(
                account=name,
                country=(place.country if place and place.country else UNKNOWN),
                bank=place.bank if place else None,
                tainted_balance=result.accounts.get(name, Decimal("0.00")),
                depth=depth.get(name, 0),
            )
        )
    first_seen: dict[str, int] = {}
    for a in accounts:
        first_seen[a.country] = min(first_seen.get(a.country, a.depth), a.depth)
    countries = tuple(sorted(first_seen, key=lambda c: (first_seen[c], c == UNKNOWN, c)))
    accounts.sort(key=lambda a: (countries.index(a.country), a.depth, a.account))
    return FlowGraph(
        rule=result.rule.value,
        accounts=tuple(accounts),
        edges=tuple(edges),
        countries=countries,
        left_out=len(ranked) - len(edges),
    )


def _slots(graph: FlowGraph) -> dict[str, list[int]]:
    """Per country, the depths present: each depth is one sub-column inside the country."""
    slots: dict[str, list[int]] = {c: [] for c in graph.countries}
    for a in graph.accounts:
        if a.depth not in slots[a.country]:
            slots[a.country].append(a.depth)
    return {c: sorted(d) for c, d in slots.items()}


def _positions(graph: FlowGraph) -> tuple[dict[str, tuple[float, float]], dict[str, float]]:
    """Account positions, and the x of each country's left edge (money flows left to right)."""
    slots = _slots(graph)
    left: dict[str, float] = {}
    x0 = 0.0
    pos: dict[str, tuple[float, float]] = {}
    for country in graph.countries:
        left[country] = x0
        for i, d in enumerate(slots[country]):
            members = [a for a in graph.accounts if a.country == country and a.depth == d]
            for y, a in enumerate(members):
                pos[a.account] = (x0 + 1.5 + 3.0 * i, -float(y) * 1.2)
        x0 += 3.0 * len(slots[country]) + 0.6
    left["_end"] = x0
    return pos, left


def _short(name: str, limit: int = 18) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def draw_flow(graph: FlowGraph, formats: Sequence[str] = ("svg", "png")) -> dict[str, bytes]:
    """Draw ``graph`` in each of ``formats`` (matplotlib's names: svg, png, pdf); the bytes,
    by format. Writing them is the caller's (``repatria.adapters.picture.write_picture``)."""
    if not graph.accounts:
        raise InvalidInput("nothing to draw: the trace reached no account", where="graph")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, Rectangle

    pos, left = _positions(graph)
    rows = float(max(-y / 1.2 for _, y in pos.values()) + 1.0)
    width = max(6.0, left["_end"] * 1.1)
    height = max(4.0, 1.2 * rows + 2.0)
    fig, ax = plt.subplots(figsize=(width, height))
    ax.set_axis_off()
    top_amount = max((e.amount for e in graph.edges), default=Decimal(1)) or Decimal(1)
    top_balance = max((a.tainted_balance for a in graph.accounts), default=Decimal(0))
    for i, country in enumerate(graph.countries):
        end = left[graph.countries[i + 1]] if i + 1 < len(graph.countries) else left["_end"]
        ax.add_patch(
            Rectangle(
                (left[country] + 0.1, -1.2 * rows + 0.2),
                end - left[country] - 0.8,
                1.2 * rows + 0.9,
                facecolor="#f2f2f2",
                edgecolor="#999999",
                zorder=0,
            )
        )
        ax.text(
            (left[country] + end - 0.6) / 2,
            1.2,
            country,
            ha="center",
            va="bottom",
            fontsize=11,
            weight="bold",
        )
    for e in graph.edges:
        (x0, y0), (x1, y1) = pos[e.payer], pos[e.payee]
        line = 0.8 + 7.0 * float(e.amount / top_amount)
        ax.add_patch(
            FancyArrowPatch(
                (x0, y0),
                (x1, y1),
                arrowstyle="-|>",
                mutation_scale=12,
                linewidth=line,
                color="#b03030",
                alpha=0.6,
                connectionstyle="arc3,rad=0.15" if e.payer != e.payee else "arc3,rad=1.0",
                zorder=1,
            )
        )
        ax.text((x0 + x1) / 2, (y0 + y1) / 2 + 0.12, f"{e.amount:,}", fontsize=7, ha="center")
    for a in graph.accounts:
        px, py = pos[a.account]
        size = 60.0
        if top_balance > 0:
            size += 500.0 * float(a.tainted_balance / top_balance)
        ax.scatter([px], [py], s=size, color="#202060", zorder=2)
        label = _short(a.account)
        if a.tainted_balance > 0:
            label += f"\nkeeps {a.tainted_balance:,}"
        ax.text(px, py - 0.3, label, ha="center", va="top", fontsize=7, zorder=3)
    note = f"rule: {graph.rule}"
    if graph.left_out:
        note += f"; {graph.left_out} smaller flows not drawn"
    ax.set_title(f"Traced money flow ({note})", fontsize=10)
    ax.set_xlim(-0.2, left["_end"])
    ax.set_ylim(-1.2 * rows - 0.2, 1.8)
    drawn = {}
    for fmt in formats:
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, dpi=120)
        drawn[fmt] = buffer.getvalue()
    plt.close(fig)
    return drawn


@dataclass(frozen=True, slots=True)
class JurisdictionToAsk:
    """A state holding tainted balances: its code, name, the total and the accounts."""

    code: str
    name: str
    amount: Decimal
    accounts: tuple[str, ...]


def jurisdictions_to_ask(result: TraceResult) -> list[JurisdictionToAsk]:
    """States whose accounts hold tainted balances, largest total first.

    Accounts without a known country are not listed here; they show under ``"unknown"`` in
    ``result.by_country()`` and need the bank to be asked first.
    """
    totals: dict[str, Decimal] = {}
    members: dict[str, list[str]] = {}
    for account, amount in result.accounts.items():
        place = result.places.get(account)
        if place is None or not place.country:
            continue
        totals[place.country] = totals.get(place.country, Decimal("0.00")) + amount
        members.setdefault(place.country, []).append(account)
    ranked = sorted(totals, key=lambda c: (-totals[c], c))
    return [
        JurisdictionToAsk(
            code=c,
            name=parse_jurisdiction(c, where="country").name,
            amount=totals[c],
            accounts=tuple(sorted(members[c], key=lambda a: (-result.accounts[a], a))),
        )
        for c in ranked
    ]


@dataclass(frozen=True, slots=True)
class FreezeTarget:
    """An account to freeze: where, at which bank, and the tainted balance it holds."""

    account: str
    bank: str | None
    country: str | None
    amount: Decimal


def assets_to_freeze(result: TraceResult) -> list[FreezeTarget]:
    """Accounts with tainted balances, with bank and country, largest first."""
    targets = []
    for account, amount in result.accounts.items():
        place = result.places.get(account)
        targets.append(
            FreezeTarget(
                account=account,
                bank=place.bank if place else None,
                country=place.country if place else None,
                amount=amount,
            )
        )
    return sorted(targets, key=lambda t: (-t.amount, t.account))
