from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.rhythm.durations import ParseError
from domain.rhythm.schedule import (
    Occurrence,
    ScheduleSpec,
    due_reminder,
    expand_weekly,
    find_overlap,
    next_occurrences,
    occurrence_once,
    occurrences_for,
    parse_date_token,
    parse_schedule,
    reminder_times,
    reminders_to_send,
    weekday_from_name,
)

JKT = ZoneInfo("Asia/Jakarta")
MKS = ZoneInfo("Asia/Makassar")
JAY = ZoneInfo("Asia/Jayapura")
# Friday 20 Nov 2026, 10:00 in Jakarta.
NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def parse(text: str, *, working_days: int = 5, tz: ZoneInfo = JKT, now: datetime = NOW) -> ScheduleSpec:
    return parse_schedule(text, now=now, tz=tz, working_days=working_days)


def code_of(text: str, **kw: object) -> str:
    with pytest.raises(ParseError) as exc:
        parse(text, **kw)  # type: ignore[arg-type]
    return exc.value.code


# ------------------------------------------------------------------------------------------ weekly


@pytest.mark.parametrize(
    ("text", "weekdays", "start", "duration", "place"),
    [
        ("Kamis 14:00 90 Ruang guru", (3,), time(14, 0), 90, "Ruang guru"),
        ("thu 2pm 1h30", (3,), time(14, 0), 90, None),
        ("Senin,Rabu 13.30 60 Lab IPA", (0, 2), time(13, 30), 60, "Lab IPA"),
        ("Senin, Rabu 13.30 60 Lab IPA", (0, 2), time(13, 30), 60, "Lab IPA"),
        ("sen & kam 14:00 1j", (0, 3), time(14, 0), 60, None),
        ("senin dan kamis 14:00 1 jam", (0, 3), time(14, 0), 60, None),
        ("mon and thu 2:30 pm 45 min", (0, 3), time(14, 30), 45, None),
        ("Wednesday 2.30pm 1 hour Library", (2,), time(14, 30), 60, "Library"),
        ("Selasa 14", (1,), time(14, 0), 90, None),
        ("jumat 07.30 2 jam", (4,), time(7, 30), 120, None),
        ("Jum'at 07.30 2 jam", (4,), time(7, 30), 120, None),
        ("rab 15.00", (2,), time(15, 0), 90, None),
        ("sel 9am 60", (1,), time(9, 0), 60, None),
        ("KAMIS 14:00 90 RUANG GURU", (3,), time(14, 0), 90, "RUANG GURU"),
        ("setiap hari Kamis pukul 14.00 WIB selama 2 jam", (3,), time(14, 0), 120, None),
        ("every thursday at 2pm for 90 minutes in Room 5", (3,), time(14, 0), 90, "Room 5"),
        ("Kamis 14:00-15:30 di Aula", (3,), time(14, 0), 90, "Aula"),
        ("Kamis 14.00 - 15.30 Aula", (3,), time(14, 0), 90, "Aula"),
        ("Kamis 14.00 s/d 16.00 Aula", (3,), time(14, 0), 120, "Aula"),
        ("thu 2pm to 4pm Library", (3,), time(14, 0), 120, "Library"),
        ("sen-jum 07:00 30", (0, 1, 2, 3, 4), time(7, 0), 30, None),
        ("Kamis jam 2 siang", (3,), time(14, 0), 90, None),
        ("Kamis jam 3 sore 60", (3,), time(15, 0), 60, None),
        ("Kamis jam 8 pagi 60", (3,), time(8, 0), 60, None),
        ("Kamis 3 60", (3,), time(15, 0), 60, None),
        ("Kamis 12pm 60", (3,), time(12, 0), 60, None),
        ("Kamis 14:00 1 jam 30 menit Aula", (3,), time(14, 0), 90, "Aula"),
        ("kamis,kamis 14:00", (3,), time(14, 0), 90, None),
    ],
)
def test_weekly_forms(
    text: str, weekdays: tuple[int, ...], start: time, duration: int, place: str | None
) -> None:
    spec = parse(text)
    assert spec.kind == "weekly"
    assert spec.weekdays == weekdays
    assert spec.start_time == start
    assert spec.duration_min == duration
    assert spec.place == place
    assert spec.date is None


def test_link_makes_meeting_online_and_trailing_words_are_the_agenda() -> None:
    spec = parse("Jumat 07.30 2 jam https://meet.google.com/abc-defg-hij Asesmen formatif")
    assert spec.link == "https://meet.google.com/abc-defg-hij"
    assert spec.online
    assert spec.place is None
    assert spec.agenda == "Asesmen formatif"
    assert spec.duration_min == 120


def test_link_without_scheme_is_normalised() -> None:
    spec = parse("Kamis 14:00 60 meet.google.com/abc-defg-hij")
    assert spec.link == "https://meet.google.com/abc-defg-hij"


@pytest.mark.parametrize("sep", ["-", "|", "\u2013", "\u2014"])
def test_agenda_after_separator(sep: str) -> None:
    spec = parse(f"Kamis 14:00 90 Ruang guru {sep} Asesmen formatif")
    assert (spec.place, spec.agenda) == ("Ruang guru", "Asesmen formatif")


def test_agenda_without_place() -> None:
    spec = parse("Kamis 14:00 - Refleksi awal")
    assert spec.place is None
    assert spec.agenda == "Refleksi awal"
    assert spec.duration_min == 90


def test_saturday_allowed_on_six_day_week() -> None:
    assert parse("Sabtu 09:00 60", working_days=6).weekdays == (5,)


# ------------------------------------------------------------------------------------------ one-off


@pytest.mark.parametrize(
    ("text", "the_date", "start", "duration", "place"),
    [
        ("26/11 14:00 90 Aula", date(2026, 11, 26), time(14, 0), 90, "Aula"),
        ("26-11-2026 14.00 1j", date(2026, 11, 26), time(14, 0), 60, None),
        ("26.11.2026 14.00 1j", date(2026, 11, 26), time(14, 0), 60, None),
        ("26/11/26 14.00", date(2026, 11, 26), time(14, 0), 90, None),
        ("2026-11-26 14:00 90", date(2026, 11, 26), time(14, 0), 90, None),
        ("26 Nov 14:00", date(2026, 11, 26), time(14, 0), 90, None),
        ("26 November 2026 14:00 60 Aula", date(2026, 11, 26), time(14, 0), 60, "Aula"),
        ("3 Des 13.30", date(2026, 12, 3), time(13, 30), 90, None),
        ("Kamis 26/11 14:00", date(2026, 11, 26), time(14, 0), 90, None),
        ("besok 14:00 60", date(2026, 11, 24), time(14, 0), 60, None),
        ("tomorrow 2pm 60", date(2026, 11, 24), time(14, 0), 60, None),
        ("lusa 14:00", date(2026, 11, 25), time(14, 0), 90, None),
        ("hari ini 15:00", date(2026, 11, 23), time(15, 0), 90, None),
        ("today 3pm", date(2026, 11, 23), time(15, 0), 90, None),
        ("5/1 14:00", date(2027, 1, 5), time(14, 0), 90, None),
    ],
)
def test_one_off_forms(text: str, the_date: date, start: time, duration: int, place: str | None) -> None:
    monday = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Monday 08:00 WIB
    now = monday if any(w in text for w in ("besok", "tomorrow", "lusa", "hari ini", "today")) else NOW
    spec = parse(text, now=now)
    assert spec.kind == "once"
    assert spec.date == the_date
    assert spec.weekdays == (the_date.weekday(),)
    assert spec.start_time == start
    assert spec.duration_min == duration
    assert spec.place == place


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("Rapat 14:00", "bad_day"),
        ("14:00 Kamis", "bad_day"),
        ("Kamis", "bad_time"),
        ("Kamis Aula", "bad_time"),
        ("Kamis 1 jam 30 menit", "bad_time"),
        ("Kamis 90 menit", "bad_time"),
        ("Kamis 25:00", "bad_time"),
        ("Kamis 14:75", "bad_time"),
        ("Kamis 13pm", "bad_time"),
        ("Kamis 15:00-14:00", "bad_time"),
        ("31/02 14:00", "bad_date"),
        ("30-02-2027 14:00", "bad_date"),
        ("2026-13-01 14:00", "bad_date"),
        ("19/11 14:00", "past"),  # yesterday
        ("20/11 09:00", "past"),  # today, earlier
        ("hari ini 09:00", "past"),
        ("26/11/2025 14:00", "past"),
        ("23/11/2028 14:00", "too_far"),
        ("Kamis 14:00 2", "duration_range"),
        ("Kamis 14:00 11 jam", "duration_range"),
        ("Kamis 08:00-19:00", "duration_range"),
        ("Sabtu 09:00", "not_working_day"),
        ("Minggu 09:00", "not_working_day"),
        ("ahad 09:00", "not_working_day"),
        ("senin,sabtu 09:00", "not_working_day"),
        ("besok 09:00", "not_working_day"),  # Saturday
        ("22/11 09:00", "not_working_day"),  # a Sunday
        ("Jumat 26/11 14:00", "day_mismatch"),
        ("Kamis 14:00 WITA", "tz_mismatch"),
    ],
)
def test_error_codes(text: str, code: str) -> None:
    assert code_of(text) == code


def test_sunday_never_a_working_day_even_on_six_day_week() -> None:
    assert code_of("Minggu 09:00", working_days=6) == "not_working_day"


def test_zone_word_matching_community_zone_is_accepted() -> None:
    assert parse("Kamis 14:00 WITA", tz=MKS).start_time == time(14, 0)
    assert parse("Kamis 14:00 WIT", tz=JAY).start_time == time(14, 0)


def test_past_uses_community_zone() -> None:
    # 07:30 UTC = 14:30 WIB = 16:30 WIT: a 15:00 meeting today is past in Jayapura only.
    now = datetime(2026, 11, 20, 7, 30, tzinfo=UTC)
    assert parse("20/11 15:00", now=now).date == date(2026, 11, 20)
    with pytest.raises(ParseError) as exc:
        parse("20/11 15:00", now=now, tz=JAY)
    assert exc.value.code == "past"


def test_bad_arguments_are_programming_errors() -> None:
    with pytest.raises(ValueError):
        parse_schedule("Kamis 14:00", now=NOW, tz=JKT, working_days=7)
    with pytest.raises(ValueError):
        parse_schedule("Kamis 14:00", now=datetime(2026, 11, 20), tz=JKT, working_days=5)


@pytest.mark.parametrize(
    ("name", "weekday"),
    [("Senin", 0), ("tue", 1), ("RABU", 2), ("kam", 3), ("jum'at", 4), ("Saturday", 5), ("ahad", 6), ("x", None)],
)
def test_weekday_from_name(name: str, weekday: int | None) -> None:
    assert weekday_from_name(name) == weekday


def test_parse_date_token() -> None:
    today = date(2026, 11, 20)
    assert parse_date_token("14.00", today) is None
    assert parse_date_token("Aula", today) is None
    assert parse_date_token("kemarin", today) == date(2026, 11, 19)
    assert parse_date_token("25/12", today, prefer="past") == date(2025, 12, 25)
    assert parse_date_token("1/12", today, prefer="past") == date(2026, 12, 1)  # near future stays
    with pytest.raises(ParseError):
        parse_date_token("1/2/3/4", today)


ANY_TEXT = st.one_of(
    st.text(max_size=60),
    st.lists(
        st.sampled_from(
            ["Kamis", "sen", "&", "14:00", "2pm", "90", "1,5", "jam", "-", "|", "26/11", "31/02", "besok",
             "Aula", "https://x.y/z", "WIB", "s/d", "15.30", "Nov", "2026", "pagi", "0", "99999", "Minggu"]
        ),
        max_size=8,
    ).map(" ".join),
)


@settings(max_examples=300)
@given(ANY_TEXT, st.sampled_from([5, 6]))
def test_parse_schedule_only_raises_parse_error(text: str, working_days: int) -> None:
    try:
        spec = parse(text, working_days=working_days)
    except ParseError:
        return
    assert 5 <= spec.duration_min <= 600
    assert all(0 <= d <= 5 for d in spec.weekdays)


# ---------------------------------------------------------------------------------------- recurrence


def test_expand_weekly_gives_utc_starts_for_local_dates() -> None:
    occ = expand_weekly(
        [0, 3], time(14, 0), 90, JKT,
        datetime(2026, 11, 16, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC), series_id=7,
    )
    assert [o.local_date for o in occ] == [date(2026, 11, 16), date(2026, 11, 19), date(2026, 11, 23), date(2026, 11, 26)]
    assert occ[0].start_utc == datetime(2026, 11, 16, 7, 0, tzinfo=UTC)
    assert occ[0].end_utc == datetime(2026, 11, 16, 8, 30, tzinfo=UTC)
    assert all(o.series_id == 7 for o in occ)


def test_expand_weekly_local_date_differs_from_utc_date() -> None:
    # 07:00 WIT on Monday is 22:00 UTC on Sunday.
    occ = expand_weekly([0], time(7, 0), 60, JAY, datetime(2026, 11, 22, tzinfo=UTC), datetime(2026, 11, 24, tzinfo=UTC))
    assert len(occ) == 1
    assert occ[0].local_date == date(2026, 11, 23)
    assert occ[0].start_utc == datetime(2026, 11, 22, 22, 0, tzinfo=UTC)


def test_expand_weekly_window_is_half_open() -> None:
    start = datetime(2026, 11, 19, 7, 0, tzinfo=UTC)  # Thursday 14:00 WIB
    assert len(expand_weekly([3], time(14, 0), 60, JKT, start, start + timedelta(days=7))) == 1
    assert expand_weekly([3], time(14, 0), 60, JKT, start + timedelta(seconds=1), start + timedelta(days=7)) == []


def test_expand_weekly_skip_predicate() -> None:
    occ = expand_weekly(
        [3], time(14, 0), 60, JKT, datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC),
        skip=lambda d: d == date(2026, 12, 24),
    )
    assert date(2026, 12, 24) not in [o.local_date for o in occ]
    assert len(occ) == 4


def test_expand_weekly_respects_dst_in_zones_that_have_it() -> None:
    ams = ZoneInfo("Europe/Amsterdam")
    occ = expand_weekly([6], time(10, 0), 60, ams, datetime(2026, 3, 20, tzinfo=UTC), datetime(2026, 4, 6, tzinfo=UTC))
    assert [o.start_utc.hour for o in occ] == [9, 8, 8]


def test_next_occurrences() -> None:
    occ = next_occurrences([3], time(14, 0), 90, JKT, NOW, count=3)
    assert [o.local_date for o in occ] == [date(2026, 11, 26), date(2026, 12, 3), date(2026, 12, 10)]
    many = next_occurrences([0, 1, 2, 3, 4], time(7, 0), 30, JKT, NOW, count=23)
    assert len(many) == 23
    assert next_occurrences([3], time(14, 0), 90, JKT, NOW, count=2, skip=lambda d: True) == []
    assert next_occurrences([], time(14, 0), 90, JKT, NOW) == []


def test_occurrences_for_spec() -> None:
    weekly = parse("Kamis 14:00 60")
    window = (NOW, NOW + timedelta(days=14))
    assert len(occurrences_for(weekly, JKT, *window)) == 2
    once = parse("26/11 14:00 60")
    [occ] = occurrences_for(once, JKT, *window, series_id=3)
    assert occ.start_utc == datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
    assert occ.series_id == 3
    assert occurrences_for(once, JKT, NOW, NOW + timedelta(days=1)) == []


def _occ(day: int, h: int, m: int, dur: int, series: int | None = None) -> Occurrence:
    return occurrence_once(date(2026, 11, day), time(h, m), dur, JKT, series_id=series)


def test_find_overlap() -> None:
    existing = [_occ(26, 14, 0, 90, 1), _occ(26, 16, 0, 60, 2), _occ(27, 8, 0, 60, 3)]
    assert find_overlap([_occ(26, 15, 0, 60)], existing) == existing[0]
    assert find_overlap([_occ(26, 15, 30, 30)], existing) is None  # touching ends do not clash
    assert find_overlap([_occ(26, 13, 0, 60)], existing) is None
    assert find_overlap([_occ(26, 13, 0, 300)], existing) == existing[0]  # earliest clash reported
    assert find_overlap([_occ(25, 8, 0, 60), _occ(27, 8, 30, 10)], existing) == existing[2]
    assert find_overlap([], existing) is None
    assert find_overlap([_occ(26, 14, 0, 90)], []) is None


def test_find_overlap_ignores_own_series() -> None:
    existing = [_occ(26, 14, 0, 90, 1)]
    assert find_overlap([_occ(26, 14, 30, 90, 1)], existing) is None
    assert find_overlap([_occ(26, 14, 30, 90, 2)], existing) == existing[0]


def test_find_overlap_long_existing_meeting_before_short_ones() -> None:
    existing = [_occ(26, 8, 0, 480), _occ(26, 9, 0, 10)]
    assert find_overlap([_occ(26, 12, 0, 30)], existing) == existing[0]


@given(
    st.lists(st.tuples(st.integers(0, 2000), st.integers(5, 300)), max_size=12),
    st.lists(st.tuples(st.integers(0, 2000), st.integers(5, 300)), max_size=12),
)
def test_find_overlap_matches_brute_force(new: list[tuple[int, int]], old: list[tuple[int, int]]) -> None:
    base = datetime(2026, 11, 26, tzinfo=UTC)

    def mk(items: list[tuple[int, int]]) -> list[Occurrence]:
        return [
            Occurrence(None, base + timedelta(minutes=s), base + timedelta(minutes=s + d), date(2026, 11, 26))
            for s, d in items
        ]

    n, o = mk(new), mk(old)
    clashes = [b for b in o if any(a.overlaps(b) for a in n)]
    found = find_overlap(n, o)
    if not clashes:
        assert found is None
    else:
        assert found is not None
        assert found.start_utc == min(c.start_utc for c in clashes)


# ----------------------------------------------------------------------------------------- reminders

START = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)


def test_reminder_times_default_offsets() -> None:
    assert reminder_times(START) == [START - timedelta(days=1)]  # one reminder by default (issue 14)
    assert reminder_times(START, [60, 60, 0, -5, 15]) == [START - timedelta(minutes=60), START - timedelta(minutes=15)]


@pytest.mark.parametrize(
    ("offset", "now", "decision"),
    [
        (60, START - timedelta(minutes=61), "not_yet"),
        (60, START - timedelta(minutes=60), "send"),
        (60, START - timedelta(minutes=57), "send"),
        (60, START - timedelta(minutes=30), "late_send"),
        (60, START - timedelta(seconds=1), "late_send"),
        (60, START, "skip"),
        (60, START + timedelta(minutes=10), "skip"),
        (1440, START - timedelta(hours=20), "late_send"),
        (1440, START + timedelta(hours=2), "skip"),
    ],
)
def test_due_reminder(offset: int, now: datetime, decision: str) -> None:
    assert due_reminder(START, offset, now) == decision


def test_reminders_to_send_after_downtime_sends_only_the_closest() -> None:
    now = START - timedelta(minutes=30)  # both the 1-day and the 1-hour reminder were missed
    assert reminders_to_send(START, [1440, 60], [], now) == (60, "late_send", [1440])
    assert reminders_to_send(START, [1440, 60], [1440], START - timedelta(minutes=60)) == (60, "send", [])
    assert reminders_to_send(START, [1440, 60], [], START - timedelta(days=2)) == (None, "not_yet", [])
    assert reminders_to_send(START, [1440, 60], [1440], START + timedelta(minutes=1)) == (None, "skip", [60])
