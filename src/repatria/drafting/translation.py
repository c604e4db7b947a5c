"""Gettext catalogues of the rendered request, compiled from the .po files when first used.

Decision: the package ships only the ``.po`` sources (``locale/<lang>/LC_MESSAGES/
drafting.po``, one per UN language, written for repatria) and compiles each into
an in-memory ``.mo`` with Babel the first time a language is asked for (a few
milliseconds, cached per process). A fresh install therefore works with no
``pybabel compile`` step and there is no stale ``.mo`` that could disagree with
its source. Placeholders (``{article}``) are filled with ``str.format`` after
translation, never before.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from io import BytesIO

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from repatria.domain.language import UN_LANGUAGES
from repatria.errors import InvalidInput

DOMAIN = "drafting"


def check_render_language(lang: object) -> str:
    """The language code if the request can be rendered in it (the six UN languages)."""
    code = lang.strip().lower() if isinstance(lang, str) else ""
    if code not in UN_LANGUAGES:
        raise InvalidInput(
            f"cannot render in {lang!r}; rendering languages: {', '.join(UN_LANGUAGES)}",
            where="lang",
        )
    return code


@cache
def translations(lang: str) -> Translations:
    """The compiled catalogue of ``lang`` (one of the six UN languages)."""
    code = check_render_language(lang)
    source = files("repatria.drafting").joinpath("locale", code, "LC_MESSAGES", f"{DOMAIN}.po")
    with source.open("rb") as handle:
        catalog = read_po(handle, locale=code, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)
