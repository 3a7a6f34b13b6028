"""The repository of good practices (STAR: situation, task, action, result) written in the inquiry cycle.
SQL lives here only."""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Database
from storage.rows import build as _build


@dataclass(frozen=True)
class GoodPractice:
    id: int
    community_id: int
    cycle_id: int | None
    user_id: int
    reading: str
    title: str
    situation: str
    task: str
    action: str
    result: str
    created_at: int
    shared_at: int | None


class GoodPracticeRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, community_id: int, cycle_id: int | None, user_id: int, data: dict[str, str], now: int,
                  origin: tuple[int, int]) -> int:
        async with self.db.tx() as tx:
            row = await tx.fetchone(
                "SELECT id FROM good_practices WHERE origin_chat_id = ? AND origin_message_id = ?", origin)
            if row:
                return int(row["id"])
            return await tx.insert(
                "INSERT INTO good_practices (community_id, cycle_id, user_id, reading, title, situation, task,"
                " action, result, created_at, origin_chat_id, origin_message_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (community_id, cycle_id, user_id, data["reading"], data["title"], data["situation"], data["task"],
                 data["action"], data["result"], now, *origin))

    async def get(self, gp_id: int) -> GoodPractice | None:
        row = await self.db.fetchone("SELECT * FROM good_practices WHERE id = ?", (gp_id,))
        return _build(GoodPractice, row) if row else None

    async def mark_shared(self, gp_id: int, now: int) -> bool:
        async with self.db.tx() as tx:
            cur = await tx.execute("UPDATE good_practices SET shared_at = ? WHERE id = ? AND shared_at IS NULL",
                                   (now, gp_id))
            return bool(cur.rowcount)

    async def created_between(self, community_id: int, start: int, end: int) -> list[GoodPractice]:
        rows = await self.db.fetchall(
            "SELECT * FROM good_practices WHERE community_id = ? AND created_at >= ? AND created_at < ?"
            " ORDER BY created_at, id", (community_id, start, end))
        return [_build(GoodPractice, r) for r in rows]

    async def count(self, community_id: int, cycle_id: int | None = None) -> int:
        if cycle_id is None:
            return int(await self.db.scalar("SELECT COUNT(*) FROM good_practices WHERE community_id = ?",
                                            (community_id,)))
        return int(await self.db.scalar("SELECT COUNT(*) FROM good_practices WHERE cycle_id = ?", (cycle_id,)))
