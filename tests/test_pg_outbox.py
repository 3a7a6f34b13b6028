"""Two workers on one PostgreSQL database, in one test process (issue 16): every worker runs the scheduler pass,
each tick in one worker at a time; a worker that is not the sender queues, and the sender sends what it queued
— with what the sent message is recorded in the sender's commit, so the first worker then takes the replies.
(tests/test_pg_multiworker.py does the same with three real worker processes, kills and Telegram's limits.)"""

from __future__ import annotations

import asyncio
import zlib

import psycopg
import pytest

from bot import outbox
from bot.jobs import sender
from bot.sim import Sim
from storage.sender_lease import TICK_LOCK_SPACE
from tests.conftest import ANI, GROUP, PIC, cast, onboard

pytestmark = pytest.mark.pg_only("the sender lease and the tick locks are PostgreSQL advisory locks")


@pytest.fixture
async def two(db_target, clock):
    a = Sim(db_target, clock=clock)
    cast(a.fake)
    await a.start()
    b = Sim(db_target, clock=clock, fake=a.fake)
    await b.start()
    sender.install(a.app, db_target)
    assert await sender.may_send(a.services)  # a takes the lease first: a is the sender
    sender.install(b.app, db_target)
    assert not await sender.may_send(b.services)
    yield a, b
    await b.stop()
    await a.stop()


async def test_the_worker_that_is_not_the_sender_queues_and_the_sender_sends(two):
    a, b = two
    await onboard(a)
    before = len(a.fake.bot_messages(GROUP))
    await b.say(GROUP, PIC, "/survei pulse")  # handled by b: the card is queued, not sent
    assert len(a.fake.bot_messages(GROUP)) == before
    sid = await a.services.db.scalar("SELECT MAX(id) FROM surveys")
    key = f"sv:{sid}:h"
    assert await outbox.status(b.services, key) == "pending"
    assert await b.services.db.scalar("SELECT queued_in FROM outbox WHERE key = ?", (key,)) == outbox.worker()
    assert await outbox.drain(b.services, b.app.bot) == 0  # b does not send, even when asked to drain

    assert await outbox.drain(a.services, a.app.bot) == 1  # the sender's drain (its live job, every second)
    card = a.fake.bot_messages(GROUP)[-1]
    assert "Cek Mingguan" in card["text"] and len(a.fake.bot_messages(GROUP)) == before + 1
    survey = await b.services.repos.surveys.get(sid)
    assert survey.header_message_id == card["message_id"]  # recorded in the sender's commit
    await b.say(ANI, ANI, f"/start sv_{sid}")  # and b, the worker that queued it, serves the answers
    assert b.fake.buttons(b.last(ANI))[0] == ["1", "2", "3", "4", "5"]
    assert await outbox.drain(a.services, a.app.bot) == 0  # sent once


async def test_each_tick_runs_in_one_worker_at_a_time(two, db_target):
    a, b = two
    await onboard(a)
    locks = a.services.extra[sender.TICKS]
    assert await locks.try_take("surveys")  # a's pass is in the middle of the surveys tick
    timings = await b.tick()
    assert "surveys" not in timings and "cycle" in timings  # b's pass leaves it to a, runs the others
    assert "live" not in timings  # the live catch-up edits messages: the sender's
    await locks.give_back("surveys")
    assert "surveys" in await b.tick()
    with psycopg.connect(db_target, autocommit=True) as conn:  # and the locks are given back
        held = conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s",
                            (TICK_LOCK_SPACE,)).fetchone()[0]
    assert held == 0


async def test_updates_without_a_chat_are_one_users_at_a_time_across_workers(db_target):
    """bot/web.py holds `one_at_a_time("user", id)` while it handles an update without a chat (a poll answer):
    a second worker's update of the same user waits for the first's to end; another user's does not."""
    from storage.pg import PgDatabase

    first, second = PgDatabase(db_target, pool_size=2), PgDatabase(db_target, pool_size=2)
    await first.open()
    await second.open()
    try:
        async with first.one_at_a_time("user", 7001):
            with pytest.raises(TimeoutError):  # the same user in another worker: waits
                async with asyncio.timeout(0.5):
                    async with second.one_at_a_time("user", 7001):
                        pass
            async with asyncio.timeout(5):  # another user: at once
                async with second.one_at_a_time("user", 7002):
                    pass
        async with asyncio.timeout(5):  # the first has ended: its lock went with its transaction
            async with second.one_at_a_time("user", 7001):
                pass
        space = zlib.crc32(b"user") & 0x7FFFFFFF
        for _ in range(50):  # and the wait given up above took the lock only to let it go: none is left
            with psycopg.connect(db_target, autocommit=True) as conn:
                held = conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s",
                                    (space,)).fetchone()[0]
            if held == 0:
                break
            await asyncio.sleep(0.1)
        assert held == 0
    finally:
        await second.close()
        await first.close()
