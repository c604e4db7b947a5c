from __future__ import annotations

from typing import Any

import pytest

from repatria.domain.entities import validate_entity
from repatria.errors import InvalidInput


def person(**props: list[str]) -> dict[str, Any]:
    return {"id": "p1", "schema": "Person", "properties": {"name": ["Ada Obi"], **props}}


def test_valid_entity_comes_back_as_ftm_json() -> None:
    proxy = validate_entity(person(birthDate=["1970-01-02"], nationality=["ng"]))
    assert proxy.to_dict()["properties"]["nationality"] == ["ng"]
    assert proxy.schema.name == "Person"


@pytest.mark.parametrize(
    ("data", "where", "message"),
    [
        (person(birthDate=["yesterday"]), "properties.birthDate[0]", "not a valid date"),
        (person(colour=["red"]), "properties.colour", "has no property 'colour'"),
        ({"id": "x", "schema": "Thing"}, "schema", "abstract"),
        ({"id": "x", "schema": "Spaceship"}, "schema", "unknown FollowTheMoney schema"),
        ({"schema": "Person", "properties": {"name": ["A"]}}, "id", "needs a text id"),
        ({"id": "x", "schema": "Person", "properties": {}}, "properties", "requires name"),
        (
            {
                "id": "a",
                "schema": "BankAccount",
                "properties": {"iban": ["GB00NWBK60161331926819"]},
            },
            "properties.iban[0]",
            "not a valid iban",
        ),
        ([], "entity", "JSON object"),
    ],
)
def test_invalid_values_are_refused_not_dropped(data: Any, where: str, message: str) -> None:
    """FtM drops invalid values silently; we refuse them and say where (stack.md)."""
    with pytest.raises(InvalidInput, match=message) as info:
        validate_entity(data)
    assert info.value.where == where


def test_iban_with_good_check_digits_is_kept() -> None:
    proxy = validate_entity(
        {"id": "a", "schema": "BankAccount", "properties": {"iban": ["GB29NWBK60161331926819"]}}
    )
    assert proxy.get("iban") == ["GB29NWBK60161331926819"]
