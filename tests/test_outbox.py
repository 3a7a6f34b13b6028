"""The outbox as data (bot/outbox.py, storage/delivery.py, issue 16): a row carries what to send; the unique key
is the claim and the due row's advance commits with it; the drain sends what is owed, in order, retrying a
failed send after a pause; a photo's bytes stay only until it is settled. On both engines."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot import outbox
from bot.outbox import Outgoing
from storage.backends import make_database
from tests.conftest import GROUP, PIC, onboard


async def test_a_key_is_queued_once_with_its_advance_in_the_same_transaction(db_target):
    db = await make_database(db_target).open()
    try:
        led = (await _repos(db)).delivery
        advanced: list[str] = []

        async def advance(tx):  # what a tick's due row would get: set, never added
            advanced.append("run")
            await tx.execute("UPDATE outbox SET last_error = 'advanced' WHERE key = ?", ("k1",))

        first = await led.queue("k1", -5, 10, Outgoing("a").payload(), b"png", by="w1", also=advance)
        second = await led.queue("k1", -5, 11, Outgoing("b").payload(), None, by="w2", also=advance)
        assert (first, second) == (True, False)  # one worker queued it, the other found it queued
        row = await db.fetchone("SELECT payload, body, queued_in, last_error, seq FROM outbox WHERE key = 'k1'")
        assert json.loads(row["payload"])["params"]["text"] == "a" and bytes(row["body"]) == b"png"
        assert row["queued_in"] == "w1" and row["last_error"] == "advanced" and advanced == ["run", "run"]
        await led.queue("k2", -6, 12, Outgoing("c").payload())
        await led.queue("k3", -5, 12, Outgoing("d").payload())
        assert [o.key for o in await led.owed(now=12, retry_after=5)] == ["k1", "k2", "k3"]  # in queued order

        # a send that failed for now waits `retry_after` before the drain tries it again; sent drops the photo
        await led.begin("k1", -5, 20)
        await led.settle("k1", "pending", 20, error="timeout", ambiguous=True)
        assert [o.key for o in await led.owed(now=24, retry_after=5)] == ["k2", "k3"]
        assert [o.key for o in await led.owed(now=26, retry_after=5)] == ["k1", "k2", "k3"]
        await led.begin("k1", -5, 26)  # failed a second time: the pause grows (5 x 2² = 20 s)
        await led.settle("k1", "pending", 26, error="network")
        assert [o.key for o in await led.owed(now=45, retry_after=5)] == ["k2", "k3"]
        assert [o.key for o in await led.owed(now=46, retry_after=5)] == ["k1", "k2", "k3"]
        assert (await led.queued("k1")).body == b"png"  # kept for the retry
        await led.begin("k1", -5, 27)
        await led.settle("k1", "sent", 28, message_id=9)
        assert await led.queued("k1") is None  # a sent row keeps neither its text nor its photo
        assert tuple(await db.fetchone("SELECT payload, body, message_id FROM outbox WHERE key = 'k1'")) == (None, None, 9)
        assert [o.key for o in await led.owed(now=30, retry_after=5)] == ["k2", "k3"]
    finally:
        await db.close()


async def _repos(db):
    from storage.repos import Repos

    return Repos(db)


async def test_a_group_post_that_timed_out_is_sent_again_by_the_drain_after_a_pause(sim, clock):
    """The card of `/survei pulse` times out without reaching Telegram: the row stays owed, the drain leaves it
    alone for RETRY_S, then sends it once; what the card is (its message id) is recorded with the send."""
    await onboard(sim)
    before = len(sim.fake.bot_messages(GROUP))
    sim.fake.timeout_next("sendMessage", deliver=False)
    await sim.say(GROUP, PIC, "/survei pulse")
    survey = await sim.services.repos.surveys.get(await sim.services.db.scalar("SELECT MAX(id) FROM surveys"))
    assert len(sim.fake.bot_messages(GROUP)) == before  # nothing arrived
    key = f"sv:{survey.id}:h"
    assert await outbox.status(sim.services, key) == "pending"
    assert await outbox.drain(sim.services, sim.app.bot) == 0  # too soon to try again
    clock.advance(seconds=outbox.RETRY_S + 1)
    assert await outbox.drain(sim.services, sim.app.bot) == 1
    card = sim.fake.bot_messages(GROUP)[-1]
    assert "Cek Mingguan" in (card.get("text") or "") and len(sim.fake.bot_messages(GROUP)) == before + 1
    assert (await sim.services.repos.surveys.get(survey.id)).header_message_id == card["message_id"]
    assert await outbox.status(sim.services, key) == "sent"
    assert await sim.services.repos.delivery.ambiguous() == {key: 1}  # the timeout is counted, as before
    clock.advance(seconds=60)
    assert await outbox.drain(sim.services, sim.app.bot) == 0  # nothing owed: sent once


async def test_a_reminder_retried_after_the_meeting_began_is_given_up_not_sent(sim, clock):
    """A reminder whose send failed (the network, then the bot down until the meeting had begun) is stale: the
    drain marks it skipped ('expired') and sends nothing — no "meeting tomorrow" after the meeting."""
    await onboard(sim)
    await sim.say(GROUP, PIC, "/jadwal Kamis 14:00 90 Ruang guru")
    clock.set(datetime(2026, 11, 25, 6, 0, tzinfo=UTC))  # Wednesday 14:00 WITA: the day-before reminder is due
    before = len(sim.fake.bot_messages(GROUP))
    sim.fake.timeout_next("sendMessage", deliver=False)
    await sim.tick()
    [key] = [r[0] for r in await sim.services.db.fetchall("SELECT key FROM outbox WHERE key LIKE 'rm:%'")]
    assert await outbox.status(sim.services, key) == "pending" and len(sim.fake.bot_messages(GROUP)) == before
    clock.set(datetime(2026, 11, 26, 6, 30, tzinfo=UTC))  # Thursday 14:30 WITA: the meeting has begun
    await outbox.drain(sim.services, sim.app.bot)
    assert await outbox.status(sim.services, key) == "skipped"
    assert not any("Pengingat pertemuan besok" in (m.get("text") or "") for m in sim.fake.bot_messages(GROUP))
    assert await sim.services.db.scalar("SELECT last_error FROM outbox WHERE key = ?", (key,)) == "expired"
