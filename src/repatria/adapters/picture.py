"""Pictures on disk: the engines draw to bytes, this writes them beside each other.

``tracing.flowgraph.draw_flow`` and ``law.picture.draw_coverage`` return the drawing in
each format; ``write_picture`` puts them at ``<stem>.<format>``. Each file is written to a
temporary name in the same folder and renamed into place, so a reader never sees half a
picture (POSIX rename(2) replaces atomically).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path


def write_picture(drawn: Mapping[str, bytes], stem: str | Path) -> dict[str, Path]:
    """Write each format's bytes to ``<stem>.<format>``; the paths, by format."""
    base = Path(stem)
    base.parent.mkdir(parents=True, exist_ok=True)
    written = {}
    for fmt, data in drawn.items():
        path = base.with_suffix(f".{fmt}")
        handle, temporary = tempfile.mkstemp(dir=base.parent, prefix=f".{base.name}-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        written[fmt] = path
    return written
