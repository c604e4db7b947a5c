"""Print a layout to PDF with WeasyPrint, fonts embedded from the host's Noto files."""

from __future__ import annotations

from collections.abc import Sequence

from repatria.drafting.fonts import FontFace
from repatria.drafting.html import layout_html
from repatria.drafting.layout import Layout


def write_pdf(layout: Layout, faces: Sequence[FontFace]) -> bytes:
    """PDF bytes of the layout; WeasyPrint subsets and embeds every font it uses."""
    import weasyprint  # imported here: it takes about a second and only rendering needs it

    pdf: bytes = weasyprint.HTML(string=layout_html(layout, faces=faces)).write_pdf()
    return pdf
