"""Repositories of issue 15: the core team and the agreement, the programme's activities, and the progress
map's self-assessment (migration 0012)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from storage.chats import register_chat_column
from storage.db import Database

register_chat_column("map_assessments", "chat_id")


@dataclass(frozen=True)
class Agreement:
    id: int
    community_id: int
    body: str
    created_at: int


@dataclass(frozen=True)
class Activity:
    id: int
    community_id: int
    kind: str
    title: str | None
    held_on: date
    teachers: int
    pupils: int
    parents: int


@dataclass(frozen=True)
class Assessment:
    id: int
    community_id: int
    term: str
    opened_at: int
    closed_at: int | None
    chat_id: int | None
    message_id: int | None

    @property
    def open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True)
class MapFacts:
    """What the progress map reads of this issue for one community (`map_facts`, one statement)."""
    activities: int | None  # programme activities held in the window; None: the community never recorded one
    accepted: frozenset[int] | None  # who accepted the current agreement; None: no agreement written yet
    own: list[tuple[str, int]]  # the placements of the term asked for
    before: list[tuple[str, int]]  # the placements of the last earlier term that has an assessment


def _activity(r: object) -> Activity:
    d = dict(r)  # type: ignore[call-overload]
    return Activity(d["id"], d["community_id"], d["kind"], d["title"], date.fromisoformat(d["held_on"]),
                    d["teachers"], d["pupils"], d["parents"])


def _assessment(r: object) -> Assessment:
    d = dict(r)  # type: ignore[call-overload]
    return Assessment(d["id"], d["community_id"], d["term"], d["opened_at"], d["closed_at"], d["chat_id"],
                      d["message_id"])


class AgreementRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def core_team(self, community_id: int) -> set[int]:
        rows = await self.db.fetchall("SELECT user_id FROM core_team WHERE community_id = ?", (community_id,))
        return {r["user_id"] for r in rows}

    async def toggle_core(self, community_id: int, user_id: int, now: int) -> bool:
        """Add to the core team, or remove if in it; returns whether they are in it now."""
        async with self.db.tx() as tx:
            cur = await tx.execute("DELETE FROM core_team WHERE community_id = ? AND user_id = ?",
                                   (community_id, user_id))
            if cur.rowcount:
                return False
            await tx.execute("INSERT INTO core_team (community_id, user_id, added_at) VALUES (?, ?, ?)",
                             (community_id, user_id, now))
        return True

    async def current(self, community_id: int) -> Agreement | None:
        r = await self.db.fetchone("SELECT id, community_id, body, created_at FROM agreements"
                                   " WHERE community_id = ? ORDER BY id DESC LIMIT 1", (community_id,))
        return Agreement(*r) if r else None

    async def get(self, agreement_id: int) -> Agreement | None:
        r = await self.db.fetchone("SELECT id, community_id, body, created_at FROM agreements WHERE id = ?",
                                   (agreement_id,))
        return Agreement(*r) if r else None

    async def write(self, community_id: int, body: str, by: int, now: int) -> int:
        async with self.db.tx() as tx:
            return await tx.insert("INSERT INTO agreements (community_id, body, created_by, created_at)"
                                   " VALUES (?, ?, ?, ?)", (community_id, body, by, now))

    async def accept(self, agreement_id: int, user_id: int, now: int) -> bool:
        """True the first time; False if they had accepted this text already."""
        async with self.db.tx() as tx:
            cur = await tx.execute("INSERT INTO agreement_acceptances (agreement_id, user_id, accepted_at)"
                                   " VALUES (?, ?, ?) ON CONFLICT DO NOTHING", (agreement_id, user_id, now))
            return cur.rowcount > 0

    async def accepted(self, agreement_id: int) -> set[int]:
        rows = await self.db.fetchall("SELECT user_id FROM agreement_acceptances WHERE agreement_id = ?",
                                      (agreement_id,))
        return {r["user_id"] for r in rows}


class ActivityRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, community_id: int, kind: str, title: str | None, held_on: date, held_ts: int,
                  teachers: int, pupils: int, parents: int, by: int, now: int) -> int:
        async with self.db.tx() as tx:
            return await tx.insert(
                "INSERT INTO programme_activities (community_id, kind, title, held_on, held_ts, teachers, pupils,"
                " parents, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (community_id, kind, title, held_on.isoformat(), held_ts, teachers, pupils, parents, by, now))

    async def between(self, community_id: int, start_ts: int, end_ts: int) -> list[Activity]:
        rows = await self.db.fetchall(
            "SELECT * FROM programme_activities WHERE community_id = ? AND held_ts >= ? AND held_ts < ?"
            " ORDER BY held_ts, id", (community_id, start_ts, end_ts))
        return [_activity(r) for r in rows]

    async def delete(self, community_id: int, activity_id: int) -> bool:
        async with self.db.tx() as tx:
            cur = await tx.execute("DELETE FROM programme_activities WHERE community_id = ? AND id = ?",
                                   (community_id, activity_id))
            return cur.rowcount > 0


class MapRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def of_term(self, community_id: int, term: str) -> Assessment | None:
        r = await self.db.fetchone("SELECT * FROM map_assessments WHERE community_id = ? AND term = ?",
                                   (community_id, term))
        return _assessment(r) if r else None

    async def get(self, assessment_id: int) -> Assessment | None:
        r = await self.db.fetchone("SELECT * FROM map_assessments WHERE id = ?", (assessment_id,))
        return _assessment(r) if r else None

    async def before(self, community_id: int, term: str) -> Assessment | None:
        """The latest assessment of an earlier term."""
        r = await self.db.fetchone("SELECT * FROM map_assessments WHERE community_id = ? AND term < ?"
                                   " ORDER BY term DESC LIMIT 1", (community_id, term))
        return _assessment(r) if r else None

    async def open(self, community_id: int, term: str, by: int, now: int) -> Assessment:
        """This term's assessment, opened (or opened again)."""
        async with self.db.tx() as tx:
            await tx.execute(
                "INSERT INTO map_assessments (community_id, term, opened_by, opened_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (community_id, term) DO UPDATE SET closed_at = NULL", (community_id, term, by, now))
        return await self.of_term(community_id, term)  # type: ignore[return-value]

    async def close(self, assessment_id: int, now: int) -> None:
        async with self.db.tx() as tx:
            await tx.execute("UPDATE map_assessments SET closed_at = ? WHERE id = ?", (now, assessment_id))

    async def set_card(self, assessment_id: int, chat_id: int, message_id: int) -> None:
        async with self.db.tx(mark=False) as tx:
            await tx.execute("UPDATE map_assessments SET chat_id = ?, message_id = ? WHERE id = ?",
                             (chat_id, message_id, assessment_id))

    async def place(self, assessment_id: int, user_id: int, indicator: str, level: int, now: int) -> None:
        async with self.db.tx() as tx:
            await tx.execute(
                "INSERT INTO map_placements (assessment_id, user_id, indicator, level, answered_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (assessment_id, user_id, indicator)"
                " DO UPDATE SET level = excluded.level, answered_at = excluded.answered_at",
                (assessment_id, user_id, indicator, level, now))

    async def answers_of(self, assessment_id: int, user_id: int) -> dict[str, int]:
        rows = await self.db.fetchall("SELECT indicator, level FROM map_placements WHERE assessment_id = ?"
                                      " AND user_id = ?", (assessment_id, user_id))
        return {r["indicator"]: r["level"] for r in rows}

    async def answers(self, assessment_id: int) -> list[tuple[str, int]]:
        rows = await self.db.fetchall("SELECT indicator, level FROM map_placements WHERE assessment_id = ?",
                                      (assessment_id,))
        return [(r["indicator"], r["level"]) for r in rows]

    async def respondents(self, assessment_id: int) -> int:
        return int(await self.db.scalar("SELECT COUNT(DISTINCT user_id) FROM map_placements"
                                        " WHERE assessment_id = ?", (assessment_id,)) or 0)


_FACTS = """
SELECT EXISTS (SELECT 1 FROM programme_activities WHERE community_id = :c) AS any_activity,
       (SELECT COUNT(*) FROM programme_activities
         WHERE community_id = :c AND held_ts >= :s AND held_ts < :e) AS activities,
       (SELECT id FROM agreements WHERE community_id = :c ORDER BY id DESC LIMIT 1) AS agreement,
       (SELECT json_group_array(user_id) FROM agreement_acceptances WHERE agreement_id =
          (SELECT id FROM agreements WHERE community_id = :c ORDER BY id DESC LIMIT 1)) AS accepted,
       (SELECT json_group_array(json_array(p.indicator, p.level)) FROM map_placements p WHERE p.assessment_id =
          (SELECT id FROM map_assessments WHERE community_id = :c AND term = :t)) AS own,
       (SELECT json_group_array(json_array(p.indicator, p.level)) FROM map_placements p WHERE p.assessment_id =
          (SELECT id FROM map_assessments WHERE community_id = :c AND term < :t ORDER BY term DESC LIMIT 1)) AS before
"""


async def map_facts(db: Database, community_id: int, start_ts: int, end_ts: int, term: str) -> MapFacts:
    """The progress map's facts of this issue in one statement: programme activities in [start_ts, end_ts),
    who accepted the current agreement, the placements of `term` and of the last earlier term."""
    r = await db.fetchone(_FACTS, {"c": community_id, "s": start_ts, "e": end_ts, "t": term})
    assert r is not None  # a SELECT without FROM always gives its one row
    return MapFacts(
        activities=int(r["activities"]) if r["any_activity"] else None,
        accepted=frozenset(int(u) for u in json.loads(r["accepted"])) if r["agreement"] is not None else None,
        own=[(str(i), int(lv)) for i, lv in json.loads(r["own"])],
        before=[(str(i), int(lv)) for i, lv in json.loads(r["before"])])
