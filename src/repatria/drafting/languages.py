"""Languages: the one the requested state accepts (UNCAC Art. 46(14)), and every free text's.

States notify the languages they accept to the UN Secretary-General; the law
catalogue records them as text ("English", "German; French; Italian"), so the
names are read back into ISO 639-1 codes with Babel's English language names.
Each free text carries its language and translation status: a text in another
language than the request, or whose translation is still pending, blocks the
request; a machine translation is flagged for certification (the tool tracks
translations, a person certifies them).
"""

from __future__ import annotations

import re
from functools import cache

from babel import Locale

from repatria.drafting.checklist import Checklist
from repatria.drafting.model import RequestDocument, TranslationStatus
from repatria.drafting.report import Severity
from repatria.law import Catalogue

LANGUAGE_ARTICLE = "UNCAC Art. 46(14)"


@cache
def _codes_by_name() -> dict[str, str]:
    names = Locale("en").languages
    return {name.lower(): code for code, name in names.items() if len(code) in (2, 3)}


def language_name(code: str, locale: str = "en") -> str:
    """The name of a language in ``locale`` (falls back to the code)."""
    return str(Locale.parse(locale).languages.get(code, code))


def accepted_languages(state: str, catalogue: Catalogue) -> tuple[str, ...] | None:
    """ISO codes the state accepts under 46(14), or ``None`` when nothing is recorded."""
    declaration = catalogue.declarations.get(state)
    if declaration is None:
        return None
    found: list[str] = []
    names = _codes_by_name()
    for chunk in re.split(r"[;,()]| and ", declaration.languages):
        code = names.get(chunk.strip().lower())
        if code and code not in found:
            found.append(code)
    return tuple(found)


def check_texts(doc: RequestDocument, checks: Checklist) -> None:
    """Every free text is in the request's language or carries a translation into it.

    A translation entered beside the original (``translated``) answers 46(14)
    once it is no longer pending; a machine translation is flagged for checking.
    """
    for path, text in doc.texts():
        if text.translation is TranslationStatus.PENDING:
            checks.flag(
                f"{path}.translation",
                f"the translation of this text into {text.lang} is still pending",
                LANGUAGE_ARTICLE,
            )
        elif text.translation is TranslationStatus.MACHINE:
            checks.flag(
                f"{path}.translation",
                "machine translation: have it checked or certified before sending",
                LANGUAGE_ARTICLE,
                Severity.WARNING,
            )
        translated = text.translated
        if (
            doc.language is not None
            and text.lang != doc.language
            and translated is not None
            and translated.lang == doc.language
        ):
            if translated.status == "pending":
                checks.flag(
                    f"{path}.translated.status",
                    f"the translation into {language_name(doc.language)} is still pending",
                    LANGUAGE_ARTICLE,
                )
            elif translated.status == "machine":
                checks.flag(
                    f"{path}.translated.status",
                    "machine translation: have it checked or certified before sending",
                    LANGUAGE_ARTICLE,
                    Severity.WARNING,
                )
        elif doc.language is not None and text.lang != doc.language:
            checks.flag(
                f"{path}.lang",
                f"this text is in {language_name(text.lang)} ({text.lang}) but the request is in"
                f" {language_name(doc.language)} ({doc.language}); add a translation",
                LANGUAGE_ARTICLE,
            )
        if text.translation is not TranslationStatus.ORIGINAL and text.translated_from is None:
            checks.flag(
                f"{path}.translated_from",
                "a translation should name the language it was translated from",
                LANGUAGE_ARTICLE,
                Severity.WARNING,
            )


def check_request_language(doc: RequestDocument, catalogue: Catalogue, checks: Checklist) -> None:
    """The request's language is one the requested state accepts (46(14))."""
    if doc.requested_state is None or doc.language is None:
        return
    accepted = accepted_languages(doc.requested_state, catalogue)
    if not accepted:
        checks.flag(
            "language",
            f"no language designation is recorded for {doc.requested_state}; check UNODC's"
            " directory of competent national authorities",
            LANGUAGE_ARTICLE,
            Severity.WARNING,
        )
        return
    listed = ", ".join(f"{language_name(c)} ({c})" for c in accepted)
    checks.require(
        doc.language in accepted,
        "language",
        f"{doc.requested_state} accepts requests in {listed}; this one is in"
        f" {language_name(doc.language)} ({doc.language})",
        LANGUAGE_ARTICLE,
    )
