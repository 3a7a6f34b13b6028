"""The repository of peer observations (migration 0010; working groups are in storage/groups.py). SQL lives
here only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from storage.chats import register_chat_column, still_in_group
from storage.db import Database

for _table, _column in (("observations", "card_chat_id"), ("observations", "debrief_chat_id"),
                        ("observations", "origin_chat_id"), ("observation_notes", "chat_id")):
    register_chat_column(_table, _column)


@dataclass(frozen=True)
class Observation:
    id: int
    community_id: int
    cycle_id: int | None
    stage_id: int | None
    group_id: int | None
    model_user_id: int
    class_label: str
    focus: str
    at_ts: int
    created_by: int
    share_ratings: int
    debrief_at: int | None
    debrief_step: str | None
    rtl_id: int | None
    card_chat_id: int
    card_message_id: int | None
    debrief_chat_id: int | None
    debrief_message_id: int | None
    thread_id: int | None


def _obs(row: Any) -> Observation:
    return Observation(**{f: row[f] for f in Observation.__dataclass_fields__})


class Observations:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, *, community_id: int, cycle_id: int | None, stage_id: int | None, group_id: int | None,
                     model: int, class_label: str, focus: str, at_ts: int, user_id: int, now: int,
                     chat_id: int, thread_id: int | None, origin: tuple[int, int]) -> int:
        async with self.db.tx() as tx:
            row = await tx.fetchone("SELECT id FROM observations WHERE origin_chat_id = ? AND origin_message_id = ?",
                                    origin)
            if row:
                return int(row["id"])
            return await tx.insert(
                "INSERT INTO observations (community_id, cycle_id, stage_id, group_id, model_user_id, class_label,"
                " focus, at_ts, created_by, created_at, card_chat_id, thread_id, origin_chat_id, origin_message_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (community_id, cycle_id, stage_id, group_id, model, class_label, focus, at_ts, user_id, now,
                 chat_id, thread_id, *origin))

    async def get(self, obs_id: int) -> Observation | None:
        row = await self.db.fetchone("SELECT * FROM observations WHERE id = ?", (obs_id,))
        return _obs(row) if row else None

    async def by_debrief_message(self, chat_id: int, message_id: int) -> Observation | None:
        row = await self.db.fetchone("SELECT * FROM observations WHERE debrief_chat_id = ? AND debrief_message_id = ?",
                                     (chat_id, message_id))
        return _obs(row) if row else None

    async def list(self, community_id: int, limit: int = 10) -> list[Observation]:
        rows = await self.db.fetchall("SELECT * FROM observations WHERE community_id = ? ORDER BY at_ts DESC, id DESC"
                                      " LIMIT ?", (community_id, limit))
        return [_obs(r) for r in rows]

    async def between(self, community_id: int, start: int, end: int) -> list[Observation]:
        rows = await self.db.fetchall("SELECT * FROM observations WHERE community_id = ? AND at_ts >= ? AND at_ts < ?"
                                      " ORDER BY at_ts, id", (community_id, start, end))
        return [_obs(r) for r in rows]

    async def of_cycle(self, cycle_id: int) -> list[Observation]:
        rows = await self.db.fetchall("SELECT * FROM observations WHERE cycle_id = ? ORDER BY at_ts, id", (cycle_id,))
        return [_obs(r) for r in rows]

    async def set_card(self, obs_id: int, message_id: int) -> None:
        async with self.db.tx(mark=False) as tx:
            await tx.execute("UPDATE observations SET card_message_id = ? WHERE id = ?", (message_id, obs_id))

    async def update(self, obs_id: int, **cols: Any) -> None:
        async with self.db.tx() as tx:
            await self.update_in(tx, obs_id, **cols)

    @staticmethod
    async def update_in(tx: Any, obs_id: int, **cols: Any) -> None:
        """`update` inside a unit of the caller's (the outbox's: queueing the debrief, recording it sent)."""
        allowed = {"share_ratings", "debrief_at", "debrief_step", "rtl_id", "debrief_chat_id", "debrief_message_id"}
        assert set(cols) <= allowed, cols
        sets = ", ".join(f"{c} = ?" for c in cols)
        await tx.execute(f"UPDATE observations SET {sets} WHERE id = ?", (*cols.values(), obs_id))

    # -- observers ----------------------------------------------------------------------------------
    async def observers(self, obs_id: int) -> list[int]:
        rows = await self.db.fetchall("SELECT user_id FROM observation_observers WHERE observation_id = ?"
                                      " ORDER BY joined_at, user_id", (obs_id,))
        return [int(r["user_id"]) for r in rows]

    async def toggle_observer(self, obs_id: int, user_id: int, now: int, limit: int) -> str:
        """'joined', 'left' or 'full'."""
        async with self.db.tx() as tx:
            if await tx.fetchone("SELECT 1 FROM observation_observers WHERE observation_id = ? AND user_id = ?",
                                 (obs_id, user_id)):
                await tx.execute("DELETE FROM observation_observers WHERE observation_id = ? AND user_id = ?",
                                 (obs_id, user_id))
                return "left"
            n = (await tx.fetchone("SELECT COUNT(*) AS n FROM observation_observers WHERE observation_id = ?",
                                   (obs_id,)))["n"]
            if n >= limit:
                return "full"
            await tx.execute("INSERT INTO observation_observers (observation_id, user_id, joined_at) VALUES (?, ?, ?)",
                             (obs_id, user_id, now))
            return "joined"

    # -- the form -----------------------------------------------------------------------------------
    async def rate(self, obs_id: int, user_id: int, aspect: str, score: int, now: int) -> None:
        async with self.db.tx() as tx:
            await tx.execute(
                "INSERT INTO observation_ratings (observation_id, user_id, aspect, score, rated_at) VALUES"
                " (?, ?, ?, ?, ?) ON CONFLICT (observation_id, user_id, aspect) DO UPDATE SET score = excluded.score,"
                " rated_at = excluded.rated_at", (obs_id, user_id, aspect, score, now))

    async def ratings(self, obs_id: int, user_id: int | None = None) -> list[tuple[int, str, int]]:
        cond, params = ("AND user_id = ?", (obs_id, user_id)) if user_id is not None else ("", (obs_id,))
        rows = await self.db.fetchall(f"SELECT user_id, aspect, score FROM observation_ratings WHERE observation_id = ?"
                                      f" {cond}", params)
        return [(int(r["user_id"]), r["aspect"], int(r["score"])) for r in rows]

    async def add_note(self, obs_id: int, user_id: int, kind: str, text: str | None, file_id: str | None,
                       now: int, origin: tuple[int, int]) -> bool:
        """False when this message was already stored (a re-delivered update)."""
        async with self.db.tx() as tx:
            if await tx.fetchone("SELECT 1 FROM observation_notes WHERE chat_id = ? AND message_id = ?", origin):
                return False
            await tx.execute("INSERT INTO observation_notes (observation_id, user_id, kind, text, file_id, created_at,"
                             " chat_id, message_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             (obs_id, user_id, kind, text, file_id, now, *origin))
            return True

    async def notes(self, obs_id: int, kinds: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
        rows = await self.db.fetchall("SELECT user_id, kind, text, file_id, created_at FROM observation_notes"
                                      " WHERE observation_id = ? ORDER BY created_at, id", (obs_id,))
        return [dict(r) for r in rows if kinds is None or r["kind"] in kinds]

    # -- the scheduler and reports ------------------------------------------------------------------
    async def due_debriefs(self, now: int) -> list[Observation]:
        rows = await self.db.fetchall("SELECT * FROM observations WHERE debrief_step IS NULL AND debrief_at IS NOT NULL"
                                      " AND debrief_at <= ? ORDER BY debrief_at", (now,))
        return [_obs(r) for r in rows]

    async def count_in_cycle(self, cycle_id: int) -> int:
        """Observations of the cycle's lessons with at least one observer's record (a rating or a note)."""
        return int(await self.db.scalar(
            "SELECT COUNT(*) FROM observations o WHERE o.cycle_id = ? AND (EXISTS (SELECT 1 FROM observation_ratings r"
            " WHERE r.observation_id = o.id) OR EXISTS (SELECT 1 FROM observation_notes n WHERE n.observation_id = o.id"
            " AND n.kind IN ('evidence', 'photo')))", (cycle_id,)))

    async def observed_by(self, community_id: int, start: int, end: int) -> dict[int, int]:
        """Per observer: observations recorded (a rating or evidence) of lessons taught in [start, end)."""
        rows = await self.db.fetchall(
            "SELECT x.user_id, COUNT(DISTINCT x.observation_id) AS n FROM (SELECT observation_id, user_id FROM"
            " observation_ratings UNION SELECT observation_id, user_id FROM observation_notes WHERE kind IN"
            " ('evidence', 'photo')) x JOIN observations o ON o.id = x.observation_id WHERE o.community_id = ?"
            " AND o.at_ts >= ? AND o.at_ts < ? AND " + still_in_group("o.community_id", "x.user_id")
            + " GROUP BY x.user_id", (community_id, start, end))
        return {int(r["user_id"]): int(r["n"]) for r in rows}
