"""Repositories of the foundation: communities, users, members, flows, processed updates (principals:
`storage/principals.py`, bundled here as `Repos.principals`).

Each takes the `Database` and returns dataclasses from `storage.models`. No Telegram objects here.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from storage.chats import CHAT_ID_COLUMNS, register_chat_column, still_in_group  # noqa: F401  (re-exported)
from storage.cycle import CycleStore
from storage.db import Database, Tx  # noqa: F401  (Tx re-exported for feature repositories)
from storage.delivery import DeliveryLedger
from storage.groups import GroupTargets, WorkGroups
from storage.health import Health
from storage.journal_loop import JournalLoopRepo
from storage.live import LiveMessages
from storage.models import Community, Flow, Member, User
from storage.observe import Observations
from storage.principals import Principals
from storage.programme import ActivityRepo, AgreementRepo, MapRepo
from storage.reports import Reports
from storage.rhythm import RhythmStore
from storage.roster_welcome import Welcomes
from storage.surveys import Surveys


class Communities:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def by_chat(self, chat_id: int) -> Community | None:
        row = await self.db.fetchone("SELECT * FROM communities WHERE chat_id = ?", (chat_id,))
        return Community.from_row(row) if row else None

    async def get(self, community_id: int) -> Community | None:
        row = await self.db.fetchone("SELECT * FROM communities WHERE id = ?", (community_id,))
        return Community.from_row(row) if row else None

    async def created_at(self, community_id: int) -> int | None:
        """When the bot first met the community (no figure exists before it)."""
        return await self.db.scalar("SELECT created_at FROM communities WHERE id = ?", (community_id,))

    async def ensure(self, chat_id: int, title: str, *, tz: str, locale: str, now: int) -> tuple[Community, bool]:
        """The community of a group chat, created if unknown. Returns (community, created)."""
        existing = await self.by_chat(chat_id)
        if existing:
            if title and title != existing.chat_title:
                async with self.db.tx(mark=False) as tx:
                    await tx.execute("UPDATE communities SET chat_title = ?, updated_at = ? WHERE id = ?",
                                     (title, now, existing.id))
                return await self.get(existing.id), False  # type: ignore[return-value]
            return existing, False
        async with self.db.tx(mark=False) as tx:  # incidental: recreating it on a re-delivery is a no-op
            await tx.execute(
                "INSERT INTO communities (chat_id, chat_title, tz, locale, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id) DO NOTHING",
                (chat_id, title or "", tz, locale, now, now),
            )
        return await self.by_chat(chat_id), True  # type: ignore[return-value]

    async def update(self, community_id: int, now: int, **fields: Any) -> Community:
        allowed = {"name", "kind", "schools", "tz", "work_days", "locale", "active", "setup_done", "chat_title"}
        bad = set(fields) - allowed
        if bad:
            raise ValueError(f"unknown community fields: {bad}")
        if fields:
            cols = ", ".join(f"{k} = ?" for k in fields)
            async with self.db.tx() as tx:
                await tx.execute(f"UPDATE communities SET {cols}, updated_at = ? WHERE id = ?",
                                 (*fields.values(), now, community_id))
        return await self.get(community_id)  # type: ignore[return-value]

    async def set_setting(self, community_id: int, key: str, value: Any, now: int) -> None:
        async with self.db.tx() as tx:
            row = await tx.fetchone("SELECT settings_json FROM communities WHERE id = ?", (community_id,))
            data = json.loads(row["settings_json"]) if row else {}
            data[key] = value
            await tx.execute("UPDATE communities SET settings_json = ?, updated_at = ? WHERE id = ?",
                             (json.dumps(data), now, community_id))

    async def forget_setting(self, community_id: int, key: str, value: Any, now: int) -> bool:
        """Remove a setting if it still holds `value` (one that turned out stale: not a person's edit, so
        not counted as handling the current update). True if it was removed."""
        async with self.db.tx(mark=False) as tx:
            row = await tx.fetchone("SELECT settings_json FROM communities WHERE id = ?", (community_id,))
            data = json.loads(row["settings_json"]) if row else {}
            if key not in data or data[key] != value:
                return False
            del data[key]
            await tx.execute("UPDATE communities SET settings_json = ?, updated_at = ? WHERE id = ?",
                             (json.dumps(data), now, community_id))
        return True

    async def set_active(self, chat_id: int, active: bool, now: int) -> None:
        async with self.db.tx() as tx:
            await tx.execute("UPDATE communities SET active = ?, updated_at = ? WHERE chat_id = ?",
                             (int(active), now, chat_id))

    async def migrate_chat(self, old_chat_id: int, new_chat_id: int, now: int) -> bool:
        """Move every row keyed by the old group id to the new supergroup id, in one transaction."""
        async with self.db.tx() as tx:
            clash = await tx.fetchone("SELECT id FROM communities WHERE chat_id = ?", (new_chat_id,))
            old = await tx.fetchone("SELECT id FROM communities WHERE chat_id = ?", (old_chat_id,))
            if old is None:
                return False
            if clash is not None:  # the new id was onboarded first (its first message came earlier): drop it
                await tx.execute("DELETE FROM communities WHERE id = ?", (clash["id"],))
            for table, column in CHAT_ID_COLUMNS:
                await tx.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?", (new_chat_id, old_chat_id))
            await tx.execute("UPDATE communities SET updated_at = ? WHERE chat_id = ?", (now, new_chat_id))
        return True

    async def all_active(self) -> list[Community]:
        rows = await self.db.fetchall("SELECT * FROM communities WHERE active = 1 ORDER BY id")
        return [Community.from_row(r) for r in rows]


class Users:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, user_id: int) -> User | None:
        row = await self.db.fetchone("SELECT * FROM users WHERE id = ?", (user_id,))
        return User.from_row(row) if row else None

    async def upsert(self, user_id: int, first_name: str, last_name: str | None, username: str | None,
                     language_code: str | None, now: int, *, known: User | None | bool = False) -> User:
        """Record what Telegram says of a person; writes only when something changed. `known` is the row
        the caller already read (None: no row), to save reading it again."""
        current = await self.get(user_id) if known is False else known
        if current and (current.first_name, current.last_name, current.username, current.language_code) == (
            first_name or "", last_name, username, language_code
        ):
            return current
        async with self.db.tx(mark=False) as tx:
            await tx.execute(
                "INSERT INTO users (id, first_name, last_name, username, language_code, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET first_name = excluded.first_name,"
                " last_name = excluded.last_name, username = excluded.username,"
                " language_code = excluded.language_code, updated_at = excluded.updated_at",
                (user_id, first_name or "", last_name, username, language_code, now, now),
            )
        return await self.get(user_id)  # type: ignore[return-value]

    async def set_locale(self, user_id: int, locale: str | None, now: int) -> None:
        async with self.db.tx() as tx:
            await tx.execute("UPDATE users SET locale = ?, updated_at = ? WHERE id = ?", (locale, now, user_id))

    async def set_private_status(self, user_id: int, status: str, now: int) -> None:
        async with self.db.tx() as tx:
            await tx.execute("UPDATE users SET private_status = ?, updated_at = ? WHERE id = ?",
                             (status, now, user_id))

    async def set_current_community(self, user_id: int, community_id: int | None, now: int) -> None:
        async with self.db.tx(mark=False) as tx:
            await tx.execute("UPDATE users SET current_community_id = ?, updated_at = ? WHERE id = ?",
                             (community_id, now, user_id))


class Members:
    def __init__(self, db: Database) -> None:
        self.db = db

    _SELECT = ("SELECT m.*, u.first_name, u.last_name FROM members m JOIN users u ON u.id = m.user_id")

    async def get(self, community_id: int, user_id: int) -> Member | None:
        row = await self.db.fetchone(f"{self._SELECT} WHERE m.community_id = ? AND m.user_id = ?",
                                     (community_id, user_id))
        return Member.from_row(row) if row else None

    async def join(self, community_id: int, user_id: int, role: str, now: int) -> tuple[Member, bool]:
        """Add or re-activate a member with a role. Returns (member, newly_joined)."""
        before = await self.get(community_id, user_id)
        async with self.db.tx() as tx:
            await tx.execute(
                "INSERT INTO members (community_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (community_id, user_id) DO UPDATE SET role = excluded.role, active = 1, left_at = NULL",
                (community_id, user_id, role, now),
            )
        after = await self.get(community_id, user_id)
        return after, before is None or not before.active  # type: ignore[return-value]

    async def depart(self, community_id: int, user_id: int, now: int, *, mark: bool = True) -> bool:
        """They left the Telegram group, or were removed or banned: inactive (no rights, no reminders), their
        role, PIC mark and history kept for a return. Someone the bot knows but who never joined gets a row
        too (inactive, nothing to restore), so reminders they set up as an administrator stop as well; a
        stranger is not recorded. Their pending conversations about the community end. True if recorded now.
        `mark=False`: learnt by asking Telegram, not from the update being handled."""
        async with self.db.tx(mark=mark) as tx:
            cur = await tx.execute(
                "UPDATE members SET active_before_left = active, active = 0, left_at = ?"
                " WHERE community_id = ? AND user_id = ? AND left_at IS NULL", (now, community_id, user_id))
            if not cur.rowcount:
                cur = await tx.execute(
                    "INSERT INTO members (community_id, user_id, active, joined_at, left_at)"
                    " SELECT ?, id, 0, ?, ? FROM users WHERE id = ? ON CONFLICT (community_id, user_id) DO NOTHING",
                    (community_id, now, now, user_id))
            if cur.rowcount:
                await tx.execute("DELETE FROM flows WHERE user_id = ? AND (community_id = ? OR chat_id ="
                                 " (SELECT chat_id FROM communities WHERE id = ?))",
                                 (user_id, community_id, community_id))
            return bool(cur.rowcount)

    async def rejoin(self, community_id: int, user_id: int, *, mark: bool = True) -> bool:
        """Back in the group: what they had before leaving (membership, role, PIC mark) is theirs again."""
        async with self.db.tx(mark=mark) as tx:
            cur = await tx.execute(
                "UPDATE members SET active = active_before_left, left_at = NULL"
                " WHERE community_id = ? AND user_id = ? AND left_at IS NOT NULL", (community_id, user_id))
            return bool(cur.rowcount)

    async def set_pic(self, community_id: int, user_id: int, pic: bool | None, now: int) -> None:
        async with self.db.tx() as tx:
            await tx.execute(
                "INSERT INTO members (community_id, user_id, role, pic, joined_at) VALUES (?, ?, 'other', ?, ?)"
                " ON CONFLICT (community_id, user_id) DO UPDATE SET pic = excluded.pic",
                (community_id, user_id, None if pic is None else int(pic), now),
            )

    async def set_flag(self, community_id: int, user_id: int, flag: str, value: bool) -> None:
        if flag not in ("allow_quote", "allow_named", "active"):
            raise ValueError(flag)
        async with self.db.tx() as tx:
            await tx.execute(f"UPDATE members SET {flag} = ? WHERE community_id = ? AND user_id = ?",
                             (int(value), community_id, user_id))

    async def list(self, community_id: int, *, active_only: bool = True) -> list[Member]:
        cond = " AND m.active = 1" if active_only else ""
        rows = await self.db.fetchall(f"{self._SELECT} WHERE m.community_id = ?{cond} ORDER BY u.first_name, u.id",
                                      (community_id,))
        return [Member.from_row(r) for r in rows]

    async def count(self, community_id: int) -> int:
        return int(await self.db.scalar("SELECT COUNT(*) FROM members WHERE community_id = ? AND active = 1",
                                        (community_id,)))

    async def communities_of(self, user_id: int) -> list[Community]:
        rows = await self.db.fetchall(
            "SELECT c.* FROM communities c JOIN members m ON m.community_id = c.id"
            " WHERE m.user_id = ? AND m.active = 1 ORDER BY c.id", (user_id,))
        return [Community.from_row(r) for r in rows]


class Flows:
    """Pending multi-step conversations, one per (chat, person)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, chat_id: int, user_id: int) -> Flow | None:
        row = await self.db.fetchone("SELECT * FROM flows WHERE chat_id = ? AND user_id = ?", (chat_id, user_id))
        return Flow.from_row(row) if row else None

    async def by_prompt(self, chat_id: int, prompt_message_id: int) -> Flow | None:
        row = await self.db.fetchone("SELECT * FROM flows WHERE chat_id = ? AND prompt_message_id = ?",
                                     (chat_id, prompt_message_id))
        return Flow.from_row(row) if row else None

    async def start(self, chat_id: int, user_id: int, name: str, step: str, data: dict[str, Any], now: int,
                    *, community_id: int | None = None, prompt_message_id: int | None = None) -> None:
        async with self.db.tx() as tx:
            await tx.execute(
                "INSERT INTO flows (chat_id, user_id, name, step, data_json, prompt_message_id, community_id,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id, user_id) DO UPDATE SET"
                " name = excluded.name, step = excluded.step, data_json = excluded.data_json,"
                " prompt_message_id = excluded.prompt_message_id, community_id = excluded.community_id,"
                " updated_at = excluded.updated_at",
                (chat_id, user_id, name, step, json.dumps(data), prompt_message_id, community_id, now))

    async def set_prompt(self, chat_id: int, user_id: int, prompt_message_id: int) -> None:
        async with self.db.tx() as tx:
            await tx.execute("UPDATE flows SET prompt_message_id = ? WHERE chat_id = ? AND user_id = ?",
                             (prompt_message_id, chat_id, user_id))

    async def end(self, chat_id: int, user_id: int) -> None:
        async with self.db.tx() as tx:
            await tx.execute("DELETE FROM flows WHERE chat_id = ? AND user_id = ?", (chat_id, user_id))


class Updates:
    """Which updates already changed something, so a re-delivered one is ignored."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def max_id(self) -> int:
        return int(await self.db.scalar("SELECT COALESCE(MAX(update_id), -1) FROM processed_updates"))

    async def seen(self, update_id: int) -> bool:
        return await self.db.scalar("SELECT 1 FROM processed_updates WHERE update_id = ?", (update_id,)) is not None

    async def prune(self, before: int) -> None:
        async with self.db.tx() as tx:
            await tx.execute("DELETE FROM processed_updates WHERE handled_at < ?", (before,))


@dataclass(frozen=True)
class OutboxEntry:
    key: str
    chat_id: int
    status: str
    message_id: int | None
    attempts: int


class Outbox:
    """The ledger of scheduled sends: a key is sent at most once (a crash between the send and the mark
    is the one window left, which Telegram's API gives no way to close)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, key: str) -> OutboxEntry | None:
        row = await self.db.fetchone("SELECT key, chat_id, status, message_id, attempts FROM outbox WHERE key = ?",
                                     (key,))
        return OutboxEntry(**dict(row)) if row else None

    async def claim(self, key: str, chat_id: int, now: int) -> OutboxEntry:
        async with self.db.tx() as tx:
            await tx.execute("INSERT INTO outbox (key, chat_id, created_at) VALUES (?, ?, ?)"
                             " ON CONFLICT (key) DO NOTHING", (key, chat_id, now))
        return await self.get(key)  # type: ignore[return-value]

    async def mark(self, key: str, status: str, now: int, *, message_id: int | None = None,
                   error: str | None = None) -> None:
        async with self.db.tx() as tx:
            await tx.execute(
                "UPDATE outbox SET status = ?, message_id = COALESCE(?, message_id), attempts = attempts + 1,"
                " last_error = ?, sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END WHERE key = ?",
                (status, message_id, error, status, now, key))


@dataclass(frozen=True)
class ScopeRows:
    user: User | None
    community: Community | None
    member: Member | None


def _cols(alias: str, names: tuple[str, ...]) -> str:
    return ", ".join(f"{alias}.{n}" for n in names)


_NU, _NC = len(User.COLUMNS), len(Community.COLUMNS)
# One row whatever exists: the person, the community (by group chat, or the one they chose in private) and
# their membership in it.
_SCOPE_SQL = (f"SELECT {_cols('u', User.COLUMNS)}, {_cols('c', Community.COLUMNS)}, {_cols('m', Member.COLUMNS)}"
              " FROM (SELECT 1) LEFT JOIN users u ON u.id = :uid"
              " LEFT JOIN communities c ON {community}"
              " LEFT JOIN members m ON m.community_id = c.id AND m.user_id = :uid")
_SCOPE_GROUP = _SCOPE_SQL.format(community="c.chat_id = :chat")
_SCOPE_PRIVATE = _SCOPE_SQL.format(community="c.id = u.current_community_id")


class Scopes:
    """Who is speaking, in which community, as what — one query per update."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def load(self, user_id: int | None, chat_id: int | None, is_group: bool) -> ScopeRows:
        def work(conn: sqlite3.Connection) -> ScopeRows:
            row = conn.execute(_SCOPE_GROUP if is_group else _SCOPE_PRIVATE, {"uid": user_id, "chat": chat_id}).fetchone()
            user = User.from_values(row[:_NU]) if row[0] is not None else None
            community = Community.from_values(row[_NU:_NU + _NC]) if row[_NU] is not None else None
            if community is None and user is not None and not is_group and user.current_community_id is None:
                community = self._only_community(conn, user.id)  # none chosen yet: the only one they have
            mvals = row[_NU + _NC:]
            member = None
            if community is not None and user is not None:
                if mvals[0] is not None:
                    member = Member.from_values(mvals, " ".join(p for p in (user.first_name, user.last_name) if p))
                elif not is_group and user.current_community_id is None:
                    m = conn.execute(f"{Members._SELECT} WHERE m.community_id = ? AND m.user_id = ?",
                                     (community.id, user.id)).fetchone()
                    member = Member.from_row(m) if m else None
            return ScopeRows(user, community, member)

        return await self.db.run(work)

    @staticmethod
    def _only_community(conn: sqlite3.Connection, user_id: int) -> Community | None:
        rows = conn.execute(
            "SELECT c.* FROM communities c JOIN members m ON m.community_id = c.id"
            " WHERE m.user_id = ? AND m.active = 1", (user_id,)).fetchall() or conn.execute(
            "SELECT c.* FROM communities c JOIN principals p ON p.community_id = c.id"
            " WHERE p.user_id = ?", (user_id,)).fetchall()
        return Community.from_row(rows[0]) if len(rows) == 1 else None


class Repos:
    """All repositories over one database; features add theirs as attributes."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.communities = Communities(db)
        self.users = Users(db)
        self.members = Members(db)
        self.principals = Principals(db)
        self.flows = Flows(db)
        self.updates = Updates(db)
        self.outbox = Outbox(db)
        self.scopes = Scopes(db)
        self.live = LiveMessages(db)  # the edit throttle of live messages (bot/live.py)
        # the features' repositories (one place to reach each; `Services.repos.<feature>`)
        self.delivery = DeliveryLedger(db)
        self.rhythm = RhythmStore(db)
        self.cycle = CycleStore.on(db)
        self.surveys = Surveys(db)
        self.reports = Reports(db)
        self.work_groups = WorkGroups(db)
        self.observations = Observations(db)
        self.group_targets = GroupTargets(db)
        self.journal_loop = JournalLoopRepo(db)
        self.agreements = AgreementRepo(db)
        self.activities = ActivityRepo(db)
        self.map = MapRepo(db)
        self.welcomes = Welcomes(db)
        self.health = Health(db)  # readiness and the outbox backlog (bot/web.py: /readyz, /metrics)
