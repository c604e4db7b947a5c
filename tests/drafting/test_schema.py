"""The shipped JSON Schema is the model's, and the docs describe every field."""

from __future__ import annotations

from typing import Any

import pytest

from repatria.drafting import SCHEMA_VERSION, generate_schema, schema_document
from repatria.drafting.model import RequestDocument
from repatria.errors import InvalidInput

from .conftest import EXAMPLE_NAMES, ROOT, load_example


def test_shipped_schema_is_generated_from_the_model() -> None:
    assert schema_document(SCHEMA_VERSION) == generate_schema()


def test_unknown_schema_version_is_refused() -> None:
    with pytest.raises(InvalidInput, match="supported: 1.0"):
        schema_document("0.9")


def test_docs_describe_every_top_level_field_with_its_article() -> None:
    docs = (ROOT / "docs" / "drafting.md").read_text(encoding="utf-8")
    schema = generate_schema()
    for name, spec in schema["properties"].items():
        assert f"`{name}`" in docs, f"field {name} is not in docs/drafting.md"
        article = spec.get("x-article")
        if article:
            assert article.replace("UNCAC Art. ", "") in docs, f"{name}: {article} not cited"


def _walk_refs(schema: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                found.add(ref.rsplit("/", 1)[-1])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def test_every_definition_is_used_and_defined() -> None:
    schema = generate_schema()
    assert _walk_refs(schema) == set(schema["$defs"])


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_examples_round_trip_through_the_model(name: str) -> None:
    document = RequestDocument.model_validate(load_example(name))
    again = RequestDocument.model_validate(document.model_dump(mode="json", exclude_none=True))
    assert again == document
