"""The gettext catalogues: complete for the six UN languages, placeholders intact."""

from __future__ import annotations

import re
from importlib.resources import files

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from repatria.domain.language import UN_LANGUAGES
from repatria.drafting import check_render_language
from repatria.drafting import labels as L
from repatria.drafting.translation import translations
from repatria.errors import InvalidInput

LABELS = files("repatria.drafting").joinpath("labels.py")
LOCALE = files("repatria.drafting").joinpath("locale")


def _extracted() -> set[str]:
    return {str(m[1]) for m in extract_from_file("python", str(LABELS), keywords={"N_": None})}


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


@pytest.mark.parametrize("lang", UN_LANGUAGES)
def test_catalogue_translates_every_label(lang: str) -> None:
    with LOCALE.joinpath(lang, "LC_MESSAGES", "drafting.po").open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    ids = {str(m.id) for m in catalog if m.id}
    assert ids == _extracted()
    for message in catalog:
        if not message.id:
            continue
        assert message.string, f"{lang}: {message.id!r} is not translated"
        assert not message.fuzzy, f"{lang}: {message.id!r} is fuzzy"
        assert _placeholders(str(message.string)) == _placeholders(str(message.id))


def test_template_lists_every_label() -> None:
    with LOCALE.joinpath("drafting.pot").open("rb") as handle:
        template = read_po(handle)
    assert {str(m.id) for m in template if m.id} == _extracted()


@pytest.mark.parametrize("lang", [code for code in UN_LANGUAGES if code != "en"])
def test_compiled_catalogue_differs_from_english(lang: str) -> None:
    title = translations(lang).gettext(L.TITLE)
    assert title != L.TITLE
    assert translations(lang).gettext(L.UNCAC_ARTICLE).count("{article}") == 1


def test_only_the_six_un_languages_render() -> None:
    assert check_render_language(" FR ") == "fr"
    with pytest.raises(InvalidInput, match="rendering languages: ar, en, es, fr, ru, zh") as info:
        check_render_language("de")
    assert info.value.where == "lang"
