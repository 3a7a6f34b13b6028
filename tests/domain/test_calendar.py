from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.rhythm.calendar import (
    CommunityOffDay,
    OffDay,
    SchoolCalendar,
    national_off_days,
    parse_off_day,
)
from domain.rhythm.durations import ParseError

EXAMS = CommunityOffDay(date(2026, 12, 1), date(2026, 12, 12), "Ujian semester")


@pytest.mark.parametrize(
    ("d", "kind", "name_id", "name_en"),
    [
        (date(2026, 8, 17), "holiday", "Hari Kemerdekaan Republik Indonesia", "Independence Day"),
        (date(2026, 12, 25), "holiday", "Hari Raya Natal", "Christmas Day"),
        (date(2026, 1, 1), "holiday", "Tahun Baru Masehi", "New Year's Day"),
        (date(2026, 12, 24), "cuti_bersama", "Cuti Bersama Hari Raya Natal", "Christmas Joint Holiday"),
        (date(2026, 5, 15), "cuti_bersama", "Cuti Bersama Kenaikan Yesus Kristus", "Ascension Joint Holiday"),
    ],
)
def test_national_days_in_both_languages(d: date, kind: str, name_id: str, name_en: str) -> None:
    assert SchoolCalendar().off_reason(d) == OffDay(kind, name_id)  # type: ignore[arg-type]
    assert SchoolCalendar(language="en").off_reason(d) == OffDay(kind, name_en)  # type: ignore[arg-type]


def test_language_variants_share_one_table() -> None:
    assert national_off_days(2026, "en_US") is national_off_days(2026, "en")
    assert national_off_days(2026, "id-ID") is national_off_days(2026, "id")
    assert national_off_days(2026, "xx") is national_off_days(2026, "id")


def test_national_table_is_cached_across_instances() -> None:
    national_off_days.cache_clear()
    for _ in range(50):
        SchoolCalendar().off_reason(date(2027, 3, 3))
        SchoolCalendar(6, [EXAMS]).off_reason(date(2027, 3, 4))
    info = national_off_days.cache_info()
    assert info.misses == 1


def test_years_without_data_are_empty_not_errors() -> None:
    assert SchoolCalendar().off_reason(date(1900, 1, 2)) is None  # a Tuesday
    assert SchoolCalendar().is_school_day(date(2300, 1, 2)) in (True, False)


def test_cuti_bersama_can_be_switched_off() -> None:
    cal = SchoolCalendar(include_cuti_bersama=False)
    assert cal.off_reason(date(2026, 12, 24)) is None
    assert cal.off_reason(date(2026, 12, 25)) == OffDay("holiday", "Hari Raya Natal")


@pytest.mark.parametrize(
    ("working_days", "d", "expected"),
    [
        (5, date(2026, 11, 21), OffDay("weekend", "Sabtu")),
        (5, date(2026, 11, 22), OffDay("weekend", "Minggu")),
        (6, date(2026, 11, 21), None),
        (6, date(2026, 11, 22), OffDay("weekend", "Minggu")),
        (5, date(2026, 11, 20), None),
    ],
)
def test_weekends(working_days: int, d: date, expected: OffDay | None) -> None:
    assert SchoolCalendar(working_days).off_reason(d) == expected


def test_weekend_names_in_english() -> None:
    assert SchoolCalendar(5, language="en").off_reason(date(2026, 11, 21)) == OffDay("weekend", "Saturday")


def test_community_ranges() -> None:
    cal = SchoolCalendar(5, [EXAMS, CommunityOffDay(date(2026, 11, 25), date(2026, 11, 25), "Hari Guru")])
    assert cal.off_reason(date(2026, 11, 25)) == OffDay("community", "Hari Guru")
    assert cal.off_reason(date(2026, 12, 1)) == OffDay("community", "Ujian semester")
    assert cal.off_reason(date(2026, 12, 11)) == OffDay("community", "Ujian semester")
    assert cal.off_reason(date(2026, 12, 12)) == OffDay("community", "Ujian semester")  # outranks weekend
    assert cal.off_reason(date(2026, 12, 14)) is None
    assert cal.off_reason(date(2026, 11, 30)) is None
    assert not cal.is_school_day(date(2026, 12, 2))
    assert cal.is_school_day(date(2026, 12, 14))


def test_holiday_outranks_community_range() -> None:
    cal = SchoolCalendar(5, [CommunityOffDay(date(2026, 12, 20), date(2027, 1, 3), "Libur semester")])
    assert cal.off_reason(date(2026, 12, 25)) == OffDay("holiday", "Hari Raya Natal")
    assert cal.off_reason(date(2026, 12, 28)) == OffDay("community", "Libur semester")


def test_overlapping_ranges_found_even_when_a_later_one_ends_earlier() -> None:
    long = CommunityOffDay(date(2026, 7, 1), date(2026, 7, 31), "Libur panjang")
    short = CommunityOffDay(date(2026, 7, 6), date(2026, 7, 7), "MPLS")
    cal = SchoolCalendar(6, [short, long])
    assert cal.community_off_day(date(2026, 7, 7)) == short  # most specific
    assert cal.community_off_day(date(2026, 7, 20)) == long
    assert cal.community_off_day(date(2026, 8, 1)) is None
    assert cal.community_off_day(date(2026, 6, 30)) is None


@given(
    st.lists(
        st.tuples(st.integers(0, 60), st.integers(0, 10)).map(
            lambda t: CommunityOffDay(date.fromordinal(740000 + t[0]), date.fromordinal(740000 + t[0] + t[1]), "x")
        ),
        max_size=10,
    ),
    st.integers(-5, 80),
)
def test_community_lookup_matches_brute_force(ranges: list[CommunityOffDay], offset: int) -> None:
    d = date.fromordinal(740000 + offset)
    found = SchoolCalendar(6, ranges).community_off_day(d)
    covering = [r for r in ranges if d in r]
    assert (found is None) == (not covering)
    if found is not None:
        assert d in found


def test_community_off_day_validates() -> None:
    with pytest.raises(ValueError):
        CommunityOffDay(date(2026, 12, 2), date(2026, 12, 1), "x")
    with pytest.raises(ValueError):
        SchoolCalendar(7)


def test_next_school_day_and_listings() -> None:
    cal = SchoolCalendar(5, [EXAMS])
    assert cal.next_school_day(date(2026, 11, 30)) == date(2026, 11, 30)
    assert cal.next_school_day(date(2026, 11, 30), include_today=False) == date(2026, 12, 14)
    assert cal.next_school_day(date(2026, 12, 24)) == date(2026, 12, 28)
    week = cal.off_days_between(date(2026, 12, 21), date(2026, 12, 27))
    assert [(d.day, o.kind) for d, o in week] == [(24, "cuti_bersama"), (25, "holiday")]
    assert len(cal.off_days_between(date(2026, 12, 21), date(2026, 12, 27), include_weekends=True)) == 4
    assert cal.school_days_between(date(2026, 12, 21), date(2026, 12, 27)) == 3
    always_off = SchoolCalendar(5, [CommunityOffDay(date(2026, 1, 1), date(2028, 1, 1), "x")])
    assert always_off.next_school_day(date(2026, 1, 1)) is None


# -------------------------------------------------------------------------------------- parse_off_day

TODAY = date(2026, 11, 20)


@pytest.mark.parametrize(
    ("text", "start", "end", "label"),
    [
        ("1-12 Des Ujian semester", date(2026, 12, 1), date(2026, 12, 12), "Ujian semester"),
        ("1\u201312 Des Ujian semester", date(2026, 12, 1), date(2026, 12, 12), "Ujian semester"),
        ("1 - 12 Dec 2026 Exams", date(2026, 12, 1), date(2026, 12, 12), "Exams"),
        ("1 s/d 12 Desember", date(2026, 12, 1), date(2026, 12, 12), ""),
        ("25/11 Hari Guru Nasional", date(2026, 11, 25), date(2026, 11, 25), "Hari Guru Nasional"),
        ("20/12/2026 - 3/1/2027 Libur semester", date(2026, 12, 20), date(2027, 1, 3), "Libur semester"),
        ("20/12 - 3/1 Libur semester", date(2026, 12, 20), date(2027, 1, 3), "Libur semester"),
        ("2026-12-01 s/d 2026-12-12 PAS", date(2026, 12, 1), date(2026, 12, 12), "PAS"),
        ("2026-12-01..2026-12-12 PAS", date(2026, 12, 1), date(2026, 12, 12), "PAS"),
        ("1/12-12/12 Ujian", date(2026, 12, 1), date(2026, 12, 12), "Ujian"),
        ("5 Des Rapat kerja", date(2026, 12, 5), date(2026, 12, 5), "Rapat kerja"),
        ("besok Study tour", date(2026, 11, 21), date(2026, 11, 21), "Study tour"),
        ("10-12 Jan Workshop", date(2027, 1, 10), date(2027, 1, 12), "Workshop"),
    ],
)
def test_parse_off_day(text: str, start: date, end: date, label: str) -> None:
    assert parse_off_day(text, today=TODAY) == CommunityOffDay(start, end, label)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("Ujian semester", "bad_date"),
        ("31/02 Libur", "bad_date"),
        ("30-31 Feb", "bad_date"),
        ("1/12 - Ujian", "bad_date"),
        ("12/12/2026 - 1/12/2026 x", "range_order"),
        ("12-1 Des", "range_order"),
        ("1/1/2026 - 1/1/2028 x", "range_too_long"),
    ],
)
def test_parse_off_day_errors(text: str, code: str) -> None:
    with pytest.raises(ParseError) as exc:
        parse_off_day(text, today=TODAY)
    assert exc.value.code == code


@given(st.text(max_size=50))
def test_parse_off_day_only_raises_parse_error(text: str) -> None:
    try:
        off = parse_off_day(text, today=TODAY)
    except ParseError:
        return
    assert off.start <= off.end
