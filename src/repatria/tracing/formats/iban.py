"""International Bank Account Numbers: recognise them, read their country, find them in text.

Validation and normalisation are rigour's (``rigour.ids.IBAN``, on python-stdnum): ISO 13616-1
(two letters for the ISO 3166-1 country, two check digits, the country's BBAN format from the
SWIFT IBAN registry) and the ISO 7064 MOD 97-10 check digits. What no library does is kept
here: finding an IBAN inside the free text of a statement line. The country of an IBAN is
where the account is held, which tracing uses as the account's country.
"""

from __future__ import annotations

import re

from rigour.ids import IBAN

__all__ = ["find_iban", "iban_country", "is_iban", "normalise_iban"]

_IN_TEXT = re.compile(r"(?<![A-Z0-9])[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30}")
"""A candidate as IBANs are printed: capitals and digits, maybe in groups of four."""

_SHORTEST = 15
"""The shortest IBAN (Norway, ISO 13616 registry): a candidate is never cut below this."""


def normalise_iban(text: str) -> str:
    """The electronic format of ISO 13616 (upper case, no separators).

    A valid IBAN is rigour's normal form; text that is not one only loses its white space and
    case, so that an account number that is no IBAN still reads as the statement wrote it.
    """
    return IBAN.normalize(text) or "".join(text.split()).upper()


def is_iban(text: str) -> bool:
    """Whether ``text`` is an IBAN: the country's format and correct check digits (rigour)."""
    return IBAN.is_valid(text)


def iban_country(text: str | None) -> str | None:
    """The country code of a valid IBAN, else ``None``."""
    if text and is_iban(text):
        return normalise_iban(text)[:2]
    return None


def find_iban(text: str) -> str | None:
    """The first valid IBAN written in free text (with or without groups of four).

    Upper-case letters and digits only, as IBANs are printed; a run that goes on into other
    capitals (``GB82WEST12345698765432SHELL``) is cut back to its longest valid prefix.
    """
    for match in _IN_TEXT.finditer(text):
        compact = "".join(match.group(0).split())
        for end in range(len(compact), _SHORTEST - 1, -1):
            if is_iban(compact[:end]):
                return normalise_iban(compact[:end])
    return None
