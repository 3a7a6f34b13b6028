"""The day's welcome in a group: one message per community and local day, its list of who joined that day
(migration 0013). The message row is written in the commit that marks its outbox key sent (`set_message_in`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from storage.chats import register_chat_column
from storage.db import Database

register_chat_column("welcomes", "chat_id")


@dataclass(frozen=True)
class Welcome:
    community_id: int
    day: str
    chat_id: int
    message_id: int


class Welcomes:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add_joiner(self, community_id: int, day: str, user_id: int, now: int) -> None:
        async with self.db.tx() as tx:
            await tx.execute("INSERT INTO welcome_joiners (community_id, day, user_id, joined_at) VALUES (?, ?, ?, ?)"
                             " ON CONFLICT DO NOTHING", (community_id, day, user_id, now))

    async def names(self, community_id: int, day: str) -> list[str]:
        """Who joined that day and is still in the group, in the order they joined."""
        rows = await self.db.fetchall(
            "SELECT u.first_name, u.last_name, u.username, u.id FROM welcome_joiners w"
            " JOIN users u ON u.id = w.user_id"
            " JOIN members m ON m.community_id = w.community_id AND m.user_id = w.user_id AND m.active = 1"
            " WHERE w.community_id = ? AND w.day = ? ORDER BY w.joined_at, w.user_id", (community_id, day))
        return [" ".join(p for p in (r[0], r[1]) if p) or r[2] or str(r[3]) for r in rows]

    async def get(self, community_id: int, day: str) -> Welcome | None:
        row = await self.db.fetchone("SELECT community_id, day, chat_id, message_id FROM welcomes"
                                     " WHERE community_id = ? AND day = ?", (community_id, day))
        return Welcome(*row) if row else None

    @staticmethod
    async def set_message_in(tx: Any, community_id: int, day: str, chat_id: int, message_id: int) -> None:
        await tx.execute("INSERT INTO welcomes (community_id, day, chat_id, message_id) VALUES (?, ?, ?, ?)"
                         " ON CONFLICT (community_id, day) DO UPDATE SET chat_id = excluded.chat_id,"
                         " message_id = excluded.message_id", (community_id, day, chat_id, message_id))
