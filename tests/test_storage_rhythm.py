"""The rhythm's repositories on a real SQLite file: idempotent writes, due-time queries on their
indexes, RSVP/attendance rules, learning-log ownership, sums per period, and chat migration."""

from __future__ import annotations

from datetime import date, time

import pytest

from storage.backends import make_database
from storage.repos import Repos
from storage.rhythm import RhythmStore

NOW = 1_800_000_000
CHAT = -100777


@pytest.fixture
async def db(db_target):
    database = await make_database(db_target).open()
    yield database
    await database.close()


async def _community(db) -> int:
    repos = Repos(db)
    c, _ = await repos.communities.ensure(CHAT, "Kombel", tz="Asia/Makassar", locale="id", now=NOW)
    for uid in (1, 2):
        await repos.users.upsert(uid, f"U{uid}", None, None, "id", NOW)
        await repos.members.join(c.id, uid, "classroom", NOW)
    return c.id


def _rows(n: int, start: int = NOW + 86400):
    return [{"orig_date": date(2026, 1, 1 + i), "start_ts": start + i * 7 * 86400,
             "end_ts": start + i * 7 * 86400 + 5400, "status": "scheduled",
             "next_remind_at": start + i * 7 * 86400 - 3600, "checkin_at": start + i * 7 * 86400 + 5400}
            for i in range(n)]


async def _series(rs: RhythmStore, cid: int, message_id: int = 10, rows=None):
    return await rs.meetings.create_series(
        community_id=cid, kind="weekly", weekdays=(3,), start_time=time(14), duration_min=90, once_date=None,
        place="Ruang guru", link=None, agenda=None, created_by=1, chat_id=CHAT, message_id=message_id, now=NOW,
        occurrences=_rows(3) if rows is None else rows, materialized_until=NOW + 21 * 86400)


async def test_series_created_once_per_message_with_its_occurrences(db):
    cid = await _community(db)
    rs = RhythmStore(db)
    series, created = await _series(rs, cid)
    again, created_again = await _series(rs, cid)
    assert created and not created_again and again.id == series.id
    meetings = await rs.meetings.between(cid, 0, 2**40)
    assert len(meetings) == 3 and meetings[0].place == "Ruang guru" and meetings[0].duration_min == 90
    # extending is idempotent on (series, date)
    await rs.meetings.extend_series(series.id, cid, _rows(4), NOW + 28 * 86400)
    assert len(await rs.meetings.between(cid, 0, 2**40)) == 4
    assert (await rs.meetings.series(series.id)).materialized_until == NOW + 28 * 86400


@pytest.mark.sqlite_only("reads SQLite's EXPLAIN QUERY PLAN; PostgreSQL's planner chooses by table statistics")
async def test_due_queries_use_their_indexes(db):
    cid = await _community(db)
    rs = RhythmStore(db)
    await _series(rs, cid)
    due = await rs.meetings.due_reminders(NOW + 86400 - 3600)
    assert len(due) == 1
    assert await rs.meetings.due_reminders(NOW) == []
    for sql, index in (
        ("SELECT * FROM meetings WHERE next_remind_at <= 1", "meetings_remind"),
        ("SELECT * FROM meetings WHERE checkin_at <= 1", "meetings_checkin"),
        ("SELECT * FROM meetings WHERE checkin_closes_at <= 1", "meetings_checkin_close"),
        ("SELECT * FROM hour_settings WHERE nudge_at <= 1", "hour_settings_nudge"),
        ("SELECT * FROM meeting_series WHERE kind = 'weekly' AND active = 1 AND materialized_until < 1",
         "series_extend"),
    ):
        plan = " ".join(str(tuple(r)) for r in await db.fetchall(f"EXPLAIN QUERY PLAN {sql}"))
        assert index in plan, (sql, plan)


async def test_end_series_cancels_what_is_left(db):
    cid = await _community(db)
    rs = RhythmStore(db)
    series, _ = await _series(rs, cid)
    meetings = await rs.meetings.between(cid, 0, 2**40)
    cancelled = await rs.meetings.end_series(series.id, "akhir semester", meetings[1].start_ts)
    assert cancelled == [meetings[1].id, meetings[2].id]
    after = await rs.meetings.between(cid, 0, 2**40)
    assert [m.status for m in after] == ["scheduled", "cancelled", "cancelled"]
    assert after[1].reason == "akhir semester" and after[1].next_remind_at is None
    assert await rs.meetings.active_series(cid) == []


async def test_rsvp_tally_and_attendance_rules(db):
    cid = await _community(db)
    rs = RhythmStore(db)
    await _series(rs, cid)
    m = (await rs.meetings.between(cid, 0, 2**40))[0]
    assert await rs.meetings.set_rsvp(m.id, 1, "yes", NOW)
    assert not await rs.meetings.set_rsvp(m.id, 1, "yes", NOW)  # no change, no edit needed
    assert await rs.meetings.set_rsvp(m.id, 2, "online", NOW)
    assert await rs.meetings.set_rsvp(m.id, 1, "excused", NOW)
    assert await rs.meetings.tally(m.id) == {"yes": 0, "excused": 1, "online": 1}
    # a PIC's correction is not undone by the person's own check-in
    assert await rs.meetings.set_attendance(m.id, 1, False, "pic", 9, NOW)
    assert not await rs.meetings.set_attendance(m.id, 1, True, "self", 1, NOW)
    assert await rs.meetings.set_attendance(m.id, 2, True, "self", 2, NOW)
    assert await rs.meetings.attendance(m.id) == {1: False, 2: True}
    assert await rs.meetings.present_counts([m.id]) == {m.id: 1}


async def test_live_messages_are_recorded_once_per_kind(db):
    # their edit throttle is storage.live's (tests/test_storage_live.py)
    cid = await _community(db)
    rs = RhythmStore(db)
    await _series(rs, cid)
    m = (await rs.meetings.between(cid, 0, 2**40))[0]
    await rs.meetings.add_message(m.id, "r60", CHAT, 55, 60, False)
    await rs.meetings.add_message(m.id, "r60", CHAT, 56, 60, True)  # re-recorded: the same row
    [mm] = await rs.meetings.messages(m.id)
    assert (mm.message_id, mm.offset_min, mm.late) == (56, 60, True)
    assert await rs.meetings.message(m.id, "r60") == mm and await rs.meetings.message(m.id, "r1440") is None


async def test_learning_logs_idempotent_owned_and_summed(db):
    cid = await _community(db)
    rs = RhythmStore(db)
    kw = dict(community_id=cid, user_id=1, minutes=90, what="webinar", on_date=date(2026, 11, 24),
              at_ts=NOW + 100, chat_id=CHAT, now=NOW)
    entry, created = await rs.hours.add_log(message_id=1, **kw)
    _, again = await rs.hours.add_log(message_id=1, **kw)
    assert created and not again
    await rs.hours.add_log(message_id=2, **{**kw, "minutes": 30})
    assert not await rs.hours.delete_log(entry.id, 2, NOW)  # not theirs
    assert await rs.hours.delete_log(entry.id, 1, NOW)
    assert not await rs.hours.delete_log(entry.id, 1, NOW)  # already undone
    assert [e.minutes for e in await rs.hours.recent_logs(cid, 1)] == [30]
    assert (await rs.hours.log_by_message(CHAT, 1)).deleted
    # meetings attended count too
    await _series(rs, cid, rows=_rows(1, start=NOW + 200))
    m = (await rs.meetings.between(cid, 0, 2**40))[0]
    await rs.meetings.set_attendance(m.id, 1, True, "self", 1, NOW)
    assert await rs.hours.minutes_by_user(cid, NOW, NOW + 86400) == {1: 120}
    assert await rs.hours.minutes_of(cid, 1, NOW, NOW + 86400) == (30, 90)


async def test_targets_and_nudges(db):
    cid = await _community(db)
    rs = RhythmStore(db)
    await rs.hours.set_target(cid, None, 480, "month", NOW + 10, NOW)
    await rs.hours.set_target(cid, "staff", 120, "month", NOW + 10, NOW)
    s = await rs.hours.settings(cid)
    assert s.targets == {None: 480, "staff": 120} and s.period == "month"
    assert await rs.hours.due_nudges(NOW) == [] and await rs.hours.due_nudges(NOW + 10) == [cid]
    await rs.hours.set_target(cid, "staff", 0, "week", NOW + 20, NOW)
    s = await rs.hours.settings(cid)
    assert s.targets == {None: 480} and s.period == "week" and s.nudge_at == NOW + 20


async def test_off_days_and_chat_migration(db):
    cid = await _community(db)
    rs = RhythmStore(db)
    row, created = await rs.off_days.add(cid, date(2026, 12, 1), date(2026, 12, 12), "Ujian", 1, CHAT, 5, NOW)
    _, again = await rs.off_days.add(cid, date(2026, 12, 1), date(2026, 12, 12), "Ujian", 1, CHAT, 5, NOW)
    assert created and not again
    assert [d.label for d in await rs.off_days.list(cid, date(2026, 12, 12))] == ["Ujian"]
    assert await rs.off_days.list(cid, date(2026, 12, 13)) == []
    assert await rs.off_days.remove(cid + 1, row.id) is None  # another community's id
    await _series(rs, cid)
    m = (await rs.meetings.between(cid, 0, 2**40))[0]
    await rs.meetings.add_message(m.id, "r60", CHAT, 55, 60, False)
    assert await Repos(db).communities.migrate_chat(CHAT, -100888, NOW)
    assert (await rs.meetings.messages(m.id))[0].chat_id == -100888


async def test_report_queries_attendance_sheet_and_activity(db):
    cid = await _community(db)
    rs = RhythmStore(db)
    await _series(rs, cid)
    m1, m2, _m3 = await rs.meetings.between(cid, 0, 2**40)
    await rs.meetings.set_attendance(m1.id, 1, True, "self", 1, NOW)
    await rs.meetings.set_rsvp(m1.id, 2, "excused", NOW)
    await rs.meetings.set_attendance(m2.id, 2, True, "pic", 9, NOW)
    assert await rs.meetings.attended_by_user(cid, 0, 2**40) == {1: 1, 2: 1}
    assert await rs.meetings.attended_by_user(cid, m2.start_ts, 2**40) == {2: 1}
    marks = await rs.meetings.attendance_sheet(cid, 0, 2**40, now=m2.end_ts)  # the third is not held yet
    assert [(m.meeting_id, m.user_id, m.present, m.rsvp) for m in marks] == [
        (m1.id, 1, True, None), (m1.id, 2, None, "excused"), (m2.id, 1, None, None), (m2.id, 2, True, None)]


def test_targets_prorated_to_a_report_window():
    from domain.rhythm.hours import target_for_window
    assert target_for_window(120, "week", date(2026, 11, 23), 7) == 120
    assert target_for_window(120, "week", date(2026, 11, 1), 30) == 514
    assert target_for_window(480, "month", date(2026, 11, 1), 30) == 480
    assert target_for_window(480, "month", date(2026, 11, 23), 7) == 112
    assert target_for_window(0, "month", date(2026, 11, 23), 7) == 0


async def test_meeting_rows_are_read_in_field_order(db):
    """Meeting.from_row reads `_MEETING_SELECT` by position: its columns must be the fields, in order."""
    from dataclasses import fields

    from storage.rhythm import _MEETING_SELECT, Meeting

    cur = await db.run(lambda conn: conn.execute(f"{_MEETING_SELECT} LIMIT 0"))
    assert [d[0] for d in cur.description] == [f.name for f in fields(Meeting)]
