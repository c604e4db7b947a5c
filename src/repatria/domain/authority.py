"""Authorities and their contact points.

UNCAC Art. 46(13) makes each state designate a central authority that receives
requests; a state may require the diplomatic channel, and in urgent cases
INTERPOL where both states agree. 46(14) lets it name the languages it accepts.
Asset recovery offices, financial intelligence units, prosecutors and courts
also appear in a case, each reachable through its own channels.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from repatria.domain.jurisdiction import parse_jurisdiction
from repatria.domain.language import parse_language
from repatria.errors import InvalidInput


class AuthorityRole(StrEnum):
    CENTRAL_AUTHORITY = "central-authority"
    ASSET_RECOVERY_OFFICE = "asset-recovery-office"
    FIU = "fiu"
    PROSECUTOR = "prosecutor"
    COURT = "court"


class Channel(StrEnum):
    """How a request reaches an authority (UNCAC 46(13))."""

    CENTRAL_AUTHORITY = "central-authority"
    DIPLOMATIC = "diplomatic"
    INTERPOL = "interpol"
    DIRECT = "direct"
    REPATRIA = "repatria"


@dataclass(frozen=True, slots=True)
class ContactPoint:
    """An authority as others reach it."""

    key: str
    name: str
    role: AuthorityRole
    jurisdiction: str
    languages: tuple[str, ...]
    channels: tuple[Channel, ...]
    email: str | None = None
    phone: str | None = None
    urgent_24_7: bool = False

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ContactPoint:
        """Parse and validate; every problem names its field."""
        name = _text(data, "name", 200)
        key = _text(data, "key", 64)
        if not all(c.isalnum() or c in "-_." for c in key):
            raise InvalidInput("use letters, digits, '-', '_' or '.' only", where="key")
        role_raw = _text(data, "role", 40)
        try:
            role = AuthorityRole(role_raw)
        except ValueError:
            accepted = ", ".join(r.value for r in AuthorityRole)
            raise InvalidInput(
                f"unknown role {role_raw!r}; accepted: {accepted}", where="role"
            ) from None
        jurisdiction = parse_jurisdiction(_text(data, "jurisdiction", 8), where="jurisdiction")
        languages = tuple(
            parse_language(v, where=f"languages[{i}]")
            for i, v in enumerate(_list(data, "languages"))
        )
        if not languages:
            raise InvalidInput("at least one accepted language (UNCAC 46(14))", where="languages")
        channels = []
        for i, v in enumerate(_list(data, "channels") or [Channel.CENTRAL_AUTHORITY.value]):
            try:
                channels.append(Channel(v))
            except ValueError:
                accepted = ", ".join(c.value for c in Channel)
                raise InvalidInput(
                    f"unknown channel {v!r}; accepted: {accepted}", where=f"channels[{i}]"
                ) from None
        email = data.get("email")
        if email is not None and (not isinstance(email, str) or "@" not in email):
            raise InvalidInput(f"not an e-mail address: {email!r}", where="email")
        phone = data.get("phone")
        if phone is not None and not isinstance(phone, str):
            raise InvalidInput("expected text", where="phone")
        return cls(
            key=key,
            name=name,
            role=role,
            jurisdiction=jurisdiction.code,
            languages=languages,
            channels=tuple(channels),
            email=email,
            phone=phone,
            urgent_24_7=bool(data.get("urgent_24_7", False)),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "role": self.role.value,
            "jurisdiction": self.jurisdiction,
            "languages": list(self.languages),
            "channels": [c.value for c in self.channels],
            "email": self.email,
            "phone": self.phone,
            "urgent_24_7": self.urgent_24_7,
        }


def _text(data: Mapping[str, Any], field: str, max_length: int) -> str:
    value = data.get(field)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("required text is missing", where=field)
    if len(value) > max_length:
        raise InvalidInput(f"longer than {max_length} characters", where=field)
    return value.strip()


def _list(data: Mapping[str, Any], field: str) -> list[str]:
    value = data.get(field, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Iterable) or not all(isinstance(v, str) for v in value):
        raise InvalidInput("expected a list of text values", where=field)
    return list(value)
