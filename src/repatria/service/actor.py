"""The authenticated person on whose behalf a use case runs."""

from __future__ import annotations

from dataclasses import dataclass

from repatria.domain.access import Role


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: int
    username: str
    display_name: str
    roles: frozenset[Role]

    def has(self, role: Role) -> bool:
        return role in self.roles
