"""The request as HTML: the page WeasyPrint prints, and a preview for the UI.

Free text keeps its own ``lang`` and ``dir`` inside the page, so an English
summary in an Arabic request runs left to right while the page runs right to
left (``<html dir="rtl">``), and Han text carries ``lang="zh-Hans"``.
Everything is escaped by Jinja2's autoescape: the drafter's text is data.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

from markupsafe import Markup

from repatria.drafting.fonts import FontFace, font_face_css, font_stack
from repatria.drafting.layout import FreeText, Layout, Value, text_direction

if TYPE_CHECKING:
    from jinja2 import Environment

_HTML_LANG = {"zh": "zh-Hans"}


def html_lang(lang: str) -> str:
    """The BCP 47 tag for HTML ``lang`` (Chinese as Simplified Han script)."""
    return _HTML_LANG.get(lang, lang)


@cache
def _environment() -> Environment:
    # Jinja at its point of use: every command that opens a node imports drafting, few render.
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(
        loader=PackageLoader("repatria.drafting", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


_CSS_PLAIN = frozenset(" .,:;-_/()")


def css_string_body(text: str) -> str:
    """``text`` as the inside of a double-quoted CSS string that nothing in it can end.

    Letters, digits and a little punctuation stay; every other character (quotes, backslash,
    ``<``, line breaks of any kind, control characters) becomes a CSS escape, a backslash, the
    code point in hex and one space, which the parser consumes (CSS Syntax Level 3 §4.3.7).
    Stripping only some characters left ``\\r`` and ``\\f``, which also end a string there.
    """
    return "".join(ch if ch.isalnum() or ch in _CSS_PLAIN else f"\\{ord(ch):x} " for ch in text)


def _value(value: Value) -> Markup:
    if isinstance(value, FreeText):
        return Markup(
            '<span class="free" lang="{lang}" dir="{dir}">{text}</span>'
            '<span class="note">{note}</span>'
        ).format(lang=html_lang(value.lang), dir=value.direction, text=value.text, note=value.note)
    return Markup('<span dir="{dir}">{text}</span>').format(
        dir=text_direction(value, default="auto"), text=value
    )


def layout_html(layout: Layout, *, faces: Sequence[FontFace] = ()) -> str:
    """The HTML page of a layout; ``faces`` become its ``@font-face`` rules (none: the
    viewer's fonts, as in the UI preview)."""
    footer = " · ".join(p for p in (layout.reference, layout.page_label) if p)
    return (
        _environment()
        .get_template("request.html")
        .render(
            layout=layout,
            value=_value,
            html_lang=html_lang(layout.lang),
            # Inside <style> HTML escaping means nothing (a raw text element), so these go in
            # as CSS: rules built from the host's installed font files and fixed family names,
            # and the footer and marking escaped whole as the bodies of CSS strings.
            font_faces=Markup(font_face_css(faces)) if faces else "",  # nosec B704  # host font paths
            font_stack=Markup(font_stack()),  # nosec B704  # fixed family names (drafting.fonts)
            footer=Markup(css_string_body(footer)),  # nosec B704  # escaped by css_string_body
            marking=Markup(css_string_body(layout.marking)),  # nosec B704  # css_string_body
        )
    )
