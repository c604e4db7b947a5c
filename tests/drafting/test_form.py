"""The drafting form: document -> fields -> document gives the document back.

Property-tested with hypothesis on valid documents built from the model's
fields (free texts with translations, lists of rows, yes/no, dates, FtM
entities), and on the three shipped examples; plus the form's own rules
(empty inputs and text-less free texts are left out, rows are renumbered).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repatria.drafting import parse_draft
from repatria.drafting.form import (
    add_row,
    document_to_form,
    form_to_document,
    format_name,
    parse_name,
    remove_row,
    rows,
)

from .conftest import EXAMPLE_NAMES, load_example

_alphabet = st.characters(codec="utf-8", categories=("L", "N", "P", "Zs"))
short = st.text(_alphabet, min_size=1, max_size=30).map(str.strip).filter(bool)
long = (
    st.text(
        st.characters(
            codec="utf-8", categories=("L", "N", "P", "Zs", "Cc"), include_characters="\n"
        ),
        min_size=1,
        max_size=80,
    )
    .map(str.strip)
    .filter(lambda s: bool(s) and "\r" not in s and "\x85" not in s)
)
langs = st.sampled_from(["en", "fr", "es", "ar", "ru", "zh", "de"])
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)).map(date.isoformat)


@st.composite
def texts(draw: st.DrawFn) -> dict[str, Any]:
    text: dict[str, Any] = {"text": draw(long), "lang": draw(langs), "translation": "original"}
    if draw(st.booleans()):
        text["translated"] = {
            "text": draw(long),
            "lang": draw(langs),
            "status": draw(st.sampled_from(["machine", "certified", "pending"])),
        }
    return text


def _entity(schema: str, props: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "id": short.filter(lambda s: " " not in s),
            "schema": st.just(schema),
            "properties": st.fixed_dictionaries(
                {}, optional={p: st.lists(short, min_size=1, max_size=2) for p in props}
            ).filter(bool),
        }
    )


persons = st.fixed_dictionaries(
    {"entity": _entity("Person", ["name", "birthDate", "nationality", "idNumber", "address"])},
    optional={"role": st.sampled_from(["suspect", "witness", "account-holder", "other"])},
)
assets = st.fixed_dictionaries(
    {"entity": _entity("BankAccount", ["iban", "accountNumber", "bankName", "currency"])},
    optional={"holders": st.lists(short, min_size=1, max_size=2), "link": texts()},
)
measures = st.fixed_dictionaries(
    {"measure": st.sampled_from(["records", "freezing", "confiscation", "testimony"])},
    optional={
        "description": texts(),
        "procedure": texts(),
        "targets": st.lists(short, min_size=1, max_size=3),
        "period": st.fixed_dictionaries({}, optional={"start": days, "end": days}).filter(bool),
    },
)
offences = st.fixed_dictionaries(
    {}, optional={"name": texts(), "provision": short, "text": texts(), "penalty": texts()}
).filter(bool)
order = st.fixed_dictionaries(
    {},
    optional={"court": texts(), "reference": short, "date": days, "final": st.booleans()},
).filter(bool)

documents = st.fixed_dictionaries(
    {"schema_version": st.just("1.0")},
    optional={
        "reference": short,
        "date": days,
        "language": langs,
        "requesting_state": st.sampled_from(["NG", "GB", "FR"]),
        "requested_state": st.sampled_from(["CH", "GB", "AE"]),
        "channel": st.sampled_from(["central-authority", "diplomatic"]),
        "requesting_authority": st.fixed_dictionaries(
            {}, optional={"name": texts(), "functions": texts(), "address": short}
        ).filter(bool),
        "proceedings": st.fixed_dictionaries(
            {}, optional={"kind": st.just("investigation"), "subject": texts()}
        ).filter(bool),
        "offences": st.lists(offences, min_size=1, max_size=3),
        "facts": texts(),
        "measures": st.lists(measures, min_size=1, max_size=3),
        "persons": st.lists(persons, min_size=1, max_size=3),
        "assets": st.lists(assets, min_size=1, max_size=3),
        "legal_basis": st.fixed_dictionaries(
            {"instrument": short}, optional={"articles": st.lists(short, min_size=1, max_size=3)}
        ),
        "urgency": st.fixed_dictionaries({"urgent": st.booleans()}, optional={"reasons": texts()}),
        "deadline": st.fixed_dictionaries({"date": days}, optional={"reasons": texts()}),
        "confidentiality": st.fixed_dictionaries({"requested": st.booleans()}),
        "contact": st.fixed_dictionaries(
            {}, optional={"name": short, "email": short, "languages": st.lists(langs, max_size=2)}
        ).filter(lambda c: bool(c) and c.get("languages") != []),
        "freezing": st.fixed_dictionaries(
            {}, optional={"action": texts(), "reasonable_basis": texts(), "order": order}
        ).filter(bool),
        "confiscation": st.fixed_dictionaries(
            {}, optional={"route": st.just("foreign-order"), "extent": texts(), "order": order}
        ).filter(bool),
        "attachments": st.lists(
            st.fixed_dictionaries(
                {"id": short},
                optional={
                    "title": texts(),
                    "kind": st.just("order"),
                    "certified_copy": st.booleans(),
                },
            ),
            min_size=1,
            max_size=2,
        ),
    },
)


@settings(max_examples=150, deadline=None)
@given(documents)
def test_document_form_document_round_trips(document: dict[str, Any]) -> None:
    parsed = parse_draft(document)
    assert parsed.document is not None and not parsed.problems, parsed.problems
    assert form_to_document(document_to_form(document)) == document


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_the_examples_round_trip(name: str) -> None:
    example = load_example(name)
    assert form_to_document(document_to_form(example)) == example


def test_field_names_are_document_paths() -> None:
    fields = document_to_form(load_example("freezing"))
    assert fields["facts.text"][0].startswith("Between June")
    assert fields["measures[0].description.text"][0].startswith("Freezing of the balances")
    assert fields["persons[1].entity.properties.name"] == ["Marlin Crest Holdings Ltd"]
    assert fields["confidentiality.requested"] == ["true"]
    assert fields["legal_basis.articles"] == ["Art. 46", "Art. 54(2)(b)", "Art. 55(2)"]


def test_empty_inputs_and_text_less_free_texts_are_left_out() -> None:
    fields = {
        "schema_version": ["1.0"],
        "facts.text": ["  "],
        "facts.lang": ["en"],
        "facts.translated.lang": ["fr"],
        "purpose.text": ["To preserve the proceeds"],
        "purpose.lang": ["en"],
        "purpose.translated.text": [""],
        "purpose.translated.lang": ["fr"],
        "offences[3].name.lang": ["en"],
        "csrf": ["x"],
        "template": ["freezing"],
        "bad..name": ["x"],
    }
    assert form_to_document(fields) == {
        "schema_version": "1.0",
        "purpose": {"text": "To preserve the proceeds", "lang": "en"},
    }


def test_checkboxes_read_the_last_sent_value_and_lists_one_per_line() -> None:
    fields = {
        "confidentiality.requested": ["false", "true"],
        "use_limitation.accepted": ["false"],
        "legal_basis.articles": ["Art. 46\n\n Art. 54(2)(b) "],
    }
    assert form_to_document(fields) == {
        "confidentiality": {"requested": True},
        "use_limitation": {"accepted": False},
        "legal_basis": {"articles": ["Art. 46", "Art. 54(2)(b)"]},
    }


def test_rows_are_renumbered_in_order() -> None:
    fields = {
        "offences[0].provision": ["s. 1"],
        "offences[2].provision": ["s. 3"],
        "offences[5].provision": ["s. 6"],
    }
    assert rows(fields, "offences") == [0, 2, 5]
    assert form_to_document(fields)["offences"] == [
        {"provision": "s. 1"},
        {"provision": "s. 3"},
        {"provision": "s. 6"},
    ]
    removed = remove_row(
        {"offences[0].provision": ["a"], "offences[1].provision": ["b"]}, "offences", 0
    )
    assert removed == {"offences[0].provision": ["b"]}
    added, index = add_row(removed, "offences", {"name.lang": "en"})
    assert index == 1 and added["offences[1].name.lang"] == ["en"]


@pytest.mark.parametrize(
    "name", ["facts.text", "measures[0].description.text", "persons[1].entity.properties.name"]
)
def test_names_parse_and_format(name: str) -> None:
    parts = parse_name(name)
    assert parts is not None and format_name(parts) == name


@pytest.mark.parametrize("name", ["", ".facts", "facts.", "facts[x]", "[0]", "a b", "facts..text"])
def test_malformed_names_are_refused(name: str) -> None:
    assert parse_name(name) is None
