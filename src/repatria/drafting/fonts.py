"""The fonts a rendered request embeds, found on the host with fontconfig at render time.

The output must not depend on whatever a host falls back to: a Chinese request
printed with a font lacking Han glyphs comes out as empty boxes ("tofu"). So each
script gets a named Noto family (Debian packages fonts-noto-core and
fonts-noto-cjk), its file is looked up on the host and embedded through
``@font-face``; a missing family is an error naming the package to install.
The lookup itself runs ``fc-list``, a process, so it is the adapter
``repatria.adapters.fontconfig``; this module takes it as a ``FontFinder``.
The CJK fonts are collections (.ttc) whose first face is the Japanese one; the
renderer marks Chinese text ``lang="zh-Hans"`` so the font's ``locl`` feature
selects the Simplified Chinese glyph forms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from repatria.errors import HostIncomplete


class FontMissing(HostIncomplete):
    """A font the renderer needs is not installed on this host."""

    kind = "font_missing"


@dataclass(frozen=True, slots=True)
class FontFace:
    family: str
    """The family name used in the document (``Repatria Latin`` ...)."""
    source: str
    """The installed family it comes from (``Noto Sans`` ...)."""
    weight: str
    path: str


FAMILIES = (
    ("Repatria Latin", "Noto Sans", "fonts-noto-core"),
    ("Repatria Arabic", "Noto Naskh Arabic", "fonts-noto-core"),
    ("Repatria CJK", "Noto Sans CJK SC", "fonts-noto-cjk"),
)
"""Document family, installed family, Debian package; in fallback order."""

STYLES = (("400", "Regular"), ("700", "Bold"))


def font_stack() -> str:
    """The CSS ``font-family`` value: Latin/Cyrillic first, then Arabic, then Han."""
    return ", ".join(f'"{family}"' for family, _, _ in FAMILIES)


class FontFinder(Protocol):
    """Where the installed file of ``family`` in ``style`` is, or ``None`` if it is not."""

    def __call__(self, family: str, style: str) -> str | None: ...


def font_faces(find: FontFinder) -> tuple[FontFace, ...]:
    """Every face to embed, with its file; raises ``FontMissing`` if one is not installed."""
    faces = []
    for family, source, package in FAMILIES:
        for weight, style in STYLES:
            path = find(source, style)
            if path is None:
                raise FontMissing(
                    f"font {source} {style} is not installed; install the Debian package"
                    f" {package} (expected by the PDF renderer for this script)",
                    where="fonts",
                )
            faces.append(FontFace(family, source, weight, path))
    return tuple(faces)


def font_face_css(faces: Sequence[FontFace]) -> str:
    """``@font-face`` rules pointing at the installed files."""
    rules = []
    for face in faces:
        url = "file://" + face.path.replace('"', "%22")
        rules.append(
            f'@font-face {{ font-family: "{face.family}"; src: url("{url}");'
            f" font-weight: {face.weight}; font-style: normal; }}"
        )
    return "\n".join(rules)
