"""The domain additions of the weekly rhythm: changes to planned meetings, reminder offsets, learning-hour
targets, and a weekly plan with its off-day reasons."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from domain.rhythm.calendar import CommunityOffDay, SchoolCalendar, plan_weekly
from domain.rhythm.durations import ParseError
from domain.rhythm.hours import TargetSpec, parse_target
from domain.rhythm.schedule import ChangeSpec, parse_change, parse_offsets

MKS = ZoneInfo("Asia/Makassar")
NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # Tuesday 09:00 WITA
ROLES = {"operator": "staff", "agama": "religion"}


@pytest.mark.parametrize(("action", "text", "expected"), [
    ("cancel", "26/11 rapat dinas", ChangeSpec("cancel", date(2026, 11, 26), reason="rapat dinas")),
    ("cancel", "26/11 seri akhir semester", ChangeSpec("cancel", date(2026, 11, 26), True, reason="akhir semester")),
    ("move", "26/11 27/11 14:00 rapat dinas",
     ChangeSpec("move", date(2026, 11, 26), False, date(2026, 11, 27), time(14), None, "rapat dinas")),
    ("move", "26/11 jam 15.30", ChangeSpec("move", date(2026, 11, 26), new_time=time(15, 30))),
    ("move", "26/11 series fri 3pm new term",
     ChangeSpec("move", date(2026, 11, 26), True, None, time(15), (4,), "new term")),
])
def test_parse_change(action, text, expected):
    assert parse_change(action, text, now=NOW, tz=MKS) == expected


@pytest.mark.parametrize(("action", "text", "code"), [
    ("cancel", "", "empty"),
    ("cancel", "besok-besok", "bad_date"),
    ("move", "26/11 karena hujan", "no_change"),
    ("move", "26/11 29/11 14:00", "not_working_day"),
    ("move", "26/11 seri Minggu 14:00", "not_working_day"),
    ("move", "26/11 1/12/2027", "too_far"),
    ("move", "26/11 31/02", "bad_date"),
])
def test_parse_change_errors(action, text, code):
    with pytest.raises(ParseError) as err:
        parse_change(action, text, now=NOW, tz=MKS)
    assert err.value.code == code


def test_parse_offsets():
    assert parse_offsets("1440 60") == (1440, 60)
    assert parse_offsets("30m, 24j 30") == (1440, 30)
    for text, code in (("", "empty"), ("2", "offset_range"), ("8 hari", "bad_duration"),
                       ("10 20 30 40", "too_many"), ("20000", "offset_range")):
        with pytest.raises(ParseError) as err:
            parse_offsets(text)
        assert err.value.code == code, text


@pytest.mark.parametrize(("text", "expected"), [
    ("8 jam per bulan", TargetSpec(480, "month", None)),
    ("2 jam seminggu", TargetSpec(120, "week", None)),
    ("1,5 jam per minggu", TargetSpec(90, "week", None)),
    ("8", TargetSpec(480, None, None)),
    ("4 jam per bulan untuk operator", TargetSpec(240, "month", "staff")),
    ("8 hours per month", TargetSpec(480, "month", None)),
    ("0", TargetSpec(0, None, None)),
])
def test_parse_target(text, expected):
    assert parse_target(text, ROLES) == expected


@pytest.mark.parametrize(("text", "code"), [
    ("", "empty"), ("per bulan", "bad_duration"), ("banyak sekali", "bad_role"),
    ("200 jam per bulan", "target_range"), ("41 jam per minggu", "target_range"),
])
def test_parse_target_errors(text, code):
    with pytest.raises(ParseError) as err:
        parse_target(text, ROLES)
    assert err.value.code == code


def test_plan_weekly_marks_off_days_and_drops_weekends():
    cal = SchoolCalendar(5, [CommunityOffDay(date(2026, 12, 1), date(2026, 12, 12), "Ujian")])
    start, end = datetime(2026, 11, 23, tzinfo=MKS), datetime(2026, 12, 31, tzinfo=MKS)
    plan = plan_weekly((3, 5), time(14), 90, MKS, start.astimezone(UTC), end.astimezone(UTC), cal)
    assert all(occ.local_date.weekday() == 3 for occ, _ in plan)  # Saturday is not a school day here
    reasons = {occ.local_date: (r.kind, r.name) if r else None for occ, r in plan}
    assert reasons[date(2026, 11, 26)] is None
    assert reasons[date(2026, 12, 3)] == ("community", "Ujian")
    assert reasons[date(2026, 12, 24)] == ("cuti_bersama", "Cuti Bersama Hari Raya Natal")
