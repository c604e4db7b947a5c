"""The rendered request as a neutral layout: sections of labelled rows, in one language.

Both the PDF (through HTML) and the DOCX writer print this same layout, so the two
formats always say the same thing. Labels come from the gettext catalogue of the
target language; dates, amounts, country and language names are formatted for
its locale with Babel (CLDR); free text is carried as written, with its own
language, its writing direction and a translated note of its translation status.
Each section cites the article it answers to (UNCAC Art. 46(15)(a)-(f), 55(3)).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency

from repatria.drafting import labels as L
from repatria.drafting.model import LocalisedText, Order, RequestDocument, TranslationStatus
from repatria.drafting.translation import translations

RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "yi", "dv", "ug", "sd", "ckb"})


@dataclass(frozen=True, slots=True)
class FreeText:
    """The drafter's text, printed as written, with a note of its language and status."""

    text: str
    lang: str
    direction: str
    note: str


Value = str | FreeText


@dataclass(frozen=True, slots=True)
class Row:
    label: str
    """Empty for a paragraph that spans the whole width."""
    value: Value


@dataclass(frozen=True, slots=True)
class Block:
    title: str
    rows: tuple[Row, ...]


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    article: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True, slots=True)
class Layout:
    lang: str
    direction: str
    title: str
    banner: str
    heading: tuple[Row, ...]
    sections: tuple[Section, ...]
    reference: str
    page_label: str
    marking: str = ""
    """Printed on every page when confidentiality is requested (UNCAC Art. 46(20))."""


def direction_of(lang: str) -> str:
    return "rtl" if lang.split("-")[0] in RTL_LANGUAGES else "ltr"


def text_direction(text: str, default: str = "ltr") -> str:
    """The direction of the first strong character (Unicode UAX #9, rules P2-P3)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return default


LRI, PDI = "\u2066", "\u2069"
"""Left-to-right isolate (UAX #9): keeps "46(15)(a)" in order inside Arabic text."""


class _Writer:
    """Formats values for one locale; all the translating goes through ``t``."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.locale = Locale.parse(lang)
        self._gettext: Callable[[str], str] = translations(lang).gettext

    def t(self, message: str, **values: str) -> str:
        text = self._gettext(message)
        return text.format(**values) if values else text

    def article(self, article: str) -> str:
        if not article:
            return ""
        if direction_of(self.lang) == "rtl":
            article = f"{LRI}{article}{PDI}"
        return self.t(L.UNCAC_ARTICLE, article=article)

    def date(self, value: date | str | None) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            try:
                parsed = date.fromisoformat(value)
            except ValueError:
                return value
        else:
            parsed = value
        return str(format_date(parsed, format="long", locale=self.locale))

    def money(self, amount: str | Decimal, currency: str) -> str:
        try:
            number = Decimal(amount)
        except (InvalidOperation, ValueError):
            return f"{amount} {currency}"
        return str(format_currency(number, currency, locale=self.locale))

    def country(self, code: str) -> str:
        return str(self.locale.territories.get(code.upper(), code.upper()))

    def language(self, code: str) -> str:
        return str(self.locale.languages.get(code, code))

    def free(self, text: LocalisedText) -> FreeText:
        """The text in the rendering language where the drafter gave it (UNCAC Art. 46(14)).

        A translation into this language is printed instead of the original and
        says it is one; an original in another language says it is untranslated.
        """
        translated = text.translated
        if translated is not None and translated.lang == self.lang and text.lang != self.lang:
            status = self.t(L.TRANSLATION_STATUS[TranslationStatus(translated.status)])
            note = self.t(L.TRANSLATION_NOTE, status=status, language=self.language(text.lang))
            return FreeText(translated.text, translated.lang, direction_of(translated.lang), note)
        if text.lang != self.lang and text.translation is TranslationStatus.ORIGINAL:
            note = self.t(L.NOT_TRANSLATED, language=self.language(text.lang))
            return FreeText(text.text, text.lang, direction_of(text.lang), note)
        status = self.t(L.TRANSLATION_STATUS[text.translation])
        if text.translated_from:
            translated_from = self.t(
                L.TRANSLATED_FROM, language=self.language(text.translated_from)
            )
            status = f"{status}, {translated_from}"
        note = self.t(L.FREE_TEXT, language=self.language(text.lang), status=status)
        return FreeText(text.text, text.lang, direction_of(text.lang), note)

    def yes_no(self, value: bool | None) -> str:
        return self.t(L.YES) if value else self.t(L.NO)


def _rows(*pairs: tuple[str, Value | None]) -> tuple[Row, ...]:
    return tuple(Row(label, value) for label, value in pairs if value)


def layout_request(doc: RequestDocument, lang: str, *, complete: bool = True) -> Layout:
    """Lay ``doc`` out in ``lang``; ``complete=False`` adds the DRAFT banner."""
    w = _Writer(lang)

    def text(value: LocalisedText | None) -> FreeText | None:
        return w.free(value) if value is not None else None

    def row(label: str, value: LocalisedText | str | None) -> Row | None:
        if value is None or value == "":
            return None
        return Row(w.t(label), w.free(value) if isinstance(value, LocalisedText) else value)

    def block(title: str, *rows: Row | None) -> Block:
        return Block(title, tuple(r for r in rows if r is not None))

    def paragraph(value: LocalisedText | None) -> Block:
        return Block("", (Row("", w.free(value)),) if value is not None else ())

    sections: list[Section] = []

    def section(title: str, article: str, blocks: Iterable[Block]) -> None:
        kept = tuple(b for b in blocks if b.rows)
        if kept:
            sections.append(Section(w.t(title), w.article(article), kept))

    heading = tuple(
        r
        for r in (
            row(L.REFERENCE, doc.reference),
            row(L.DATE, w.date(doc.date)),
            row(L.REQUESTING_STATE, w.country(doc.requesting_state or "")),
            row(L.REQUESTED_STATE, w.country(doc.requested_state or "")),
            row(L.LANGUAGE, w.language(doc.language) if doc.language else None),
            row(L.CHANNEL, w.t(L.CHANNELS[doc.channel]) if doc.channel else None),
        )
        if r is not None and r.value
    )
    for title, article, authority in (
        (L.S_REQUESTING_AUTHORITY, "46(15)(a)", doc.requesting_authority),
        (L.S_ADDRESSEE, "46(13)", doc.addressee),
    ):
        if authority is not None:
            section(
                title,
                article,
                [
                    block(
                        "",
                        row(L.NAME, authority.name),
                        row(L.FUNCTIONS, authority.functions),
                        row(L.ADDRESS, authority.address),
                        row(L.COUNTRY, w.country(authority.state) if authority.state else None),
                    )
                ],
            )
    proceedings = doc.proceedings
    if proceedings is not None:
        conducting = proceedings.authority
        section(
            L.S_PROCEEDINGS,
            "46(15)(b)",
            [
                block(
                    "",
                    row(
                        L.KIND,
                        w.t(L.PROCEEDING_KINDS[proceedings.kind]) if proceedings.kind else None,
                    ),
                    row(L.CASE_REFERENCE, proceedings.reference),
                    row(L.SUBJECT, proceedings.subject),
                    row(L.CONDUCTING_AUTHORITY, conducting.name if conducting else None),
                    row(L.FUNCTIONS, conducting.functions if conducting else None),
                )
            ],
        )
    section(
        L.S_OFFENCES,
        "46(15)(b)",
        [
            block(
                o.name.text if o.name else "",
                row(L.PROVISION, o.provision),
                row(L.PROVISION_TEXT, o.text),
                row(L.PENALTY, o.penalty),
            )
            for o in doc.offences
        ],
    )
    section(L.S_FACTS, "46(15)(c)", [paragraph(doc.facts)])
    names = _captions(doc)
    section(
        L.S_MEASURES,
        "46(15)(d)",
        [
            block(
                w.t(L.MEASURES[m.measure]),
                row(L.DESCRIPTION, m.description),
                row(L.PROCEDURE, m.procedure),
                row(L.CONCERNS, ", ".join(names.get(t, t) for t in m.targets)),
                row(
                    L.PERIOD,
                    w.t(L.FROM_TO, start=w.date(m.period.start), end=w.date(m.period.end))
                    if m.period and m.period.start and m.period.end
                    else None,
                ),
            )
            for m in doc.measures
        ],
    )
    section(
        L.S_PERSONS,
        "46(15)(e)",
        [
            block(
                _entity_title(w, p.entity, w.t(L.ROLES[p.role]) if p.role else ""),
                *_entity_rows(w, p.entity),
            )
            for p in doc.persons
        ],
    )
    section(
        L.S_ASSETS,
        "55(3)(a)",
        [
            block(
                _entity_title(w, a.entity, ""),
                *_entity_rows(w, a.entity),
                row(L.HELD_BY, ", ".join(names.get(h, h) for h in a.holders)),
                row(L.LINK, a.link),
            )
            for a in doc.assets
        ],
    )
    section(L.S_LINK, "55(3)", [paragraph(doc.link_to_offence)])
    section(L.S_PURPOSE, "46(15)(f)", [paragraph(doc.purpose)])
    basis = doc.legal_basis
    if basis is not None:
        section(
            L.S_LEGAL_BASIS,
            "46(1)",
            [
                block(
                    "",
                    row(L.INSTRUMENT, basis.instrument),
                    row(L.ARTICLES, "; ".join(basis.articles)),
                    row(L.RECIPROCITY, basis.reciprocity_assurance),
                )
            ],
        )
    section(L.S_DUAL_CRIMINALITY, "46(9)(b)", [paragraph(doc.dual_criminality)])
    if doc.freezing is not None:
        section(
            L.S_FREEZING,
            "55(3)(c)",
            [
                block(
                    "",
                    row(L.ACTION, doc.freezing.action),
                    row(L.REASONABLE_BASIS, doc.freezing.reasonable_basis),
                ),
                _order_block(w, doc.freezing.order, doc),
            ],
        )
    if doc.confiscation is not None:
        c = doc.confiscation
        section(
            L.S_CONFISCATION,
            "55(3)(a)-(b)",
            [
                block(
                    "",
                    row(L.ROUTE, w.t(L.ROUTES[c.route]) if c.route else None),
                    row(L.EXTENT, c.extent),
                    row(L.THIRD_PARTIES, c.third_party_notice),
                    row(L.FINALITY, c.finality_statement),
                ),
                _order_block(w, c.order, doc),
            ],
        )
    urgency, deadline = doc.urgency, doc.deadline
    section(
        L.S_URGENCY,
        "46(24)",
        [
            block(
                "",
                row(L.URGENT, w.yes_no(urgency.urgent) if urgency else None),
                row(L.REASONS, urgency.reasons if urgency else None),
            ),
            block(
                "",
                row(L.DEADLINE, w.date(deadline.date) if deadline else None),
                row(L.REASONS, deadline.reasons if deadline else None),
            ),
        ],
    )
    if doc.confidentiality is not None:
        section(
            L.S_CONFIDENTIALITY,
            "46(20)",
            [
                block(
                    "",
                    row(L.CONFIDENTIALITY_REQUESTED, w.yes_no(doc.confidentiality.requested)),
                    row(L.REASONS, doc.confidentiality.reasons),
                )
            ],
        )
    if doc.use_limitation is not None and doc.use_limitation.accepted:
        section(L.S_USE_LIMITATION, "46(19)", [Block("", (Row("", w.t(L.USE_LIMITATION_TEXT)),))])
    contact = doc.contact
    if contact is not None:
        section(
            L.S_CONTACT,
            "46(24)",
            [
                block(
                    "",
                    row(L.NAME, contact.name),
                    row(L.FUNCTIONS, contact.function),
                    row(L.EMAIL, contact.email),
                    row(L.PHONE, contact.phone),
                    row(L.LANGUAGES, ", ".join(w.language(c) for c in contact.languages)),
                )
            ],
        )
    section(L.S_ADDITIONAL, "46(16)", [paragraph(doc.additional_information)])
    section(
        L.S_ATTACHMENTS,
        "",
        [
            block(
                a.title.text if a.title else a.id,
                row(L.KIND, w.t(L.ATTACHMENT_KINDS[a.kind])),
                row(L.CERTIFIED_COPY, w.yes_no(a.certified_copy)),
                row(L.REFERENCE, a.id),
            )
            for a in doc.attachments
        ],
    )
    signature = doc.signature
    if signature is not None:
        section(
            L.S_SIGNATURE,
            "46(14)",
            [
                block(
                    "",
                    row(L.NAME, signature.name),
                    row(L.FUNCTIONS, signature.function),
                    row(L.PLACE, signature.place),
                    row(L.DATE, w.date(signature.date)),
                )
            ],
        )
    return Layout(
        lang=lang,
        direction=direction_of(lang),
        title=w.t(L.TITLE),
        banner="" if complete else w.t(L.DRAFT),
        heading=heading,
        sections=tuple(sections),
        reference=doc.reference or "",
        page_label=w.t(L.PAGE),
        marking=w.t(L.CONFIDENTIAL)
        if doc.confidentiality is not None and doc.confidentiality.requested
        else "",
    )


def _order_block(w: _Writer, order: Order | None, doc: RequestDocument) -> Block:
    if order is None:
        return Block("", ())
    titles = {a.id: (a.title.text if a.title else a.id) for a in doc.attachments}
    rows = _rows(
        (w.t(L.COURT), w.free(order.court) if order.court else None),
        (w.t(L.REFERENCE), order.reference),
        (w.t(L.ORDER_DATE), w.date(order.date)),
        (w.t(L.FINAL), w.yes_no(order.final) if order.final is not None else None),
        (w.t(L.COPY), titles.get(order.attachment, order.attachment) if order.attachment else None),
    )
    return Block(w.t(L.ORDER), rows)


def _values(entity: Mapping[str, Any], prop: str) -> list[str]:
    properties = entity.get("properties")
    if not isinstance(properties, Mapping):
        return []
    values = properties.get(prop, [])
    if isinstance(values, str):
        return [values]
    return [str(v) for v in values] if isinstance(values, list) else []


def _caption(entity: Mapping[str, Any]) -> str:
    for prop in ("name", "iban", "accountNumber", "titleNumber", "registrationNumber"):
        found = _values(entity, prop)
        if found:
            return found[0]
    return str(entity.get("id", ""))


def _captions(doc: RequestDocument) -> dict[str, str]:
    entities = [p.entity for p in doc.persons] + [a.entity for a in doc.assets]
    return {str(e.get("id")): _caption(e) for e in entities}


def _entity_title(w: _Writer, entity: Mapping[str, Any], role: str) -> str:
    schema = str(entity.get("schema", ""))
    kind = w.t(L.SCHEMATA[schema]) if schema in L.SCHEMATA else schema
    parts = [_caption(entity), kind, role]
    return " · ".join(p for p in parts if p)


def _entity_rows(w: _Writer, entity: Mapping[str, Any]) -> tuple[Row, ...]:
    def joined(prop: str, fmt: Callable[[str], str] = str) -> str:
        return ", ".join(fmt(v) for v in _values(entity, prop))

    amounts, currencies = _values(entity, "amount"), _values(entity, "currency")
    value = w.money(amounts[0], currencies[0]) if amounts and currencies else ""
    schema = str(entity.get("schema", ""))
    return _rows(
        (w.t(L.IBAN), joined("iban")),
        (w.t(L.BIC), joined("bic")),
        (w.t(L.ACCOUNT_NUMBER), joined("accountNumber")),
        (w.t(L.BANK), joined("bankName")),
        (w.t(L.TITLE_NUMBER), joined("titleNumber")),
        (w.t(L.REGISTRATION_NUMBER), joined("registrationNumber")),
        (w.t(L.IDENTIFIER), joined("publicKey") or joined("cryptoAddress") or joined("isin")),
        (w.t(L.BIRTH_DATE), joined("birthDate", w.date)),
        (w.t(L.NATIONALITY), joined("nationality", w.country)),
        (w.t(L.POSITION), joined("position")),
        (w.t(L.ADDRESS), joined("address")),
        (w.t(L.COUNTRY), joined("country", w.country) or joined("jurisdiction", w.country)),
        (w.t(L.CURRENCY), joined("currency") if schema == "BankAccount" else ""),
        (w.t(L.ESTIMATED_VALUE), value if schema != "BankAccount" else ""),
    )
