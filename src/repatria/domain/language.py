"""Languages, by ISO 639-1 code where one exists.

UNCAC Art. 46(14) lets each state notify the languages it accepts; a request
must be in one of them. Codes are validated against rigour's ISO 639 tables.
"""

from __future__ import annotations

from rigour.langs import iso_639_alpha2, iso_639_alpha3

from repatria.errors import InvalidInput

UN_LANGUAGES = ("ar", "en", "es", "fr", "ru", "zh")
"""The six official languages of the United Nations."""


def parse_language(value: object, *, where: str = "language") -> str:
    """Return the ISO 639-1 code (or 639-3 where there is no two-letter code)."""
    raw = value.strip().lower() if isinstance(value, str) else ""
    # Codes only: rigour also resolves language names ("french"), which a code field must not take.
    alpha3 = iso_639_alpha3(raw) if len(raw) in (2, 3) and raw.isalpha() else None
    if alpha3 is not None:
        return iso_639_alpha2(raw) or alpha3
    raise InvalidInput(
        f"{value!r} is not an ISO 639 language code (e.g. en, fr, es, ar, ru, zh)", where=where
    )
