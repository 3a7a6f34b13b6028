"""Guarantees that matter once several worker processes share one PostgreSQL database (each `PgDatabase`
below stands for a worker: its own pool and connections)."""

from __future__ import annotations

import asyncio
import time

import pytest

from storage.db import CURRENT_UPDATE, UpdateAlreadyHandled
from storage.delivery import DeliveryLedger
from storage.pg import PgDatabase

pytestmark = pytest.mark.pg_only("several workers on one PostgreSQL database")


@pytest.fixture
async def workers(db_target):
    a, b = PgDatabase(db_target, pool_size=4), PgDatabase(db_target, pool_size=4)
    await a.open()
    await b.open()
    yield a, b
    await a.close()
    await b.close()


def _write(tag: str, hold: float = 0.0):
    def fn(conn):
        conn.execute("INSERT INTO flows (chat_id, user_id, name, step, updated_at) VALUES (?, ?, ?, 'x', 1)"
                     " ON CONFLICT (chat_id, user_id) DO UPDATE SET name = flows.name || excluded.name",
                     (1, 1, tag))
        time.sleep(hold)  # still inside the transaction: the other worker's mark waits for this one
    return fn


async def _handle(db: PgDatabase, update_id: int, fn) -> str:
    CURRENT_UPDATE.set([update_id, False])
    try:
        await db.unit(fn)
        return "handled"
    except UpdateAlreadyHandled:
        return "dropped"


async def test_an_update_handled_by_two_workers_at_once_writes_once(workers):
    a, b = workers
    first = asyncio.create_task(_handle(a, 7001, _write("a", hold=0.5)))
    await asyncio.sleep(0.15)  # a's mark is written, not committed
    second = asyncio.create_task(_handle(b, 7001, _write("b")))
    assert sorted(await asyncio.gather(first, second)) == ["dropped", "handled"]
    assert await a.scalar("SELECT name FROM flows") == "a"  # b's write did not happen
    assert await a.scalar("SELECT COUNT(*) FROM processed_updates WHERE update_id = 7001") == 1
    # later, a re-delivery of the same update to either worker changes nothing
    assert await _handle(b, 7001, _write("c")) == "dropped"
    assert await b.scalar("SELECT name FROM flows") == "a"


async def test_a_failed_unit_leaves_neither_its_writes_nor_its_mark(workers):
    a, b = workers

    def broken(conn):
        _write("a")(conn)
        raise RuntimeError("boom")

    CURRENT_UPDATE.set([7002, False])
    with pytest.raises(RuntimeError):
        await a.unit(broken)
    assert await a.scalar("SELECT COUNT(*) FROM processed_updates") == 0
    assert await a.scalar("SELECT COUNT(*) FROM flows") == 0
    assert await _handle(b, 7002, _write("b")) == "handled"  # so Telegram's re-delivery is handled in full
    assert await a.scalar("SELECT name FROM flows") == "b"


async def test_an_outbox_key_being_claimed_is_skipped_not_claimed_twice(workers, db_target):
    import psycopg

    a, b = workers
    await DeliveryLedger(a).begin("k:1", -5, now=1)
    await DeliveryLedger(a).settle("k:1", "pending", 2, error="timeout")
    with psycopg.connect(db_target) as holder:  # a third worker in the middle of its claim
        holder.execute("SELECT * FROM outbox WHERE key = 'k:1' FOR UPDATE")
        attempt = await asyncio.wait_for(DeliveryLedger(b).begin("k:1", -5, now=3), timeout=5)
        assert attempt.status == "busy"
    attempt = await DeliveryLedger(b).begin("k:1", -5, now=4)  # once that claim is over, claimed as usual
    assert attempt.status == "pending"
    assert await a.scalar("SELECT status FROM outbox WHERE key = 'k:1'") == "sending"


async def test_workers_starting_together_migrate_once(db_target):
    import psycopg

    with psycopg.connect(db_target, autocommit=True) as conn:  # an empty database
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    dbs = [PgDatabase(db_target, pool_size=2) for _ in range(3)]
    await asyncio.gather(*[d.open() for d in dbs])
    versions = [r[0] for r in await dbs[0].fetchall("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == [v for v, _, _ in PgDatabase.migration_files()]
    assert await dbs[0].pending_migrations() == []
    for d in dbs:
        await d.close()
