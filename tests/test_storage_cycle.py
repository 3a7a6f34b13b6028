"""The cycle repositories on a real SQLite file: one active cycle, stage transitions, answer upserts,
due-time queries, summaries by period, RTL, journal and good practices."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.cycle.core import CycleError, default_plan
from domain.cycle.ops import Person, match_owner, next_journal_at, parse_clock, parse_results, stage_times
from storage.backends import make_database
from storage.cycle import CycleStore


@pytest.fixture
async def db(db_target):
    d = await make_database(db_target).open()
    async with d.tx() as tx:
        await tx.execute("INSERT INTO communities (id, chat_id, tz, created_at, updated_at)"
                         " VALUES (1, -100, 'Asia/Makassar', 0, 0)")
    yield d
    await d.close()


STAGES = [("reflection", 100, 1000, 900), ("planning", 2000, 3000, 2900), ("implementation", 4000, 5000, 4900),
          ("evaluation", 6000, 7000, 6900)]


async def test_an_answer_says_whether_it_is_a_new_participant(db):
    # a new participant changes the card's live count: the caller touches it after this unit (bot.live); the
    # edit-now-or-owe bookkeeping is storage.live's (tests/test_storage_live.py), no longer inside the answer's unit
    st = CycleStore.on(db)
    cid = await st.cycles.start(1, "literasi", "literasi: 40 → 70", None, 7, 50, (-100, 1), STAGES)
    refl = (await st.cycles.stages(cid))[0]
    assert await st.cycles.open_stage(refl.id, 100, [{"key": "refl.data", "text": "Data?"}])
    assert await st.cycles.save_answer(refl.id, 8, "refl.data", "x", "group", -100, 13, 150) is True
    assert await st.cycles.save_answer(refl.id, 9, "refl.data", "y", "group", -100, 14, 160) is True
    assert await st.cycles.save_answer(refl.id, 9, "refl.data", "z", "group", -100, 15, 200) is False
    assert await st.cycles.save_answer(refl.id, 10, "refl.data", "w", "group", -100, 16, 200) is True


async def test_one_active_cycle_and_stage_transitions(db):
    st = CycleStore.on(db)
    cid = await st.cycles.start(1, "literasi", "literasi: 40 → 70", None, 7, 50, (-100, 1), STAGES)
    assert cid and await st.cycles.start(1, "lagi", "lagi", None, 7, 60, (-100, 2), STAGES) is None
    assert await st.cycles.start(1, "sama", "sama", None, 7, 60, (-100, 1), STAGES) is None
    assert [s.stage for s in await st.cycles.due_to_open(100)] == ["reflection"]
    refl, plan = (await st.cycles.stages(cid))[:2]
    assert await st.cycles.open_stage(refl.id, 100, [{"key": "refl.data", "text": "Data?"}])
    assert not await st.cycles.open_stage(refl.id, 101, [])  # already open
    assert not await st.cycles.open_stage(plan.id, 101, [])  # another stage of the cycle is open
    assert [s.id for s in await st.cycles.unposted()] == [refl.id]
    await st.cycles.mark(refl.id, posted=1)
    assert await st.cycles.due_reminders(899) == [] and len(await st.cycles.due_reminders(900)) == 1
    # answers: upsert per (stage, member, question); evidence keeps a written answer
    assert await st.cycles.save_answer(refl.id, 5, "refl.data", "satu", "group", -100, 10, 120) is True
    assert await st.cycles.save_answer(refl.id, 5, "refl.data", "dua", "group", -100, 11, 130) is False
    assert await st.cycles.save_answer(refl.id, 5, "refl.data", "", "group", -100, 12, 140,
                                       keep_text=True) is False
    await st.cycles.add_evidence(refl.id, 5, "refl.data", "photo", "F1", "cap", -100, 12, 140)
    await st.cycles.add_evidence(refl.id, 5, "refl.data", "photo", "F1", "cap", -100, 12, 140)
    assert [a.text for a in await st.cycles.answers(refl.id)] == ["dua"]
    assert len(await st.cycles.evidence(refl.id)) == 1
    assert (await st.cycles.update_answer_by_message(-100, 11, "tiga", 150)).text == "tiga"
    assert await st.cycles.update_answer_by_message(-100, 10, "lama", 150) is None  # superseded message
    assert await st.cycles.last_answer_at(refl.id) == 150
    assert [s.id for s in await st.cycles.due_to_close(1000)] == [refl.id]
    assert await st.cycles.close_stage(refl.id, 1000, 1, 3)
    assert not await st.cycles.close_stage(refl.id, 1001, 1, 3)
    await st.cycles.pull_forward(plan.id, 1500)
    plan = await st.cycles.stage(plan.id)
    assert plan.opens_at == 1500 and plan.closes_at == 1500 + 86400  # open at least a day
    for s in (await st.cycles.stages(cid))[1:]:
        await st.cycles.open_stage(s.id, 8000, [])
        await st.cycles.close_stage(s.id, 8000, 0, 3)
    assert (await st.cycles.get(cid)).status == "done" and await st.cycles.active(1) is None
    await st.cycles.save_summary(cid, 1, 8000, {"met": True})
    assert [s.data for s in await st.cycles.summaries(1, 7000, 9000)] == [{"met": True}]
    assert await st.cycles.summaries(1, 8001, 9000) == []


async def test_rtl_journal_and_good_practice(db):
    st = CycleStore.on(db)
    i1 = await st.rtl.add(1, None, "exit ticket", "Ani", 5, "2026-12-15", None, 7, 10, 500, (-100, 3))
    assert await st.rtl.add(1, None, "x", None, None, "2026-12-15", None, 7, 10, 500, (-100, 3)) == i1
    assert [i.id for i in await st.rtl.due_reminders(500)] == [i1]
    await st.rtl.mark_reminded(i1)
    assert await st.rtl.due_reminders(600) == []
    await st.rtl.set_status(i1, "done", 700)
    await st.rtl.set_note(i1, "ok")
    item = await st.rtl.get(i1)
    assert (item.status, item.note, item.closed_at, item.remind_user_id) == ("done", "ok", 700, 5)
    await st.journal.subscribe(5, 1, "15:30", 1000)
    assert [s.user_id for s in await st.journal.due(1000)] == [5]
    await st.journal.prompted(5, 1, 1000, 77, 2000)
    assert (await st.journal.pending_prompt(5, 900)).last_prompt_message_id == 77
    assert (await st.journal.by_prompt(5, 77)).community_id == 1
    e = await st.journal.add_entry(5, 1, "2026-12-15", "masalah", 1100, (5, 80))
    assert await st.journal.add_entry(5, 1, "2026-12-15", "masalah", 1100, (5, 80)) == e
    assert await st.journal.pending_prompt(5, 900) is None
    assert await st.journal.share(e, 6, 1200) is None  # not theirs
    await st.journal.share(e, 5, 1200)
    assert [x.id for x in await st.journal.shared_since(1, 1000)] == [e]
    await st.journal.subscribe(5, 1, None, 0)
    assert await st.journal.due(10**9) == []
    data = {"reading": "star", "title": "T", "situation": "S", "task": "K", "action": "A", "result": "R"}
    g = await st.gp.add(1, None, 5, data, 10, (5, 90))
    assert await st.gp.count(1) == 1 and await st.gp.mark_shared(g, 20) and not await st.gp.mark_shared(g, 21)


def test_pure_helpers():
    assert parse_clock("15.30") == (15, 30) and parse_clock("7") == (7, 0) and parse_clock("07:05 WITA") == (7, 5)
    for bad in ("25:00", "abc", "12:60", ""):
        with pytest.raises(CycleError):
            parse_clock(bad)
    assert parse_results(["40%", "→", "72,5%"]) == (40.0, 72.5)
    with pytest.raises(CycleError):
        parse_results(["40"])
    people = [Person(1, "Ani", "Ani Rahma", "ani"), Person(2, "Budi", "Budi Santoso", None),
              Person(3, "Ani", "Ani Lain", None)]
    assert match_owner("", people, 9) == 9 and match_owner("saya", people, 9) == 9
    assert match_owner("Bu Ani Rahma", people, 9) == 1 and match_owner("@ani", people, 9) == 1
    assert match_owner("Ani", people, 9) is None and match_owner("Pak Budi", people, 9) == 2
    # a Tuesday 09:00 WITA start: the first stage opens at once, the others at 07:00 local
    now = int(datetime(2026, 11, 24, 1, 0, tzinfo=UTC).timestamp())
    times = stage_times(default_plan(date(2026, 11, 24)), "Asia/Makassar", now)
    assert times[0].opens_at <= now  # today: open at once
    assert datetime.fromtimestamp(times[1].opens_at, UTC).hour == 23  # 07:00 WITA
    assert all(t.opens_at < t.reminder_at < t.closes_at for t in times)
    assert next_journal_at("15:30", "Asia/Makassar", now, lambda d: d.weekday() < 5) == now + 6 * 3600 + 30 * 60
    saturday_noon = now + 4 * 86400 + 3 * 3600
    monday = next_journal_at("15:30", "Asia/Makassar", saturday_noon, lambda d: d.weekday() < 5)
    assert datetime.fromtimestamp(monday, UTC).weekday() == 0


async def test_report_queries_activity_observations_participation_rtl_and_good_practices(db):
    st = CycleStore.on(db)
    cid = await st.cycles.start(1, "literasi", "literasi: 40 → 70", None, 7, 50, (-100, 1), STAGES)
    refl, _plan, impl, _ev = await st.cycles.stages(cid)
    await st.cycles.open_stage(refl.id, 100, [])
    await st.cycles.save_answer(refl.id, 5, "refl.data", "a", "group", -100, 10, 120)
    await st.cycles.save_answer(refl.id, 6, "refl.data", "b", "group", -100, 11, 130)
    await st.cycles.close_stage(refl.id, 1000, 2, 3)
    await st.cycles.open_stage(impl.id, 4000, [])
    # observations: an impl.observed answer, or evidence on any implementation answer; once per member
    await st.cycles.save_answer(impl.id, 5, "impl.observed", "murid menulis", "group", -100, 20, 4100)
    await st.cycles.add_evidence(impl.id, 5, "impl.evidence", "photo", "F1", None, -100, 21, 4200)
    await st.cycles.add_evidence(impl.id, 6, "impl.evidence", "photo", "F2", None, -100, 22, 4300)
    await st.cycles.save_answer(impl.id, 7, "impl.adjust", "tidak ada bukti", "group", -100, 23, 4300)
    assert await st.cycles.observations(cid) == 2
    act = await st.cycles.activity(1, 0, 4250)
    assert act[5] == {"answers": 2, "observations": 1, "good_practices": 0} and act[6]["observations"] == 0
    assert (await st.cycles.activity(1, 4250, 5000))[6]["observations"] == 1
    parts = await st.cycles.stage_participation(1, 900, 4500)
    assert parts == [{"topic": "literasi", "stage": "reflection", "answered": 2, "members": 3},
                     {"topic": "literasi", "stage": "implementation", "answered": 2, "members": None}]
    assert [p["stage"] for p in await st.cycles.stage_participation(1, 1001, 4500)] == ["implementation"]
    # RTL alive in the window; good practices written in it
    a = await st.rtl.add(1, cid, "Exit ticket", "Ani", 5, "2026-12-15", None, 7, 100, 200, (-100, 30))
    b = await st.rtl.add(1, cid, "Kunjungan", None, None, "2026-12-01", None, 7, 100, 200, (-100, 31))
    await st.rtl.set_status(b, "done", 150)
    assert [i.id for i in await st.rtl.in_period(1, 160, 500)] == [a]
    assert [i.id for i in await st.rtl.in_period(1, 120, 500)] == [b, a]
    await st.gp.add(1, cid, 6, {k: k for k in ("reading", "title", "situation", "task", "action", "result")},
                    4400, (-100, 40))
    assert [g.user_id for g in await st.gp.created_between(1, 4000, 5000)] == [6]
    assert (await st.cycles.activity(1, 4000, 5000))[6]["good_practices"] == 1


async def test_rows_become_dataclasses_by_position_with_defaults_and_extra_columns(db):
    """Rows as each engine returns them (sqlite3.Row, storage.pg.Row)."""
    from dataclasses import dataclass

    from storage.cycle import _build

    @dataclass(frozen=True)
    class Thing:
        a: int
        b: str
        c: int = 7
        d: int = 8

    full = await db.fetchone("SELECT 1 AS a, 'x' AS b, 3 AS c, 4 AS d")
    shuffled_extra = await db.fetchone("SELECT 'y' AS b, 99 AS extra, 2 AS a, 5 AS c")
    gap = await db.fetchone("SELECT 1 AS a, 'z' AS b, 9 AS d")  # c missing in the middle: read by name
    for _ in range(2):  # the second time from the cached plan
        assert _build(Thing, full) == Thing(1, "x", 3, 4)
        assert _build(Thing, shuffled_extra) == Thing(2, "y", 5, 8)
        assert _build(Thing, gap) == Thing(1, "z", 7, 9)
