"""Storage against a real SQLite file: migrations, pragmas, group commit, repositories."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from storage.backends import DB_ERRORS, is_postgres, make_database
from storage.db import Database
from storage.repos import Repos


@pytest.fixture
async def db(db_target):
    database = await make_database(db_target).open()
    yield database
    await database.close()


@pytest.mark.sqlite_only("SQLite's pragmas and its migration folder; tests/test_pg_schema.py covers PostgreSQL's")
async def test_migrations_applied_once_and_pragmas(tmp_path):
    path = tmp_path / "k.sqlite3"
    db = await Database(path).open()
    assert await db.scalar("PRAGMA journal_mode") == "wal"
    assert await db.scalar("PRAGMA foreign_keys") == 1
    assert await db.scalar("PRAGMA busy_timeout") == 5000
    versions = [r[0] for r in await db.fetchall("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == [v for v, _, _ in Database.migration_files()]
    await db.close()
    db2 = await Database(path).open()  # reopening applies nothing new
    assert await db2.migrate() == []
    await db2.close()


async def test_tx_is_durable_when_block_exits(db, db_target):
    repos = Repos(db)
    await repos.communities.ensure(-100, "Guru SD", tz="Asia/Makassar", locale="id", now=1)
    # A second, independent connection sees it: it was committed, not just written.
    if is_postgres(db_target):
        import psycopg

        other = psycopg.connect(db_target)
    else:
        other = sqlite3.connect(db_target)
    assert other.execute("SELECT chat_title, tz FROM communities").fetchall() == [("Guru SD", "Asia/Makassar")]
    other.close()


async def test_failed_unit_rolls_back_alone(db):
    repos = Repos(db)
    await repos.communities.ensure(-1, "A", tz="Asia/Jakarta", locale="id", now=1)

    async def bad():
        async with db.tx() as tx:
            await tx.execute("UPDATE communities SET name = 'half' WHERE chat_id = -1")
            raise RuntimeError("boom")

    async def good():
        await repos.communities.ensure(-2, "B", tz="Asia/Jakarta", locale="id", now=1)

    results = await asyncio.gather(bad(), good(), return_exceptions=True)
    assert isinstance(results[0], RuntimeError)
    assert (await repos.communities.by_chat(-1)).name is None
    assert (await repos.communities.by_chat(-2)) is not None


@pytest.mark.sqlite_only("group commit is how one SQLite writer shares fsyncs; PostgreSQL commits each unit")
async def test_concurrent_units_share_commits(db):
    repos = Repos(db)
    before = db.commits
    await asyncio.gather(*[
        repos.communities.ensure(-1000 - i, f"G{i}", tz="Asia/Jakarta", locale="id", now=1) for i in range(50)
    ])
    assert await db.scalar("SELECT COUNT(*) FROM communities") == 50
    assert db.commits - before < 50  # group commit: fewer commits than units


async def test_principal_link_single_use_and_expiry(db):
    repos = Repos(db)
    c, _ = await repos.communities.ensure(-5, "K", tz="Asia/Jakarta", locale="id", now=1)
    await repos.users.upsert(10, "Pak", "Kepsek", None, "id", now=1)
    await repos.users.upsert(11, "Bu", "Lain", None, "id", now=1)
    await repos.principals.create_link(c.id, 1, "tok-A", now=100, expires_at=200)
    await repos.principals.create_link(c.id, 1, "tok-B", now=100, expires_at=150)
    assert (await repos.principals.redeem("nope", 10, now=120)).status == "unknown"
    assert (await repos.principals.redeem("tok-A", 10, now=120)).status == "ok"
    assert (await repos.principals.redeem("tok-A", 11, now=121)).status == "used"
    assert (await repos.principals.redeem("tok-B", 11, now=151)).status == "expired"
    assert [u.id for u in await repos.principals.of_community(c.id)] == [10]
    stored = await db.fetchall("SELECT token_hash FROM principal_links")
    assert all("tok" not in r[0] for r in stored)  # only hashes are stored


async def test_migrate_chat_moves_rows(db):
    repos = Repos(db)
    c, _ = await repos.communities.ensure(-7, "Old", tz="Asia/Jakarta", locale="id", now=1)
    await repos.users.upsert(20, "Ani", None, None, "id", now=1)
    await repos.members.join(c.id, 20, "classroom", now=1)
    await repos.flows.start(-7, 20, "setup", "name", {}, now=1, community_id=c.id)
    assert await repos.communities.migrate_chat(-7, -1007, now=2)
    moved = await repos.communities.by_chat(-1007)
    assert moved.id == c.id and await repos.communities.by_chat(-7) is None
    assert (await repos.members.get(c.id, 20)).role == "classroom"
    assert (await repos.flows.get(-1007, 20)).step == "name"


async def test_outbox_once(db):
    repos = Repos(db)
    e = await repos.outbox.claim("reminder:1:60", -9, now=1)
    assert e.status == "pending"
    await repos.outbox.mark("reminder:1:60", "sent", now=2, message_id=5)
    again = await repos.outbox.claim("reminder:1:60", -9, now=3)
    assert again.status == "sent" and again.message_id == 5 and again.attempts == 1


async def test_a_sent_key_and_what_the_message_is_commit_together(db):
    """`settle(also=...)` (what `send_once(record=...)` uses for cycle prompts and meeting messages): the row
    saying what the sent message is commits with the key's 'sent'; if that write fails, neither is recorded
    (the key stays 'sending': resent later, counted ambiguous), so a crash can never separate them."""
    from storage.delivery import DeliveryLedger

    led = DeliveryLedger(db)
    key = "cy:q:1:refl.data"
    await led.begin(key, -9, now=1)

    async def broken(tx):
        await tx.execute("INSERT INTO no_such_table VALUES (1)")

    with pytest.raises(DB_ERRORS):
        await led.settle(key, "sent", 2, message_id=77, also=broken)
    assert tuple(await db.fetchone("SELECT status, message_id FROM outbox WHERE key = ?", (key,))) == ("sending", None)

    async def record(tx):
        await tx.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'probe', 3)")

    await led.settle(key, "sent", 3, message_id=77, also=record)
    assert tuple(await db.fetchone("SELECT status, message_id FROM outbox WHERE key = ?", (key,))) == ("sent", 77)
    assert await db.scalar("SELECT name FROM schema_migrations WHERE version = 9999") == "probe"


async def test_departure_and_return_keep_what_a_member_had(db):
    repos = Repos(db)
    c, _ = await repos.communities.ensure(-100, "Guru SD", tz="Asia/Makassar", locale="id", now=1)
    for uid in (1, 2):
        await repos.users.upsert(uid, f"U{uid}", None, None, "id", 1)
    await repos.members.join(c.id, 1, "religion", 1)
    await repos.members.set_pic(c.id, 1, True, 1)
    await repos.flows.start(-100, 1, "log", "ask", {}, 1, community_id=c.id)
    assert await repos.members.depart(c.id, 1, 50)
    assert not await repos.members.depart(c.id, 1, 60)  # already recorded: the first time stays
    gone = await repos.members.get(c.id, 1)
    assert (gone.active, gone.left_at, gone.pic, gone.role) == (False, 50, True, "religion")
    assert await repos.flows.get(-100, 1) is None  # a conversation about the community ends with the departure
    assert [m.user_id for m in await repos.members.list(c.id)] == []
    assert await repos.members.rejoin(c.id, 1)
    back = await repos.members.get(c.id, 1)
    assert (back.active, back.left_at, back.pic, back.role) == (True, None, True, "religion")

    # known to the bot but never joined (an administrator PIC): recorded as gone, and not a member on return
    assert await repos.members.depart(c.id, 2, 70)
    assert (await repos.members.get(c.id, 2)).departed
    await repos.members.rejoin(c.id, 2)
    two = await repos.members.get(c.id, 2)
    assert not two.active and not two.departed and two.pic is None
    # a stranger the bot never met is not recorded at all
    assert not await repos.members.depart(c.id, 3, 80)
    assert await repos.members.get(c.id, 3) is None


async def test_many_concurrent_units_all_commit(db):
    """Fifty units at once (more than the PostgreSQL pool's connections): every one commits, none waits for ever."""
    repos = Repos(db)
    await asyncio.wait_for(asyncio.gather(*[
        repos.communities.ensure(-2000 - i, f"G{i}", tz="Asia/Jakarta", locale="id", now=1) for i in range(50)
    ]), timeout=30)
    assert await db.scalar("SELECT COUNT(*) FROM communities") == 50
