"""Use cases of ``service.entities``: FollowTheMoney entities kept in a case."""

from __future__ import annotations

import pytest

from repatria.errors import InvalidInput, NotFound, PermissionDenied
from repatria.service import entities
from repatria.service.entities import CaseEntity
from repatria.service.node import Node
from tests.conftest import CaseFixture, People, snapshot

ACCOUNT = {
    "id": "account-1",
    "schema": "BankAccount",
    "properties": {"accountNumber": ["GB-1"], "bankName": ["Marlin"]},
}


def test_put_list_and_get_give_the_stored_ftm_json(
    node: Node, people: People, ng_case: CaseFixture
) -> None:
    held = [e.id for e in entities.list_entities(node, people.reviewer, ng_case.case)]
    accounts = [
        e.id
        for e in entities.list_entities(node, people.reviewer, ng_case.case, schema="BankAccount")
    ]
    stored = entities.put_entity(node, people.officer, ng_case.case, ACCOUNT)
    assert isinstance(stored, CaseEntity)
    assert (stored.id, stored.schema) == ("account-1", "BankAccount")
    assert stored.properties["accountNumber"] == ["GB-1"]
    assert stored.to_dict()["properties"] == stored.properties
    listed = entities.list_entities(node, people.reviewer, ng_case.case, schema="BankAccount")
    assert [e.id for e in listed] == [*accounts, "account-1"]
    assert [e.id for e in entities.list_entities(node, people.reviewer, ng_case.case)] == [
        *held,
        "account-1",
    ]
    assert held[0] == ng_case.entity
    fetched = entities.get_entity(node, people.reviewer, ng_case.case, "account-1")
    assert fetched.to_dict() == stored.to_dict()


def test_put_entity_replaces_by_id(node: Node, people: People, ng_case: CaseFixture) -> None:
    entities.put_entity(node, people.officer, ng_case.case, ACCOUNT)
    changed = ACCOUNT | {"properties": {"accountNumber": ["GB-2"]}}
    entities.put_entity(node, people.officer, ng_case.case, changed)
    fetched = entities.get_entity(node, people.officer, ng_case.case, "account-1")
    assert fetched.properties == {"accountNumber": ["GB-2"]}


def test_put_entity_refuses_a_schema_change_and_stores_nothing(
    node: Node, people: People, ng_case: CaseFixture
) -> None:
    before = snapshot(node)
    person = {"id": ng_case.entity, "schema": "Company", "properties": {"name": ["Obi Ltd"]}}
    with pytest.raises(InvalidInput) as refused:
        entities.put_entity(node, people.officer, ng_case.case, person)
    assert refused.value.where == "schema"
    assert snapshot(node) == before


def test_entities_are_need_to_know(node: Node, people: People, ng_case: CaseFixture) -> None:
    before = snapshot(node)
    with pytest.raises(NotFound):  # an outsider is not told the case exists
        entities.put_entity(node, people.outsider, ng_case.case, ACCOUNT)
    with pytest.raises(NotFound):
        entities.get_entity(node, people.outsider, ng_case.case, ng_case.entity)
    with pytest.raises(PermissionDenied):
        entities.list_entities(node, people.admin, ng_case.case)
    with pytest.raises(NotFound) as missing:
        entities.get_entity(node, people.officer, ng_case.case, "nobody")
    assert missing.value.where == "entity"
    assert snapshot(node) == before
