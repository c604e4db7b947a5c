"""Currency codes the canonical table accepts: ISO 4217, and the names AMLworld uses.

The list is ISO 4217 list one (current alphabetic codes, as published by the maintenance
agency, SIX, for 2025), plus codes withdrawn since 1999 that still appear in bank records
of their time (e.g. HRK before Croatia adopted the euro on 1 January 2023), minus the two
codes that are not money: XTS (reserved for testing) and XXX (no currency).

One code outside ISO 4217 is accepted: ``XBT`` for bitcoin, the ISO-style code in common
use, because the IBM AMLworld data sets (Altman et al., 2023) pay in "Bitcoin".
"""

from __future__ import annotations

__all__ = ["AMLWORLD_CURRENCIES", "CURRENT", "KNOWN", "NON_ISO", "WITHDRAWN"]


def _codes(text: str) -> frozenset[str]:
    """The codes in a block of text separated by white space (easier to proofread)."""
    return frozenset(text.split())


CURRENT: frozenset[str] = _codes(
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
"""ISO 4217 list one, without XTS and XXX."""

WITHDRAWN: frozenset[str] = _codes(
    """
    ANG BGL BYR CUC CYP DEM EEK ESP FIM FRF GHC GRD HRK IEP ITL LTL LVL MRO MTL MZM NLG
    PTE ROL SDD SIT SKK SLL SRG STD TMM TRL VEB VEF YUM ZMK ZWD ZWL ATS BEF LUF
    """
)
"""Codes withdrawn since 1999 that bank records of their time still carry."""

NON_ISO: frozenset[str] = frozenset({"XBT"})
"""Accepted although not in ISO 4217 (bitcoin, as AMLworld pays in it)."""

KNOWN: frozenset[str] = CURRENT | WITHDRAWN | NON_ISO
"""Every code the canonical table accepts."""

AMLWORLD_CURRENCIES: dict[str, str] = {
    "US Dollar": "USD",
    "Euro": "EUR",
    "Yuan": "CNY",
    "Yen": "JPY",
    "UK Pound": "GBP",
    "Rupee": "INR",
    "Ruble": "RUB",
    "Canadian Dollar": "CAD",
    "Australian Dollar": "AUD",
    "Swiss Franc": "CHF",
    "Brazil Real": "BRL",
    "Mexican Peso": "MXN",
    "Saudi Riyal": "SAR",
    "Shekel": "ILS",
    "Bitcoin": "XBT",
}
"""The currency names in AMLworld's ``Receiving Currency``/``Payment Currency`` columns."""
