"""Write a layout as a Word document (python-docx), right to left for Arabic.

Word decides direction per section (``w:bidi`` in ``sectPr``), per paragraph
(``w:bidi`` in ``pPr``), per table (``w:bidiVisual``) and per run (``w:rtl``), so an
Arabic request sets all four, while a free text in a left-to-right language keeps
its own paragraphs left to right. Fonts are named per script (``w:rFonts``
ascii/hAnsi, eastAsia, cs) with the same Noto families the PDF embeds, and every
run of free text carries its own ``w:lang``. Word does not embed fonts through
python-docx; a reader without Noto gets its own substitute for that script.

python-docx is imported in the functions that use it: its import costs about half a second,
and every command that opens a node imports the drafting package, while few write a Word
file (issue 11, point 7).
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from repatria.drafting.html import html_lang
from repatria.drafting.layout import FreeText, Layout, Value, text_direction

_FONTS = {
    "ascii": "Noto Sans",
    "hAnsi": "Noto Sans",
    "eastAsia": "Noto Sans CJK SC",
    "cs": "Noto Naskh Arabic",
}
_EAST_ASIA = {"zh": "zh-CN"}
_BIDI = {"ar": "ar-SA"}


def write_docx(layout: Layout) -> bytes:
    from docx import Document
    from docx.oxml import OxmlElement
    from docx.shared import Pt, RGBColor

    document: Any = Document()
    rtl = layout.direction == "rtl"
    _styles(document, layout.lang)
    if rtl:
        for section in document.sections:
            section._sectPr.append(OxmlElement("w:bidi"))
    document.core_properties.title = layout.title
    document.core_properties.language = html_lang(layout.lang)
    document.core_properties.subject = layout.reference
    _footer(document, layout, rtl)
    if layout.marking:
        _header(document, layout, rtl)
    if layout.banner:
        paragraph = _paragraph(document, rtl)
        run = paragraph.add_run(layout.banner)
        run.bold = True
        run.font.color.rgb = RGBColor(0xB0, 0x00, 0x00)
        _run_direction(run, rtl, layout.lang)
    title = document.add_heading(level=0)
    _direction(title, rtl)
    _run_direction(title.add_run(layout.title), rtl, layout.lang)
    _table(document, [(r.label, r.value) for r in layout.heading], layout, rtl)
    for number, section in enumerate(layout.sections, start=1):
        heading = document.add_heading(level=1)
        _direction(heading, rtl)
        _run_direction(heading.add_run(f"{number}. {section.title}"), rtl, layout.lang)
        if section.article:
            article = heading.add_run(f" ({section.article})")
            article.font.size = Pt(9)
            _run_direction(article, rtl, layout.lang)
        for block in section.blocks:
            if block.title:
                sub = document.add_heading(level=2)
                _direction(sub, rtl)
                _run_direction(sub.add_run(block.title), rtl, layout.lang)
            labelled = [(r.label, r.value) for r in block.rows if r.label]
            if labelled:
                _table(document, labelled, layout, rtl)
            for row in block.rows:
                if not row.label:
                    _value(document, row.value, layout, rtl)
    out = BytesIO()
    document.save(out)
    return out.getvalue()


def _styles(document: Any, lang: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    for name in ("Normal", "Title", "Heading 1", "Heading 2"):
        style = document.styles[name]
        r_pr = style.element.get_or_add_rPr()
        fonts = r_pr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = OxmlElement("w:rFonts")
            r_pr.insert(0, fonts)
        for attribute in list(fonts.attrib):
            if attribute.endswith("Theme"):
                del fonts.attrib[attribute]
        for key, family in _FONTS.items():
            fonts.set(qn(f"w:{key}"), family)
        language = r_pr.find(qn("w:lang"))
        if language is None:
            language = OxmlElement("w:lang")
            r_pr.append(language)
        language.set(qn("w:val"), html_lang(lang))
        language.set(qn("w:eastAsia"), _EAST_ASIA.get(lang, "zh-CN"))
        language.set(qn("w:bidi"), _BIDI.get(lang, "ar-SA"))
    document.styles["Normal"].font.size = Pt(10)


def _paragraph(container: Any, rtl: bool) -> Any:
    paragraph = container.add_paragraph()
    _direction(paragraph, rtl)
    return paragraph


def _direction(paragraph: Any, rtl: bool) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement

    if rtl:
        paragraph._p.get_or_add_pPr().append(OxmlElement("w:bidi"))
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _run_direction(run: Any, rtl: bool, lang: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    r_pr = run._r.get_or_add_rPr()
    if rtl:
        r_pr.append(OxmlElement("w:rtl"))
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), html_lang(lang))
    if lang in _BIDI:
        language.set(qn("w:bidi"), _BIDI[lang])
    if lang in _EAST_ASIA:
        language.set(qn("w:eastAsia"), _EAST_ASIA[lang])
    r_pr.append(language)


def _table(document: Any, rows: list[tuple[str, Value]], layout: Layout, rtl: bool) -> None:
    from docx.oxml import OxmlElement

    if not rows:
        return
    table = document.add_table(rows=0, cols=2)
    table.style = document.styles["Table Grid"]
    if rtl:
        table._tbl.tblPr.append(OxmlElement("w:bidiVisual"))
    for label, value in rows:
        cells = table.add_row().cells
        head = cells[0].paragraphs[0]
        _direction(head, rtl)
        run = head.add_run(label)
        run.bold = True
        _run_direction(run, rtl, layout.lang)
        _value(cells[1], value, layout, rtl, first=cells[1].paragraphs[0])


def _value(container: Any, value: Value, layout: Layout, rtl: bool, first: Any = None) -> None:
    from docx.shared import Pt

    if isinstance(value, FreeText):
        own_rtl = value.direction == "rtl"
        paragraph = first if first is not None else container.add_paragraph()
        _direction(paragraph, own_rtl)
        _run_direction(paragraph.add_run(value.text), own_rtl, value.lang)
        note = _paragraph(container, rtl)
        run = note.add_run(value.note)
        run.font.size = Pt(7.5)
        run.italic = True
        _run_direction(run, rtl, layout.lang)
        return
    paragraph = first if first is not None else container.add_paragraph()
    _direction(paragraph, rtl)
    _run_direction(
        paragraph.add_run(value), text_direction(value, layout.direction) == "rtl", layout.lang
    )


def _header(document: Any, layout: Layout, rtl: bool) -> None:
    """The confidentiality marking at the top of every page (UNCAC Art. 46(20))."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import RGBColor

    paragraph = document.sections[0].header.paragraphs[0]
    _direction(paragraph, rtl)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(layout.marking)
    run.bold = True
    run.font.color.rgb = RGBColor(0xB0, 0x00, 0x00)
    _run_direction(run, rtl, layout.lang)


def _footer(document: Any, layout: Layout, rtl: bool) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph = document.sections[0].footer.paragraphs[0]
    _direction(paragraph, rtl)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    text = " · ".join(p for p in (layout.reference, layout.page_label) if p)
    _run_direction(paragraph.add_run(f"{text} "), rtl, layout.lang)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    paragraph._p.append(field)
