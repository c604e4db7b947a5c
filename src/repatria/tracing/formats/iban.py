"""International Bank Account Numbers: recognise them and read their country.

ISO 13616-1:2020: two letters (ISO 3166-1 alpha-2 country), two check digits, then up to
30 letters and digits; valid when the number formed by moving the first four characters to
the end and replacing letters by 10..35 is 1 modulo 97 (ISO 7064 MOD 97-10). The country
of an IBAN is where the account is held, which tracing uses as the account's country.
"""

from __future__ import annotations

import re

__all__ = ["find_iban", "iban_country", "is_iban", "normalise_iban"]

_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
_IN_TEXT = re.compile(r"(?<![A-Z0-9])[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30}")


def normalise_iban(text: str) -> str:
    """Upper case, no spaces (the electronic format of ISO 13616)."""
    return "".join(text.split()).upper()


def is_iban(text: str) -> bool:
    """Whether ``text`` is a well-formed IBAN with correct check digits."""
    value = normalise_iban(text)
    if not _SHAPE.match(value):
        return False
    moved = value[4:] + value[:4]
    digits = "".join(str(int(ch, 36)) for ch in moved)
    return int(digits) % 97 == 1


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
        compact = normalise_iban(match.group(0))
        for end in range(len(compact), 14, -1):
            if is_iban(compact[:end]):
                return compact[:end]
    return None
