"""Plain dataclasses returned by the repositories (no Telegram objects, no connections)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Any


@lru_cache(maxsize=4096)  # read for every update of the community; changes rarely
def _settings(settings_json: str) -> Mapping[str, Any]:
    return MappingProxyType(json.loads(settings_json))


ROLES = ("classroom", "subject", "religion", "pe", "counsellor", "staff", "other")
KINDS = ("intra", "kkg", "mgmp", "other")


@dataclass(frozen=True)
class Community:
    id: int
    chat_id: int
    chat_title: str
    name: str | None
    kind: str | None
    schools: str | None
    tz: str
    work_days: int
    locale: str
    active: bool
    setup_done: bool
    settings: Mapping[str, Any] = field(default_factory=dict)  # read-only (shared between reads)
    created_at: int | None = None  # when the bot first met the community (no figure exists before it)

    @property
    def display_name(self) -> str:
        return self.name or self.chat_title

    COLUMNS = ("id", "chat_id", "chat_title", "name", "kind", "schools", "tz", "work_days", "locale", "active",
               "setup_done", "settings_json", "created_at")

    @classmethod
    def from_values(cls, v: Any) -> Community:
        """From the values of COLUMNS, in order (the hot path reads them positionally)."""
        return cls(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], bool(v[9]), bool(v[10]), _settings(v[11]),
                   v[12])

    @classmethod
    def from_row(cls, r: Any) -> Community:
        return cls(
            id=r["id"], chat_id=r["chat_id"], chat_title=r["chat_title"], name=r["name"], kind=r["kind"],
            schools=r["schools"], tz=r["tz"], work_days=r["work_days"], locale=r["locale"],
            active=bool(r["active"]), setup_done=bool(r["setup_done"]), settings=_settings(r["settings_json"]),
            created_at=r["created_at"],
        )


@dataclass(frozen=True)
class User:
    id: int
    first_name: str
    last_name: str | None
    username: str | None
    language_code: str | None
    locale: str | None
    private_status: str
    current_community_id: int | None

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or (self.username or str(self.id))

    @property
    def reachable(self) -> bool:
        return self.private_status == "started"

    COLUMNS = ("id", "first_name", "last_name", "username", "language_code", "locale", "private_status",
               "current_community_id")

    @classmethod
    def from_values(cls, v: Any) -> User:
        return cls(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7])

    @classmethod
    def from_row(cls, r: Any) -> User:
        return cls(
            id=r["id"], first_name=r["first_name"], last_name=r["last_name"], username=r["username"],
            language_code=r["language_code"], locale=r["locale"], private_status=r["private_status"],
            current_community_id=r["current_community_id"],
        )


@dataclass(frozen=True)
class Member:
    community_id: int
    user_id: int
    role: str
    pic: bool | None
    active: bool
    allow_quote: bool
    allow_named: bool
    joined_at: int
    name: str = ""
    left_at: int | None = None  # when they left the Telegram group (or were removed); None while in it

    COLUMNS = ("community_id", "user_id", "role", "pic", "active", "allow_quote", "allow_named", "joined_at",
               "left_at")

    @property
    def departed(self) -> bool:
        """Left the group, or was removed or banned from it: no rights, no reminders until they return."""
        return self.left_at is not None

    @classmethod
    def from_values(cls, v: Any, name: str = "") -> Member:
        return cls(v[0], v[1], v[2], None if v[3] is None else bool(v[3]), bool(v[4]), bool(v[5]), bool(v[6]), v[7],
                   name, v[8])

    @classmethod
    def from_row(cls, r: Any) -> Member:
        keys = r.keys()
        return cls(
            community_id=r["community_id"], user_id=r["user_id"], role=r["role"],
            pic=None if r["pic"] is None else bool(r["pic"]), active=bool(r["active"]),
            allow_quote=bool(r["allow_quote"]), allow_named=bool(r["allow_named"]), joined_at=r["joined_at"],
            name=(" ".join(p for p in (r["first_name"], r["last_name"]) if p) if "first_name" in keys else ""),
            left_at=r["left_at"] if "left_at" in keys else None,
        )


@dataclass(frozen=True)
class Flow:
    chat_id: int
    user_id: int
    name: str
    step: str
    data: dict[str, Any]
    prompt_message_id: int | None
    community_id: int | None
    updated_at: int

    @classmethod
    def from_row(cls, r: Any) -> Flow:
        return cls(
            chat_id=r["chat_id"], user_id=r["user_id"], name=r["name"], step=r["step"],
            data=json.loads(r["data_json"]), prompt_message_id=r["prompt_message_id"],
            community_id=r["community_id"], updated_at=r["updated_at"],
        )
