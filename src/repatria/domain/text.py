"""Text people type that others will read: refused when it cannot be shown honestly.

A name or a title is read by officers of two states and ends in court papers, so what is
shown must be what was typed. Two kinds of characters break that: control characters (NUL
written raw into a page or a PDF, escape sequences in a terminal) and the bidirectional
embedding, override and isolate marks of Unicode (UAX #9, U+202A-U+202E, U+2066-U+2069),
which reorder what follows them and make "gpj.exe" look like "exe.jpg" (the "Trojan Source"
family of spoofs). Right-to-left scripts themselves (Arabic, Hebrew) need none of them and
stay accepted; so do the implicit marks LRM/RLM/ALM, which only nudge neutral characters.
"""

from __future__ import annotations

import unicodedata

from repatria.errors import InvalidInput

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Embeddings, overrides and isolates (UAX #9 §2.1-2.4): they reorder the text after them."""

_LINE_BREAKS = frozenset("\n\r\t")


def check_shown_text(value: str, *, where: str, multiline: bool = False) -> str:
    """Return ``value`` if every character can be shown as typed, else say which one is not.

    ``multiline`` allows line breaks and tabs (summaries, reasons); names and titles are one
    line. Unassigned code points and private-use characters are refused too: nobody reading
    the other state's copy could know what they stand for.
    """
    for i, char in enumerate(value):
        if multiline and char in _LINE_BREAKS:
            continue
        category = unicodedata.category(char)
        if char in BIDI_CONTROLS:
            raise InvalidInput(
                f"character {i + 1} is the invisible direction control U+{ord(char):04X}"
                f" ({unicodedata.name(char)}), which reorders what is shown; remove it",
                where=where,
            )
        if category in ("Cc", "Cs", "Co", "Cn"):
            kind = {"Cc": "a control character", "Cs": "a lone surrogate",
                    "Co": "a private-use character", "Cn": "an unassigned code point"}[category]  # fmt: skip
            shown = "a line break" if char in _LINE_BREAKS else kind
            raise InvalidInput(
                f"character {i + 1} is {shown} (U+{ord(char):04X}), which cannot be shown"
                " as typed; remove it",
                where=where,
            )
    return value
