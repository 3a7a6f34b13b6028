"""Repositories of the weekly rhythm: meeting series and occurrences, reminder messages, RSVPs,
attendance, off-days (learning-hour targets and logs: `storage/rhythm_hours.py`). SQL only; decisions live
in `domain/` and the handlers. Writes caused by a message are keyed by (chat_id, message_id), so a
re-delivered update is a no-op. Due-time queries (`due_*`) read indexed columns only."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from storage.activity import ActivityPart, activity
from storage.chats import register_chat_column
from storage.db import Database
from storage.rhythm_hours import Hours

# The reminder messages are edited in place (RSVP tally): their chat id must follow a migration.
register_chat_column("meeting_messages", "chat_id")

FAR_FUTURE = 2**62


@dataclass(frozen=True)
class Series:
    id: int
    community_id: int
    kind: str
    weekdays: tuple[int, ...]
    start_time: time
    duration_min: int
    once_date: date | None
    place: str | None
    link: str | None
    agenda: str | None
    active: bool
    materialized_until: int

    @classmethod
    def from_row(cls, r: Any) -> Series:
        h, m = (int(x) for x in r["start_time"].split(":"))
        return cls(
            id=r["id"], community_id=r["community_id"], kind=r["kind"],
            weekdays=tuple(int(x) for x in r["weekdays"].split(",") if x), start_time=time(h, m),
            duration_min=r["duration_min"], once_date=date.fromisoformat(r["once_date"]) if r["once_date"] else None,
            place=r["place"], link=r["link"], agenda=r["agenda"], active=bool(r["active"]),
            materialized_until=r["materialized_until"],
        )


@dataclass(frozen=True)
class Meeting:
    id: int
    series_id: int
    community_id: int
    orig_date: date
    start_ts: int
    end_ts: int
    status: str
    reason_kind: str | None
    reason: str | None
    moved: bool
    next_remind_at: int | None
    reminders_done: tuple[int, ...]
    checkin_at: int | None
    checkin_closes_at: int | None
    checkin_message_id: int | None
    # from the series
    place: str | None = None
    link: str | None = None
    agenda: str | None = None
    kind: str = "weekly"

    @property
    def duration_min(self) -> int:
        return (self.end_ts - self.start_ts) // 60

    @classmethod
    def from_row(cls, r: Any) -> Meeting:
        """From a row of `_MEETING_SELECT` (its columns are the fields, in order)."""
        (mid, series_id, community_id, orig_date, start_ts, end_ts, status, reason_kind, reason, moved,
         next_remind, done, checkin_at, checkin_closes_at, checkin_message_id, place, link, agenda, kind) = r
        return cls(mid, series_id, community_id, date.fromisoformat(orig_date), start_ts, end_ts, status,
                   reason_kind, reason, bool(moved), next_remind, tuple(int(x) for x in done.split(",") if x),
                   checkin_at, checkin_closes_at, checkin_message_id, place, link, agenda, kind)


@dataclass(frozen=True)
class MeetingMessage:
    meeting_id: int
    kind: str
    chat_id: int
    message_id: int
    offset_min: int
    late: bool

    @classmethod
    def from_row(cls, r: Any) -> MeetingMessage:
        return cls(r["meeting_id"], r["kind"], r["chat_id"], r["message_id"], r["offset_min"], bool(r["late"]))


@dataclass(frozen=True)
class OffDayRow:
    id: int
    community_id: int
    start: date
    end: date
    label: str

    @classmethod
    def from_row(cls, r: Any) -> OffDayRow:
        return cls(r["id"], r["community_id"], date.fromisoformat(r["start_date"]), date.fromisoformat(r["end_date"]),
                   r["label"])


@dataclass(frozen=True)
class AttendanceMark:
    """One person at one held meeting, for the report's attendance list: ``present`` is None when nobody
    marked them (then ``rsvp`` may say they excused themselves)."""

    meeting_id: int
    start_ts: int
    user_id: int
    present: bool | None
    rsvp: str | None


_MEETING_SELECT = ("SELECT m.id, m.series_id, m.community_id, m.orig_date, m.start_ts, m.end_ts, m.status,"
                   " m.reason_kind, m.reason, m.moved, m.next_remind_at, m.reminders_done, m.checkin_at,"
                   " m.checkin_closes_at, m.checkin_message_id, s.place, s.link, s.agenda, s.kind FROM meetings m"
                   " JOIN meeting_series s ON s.id = m.series_id")  # Meeting's fields, in order
_COUNTED_SELECT = _MEETING_SELECT.replace(  # and the meeting's present marks, last
    " FROM meetings m", ", (SELECT COUNT(*) FROM attendance a WHERE a.meeting_id = m.id AND a.present = 1)"
    " FROM meetings m")
# ... and, for a series aimed at one working group (0014), the number of its active members (else NULL)
_GROUP_SIZE = (", (SELECT COUNT(mm.user_id) FROM series_groups sg LEFT JOIN work_group_members wm"
               " ON wm.group_id = sg.group_id LEFT JOIN members mm ON mm.community_id = m.community_id"
               " AND mm.user_id = wm.user_id AND mm.active = 1 WHERE sg.series_id = m.series_id"
               " HAVING COUNT(sg.series_id) > 0)")
_COUNTED_GROUP_SELECT = _COUNTED_SELECT.replace(" FROM meetings m", _GROUP_SIZE + " FROM meetings m", 1)
MEETING_FIELDS = {"start_ts", "end_ts", "status", "reason_kind", "reason", "moved", "next_remind_at",
                  "reminders_done", "checkin_at", "checkin_closes_at", "checkin_message_id"}


class Meetings:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- series -----------------------------------------------------------------------------------
    async def create_series(self, *, community_id: int, kind: str, weekdays: tuple[int, ...], start_time: time,
                            duration_min: int, once_date: date | None, place: str | None, link: str | None,
                            agenda: str | None, created_by: int, chat_id: int, message_id: int, now: int,
                            occurrences: list[dict[str, Any]], materialized_until: int,
                            group_id: int | None = None) -> tuple[Series, bool]:
        """A series with its first occurrences (and the working group it is for, if any), atomically.
        (series, created); an existing series when the same message is delivered again."""
        async with self.db.tx() as tx:
            cur = await tx.execute(
                "INSERT INTO meeting_series (community_id, kind, weekdays, start_time, duration_min, once_date,"
                " place, link, agenda, materialized_until, created_by, chat_id, message_id, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id, message_id) DO NOTHING",
                (community_id, kind, ",".join(map(str, weekdays)), start_time.strftime("%H:%M"), duration_min,
                 once_date.isoformat() if once_date else None, place, link, agenda, materialized_until,
                 created_by, chat_id, message_id, now))
            created = bool(cur.rowcount)
            row = await tx.fetchone("SELECT * FROM meeting_series WHERE chat_id = ? AND message_id = ?",
                                    (chat_id, message_id))
            if created:
                await self._insert_meetings(tx, row["id"], community_id, occurrences)
                if group_id is not None:
                    await tx.execute("INSERT INTO series_groups (series_id, group_id) VALUES (?, ?)",
                                     (row["id"], group_id))
        return Series.from_row(row), created

    @staticmethod
    async def _insert_meetings(tx: Any, series_id: int, community_id: int, rows: list[dict[str, Any]]) -> None:
        await tx.executemany(
            "INSERT INTO meetings (series_id, community_id, orig_date, start_ts, end_ts, status, reason_kind,"
            " reason, next_remind_at, checkin_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (series_id, orig_date) DO NOTHING",
            [(series_id, community_id, r["orig_date"].isoformat(), r["start_ts"], r["end_ts"], r["status"],
              r.get("reason_kind"), r.get("reason"), r.get("next_remind_at"), r.get("checkin_at")) for r in rows])

    async def extend_series(self, series_id: int, community_id: int, rows: list[dict[str, Any]], until: int) -> None:
        async with self.db.tx() as tx:
            await self._insert_meetings(tx, series_id, community_id, rows)
            await tx.execute("UPDATE meeting_series SET materialized_until = ? WHERE id = ?", (until, series_id))

    async def series(self, series_id: int) -> Series | None:
        row = await self.db.fetchone("SELECT * FROM meeting_series WHERE id = ?", (series_id,))
        return Series.from_row(row) if row else None

    async def active_series(self, community_id: int) -> list[Series]:
        rows = await self.db.fetchall(
            "SELECT * FROM meeting_series WHERE community_id = ? AND active = 1 ORDER BY id", (community_id,))
        return [Series.from_row(r) for r in rows]

    async def series_to_extend(self, horizon: int, limit: int = 500) -> list[Series]:
        rows = await self.db.fetchall(
            "SELECT * FROM meeting_series WHERE kind = 'weekly' AND active = 1 AND materialized_until < ?"
            " ORDER BY materialized_until LIMIT ?", (horizon, limit))
        return [Series.from_row(r) for r in rows]

    async def end_series(self, series_id: int, reason: str, from_ts: int) -> list[int]:
        """Stop a series: no new occurrences, and its scheduled ones from `from_ts` on are cancelled.
        Returns the ids of the cancelled occurrences."""
        async with self.db.tx() as tx:
            await tx.execute("UPDATE meeting_series SET active = 0, end_reason = ? WHERE id = ?", (reason, series_id))
            rows = await tx.fetchall("SELECT id FROM meetings WHERE series_id = ? AND start_ts >= ?"
                                     " AND status = 'scheduled'", (series_id, from_ts))
            await tx.execute(
                "UPDATE meetings SET status = 'cancelled', reason_kind = 'pic', reason = ?, next_remind_at = NULL,"
                " checkin_at = NULL WHERE series_id = ? AND start_ts >= ? AND status = 'scheduled'",
                (reason, series_id, from_ts))
            # skipped ones (holidays) after the end are no longer news either
            await tx.execute("DELETE FROM meetings WHERE series_id = ? AND start_ts >= ? AND status = 'skipped'"
                             " AND reminders_done = ''", (series_id, from_ts))
        return [r["id"] for r in rows]

    # -- occurrences ------------------------------------------------------------------------------
    async def get(self, meeting_id: int) -> Meeting | None:
        row = await self.db.fetchone(f"{_MEETING_SELECT} WHERE m.id = ?", (meeting_id,))
        return Meeting.from_row(row) if row else None

    async def between(self, community_id: int, start_ts: int, end_ts: int) -> list[Meeting]:
        rows = await self.db.fetchall(
            f"{_MEETING_SELECT} WHERE m.community_id = ? AND m.start_ts >= ? AND m.start_ts < ?"
            " ORDER BY m.start_ts, m.id", (community_id, start_ts, end_ts))
        return [Meeting.from_row(r) for r in rows]

    async def on_day(self, community_id: int, day: date, day_start: int, day_end: int) -> list[Meeting]:
        """Occurrences planned for `day` or now taking place on it (a moved one is found by either)."""
        rows = await self.db.fetchall(
            f"{_MEETING_SELECT} WHERE m.community_id = ? AND ((m.start_ts >= ? AND m.start_ts < ?)"
            " OR m.orig_date = ?) ORDER BY m.start_ts, m.id", (community_id, day_start, day_end, day.isoformat()))
        return [Meeting.from_row(r) for r in rows]

    async def last_started(self, community_id: int, now: int, since: int) -> Meeting | None:
        row = await self.db.fetchone(
            f"{_MEETING_SELECT} WHERE m.community_id = ? AND m.start_ts <= ? AND m.start_ts >= ?"
            " AND m.status = 'scheduled' ORDER BY m.start_ts DESC LIMIT 1", (community_id, now, since))
        return Meeting.from_row(row) if row else None

    async def update(self, meeting_id: int, **fields: Any) -> None:
        bad = set(fields) - MEETING_FIELDS
        if bad:
            raise ValueError(f"unknown meeting fields: {bad}")
        if "reminders_done" in fields and not isinstance(fields["reminders_done"], str):
            fields["reminders_done"] = ",".join(map(str, sorted(fields["reminders_done"], reverse=True)))
        cols = ", ".join(f"{k} = ?" for k in fields)
        async with self.db.tx() as tx:
            await tx.execute(f"UPDATE meetings SET {cols} WHERE id = ?", (*fields.values(), meeting_id))

    async def update_many(self, changes: list[tuple[int, dict[str, Any]]]) -> None:
        """Several occurrence updates in one write unit (off-day or offset changes)."""
        async with self.db.tx() as tx:
            for meeting_id, fields in changes:
                bad = set(fields) - MEETING_FIELDS
                if bad:
                    raise ValueError(f"unknown meeting fields: {bad}")
                cols = ", ".join(f"{k} = ?" for k in fields)
                await tx.execute(f"UPDATE meetings SET {cols} WHERE id = ?", (*fields.values(), meeting_id))

    async def due_reminders(self, now: int, limit: int = 500) -> list[Meeting]:
        rows = await self.db.fetchall(
            f"{_MEETING_SELECT} WHERE m.next_remind_at <= ? ORDER BY m.next_remind_at LIMIT ?", (now, limit))
        return [Meeting.from_row(r) for r in rows]

    async def due_checkins(self, now: int, limit: int = 500) -> list[Meeting]:
        rows = await self.db.fetchall(
            f"{_MEETING_SELECT} WHERE m.checkin_at <= ? ORDER BY m.checkin_at LIMIT ?", (now, limit))
        return [Meeting.from_row(r) for r in rows]

    async def due_checkin_closes(self, now: int, limit: int = 500) -> list[Meeting]:
        rows = await self.db.fetchall(
            f"{_MEETING_SELECT} WHERE m.checkin_closes_at <= ? ORDER BY m.checkin_closes_at LIMIT ?", (now, limit))
        return [Meeting.from_row(r) for r in rows]

    # -- live messages ----------------------------------------------------------------------------
    async def add_message(self, meeting_id: int, kind: str, chat_id: int, message_id: int, offset_min: int,
                          late: bool) -> None:
        async with self.db.tx() as tx:
            await self.add_message_in(tx, meeting_id, kind, chat_id, message_id, offset_min, late)

    @staticmethod
    async def add_message_in(tx: Any, meeting_id: int, kind: str, chat_id: int, message_id: int, offset_min: int,
                             late: bool) -> None:
        """Inside the unit that marks the message's outbox key sent (`send_once(record=...)`). Its edits are
        throttled by `bot.live` (kind "meeting", part = this kind)."""
        await tx.execute(
            "INSERT INTO meeting_messages (meeting_id, kind, chat_id, message_id, offset_min, late)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (meeting_id, kind) DO UPDATE SET"
            " chat_id = excluded.chat_id, message_id = excluded.message_id, offset_min = excluded.offset_min,"
            " late = excluded.late", (meeting_id, kind, chat_id, message_id, offset_min, int(late)))

    async def messages(self, meeting_id: int) -> list[MeetingMessage]:
        rows = await self.db.fetchall("SELECT * FROM meeting_messages WHERE meeting_id = ? ORDER BY kind",
                                      (meeting_id,))
        return [MeetingMessage.from_row(r) for r in rows]

    async def message(self, meeting_id: int, kind: str) -> MeetingMessage | None:
        row = await self.db.fetchone("SELECT * FROM meeting_messages WHERE meeting_id = ? AND kind = ?",
                                     (meeting_id, kind))
        return MeetingMessage.from_row(row) if row else None

    # -- RSVP and attendance ----------------------------------------------------------------------
    async def set_rsvp(self, meeting_id: int, user_id: int, answer: str, now: int) -> bool:
        """Record an answer; False when it was already the answer (nothing changed)."""
        def work(conn: sqlite3.Connection) -> bool:  # one round trip: this runs for every tap
            row = conn.execute("SELECT answer FROM rsvps WHERE meeting_id = ? AND user_id = ?",
                               (meeting_id, user_id)).fetchone()
            if row is not None and row["answer"] == answer:
                return False
            conn.execute(
                "INSERT INTO rsvps (meeting_id, user_id, answer, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (meeting_id, user_id) DO UPDATE SET answer = excluded.answer,"
                " updated_at = excluded.updated_at", (meeting_id, user_id, answer, now))
            return True

        return await self.db.unit(work)

    async def tally(self, meeting_id: int) -> dict[str, int]:
        rows = await self.db.fetchall("SELECT answer, COUNT(*) AS n FROM rsvps WHERE meeting_id = ? GROUP BY answer",
                                      (meeting_id,))
        out = {"yes": 0, "excused": 0, "online": 0}
        out.update({r["answer"]: r["n"] for r in rows})
        return out

    async def set_attendance(self, meeting_id: int, user_id: int, present: bool, source: str, by: int,
                             now: int) -> bool:
        """Mark presence; a person's own check-in never overrides a PIC's correction. True if changed."""
        async with self.db.tx() as tx:
            row = await tx.fetchone("SELECT present, source FROM attendance WHERE meeting_id = ? AND user_id = ?",
                                    (meeting_id, user_id))
            if row is not None and (bool(row["present"]) == present or (source == "self" and row["source"] == "pic")):
                return False
            await tx.execute(
                "INSERT INTO attendance (meeting_id, user_id, present, source, marked_by, marked_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (meeting_id, user_id) DO UPDATE SET"
                " present = excluded.present, source = excluded.source, marked_by = excluded.marked_by,"
                " marked_at = excluded.marked_at", (meeting_id, user_id, int(present), source, by, now))
        return True

    async def attendance(self, meeting_id: int) -> dict[int, bool]:
        rows = await self.db.fetchall("SELECT user_id, present FROM attendance WHERE meeting_id = ?", (meeting_id,))
        return {r["user_id"]: bool(r["present"]) for r in rows}

    async def between_counted(self, community_id: int, start_ts: int,
                              end_ts: int) -> list[tuple[Meeting, int, int | None]]:
        """`between`, each meeting with its number of present marks and, for a meeting of one working group
        (`/jadwal … kelompok`), the group's size (else None), in one statement."""
        rows = await self.db.fetchall(
            f"{_COUNTED_GROUP_SELECT} WHERE m.community_id = ? AND m.start_ts >= ? AND m.start_ts < ?"
            " ORDER BY m.start_ts, m.id", (community_id, start_ts, end_ts))
        return [(Meeting.from_row(r[:-2]), int(r[-2]), None if r[-1] is None else int(r[-1])) for r in rows]

    async def present_counts(self, meeting_ids: list[int]) -> dict[int, int]:
        if not meeting_ids:
            return {}
        marks = ",".join("?" * len(meeting_ids))
        rows = await self.db.fetchall(
            f"SELECT meeting_id, COUNT(*) AS n FROM attendance WHERE present = 1 AND meeting_id IN ({marks})"
            " GROUP BY meeting_id", meeting_ids)
        return {r["meeting_id"]: r["n"] for r in rows}

    # -- reports (RhythmFeed: activity, report_rows) -------------------------------------
    def attended_part(self, community_id: int, start_ts: int, end_ts: int) -> ActivityPart:
        """Meetings each person was present at, among held meetings starting in [start_ts, end_ts)."""
        return ActivityPart(
            "attended", "SELECT a.user_id, COUNT(*) AS n FROM meetings m JOIN attendance a ON a.meeting_id = m.id"
            " WHERE m.community_id = ? AND m.start_ts >= ? AND m.start_ts < ? AND m.status = 'scheduled'"
            " AND a.present = 1 GROUP BY a.user_id", (community_id, start_ts, end_ts))

    async def attended_by_user(self, community_id: int, start_ts: int, end_ts: int) -> dict[int, int]:
        return {u: k["attended"] for u, k in
                (await activity(self.db, [self.attended_part(community_id, start_ts, end_ts)])).items()}

    async def attendance_sheet(self, community_id: int, start_ts: int, end_ts: int, now: int) -> list[AttendanceMark]:
        """Every held meeting (scheduled, ended by ``now``) starting in [start_ts, end_ts) with, for each
        person who was an active member when it ended or who was marked: their mark and RSVP."""
        rows = await self.db.fetchall(
            "SELECT m.id AS meeting_id, m.start_ts, mb.user_id, a.present, r.answer AS rsvp FROM meetings m"
            " JOIN members mb ON mb.community_id = m.community_id"
            " LEFT JOIN attendance a ON a.meeting_id = m.id AND a.user_id = mb.user_id"
            " LEFT JOIN rsvps r ON r.meeting_id = m.id AND r.user_id = mb.user_id"
            " WHERE m.community_id = ? AND m.start_ts >= ? AND m.start_ts < ? AND m.status = 'scheduled'"
            " AND m.end_ts <= ? AND (a.user_id IS NOT NULL OR (mb.active = 1 AND mb.joined_at <= m.end_ts))"
            " ORDER BY m.start_ts, m.id, mb.user_id", (community_id, start_ts, end_ts, now))
        return [AttendanceMark(r["meeting_id"], r["start_ts"], r["user_id"],
                               None if r["present"] is None else bool(r["present"]), r["rsvp"]) for r in rows]


class OffDays:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, community_id: int, start: date, end: date, label: str, by: int, chat_id: int,
                  message_id: int, now: int) -> tuple[OffDayRow, bool]:
        async with self.db.tx() as tx:
            cur = await tx.execute(
                "INSERT INTO off_days (community_id, start_date, end_date, label, created_by, chat_id, message_id,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id, message_id) DO NOTHING",
                (community_id, start.isoformat(), end.isoformat(), label, by, chat_id, message_id, now))
            row = await tx.fetchone("SELECT * FROM off_days WHERE chat_id = ? AND message_id = ?",
                                    (chat_id, message_id))
        return OffDayRow.from_row(row), bool(cur.rowcount)

    async def list(self, community_id: int, from_date: date | None = None) -> list[OffDayRow]:
        since = (from_date or date.min).isoformat()
        rows = await self.db.fetchall(
            "SELECT * FROM off_days WHERE community_id = ? AND end_date >= ? ORDER BY start_date, id",
            (community_id, since))
        return [OffDayRow.from_row(r) for r in rows]

    async def remove(self, community_id: int, off_day_id: int) -> OffDayRow | None:
        async with self.db.tx() as tx:
            row = await tx.fetchone("SELECT * FROM off_days WHERE id = ? AND community_id = ?",
                                    (off_day_id, community_id))
            if row is None:
                return None
            await tx.execute("DELETE FROM off_days WHERE id = ?", (off_day_id,))
        return OffDayRow.from_row(row)


class RhythmStore:
    """The rhythm's repositories over one database."""

    def __init__(self, db: Database) -> None:
        self.meetings = Meetings(db)
        self.off_days = OffDays(db)
        self.hours = Hours(db)
