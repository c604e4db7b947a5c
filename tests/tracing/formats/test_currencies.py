"""The currency codes from Babel's CLDR data cover the ISO 4217 list the project kept by hand."""

from __future__ import annotations

from repatria.tracing.formats.currencies import (
    AMLWORLD_CURRENCIES,
    CURRENT,
    KNOWN,
    NON_ISO,
    NOT_ISO,
    NOT_MONEY,
    WITHDRAWN,
)


def _codes(text: str) -> set[str]:
    """Codes separated by white space, as the hand-kept list was written (easy to proofread)."""
    return set(text.split())


ISO_4217_LIST_ONE_2025 = _codes(
    """
    AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD
    BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP
    DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS
    INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL
    LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR
    NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP
    SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN
    UYI UYU UYW UZS VED VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD
    XPF XPT XSU XUA YER ZAR ZMW ZWG
    """
)
"""The list the project kept before it used Babel (ISO 4217 list one, SIX, 2025, without XTS
and XXX); the test that it is covered stands in for the old behaviour."""

WITHDRAWN_SINCE_1999_BY_HAND = _codes(
    """
    ANG BGL BYR CUC CYP DEM EEK ESP FIM FRF GHC GRD HRK IEP ITL LTL LVL MRO MTL MZM NLG
    PTE ROL SDD SIT SKK SLL SRG STD TMM TRL VEB VEF YUM ZMK ZWD ZWL ATS BEF LUF
    """
)


def test_every_code_accepted_before_is_accepted_now() -> None:
    assert ISO_4217_LIST_ONE_2025 | WITHDRAWN_SINCE_1999_BY_HAND | {"XBT"} <= KNOWN


def test_current_codes_agree_with_iso_except_where_cldr_records_a_change() -> None:
    # Bulgaria adopted the euro on 1 January 2026; El Salvador has paid in US dollars since
    # 2001 and ISO still lists SVC. Both remain accepted, as withdrawn codes.
    assert {"BGN", "SVC"} == ISO_4217_LIST_ONE_2025 - CURRENT
    assert {"BGN", "SVC"} <= WITHDRAWN
    # The Arab Accounting Dinar, added to ISO 4217 in 2025, after the hand-kept list.
    assert {"XAD"} == CURRENT - ISO_4217_LIST_ONE_2025


def test_what_is_not_money_or_not_iso_is_refused() -> None:
    assert not (NOT_MONEY | NOT_ISO) & KNOWN
    assert {"XXX", "XTS", "CNH", "usd", "US", "ABC"}.isdisjoint(KNOWN)


def test_withdrawn_codes_are_no_longer_current() -> None:
    assert {"HRK", "DEM", "FRF", "LTL", "VEF", "ZWL"} <= WITHDRAWN
    assert not CURRENT & WITHDRAWN
    assert "DEM" not in CURRENT and "HRK" not in CURRENT


def test_amlworld_names_map_to_accepted_codes() -> None:
    assert set(AMLWORLD_CURRENCIES.values()) <= KNOWN
    assert AMLWORLD_CURRENCIES["Bitcoin"] in NON_ISO
