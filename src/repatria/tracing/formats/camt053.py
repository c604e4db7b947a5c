"""ISO 20022 camt.053 (BankToCustomerStatement) into raw canonical records.

Read namespace-agnostically (element local names only), so the versions
camt.053.001.02 to .08 all parse; where versions differ the parser accepts both spellings
(``BIC``/``BICFI`` for an agent; ``Dbtr/Nm`` or ``Dbtr/Pty/Nm``; ``Sts`` as text or
``Sts/Cd``; ``TxDtls/AmtDtls/TxAmt/Amt`` or ``TxDtls/Amt``).

Each booked entry (``Ntry``) becomes one payment between the statement account
(``Stmt/Acct/Id/IBAN``, or ``Othr/Id``) and the counterparty account. The direction comes
from ``CdtDbtInd``: ``CRDT`` is money into the statement account from the debtor
(``RltdPties/DbtrAcct``), ``DBIT`` is money out to the creditor (``RltdPties/CdtrAcct``).
A reversal (``RvslInd``) is booked with the indicator of the reversal itself, so it needs
no special case. A batch entry whose transaction details (``TxDtls``) each carry an amount
adding up to the entry's becomes one payment per detail. Entries that are not booked
(status ``PDNG`` pending or ``INFO``) are left out, as they moved no money yet.

Ids: the bank's reference for the entry (``AcctSvcrRef``), else ``<statement id>/<n>``;
split batches add ``/<k>``. Booking date (``BookgDt``), else value date (``ValDt``), is the
timestamp. Countries come from the IBANs; banks from the BICs where given.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeAlias

from lxml import etree  # type: ignore[import-untyped]

from repatria.errors import InvalidInput
from repatria.tracing.formats import unknown_counterparty
from repatria.tracing.formats.bounds import check_parsed_size
from repatria.tracing.formats.iban import iban_country, normalise_iban

__all__ = ["parse_camt053"]

Record = dict[str, str | None]
_Element: TypeAlias = Any  # lxml ships no type information


def _children(node: _Element, name: str) -> list[_Element]:
    return [c for c in node if isinstance(c.tag, str) and etree.QName(c).localname == name]


def _child(node: _Element | None, *path: str) -> _Element | None:
    current = node
    for name in path:
        if current is None:
            return None
        found = _children(current, name)
        current = found[0] if found else None
    return current


def _text(node: _Element | None, *path: str) -> str | None:
    found = _child(node, *path)
    if found is None or found.text is None:
        return None
    value = found.text.strip()
    return value or None


def _account_id(acct: _Element | None) -> str | None:
    iban = _text(acct, "Id", "IBAN")
    if iban:
        return normalise_iban(iban)
    return _text(acct, "Id", "Othr", "Id")


def _agent_bic(agent: _Element | None) -> str | None:
    return _text(agent, "FinInstnId", "BICFI") or _text(agent, "FinInstnId", "BIC")


def _status(entry: _Element) -> str | None:
    return _text(entry, "Sts", "Cd") or _text(entry, "Sts")


def _date(entry: _Element) -> str | None:
    for where in ("BookgDt", "ValDt"):
        value = _text(entry, where, "DtTm") or _text(entry, where, "Dt")
        if value:
            return value
    return None


def _detail_amount(detail: _Element) -> _Element | None:
    found = _child(detail, "AmtDtls", "TxAmt", "Amt")
    return found if found is not None else _child(detail, "Amt")


def _counterparty(detail: _Element | None, credit: bool) -> tuple[str | None, str | None]:
    side, agent = ("Dbtr", "DbtrAgt") if credit else ("Cdtr", "CdtrAgt")
    parties = _child(detail, "RltdPties")
    account = _account_id(_child(parties, f"{side}Acct"))
    bank = _agent_bic(_child(detail, "RltdAgts", agent))
    return account, bank


def _split(entry: _Element, amount: str | None) -> list[_Element]:
    details = [d for n in _children(entry, "NtryDtls") for d in _children(n, "TxDtls")]
    if len(details) < 2 or amount is None:
        return details[:1]
    texts = [_text(d, "AmtDtls", "TxAmt", "Amt") or _text(d, "Amt") for d in details]
    try:
        if sum(Decimal(t or "x") for t in texts) == Decimal(amount):
            return details
    except InvalidOperation:
        pass
    return details[:1]


def _parser() -> _Element:
    """An XML parser that reads no DTD, expands no entity, fetches nothing from the network
    and keeps libxml2's limits on depth and text size (OWASP XXE Prevention Cheat Sheet;
    ASVS 5.5.2). A statement with a DTD is refused after this safe parse."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
    )


def parse_camt053(path: str | Path) -> list[Record]:
    """Every booked entry of every statement in the file, as raw canonical records."""
    p = Path(path)
    check_parsed_size(p)
    try:
        root = etree.parse(str(p), _parser())
    except etree.XMLSyntaxError as exc:
        raise InvalidInput(f"not well-formed XML: {exc}", where=str(p)) from exc
    except OSError as exc:  # lxml reports bytes invalid in the declared encoding so (R22)
        raise InvalidInput(f"not readable XML: {exc}", where=str(p)) from None
    if root.docinfo.doctype or root.docinfo.internalDTD is not None:
        raise InvalidInput(
            f"the file declares a DTD ({root.docinfo.doctype or '<!DOCTYPE>'}); a camt.053 "
            "statement has none, and entities and external references are not read",
            where=str(p),
        )
    top = root.getroot()
    statements = [s for b in _children(top, "BkToCstmrStmt") for s in _children(b, "Stmt")]
    if not statements:
        raise InvalidInput(
            "no BkToCstmrStmt/Stmt element: expected an ISO 20022 camt.053 statement, "
            f"found root element {etree.QName(top).localname!r}",
            where=str(p),
        )
    records: list[Record] = []
    position = 0
    for s_index, stmt in enumerate(statements, start=1):
        acct = _child(stmt, "Acct")
        own = _account_id(acct)
        if own is None:
            raise InvalidInput(
                f"statement {s_index} has no account (Acct/Id/IBAN or Acct/Id/Othr/Id)",
                where=str(p),
            )
        own_bank = _agent_bic(_child(acct, "Svcr"))
        stmt_id = _text(stmt, "Id") or f"statement-{s_index}"
        for e_index, entry in enumerate(_children(stmt, "Ntry"), start=1):
            position += 1
            if _status(entry) in ("PDNG", "INFO"):
                continue
            amt = _child(entry, "Amt")
            amount = None if amt is None or amt.text is None else amt.text.strip()
            currency = None if amt is None else amt.get("Ccy")
            indicator = _text(entry, "CdtDbtInd")
            credit = indicator == "CRDT"
            base_id = _text(entry, "AcctSvcrRef") or f"{stmt_id}/{e_index}"
            details = _split(entry, amount)
            pieces: list[tuple[str, str | None, str | None, _Element | None]] = []
            if len(details) > 1:
                for k, d in enumerate(details, start=1):
                    d_amt = _detail_amount(d)
                    pieces.append(
                        (
                            f"{base_id}/{k}",
                            None if d_amt is None else (d_amt.text or "").strip(),
                            currency if d_amt is None else d_amt.get("Ccy", currency),
                            d,
                        )
                    )
            else:
                pieces.append((base_id, amount, currency, details[0] if details else None))
            for tid, value, ccy, detail in pieces:
                other, other_bank = _counterparty(detail, credit)
                other = other or unknown_counterparty(own)
                if indicator not in ("CRDT", "DBIT"):
                    raise InvalidInput(
                        f"entry {e_index} of statement {stmt_id!r}: CdtDbtInd is "
                        f"{indicator!r}, expected CRDT (money in) or DBIT (money out)",
                        where=str(p),
                    )
                if credit:
                    payer, payee = other, own
                else:
                    payer, payee = own, other
                records.append(
                    {
                        "_row": str(position),
                        "id": tid,
                        "timestamp": _date(entry),
                        "from_account": payer,
                        "to_account": payee,
                        "amount": value,
                        "currency": ccy,
                        "from_bank": other_bank if credit else own_bank,
                        "to_bank": own_bank if credit else other_bank,
                        "from_country": iban_country(payer),
                        "to_country": iban_country(payee),
                    }
                )
    return records
