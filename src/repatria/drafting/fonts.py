"""The fonts a rendered request embeds, found on the host with fontconfig at render time.

The output must not depend on whatever a host falls back to: a Chinese request
printed with a font lacking Han glyphs comes out as empty boxes ("tofu"). So each
script gets a named Noto family (Debian packages fonts-noto-core and
fonts-noto-cjk), its file is looked up with ``fc-list`` and embedded through
``@font-face``; a missing family is an error naming the package to install.
The CJK fonts are collections (.ttc) whose first face is the Japanese one; the
renderer marks Chinese text ``lang="zh-Hans"`` so the font's ``locl`` feature
selects the Simplified Chinese glyph forms.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import cache

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


@cache
def font_faces() -> tuple[FontFace, ...]:
    """Every face to embed, with its file; raises ``FontMissing`` if one is not installed."""
    if shutil.which("fc-list") is None:
        raise FontMissing(
            "fontconfig's fc-list is not installed (Debian package fontconfig); it is needed to"
            " find the Noto fonts the request embeds",
            where="fonts",
        )
    faces = []
    for family, source, package in FAMILIES:
        for weight, style in STYLES:
            path = _find(source, style)
            if path is None:
                raise FontMissing(
                    f"font {source} {style} is not installed; install the Debian package"
                    f" {package} (expected by the PDF renderer for this script)",
                    where="fonts",
                )
            faces.append(FontFace(family, source, weight, path))
    return tuple(faces)


def _find(family: str, style: str) -> str | None:
    listed = subprocess.run(
        ["fc-list", "--format", "%{file}\n", f":family={family}:style={style}"],
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    paths = sorted(line for line in listed.stdout.splitlines() if line.strip())
    return paths[0] if paths else None


def font_face_css() -> str:
    """``@font-face`` rules pointing at the installed files."""
    rules = []
    for face in font_faces():
        url = "file://" + face.path.replace('"', "%22")
        rules.append(
            f'@font-face {{ font-family: "{face.family}"; src: url("{url}");'
            f" font-weight: {face.weight}; font-style: normal; }}"
        )
    return "\n".join(rules)
