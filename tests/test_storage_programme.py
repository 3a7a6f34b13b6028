"""The progress map's facts of issue 15 (`storage.programme.map_facts`) against a real SQLite file: one
statement gives the programme activities of a window, who accepted the current agreement, and the
placements of a term and of the last earlier term."""

from __future__ import annotations

from datetime import date

import pytest

from storage.backends import make_database
from storage.programme import ActivityRepo, AgreementRepo, MapRepo, map_facts
from storage.repos import Repos

DAY = 86400


@pytest.fixture
async def db(db_target):
    database = await make_database(db_target).open()
    yield database
    await database.close()


async def facts(db, cid: int, start: int, end: int, term: str):
    seen: list[str] = []
    db.set_trace(seen.append)
    try:
        return await map_facts(db, cid, start, end, term)
    finally:
        db.set_trace(None)
        assert len(seen) == 1, seen  # one statement, whatever the history


async def test_map_facts_in_one_statement(db):
    repos = Repos(db)
    c, _ = await repos.communities.ensure(-100, "Guru SD", tz="Asia/Makassar", locale="id", now=1)
    other, _ = await repos.communities.ensure(-200, "Guru SMP", tz="Asia/Makassar", locale="id", now=1)
    # nothing recorded yet: no data (None), not zero
    empty = await facts(db, c.id, 0, 100 * DAY, "2026/2027-1")
    assert (empty.activities, empty.accepted, empty.own, empty.before) == (None, None, [], [])

    acts, agreements, maps = ActivityRepo(db), AgreementRepo(db), MapRepo(db)
    for day in (5, 40, 41):
        await acts.add(c.id, "forum", None, date(2026, 7, 1), day * DAY, 5, 0, 0, 1, 1)
    await acts.add(other.id, "forum", None, date(2026, 7, 1), 41 * DAY, 5, 0, 0, 1, 1)
    first = await agreements.write(c.id, "Kami datang tepat waktu.", 1, 1)
    await agreements.accept(first, 11, 2)
    current = await agreements.write(c.id, "Kami datang tepat waktu dan saling mengamati.", 1, 3)
    await agreements.accept(current, 12, 4)
    await agreements.accept(current, 13, 4)
    older = await maps.open(c.id, "2025/2026-1", 1, 1)
    last = await maps.open(c.id, "2025/2026-2", 1, 2)
    now = await maps.open(c.id, "2026/2027-1", 1, 3)
    await maps.place(older.id, 11, "x", 0, 1)
    await maps.place(last.id, 11, "a", 2, 2)
    await maps.place(last.id, 12, "a", 1, 2)
    await maps.place(now.id, 12, "b", 0, 3)
    elsewhere = await maps.open(other.id, "2026/2027-1", 1, 3)
    await maps.place(elsewhere.id, 12, "c", 2, 3)

    got = await facts(db, c.id, 40 * DAY, 41 * DAY + 1, "2026/2027-1")
    assert got.activities == 2  # [start, end): day 5 and the other community's are out
    assert got.accepted == {12, 13}  # the current text only: 11 accepted the earlier one
    assert got.own == [("b", 0)]
    assert sorted(got.before) == [("a", 1), ("a", 2)]  # the last earlier term, not the oldest
    none_in_window = await facts(db, c.id, 50 * DAY, 60 * DAY, "2025/2026-2")
    assert none_in_window.activities == 0  # recorded before, none in this window: zero, not "no data"
    assert sorted(none_in_window.own) == [("a", 1), ("a", 2)] and none_in_window.before == [("x", 0)]
