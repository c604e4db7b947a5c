"""What a kept trace says, as typed values: the summary file and the timeline's record of runs.

A trace's summary is kept as ``trace.json`` beside its picture and read back for the page,
the API and the drafting of freezing requests (UNCAC 54(2), 55(2)); amounts are decimal
strings with two places, as written, so reading one back changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class StateToAsk:
    """A state holding tainted balances, and the accounts there (UNCAC 46(3)(c))."""

    code: str
    name: str
    amount: str
    accounts: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "amount": self.amount,
            "accounts": list(self.accounts),
        }


@dataclass(frozen=True, slots=True)
class AssetToFreeze:
    """An account holding a tainted balance, for a freezing request (UNCAC 54(2))."""

    account: str
    bank: str | None
    country: str | None
    amount: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "bank": self.bank,
            "country": self.country,
            "amount": self.amount,
        }


@dataclass(frozen=True, slots=True)
class TraceSummary:
    """One kept trace: file, rule and its legal source, totals, states to ask, assets."""

    trace: str
    case: str
    file_sha256: str
    file_name: str
    rule: str
    rule_source: str
    seeds: tuple[str, ...]
    currency: str | None
    total_tainted: str
    by_country: dict[str, str]
    jurisdictions_to_ask: tuple[StateToAsk, ...]
    assets_to_freeze: tuple[AssetToFreeze, ...]
    result: dict[str, Any] = field(repr=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TraceSummary:
        return cls(
            trace=data["trace"],
            case=data["case"],
            file_sha256=data["file_sha256"],
            file_name=data["file_name"],
            rule=data["rule"],
            rule_source=data["rule_source"],
            seeds=tuple(data["seeds"]),
            currency=data["currency"],
            total_tainted=data["total_tainted"],
            by_country=dict(data["by_country"]),
            jurisdictions_to_ask=tuple(
                StateToAsk(j["code"], j["name"], j["amount"], tuple(j["accounts"]))
                for j in data["jurisdictions_to_ask"]
            ),
            assets_to_freeze=tuple(
                AssetToFreeze(a["account"], a["bank"], a["country"], a["amount"])
                for a in data["assets_to_freeze"]
            ),
            result=data["result"],
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "trace": self.trace,
            "case": self.case,
            "file_sha256": self.file_sha256,
            "file_name": self.file_name,
            "rule": self.rule,
            "rule_source": self.rule_source,
            "seeds": list(self.seeds),
            "currency": self.currency,
            "total_tainted": self.total_tainted,
            "by_country": dict(self.by_country),
            "jurisdictions_to_ask": [j.to_dict() for j in self.jurisdictions_to_ask],
            "assets_to_freeze": [a.to_dict() for a in self.assets_to_freeze],
            "result": self.result,
        }


@dataclass(frozen=True, slots=True)
class TraceRun:
    """A trace as the case timeline records it: when, by whom, and the event's details."""

    at: str
    by: str
    details: dict[str, Any]

    @property
    def trace(self) -> str:
        return str(self.details["trace"])

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at, "by": self.by, **self.details}
