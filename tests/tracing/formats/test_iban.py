"""IBANs through rigour agree with ISO 13616's MOD 97-10 check, and are stricter only by country.

The reference below is the check the project wrote itself before it used rigour (ISO 7064
MOD 97-10 on the rearranged number, ISO 13616-1 clause 6); the examples are the SWIFT IBAN
registry's.
"""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from repatria.tracing.formats.iban import find_iban, iban_country, is_iban, normalise_iban

REGISTRY_EXAMPLES = [
    "GB29NWBK60161331926819",
    "GB82WEST12345698765432",
    "DE89370400440532013000",
    "FR1420041010050500013M02606",
    "NL91ABNA0417164300",
    "CH9300762011623852957",
    "ES9121000418450200051332",
    "IT60X0542811101000000123456",
    "NO9386011117947",
    "AT611904300234573201",
    "SA0380000000608010167519",
]

_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")


def mod_97_10(text: str) -> bool:
    """The check without a library: shape, then the rearranged number is 1 modulo 97."""
    value = "".join(text.split()).upper()
    if not _SHAPE.match(value):
        return False
    moved = value[4:] + value[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


def test_registry_examples_are_valid_by_both() -> None:
    for example in REGISTRY_EXAMPLES:
        assert is_iban(example) and mod_97_10(example), example
        assert iban_country(example) == example[:2]


def test_known_invalid_ibans_are_refused_by_both() -> None:
    for bad in [
        "GB82WEST12345698765433",  # one digit changed
        "DE00370400440532013000",  # check digits 00
        "XX89370400440532013000",  # no such country
        "GB82WEST1234569876543",  # one character short
        "0012-3456",
        "",
    ]:
        assert not is_iban(bad) and not mod_97_10(bad), bad
        assert iban_country(bad) is None


def test_rigour_is_stricter_where_the_country_says_more() -> None:
    """MOD 97-10 alone passes these; rigour (python-stdnum) checks the country's own format."""
    candidates = (f"DE{d:02d}3704004405320130001" for d in range(100))
    one_digit_too_long = next(c for c in candidates if mod_97_10(c))  # German IBANs have 22
    assert not is_iban(one_digit_too_long)
    belgian_unknown_bank = "BE68539007547034"  # the registry's example; bank 539 is not listed
    assert mod_97_10(belgian_unknown_bank) and not is_iban(belgian_unknown_bank)


def test_normal_form_is_upper_case_without_separators() -> None:
    assert normalise_iban("de89 3704 0044 0532 0130 00") == "DE89370400440532013000"
    assert normalise_iban("DE89-3704-0044-0532-0130-00") == "DE89370400440532013000"
    assert normalise_iban("acct 12 34") == "ACCT1234"  # not an IBAN: only spaces and case


@given(st.sampled_from(REGISTRY_EXAMPLES), st.data())
def test_any_single_character_change_is_caught(example: str, data: st.DataObject) -> None:
    """MOD 97-10 detects every single substitution (ISO 7064), and so does rigour."""
    position = data.draw(st.integers(min_value=2, max_value=len(example) - 1))
    alphabet = "0123456789" if example[position].isdigit() else "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    other = data.draw(st.sampled_from([c for c in alphabet if c != example[position]]))
    changed = example[:position] + other + example[position + 1 :]
    assert not mod_97_10(changed)
    assert not is_iban(changed)


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ", max_size=40))
def test_rigour_never_accepts_what_mod_97_10_refuses(text: str) -> None:
    if is_iban(text):
        assert mod_97_10(text)


def test_free_text_scan_finds_the_iban_and_stops_where_it_ends() -> None:
    assert find_iban("ref GB82WEST12345698765432SHELL LTD") == "GB82WEST12345698765432"
    assert find_iban("pay DE89 3704 0044 0532 0130 00 thanks") == "DE89370400440532013000"
    assert find_iban("no account here, DE00 1234") is None
    assert find_iban("two: NL91ABNA0417164300 and GB29NWBK60161331926819") == "NL91ABNA0417164300"
