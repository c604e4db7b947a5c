"""The bounds a bank file must keep before any parser reads it (reliability.md R21, T4).

A parser that holds the whole file in memory (lxml for camt.053, the ``mt-940`` package,
FtM's JSON lines) gets at most ``MAX_PARSED_BYTES``; larger statements are to be split by
period. Text formats are read as UTF-8 (RFC 3629; JSON must be, RFC 8259 §8.1), a UTF-8
byte order mark allowed, and no line may be longer than ``MAX_LINE_BYTES``: DuckDB's CSV
reader returns *no rows at all*, without an error, when the first data line is longer than
its buffer (DuckDB 1.5, found by R21), so the check comes first. A gzip file may inflate to
at most ``MAX_INFLATION`` times its own size past the first ``INFLATION_FLOOR`` bytes (a
gzip bomb of 300 MB of one byte is 300 KB): the limit is enforced while streaming, so the
inflated text is never held (ASVS 5.2.3).

Each refusal is an ``InvalidInput`` naming the file and, where there is one, the line and
byte offset.
"""

from __future__ import annotations

import codecs
import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path

from repatria.errors import InvalidInput

__all__ = [
    "INFLATION_FLOOR",
    "MAX_INFLATION",
    "MAX_LINE_BYTES",
    "MAX_PARSED_BYTES",
    "check_parsed_size",
    "check_text",
    "refuse_utf16",
]

MAX_PARSED_BYTES = 64 * 1024 * 1024
MAX_LINE_BYTES = 1024 * 1024
MAX_INFLATION = 100
INFLATION_FLOOR = 16 * 1024 * 1024
_CHUNK = 1024 * 1024
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_UTF32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)


def check_parsed_size(path: Path) -> None:
    """Refuse a file too large for a parser that reads it whole."""
    size = path.stat().st_size
    if size > MAX_PARSED_BYTES:
        raise InvalidInput(
            f"the file has {size:,} bytes; at most {MAX_PARSED_BYTES:,} are read in one piece "
            "(split the statement by period)",
            where=str(path),
        )


def refuse_utf16(head: bytes, where: str) -> None:
    """A UTF-16 or UTF-32 byte order mark: the text must be saved as UTF-8."""
    if head.startswith(_UTF32_BOMS) or head.startswith(_UTF16_BOMS):
        wide = "UTF-32" if head.startswith(_UTF32_BOMS) else "UTF-16"
        raise InvalidInput(
            f"the file is {wide} text (byte order mark {head[:2].hex()}); save it as UTF-8",
            where=where,
        )


def _chunks(path: Path, size: int) -> Iterator[bytes]:
    """The file's bytes, inflated if it is gzip, with the inflation bounded while streaming."""
    if path.suffix != ".gz":
        with path.open("rb") as fh:
            while chunk := fh.read(size):
                yield chunk
        return
    packed = max(path.stat().st_size, 1)
    allowed = max(INFLATION_FLOOR, MAX_INFLATION * packed)
    inflated = 0
    try:
        with gzip.open(path, "rb") as fh:
            while chunk := fh.read(size):
                inflated += len(chunk)
                if inflated > allowed:
                    raise InvalidInput(
                        f"the gzip file inflates past {inflated:,} bytes from {packed:,} "
                        f"(more than {MAX_INFLATION} times its size): refused as a "
                        "decompression bomb",
                        where=str(path),
                    )
                yield chunk
    except (OSError, EOFError, zlib.error) as exc:
        raise InvalidInput(f"not a readable gzip file: {exc}", where=str(path)) from exc


def check_text(path: Path, *, max_line: int = MAX_LINE_BYTES) -> None:
    """One streaming pass: UTF-8 throughout, no line over ``max_line`` bytes, gzip bounded.

    Memory stays at about one chunk and one line whatever the file's size."""
    where = str(path)
    decoder = codecs.getincrementaldecoder("utf-8")()
    line_no, line_len, offset = 1, 0, 0
    first = True
    for chunk in _chunks(path, min(_CHUNK, max_line)):
        if first:
            refuse_utf16(chunk, where)
            first = False
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            at = offset + exc.start
            start = chunk.rfind(b"\n", 0, exc.start)
            line = line_no + chunk.count(b"\n", 0, exc.start)
            bad = chunk[exc.start : exc.start + 1].hex()
            column = exc.start - start if start >= 0 else line_len + exc.start + 1
            raise InvalidInput(
                f"not UTF-8 at line {line}, column {column} (byte {at:,} is 0x{bad}; "
                "Latin-1 or Windows-1252 text? save it as UTF-8)",
                where=where,
            ) from None
        # Chunks are at most max_line bytes, so a line inside one is short enough: only the
        # line running across chunk boundaries needs counting (no per-line Python loop).
        first_end = chunk.find(b"\n")
        if first_end < 0:
            line_len += len(chunk)
        else:
            line_len += first_end
        if line_len > max_line:
            raise InvalidInput(f"line {line_no} is longer than {max_line:,} bytes", where=where)
        if first_end >= 0:
            line_no += chunk.count(b"\n")
            line_len = len(chunk) - chunk.rfind(b"\n") - 1
        offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise InvalidInput(
            f"not UTF-8: the file ends inside a character (line {line_no})", where=where
        ) from None
