"""The repository of learning hours (`Hours`, `RhythmStore.hours`): targets by role, the nudge's time,
learning logs, and the minutes they and the meetings attended add up to. SQL lives here only."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date
from typing import Any

from storage.db import Database


@dataclass(frozen=True)
class LogEntry:
    id: int
    community_id: int
    user_id: int
    minutes: int
    what: str
    on_date: date
    chat_id: int
    message_id: int
    deleted: bool

    @classmethod
    def from_row(cls, r: Any) -> LogEntry:
        return cls(r["id"], r["community_id"], r["user_id"], r["minutes"], r["what"], date.fromisoformat(r["on_date"]),
                   r["chat_id"], r["message_id"], r["deleted_at"] is not None)



@dataclass(frozen=True)
class HourSettings:
    community_id: int
    period: str
    nudge_at: int | None
    targets: dict[str | None, int]



class Hours:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- targets ----------------------------------------------------------------------------------
    async def settings(self, community_id: int) -> HourSettings | None:
        """The community's period and targets by role, in one statement."""
        rows = await self.db.fetchall(
            "SELECT s.period, s.nudge_at, t.role, t.minutes FROM hour_settings s LEFT JOIN hour_targets t"
            " ON t.community_id = s.community_id WHERE s.community_id = ?", (community_id,))
        if not rows:
            return None
        return HourSettings(community_id, rows[0]["period"], rows[0]["nudge_at"],
                            {(t["role"] or None): t["minutes"] for t in rows if t["minutes"] is not None})

    async def set_target(self, community_id: int, role: str | None, minutes: int, period: str,
                         nudge_at: int | None, now: int) -> None:
        async with self.db.tx() as tx:
            if minutes <= 0:
                await tx.execute("DELETE FROM hour_targets WHERE community_id = ? AND role = ?",
                                 (community_id, role or ""))
            else:
                await tx.execute(
                    "INSERT INTO hour_targets (community_id, role, minutes) VALUES (?, ?, ?)"
                    " ON CONFLICT (community_id, role) DO UPDATE SET minutes = excluded.minutes",
                    (community_id, role or "", minutes))
            await tx.execute(
                "INSERT INTO hour_settings (community_id, period, nudge_at, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (community_id) DO UPDATE SET period = excluded.period, nudge_at = excluded.nudge_at,"
                " updated_at = excluded.updated_at", (community_id, period, nudge_at, now))

    async def due_nudges(self, now: int, limit: int = 200) -> list[int]:
        rows = await self.db.fetchall(
            "SELECT community_id FROM hour_settings WHERE nudge_at <= ? ORDER BY nudge_at LIMIT ?", (now, limit))
        return [r["community_id"] for r in rows]

    async def set_nudge_at(self, community_id: int, nudge_at: int | None, now: int) -> None:
        async with self.db.tx() as tx:
            await tx.execute("UPDATE hour_settings SET nudge_at = ?, updated_at = ? WHERE community_id = ?",
                             (nudge_at, now, community_id))

    # -- logs -------------------------------------------------------------------------------------
    async def add_log(self, *, community_id: int, user_id: int, minutes: int, what: str, on_date: date, at_ts: int,
                      chat_id: int, message_id: int, now: int) -> tuple[LogEntry, bool]:
        def work(conn: sqlite3.Connection) -> tuple[LogEntry, bool]:  # one round trip
            cur = conn.execute(
                "INSERT INTO learning_logs (community_id, user_id, minutes, what, on_date, at_ts, chat_id, message_id,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id, message_id) DO NOTHING",
                (community_id, user_id, minutes, what, on_date.isoformat(), at_ts, chat_id, message_id, now))
            row = conn.execute("SELECT * FROM learning_logs WHERE chat_id = ? AND message_id = ?",
                               (chat_id, message_id)).fetchone()
            return LogEntry.from_row(row), bool(cur.rowcount)

        return await self.db.unit(work)

    async def recent_logs(self, community_id: int, user_id: int, limit: int = 10) -> list[LogEntry]:
        rows = await self.db.fetchall(
            "SELECT * FROM learning_logs WHERE community_id = ? AND user_id = ? AND deleted_at IS NULL"
            " ORDER BY on_date DESC, id DESC LIMIT ?", (community_id, user_id, limit))
        return [LogEntry.from_row(r) for r in rows]

    async def log(self, log_id: int) -> LogEntry | None:
        row = await self.db.fetchone("SELECT * FROM learning_logs WHERE id = ?", (log_id,))
        return LogEntry.from_row(row) if row else None

    async def log_by_message(self, chat_id: int, message_id: int) -> LogEntry | None:
        row = await self.db.fetchone("SELECT * FROM learning_logs WHERE chat_id = ? AND message_id = ?",
                                     (chat_id, message_id))
        return LogEntry.from_row(row) if row else None

    async def delete_log(self, log_id: int, user_id: int, now: int) -> bool:
        """Undo one's own entry; False if it is not theirs or already undone."""
        async with self.db.tx() as tx:
            cur = await tx.execute("UPDATE learning_logs SET deleted_at = ? WHERE id = ? AND user_id = ?"
                                   " AND deleted_at IS NULL", (now, log_id, user_id))
        return bool(cur.rowcount)

    async def minutes_by_user(self, community_id: int, start_ts: int, end_ts: int) -> dict[int, int]:
        """Logged minutes plus the duration of meetings attended, per person, in [start_ts, end_ts)."""
        totals: dict[int, int] = {}
        logged = await self.db.fetchall(
            "SELECT user_id, SUM(minutes) AS n FROM learning_logs WHERE community_id = ? AND at_ts >= ?"
            " AND at_ts < ? AND deleted_at IS NULL GROUP BY user_id", (community_id, start_ts, end_ts))
        met = await self.db.fetchall(
            "SELECT a.user_id, SUM((m.end_ts - m.start_ts) / 60) AS n FROM attendance a"
            " JOIN meetings m ON m.id = a.meeting_id WHERE m.community_id = ? AND m.start_ts >= ? AND m.start_ts < ?"
            " AND m.status = 'scheduled' AND a.present = 1 GROUP BY a.user_id", (community_id, start_ts, end_ts))
        for r in [*logged, *met]:
            totals[r["user_id"]] = totals.get(r["user_id"], 0) + int(r["n"] or 0)
        return totals

    async def minutes_events(self, community_id: int, start_ts: int, end_ts: int) -> list[tuple[int, int, int]]:
        """(user id, when, minutes) of every learning log and every meeting attended in [start_ts, end_ts),
        in one query: the trend sums them per period and moment itself."""
        rows = await self.db.fetchall(
            "SELECT user_id, at_ts, minutes FROM learning_logs WHERE community_id = ? AND at_ts >= ? AND at_ts < ?"
            " AND deleted_at IS NULL UNION ALL SELECT a.user_id, m.start_ts, (m.end_ts - m.start_ts) / 60"
            " FROM attendance a JOIN meetings m ON m.id = a.meeting_id WHERE m.community_id = ? AND m.start_ts >= ?"
            " AND m.start_ts < ? AND m.status = 'scheduled' AND a.present = 1",
            (community_id, start_ts, end_ts) * 2)
        return [(int(r[0]), int(r[1]), int(r[2] or 0)) for r in rows]

    async def minutes_of(self, community_id: int, user_id: int, start_ts: int, end_ts: int) -> tuple[int, int]:
        """One person's (logged minutes, minutes of meetings attended) in [start_ts, end_ts), in one query."""
        row = await self.db.fetchone(
            f"SELECT ({_LOGGED_SQL}), ({_MET_SQL})", (community_id, user_id, start_ts, end_ts) * 2)
        return int(row[0]), int(row[1])



_LOGGED_SQL = ("SELECT COALESCE(SUM(minutes), 0) FROM learning_logs WHERE community_id = ? AND user_id = ?"
               " AND at_ts >= ? AND at_ts < ? AND deleted_at IS NULL")
_MET_SQL = ("SELECT COALESCE(SUM((m.end_ts - m.start_ts) / 60), 0) FROM attendance a JOIN meetings m"
            " ON m.id = a.meeting_id WHERE m.community_id = ? AND a.user_id = ? AND m.start_ts >= ?"
            " AND m.start_ts < ? AND m.status = 'scheduled' AND a.present = 1")
