"""R17 (shared/design/reliability.md): schemathesis over the whole API, as each identity.

Every operation of the published OpenAPI document is called with inputs generated from it,
valid ones and (for the operations that take input) invalid ones, with the bearer token of
each of the six identities the node knows (node administrator, supervisor, case officer on
the case, privilege reviewer, auditor, a case officer outside the case), against a node that
holds a case with a drafted request, so that the paths lead somewhere. Then the stateful
phase: schemathesis chains the operations along the links it infers (a created case's
reference fed to the calls that take one).

What must hold, for every answer:
- no server error (5xx);
- the answer conforms to the schema: a documented status, content type, headers and body;
- a 405 names the methods allowed (RFC 9110 §15.5.6);
- input the schema calls valid is not refused as invalid (422): the schema says what the
  validation accepts (issue 13.8). A refusal for the state of stored things (a move the
  request's state does not allow) is 409, not 422, so it is not counted here.

CI makes about 1,500 calls (docs/security.md, R17, has the figures); ``REPATRIA_SOAK=1``
(``make soak``) 15 times as many examples per operation and 2,000 stateful steps.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import FailedHealthCheck, Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure
from schemathesis.generation import GenerationMode
from schemathesis.generation.case import Case
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.testclient import TestClient

from repatria.service.node import Node, open_node
from repatria.settings import Settings
from repatria.web.app import create_app
from tests.conftest import CaseFixture, init_ng_node, make_ng_case, make_people
from tests.web.conftest import Credentials, credentials_for

SOAK = os.environ.get("REPATRIA_SOAK") == "1"
IDENTITIES = ("admin", "supervisor", "officer", "reviewer", "auditor", "outsider")
EXAMPLES_PER_OPERATION = 30 if SOAK else 2
STATEFUL_STEPS = 2_000 if SOAK else 60

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    allow_header_conformance,
]


EXPECTED_REFUSALS = {
    ("GET", "/api/ledger/consistency", "old"): "old <= new relates two parameters",
    ("POST", "/api/cases/{reference}/entities", "properties"): (
        "which properties and values an entity takes depends on its FollowTheMoney schema"
    ),
    ("POST", "/api/requests/{reference}/transitions", "why"): (
        "which moves need a reason (refusal, withdrawal: UNCAC 46(23)-(24)) depends on the move"
    ),
    ("POST", "/api/requests/{reference}/transitions", "grounds"): (
        "grounds are asked for by a refusal only (UNCAC 46(21))"
    ),
    ("POST", "/api/cases/{reference}/requests", "requested_state"): (
        "an incoming request is addressed to this node's state: it depends on the direction"
    ),
    ("POST", "/api/cases/{reference}/requests", "requesting_state"): (
        "an outgoing request is made by this node's state: it depends on the direction"
    ),
    ("POST", "/api/cases/{reference}/requests", "deadline"): (
        "a deadline (UNCAC 46(24)) must not be in the past: valid depends on today's date"
    ),
    ("POST", "/api/requests/{reference}/consultation-answer", "note"): (
        "a note is needed when the conditions are declined, not when they are agreed"
    ),
}
"""422s of input the schema calls valid that no JSON Schema can rule out, with why: rules
that relate two values (OpenAPI states each value alone). Keyed by the ``where`` of the
answer, up to its first dot or bracket."""


def valid_input_accepted(response: object, case: Case) -> None:
    """Input generated as valid from the schema is not answered 422 (issue 13.8)."""
    if case.meta is None or case.meta.generation.mode is not GenerationMode.POSITIVE:
        return
    if getattr(response, "status_code", None) != 422:
        return
    text = getattr(response, "text", "")
    where = str((json.loads(text).get("error") or {}).get("where") or "")
    if (case.method, case.operation.path, re.split(r"[.\[]", where)[0]) in EXPECTED_REFUSALS:
        return
    raise AssertionError(f"valid by the schema, refused as invalid: {text[:300]}")


@dataclass
class Findings:
    """What the run found, one line per distinct problem, and how many calls it made."""

    calls: int = 0
    problems: dict[str, str] = field(default_factory=dict)

    def record(self, case: Case, problem: BaseException) -> None:
        key = f"{case.method} {case.operation.path}: {type(problem).__name__}"
        first = str(problem).strip().splitlines()[:6]
        self.problems.setdefault(key, " | ".join(first))

    def report(self) -> str:
        return "\n".join(f"{k}\n    {v}" for k, v in sorted(self.problems.items()))


def check_answer(case: Case, answer: object, findings: Findings) -> None:
    findings.calls += 1
    try:
        case.validate_response(answer, checks=CHECKS)  # type: ignore[arg-type]
        valid_input_accepted(answer, case)
    except (Failure, AssertionError) as problem:
        findings.record(case, problem)
    except BaseExceptionGroup as group:  # schemathesis raises the failures of a call together
        for problem in group.exceptions:
            findings.record(case, problem)


def operations(schema: schemathesis.schemas.BaseSchema) -> Iterator[object]:
    for result in schema.get_all_operations():
        yield result.ok()


def run_examples(
    operation: object, mode: GenerationMode, call: Callable[[Case], object], findings: Findings
) -> None:
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))  # type: ignore[attr-defined]
    def example(case: Case) -> None:
        check_answer(case, call(case), findings)

    try:
        example()
    except (FailedHealthCheck, Unsatisfiable):
        # No input of this mode exists: the operation takes none a call could get wrong.
        if mode is GenerationMode.POSITIVE:
            raise


@pytest.mark.parametrize("who", IDENTITIES)
def test_r17_every_operation_as_each_identity(
    who: str, prepared: tuple[Path, dict[str, Credentials]], tmp_path: Path
) -> None:
    """Each operation with generated input, valid and invalid, on one copy of the node that
    keeps what the calls change (so later operations meet what earlier ones made)."""
    template, creds = prepared
    findings = Findings()
    headers = creds[who].bearer
    opened: list[Node] = []
    try:
        api = schemathesis.openapi.from_asgi(
            "/api/openapi.json", fresh_app(template, tmp_path / "node", opened)
        )

        def call(case: Case) -> object:
            return case.call(headers=headers)

        for operation in operations(api):
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                run_examples(operation, mode, call, findings)
    finally:
        while opened:
            opened.pop().close()
    print(f"R17 {who}: {findings.calls} calls")
    assert findings.calls >= 100, findings.calls
    assert not findings.problems, f"{len(findings.problems)} problems:\n{findings.report()}"


class SwitchedApp:
    """The ASGI app schemathesis calls, pointed at a fresh node before each scenario."""

    def __init__(self) -> None:
        self.app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Credentials]]:
    """A node with the people and the Delta case, to copy for each stateful scenario."""
    base = tmp_path_factory.mktemp("stateful") / "template"
    settings = Settings(data_dir=base)
    init_ng_node(settings)
    node = open_node(settings)
    try:
        people = make_people(node)
        make_ng_case(node, people)
        return base, {name: credentials_for(node, people, name) for name in IDENTITIES}
    finally:
        node.close()


@pytest.mark.parametrize("who", ("supervisor", "officer", "outsider"))
def test_r17_stateful_as_each_identity(
    who: str, prepared: tuple[Path, dict[str, Credentials]], tmp_path: Path
) -> None:
    """Sequences of calls along the links schemathesis infers, each scenario on a fresh copy
    of the same node: a scenario's draws depend on the answers before it, so the node must
    not carry one scenario's changes into the next (hypothesis replays a scenario and would
    otherwise see different answers)."""
    template, creds = prepared
    findings = Findings()
    headers = creds[who].bearer
    switch = SwitchedApp()
    scenarios = itertools.count()
    opened: list[Node] = []
    switch.app = fresh_app(template, tmp_path / "schema", opened)
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", switch)

    class Calls(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            switch.app = fresh_app(template, tmp_path / f"scenario-{next(scenarios)}", opened)

        def teardown(self) -> None:
            while opened:
                opened.pop().close()

        def get_call_kwargs(self, case: Case) -> dict[str, object]:
            return {"headers": headers}

        def validate_response(self, response: object, case: Case, **kwargs: object) -> None:
            check_answer(case, response, findings)

    try:
        run_scenarios(Calls)
    finally:
        while opened:
            opened.pop().close()
    print(f"R17 stateful {who}: {findings.calls} calls")
    assert findings.calls >= STATEFUL_STEPS // 4, findings.calls
    assert not findings.problems, f"{len(findings.problems)} problems:\n{findings.report()}"


def run_scenarios(machine: Any) -> None:
    machine.run(
        settings=settings(
            max_examples=max(1, STATEFUL_STEPS // 20),
            stateful_step_count=20,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )


def fresh_app(template: Path, where: Path, opened: list[Node]) -> Any:
    shutil.copytree(template, where)
    node = open_node(Settings(data_dir=where))
    opened.append(node)
    return create_app(node.settings, node)


METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
SAMPLE = {
    "reference": None,  # filled per path: a case or a request reference
    "trace_id": "0123456789abcdef",
    "username": "officer",
    "entity_id": "person-1",
    "event_id": "1",
    "inquiry_id": "1",
    "message_id": "0" * 64,
}


def test_r17_a_method_a_path_does_not_take_is_405_with_allow_naming_the_ones_it_does(
    client: TestClient, ng_case: CaseFixture, creds: dict[str, Credentials]
) -> None:
    """RFC 9110 §15.5.6: every API path, every method it does not document: 405 with Allow."""
    document = client.get("/api/openapi.json").json()
    tried = 0
    for path, operations in document["paths"].items():
        documented = {m.upper() for m in operations}
        reference = ng_case.request if path.startswith("/api/requests/") else ng_case.case
        url = path.format(**{**SAMPLE, "reference": reference})
        for method in sorted(set(METHODS) - documented):
            answer = client.request(method, url, headers=creds["supervisor"].bearer)
            tried += 1
            assert answer.status_code == 405, (method, path, answer.status_code)
            allowed = {m.strip() for m in answer.headers.get("allow", "").split(",")} - {"HEAD"}
            assert allowed == documented, (method, path, answer.headers.get("allow"))
    assert tried > 100
