"""Rendering: PDF and DOCX in the six UN languages, read back and checked.

PDFs are read back with poppler's ``pdftotext`` and ``pdffonts``; DOCX files with
python-docx. Expected labels come from the compiled catalogues (never typed here),
dates and amounts from Babel, free text from the example itself.
"""

from __future__ import annotations

import copy
import re
import subprocess
from datetime import date
from decimal import Decimal
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

import docx
import pytest
from babel.dates import format_date
from babel.numbers import format_currency
from docx.oxml.ns import qn

from repatria.adapters import fontconfig
from repatria.adapters.fontconfig import installed_faces
from repatria.domain.language import UN_LANGUAGES
from repatria.drafting import (
    FontMissing,
    render_docx,
    render_html,
    render_pdf,
)
from repatria.drafting import labels as L
from repatria.drafting.translation import translations
from repatria.errors import InvalidInput

from .conftest import ON, changed, load_example

BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
CONFISCATION = load_example("confiscation-foreign-order")


def _t(lang: str, message: str) -> str:
    return translations(lang).gettext(message)


def _plain(text: str) -> str:
    """Text without bidi controls and with whitespace collapsed, for comparisons."""
    return re.sub(r"\s+", " ", BIDI_CONTROLS.sub("", text))


@cache
def _pdf(lang: str) -> bytes:
    return render_pdf(CONFISCATION, lang, on=ON, faces=installed_faces())


def _pdftotext(pdf: bytes, tmp: Path) -> str:
    path = tmp / "request.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return _plain(out.stdout.decode("utf-8"))


def _pdffonts(pdf: bytes, tmp: Path) -> list[list[str]]:
    path = tmp / "fonts.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True)
    return [line.split() for line in out.stdout.splitlines()[2:]]


@pytest.mark.process
@pytest.mark.parametrize("lang", UN_LANGUAGES)
def test_pdf_has_labels_in_the_language_and_free_text_as_written(lang: str, tmp_path: Path) -> None:
    text = _pdftotext(_pdf(lang), tmp_path)
    for label in (L.TITLE, L.S_FACTS, L.S_PURPOSE, L.S_CONFISCATION, L.THIRD_PARTIES):
        assert _plain(_t(lang, label)) in text, f"{lang}: {_t(lang, label)!r} missing"
    if lang != "en":
        assert L.TITLE not in text
    # Free text with no translation is printed as written (English), and says so.
    assert "Federal High Court of Nigeria, Abuja Division" in text
    assert "GB60BARC20000055779911" in text
    message = L.FREE_TEXT if lang == "en" else L.NOT_TRANSLATED
    note = _t(lang, message).split("{")[0].strip()
    if note:
        assert _plain(note) in text
    # pdftotext may drop the space between Arabic words and digits: compare without spaces.
    order_date = format_date(date(2026, 10, 15), format="long", locale=lang)
    assert _plain(order_date).replace(" ", "") in text.replace(" ", "")


@pytest.mark.process
@pytest.mark.parametrize("lang", UN_LANGUAGES)
def test_pdf_embeds_the_named_fonts(lang: str, tmp_path: Path) -> None:
    fonts = _pdffonts(_pdf(lang), tmp_path)
    names = {row[0].split("+", 1)[-1] for row in fonts}
    assert all("yes" in row for row in fonts), fonts  # embedded (and subset)
    assert "Repatria-Latin" in names
    if lang == "zh":
        assert "Repatria-CJK" in names  # Han comes from Noto CJK, not tofu from a Latin font
    if lang == "ar":
        assert "Repatria-Arabic" in names


@pytest.mark.process
def test_amounts_are_formatted_for_the_locale(tmp_path: Path) -> None:
    for lang in ("fr", "ru"):
        money = format_currency(Decimal(3250000), "GBP", locale=lang)
        assert _plain(money) in _pdftotext(_pdf(lang), tmp_path)


def test_arabic_html_runs_right_to_left_and_free_text_keeps_its_direction() -> None:
    page = render_html(CONFISCATION, "ar", on=ON)
    assert '<html lang="ar" dir="rtl">' in page
    assert '<span class="free" lang="en" dir="ltr">Federal High Court of Nigeria' in page
    english = render_html(CONFISCATION, "en", on=ON)
    assert '<html lang="en" dir="ltr">' in english
    chinese = render_html(CONFISCATION, "zh", on=ON)
    assert '<html lang="zh-Hans" dir="ltr">' in chinese


def test_html_escapes_the_drafters_text() -> None:
    doc = copy.deepcopy(CONFISCATION)
    doc["purpose"]["text"] = "<script>alert(1)</script> & more"
    page = render_html(doc, "en", on=ON)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page


def _docx(lang: str, document: dict[str, Any] = CONFISCATION) -> Any:
    return docx.Document(BytesIO(render_docx(document, lang, on=ON)))


@pytest.mark.parametrize("lang", UN_LANGUAGES)
def test_docx_reads_back_with_labels_and_free_text(lang: str) -> None:
    document = _docx(lang)
    paragraphs = [p.text for p in document.paragraphs]
    assert _t(lang, L.TITLE) in paragraphs
    assert any(_t(lang, L.S_CONFISCATION) in p for p in paragraphs)
    cells = {c.text for table in document.tables for row in table.rows for c in row.cells}
    labels = {_t(lang, L.EXTENT), _t(lang, L.FINALITY), _t(lang, L.COURT)}
    assert labels <= {line for cell in cells for line in cell.split("\n")}
    assert any("Federal High Court of Nigeria, Abuja Division" in c for c in cells)
    assert document.core_properties.language.split("-")[0] == lang


def test_arabic_docx_sets_bidi_on_section_paragraphs_tables_and_runs() -> None:
    arabic = _docx("ar")
    body = arabic.element.body
    assert body.find(qn("w:sectPr")).find(qn("w:bidi")) is not None
    title = next(p for p in arabic.paragraphs if p.text == _t("ar", L.TITLE))
    assert title._p.pPr.find(qn("w:bidi")) is not None
    assert title.runs[0]._r.rPr.find(qn("w:rtl")) is not None
    assert all(t._tbl.tblPr.find(qn("w:bidiVisual")) is not None for t in arabic.tables)
    # English free text inside the Arabic document stays left to right.
    court = next(
        c.paragraphs[0]
        for t in arabic.tables
        for r in t.rows
        for c in r.cells
        if c.paragraphs[0].text.startswith("Federal High Court")
    )
    assert court._p.pPr is None or court._p.pPr.find(qn("w:bidi")) is None
    english = _docx("en")
    assert english.element.body.find(qn("w:sectPr")).find(qn("w:bidi")) is None
    assert all(p._p.pPr is None or p._p.pPr.find(qn("w:bidi")) is None for p in english.paragraphs)


def test_incomplete_draft_renders_with_a_draft_banner() -> None:
    draft = changed(CONFISCATION, purpose=None)
    page = render_html(draft, "fr", on=ON)
    assert _t("fr", L.DRAFT) in page
    complete = render_html(CONFISCATION, "fr", on=ON)
    assert _t("fr", L.DRAFT) not in complete
    assert _t("fr", L.DRAFT) in [p.text for p in _docx("fr", draft).paragraphs]


def test_unreadable_draft_is_refused_with_the_field() -> None:
    broken = changed(CONFISCATION, channel="pigeon")
    with pytest.raises(InvalidInput) as info:
        render_pdf(broken, "en", on=ON, faces=installed_faces())
    assert info.value.where == "channel"
    assert "pigeon" in info.value.message


def test_unknown_render_language_is_refused() -> None:
    with pytest.raises(InvalidInput, match="rendering languages"):
        render_docx(CONFISCATION, "de", on=ON)


def test_missing_font_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fontconfig, "fc_list_file", lambda family, style: None)
    installed_faces.cache_clear()
    try:
        with pytest.raises(FontMissing, match="fonts-noto-core"):
            render_pdf(CONFISCATION, "en", on=ON, faces=installed_faces())
    finally:
        installed_faces.cache_clear()
