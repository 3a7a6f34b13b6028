"""Paced broadcasts against a fake Bot API that enforces Telegram's limits (fakegram/limits.py): 30 sends in
any second overall, 20 in any minute per group, about one a second per chat. Time is a ManualClock: the
Pacer sleeps by moving it, the fake judges by it, so nothing here depends on how fast the machine is."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

from telegram import Bot

from bot.clock import ManualClock
from bot.jobs.broadcast import Pacer, RunStats, run_all
from bot.sim import Sim
from domain.reports.figures import HoursFigure
from fakegram import FakeRequest, FakeTelegram
from fakegram.limits import audit
from tests.test_e2e_reports import Hooks, meeting, ts

FRIDAY_SLOT = datetime(2026, 11, 27, 7, 0, 5, tzinfo=UTC)  # Friday 15:00:05 WITA: the weekly summaries are due


def virtual_pacer(clock: ManualClock) -> Pacer:
    """The production Pacer on simulated time: its waits move the clock instead of sleeping."""

    async def sleep(seconds: float) -> None:
        clock.advance(seconds=seconds)
        await asyncio.sleep(0)

    return Pacer(clock=lambda: clock.now().timestamp(), sleep=sleep)


def limited_fake(clock: ManualClock) -> FakeTelegram:
    return FakeTelegram(clock=lambda: clock.now().timestamp(), enforce_rate_limits=True)


BUSY, PERSON = -1001000000999, 777
TARGETS = [-1001000000000 - i for i in range(45)] + [BUSY] * 25 + [PERSON] * 5


async def send_all(paced: bool) -> tuple[FakeTelegram, RunStats, float]:
    """TARGETS, 8 senders at a time (the broadcast's concurrency), with or without the Pacer; returns the
    fake, the run's stats and the simulated seconds it took."""
    clock = ManualClock(FRIDAY_SLOT)
    fake = limited_fake(clock)
    for chat in {c for c in TARGETS if c < 0}:
        fake.group(chat, "Kombel", supergroup=True)
    fake.user(PERSON, "Ani")
    fake.send_text(PERSON, PERSON, "/start")
    bot = Bot("123:ABC", request=FakeRequest(fake))
    await bot.initialize()
    pacer = virtual_pacer(clock)
    start = clock.now().timestamp()

    async def one(chat: int) -> None:
        if paced:
            await pacer.acquire(chat)
        await bot.send_message(chat, "Ringkasan")

    stats = await run_all(TARGETS, one)
    return fake, stats, clock.now().timestamp() - start


async def test_pacer_keeps_every_limit_of_the_fake() -> None:
    """45 groups once each, one group 25 times, one private chat 5 times: everything arrives, nothing is
    refused, the busy group's 21st send waits for its minute; without the Pacer the fake refuses."""
    fake, stats, _ = await send_all(paced=False)
    assert fake.limits.refused["global"] > 0 and stats.failed > 0
    fake, stats, took = await send_all(paced=True)
    assert stats.failed == 0 and fake.stats["429"] == 0 and not fake.limits.refused
    seen = audit(fake.limits.accepted, methods=frozenset({"sendMessage"}))
    assert seen.sends == len(TARGETS) and seen.overall_max_per_s <= 30 and seen.group_max_per_min == 20
    assert seen.chat_min_gap_s >= 1.0
    assert Counter(chat for _, _, chat in fake.limits.accepted) == Counter(TARGETS)
    assert took >= 60


async def test_summary_fan_out_sends_each_once_within_the_limits(db_target) -> None:
    """The real weekly-summary job for 40 communities (one photo with its caption each) through the outbox,
    the Pacer and the fake with Telegram's limits: each group gets its summary exactly once, no 429, no
    second of more than 30 sends and no group over 20 a minute; a later pass sends nothing again."""
    clock = ManualClock(datetime(2026, 11, 24, 1, 0, tzinfo=UTC))  # Tuesday 09:00 WITA
    fake = limited_fake(clock)
    hooks = Hooks()
    chats = [-1001000000000 - i for i in range(40)]
    async with Sim(db_target, clock=clock, fake=fake) as sim:
        services = sim.services
        services.extra["pacer"] = virtual_pacer(clock)
        services.extra["chartpool_workers"] = 0  # charts in a thread: no process pool to start for 40 charts
        now = int(clock.now().timestamp())
        for i, chat in enumerate(chats):
            fake.group(chat, f"Kombel {i}", supergroup=True)
            c, _ = await services.repos.communities.ensure(chat, f"Kombel {i}", tz="Asia/Makassar", locale="id",
                                                           now=now)
            await services.repos.communities.update(c.id, now, name=f"Kombel Gugus {i}", schools=f"SDN {i}",
                                                    setup_done=1)
            hooks.meetings[c.id] = [meeting(3, 2), meeting(10, 3), meeting(17, 1 + i % 3), meeting(24, 3)]
            hooks.hours[c.id] = HoursFigure(members=3, with_target=3, met=1, on_pace=1, behind=1, not_judged=0,
                                            target_minutes=120, elapsed=0.5)
        hooks.install(services)
        await sim.tick()  # every community gets its Friday 15:00 slot
        assert fake.limits.accepted == []
        clock.set(FRIDAY_SLOT)
        await sim.tick()
        await services.extra["broadcast_tasks"]["summaries"]
        photos = Counter(chat for _, method, chat in fake.limits.accepted if method == "sendPhoto")
        assert photos == Counter(chats)  # each group: its summary, once
        assert all(len(m.get("caption", "")) <= 1024 for chat in chats for m in fake.bot_messages(chat))
        assert fake.stats["429"] == 0 and not fake.limits.refused
        seen = audit(fake.limits.accepted)
        assert seen.sends == 40 and seen.overall_max_per_s <= 30 and seen.group_max_per_min == 1
        assert seen.span_s >= 1.0  # paced: 40 sends cannot all go in one second
        rows = await services.db.fetchall("SELECT status, ambiguous FROM outbox WHERE key LIKE 'sum:%'")
        assert [(r[0], r[1]) for r in rows] == [("sent", 0)] * 40
        clock.advance(minutes=30)
        await sim.tick()
        await services.extra["broadcast_tasks"]["summaries"]
        assert len(fake.limits.accepted) == 40
        first = await services.repos.communities.by_chat(chats[0])
        assert (await services.repos.reports.summary(first.id)).next_due_at == ts(2026, 12, 4, 15)
