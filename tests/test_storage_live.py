"""The live-message repository (storage/live.py) on a real database (SQLite, or PostgreSQL on its run): claims by compare-and-set, owed
edits and their catch-up query, gone messages, sends counted as edits; and migration 0016 moving the three
old throttle layouts (cycle_stages, surveys, meeting_messages + jl_cards + welcomes) into live_messages."""

from __future__ import annotations

import sqlite3

import pytest

from storage.backends import make_database
from storage.db import Database
from storage.live import LiveMessages


@pytest.fixture
async def db(db_target):
    d = await make_database(db_target).open()
    yield d
    await d.close()


async def test_first_claim_then_owed_then_the_catch_up_claims_it(db):
    live = LiveMessages(db)
    assert await live.get("stage", 7) is None
    assert await live.claim("stage", 7, "", seen=None, now=100)  # never edited: claimed (edited at 100)
    assert not await live.claim("stage", 7, "", seen=None, now=101)  # a concurrent first claim loses
    await live.owe("stage", 7)
    await live.owe("stage", 7)  # twice: still one owed edit
    st = await live.get("stage", 7)
    assert (st.edited_at, st.owed, st.gone) == (100, True, False)
    assert await live.owed(99) == [] and [s.ref for s in await live.owed(100)] == [7]
    assert not await live.claim("stage", 7, "", seen=90, now=130)  # someone edited it since 90: no
    assert await live.claim("stage", 7, "", seen=100, now=130)
    assert not await live.claim("stage", 7, "", seen=100, now=131)  # the same edit claimed twice: once
    st = await live.get("stage", 7)
    assert (st.edited_at, st.owed) == (130, False) and await live.owed(10**9) == []


async def test_parts_are_separate_messages_and_forced_claims_ignore_the_last_edit(db):
    live = LiveMessages(db)
    assert await live.claim_now("meeting", 3, "r1440", 100)
    assert await live.claim_now("meeting", 3, "r1440", 101)
    assert await live.claim("meeting", 3, "checkin", seen=None, now=102)
    await live.owe("meeting", 3, "checkin")
    assert [(s.part, s.edited_at) for s in await live.owed(200)] == [("checkin", 102)]
    assert (await live.get("meeting", 3, "r1440")).edited_at == 101


async def test_a_gone_message_is_never_claimed_or_listed_until_sent_again(db):
    live = LiveMessages(db)
    await live.claim("survey", 5, "", seen=None, now=100)
    await live.owe("survey", 5)
    await live.gone("survey", 5)
    st = await live.get("survey", 5)
    assert st.gone and not st.owed and await live.owed(10**9) == []
    assert not await live.claim("survey", 5, "", seen=100, now=200)
    assert not await live.claim_now("survey", 5, "", 200)
    await live.sent("survey", 5, "", 300)  # a new message under the same key
    st = await live.get("survey", 5)
    assert (st.edited_at, st.owed, st.gone) == (300, False, False)


async def test_a_send_counts_as_the_last_edit_inside_the_senders_commit(db):
    async with db.tx() as tx:
        await LiveMessages.sent_in(tx, "welcome", 1, "2026-11-24", 500)
    st = await LiveMessages(db).get("welcome", 1, "2026-11-24")
    assert (st.edited_at, st.owed) == (500, False)


@pytest.mark.sqlite_only("reads SQLite's EXPLAIN QUERY PLAN; PostgreSQL's planner chooses by table statistics")
async def test_the_catch_up_query_uses_its_index(db):
    plan = " ".join(str(tuple(r)) for r in await db.fetchall(
        "EXPLAIN QUERY PLAN SELECT * FROM live_messages WHERE owed = 1 AND gone = 0 AND edited_at <= 1"
        " ORDER BY edited_at LIMIT 5"))
    assert "live_messages_owed" in plan, plan


def _insert(conn: sqlite3.Connection, table: str, **values: object) -> None:
    """A row with `values` and a filler for every other NOT NULL column without a default (foreign keys off)."""
    for _cid, name, kind, notnull, default, pk in conn.execute(f"PRAGMA table_info({table})"):
        if notnull and default is None and not pk and name not in values:
            values[name] = "" if "TEXT" in kind.upper() else 0
    cols = ", ".join(values)
    conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' for _ in values)})", tuple(values.values()))


@pytest.mark.sqlite_only("the old layouts exist only in SQLite deployments: PostgreSQL arrived with 0016 (issue 16),"
                         " so its 0016 runs on empty tables, as every PostgreSQL test database's migration does")
async def test_migration_0016_moves_the_old_layouts_in_and_drops_them(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                 " applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)")
    for version, name, sql in Database.migration_files():
        if version < 16:
            conn.executescript(f"BEGIN;\n{sql}\n;INSERT INTO schema_migrations (version, name)"
                               f" VALUES ({version}, '{name}');\nCOMMIT;")
    # the three layouts as they were: edited and owed, edited and settled, never edited
    _insert(conn, "cycle_stages", id=1, stage="reflection", header_message_id=10, header_edited_at=100,
            header_dirty=1)
    _insert(conn, "cycle_stages", id=2, stage="planning", header_message_id=11, header_edited_at=200)
    _insert(conn, "cycle_stages", id=3, stage="evaluation", header_message_id=12)
    _insert(conn, "surveys", id=1, header_message_id=20, respondents=3, header_count=2, header_edited_at=300)
    _insert(conn, "surveys", id=2, header_message_id=21, respondents=2, header_count=2, header_edited_at=310)
    _insert(conn, "surveys", id=3, header_message_id=22, respondents=1, header_count=0)  # never edited, behind
    _insert(conn, "meeting_messages", meeting_id=4, kind="r1440", message_id=30, last_edit_at=400, dirty=1)
    _insert(conn, "meeting_messages", meeting_id=4, kind="skip", message_id=31, last_edit_at=400, dirty=0)
    _insert(conn, "jl_cards", id=5, week="2026-W48", message_id=40, edited_at=500, dirty=1)
    _insert(conn, "jl_cards", id=6, week="2026-W49")  # never posted
    _insert(conn, "welcomes", community_id=7, day="2026-11-24", message_id=50, edited_at=600, dirty=0)
    conn.commit()
    conn.close()

    db = await Database(path).open()
    try:
        rows = {(r[0], r[1], r[2]): (r[3], r[4]) for r in await db.fetchall(
            "SELECT kind, ref, part, edited_at, owed FROM live_messages")}
        assert rows == {
            ("stage", 1, ""): (100, 1), ("stage", 2, ""): (200, 0),
            ("survey", 1, ""): (300, 1), ("survey", 2, ""): (310, 0), ("survey", 3, ""): (0, 1),
            ("meeting", 4, "r1440"): (400, 1),
            ("problems", 5, ""): (500, 1),
            ("welcome", 7, "2026-11-24"): (600, 0),
        }
        for table, gone in (("cycle_stages", {"header_edited_at", "header_dirty"}),
                            ("surveys", {"header_count", "header_edited_at"}),
                            ("meeting_messages", {"last_edit_at", "dirty"}), ("jl_cards", {"edited_at", "dirty"}),
                            ("welcomes", {"edited_at", "dirty"})):
            cols = {r[1] for r in await db.fetchall(f"PRAGMA table_info({table})")}
            assert not cols & gone, table
        # what was owed is made by the catch-up
        assert {(s.kind, s.ref) for s in await LiveMessages(db).owed(10**9)} == {
            ("stage", 1), ("survey", 1), ("survey", 3), ("meeting", 4), ("problems", 5)}
    finally:
        await db.close()
