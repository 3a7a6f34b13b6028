"""Times of private reminders and nudges land on school days at sensible hours, never on a Sunday, a
holiday or at midnight."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from domain.cycle.ops import local_ts, reminder_time
from domain.cycle.rtl import due_reminder_at
from domain.rhythm.calendar import CommunityOffDay, SchoolCalendar
from domain.rhythm.hours import nudge_at, period_bounds

WITA = ZoneInfo("Asia/Makassar")
FIVE = SchoolCalendar(5)


def local(dt: datetime) -> datetime:
    return dt.astimezone(WITA)


def test_last_school_day():
    assert FIVE.last_school_day(date(2026, 12, 6)) == date(2026, 12, 4)  # Sunday -> Friday
    assert FIVE.last_school_day(date(2026, 12, 7)) == date(2026, 12, 7)
    assert FIVE.last_school_day(date(2026, 12, 7), include_today=False) == date(2026, 12, 4)
    assert SchoolCalendar(6).last_school_day(date(2026, 12, 6)) == date(2026, 12, 5)  # Saturday school
    assert FIVE.last_school_day(date(2027, 1, 3), within_days=1) is None


def test_nudge_mid_period_on_a_school_afternoon():
    # December 2026: the middle is Wednesday 16th
    month = period_bounds("month", date(2026, 12, 10), WITA)
    assert local(nudge_at(month, WITA, FIVE.is_school_day)) == datetime(2026, 12, 16, 15, tzinfo=WITA)
    # November 2026 has 30 days: the middle (16th) was midnight before; now 15:00 on Monday 16th
    nov = period_bounds("month", date(2026, 11, 3), WITA)
    assert local(nudge_at(nov, WITA, FIVE.is_school_day)) == datetime(2026, 11, 16, 15, tzinfo=WITA)
    # August 2026: the middle is Sunday 16th, and 17th is Independence Day -> Tuesday 18th
    aug = period_bounds("month", date(2026, 8, 3), WITA)
    assert local(nudge_at(aug, WITA, FIVE.is_school_day)) == datetime(2026, 8, 18, 15, tzinfo=WITA)
    # a week: Thursday; a community off-day on Thursday and Friday, and Saturday and Sunday are off too:
    # no school day is left from the middle of the week, so that week has no nudge (not one on a day off)
    week = period_bounds("week", date(2026, 12, 8), WITA)
    assert local(nudge_at(week, WITA, FIVE.is_school_day)) == datetime(2026, 12, 10, 15, tzinfo=WITA)
    off = SchoolCalendar(5, [CommunityOffDay(date(2026, 12, 10), date(2026, 12, 11), "PAS")])
    assert nudge_at(week, WITA, off.is_school_day) is None
    assert local(nudge_at(week, WITA, SchoolCalendar(6, off.community_off_days).is_school_day)) == datetime(
        2026, 12, 12, 15, tzinfo=WITA)  # a six-day school still has Saturday
    off_thu = SchoolCalendar(5, [CommunityOffDay(date(2026, 12, 10), date(2026, 12, 10), "Rapat")])
    assert local(nudge_at(week, WITA, off_thu.is_school_day)) == datetime(2026, 12, 11, 15, tzinfo=WITA)


def test_no_nudge_in_the_week_of_nyepi_and_idul_fitri_2027():
    # 8 March 2027 Nyepi, 9 cuti bersama, 10-11 Idul Fitri, 12 cuti bersama: the nudge was sent on Idul Fitri
    week = period_bounds("week", date(2027, 3, 8), WITA)
    assert nudge_at(week, WITA, FIVE.is_school_day) is None
    next_week = period_bounds("week", date(2027, 3, 15), WITA)  # 15 March cuti bersama; Thursday 18th is school
    assert local(nudge_at(next_week, WITA, FIVE.is_school_day)) == datetime(2027, 3, 18, 15, tzinfo=WITA)


@given(st.dates(min_value=date(2026, 1, 1), max_value=date(2028, 12, 31)), st.sampled_from(["week", "month"]))
def test_nudge_always_inside_its_period_on_a_school_afternoon(day, kind):
    period = period_bounds(kind, day, WITA)
    at = nudge_at(period, WITA, FIVE.is_school_day)
    middle = period.start_date + timedelta(days=(period.end_date - period.start_date).days // 2)
    if at is None:  # only when no school day is left from the middle on
        assert FIVE.school_days_between(middle + timedelta(days=1), period.end_date) == 0
        return
    assert period.start_utc <= at < period.end_utc
    assert local(at).hour == 15 and FIVE.is_school_day(local(at).date())
    assert local(at).date() >= middle


def test_stage_reminder_on_the_last_school_day_before_closing():
    tz = "Asia/Makassar"
    opens = local_ts(date(2026, 11, 24), 7, tz)
    closes = local_ts(date(2026, 12, 7), 7, tz)  # Monday's meeting
    assert reminder_time(opens, closes, tz, FIVE.is_school_day) == local_ts(date(2026, 12, 4), 15, tz)  # Friday
    thursday_close = local_ts(date(2026, 12, 10), 7, tz)
    assert reminder_time(opens, thursday_close, tz, FIVE.is_school_day) == local_ts(date(2026, 12, 9), 15, tz)
    # Christmas: closes Monday 28th; Friday 25th is a holiday (and 24th cuti bersama) -> Wednesday 23rd
    xmas = local_ts(date(2026, 12, 28), 7, tz)
    at = reminder_time(opens, xmas, tz, FIVE.is_school_day)
    assert FIVE.is_school_day(datetime.fromtimestamp(at, WITA).date()) and at < local_ts(date(2026, 12, 24), 0, tz)
    # a stage opened on Saturday closing Monday: no school day in between -> the old rule (16 h before)
    short_open = local_ts(date(2026, 12, 5), 9, tz)
    assert reminder_time(short_open, closes, tz, FIVE.is_school_day) == closes - 16 * 3600


def test_rtl_reminder_on_a_school_morning():
    monday = date(2026, 12, 14)
    at = due_reminder_at(monday, WITA, is_school_day=FIVE.is_school_day)
    assert local(at) == datetime(2026, 12, 11, 7, tzinfo=WITA)  # Friday 07:00, not Sunday
    assert due_reminder_at(monday, WITA) == datetime(2026, 12, 13, 7, tzinfo=WITA).astimezone(UTC)  # plain rule
    wednesday = date(2026, 12, 16)
    assert local(due_reminder_at(wednesday, WITA, is_school_day=FIVE.is_school_day)).date() == date(2026, 12, 15)


def test_rtl_reminder_never_on_a_holiday_nor_before_the_item_was_made():
    # due Tuesday 16 March 2027: no school day in the week before (Nyepi, Idul Fitri, cuti bersama) -> the
    # morning of the due day, not 07:00 on cuti bersama Monday
    at = due_reminder_at(date(2027, 3, 16), WITA, is_school_day=FIVE.is_school_day)
    assert local(at) == datetime(2027, 3, 16, 7, tzinfo=WITA)
    # made at 00:01 on New Year's Day for Monday 4 January: the Thursday before is past -> Monday 07:00, not
    # at once (a private message at midnight on a holiday)
    made = datetime(2027, 1, 1, 0, 1, tzinfo=WITA)
    at = due_reminder_at(date(2027, 1, 4), WITA, is_school_day=FIVE.is_school_day, after=made)
    assert local(at) == datetime(2027, 1, 4, 7, tzinfo=WITA)
    assert due_reminder_at(date(2027, 1, 4), WITA, is_school_day=FIVE.is_school_day) < made  # (without `after`)
    # made in time: the usual rule
    early = datetime(2026, 12, 28, 9, tzinfo=WITA)
    at = due_reminder_at(date(2027, 1, 4), WITA, is_school_day=FIVE.is_school_day, after=early)
    assert local(at) == datetime(2026, 12, 31, 7, tzinfo=WITA)
    # due today, made after 07:00: nothing school-day is left -> the plain day before (sent at once)
    late = datetime(2026, 12, 15, 9, tzinfo=WITA)
    at = due_reminder_at(date(2026, 12, 15), WITA, is_school_day=FIVE.is_school_day, after=late)
    assert local(at) == datetime(2026, 12, 14, 7, tzinfo=WITA)
