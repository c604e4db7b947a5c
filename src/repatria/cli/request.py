"""Request commands: open, list, show, move, deadlines, status inquiries."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from repatria.adapters.fontconfig import installed_faces
from repatria.cli import output
from repatria.cli.context import current_actor, opened_node
from repatria.cli.json_file import read_json_object
from repatria.cli.output import JsonFlag
from repatria.domain.language import UN_LANGUAGES
from repatria.domain.request import Request
from repatria.drafting import is_complete, load_json, render_docx, render_pdf, validate_json
from repatria.errors import InvalidInput, NotFound
from repatria.service import drafting
from repatria.service import requests as request_service

app = typer.Typer(
    help="Requests: open, list, show, move through the lifecycle.", no_args_is_help=True
)


def _request_dict(r: Request) -> dict[str, Any]:
    today = datetime.now(UTC).date()
    return {
        "reference": r.reference,
        "case": r.case_reference,
        "direction": r.direction.value,
        "requesting_state": r.requesting_state,
        "requested_state": r.requested_state,
        "measures": [m.value for m in r.measures],
        "state": r.state.value,
        "title": r.title,
        "summary": r.summary,
        "legal_basis": r.legal_basis,
        "deadline": r.deadline.isoformat() if r.deadline else None,
        "deadline_reason": r.deadline_reason,
        "overdue": r.is_overdue(today),
        "urgent": r.urgent,
        "confidential": r.confidential,
        "subjects": list(r.subjects),
        "foreign_reference": r.foreign_reference,
        "created_at": r.created_at.isoformat(),
        "updated_at": r.updated_at.isoformat(),
    }


def _rows(found: list[Request]) -> list[tuple[Any, ...]]:
    return [
        (
            r.reference,
            r.direction.value,
            f"{r.requesting_state}→{r.requested_state}",
            ", ".join(m.value for m in r.measures),
            r.state.value,
            r.deadline,
            r.title,
        )
        for r in found
    ]


COLUMNS = ["reference", "direction", "states", "measures", "state", "deadline", "title"]


@app.command("open")
def open_request(
    case: Annotated[str, typer.Argument(help="Case reference, e.g. NG-2026-0001.")],
    file: Annotated[Path, typer.Argument(help="The request as JSON (see docs/cli.md).")],
    json_out: JsonFlag = False,
) -> None:
    """Open an outgoing request (a draft) or record an incoming one."""
    data = read_json_object(file)
    with opened_node() as node:
        request = request_service.open_request(node, current_actor(node), case, data)
    if json_out:
        output.emit_json(_request_dict(request))
    else:
        output.say(f"request [bold]{request.reference}[/] is {request.state.value}")


@app.command("list")
def list_requests(
    case: Annotated[str | None, typer.Option()] = None,
    state: Annotated[str | None, typer.Option()] = None,
    direction: Annotated[str | None, typer.Option(help="outgoing or incoming")] = None,
    measure: Annotated[str | None, typer.Option()] = None,
    requested_state: Annotated[str | None, typer.Option()] = None,
    requesting_state: Annotated[str | None, typer.Option()] = None,
    overdue: Annotated[bool, typer.Option(help="Only requests past their deadline.")] = False,
    json_out: JsonFlag = False,
) -> None:
    """Requests of your cases, filtered."""
    filters = request_service.RequestFilter(
        case=case,
        state=state,
        direction=direction,
        measure=measure,
        requested_state=requested_state,
        requesting_state=requesting_state,
        overdue=overdue,
    )
    with opened_node() as node:
        found = request_service.list_requests(node, current_actor(node), filters)
    if json_out:
        output.emit_json([_request_dict(r) for r in found])
    else:
        output.table("Requests", COLUMNS, _rows(found))


@app.command("show")
def show(reference: str, json_out: JsonFlag = False) -> None:
    """One request, with the moves allowed now."""
    with opened_node() as node:
        actor = current_actor(node)
        request = request_service.get_request(node, actor, reference)
        moves = request_service.transitions_now(node, actor, reference)
    allowed = [{"transition": t.name.value, "article": t.article} for t in moves]
    if json_out:
        output.emit_json(_request_dict(request) | {"allowed_transitions": allowed})
        return
    output.fields(request.reference, list(_request_dict(request).items()))
    output.say("allowed now: " + (", ".join(t.name.value for t in moves) or "none"))


@app.command("transition")
def transition(
    reference: str,
    name: Annotated[str, typer.Argument(help="e.g. mark-ready, send, acknowledge, refuse")],
    why: Annotated[str, typer.Option(help="Reasons; required where the article asks.")] = "",
    ground: Annotated[
        list[str] | None, typer.Option("--ground", help="Refusal ground of UNCAC 46(21) (repeat).")
    ] = None,
    expected_state: Annotated[
        str | None, typer.Option(help="Refuse if the request is no longer in this state.")
    ] = None,
    json_out: JsonFlag = False,
) -> None:
    """Move a request through its lifecycle."""
    with opened_node() as node:
        request = request_service.apply_transition(
            node,
            current_actor(node),
            reference,
            name,
            why=why,
            grounds=ground or [],
            expected_state=expected_state,
        )
    if json_out:
        output.emit_json(_request_dict(request))
    else:
        output.say(f"{request.reference} is now [bold]{request.state.value}[/]")


@app.command("deadlines")
def deadlines(json_out: JsonFlag = False) -> None:
    """Open requests with a deadline, soonest first (UNCAC 46(24))."""
    with opened_node() as node:
        found = request_service.deadlines(node, current_actor(node))
    if json_out:
        output.emit_json([_request_dict(r) for r in found])
    else:
        output.table("Deadlines", COLUMNS, _rows(found))


@app.command("inquire")
def inquire(
    reference: str, question: Annotated[str, typer.Option()], json_out: JsonFlag = False
) -> None:
    """Record a status inquiry (UNCAC 46(24))."""
    with opened_node() as node:
        inquiry = request_service.ask_status(node, current_actor(node), reference, question)
    if json_out:
        output.emit_json(_inq(inquiry))
    else:
        output.say(f"inquiry {inquiry.id} recorded on {reference}")


@app.command("answer")
def answer(
    reference: str,
    inquiry_id: int,
    text: Annotated[str, typer.Option("--answer")],
    json_out: JsonFlag = False,
) -> None:
    """Record the answer to a status inquiry."""
    with opened_node() as node:
        inquiry = request_service.answer_status(
            node, current_actor(node), reference, inquiry_id, text
        )
    if json_out:
        output.emit_json(_inq(inquiry))
    else:
        output.say(f"inquiry {inquiry.id} answered")


def _inq(inquiry: request_service.Inquiry) -> dict[str, Any]:
    return {
        "id": inquiry.id,
        "asked_at": inquiry.asked_at,
        "asked_by": inquiry.asked_by,
        "question": inquiry.question,
        "answered_at": inquiry.answered_at,
        "answered_by": inquiry.answered_by,
        "answer": inquiry.answer,
    }


@app.command("validate")
def validate_file(
    file: Annotated[Path, typer.Argument(help="A drafted request (JSON, schema 1.0).")],
    json_out: JsonFlag = False,
) -> None:
    """Check a drafted request against UNCAC 46(15)-(16), 55(3) and the requested state.

    Exit 0 when complete, 1 when not; each problem names its field and article.
    """
    text = _read_text(file)
    report = validate_json(text)
    if json_out:
        output.emit_json(report.to_dict())
    else:
        output.table(
            f"{file.name}: score {report.score}/100, {len(report.errors)} error(s),"
            f" {len(report.warnings)} warning(s)",
            ["severity", "field", "problem", "article"],
            [(p.severity.value, p.path, p.message, p.article) for p in report.problems],
        )
    if not is_complete(report):
        raise typer.Exit(1)


@app.command("render")
def render_file(
    file: Annotated[Path, typer.Argument(help="A drafted request (JSON, schema 1.0).")],
    lang: Annotated[str, typer.Option(help="ar, en, es, fr, ru or zh.")],
    out: Annotated[Path, typer.Option("--output", help="Where to write the document.")],
    format: Annotated[str, typer.Option(help="pdf or docx.")] = "pdf",
) -> None:
    """Render a drafted request as PDF or DOCX in one of the six UN languages."""
    if lang not in UN_LANGUAGES:
        raise InvalidInput(
            f"unknown language {lang!r}; accepted: {', '.join(UN_LANGUAGES)}", where="lang"
        )
    if format not in ("pdf", "docx"):
        raise InvalidInput(f"unknown format {format!r}; accepted: pdf, docx", where="format")
    document, problems = load_json(_read_text(file))
    if problems:
        raise InvalidInput(problems[0].message, where=str(file))
    data = (
        render_pdf(document, lang, faces=installed_faces())
        if format == "pdf"
        else render_docx(document, lang)
    )
    out.write_bytes(data)
    output.say(f"{format.upper()} in {lang} written to {out} ({len(data):,} bytes)")


@app.command("attach")
def attach(
    reference: str,
    file: Annotated[Path, typer.Argument(help="The drafted content (JSON, schema 1.0).")],
    json_out: JsonFlag = False,
) -> None:
    """Keep a drafted content with a request (kept even when incomplete)."""
    document = read_json_object(file)
    with opened_node() as node:
        report = drafting.save_document(node, current_actor(node), reference, document)
    if json_out:
        output.emit_json(report.to_dict())
    else:
        output.say(
            f"draft kept with {reference}: score {report.score}/100,"
            f" {len(report.errors)} error(s) before it can be ready"
        )


@app.command("draft")
def draft(
    reference: str,
    out: Annotated[Path | None, typer.Option("--output", help="Write here, else print.")] = None,
) -> None:
    """Print the request's drafted content, or a first draft built from the case."""
    with opened_node() as node:
        actor = current_actor(node)
        try:
            document = drafting.get_document(node, actor, reference)
        except NotFound:
            document = drafting.starting_draft(node, actor, reference)
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if out is None:
        output.emit_json(document)
    else:
        out.write_text(text, encoding="utf-8")
        output.say(f"draft of {reference} written to {out}")


@app.command("export")
def export(
    reference: str,
    lang: Annotated[str, typer.Option(help="ar, en, es, fr, ru or zh.")],
    out: Annotated[Path, typer.Option("--output", help="Where to write the document.")],
    format: Annotated[str, typer.Option(help="pdf or docx.")] = "pdf",
) -> None:
    """Render the request's kept draft; the export is recorded on the case."""
    with opened_node() as node:
        data = drafting.render_request(node, current_actor(node), reference, lang=lang, fmt=format)
    out.write_bytes(data)
    output.say(f"{format.upper()} of {reference} in {lang} written to {out}")


def _read_text(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(f"no such file: {file}", where=str(file)) from None
    except UnicodeDecodeError:
        raise InvalidInput("not UTF-8 text", where=str(file)) from None


@app.command("answer-consultation")
def answer_consultation(
    reference: str,
    accept: Annotated[
        bool, typer.Option("--accept/--decline", help="Accept or decline the conditions.")
    ],
    note: Annotated[str, typer.Option(help="What is agreed, or why declined.")] = "",
    json_out: JsonFlag = False,
) -> None:
    """Answer the conditions offered in a consultation (UNCAC 46(26)); supervisors. The
    answer travels to the requested state's node."""
    with opened_node() as node:
        answered = request_service.answer_consultation(
            node, current_actor(node), reference, accepted=accept, note=note
        )
    if json_out:
        output.emit_json(_request_dict(answered))
    else:
        output.say(f"conditions {'accepted' if accept else 'declined'} on {reference}; sent")
