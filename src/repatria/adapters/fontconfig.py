"""The host's font files, found with fontconfig's ``fc-list``.

``drafting.fonts`` names the Noto families a rendered request embeds; finding their files
means running ``fc-list``, a separate process, so the lookup lives here and the PDF renderer
is handed the faces it found (``render_pdf(..., faces=installed_faces())``). The answer is
cached for the process: fonts are installed with the host, not while it serves.
"""

from __future__ import annotations

import shutil
import subprocess  # nosec B404  # runs fc-list only, by absolute path, argv list, no shell
from functools import cache

from repatria.drafting.fonts import FontFace, FontMissing, font_faces

_NO_FC_LIST = (
    "fontconfig's fc-list is not installed (Debian package fontconfig); it is needed to"
    " find the Noto fonts the request embeds"
)

FC_LIST_TIMEOUT = 30
"""Seconds ``fc-list`` may take; it reads its cache, so far less than this when healthy."""


def fc_list_file(family: str, style: str) -> str | None:
    """The first file (sorted, so the same on every run) of ``family`` in ``style``."""
    program = shutil.which("fc-list")  # run by absolute path, not by name (bandit B607)
    if program is None:
        raise FontMissing(_NO_FC_LIST, where="fonts")
    # The family and style are FAMILIES/STYLES constants; a list argv, never a shell.
    listed = subprocess.run(  # nosec B603  # fixed program and arguments, no shell
        [program, "--format", "%{file}\n", f":family={family}:style={style}"],
        capture_output=True,
        text=True,
        check=False,
        timeout=FC_LIST_TIMEOUT,
    )
    paths = sorted(line for line in listed.stdout.splitlines() if line.strip())
    return paths[0] if paths else None


@cache
def installed_faces() -> tuple[FontFace, ...]:
    """Every face a request embeds, from this host; ``FontMissing`` names what to install."""
    if shutil.which("fc-list") is None:
        raise FontMissing(_NO_FC_LIST, where="fonts")
    return font_faces(fc_list_file)
