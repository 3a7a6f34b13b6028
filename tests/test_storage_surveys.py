"""Surveys repository on a real SQLite file: idempotent creation, answer upserts, closing, schedules."""

from __future__ import annotations

import pytest

from bot.render import survey_texts
from domain.surveys.core import builtin_survey
from storage.backends import make_database
from storage.repos import CHAT_ID_COLUMNS, Repos
from storage.surveys import PulseSchedule, Surveys


@pytest.fixture
async def db(db_target):
    database = await make_database(db_target).open()
    yield database
    await database.close()


async def _community(db, chat_id=-100):
    c, _ = await Repos(db).communities.ensure(chat_id, "Kombel", tz="Asia/Makassar", locale="id", now=1)
    return c


async def _survey(repo, c, key="msg:-100:1", **kw):
    pulse = builtin_survey("pulse", survey_texts("id"))
    return await repo.create(community_id=c.id, chat_id=c.chat_id, definition=pulse,
                             locale="id", created_by=7, now=100, closes_at=kw.pop("closes_at", None),
                             source_key=key, **kw)


async def test_create_is_idempotent_and_keeps_the_items(db):
    c = await _community(db)
    repo = Surveys(db)
    s1, created1 = await _survey(repo, c)
    s2, created2 = await _survey(repo, c)
    assert created1 and not created2 and s1.id == s2.id
    assert s1.definition == builtin_survey("pulse", survey_texts("id"))
    assert s1.is_open and not s1.posted and s1.respondents == 0
    assert ("surveys", "chat_id") in CHAT_ID_COLUMNS and ("survey_messages", "chat_id") in CHAT_ID_COLUMNS


async def test_answers_are_upserts_and_count_respondents(db):
    c = await _community(db)
    repo = Surveys(db)
    s, _ = await _survey(repo, c)
    assert await repo.answer(s.id, 1, 0, value_int=3, role="classroom", now=101) == "new"
    assert await repo.answer(s.id, 1, 0, value_int=3, role="classroom", now=102) == "same"
    assert await repo.answer(s.id, 1, 0, value_int=4, role="classroom", now=103) == "changed"
    assert await repo.answer(s.id, 1, 3, value_text="ok", role="classroom", now=104) == "new"
    assert await repo.answer(s.id, 2, 1, value_int=5, role="pe", now=105) == "new"
    answers = await repo.answers(s.id)
    assert [(a.user_id, a.item_idx, a.value) for a in answers] == [(1, 0, 4), (1, 3, "ok"), (2, 1, 5)]
    assert (await repo.get(s.id)).respondents == 2
    assert set(await repo.answers_of(s.id, 1)) == {0, 3}


async def test_closing_stops_answers_and_happens_once(db):
    c = await _community(db)
    repo = Surveys(db)
    s, _ = await _survey(repo, c, closes_at=500)
    other, _ = await _survey(repo, c, key="msg:-100:2", closes_at=900)
    assert [x.id for x in await repo.due_to_close(600)] == [s.id]
    assert await repo.close(s.id, 600) is True
    assert await repo.close(s.id, 601) is False
    assert await repo.answer(s.id, 1, 0, value_int=3, role="classroom", now=602) == "closed"
    assert [x.id for x in await repo.closing()] == [s.id]
    await repo.mark_closed(s.id)
    assert await repo.closing() == []
    assert [x.id for x in await repo.closed_between(c.id, 0, 1000)] == [s.id]
    assert await repo.closed_between(c.id, 601, 1000) == []
    assert [x.id for x in await repo.open_in(c.id)] == [other.id]


async def test_item_messages_and_header_updates(db):
    c = await _community(db)
    repo = Surveys(db)
    s, _ = await _survey(repo, c)
    assert [x.id for x in await repo.unposted()] == [s.id]  # not fully posted
    async with db.tx() as tx:  # the card is queued (bot.outbox: in the unit that queues it)
        await repo.set_posted_in(tx, s.id)
    assert await repo.unposted() == []
    for _ in range(2):  # the card's send is recorded (a one-item check: a reply to it answers); twice: no error
        async with db.tx() as tx:
            await repo.card_sent_in(tx, s.id, c.chat_id, 10, True)
    assert await repo.item_by_message(c.chat_id, 10) == (s.id, 0)
    assert await repo.item_by_message(c.chat_id, 12) is None
    assert (await repo.get(s.id)).header_message_id == 10
    # the card is found by its message (a reply to it); its live count's edits are bot.live's (test_storage_live)
    assert (await repo.by_header(c.chat_id, 10)).id == s.id and await repo.by_header(c.chat_id, 11) is None


async def test_schedules_and_community_erase(db):
    c = await _community(db)
    repo = Surveys(db)
    await repo.set_schedule(PulseSchedule(c.id, "fixed", 3, 960, 48, 0, 5000, 7), now=1)
    assert await repo.due_schedules(4999) == []
    assert [x.community_id for x in await repo.due_schedules(5000)] == [c.id]
    await repo.advance_schedule(c.id, checked_until=5000, next_due_at=9000, now=5000)
    sched = await repo.schedule(c.id)
    assert (sched.checked_until, sched.next_due_at, sched.weekday, sched.minute_of_day) == (5000, 9000, 3, 960)
    assert await repo.delete_schedule(c.id) is True and await repo.schedule(c.id) is None
    # deleting the community removes its surveys and their answers
    s, _ = await _survey(repo, c)
    await repo.answer(s.id, 1, 0, value_int=3, role="classroom", now=101)
    async with db.tx() as tx:
        await tx.execute("DELETE FROM communities WHERE id = ?", (c.id,))
    assert await repo.get(s.id) is None and await repo.answers(s.id) == []


async def test_responses_by_user_count_surveys_first_answered_in_the_window(db):
    c = await _community(db)
    repo = Surveys(db)
    s1, _ = await _survey(repo, c)
    s2, _ = await _survey(repo, c, key="msg:-100:2")
    await repo.answer(s1.id, 1, 0, value_int=3, role="classroom", now=101)
    await repo.answer(s1.id, 1, 1, value_int=3, role="classroom", now=300)
    await repo.answer(s2.id, 1, 0, value_int=3, role="classroom", now=150)
    await repo.answer(s2.id, 2, 0, value_int=3, role="pe", now=250)
    assert await repo.responses_by_user(c.id, 0, 1000) == {1: 2, 2: 1}
    assert await repo.responses_by_user(c.id, 200, 1000) == {2: 1}


async def test_survey_rows_are_read_in_field_order(db):
    """Survey.from_row reads `_SURVEY_SELECT` by position: its columns must be the fields, in order."""
    from dataclasses import fields

    from storage.surveys import _SURVEY_SELECT, Survey

    cur = await db.run(lambda conn: conn.execute(f"{_SURVEY_SELECT} LIMIT 0"))
    names = [f.name for f in fields(Survey)]
    assert [d[0] for d in cur.description] == [n if n != "items" else "items_json" for n in names]


async def test_individual_is_fixed_per_survey_and_existing_surveys_keep_the_community_setting(db):
    """Migration 0009: each survey carries whether each person's answers may be seen; surveys that existed
    before it keep their community's setting at that moment as their fixed value."""
    repos = Repos(db)
    named = await _community(db, -100)
    anon = await _community(db, -200)
    await repos.communities.set_setting(named.id, "survey_individual", True, 2)
    await repos.communities.set_setting(anon.id, "survey_individual", False, 2)
    repo = Surveys(db)
    s_named, _ = await _survey(repo, named, "msg:-100:1")
    s_anon, _ = await _survey(repo, anon, "msg:-200:1")
    s_new, _ = await _survey(repo, anon, "msg:-200:2", individual=True)
    assert not s_named.individual and s_new.individual  # created as told, here before the migration re-runs
    # as if these surveys had been created before migration 0009: run it again on them
    for statement in ("ALTER TABLE surveys DROP COLUMN individual", "ALTER TABLE surveys DROP COLUMN published_json",
                      "DELETE FROM schema_migrations WHERE version = 9"):
        if db.dialect == "postgres":  # reads run in autocommit: each statement commits
            await db.run(lambda conn, sql=statement: conn.execute(sql))
        else:
            await db.conn.execute(statement)
    assert await db.migrate() == [9]
    assert (await repo.get(s_named.id)).individual is True
    assert (await repo.get(s_anon.id)).individual is False
    # the setting changing later changes no survey
    await repos.communities.set_setting(named.id, "survey_individual", False, 3)
    assert (await repo.get(s_named.id)).individual is True


async def test_published_figures_are_kept_once_and_only_after_closing(db):
    c = await _community(db)
    repo = Surveys(db)
    s, _ = await _survey(repo, c)
    await repo.freeze(s.id, {"hidden": 1})
    assert (await repo.get(s.id)).published is None  # still open: nothing is published yet
    assert await repo.close(s.id, 200)
    await repo.freeze(s.id, {"hidden": 1, "likert": {"a": [4, 4, 5]}})
    await repo.freeze(s.id, {"hidden": 2})  # a repeated posting does not change what was published
    assert (await repo.get(s.id)).published == {"hidden": 1, "likert": {"a": [4, 4, 5]}}
