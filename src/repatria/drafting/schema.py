"""The JSON Schema of a request, shipped as package data and generated from the model.

``schema/request-1.0.schema.json`` is what other systems validate against; it is
produced from ``model.RequestDocument`` (one source of truth) and a test checks
that the shipped file equals what the model generates. After changing the
model, regenerate it with::

    .venv/bin/python -c "from repatria.drafting.schema import schema_text; print(schema_text(), end='')" \\
        > src/repatria/drafting/schema/request-1.0.schema.json
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

from repatria.drafting.model import SCHEMA_VERSION, RequestDocument
from repatria.drafting.parse import SUPPORTED_VERSIONS
from repatria.errors import InvalidInput


def generate_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) the model describes."""
    return RequestDocument.model_json_schema(mode="validation")


def schema_document(version: str = SCHEMA_VERSION) -> dict[str, Any]:
    """The shipped JSON Schema document of ``version``."""
    if version not in SUPPORTED_VERSIONS:
        raise InvalidInput(
            f"unsupported schema version {version!r}; supported: {', '.join(SUPPORTED_VERSIONS)}",
            where="schema_version",
        )
    path = files("repatria.drafting").joinpath("schema", f"request-{version}.schema.json")
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def schema_text() -> str:
    return json.dumps(generate_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
