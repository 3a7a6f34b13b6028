"""Calendar sweep: the date-sensitive flows run from awkward local instants — a Sunday, a Saturday of a
5-day school, Nyepi 2027, a *cuti bersama* day of Idul Fitri 2027, the last two minutes of 2026 and the first
minute of 2027 (WIB), 29 February 2028, Friday 23:59 UTC (Saturday morning in WIB), 00:30 in a WIT community.

For each instant one world is built at that instant through the fake Bot API: the PIC starts a cycle, schedules
a weekly meeting with /jadwal, sets a weekly hours target and adds an RTL item for Ani; a principal is linked.
Then the scheduler pass runs every hour (on the hour, 30 s past) for eleven days, and the test checks what
members see and when (local time of the community):

- the cycle's first stage (header and questions) appears at once on a school day, otherwise on the next school
  day at 07:00 (`domain.cycle.core.default_plan` + `domain.cycle.ops.stage_times`);
- the meeting reminders arrive at 14:00 the day before and 13:00 on the day (the default offsets); a meeting
  on a holiday or cuti bersama is announced as skipped instead, never reminded;
- the hours nudge comes at 15:00 on the first school day from the middle of the week (Thursday) — a week with
  no school day left from its middle gets none;
- the RTL reminder comes at 07:00 on the last school day before the due date, never before the item was made
  (then the morning of the due day);
- the weekly summary (Friday 15:00, Saturday 12:00 in a 6-day school) and the principal's digest (Monday
  07:00) come once per local week under the ISO-week key of that local week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import ManualClock
from domain.rhythm.calendar import SchoolCalendar, national_off_days
from tests.conftest import ANI, BUDI, CITRA, GROUP, KEPSEK, PIC, onboard
from tests.test_e2e_reports import link_principal

WIB, WITA, WIT = ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Makassar"), ZoneInfo("Asia/Jayapura")
LABEL = {WIB: "WIB", WITA: "WITA", WIT: "WIT"}
DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
MONTHS = ["", "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember"]
SHORT_MONTHS = ["", "Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
SHORT_DAYS = ["Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"]
WINDOW = timedelta(days=11)


@dataclass(frozen=True)
class Instant:
    name: str
    at: datetime  # local, aware
    work_days: int
    opens: datetime | None  # local: when the first stage's questions appear (None: at once)
    meeting: str  # weekday of the weekly 14:00 meeting scheduled at the instant
    rtl_due: date
    rtl_reminder: datetime  # local

    @property
    def tz(self) -> ZoneInfo:
        return self.at.tzinfo  # type: ignore[return-value]


def local(y, mo, d, h=0, mi=0, tz=WIB) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=tz)


CASES = [
    Instant("sunday-6-day-WITA", local(2026, 12, 20, 10, tz=WITA), 6, local(2026, 12, 21, 7, tz=WITA),
            "Kamis", date(2026, 12, 28), local(2026, 12, 26, 7, tz=WITA)),  # Saturday is a school day here
    Instant("saturday-5-day-WITA", local(2027, 8, 14, 9, tz=WITA), 5, local(2027, 8, 16, 7, tz=WITA),
            "Selasa", date(2027, 8, 18), local(2027, 8, 16, 7, tz=WITA)),  # 17 Aug: Independence Day
    Instant("nyepi-2027-WITA", local(2027, 3, 8, 10, tz=WITA), 5, local(2027, 3, 16, 7, tz=WITA),
            "Selasa", date(2027, 3, 16), local(2027, 3, 16, 7, tz=WITA)),  # no school day 8-15 March
    Instant("cuti-bersama-idul-fitri-2027-WIB", local(2027, 3, 15, 8), 5, local(2027, 3, 16, 7),
            "Senin", date(2027, 3, 22), local(2027, 3, 19, 7)),
    Instant("31-december-23.58-WIB", local(2026, 12, 31, 23, 58), 5, None,
            "Jumat", date(2027, 1, 5), local(2027, 1, 4, 7)),
    Instant("1-january-00.01-WIB", local(2027, 1, 1, 0, 1), 5, local(2027, 1, 4, 7),
            "Jumat", date(2027, 1, 4), local(2027, 1, 4, 7)),  # the day before's 07:00 is already past
    Instant("29-february-2028-WIB", local(2028, 2, 29, 9), 5, None,
            "Rabu", date(2028, 3, 2), local(2028, 3, 1, 7)),
    Instant("friday-23.59-UTC-WIB", datetime(2026, 12, 11, 23, 59, tzinfo=UTC).astimezone(WIB), 5,
            local(2026, 12, 14, 7), "Senin", date(2026, 12, 15), local(2026, 12, 14, 7)),
    Instant("00.30-WIT", local(2026, 12, 7, 0, 30, tz=WIT), 5, None,
            "Rabu", date(2026, 12, 9), local(2026, 12, 8, 7, tz=WIT)),
]


def check_instant_is_what_it_claims(case: Instant) -> None:
    """The calendar itself says the instant is the kind of day it stands for (no silent normal day)."""
    d, off = case.at.date(), national_off_days(case.at.year, "id")
    name = case.name
    if name.startswith("sunday"):
        assert d.weekday() == 6
    elif name.startswith("saturday"):
        assert d.weekday() == 5 and case.work_days == 5
    elif name.startswith("nyepi"):
        [nyepi] = [x for x, o in off.items() if "Nyepi" in o.name and o.kind == "holiday"]
        assert d == nyepi
    elif name.startswith("cuti"):
        assert off[d].kind == "cuti_bersama" and "Idul Fitri" in off[d].name
        assert any("Idul Fitri" in o.name and o.kind == "holiday" and abs((x - d).days) <= 7 for x, o in off.items())
    elif name.startswith("31-december"):
        assert (d, case.at.time(), case.tz) == (date(2026, 12, 31), time(23, 58), WIB)
    elif name.startswith("1-january"):
        assert (d, case.at.time(), case.tz) == (date(2027, 1, 1), time(0, 1), WIB) and off[d].kind == "holiday"
    elif name.startswith("29-february"):
        assert (d.month, d.day) == (2, 29)
    elif name.startswith("friday"):
        utc = case.at.astimezone(UTC)
        assert (utc.weekday(), utc.hour, utc.minute) == (4, 23, 59) and d.weekday() == 5 and case.work_days == 5
    elif name.startswith("00.30-WIT"):
        assert case.tz == WIT and case.at.time() == time(0, 30)
        assert case.at.astimezone(UTC).date() != d  # the UTC date is the day before: a UTC slip would show
    else:
        raise AssertionError(name)


@pytest.fixture
def clock(case):
    return ManualClock(case.at)


async def sweep(sim, clock, end: datetime) -> None:
    """One scheduler pass now, then one every hour (30 s past the hour) until `end`."""
    await sim.tick()
    t = clock.now().replace(minute=0, second=30, microsecond=0) + timedelta(hours=1)
    while t < end:
        clock.set(t)
        await sim.tick()
        t += timedelta(hours=1)


def seen(sim, chat: int, marker: str, tz) -> list[tuple[datetime, str]]:
    """(local minute it arrived, text) of the bot's messages in `chat` containing `marker`."""
    out = []
    for m in sim.fake.bot_messages(chat):
        text = m.get("text") or m.get("caption") or ""
        if marker in text:
            out.append((datetime.fromtimestamp(m["date"], tz).replace(second=0), text))
    return out


def when(sim, chat: int, marker: str, tz) -> list[datetime]:
    return [at for at, _ in seen(sim, chat, marker, tz)]


def long_date(d: date) -> str:
    return f"{DAYS[d.weekday()]}, {d.day} {MONTHS[d.month]} {d.year}"


def short_date(d: date) -> str:
    return f"{SHORT_DAYS[d.weekday()]}, {d.day} {SHORT_MONTHS[d.month]}"


def days(start: date, end: date):
    d = start
    while d <= end:
        yield d
        d += timedelta(days=1)


def at_local(d: date, h: int, tz) -> datetime:
    return datetime.combine(d, time(h), tzinfo=tz)


def expected_meeting_posts(case: Instant, cal: SchoolCalendar, end: datetime) -> list[tuple[datetime, str, date]]:
    """The quiet policy's meeting posts: each reminder at its offset, or — that falling on a day off other than
    the meeting's — at the same time on the last school day of the week before (none if that week has none);
    a meeting on a day off gets one skip notice in the earliest slot, moved the same way (its own day counts
    as off). A slot already past when the meeting was made is sent at once on a school day, else at 06:00 on
    the next school day, as one message (if the meeting has not started by then)."""
    wd = DAYS.index(case.meeting)
    out = []
    now_ok = case.at if cal.is_school_day(case.at.date()) else at_local(
        cal.next_school_day(case.at.date(), include_today=False), 6, case.tz)
    for d in days(case.at.date(), end.date() + timedelta(days=9)):
        start = at_local(d, 14, case.tz)
        if d.weekday() != wd or start <= case.at:
            continue
        held = cal.is_school_day(d)
        slots = []
        for off in (1440,):  # one reminder by default, the day before (issue 14)
            at = start - timedelta(minutes=off)
            if (not held or at.date() != d) and not cal.is_school_day(at.date()):
                prev = cal.last_school_day(at.date(), include_today=False, within_days=7)
                if prev is None and held:  # no school day in the week before: 07:00 on the meeting's day
                    at = at_local(d, 7, case.tz)
                elif prev is None:
                    continue
                else:
                    at = datetime.combine(prev, at.timetz())
            slots.append(at)
        kind = "tidak ada" if not held else None
        if any(at <= now_ok for at in slots) and now_ok < start:
            out.append((now_ok, kind or "pengingat", d))
        out += [(at, kind or "pengingat", d) for at in slots if at > now_ok]
    return sorted(x for x in out if x[0] < end)


def expected_nudges(case: Instant, cal: SchoolCalendar, end: datetime) -> list[datetime]:
    out = []
    monday = case.at.date() - timedelta(days=case.at.weekday())
    while monday <= end.date():
        second_half = [monday + timedelta(days=i) for i in range(3, 7)]  # Thursday .. Sunday
        day = next((d for d in second_half if cal.is_school_day(d)), None)
        if day is not None and case.at < at_local(day, 15, case.tz) < end:
            out.append(at_local(day, 15, case.tz))
        monday += timedelta(days=7)
    return out


def weekly(case: Instant, weekday: int, hour: int, end: datetime) -> list[datetime]:
    return [at_local(d, hour, case.tz) for d in days(case.at.date(), end.date())
            if d.weekday() == weekday and case.at < at_local(d, hour, case.tz) < end]


def expected_summaries(case: Instant, cal: SchoolCalendar, end: datetime) -> list[datetime]:
    """Friday 15:00 (Saturday 12:00 in a 6-day school) or, that day being off, the same time on the last school
    day of the week before it; a week with none has no summary (a Friday holiday: 1 January 2027)."""
    weekday, hour = (5, 12) if case.work_days == 6 else (4, 15)
    out = []
    for slot in weekly(case, weekday, hour, end + timedelta(days=7)):
        monday = slot.date() - timedelta(days=weekday)
        day = next((d for d in reversed(list(days(monday, slot.date()))) if cal.is_school_day(d)), None)
        if day is not None and case.at < at_local(day, hour, case.tz) < end:
            out.append(at_local(day, hour, case.tz))
    return out


def expected_digests(case: Instant, cal: SchoolCalendar, end: datetime) -> list[datetime]:
    """Monday 07:00, or — Monday being off — 06:00 on the first school day of that week (none if it has none)."""
    out = []
    for slot in weekly(case, 0, 7, end):
        day = next((d for d in days(slot.date(), slot.date() + timedelta(days=6)) if cal.is_school_day(d)), None)
        if day is not None and at_local(day, 7 if day == slot.date() else 6, case.tz) < end:
            out.append(at_local(day, 7 if day == slot.date() else 6, case.tz))
    return out


def iso_week(d: date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


async def outbox_keys(sim, prefix: str) -> list[str]:
    rows = await sim.services.db.fetchall(
        "SELECT key FROM outbox WHERE key LIKE ? AND key NOT LIKE '%:chart' AND status = 'sent' ORDER BY key",
        (prefix + "%",))
    return [r[0] for r in rows]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_calendar_sweep(sim, clock, case):
    check_instant_is_what_it_claims(case)
    tz, cal = case.tz, SchoolCalendar(case.work_days)
    await onboard(sim, tz_label=LABEL[tz], work_days=case.work_days)
    for uid in (PIC, ANI, BUDI, CITRA):
        await sim.say(uid, uid, "/start")
    await link_principal(sim, GROUP, PIC, KEPSEK)
    await sim.say(GROUP, PIC, "/siklus mulai literasi kelas 4: 40% → 70% tuntas")
    await sim.say(GROUP, PIC, f"/jadwal {case.meeting} 14:00 60 Ruang guru")
    await sim.say(GROUP, PIC, "/target 2 jam per minggu")
    await sim.say(GROUP, PIC, f"/rtl tambah Exit ticket; Ani; {case.rtl_due:%d/%m/%Y}; 80% murid mengisi")
    rtl_added = sim.last_text(GROUP)
    assert "RTL #1 dicatat" in rtl_added
    assert f"{short_date(case.rtl_reminder.date())} pukul {case.rtl_reminder:%H.%M} {LABEL[tz]}" in rtl_added
    started = next(t for t in sim.texts(GROUP) if "Siklus baru dimulai" in t)
    c = await sim.services.repos.communities.by_chat(GROUP)
    end = case.at + WINDOW
    await sweep(sim, clock, end)

    # -- the cycle's first stage: one card with its six questions, at the expected moment ------------------------
    opens = case.opens or case.at
    assert cal.is_school_day(opens.date())
    assert f"Refleksi Awal: {short_date(opens.date())} –" in started
    assert when(sim, GROUP, "Tahap 1/4", tz) == [opens]
    assert when(sim, GROUP, "❓", tz) == []  # no message per question (issue 14)
    assert not when(sim, GROUP, "Tahap 2/4", tz)
    # the later stages, as the start message lists them: each opens at 07:00 on a school day, right after the
    # previous one closed (07:00 on a school day), its reminder at 15:00 on the school day before it closes
    stages = await sim.services.repos.cycle.cycles.stages((await sim.services.repos.cycle.cycles.active(c.id)).id)
    for prev, s in zip(stages, stages[1:], strict=False):
        opens_at, closes_at = (datetime.fromtimestamp(x, tz) for x in (s.opens_at, s.closes_at))
        assert cal.is_school_day(opens_at.date()) and opens_at.time() == time(7), s
        assert cal.next_school_day(datetime.fromtimestamp(prev.closes_at, tz).date(), include_today=False) == (
            opens_at.date())
        assert f"{short_date(opens_at.date())} – {short_date(closes_at.date())}" in started
    for s in stages:
        closes_at, remind = (datetime.fromtimestamp(x, tz) for x in (s.closes_at, s.reminder_at))
        assert cal.is_school_day(closes_at.date()) and closes_at.time() == time(7), s
        assert remind.time() == time(15) and cal.last_school_day(closes_at.date(), include_today=False) == (
            remind.date()), s

    # -- meeting reminders and skip notices ---------------------------------------------------------------------
    posts = [(at, text) for at, text in seen(sim, GROUP, "ertemuan", tz)
             if "Pengingat pertemuan" in text or "Tidak ada pertemuan" in text]
    expected = expected_meeting_posts(case, cal, end)
    assert expected and any(k != "tidak ada" for _, k, _ in expected)
    assert [at for at, _ in posts] == [at for at, _, _ in expected]
    for (at, text), (_, kind, d) in zip(posts, expected, strict=True):
        assert cal.is_school_day(at.date()), (at, text)  # nothing on a day off
        assert f"{long_date(d)}" in text and "14.00" in text and LABEL[tz] in text, text
        ahead = (d - at.date()).days
        heading = {0: "Pengingat pertemuan hari ini", 1: "Pengingat pertemuan besok"}.get(
            ahead, f"Pengingat pertemuan {DAYS[d.weekday()]}")
        assert (kind == "tidak ada" and "Tidak ada pertemuan" in text) or (kind != "tidak ada" and heading in text), text
        if kind != "tidak ada" and at == at_local(d, 13, tz):
            assert "dimulai 1 jam lagi" in text, text

    # -- the hours nudge (private) and the RTL reminder (to its owner) --------------------------------------------
    nudges = seen(sim, ANI, "Pengingat kecil", tz)
    assert [at for at, _ in nudges] == expected_nudges(case, cal, end)
    for at, text in nudges:  # the week it speaks of is the local week it arrives in
        assert cal.is_school_day(at.date()) and at.hour == 15
        assert f"(sampai {long_date(at.date() + timedelta(days=6 - at.weekday()))})" in text, text
    assert when(sim, ANI, "Pengingat RTL #1", tz) == [case.rtl_reminder]
    assert cal.is_school_day(case.rtl_reminder.date()) and case.rtl_reminder.date() <= case.rtl_due

    # -- the weekly summary and the principal's digest: once per local week, keyed by that week ------------------
    summaries = expected_summaries(case, cal, end)
    assert summaries or case.name.startswith("nyepi")  # (8-15 March 2027 has no school day: no summary)
    assert when(sim, GROUP, "Ringkasan pekan", tz) == summaries
    assert await outbox_keys(sim, f"sum:{c.id}:") == sorted(f"sum:{c.id}:{iso_week(s.date())}" for s in summaries)
    for (_, text), s in zip(seen(sim, GROUP, "Ringkasan pekan", tz), summaries, strict=True):
        mon, sun = s.date() - timedelta(days=s.weekday()), s.date() + timedelta(days=6 - s.weekday())
        assert (f"Ringkasan pekan {mon.day} {SHORT_MONTHS[mon.month]} – {sun.day} {SHORT_MONTHS[sun.month]} "
                f"{sun.year}") in text, text
    digests = expected_digests(case, cal, end)
    assert digests and when(sim, KEPSEK, "Ringkasan untuk kepala sekolah", tz) == digests
    for (_, text), d in zip(seen(sim, KEPSEK, "Ringkasan untuk kepala sekolah", tz), digests, strict=True):
        assert f"Ringkasan untuk kepala sekolah — {long_date(d.date())}" in text, text
    # -- the quiet policy over everything the scheduler sent (the answers to the set-up commands come at once) --
    for chat in (GROUP, PIC, ANI, BUDI, CITRA, KEPSEK):
        for m in sim.fake.bot_messages(chat):
            at = datetime.fromtimestamp(m["date"], tz)
            if at > case.at + timedelta(minutes=1):
                assert cal.is_school_day(at.date()), (chat, at, m.get("text") or m.get("caption"))
                assert chat == GROUP or time(6) <= at.time() < time(20), (chat, at, m.get("text"))
    assert await outbox_keys(sim, f"dig:{KEPSEK}:") == sorted(f"dig:{KEPSEK}:{iso_week(d.date())}" for d in digests)
