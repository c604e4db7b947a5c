"""Text people type that others will read: refused when it cannot be shown honestly.

A name or a title is read by officers of two states and ends in court papers, so what is
shown must be what was typed. Two kinds of characters break that: control characters (NUL
written raw into a page or a PDF, escape sequences in a terminal) and the bidirectional
embedding, override and isolate marks of Unicode (UAX #9, U+202A-U+202E, U+2066-U+2069),
which reorder what follows them and make "gpj.exe" look like "exe.jpg" (the "Trojan Source"
family of spoofs). Right-to-left scripts themselves (Arabic, Hebrew) need none of them and
stay accepted; so do the implicit marks LRM/RLM/ALM, which only nudge neutral characters.

Characters this Python's Unicode tables call unassigned, and private-use ones, are kept: the
other state's node may run a newer Unicode in which they are assigned (a rare CJK name
character added in Unicode 15 is unassigned in Python 3.11's 14.0), and refusing a person's
name for that would be worse than a glyph one font lacks. Lone surrogates cannot be stored as
UTF-8 and are refused.

The same rule is published in the API schema as a pattern (``SHOWN_LINE``, ``SHOWN_TEXT``), so
what the schema calls valid is what this check accepts (issue 13.8; a test holds the two
together).
"""

from __future__ import annotations

import unicodedata

from repatria.errors import InvalidInput

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Embeddings, overrides and isolates (UAX #9 §2.1-2.4): they reorder the text after them."""

_LINE_BREAKS = frozenset("\n\r\t")

# Lone surrogates (refused by the check) are not in the patterns: regex engines that work on
# Unicode scalar values, as JSON Schema validators do, refuse a pattern naming them, and no
# UTF-8 text can carry one.
_HIDDEN = r"\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069"
_HIDDEN_BUT_BREAKS = r"\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069"

SHOWN_LINE = f"^[^{_HIDDEN}]*$"
"""One line that can be shown as typed, as an ECMA-262 pattern (JSON Schema §6.3.3)."""
SHOWN_WORDS = f"^[^{_HIDDEN}]*[^\\s{_HIDDEN}][^{_HIDDEN}]*$"
"""One such line with something to read in it (a title: not only spaces)."""
SHOWN_TEXT = f"^[^{_HIDDEN_BUT_BREAKS}]*$"
"""Text of several lines (tab, line feed, carriage return allowed), as a pattern."""


def check_shown_text(value: str, *, where: str, multiline: bool = False) -> str:
    """Return ``value`` if every character can be shown as typed, else say which one is not.

    ``multiline`` allows line breaks and tabs (summaries, reasons); names and titles are one
    line.
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
        if category in ("Cc", "Cs"):
            kind = "a control character" if category == "Cc" else "a lone surrogate"
            shown = "a line break" if char in _LINE_BREAKS else kind
            raise InvalidInput(
                f"character {i + 1} is {shown} (U+{ord(char):04X}), which cannot be shown"
                " as typed; remove it",
                where=where,
            )
    return value
