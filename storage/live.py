"""The edit throttle of live messages (migration 0016): one row per message that was edited, keyed by
(kind, ref, part) — its last edit, whether an edit is owed, whether the message is gone. The decision is
`domain.live`'s; these are its reads and compare-and-set writes (`bot/live.py` runs them outside any other
transaction: the feature's own write comes first)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from storage.db import Database

_COLS = "kind, ref, part, edited_at, owed, gone"


@dataclass(frozen=True)
class LiveState:
    kind: str
    ref: int
    part: str
    edited_at: int
    owed: bool
    gone: bool


def _state(row: Any) -> LiveState:
    return LiveState(row[0], int(row[1]), row[2], int(row[3]), bool(row[4]), bool(row[5]))


class LiveMessages:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def sent(self, kind: str, ref: int, part: str, now: int) -> None:
        async with self.db.tx(mark=False) as tx:
            await self.sent_in(tx, kind, ref, part, now)

    @staticmethod
    async def sent_in(tx: Any, kind: str, ref: int, part: str, now: int) -> None:
        """The message was (re)sent at `now`: that counts as its last edit (a feature that wants its first change
        held back for the interval records this, in the commit that records the send)."""
        await tx.execute("INSERT INTO live_messages (kind, ref, part, edited_at) VALUES (?, ?, ?, ?)"
                         " ON CONFLICT (kind, ref, part) DO UPDATE SET edited_at = excluded.edited_at, owed = 0, gone = 0",
                         (kind, ref, part, now))

    async def get(self, kind: str, ref: int, part: str = "") -> LiveState | None:
        row = await self.db.fetchone(f"SELECT {_COLS} FROM live_messages WHERE kind = ? AND ref = ? AND part = ?",
                                     (kind, ref, part))
        return _state(row) if row else None

    async def claim(self, kind: str, ref: int, part: str, *, seen: int | None, now: int) -> bool:
        """Record an edit at `now` if the last edit is still the one `seen` (None: no edit yet); False when
        another edit claimed the message in between (then there is nothing to do but owe). A claim settles
        what was owed: the content is rendered after it."""
        async with self.db.tx(mark=False) as tx:
            if seen is None:
                cur = await tx.execute("INSERT INTO live_messages (kind, ref, part, edited_at) VALUES (?, ?, ?, ?)"
                                       " ON CONFLICT DO NOTHING", (kind, ref, part, now))
            else:
                cur = await tx.execute("UPDATE live_messages SET edited_at = ?, owed = 0 WHERE kind = ? AND ref = ?"
                                       " AND part = ? AND edited_at = ? AND gone = 0", (now, kind, ref, part, seen))
            return bool(cur.rowcount)

    async def claim_now(self, kind: str, ref: int, part: str, now: int) -> bool:
        """Record an edit at `now` whatever the last one was (a forced edit); False if the message is gone."""
        async with self.db.tx(mark=False) as tx:
            cur = await tx.execute("INSERT INTO live_messages (kind, ref, part, edited_at) VALUES (?, ?, ?, ?)"
                                   " ON CONFLICT (kind, ref, part) DO UPDATE SET edited_at = excluded.edited_at, owed = 0"
                                   " WHERE live_messages.gone = 0", (kind, ref, part, now))
            return bool(cur.rowcount)

    async def owe(self, kind: str, ref: int, part: str = "") -> None:
        """The content changed after the last edit: the catch-up makes the edit."""
        async with self.db.tx(mark=False) as tx:
            await tx.execute("UPDATE live_messages SET owed = 1 WHERE kind = ? AND ref = ? AND part = ? AND owed = 0",
                             (kind, ref, part))

    async def gone(self, kind: str, ref: int, part: str = "") -> None:
        """Telegram no longer has the message (deleted, or the bot left): never edited again."""
        async with self.db.tx(mark=False) as tx:
            await tx.execute("UPDATE live_messages SET gone = 1, owed = 0 WHERE kind = ? AND ref = ? AND part = ?",
                             (kind, ref, part))

    async def owed(self, edited_before: int, limit: int = 500) -> list[LiveState]:
        """Owed edits whose last edit is at or before `edited_before`, oldest first."""
        rows = await self.db.fetchall(f"SELECT {_COLS} FROM live_messages WHERE owed = 1 AND gone = 0"
                                      " AND edited_at <= ? ORDER BY edited_at LIMIT ?", (edited_before, limit))
        return [_state(r) for r in rows]
