"""Translations entered beside the original, and the 46(20) marking on every page.

The French PDF prints the French translation where the drafter gave one and says
that the rest is the untranslated English original; a confidential request
carries its marking on every page of the PDF and in the header of the DOCX.
Read back with poppler's ``pdftotext`` (page by page) and python-docx.
"""

from __future__ import annotations

import copy
import re
import subprocess
from io import BytesIO
from pathlib import Path
from typing import Any

import docx
import pytest

from repatria.adapters.fontconfig import installed_faces
from repatria.drafting import labels as L
from repatria.drafting import parse_draft, render_docx, render_pdf, validate
from repatria.drafting.translation import translations

from .conftest import ON, load_example

FRENCH_FACTS = "Entre juin et novembre 2019, une société nigériane a versé des pots-de-vin."


def _translated() -> dict[str, Any]:
    document = copy.deepcopy(load_example("freezing"))
    document["facts"]["translated"] = {"text": FRENCH_FACTS, "lang": "fr", "status": "certified"}
    return document


def _pages(pdf: bytes, tmp: Path) -> list[str]:
    path = tmp / "request.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()
    return [re.sub(r"\s+", " ", page) for page in out.split("\f") if page.strip()]


def test_a_document_without_translations_still_parses() -> None:
    parsed = parse_draft(load_example("freezing"))
    assert parsed.document is not None and not parsed.problems
    assert parsed.document.facts is not None and parsed.document.facts.translated is None


def test_a_translation_is_kept_and_validates() -> None:
    parsed = parse_draft(_translated())
    assert parsed.document is not None and parsed.document.facts is not None
    assert parsed.document.facts.translated is not None
    assert parsed.document.facts.translated.text == FRENCH_FACTS
    assert not validate(_translated(), on=ON).errors


def test_a_translation_needs_a_known_language() -> None:
    document = _translated()
    document["facts"]["translated"]["lang"] = "xx-not"
    assert any(p.path.startswith("facts.translated") for p in parse_draft(document).problems)


@pytest.mark.process
def test_french_pdf_prints_the_translation_and_marks_every_page(tmp_path: Path) -> None:
    pages = _pages(render_pdf(_translated(), "fr", on=ON, faces=installed_faces()), tmp_path)
    fr = translations("fr").gettext
    marking = fr(L.CONFIDENTIAL)
    assert marking != L.CONFIDENTIAL
    assert len(pages) > 1
    for number, page in enumerate(pages, start=1):
        assert marking in page, f"page {number} has no confidentiality marking"
    text = " ".join(pages)
    assert FRENCH_FACTS in text
    assert "Between June and November 2019" not in text
    untranslated = fr(L.NOT_TRANSLATED).format(language="anglais")
    assert untranslated in text  # e.g. the purpose, left in English


@pytest.mark.process
def test_no_marking_when_confidentiality_is_not_asked(tmp_path: Path) -> None:
    document = _translated()
    document["confidentiality"] = {"requested": False}
    pages = _pages(render_pdf(document, "en", on=ON, faces=installed_faces()), tmp_path)
    assert not any(L.CONFIDENTIAL in page for page in pages)


def test_docx_header_carries_the_marking_and_the_translation() -> None:
    word = docx.Document(BytesIO(render_docx(_translated(), "fr", on=ON)))
    marking = translations("fr").gettext(L.CONFIDENTIAL)
    header = " ".join(p.text for p in word.sections[0].header.paragraphs)
    assert marking in header
    body = " ".join(p.text for p in word.paragraphs)
    cells = " ".join(c.text for t in word.tables for r in t.rows for c in r.cells)
    assert FRENCH_FACTS in body + cells


def test_a_text_in_another_language_passes_with_its_translation() -> None:
    document = copy.deepcopy(load_example("freezing"))
    document["language"] = "fr"
    document["requested_state"] = "FR"
    found = {p.path for p in validate(document, on=ON).problems}
    assert "facts.lang" in found
    document["facts"]["translated"] = {"text": FRENCH_FACTS, "lang": "fr", "status": "pending"}
    found = {p.path for p in validate(document, on=ON).problems}
    assert "facts.lang" not in found and "facts.translated.status" in found
    document["facts"]["translated"]["status"] = "certified"
    found = {p.path for p in validate(document, on=ON).problems}
    assert not any(p.startswith("facts.") for p in found)
