"""The repository of the inquiry cycle's daily journal: subscriptions, prompts and entries. SQL lives here
only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from storage.chats import still_in_group
from storage.db import Database
from storage.rows import build as _build


@dataclass(frozen=True)
class JournalSub:
    user_id: int
    community_id: int
    hhmm: str
    enabled: int
    next_at: int
    last_prompt_at: int | None
    last_prompt_message_id: int | None


@dataclass(frozen=True)
class JournalEntry:
    id: int
    user_id: int
    community_id: int
    day: str
    text: str
    shared_at: int | None
    created_at: int


class JournalRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def subscribe(self, user_id: int, community_id: int, hhmm: str | None, next_at: int) -> None:
        async with self.db.tx() as tx:
            if hhmm is None:
                await tx.execute("UPDATE journal_subs SET enabled = 0 WHERE user_id = ? AND community_id = ?",
                                 (user_id, community_id))
                return
            await tx.execute(
                "INSERT INTO journal_subs (user_id, community_id, hhmm, next_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (user_id, community_id) DO UPDATE SET hhmm = excluded.hhmm, enabled = 1,"
                " next_at = excluded.next_at", (user_id, community_id, hhmm, next_at))

    async def sub(self, user_id: int, community_id: int) -> JournalSub | None:
        row = await self.db.fetchone("SELECT * FROM journal_subs WHERE user_id = ? AND community_id = ?",
                                     (user_id, community_id))
        return _build(JournalSub, row) if row else None

    async def due(self, now: int) -> list[JournalSub]:
        rows = await self.db.fetchall("SELECT * FROM journal_subs WHERE enabled = 1 AND next_at <= ? AND "
                                      + still_in_group("journal_subs.community_id", "journal_subs.user_id"), (now,))
        return [_build(JournalSub, r) for r in rows]

    async def prompted(self, user_id: int, community_id: int, at: int | None, message_id: int | None,
                       next_at: int) -> None:
        async with self.db.tx() as tx:
            await tx.execute(
                "UPDATE journal_subs SET next_at = ?, last_prompt_at = COALESCE(?, last_prompt_at),"
                " last_prompt_message_id = COALESCE(?, last_prompt_message_id) WHERE user_id = ? AND community_id = ?",
                (next_at, at, message_id, user_id, community_id))

    @staticmethod
    async def prompt_sent_in(tx: Any, user_id: int, community_id: int, message_id: int) -> None:
        """Inside the unit that marks the prompt's outbox key sent: a reply to that message is a journal entry."""
        await tx.execute("UPDATE journal_subs SET last_prompt_message_id = ? WHERE user_id = ? AND community_id = ?",
                         (message_id, user_id, community_id))

    async def pending_prompt(self, user_id: int, since: int) -> JournalSub | None:
        """The latest prompt sent after `since` that has no entry yet."""
        row = await self.db.fetchone(
            "SELECT s.* FROM journal_subs s WHERE s.user_id = ? AND s.last_prompt_at >= ? AND NOT EXISTS"
            " (SELECT 1 FROM journal_entries e WHERE e.user_id = s.user_id AND e.community_id = s.community_id"
            " AND e.created_at >= s.last_prompt_at) ORDER BY s.last_prompt_at DESC LIMIT 1", (user_id, since))
        return _build(JournalSub, row) if row else None

    async def by_prompt(self, user_id: int, message_id: int) -> JournalSub | None:
        row = await self.db.fetchone(
            "SELECT * FROM journal_subs WHERE user_id = ? AND last_prompt_message_id = ?", (user_id, message_id))
        return _build(JournalSub, row) if row else None

    async def add_entry(self, user_id: int, community_id: int, day: str, text: str, now: int,
                        origin: tuple[int, int]) -> int:
        async with self.db.tx() as tx:
            row = await tx.fetchone("SELECT id FROM journal_entries WHERE chat_id = ? AND message_id = ?", origin)
            if row:
                return int(row["id"])
            return await tx.insert(
                "INSERT INTO journal_entries (user_id, community_id, day, text, created_at, chat_id, message_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)", (user_id, community_id, day, text, now, *origin))

    async def entries(self, user_id: int, community_id: int, limit: int = 5) -> list[JournalEntry]:
        rows = await self.db.fetchall(
            "SELECT * FROM journal_entries WHERE user_id = ? AND community_id = ? ORDER BY created_at DESC, id DESC"
            " LIMIT ?", (user_id, community_id, limit))
        return [_build(JournalEntry, r) for r in rows]

    async def share(self, entry_id: int, user_id: int, now: int) -> JournalEntry | None:
        async with self.db.tx() as tx:
            await tx.execute("UPDATE journal_entries SET shared_at = COALESCE(shared_at, ?) WHERE id = ?"
                             " AND user_id = ?", (now, entry_id, user_id))
        row = await self.db.fetchone("SELECT * FROM journal_entries WHERE id = ? AND user_id = ?", (entry_id, user_id))
        return _build(JournalEntry, row) if row else None

    async def count_shared_since(self, community_id: int, since: int) -> int:
        return int(await self.db.scalar(
            "SELECT COUNT(*) FROM journal_entries WHERE community_id = ? AND shared_at >= ?", (community_id, since)))

    async def shared_since(self, community_id: int, since: int) -> list[JournalEntry]:
        rows = await self.db.fetchall(
            "SELECT * FROM journal_entries WHERE community_id = ? AND shared_at >= ? ORDER BY shared_at, id",
            (community_id, since))
        return [_build(JournalEntry, r) for r in rows]
