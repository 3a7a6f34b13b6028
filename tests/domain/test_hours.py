from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.rhythm.durations import ParseError
from domain.rhythm.hours import (
    LogSpec,
    Period,
    Progress,
    behind,
    elapsed_fraction,
    is_behind,
    parse_log,
    period_bounds,
    progress,
    target_for,
)

JKT = ZoneInfo("Asia/Jakarta")
JAY = ZoneInfo("Asia/Jayapura")
NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # Friday 10:00 WIB
TODAY = date(2026, 11, 20)


def log(text: str, *, now: datetime = NOW, tz: ZoneInfo = JKT) -> LogSpec:
    return parse_log(text, now=now, tz=tz)


@pytest.mark.parametrize(
    ("text", "minutes", "what", "on_date"),
    [
        ("/log 90 webinar Ruang GTK asesmen formatif", 90, "webinar Ruang GTK asesmen formatif", TODAY),
        ("90 webinar Ruang GTK asesmen formatif", 90, "webinar Ruang GTK asesmen formatif", TODAY),
        ("/catat 1,5 jam pelatihan", 90, "pelatihan", TODAY),
        ("/catat@KombelBot 1,5 jam pelatihan", 90, "pelatihan", TODAY),
        ("/log 2h workshop kemarin", 120, "workshop", date(2026, 11, 19)),
        ("/log 2h workshop yesterday", 120, "workshop", date(2026, 11, 19)),
        ("/log 45 membaca modul 20/11", 45, "membaca modul", TODAY),
        ("/log 45 membaca modul 2026-11-20", 45, "membaca modul", TODAY),
        ("/log 45 membaca modul 18/11/2026", 45, "membaca modul", date(2026, 11, 18)),
        ("/log 45 membaca modul pada 18/11", 45, "membaca modul", date(2026, 11, 18)),
        ("/log 45 kemarin baca modul", 45, "baca modul", date(2026, 11, 19)),
        ("/log 45 kemarin: baca modul", 45, "baca modul", date(2026, 11, 19)),
        ("/log 60 baca 15 Nov", 60, "baca", date(2026, 11, 15)),
        ("/log 60 lesson study 15 November 2026", 60, "lesson study", date(2026, 11, 15)),
        ("/log 60 baca bab 3-4", 60, "baca bab 3-4", TODAY),
        ("/log 60 diskusi kemarin sore", 60, "diskusi kemarin sore", TODAY),
        ("/log 1 jam 30 menit KKG", 90, "KKG", TODAY),
        ("/log 1 hour 30 minutes MGMP online", 90, "MGMP online", TODAY),
        ("/log 1:30 refleksi", 90, "refleksi", TODAY),
        ("/log 60", 60, "", TODAY),
        ("/log 60 - observasi kelas", 60, "observasi kelas", TODAY),
        ("/log 30 hari ini refleksi", 30, "refleksi", TODAY),
        ("12 jam pelatihan daring", 720, "pelatihan daring", TODAY),
    ],
)
def test_parse_log(text: str, minutes: int, what: str, on_date: date) -> None:
    assert log(text) == LogSpec(minutes, what, on_date)


def test_year_less_date_in_january_means_last_december() -> None:
    now = datetime(2027, 1, 5, 3, 0, tzinfo=UTC)
    assert log("/log 60 baca 28/12", now=now).on_date == date(2026, 12, 28)


def test_today_is_local_not_utc() -> None:
    # 16:00 UTC on the 19th is already the 20th in Jayapura (UTC+9).
    now = datetime(2026, 11, 19, 16, 0, tzinfo=UTC)
    assert log("/log 60 baca 20/11", now=now, tz=JAY).on_date == TODAY
    with pytest.raises(ParseError) as exc:
        log("/log 60 baca 20/11", now=now, tz=JKT)
    assert exc.value.code == "future"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("/log", "empty"),
        ("/log   ", "empty"),
        ("/log webinar 90", "bad_duration"),
        ("/log abc", "bad_duration"),
        ("/log 0 webinar", "zero"),
        ("/log 0 jam", "zero"),
        ("/log -30 webinar", "zero"),
        ("/log 13 jam", "too_long"),
        ("/log 721", "too_long"),
        ("/log 60 baca 21/11", "future"),
        ("/log 60 besok", "future"),
        ("/log 60 baca 2026-12-01", "future"),
        ("/log 60 baca 20/10", "too_old"),
        ("/log 60 baca 2025-11-20", "too_old"),
        ("/log 60 baca 31/02", "bad_date"),
    ],
)
def test_parse_log_errors(text: str, code: str) -> None:
    with pytest.raises(ParseError) as exc:
        log(text)
    assert exc.value.code == code


def test_thirty_days_back_is_still_allowed() -> None:
    assert log("/log 60 baca 21/10").on_date == date(2026, 10, 21)


@given(
    st.one_of(
        st.text(max_size=60),
        st.lists(
            st.sampled_from(["/log", "90", "1,5", "jam", "-30", "0", "kemarin", "20/11", "31/02", "2h", "x", "Nov",
                             "2026-11-20", "besok", "pada", ":", "99999"]),
            max_size=7,
        ).map(" ".join),
    )
)
def test_parse_log_only_raises_parse_error(text: str) -> None:
    try:
        spec = log(text)
    except ParseError:
        return
    assert 0 < spec.minutes <= 720
    assert (TODAY - spec.on_date).days in range(0, 31)


# -------------------------------------------------------------------------------------------- periods


def test_week_bounds_start_monday_local() -> None:
    p = period_bounds("week", date(2026, 11, 20), JKT)
    assert p == Period(
        datetime(2026, 11, 15, 17, 0, tzinfo=UTC), datetime(2026, 11, 22, 17, 0, tzinfo=UTC),
        date(2026, 11, 16), date(2026, 11, 22),
    )
    assert period_bounds("week", date(2026, 11, 16), JKT) == p
    assert period_bounds("week", date(2026, 11, 22), JKT) == p


@pytest.mark.parametrize(
    ("d", "start", "end"),
    [
        (date(2026, 11, 20), date(2026, 11, 1), date(2026, 11, 30)),
        (date(2026, 12, 31), date(2026, 12, 1), date(2026, 12, 31)),
        (date(2028, 2, 10), date(2028, 2, 1), date(2028, 2, 29)),
        (date(2027, 1, 1), date(2027, 1, 1), date(2027, 1, 31)),
    ],
)
def test_month_bounds(d: date, start: date, end: date) -> None:
    p = period_bounds("month", d, JAY)
    assert (p.start_date, p.end_date) == (start, end)
    assert p.start_utc == datetime(start.year, start.month, start.day, tzinfo=JAY)
    assert p.end_utc.astimezone(JAY).date() == date.fromordinal(end.toordinal() + 1)
    start_utc, end_utc, start_date, end_date = p  # also usable as a plain tuple
    assert start_utc < end_utc


def test_unknown_period_kind() -> None:
    with pytest.raises(ValueError):
        period_bounds("year", TODAY, JKT)  # type: ignore[arg-type]


def test_elapsed_fraction() -> None:
    p = period_bounds("week", TODAY, JKT)
    assert elapsed_fraction(p, p.start_utc) == 0.0
    assert elapsed_fraction(p, p.end_utc) == 1.0
    assert elapsed_fraction(p, datetime(2020, 1, 1, tzinfo=UTC)) == 0.0
    assert elapsed_fraction(p, datetime(2030, 1, 1, tzinfo=UTC)) == 1.0
    assert elapsed_fraction(p, datetime(2026, 11, 19, 5, 0, tzinfo=UTC)) == pytest.approx(0.5)


# ------------------------------------------------------------------------------------------- progress


@pytest.mark.parametrize(
    ("role", "expected"),
    [("guru", 240), ("operator", 120), (None, 240), ("kepala_sekolah", 240)],
)
def test_target_for(role: str | None, expected: int) -> None:
    assert target_for(role, {None: 240, "operator": 120}) == expected


def test_target_for_without_default_is_zero() -> None:
    assert target_for("guru", {"operator": 120}) == 0
    assert target_for("guru", {}) == 0


@pytest.mark.parametrize(
    ("minutes", "target", "elapsed", "expected"),
    [
        (0, 600, 0.1, False),  # too early to judge
        (0, 600, 0.5, True),
        (240, 600, 0.5, False),  # 240 >= 0.8 * 300
        (239, 600, 0.5, True),
        (600, 600, 0.9, False),  # target met
        (0, 0, 1.0, False),  # no target
        (479, 600, 1.0, True),
    ],
)
def test_is_behind(minutes: int, target: int, elapsed: float, expected: bool) -> None:
    assert is_behind(minutes, target, elapsed) is expected


def test_progress_and_behind() -> None:
    rows = progress({1: 300, 2: 60, 3: 600}, 600, elapsed_fraction=0.5, members=[1, 2, 3, 4])
    assert [p.member_id for p in rows] == [3, 1, 2, 4]
    by_id = {p.member_id: p for p in rows}
    assert by_id[1] == Progress(1, 300, 600, 0.5, True)
    assert by_id[4] == Progress(4, 0, 600, 0.0, False)
    assert by_id[3].met and by_id[3].remaining == 0
    assert by_id[2].remaining == 540
    assert [p.member_id for p in behind(rows, 0.5)] == [4, 2]
    assert behind(rows, 0.1) == []


def test_progress_with_role_targets() -> None:
    targets = {None: 600, "operator": 120}
    roles = {1: "guru", 2: "operator"}
    per_member = {m: target_for(r, targets) for m, r in roles.items()}
    rows = {p.member_id: p for p in progress({1: 200, 2: 100}, per_member, elapsed_fraction=0.75)}
    assert rows[1].target_minutes == 600 and not rows[1].on_track
    assert rows[2].target_minutes == 120 and rows[2].on_track


def test_progress_without_target() -> None:
    [row] = progress({1: 30}, 0, elapsed_fraction=0.9)
    assert row.ratio == 1.0 and row.on_track
