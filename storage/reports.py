"""When weekly group summaries and principal digests are due (one row per community / principal, indexed
by the next due time), plus watermarks so new communities and principals get a row without any pass
scanning all of them. What the summaries say comes from the features' typed feeds (`bot/feeds.py`), not from here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from storage.db import Database, Tx

# (tz, work_days, weekday|None, minute|None, after_ts) -> the first due time after `after_ts`, UTC seconds
DueFn = Callable[[str, int, "int | None", "int | None", int], int]
BATCH = 500
CLAIM_S = 600  # a claimed summary or digest is not due again for this long (its run advances it first)


@dataclass(frozen=True)
class SummarySchedule:
    community_id: int
    chat_id: int
    tz: str
    work_days: int
    locale: str
    active: bool
    setup_done: bool
    weekday: int | None
    minute: int | None
    enabled: bool
    next_due_at: int
    last_week: str | None


@dataclass(frozen=True)
class DigestSchedule:
    user_id: int
    weekday: int
    minute: int
    tz: str
    next_due_at: int
    last_week: str | None


_SUMMARY_SELECT = (
    "SELECT s.community_id, c.chat_id, c.tz, c.work_days, c.locale, c.active, c.setup_done, s.weekday,"
    " s.minute, s.enabled, s.next_due_at, s.last_week FROM report_schedules s"
    " JOIN communities c ON c.id = s.community_id")


def _summary(r: object) -> SummarySchedule:
    d = dict(r)  # type: ignore[call-overload]
    d["active"], d["setup_done"], d["enabled"] = bool(d["active"]), bool(d["setup_done"]), bool(d["enabled"])
    return SummarySchedule(**d)


class Reports:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- watermarks -------------------------------------------------------------------------------
    async def _mark(self, name: str) -> int:
        return int(await self.db.scalar("SELECT value FROM report_watermarks WHERE name = ?", (name,)) or 0)

    @staticmethod
    async def _set_mark(tx: Tx, name: str, value: int) -> None:
        await tx.execute("INSERT INTO report_watermarks (name, value) VALUES (?, ?)"
                         " ON CONFLICT (name) DO UPDATE SET value = excluded.value", (name, value))

    async def schedule_new_communities(self, now: int, due: DueFn) -> int:
        """Give communities created since the last call a summary row (default time, first slot after the
        community was created, so a pass that runs late still catches this week's). Indexed by id."""
        mark = await self._mark("communities")
        rows = await self.db.fetchall(
            "SELECT id, tz, work_days, created_at FROM communities WHERE id > ? ORDER BY id LIMIT ?", (mark, BATCH))
        if not rows:
            return 0
        async with self.db.tx() as tx:
            await tx.executemany(
                "INSERT INTO report_schedules (community_id, next_due_at, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (community_id) DO NOTHING",
                [(r["id"], due(r["tz"], r["work_days"], None, None, r["created_at"]), now) for r in rows])
            await self._set_mark(tx, "communities", rows[-1]["id"])
        return len(rows)

    async def schedule_new_principals(self, now: int, due: DueFn) -> int:
        """Give principals linked since the last call a digest row (Monday 07:00 in their first
        community's zone). Indexed by principals.linked_at."""
        mark = await self._mark("principals")
        rows = await self.db.fetchall(
            "SELECT p.user_id, MIN(p.linked_at) AS linked_at, MIN(c.tz) AS tz FROM principals p"
            " JOIN communities c ON c.id = p.community_id WHERE p.linked_at >= ?"
            " GROUP BY p.user_id ORDER BY linked_at LIMIT ?", (mark, BATCH))
        if not rows:
            return 0
        async with self.db.tx() as tx:
            await tx.executemany(
                "INSERT INTO digest_schedules (user_id, tz, next_due_at, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (user_id) DO NOTHING",
                [(r["user_id"], r["tz"], due(r["tz"], 5, 0, 420, r["linked_at"]), now) for r in rows])
            newest = max(r["linked_at"] for r in rows)
            await self._set_mark(tx, "principals", newest)
        return len(rows) if newest > mark else 0

    # -- group summaries --------------------------------------------------------------------------
    async def summary(self, community_id: int) -> SummarySchedule | None:
        row = await self.db.fetchone(f"{_SUMMARY_SELECT} WHERE s.community_id = ?", (community_id,))
        return _summary(row) if row else None

    async def due_summaries(self, now: int, limit: int = BATCH) -> list[SummarySchedule]:
        """Claim up to `limit` due summaries (as they were: their `next_due_at` is when they came due). Claimed
        rows are not due again for CLAIM_S — the run advances each one when done; a worker that dies leaves its
        claims to come due again. Workers claiming side by side (PostgreSQL) skip each other's locked rows."""
        async with self.db.tx() as tx:
            rows = await tx.fetchall(f"{_SUMMARY_SELECT} WHERE s.next_due_at <= ? ORDER BY s.next_due_at LIMIT ?"
                                     + self.db.LOCK_ROWS_OF, (now, limit))
            await self._claim(tx, "report_schedules", "community_id", [r["community_id"] for r in rows], now)
        return [_summary(r) for r in rows]

    @staticmethod
    async def _claim(tx: Tx, table: str, column: str, ids: list[int], now: int) -> None:
        for i in range(0, len(ids), 100):
            chunk = ids[i:i + 100]
            await tx.execute(f"UPDATE {table} SET next_due_at = ? WHERE {column} IN ({', '.join('?' * len(chunk))})",
                             (now + CLAIM_S, *chunk))

    async def set_summary(self, community_id: int, now: int, next_due_at: int, *, weekday: int | None = None,
                          minute: int | None = None, enabled: bool = True) -> None:
        async with self.db.tx() as tx:
            await tx.execute(
                "INSERT INTO report_schedules (community_id, weekday, minute, enabled, next_due_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (community_id) DO UPDATE SET weekday = excluded.weekday,"
                " minute = excluded.minute, enabled = excluded.enabled, next_due_at = excluded.next_due_at,"
                " updated_at = excluded.updated_at",
                (community_id, weekday, minute, int(enabled), next_due_at, now))

    async def advance_summary(self, community_id: int, next_due_at: int, week: str | None, now: int) -> None:
        async with self.db.tx() as tx:
            await tx.execute(
                "UPDATE report_schedules SET next_due_at = ?, last_week = COALESCE(?, last_week), updated_at = ?"
                " WHERE community_id = ?", (next_due_at, week, now, community_id))

    # -- principal digests ------------------------------------------------------------------------
    async def digest(self, user_id: int) -> DigestSchedule | None:
        row = await self.db.fetchone(
            "SELECT user_id, weekday, minute, tz, next_due_at, last_week FROM digest_schedules WHERE user_id = ?",
            (user_id,))
        return DigestSchedule(**dict(row)) if row else None

    async def due_digests(self, now: int, limit: int = BATCH) -> list[DigestSchedule]:
        """Claim due digests, as `due_summaries` does."""
        async with self.db.tx() as tx:
            rows = await tx.fetchall(
                "SELECT user_id, weekday, minute, tz, next_due_at, last_week FROM digest_schedules s"
                " WHERE next_due_at <= ? ORDER BY next_due_at LIMIT ?" + self.db.LOCK_ROWS_OF, (now, limit))
            await self._claim(tx, "digest_schedules", "user_id", [r["user_id"] for r in rows], now)
        return [DigestSchedule(**dict(r)) for r in rows]

    async def set_digest(self, user_id: int, now: int, *, weekday: int, minute: int, tz: str,
                         next_due_at: int) -> None:
        async with self.db.tx() as tx:
            await tx.execute(
                "INSERT INTO digest_schedules (user_id, weekday, minute, tz, next_due_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET weekday = excluded.weekday,"
                " minute = excluded.minute, tz = excluded.tz, next_due_at = excluded.next_due_at,"
                " updated_at = excluded.updated_at", (user_id, weekday, minute, tz, next_due_at, now))

    async def advance_digest(self, user_id: int, next_due_at: int, week: str | None, now: int) -> None:
        async with self.db.tx() as tx:
            await tx.execute(
                "UPDATE digest_schedules SET next_due_at = ?, last_week = COALESCE(?, last_week), updated_at = ?"
                " WHERE user_id = ?", (next_due_at, week, now, user_id))

    async def principal_user_ids(self, community_id: int) -> list[int]:
        rows = await self.db.fetchall("SELECT user_id FROM principals WHERE community_id = ?", (community_id,))
        return [r[0] for r in rows]
