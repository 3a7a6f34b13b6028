"""The repository of RTL items (follow-up plans, "rencana tindak lanjut") of the inquiry cycle. SQL lives here
only."""

from __future__ import annotations

from dataclasses import dataclass

from storage.chats import still_in_group
from storage.db import Database
from storage.rows import build as _build


@dataclass(frozen=True)
class RtlItem:
    id: int
    community_id: int
    cycle_id: int | None
    what: str
    who: str | None
    owner_user_id: int | None
    due: str
    measure: str | None
    status: str
    note: str | None
    created_by: int
    created_at: int
    closed_at: int | None
    remind_at: int
    reminded: int

    @property
    def remind_user_id(self) -> int:
        return self.owner_user_id or self.created_by


class RtlRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, community_id: int, cycle_id: int | None, what: str, who: str | None,
                  owner: int | None, due: str, measure: str | None, user_id: int, now: int, remind_at: int,
                  origin: tuple[int, int]) -> int:
        async with self.db.tx() as tx:
            row = await tx.fetchone("SELECT id FROM rtl_items WHERE origin_chat_id = ? AND origin_message_id = ?",
                                    origin)
            if row:
                return int(row["id"])
            return await tx.insert(
                "INSERT INTO rtl_items (community_id, cycle_id, what, who, owner_user_id, due, measure, created_by,"
                " created_at, remind_at, origin_chat_id, origin_message_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                " ?, ?)", (community_id, cycle_id, what, who, owner, due, measure, user_id, now, remind_at, *origin))

    async def get(self, item_id: int) -> RtlItem | None:
        row = await self.db.fetchone("SELECT * FROM rtl_items WHERE id = ?", (item_id,))
        return _build(RtlItem, row) if row else None

    async def list(self, community_id: int, *, status: str | None = None) -> list[RtlItem]:
        cond, params = ("AND status = ?", (community_id, status)) if status else ("", (community_id,))
        rows = await self.db.fetchall(
            f"SELECT * FROM rtl_items WHERE community_id = ? {cond} ORDER BY status = 'open' DESC, due, id", params)
        return [_build(RtlItem, r) for r in rows]

    async def count(self, community_id: int, *, status: str) -> int:
        return int(await self.db.scalar("SELECT COUNT(*) FROM rtl_items WHERE community_id = ? AND status = ?",
                                        (community_id, status)))

    async def of_cycle(self, cycle_id: int) -> list[RtlItem]:
        rows = await self.db.fetchall("SELECT * FROM rtl_items WHERE cycle_id = ? ORDER BY id", (cycle_id,))
        return [_build(RtlItem, r) for r in rows]

    async def set_status(self, item_id: int, status: str, now: int) -> None:
        async with self.db.tx() as tx:
            await tx.execute("UPDATE rtl_items SET status = ?, closed_at = ? WHERE id = ?",
                             (status, None if status == "open" else now, item_id))

    async def set_note(self, item_id: int, note: str) -> None:
        async with self.db.tx() as tx:
            await tx.execute("UPDATE rtl_items SET note = ? WHERE id = ?", (note, item_id))

    async def due_reminders(self, now: int) -> list[RtlItem]:
        rows = await self.db.fetchall(
            "SELECT * FROM rtl_items WHERE reminded = 0 AND remind_at <= ? AND status = 'open' AND "
            + still_in_group("rtl_items.community_id", "COALESCE(NULLIF(rtl_items.owner_user_id, 0), rtl_items.created_by)"),
            (now,))
        return [_build(RtlItem, r) for r in rows]

    async def mark_reminded(self, item_id: int) -> None:
        async with self.db.tx() as tx:
            await tx.execute("UPDATE rtl_items SET reminded = 1 WHERE id = ?", (item_id,))

    async def in_period(self, community_id: int, start: int, end: int) -> list[RtlItem]:
        """Items alive at some time in [start, end): created before its end, not closed before its start."""
        rows = await self.db.fetchall(
            "SELECT * FROM rtl_items WHERE community_id = ? AND created_at < ? AND (closed_at IS NULL"
            " OR closed_at >= ?) ORDER BY due, id", (community_id, end, start))
        return [_build(RtlItem, r) for r in rows]
