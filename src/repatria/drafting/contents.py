"""What a request must contain, whoever receives it.

UNCAC Art. 46(15) lists the contents of every request, (a) to (f); Art. 55(3)
adds contents for confiscation (a)-(b) and freezing (c); practice adds the
legal basis, the offence provisions, the link between assets and offence, the
period of records sought, urgency and deadline reasons (46(24)), confidentiality
(46(20)), use limitation (46(19)) and a contact point. Each check cites the
paragraph letter it enforces so that a refusal under Art. 46(21)(a) ("the
request is not made in conformity with this article") can be foreseen.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from repatria.domain.measure import MEASURES, Measure
from repatria.drafting.checklist import Checklist
from repatria.drafting.model import (
    ConfiscationRoute,
    LocalisedText,
    Order,
    RequestDocument,
)
from repatria.drafting.report import Severity

if TYPE_CHECKING:
    from followthemoney import EntityProxy

_ASSET_MEASURES = frozenset({Measure.FREEZING, Measure.CONFISCATION, Measure.ASSET_RETURN})


def _has(text: LocalisedText | None) -> bool:
    return text is not None and bool(text.text.strip())


def check_contents(
    doc: RequestDocument, entities: dict[str, EntityProxy], on: date, checks: Checklist
) -> None:
    """Run every content check on the parsed draft."""
    _heading(doc, checks)
    _article_46_15(doc, checks)
    _measures(doc, entities, checks)
    _practice(doc, on, checks)
    measures = {m.measure for m in doc.measures}
    if Measure.FREEZING in measures:
        _freezing(doc, checks)
    if Measure.CONFISCATION in measures:
        _confiscation(doc, checks)


def _heading(doc: RequestDocument, checks: Checklist) -> None:
    checks.require(
        doc.requesting_state is not None,
        "requesting_state",
        "name the requesting state (ISO 3166-1 alpha-2, e.g. NG)",
        "UNCAC Art. 46(15)(a)",
    )
    checks.require(
        doc.requested_state is not None,
        "requested_state",
        "name the requested state (ISO 3166-1 alpha-2, e.g. GB)",
        "UNCAC Art. 46(13)",
    )
    if doc.requesting_state and doc.requesting_state == doc.requested_state:
        checks.flag(
            "requested_state",
            f"requesting and requested state are both {doc.requested_state}; MLA is between two",
            "UNCAC Art. 46(1)",
        )
    checks.require(
        doc.language is not None,
        "language",
        "state the language the request is written in (ISO 639-1, e.g. en)",
        "UNCAC Art. 46(14)",
    )
    checks.require(
        doc.channel is not None,
        "channel",
        "choose the channel: central-authority, diplomatic, interpol or direct",
        "UNCAC Art. 46(13)",
    )
    checks.advise(
        doc.date is not None, "date", "date the request", "UNCAC Art. 46(14) (written record)"
    )


def _article_46_15(doc: RequestDocument, checks: Checklist) -> None:
    authority = doc.requesting_authority
    checks.require(
        authority is not None and _has(authority.name),
        "requesting_authority.name",
        "(a) the identity of the authority making the request is missing",
        "UNCAC Art. 46(15)(a)",
    )
    proceedings = doc.proceedings
    checks.require(
        proceedings is not None and _has(proceedings.subject),
        "proceedings.subject",
        "(b) the subject and nature of the investigation, prosecution or proceeding are missing",
        "UNCAC Art. 46(15)(b)",
    )
    checks.require(
        proceedings is not None and proceedings.kind is not None,
        "proceedings.kind",
        "(b) say whether this is an investigation, a prosecution or a judicial proceeding",
        "UNCAC Art. 46(15)(b)",
    )
    conducting = proceedings.authority if proceedings else None
    checks.require(
        conducting is not None and _has(conducting.name),
        "proceedings.authority.name",
        "(b) the name of the authority conducting the proceedings is missing",
        "UNCAC Art. 46(15)(b)",
    )
    checks.require(
        conducting is not None and _has(conducting.functions),
        "proceedings.authority.functions",
        "(b) the functions of the authority conducting the proceedings are missing",
        "UNCAC Art. 46(15)(b)",
    )
    only_service = bool(doc.measures) and all(
        m.measure is Measure.SERVICE_OF_DOCUMENTS for m in doc.measures
    )
    if not only_service:
        checks.require(
            _has(doc.facts),
            "facts",
            "(c) a summary of the relevant facts is missing (needed except for service of"
            " documents)",
            "UNCAC Art. 46(15)(c)",
        )
    checks.require(
        bool(doc.measures),
        "measures",
        "(d) the assistance sought is missing: name at least one measure",
        "UNCAC Art. 46(15)(d)",
    )
    checks.advise(
        bool(doc.persons),
        "persons",
        "(e) give the identity, location and nationality of the persons concerned where possible",
        "UNCAC Art. 46(15)(e)",
    )
    checks.require(
        _has(doc.purpose),
        "purpose",
        "(f) the purpose for which the evidence, information or action is sought is missing",
        "UNCAC Art. 46(15)(f)",
    )


def _measures(doc: RequestDocument, entities: dict[str, EntityProxy], checks: Checklist) -> None:
    known = {str(p.entity.get("id")) for p in doc.persons} | {
        str(a.entity.get("id")) for a in doc.assets
    }
    seen: set[Measure] = set()
    for i, sought in enumerate(doc.measures):
        path = f"measures[{i}]"
        if sought.measure in seen:
            checks.flag(
                f"{path}.measure",
                f"measure {sought.measure.value} is listed twice; describe it once",
                "UNCAC Art. 46(15)(d)",
                Severity.WARNING,
            )
        seen.add(sought.measure)
        checks.require(
            _has(sought.description),
            f"{path}.description",
            f"(d) describe the assistance sought for {sought.measure.value}",
            "UNCAC Art. 46(15)(d)",
        )
        for j, target in enumerate(sought.targets):
            if target not in known:
                checks.flag(
                    f"{path}.targets[{j}]",
                    f"{target!r} is not the id of a person or asset in this request;"
                    f" known ids: {', '.join(sorted(known)) or 'none'}",
                    "UNCAC Art. 46(15)(d)",
                )
        if sought.measure is Measure.RECORDS:
            period = sought.period
            checks.require(
                period is not None and period.start is not None and period.end is not None,
                f"{path}.period",
                "give the period of records sought (start and end dates)",
                "UNCAC Art. 46(15)(d)",
            )
            if period and period.start and period.end and period.start > period.end:
                checks.flag(
                    f"{path}.period",
                    f"the period starts ({period.start}) after it ends ({period.end})",
                    "UNCAC Art. 46(15)(d)",
                )
        if sought.measure in _ASSET_MEASURES or sought.measure is Measure.RECORDS:
            checks.require(
                bool(sought.targets),
                f"{path}.targets",
                f"name the accounts, assets or persons the {sought.measure.value} concerns",
                "UNCAC Art. 46(15)(d)",
            )
    if any(m.measure in _ASSET_MEASURES for m in doc.measures):
        checks.require(
            bool(doc.assets),
            "assets",
            "describe the property concerned (accounts and assets with their identifiers)",
            "UNCAC Art. 55(3)(a)",
        )
        checks.require(
            _has(doc.link_to_offence),
            "link_to_offence",
            "explain how the assets are linked to the offence (proceeds, instrumentalities)",
            "UNCAC Art. 54(2)(b), 55(3)",
        )
        for i, asset in enumerate(doc.assets):
            proxy = entities.get(str(asset.entity.get("id")))
            if proxy is None or proxy.schema.is_a("BankAccount"):
                continue
            checks.advise(
                bool(proxy.get("amount", quiet=True)) and bool(proxy.get("currency", quiet=True)),
                f"assets[{i}].entity.properties.amount",
                f"give the estimated value (amount and currency) of {proxy.caption}",
                "UNCAC Art. 55(3)(a)",
            )
    elif doc.assets:
        checks.advise(
            _has(doc.link_to_offence),
            "link_to_offence",
            "explain how the accounts and assets are linked to the offence",
            "UNCAC Art. 46(15)(c)",
        )
    for i, asset in enumerate(doc.assets):
        for j, holder in enumerate(asset.holders):
            if holder not in known:
                checks.flag(
                    f"assets[{i}].holders[{j}]",
                    f"{holder!r} is not the id of a person in this request",
                    "UNCAC Art. 46(15)(e)",
                )


def _practice(doc: RequestDocument, on: date, checks: Checklist) -> None:
    basis = doc.legal_basis
    checks.require(
        basis is not None and basis.instrument is not None,
        "legal_basis.instrument",
        "choose the legal basis (e.g. UNCAC, a bilateral treaty, RECIPROCITY)",
        "UNCAC Art. 46(1), (6)-(7)",
    )
    checks.require(
        bool(doc.offences),
        "offences",
        "name the offence(s) under investigation or prosecution",
        "UNCAC Art. 46(15)(b)",
    )
    for i, offence in enumerate(doc.offences):
        checks.require(
            _has(offence.name),
            f"offences[{i}].name",
            "name the offence",
            "UNCAC Art. 46(15)(b)",
        )
        checks.advise(
            _has(offence.text) and offence.provision is not None,
            f"offences[{i}].text",
            "quote the provision creating the offence (citation and text), so the requested"
            " state can assess dual criminality",
            "UNCAC Art. 43(2), 46(9)",
        )
    urgency = doc.urgency
    if urgency is not None and urgency.urgent:
        checks.require(
            _has(urgency.reasons),
            "urgency.reasons",
            "an urgent request must give the reasons for urgency",
            "UNCAC Art. 46(24)",
        )
    deadline = doc.deadline
    if deadline is not None and deadline.date is not None:
        checks.require(
            _has(deadline.reasons),
            "deadline.reasons",
            "a suggested deadline must come with its reasons",
            "UNCAC Art. 46(24)",
        )
        if deadline.date < on:
            checks.flag(
                "deadline.date",
                f"the deadline {deadline.date} is before {on}",
                "UNCAC Art. 46(24)",
            )
    checks.advise(
        doc.confidentiality is not None,
        "confidentiality",
        "say whether the fact and substance of the request must stay confidential",
        "UNCAC Art. 46(20)",
    )
    if doc.confidentiality is not None and doc.confidentiality.requested:
        checks.advise(
            _has(doc.confidentiality.reasons),
            "confidentiality.reasons",
            "give the reasons for confidentiality (e.g. risk of dissipation of assets)",
            "UNCAC Art. 46(20)",
        )
    limitation = doc.use_limitation
    checks.require(
        limitation is not None and limitation.accepted,
        "use_limitation.accepted",
        "accept the use limitation: information or evidence will not be used for other"
        " proceedings without the requested state's prior consent",
        "UNCAC Art. 46(19)",
    )
    contact = doc.contact
    checks.advise(
        contact is not None and contact.name is not None and bool(contact.email or contact.phone),
        "contact",
        "give a contact point (name and e-mail or telephone) for questions and status",
        "UNCAC Art. 46(24)",
    )
    checks.advise(
        doc.signature is not None and doc.signature.name is not None,
        "signature",
        "name who signs the request, so its authenticity can be checked",
        "UNCAC Art. 46(14)",
    )
    coercive = sorted(m.measure.value for m in doc.measures if MEASURES[m.measure].coercive)
    if coercive:
        checks.require(
            _has(doc.dual_criminality),
            "dual_criminality",
            f"coercive measures ({', '.join(coercive)}) need a statement that the conduct is an"
            " offence in both states",
            "UNCAC Art. 46(9)(b)",
        )


def _order(
    order: Order | None,
    path: str,
    doc: RequestDocument,
    checks: Checklist,
    article: str,
    *,
    required: bool,
) -> None:
    attached = {a.id: a for a in doc.attachments}
    copy = attached.get(order.attachment) if order and order.attachment else None
    ok = copy is not None and copy.certified_copy
    message = "attach a legally admissible (certified) copy of the order"
    if order and order.attachment and copy is None:
        message = f"the order's attachment {order.attachment!r} is not among the attachments"
    if required:
        checks.require(ok, f"{path}.attachment", message, article)
    elif order is not None:
        checks.advise(ok, f"{path}.attachment", message, article)


def _freezing(doc: RequestDocument, checks: Checklist) -> None:
    freezing = doc.freezing
    checks.require(
        freezing is not None and _has(freezing.action),
        "freezing.action",
        "(c) describe the action requested (what to freeze or seize, and how)",
        "UNCAC Art. 55(3)(c)",
    )
    checks.advise(
        freezing is not None and (_has(freezing.reasonable_basis) or freezing.order is not None),
        "freezing.reasonable_basis",
        "give a reasonable basis to believe confiscation will follow, or a freezing order",
        "UNCAC Art. 54(2)(a)-(b)",
    )
    if freezing is not None:
        _order(freezing.order, "freezing.order", doc, checks, "UNCAC Art. 55(3)(c)", required=False)


def _confiscation(doc: RequestDocument, checks: Checklist) -> None:
    confiscation = doc.confiscation
    route = confiscation.route if confiscation else None
    checks.require(
        route is not None,
        "confiscation.route",
        "say whether a new order is sought (domestic-order, 55(1)(a)) or our order is to be"
        " enforced (foreign-order, 55(1)(b))",
        "UNCAC Art. 55(1)",
    )
    if confiscation is None or route is not ConfiscationRoute.FOREIGN_ORDER:
        return
    order = confiscation.order
    checks.require(
        order is not None and order.court is not None and order.date is not None,
        "confiscation.order",
        "(b) identify the order to enforce (court and date)",
        "UNCAC Art. 55(3)(b)",
    )
    _order(order, "confiscation.order", doc, checks, "UNCAC Art. 55(3)(b)", required=True)
    checks.require(
        _has(confiscation.extent),
        "confiscation.extent",
        "(b) state the extent to which execution of the order is requested",
        "UNCAC Art. 55(3)(b)",
    )
    checks.require(
        _has(confiscation.third_party_notice),
        "confiscation.third_party_notice",
        "(b) state the measures taken to give notice to bona fide third parties and to ensure"
        " due process",
        "UNCAC Art. 55(3)(b)",
    )
    checks.require(
        order is not None and order.final is True and _has(confiscation.finality_statement),
        "confiscation.finality_statement",
        "(b) state that the confiscation order is final (and mark order.final true)",
        "UNCAC Art. 55(3)(b)",
    )
