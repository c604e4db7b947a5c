"""The drafting form: a request written section by section, checked as you type.

Every input is named by its path in the request document
(``repatria.drafting.form``); the form posts itself on every pause in typing
and the server validates what it describes without keeping it, returning the
checklist of UNCAC 46(15)-(16) and 55(3) items with what each still lacks.
Saving keeps the draft whatever its state, so nothing typed is lost; when the
service refuses it, the page comes back with the reason and every value typed.
An incoming request's document is the sender's: it is shown read-only.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Annotated, Any

from babel import Locale
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from repatria.domain.jurisdiction import jurisdiction_name
from repatria.domain.language import UN_LANGUAGES
from repatria.domain.measure import Measure
from repatria.drafting import (
    ValidationReport,
    load_json,
    request_layout,
    validate,
    validate_json,
)
from repatria.drafting import labels as L
from repatria.drafting.form import (
    Fields,
    FormView,
    add_row,
    document_to_form,
    form_to_document,
    is_document_field,
    parse_name,
    remove_row,
    rows,
)
from repatria.drafting.measure_templates import TEMPLATES, apply_template
from repatria.errors import InvalidInput, NotFound
from repatria.service import drafting
from repatria.service import requests as request_service
from repatria.service.actor import Actor
from repatria.service.node import Node
from repatria.web.deps import NodeDep, UiSession, check_csrf
from repatria.web.ui.pages import render_page

router = APIRouter(include_in_schema=False)

SECTIONS = (
    ("requesting_authority", "(a) Who asks: the requesting authority", "46(15)(a)", "sec-who"),
    (
        "proceedings",
        "(b) The proceedings and the authority conducting them",
        "46(15)(b)",
        "sec-proceedings",
    ),
    ("offences", "(b) Offences and their provisions", "46(15)(b)", "sec-offences"),
    ("facts", "(c) Summary of the facts", "46(15)(c)", "sec-facts"),
    ("measures", "(d) What you ask for, and any procedure", "46(15)(d), (17)", "sec-measures"),
    ("persons", "(e) Persons and companies concerned", "46(15)(e)", "sec-persons"),
    ("purpose", "(f) Purpose of the request", "46(15)(f)", "sec-measures"),
    ("assets", "Accounts and assets, with their identifiers", "55(3)(a)", "sec-assets"),
    ("link_to_offence", "Link between the assets and the offence", "54(2)(b), 55(3)", "sec-assets"),
    ("freezing", "Assets to freeze: the action and its basis", "55(3)(c), 54(2)", "sec-freezing"),
    (
        "confiscation",
        "Confiscation: the order and its execution",
        "55(3)(a)-(b)",
        "sec-confiscation",
    ),
    ("legal_basis", "Legal basis", "46(1), (6)-(7)", "sec-basis"),
    ("dual_criminality", "Dual criminality", "46(9)(b)", "sec-basis"),
    ("language", "Language accepted by the requested state", "46(14)", "sec-to"),
    ("channel", "How the request travels", "46(13)", "sec-to"),
    ("urgency", "Urgency and its reasons", "46(24)", "sec-deadline"),
    ("deadline", "Deadline and its reasons", "46(24)", "sec-deadline"),
    ("confidentiality", "Confidentiality", "46(20)", "sec-confidentiality"),
    ("use_limitation", "Use limitation", "46(19)", "sec-confidentiality"),
    ("contact", "Contact point", "46(24)", "sec-contact"),
    ("additional_information", "Additional information", "46(16)", "sec-contact"),
    ("signature", "Signature", "46(14)", "sec-signature"),
)
"""Checklist rows: (top-level field, label, UNCAC article, anchor of its form section)."""

_ANCHORS = {
    "date": "sec-who",
    "requesting_state": "sec-who",
    "requested_state": "sec-to",
    "addressee": "sec-to",
    "attachments": "sec-attachments",
}

ENTITY_PROPS: dict[str, list[tuple[str, str, str, str]]] = {
    "Person": [
        ("name", "Full name", "text", "As in the identity documents"),
        ("birthDate", "Date of birth", "date", ""),
        ("nationality", "Nationality", "text", "Two-letter country code, e.g. ng"),
        ("idNumber", "Identity or passport number", "text", ""),
        ("address", "Address", "text", "Where the person can be found"),
        ("country", "Country of residence", "text", "Two-letter country code, e.g. gb"),
        ("position", "Position or occupation", "text", ""),
    ],
    "Company": [
        ("name", "Company name", "text", ""),
        ("registrationNumber", "Registration number", "text", "In the company register"),
        ("jurisdiction", "Registered in", "text", "Two-letter country code, e.g. gb"),
        ("address", "Registered address", "text", ""),
        ("country", "Country", "text", "Two-letter country code"),
    ],
    "BankAccount": [
        ("iban", "IBAN", "text", "ISO 13616, e.g. GB29NWBK60161331926819"),
        ("accountNumber", "Account number", "text", "Where there is no IBAN"),
        ("bankName", "Bank", "text", ""),
        ("bic", "BIC / SWIFT", "text", ""),
        ("country", "Country of the bank", "text", "Two-letter country code, e.g. gb"),
        ("currency", "Currency", "text", "ISO 4217 code, e.g. GBP"),
        ("balance", "Known balance", "text", "Amount in the account's currency"),
    ],
    "RealEstate": [
        ("address", "Address of the property", "text", ""),
        ("titleNumber", "Title or land register number", "text", ""),
        ("country", "Country", "text", "Two-letter country code"),
        ("amount", "Estimated value", "text", "UNCAC Art. 55(3)(a): amount"),
        ("currency", "Currency of the value", "text", "ISO 4217 code, e.g. GBP"),
    ],
    "Vehicle": [
        ("registrationNumber", "Registration number", "text", ""),
        ("model", "Make and model", "text", ""),
        ("country", "Country of registration", "text", "Two-letter country code"),
        ("amount", "Estimated value", "text", ""),
        ("currency", "Currency of the value", "text", "ISO 4217 code"),
    ],
    "CryptoWallet": [
        ("publicKey", "Wallet address", "text", "The public address on the blockchain"),
        ("currencySymbol", "Crypto-asset", "text", "e.g. BTC"),
        ("managingExchange", "Exchange holding it", "text", ""),
        ("balance", "Known balance", "text", ""),
    ],
}
_PERSON_SCHEMAS = ("Person", "Company", "Organization", "LegalEntity")
_ASSET_SCHEMAS = ("BankAccount", "RealEstate", "Vehicle", "CryptoWallet", "Security")
_LISTS = {
    "offences": ("name.lang",),
    "measures": ("measure",),
    "persons": ("entity.schema",),
    "assets": ("entity.schema",),
    "attachments": ("kind",),
}
_TRANSLATION_STATUSES = (
    ("machine", "Machine translation (to be checked)"),
    ("certified", "Certified translation"),
    ("pending", "Translation ordered, not done yet"),
)


def _problem_view(problem: Any, anchor: str) -> dict[str, Any]:
    return {
        "message": problem.message,
        "article": problem.article,
        "severity": problem.severity,
        "path": problem.path,
        "field": _field_id(problem.path, anchor),
    }


_TOP_FIELDS = frozenset(
    {"facts", "purpose", "link_to_offence", "dual_criminality", "additional_information",
     "channel", "language", "date"}
)  # fmt: skip


def _field_id(path: str, anchor: str) -> str:
    """Where a problem's link jumps: the field's wrapper, else its section of the form."""
    if path in ("", "$"):
        return anchor
    if "." not in path and "[" not in path and path not in _TOP_FIELDS:
        return anchor
    return f"field-{path}"


def readable(report: ValidationReport) -> bool:
    """Whether the document could be read at all (else nothing was checked)."""
    return not any(p.path == "$" for p in report.problems) and report.schema_version is not None


def checklist(report: ValidationReport) -> list[dict[str, Any]]:
    """One row per content the articles ask for, with the problems under it.

    When the document cannot be read, every row is "not checked": a row is
    only "ok" when its content was checked and nothing is missing.
    """
    checked = readable(report)
    keys = {key for key, *_ in SECTIONS}

    def top(path: str) -> str:
        return path.split(".")[0].split("[")[0]

    found = []
    for key, label, article, anchor in SECTIONS:
        problems = [_problem_view(p, anchor) for p in report.problems if top(p.path) == key]
        status = "not-checked" if not checked else ("ok" if not problems else "problems")
        found.append(
            {
                "key": key,
                "label": label,
                "article": article,
                "anchor": anchor,
                "problems": problems,
                "status": status,
            }
        )
    rest = [p for p in report.problems if top(p.path) not in keys | {"$"}]
    if rest and checked:
        anchor = next((_ANCHORS[top(p.path)] for p in rest if top(p.path) in _ANCHORS), "")
        other = [_problem_view(p, _ANCHORS.get(top(p.path), "")) for p in rest]
        found.append(
            {
                "key": "other",
                "label": "Other",
                "article": "",
                "anchor": anchor,
                "problems": other,
                "status": "problems",
            }
        )
    return found


def _report_view(report: ValidationReport) -> dict[str, Any]:
    return {"report": report, "sections": checklist(report), "readable": readable(report)}


def _state_name(code: str) -> str:
    try:
        return jurisdiction_name(code)
    except InvalidInput:
        return code


def _language_options() -> list[tuple[str, str]]:
    english = Locale("en")
    return [(code, f"{english.languages.get(code, code)} ({code})") for code in UN_LANGUAGES]


def _captions(fields: Mapping[str, list[str]], prefix: str) -> list[tuple[str, str]]:
    found = []
    for i in rows(fields, prefix):
        base = f"{prefix}[{i}].entity"
        entity_id = (fields.get(f"{base}.id") or [""])[0]
        if not entity_id:
            continue
        caption = next(
            (
                values[0]
                for prop in (
                    "name",
                    "iban",
                    "accountNumber",
                    "titleNumber",
                    "publicKey",
                    "registrationNumber",
                    "address",
                )
                if (values := fields.get(f"{base}.properties.{prop}")) and values[0].strip()
            ),
            entity_id,
        )
        found.append((entity_id, caption))
    return found


def _original_language(fields: Mapping[str, list[str]]) -> str:
    for name, values in fields.items():
        if name.endswith(".lang") and ".translated." not in name and values and values[0]:
            return values[0]
    return "en"


def _translation_language(fields: Mapping[str, list[str]], original: str) -> str:
    chosen = (fields.get("translation_lang") or [""])[0]
    if chosen:
        return chosen
    for name, values in fields.items():
        if name.endswith(".translated.lang") and values and values[0]:
            return values[0]
    language = (fields.get("language") or [""])[0]
    if language and language != original:
        return language
    return "fr" if original != "fr" else "en"


def _with_translation_language(fields: Fields) -> Fields:
    """Every translation entered is into the language chosen for the page (46(14))."""
    lang = _translation_language(fields, _original_language(fields))
    updated = dict(fields)
    for name in list(fields):
        if name.endswith(".translated.text"):
            updated[f"{name.removesuffix('.text')}.lang"] = [lang]
    return updated


def _form_context(req: Any, fields: Fields, *, editable: bool) -> dict[str, Any]:
    original = _original_language(fields)
    target = _translation_language(fields, original)
    english = Locale("en")
    measures = [(m.value, L.MEASURES[m]) for m in Measure]
    attachment_ids = [
        (v[0], v[0])
        for i in rows(fields, "attachments")
        if (v := fields.get(f"attachments[{i}].id"))
    ]
    persons = _captions(fields, "persons")
    assets = _captions(fields, "assets")
    return {
        "req": req,
        "f": FormView(fields),
        "editable": editable,
        "olang": original,
        "olang_name": english.languages.get(original, original),
        "tlang": target,
        "tlang_name": english.languages.get(target, target),
        "translation_statuses": _TRANSLATION_STATUSES,
        "state_names": {
            "requesting": _state_name(req.requesting_state),
            "requested": _state_name(req.requested_state),
        },
        "templates": [(m.value, t.label) for m, t in TEMPLATES.items()],
        "channels": [(k.value, v) for k, v in L.CHANNELS.items()],
        "kinds": [(k.value, v) for k, v in L.PROCEEDING_KINDS.items()],
        "roles": [(k.value, v) for k, v in L.ROLES.items()],
        "routes": [(k.value, v) for k, v in L.ROUTES.items()],
        "attachment_kinds": [(k.value, v) for k, v in L.ATTACHMENT_KINDS.items()],
        "attachment_ids": attachment_ids,
        "measures": measures,
        "languages": _language_options(),
        "person_schemas": [(s, L.SCHEMATA[s]) for s in _PERSON_SCHEMAS],
        "asset_schemas": [(s, L.SCHEMATA[s]) for s in _ASSET_SCHEMAS],
        "entity_props": ENTITY_PROPS,
        "targets": persons + assets,
        "holders": persons,
        "show_freezing": any(
            fields.get(f"measures[{i}].measure") == ["freezing"] for i in rows(fields, "measures")
        )
        or FormView(fields).has("freezing"),
        "show_confiscation": any(
            (fields.get(f"measures[{i}].measure") or [""])[0] in ("confiscation", "asset-return")
            for i in rows(fields, "measures")
        )
        or FormView(fields).has("confiscation"),
        "render_languages": _language_options(),
    }


async def _posted(request: Request) -> Fields:
    form = await request.form()
    fields: Fields = {}
    for name, value in form.multi_items():
        if isinstance(value, str):
            fields.setdefault(name, []).append(value)
    return fields


def _document_of(fields: Fields) -> dict[str, Any]:
    return form_to_document(_with_translation_language(fields))


def _page(
    request: Request,
    node: Node,
    actor: Actor,
    csrf: str,
    req: Any,
    fields: Fields,
    report: ValidationReport,
    *,
    kept: bool,
    status_code: int = 200,
    save_error: str = "",
    page_error: str = "",
    json_text: str | None = None,
    notice: bool = False,
) -> HTMLResponse:
    editable = req.state.value == "draft"
    text = json_text
    if text is None:
        text = json.dumps(_document_of(fields), indent=2, ensure_ascii=False)
    return render_page(
        request,
        "draft.html",
        node,
        actor,
        csrf,
        status_code=status_code,
        kept=kept,
        save_error=save_error,
        page_error=page_error,
        json_text=text,
        json_open=json_text is not None,
        notice=notice,
        **_form_context(req, fields, editable=editable),
        **_report_view(report),
    )


def _received_page(
    request: Request, node: Node, actor: Actor, csrf: str, req: Any, reference: str
) -> HTMLResponse:
    """An incoming request: the sender's document, readable and read-only, with its checklist."""
    try:
        document: Any = drafting.get_document(node, actor, reference)
    except NotFound:
        document = {}
    layout = None
    unreadable = ""
    try:
        layout = request_layout(document, "en")
    except InvalidInput as error:
        unreadable = error.message
    return render_page(
        request,
        "_draft_received.html",
        node,
        actor,
        csrf,
        req=req,
        layout=layout,
        unreadable=unreadable,
        received=True,
        state_names={
            "requesting": _state_name(req.requesting_state),
            "requested": _state_name(req.requested_state),
        },
        **_report_view(drafting.check_document(node, actor, reference)),
    )


@router.get("/requests/{reference}/draft", response_class=HTMLResponse)
def draft_page(
    reference: str, request: Request, node: NodeDep, session: UiSession, saved: str = ""
) -> HTMLResponse:
    actor, csrf = session
    req = request_service.get_request(node, actor, reference)
    if req.direction.value == "incoming":
        return _received_page(request, node, actor, csrf, req, reference)
    try:
        document = drafting.get_document(node, actor, reference)
        kept = True
    except NotFound:
        document = drafting.starting_draft(node, actor, reference)
        kept = False
    fields = document_to_form(document)
    report = drafting.check_document(node, actor, reference) if kept else validate(document)
    return _page(request, node, actor, csrf, req, fields, report, kept=kept, notice=bool(saved))


@router.get("/requests/{reference}/draft.json")
def draft_json(reference: str, node: NodeDep, session: UiSession) -> Response:
    """The saved draft as JSON, for other systems (the advanced export)."""
    document = drafting.get_document(node, session[0], reference)
    return JSONResponse(
        document,
        headers={"Content-Disposition": f'attachment; filename="{reference}.json"'},
    )


@router.post("/requests/{reference}/draft/check", response_class=HTMLResponse)
async def check(
    reference: str, request: Request, node: NodeDep, session: UiSession
) -> HTMLResponse:
    """Validate what is in the form (or the advanced JSON box) now, without keeping it."""
    actor, csrf = session
    request_service.get_request(node, actor, reference)  # need-to-know on the request
    fields = await _posted(request)
    if "text" in fields and not any(is_document_field(n) for n in fields):
        report = validate_json(fields["text"][0])
    else:
        report = validate(_document_of(fields))
    return render_page(request, "_draft_report.html", node, actor, csrf, **_report_view(report))


def _form_response(
    request: Request, node: Node, actor: Actor, csrf: str, req: Any, fields: Fields
) -> HTMLResponse:
    """The form re-rendered (after a template, an added or removed row), with its checklist.

    Without htmx (no script, or a click before htmx took over the new buttons) the
    browser posted the form itself: it gets the whole page back, never a fragment.
    """
    report = validate(_document_of(fields))
    if request.headers.get("HX-Request") != "true":
        kept = _has_draft(node, actor, req.reference)
        return _page(request, node, actor, csrf, req, fields, report, kept=kept)
    return render_page(
        request,
        "_draft_form.html",
        node,
        actor,
        csrf,
        oob=True,
        **_form_context(req, fields, editable=req.state.value == "draft"),
        **_report_view(report),
    )


@router.post("/requests/{reference}/draft/template", response_class=HTMLResponse)
async def template(
    reference: str, request: Request, node: NodeDep, session: UiSession
) -> HTMLResponse:
    """Add a measure with the sections and standard wording it needs (never facts)."""
    actor, csrf = session
    req = request_service.get_request(node, actor, reference)
    fields = await _posted(request)
    chosen = (fields.pop("template", None) or [""])[0]
    try:
        measure = Measure(chosen)
    except ValueError:
        raise InvalidInput(f"no template for {chosen!r}", where="template") from None
    if measure not in TEMPLATES:
        raise InvalidInput(f"no template for {chosen!r}", where="template")
    fields = apply_template(fields, measure, _original_language(fields))
    return _form_response(request, node, actor, csrf, req, fields)


@router.post("/requests/{reference}/draft/rows", response_class=HTMLResponse)
async def edit_rows(
    reference: str, request: Request, node: NodeDep, session: UiSession
) -> HTMLResponse:
    """Add or remove a row of a list (offences, measures, persons, assets, attachments)."""
    actor, csrf = session
    req = request_service.get_request(node, actor, reference)
    fields = await _posted(request)
    added = (fields.pop("add", None) or [""])[0]
    removed = (fields.pop("remove_row", None) or [""])[0]
    if added:
        if added not in _LISTS:
            raise InvalidInput(f"cannot add to {added!r}", where="add")
        lang = _original_language(fields)
        defaults = {n: (lang if n.endswith("lang") else "") for n in _LISTS[added]}
        if added == "persons":
            defaults = {"entity.schema": "Person", "entity.id": f"person-{uuid.uuid4().hex[:8]}"}
        elif added == "assets":
            defaults = {
                "entity.schema": "BankAccount",
                "entity.id": f"asset-{uuid.uuid4().hex[:8]}",
            }
        elif added == "attachments":
            defaults = {"kind": "other", "title.lang": lang}
        fields, _index = add_row(fields, added, defaults)
    if removed:
        parts = parse_name(removed)
        if (
            parts is None
            or len(parts) != 2
            or parts[0] not in _LISTS
            or not isinstance(parts[1], int)
        ):
            raise InvalidInput(f"cannot remove {removed!r}", where="remove_row")
        fields = remove_row(fields, str(parts[0]), parts[1])
    return _form_response(request, node, actor, csrf, req, fields)


@router.post("/requests/{reference}/draft/import", response_class=HTMLResponse)
def import_json(
    reference: str,
    request: Request,
    node: NodeDep,
    session: UiSession,
    text: Annotated[str, Form(max_length=900_000)] = "",
    csrf: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Load JSON into the form (not saved); unreadable JSON is shown with its error, kept."""
    actor, expected = session
    check_csrf(expected, csrf)
    req = request_service.get_request(node, actor, reference)
    kept = _has_draft(node, actor, reference)
    document, problems = load_json(text)
    if problems or not isinstance(document, dict):
        report = validate_json(text)
        fields = _current_fields(node, actor, reference)
        message = problems[0].message if problems else "a request document is a JSON object"
        return _page(
            request,
            node,
            actor,
            expected,
            req,
            fields,
            report,
            kept=kept,
            status_code=422,
            page_error=f"The JSON was not loaded: {message}. The form still shows the draft.",
            json_text=text,
        )
    return _page(
        request,
        node,
        actor,
        expected,
        req,
        document_to_form(document),
        validate(document),
        kept=kept,
    )


def _has_draft(node: Node, actor: Actor, reference: str) -> bool:
    try:
        drafting.get_document(node, actor, reference)
    except NotFound:
        return False
    return True


def _current_fields(node: Node, actor: Actor, reference: str) -> Fields:
    try:
        return document_to_form(drafting.get_document(node, actor, reference))
    except NotFound:
        return document_to_form(drafting.starting_draft(node, actor, reference))


@router.post("/requests/{reference}/draft")
async def save(reference: str, request: Request, node: NodeDep, session: UiSession) -> Response:
    """Keep the draft the form describes; a refusal re-renders the form with all it held."""
    actor, expected = session
    fields = await _posted(request)
    check_csrf(expected, (fields.pop("csrf", None) or [""])[0])
    req = request_service.get_request(node, actor, reference)
    json_text: str | None = None
    if "text" in fields and not any(is_document_field(n) for n in fields):
        json_text = fields["text"][0]
        document, problems = load_json(json_text)
        if problems or not isinstance(document, dict):
            message = problems[0].message if problems else "a request document is a JSON object"
            return _page(
                request,
                node,
                actor,
                expected,
                req,
                _current_fields(node, actor, reference),
                validate_json(json_text),
                kept=_has_draft(node, actor, reference),
                status_code=422,
                page_error=f"Nothing was saved: {message}.",
                json_text=json_text,
            )
        fields = document_to_form(document)
    else:
        document = _document_of(fields)
    try:
        drafting.save_document(node, actor, reference, document)
    except InvalidInput as error:
        return _page(
            request,
            node,
            actor,
            expected,
            req,
            fields,
            validate(document),
            kept=_has_draft(node, actor, reference),
            status_code=422,
            save_error=f"{error.message}" + (f" (at {error.where})" if error.where else ""),
            json_text=json_text,
        )
    return RedirectResponse(f"/requests/{reference}/draft?saved=1", status_code=303)


@router.get("/requests/{reference}/rendered")
def rendered(
    reference: str, node: NodeDep, session: UiSession, lang: str = "en", format: str = "pdf"
) -> Response:
    data = drafting.render_request(node, session[0], reference, lang=lang, fmt=format)
    return Response(
        data,
        media_type=drafting.FORMATS[format],
        headers={"Content-Disposition": f'attachment; filename="{reference}-{lang}.{format}"'},
    )
