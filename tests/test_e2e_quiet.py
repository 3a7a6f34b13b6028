"""The quiet policy end to end (issue 14): a private reminder never lands in a meeting or the half hour before
it, nor outside 06:00-20:00; a reminder held back until after its stage closed is dropped, not sent late; a
stage's results go onto its card (an edit, silent) and its next card waits for a school day. The calendar-wide picture is in tests/test_calendar_sweep.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.conftest import ANI, BUDI, CITRA, GROUP, PIC, onboard

WITA = ZoneInfo("Asia/Makassar")


def local(clock) -> datetime:
    return clock.now().astimezone(WITA)


def arrivals(sim, chat: int, marker: str) -> list[datetime]:
    return [datetime.fromtimestamp(m["date"], WITA).replace(second=0) for m in sim.fake.bot_messages(chat)
            if marker in (m.get("text") or "")]


async def run_until(sim, clock, end: datetime, step=timedelta(minutes=10)) -> None:
    while clock.now() < end:
        clock.advance(seconds=step.total_seconds())
        await sim.tick()


async def test_the_hours_nudge_waits_for_the_end_of_a_meeting(sim, clock):
    await onboard(sim)
    for uid in (PIC, ANI, BUDI, CITRA):
        await sim.say(uid, uid, "/start")
    await sim.say(GROUP, PIC, "/jadwal Kamis 14:00 90 Ruang guru")  # Thursday 26 Nov, 14.00-15.30
    await sim.say(GROUP, PIC, "/target 2 jam per minggu")
    clock.set(datetime(2026, 11, 26, 12, 55, tzinfo=WITA))
    await run_until(sim, clock, datetime(2026, 11, 26, 16, 0, tzinfo=WITA), timedelta(minutes=5))
    # the nudge is due at 15.00 (mid-week, first school day); the meeting runs until 15.30: it waits until then
    assert arrivals(sim, ANI, "Pengingat kecil") == [datetime(2026, 11, 26, 15, 30, tzinfo=WITA)]
    assert arrivals(sim, GROUP, "Pengingat pertemuan hari ini") == [datetime(2026, 11, 26, 13, 0, tzinfo=WITA)]


async def test_a_stage_reminder_held_past_its_stage_is_dropped_and_the_results_wait_for_a_school_day(sim, clock):
    await onboard(sim)
    for uid in (PIC, ANI, BUDI, CITRA):
        await sim.say(uid, uid, "/start")
    await sim.say(GROUP, PIC, "/siklus mulai literasi kelas 4: 40% → 70% tuntas")
    c = await sim.services.repos.communities.by_chat(GROUP)
    repo = sim.services.repos.cycle.cycles
    first = (await repo.stages((await repo.active(c.id)).id))[0]
    remind = datetime.fromtimestamp(first.reminder_at, WITA)
    closes = datetime.fromtimestamp(first.closes_at, WITA)
    assert remind.hour == 15 and closes.hour == 7 and remind < closes
    # the PIC declares the days from the reminder to the close off (a school event): the reminder could only
    # go after the stage closed, so it is dropped; the close happens, its results wait for the next school day
    await sim.say(GROUP, PIC, f"/libur {remind:%d/%m/%Y} - {closes:%d/%m/%Y} Pentas seni")
    assert "Pentas seni" in sim.last_text(GROUP) or "libur" in sim.last_text(GROUP).lower()
    n_group = len(sim.fake.bot_messages(GROUP))
    card = (await repo.stage(first.id)).header_message_id
    assert card is not None
    summed: datetime | None = None  # when the stage's results came onto its card (an edit, issue 14's cards)
    clock.set(remind - timedelta(minutes=1))
    while clock.now() < closes + timedelta(days=2):
        clock.advance(seconds=3600)
        await sim.tick()
        if summed is None and "Rangkuman tahap" in sim.fake.edits(GROUP, card)[-1]:
            summed = local(clock)
    assert arrivals(sim, ANI, "dan jawaban Anda belum ada") == []  # dropped, not sent late
    assert (await repo.stage(first.id)).reminded == 1
    posted = [datetime.fromtimestamp(m["date"], WITA) for m in sim.fake.bot_messages(GROUP)[n_group:]]
    next_school_day = (closes + timedelta(days=1)).replace(hour=6, minute=0)
    while next_school_day.weekday() >= 5:
        next_school_day += timedelta(days=1)
    # nothing new in the group on the days off: the next stage's card comes on the next school day
    assert any("Tahap 2/4" in (m.get("text") or "") for m in sim.fake.bot_messages(GROUP)[n_group:])
    assert posted and all(at >= next_school_day for at in posted), (posted, next_school_day)
    # the results go onto the stage's card when it closes: an edit, silent, no message on the day off
    assert summed is not None and closes <= summed < next_school_day, (summed, closes)
    assert [at for at in posted if at.date() == next_school_day.date()], posted  # the next card: a school day
    # nothing private at night either
    for uid in (PIC, ANI, BUDI, CITRA):
        for m in sim.fake.bot_messages(uid):
            at = datetime.fromtimestamp(m["date"], UTC).astimezone(WITA)
            assert at <= datetime(2026, 11, 24, 9, 1, tzinfo=WITA) or 6 <= at.hour < 20, (uid, at, m.get("text"))
