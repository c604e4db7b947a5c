"""The flow picture and the lists of states to ask and accounts to freeze."""

from __future__ import annotations

import struct
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from lxml import etree  # type: ignore[import-untyped]

from repatria.errors import InvalidInput
from repatria.tracing.engine import MemorySource, Row
from repatria.tracing.flowgraph import (
    FlowGraph,
    assets_to_freeze,
    draw_flow,
    flow_graph,
    jurisdictions_to_ask,
)
from repatria.tracing.trace import trace

T0 = datetime(2024, 1, 1)
D = Decimal


def row(tid: str, day: int, payer: str, payee: str, amount: str, to: tuple[str, str]) -> Row:
    return Row(
        tid, T0 + timedelta(days=day), payer, payee, D(amount), to_country=to[0], to_bank=to[1]
    )


ROWS = [
    row("s1", 1, "victim", "ch-1", "1000", ("CH", "UBS")),
    row("t2", 2, "ch-1", "gb-1", "600", ("GB", "Barclays")),
    row("t3", 3, "ch-1", "gb-2", "300", ("GB", "HSBC")),
    row("t4", 4, "gb-1", "ae-1", "500", ("AE", "Emirates NBD")),
    row("t5", 5, "other", "ae-2", "50", ("AE", "Mashreq")),
]


def result():  # type: ignore[no-untyped-def]
    return trace(MemorySource(ROWS), ["s1"], "fifo")


def test_states_to_ask_are_ranked_by_tainted_balance() -> None:
    ranked = jurisdictions_to_ask(result())
    assert [(j.code, j.amount) for j in ranked] == [
        ("AE", D("500.00")),
        ("GB", D("400.00")),
        ("CH", D("100.00")),
    ]
    assert ranked[0].name == "United Arab Emirates"
    assert ranked[1].accounts == ("gb-2", "gb-1")  # 300 before 100


def test_assets_to_freeze_name_account_bank_and_country() -> None:
    targets = assets_to_freeze(result())
    assert [(t.account, t.bank, t.country, t.amount) for t in targets] == [
        ("ae-1", "Emirates NBD", "AE", D("500.00")),
        ("gb-2", "HSBC", "GB", D("300.00")),
        ("ch-1", "UBS", "CH", D("100.00")),  # equal amounts: by account name
        ("gb-1", "Barclays", "GB", D("100.00")),
    ]
    assert sum(t.amount for t in targets) == D("1000.00")  # every cent of the seed


def test_graph_groups_accounts_by_country_in_flow_order() -> None:
    graph = flow_graph(result())
    assert graph.countries == ("unknown", "CH", "GB", "AE")
    assert {(e.payer, e.payee, e.amount) for e in graph.edges} == {
        ("victim", "ch-1", D("1000.00")),
        ("ch-1", "gb-1", D("600.00")),
        ("ch-1", "gb-2", D("300.00")),
        ("gb-1", "ae-1", D("500.00")),
    }
    assert "ae-2" not in {a.account for a in graph.accounts}  # clean money is not drawn
    depth = {a.account: a.depth for a in graph.accounts}
    assert depth == {"victim": 0, "ch-1": 1, "gb-1": 2, "gb-2": 2, "ae-1": 3}
    small = flow_graph(result(), max_edges=2)
    assert len(small.edges) == 2 and small.left_out == 2


def test_pictures_are_drawn_as_svg_and_png() -> None:
    drawn = draw_flow(flow_graph(result()))
    assert set(drawn) == {"svg", "png"}
    tree = etree.fromstring(drawn["svg"])
    assert etree.QName(tree).localname == "svg"
    text = drawn["svg"].decode()
    for label in ("CH", "GB", "AE", "ae-1", "1,000.00"):
        assert label in text
    head = drawn["png"][:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", head[16:24])
    assert width > 300 and height > 200


def test_an_empty_graph_cannot_be_drawn() -> None:
    empty = FlowGraph(rule="fifo", accounts=(), edges=(), countries=(), left_out=0)
    with pytest.raises(InvalidInput, match="nothing to draw"):
        draw_flow(empty)
