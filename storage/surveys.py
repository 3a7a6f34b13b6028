"""Surveys repository: surveys, the group messages carrying their items, answers, and pulse schedules.

Answers are upserts keyed by (survey, person, item), so a double tap or a re-delivered update changes
nothing; a survey created by a message is keyed by that message (`source_key`), so a re-delivered
command does not start it twice.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from domain.surveys.core import SurveyDef, SurveyItem
from storage.activity import ActivityPart, activity
from storage.chats import register_chat_column
from storage.db import Database

register_chat_column("surveys", "chat_id")
register_chat_column("survey_messages", "chat_id")


@dataclass(frozen=True)
class Survey:
    id: int
    community_id: int
    chat_id: int
    kind: str
    phase: str | None
    pair_id: int | None
    title: str
    items: tuple[SurveyItem, ...]
    locale: str
    status: str
    posted: bool
    header_message_id: int | None
    respondents: int
    created_by: int
    opened_at: int
    closes_at: int | None
    closed_at: int | None
    individual: bool = False  # PICs/principal may see each person's answers: fixed when the survey opens
    published_json: str | None = None  # the figures published when it closed (see `freeze`)

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def published(self) -> dict[str, Any] | None:
        return None if self.published_json is None else json.loads(self.published_json)

    @property
    def definition(self) -> SurveyDef:
        return SurveyDef(kind=self.kind, title=self.title, items=self.items)  # type: ignore[arg-type]

    @classmethod
    def from_row(cls, r: Any) -> Survey:
        """From a row of `_SURVEY_SELECT` (its columns are the fields, in order; the items as JSON)."""
        (sid, community_id, chat_id, kind, phase, pair_id, title, items_json, locale, status, posted, header_mid,
         respondents, created_by, opened_at, closes_at, closed_at, individual, published_json) = r
        return cls(sid, community_id, chat_id, kind, phase, pair_id, title, _items(items_json), locale, status,
                   bool(posted), header_mid, respondents, created_by, opened_at, closes_at, closed_at,
                   bool(individual), published_json)


_SURVEY_SELECT = ("SELECT id, community_id, chat_id, kind, phase, pair_id, title, items_json, locale, status, posted,"
                  " header_message_id, respondents, created_by, opened_at, closes_at,"
                  " closed_at, individual, published_json FROM surveys")  # Survey's fields, in order (items_json for items)


@dataclass(frozen=True)
class Answer:
    user_id: int
    item_idx: int
    value_int: int | None
    value_text: str | None
    role: str
    answered_at: int

    @property
    def value(self) -> int | str:
        return self.value_int if self.value_int is not None else (self.value_text or "")


@dataclass(frozen=True)
class PulseSchedule:
    community_id: int
    mode: str  # meeting | fixed
    weekday: int | None
    minute_of_day: int | None
    open_hours: int
    checked_until: int
    next_due_at: int
    created_by: int

    @classmethod
    def from_row(cls, r: Any) -> PulseSchedule:
        return cls(**{k: r[k] for k in ("community_id", "mode", "weekday", "minute_of_day", "open_hours",
                                         "checked_until", "next_due_at", "created_by")})


@lru_cache(maxsize=1024)  # a survey's items never change once it exists; every tap reads them
def _items(items_json: str) -> tuple[SurveyItem, ...]:
    return tuple(SurveyItem(key=i["key"], kind=i["kind"], text=i["text"], options=tuple(i["options"]),
                            correct=i["correct"], optional=i["optional"]) for i in json.loads(items_json))


def _items_json(items: tuple[SurveyItem, ...]) -> str:
    return json.dumps([{"key": i.key, "kind": i.kind, "text": i.text, "options": list(i.options),
                        "correct": i.correct, "optional": i.optional} for i in items], ensure_ascii=False)


class Surveys:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- surveys ----------------------------------------------------------------------------------
    async def create(self, *, community_id: int, chat_id: int, definition: SurveyDef, locale: str,
                     created_by: int, now: int, closes_at: int | None, source_key: str,
                     phase: str | None = None, pair_id: int | None = None,
                     individual: bool = False) -> tuple[Survey, bool]:
        """Start a survey; (survey, created). The same `source_key` again returns the first one.
        `individual` (whether each person's answers may be seen) is fixed here: no method changes it."""
        async with self.db.tx() as tx:
            cur = await tx.execute(
                "INSERT INTO surveys (community_id, chat_id, kind, phase, pair_id, title, items_json, locale,"
                " created_by, source_key, opened_at, closes_at, individual)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source_key) DO NOTHING",
                (community_id, chat_id, definition.kind, phase, pair_id, definition.title,
                 _items_json(definition.items), locale, created_by, source_key, now, closes_at, int(individual)))
            created = bool(cur.rowcount)
            row = await tx.fetchone(f"{_SURVEY_SELECT} WHERE source_key = ?", (source_key,))
        return Survey.from_row(row), created

    async def get(self, survey_id: int) -> Survey | None:
        row = await self.db.fetchone(f"{_SURVEY_SELECT} WHERE id = ?", (survey_id,))
        return Survey.from_row(row) if row else None

    async def open_in(self, community_id: int) -> list[Survey]:
        rows = await self.db.fetchall(f"{_SURVEY_SELECT} WHERE community_id = ? AND status = 'open'"
                                      " ORDER BY id", (community_id,))
        return [Survey.from_row(r) for r in rows]

    async def closed_between(self, community_id: int, start: int, end: int, *, kind: str | None = None) -> list[Survey]:
        """Surveys whose results are out, closed in [start, end), oldest first."""
        sql = (f"{_SURVEY_SELECT} WHERE community_id = ? AND status = 'closed' AND closed_at >= ?"
               " AND closed_at < ?")
        params: list[Any] = [community_id, start, end]
        if kind is not None:
            sql += " AND kind = ?"
            params.append(kind)
        rows = await self.db.fetchall(sql + " ORDER BY closed_at, id", params)
        return [Survey.from_row(r) for r in rows]

    def responses_part(self, community_id: int, start: int, end: int) -> ActivityPart:
        """Surveys of the community each person answered (first answer in [start, end)): one per survey."""
        return ActivityPart(
            "responses", "SELECT user_id, COUNT(*) AS n FROM (SELECT a.survey_id, a.user_id, MIN(a.answered_at) AS at"
            " FROM surveys s JOIN survey_answers a ON a.survey_id = s.id WHERE s.community_id = ?"
            " GROUP BY a.survey_id, a.user_id) WHERE at >= ? AND at < ? GROUP BY user_id", (community_id, start, end))

    async def responses_by_user(self, community_id: int, start: int, end: int) -> dict[int, int]:
        return {u: k["responses"] for u, k in
                (await activity(self.db, [self.responses_part(community_id, start, end)])).items()}

    @staticmethod
    async def set_posted_in(tx: Any, survey_id: int) -> None:
        """The card is queued (in the unit that queues it): the survey is posted as far as the pass goes."""
        await tx.execute("UPDATE surveys SET posted = 1 WHERE id = ?", (survey_id,))

    @staticmethod
    async def card_sent_in(tx: Any, survey_id: int, chat_id: int, message_id: int, one_item: bool) -> None:
        """In the commit that marks the card sent: the message it is, and (a one-item check) that a reply to it
        answers the item."""
        await tx.execute("UPDATE surveys SET header_message_id = COALESCE(header_message_id, ?) WHERE id = ?",
                         (message_id, survey_id))
        if one_item:
            await tx.execute("INSERT INTO survey_messages (chat_id, message_id, survey_id, item_idx)"
                             " VALUES (?, ?, ?, 0) ON CONFLICT DO NOTHING", (chat_id, message_id, survey_id))

    async def item_by_message(self, chat_id: int, message_id: int) -> tuple[int, int] | None:
        """(survey id, item index) of a group message that carries an item."""
        row = await self.db.fetchone("SELECT survey_id, item_idx FROM survey_messages WHERE chat_id = ?"
                                     " AND message_id = ?", (chat_id, message_id))
        return (row["survey_id"], row["item_idx"]) if row else None

    # -- answers ----------------------------------------------------------------------------------
    async def answer(self, survey_id: int, user_id: int, item_idx: int, *, value_int: int | None = None,
                     value_text: str | None = None, role: str, now: int) -> str:
        """Store one answer (only while the survey is open). Returns new | changed | same | closed."""
        def work(conn: sqlite3.Connection) -> str:  # one round trip: this runs for every tap
            status = conn.execute("SELECT status FROM surveys WHERE id = ?", (survey_id,)).fetchone()
            if status is None or status["status"] != "open":
                return "closed"
            old = conn.execute("SELECT value_int, value_text, role FROM survey_answers WHERE survey_id = ?"
                               " AND user_id = ? AND item_idx = ?", (survey_id, user_id, item_idx)).fetchone()
            if old is not None and (old["value_int"], old["value_text"], old["role"]) == (value_int, value_text, role):
                return "same"
            conn.execute(
                "INSERT INTO survey_answers (survey_id, user_id, item_idx, value_int, value_text, role, answered_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (survey_id, user_id, item_idx) DO UPDATE SET"
                " value_int = excluded.value_int, value_text = excluded.value_text, role = excluded.role,"
                " answered_at = excluded.answered_at",
                (survey_id, user_id, item_idx, value_int, value_text, role, now))
            conn.execute("UPDATE surveys SET respondents = (SELECT COUNT(DISTINCT user_id) FROM survey_answers"
                         " WHERE survey_id = ?) WHERE id = ?", (survey_id, survey_id))
            return "new" if old is None else "changed"

        return await self.db.unit(work)

    async def answers(self, survey_id: int) -> list[Answer]:
        rows = await self.db.fetchall("SELECT * FROM survey_answers WHERE survey_id = ? ORDER BY user_id, item_idx",
                                      (survey_id,))
        return [Answer(r["user_id"], r["item_idx"], r["value_int"], r["value_text"], r["role"], r["answered_at"])
                for r in rows]

    async def answers_of(self, survey_id: int, user_id: int) -> dict[int, Answer]:
        return {a.item_idx: a for a in await self.answers(survey_id) if a.user_id == user_id}

    # -- closing ----------------------------------------------------------------------------------
    async def close(self, survey_id: int, now: int) -> bool:
        """Stop accepting answers (results still to post). False if it was not open."""
        async with self.db.tx() as tx:
            cur = await tx.execute("UPDATE surveys SET status = 'closing', closed_at = ? WHERE id = ? AND"
                                   " status = 'open'", (now, survey_id))
            return bool(cur.rowcount)

    async def freeze(self, survey_id: int, published: dict[str, Any]) -> None:
        """Keep the figures a closed survey published (once: the first results posted stay the results)."""
        async with self.db.tx() as tx:
            await tx.execute("UPDATE surveys SET published_json = ? WHERE id = ? AND published_json IS NULL"
                             " AND status != 'open'", (json.dumps(published, ensure_ascii=False), survey_id))

    async def mark_closed(self, survey_id: int) -> None:
        async with self.db.tx() as tx:
            await tx.execute("UPDATE surveys SET status = 'closed' WHERE id = ? AND status = 'closing'", (survey_id,))

    async def due_to_close(self, now: int) -> list[Survey]:
        rows = await self.db.fetchall(f"{_SURVEY_SELECT} WHERE status = 'open' AND closes_at IS NOT NULL"
                                      " AND closes_at <= ? ORDER BY closes_at", (now,))
        return [Survey.from_row(r) for r in rows]

    async def closing(self) -> list[Survey]:
        """Closed to answers, results not yet posted (a crash or a failed send in between)."""
        rows = await self.db.fetchall(f"{_SURVEY_SELECT} WHERE status = 'closing' ORDER BY id")
        return [Survey.from_row(r) for r in rows]

    async def unposted(self) -> list[Survey]:
        """Open surveys whose card is not in the group yet (a day off held it, or a send failed)."""
        rows = await self.db.fetchall(f"{_SURVEY_SELECT} WHERE status = 'open' AND posted = 0 ORDER BY id")
        return [Survey.from_row(r) for r in rows]

    async def by_header(self, chat_id: int, message_id: int) -> Survey | None:
        """The survey whose card is this group message."""
        row = await self.db.fetchone(f"{_SURVEY_SELECT} WHERE chat_id = ? AND header_message_id = ?",
                                     (chat_id, message_id))
        return Survey.from_row(row) if row else None

    # -- schedules --------------------------------------------------------------------------------
    async def set_schedule(self, s: PulseSchedule, now: int) -> None:
        async with self.db.tx() as tx:
            await tx.execute(
                "INSERT INTO survey_schedules (community_id, mode, weekday, minute_of_day, open_hours,"
                " checked_until, next_due_at, created_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (community_id) DO UPDATE SET mode = excluded.mode, weekday = excluded.weekday,"
                " minute_of_day = excluded.minute_of_day, open_hours = excluded.open_hours,"
                " checked_until = excluded.checked_until, next_due_at = excluded.next_due_at,"
                " created_by = excluded.created_by, updated_at = excluded.updated_at",
                (s.community_id, s.mode, s.weekday, s.minute_of_day, s.open_hours, s.checked_until,
                 s.next_due_at, s.created_by, now))

    async def schedule(self, community_id: int) -> PulseSchedule | None:
        row = await self.db.fetchone("SELECT * FROM survey_schedules WHERE community_id = ?", (community_id,))
        return PulseSchedule.from_row(row) if row else None

    async def delete_schedule(self, community_id: int) -> bool:
        async with self.db.tx() as tx:
            cur = await tx.execute("DELETE FROM survey_schedules WHERE community_id = ?", (community_id,))
            return bool(cur.rowcount)

    async def due_schedules(self, now: int) -> list[PulseSchedule]:
        rows = await self.db.fetchall("SELECT * FROM survey_schedules WHERE next_due_at <= ? ORDER BY next_due_at",
                                      (now,))
        return [PulseSchedule.from_row(r) for r in rows]

    async def advance_schedule(self, community_id: int, *, checked_until: int, next_due_at: int, now: int) -> None:
        async with self.db.tx() as tx:
            await tx.execute("UPDATE survey_schedules SET checked_until = ?, next_due_at = ?, updated_at = ?"
                             " WHERE community_id = ?", (checked_until, next_due_at, now, community_id))
