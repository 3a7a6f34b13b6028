"""The quiet policy (domain.quiet): days off, private hours, meetings, weekly slots, moved reminders."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from domain.quiet import reminder_instant, send_at, weekly_slot
from domain.rhythm.calendar import CommunityOffDay, SchoolCalendar

WITA = ZoneInfo("Asia/Makassar")
CAL = SchoolCalendar(5)


def at(y, mo, d, h=0, mi=0):
    return datetime(y, mo, d, h, mi, tzinfo=WITA)


def test_a_school_day_afternoon_goes_now_to_the_group_and_in_private():
    now = at(2026, 12, 9, 15)  # a Wednesday
    assert send_at(now, WITA, CAL, private=False) is now
    assert send_at(now, WITA, CAL, private=True) is now


def test_nothing_on_a_weekend_holiday_cuti_bersama_or_own_off_day_unless_scheduled_for_it():
    assert send_at(at(2026, 12, 12, 10), WITA, CAL, private=False) == at(2026, 12, 14, 6)  # Saturday -> Monday
    assert send_at(at(2027, 1, 1, 10), WITA, CAL, private=False) == at(2027, 1, 4, 6)  # New Year (a Friday)
    six = SchoolCalendar(6)
    assert send_at(at(2026, 12, 12, 10), WITA, six, private=False) == at(2026, 12, 12, 10)  # Saturday school
    own = SchoolCalendar(5, [CommunityOffDay(date(2026, 12, 9), date(2026, 12, 10), "Ujian")])
    assert send_at(at(2026, 12, 9, 9), WITA, own, private=True) == at(2026, 12, 11, 6)
    # the PIC scheduled this very thing for that day: it goes
    assert send_at(at(2026, 12, 12, 10), WITA, CAL, private=False, scheduled_for=date(2026, 12, 12)) == (
        at(2026, 12, 12, 10))
    assert send_at(at(2026, 12, 12, 10), WITA, CAL, private=False, scheduled_for=date(2026, 12, 14)) == (
        at(2026, 12, 14, 6))


def test_private_messages_only_between_six_and_eight_local():
    assert send_at(at(2026, 12, 9, 5, 59), WITA, CAL, private=True) == at(2026, 12, 9, 6)
    assert send_at(at(2026, 12, 9, 19, 59), WITA, CAL, private=True) == at(2026, 12, 9, 19, 59)
    assert send_at(at(2026, 12, 9, 20), WITA, CAL, private=True) == at(2026, 12, 10, 6)
    assert send_at(at(2026, 12, 11, 21), WITA, CAL, private=True) == at(2026, 12, 14, 6)  # Friday night -> Monday
    assert send_at(at(2026, 12, 9, 21), WITA, CAL, private=False) == at(2026, 12, 9, 21)  # the group: until 24:00
    assert send_at(at(2026, 12, 9, 0, 30), WITA, CAL, private=False) == at(2026, 12, 9, 6)  # but not before 06:00
    assert send_at(at(2026, 12, 9, 5), WITA, CAL, private=False, scheduled_for=date(2026, 12, 9)) == at(2026, 12, 9, 5)


def test_no_private_message_during_a_meeting_or_the_half_hour_before_it():
    meeting = [(at(2026, 12, 9, 14), at(2026, 12, 9, 15, 30))]
    assert send_at(at(2026, 12, 9, 13, 29), WITA, CAL, private=True, meetings=meeting) == at(2026, 12, 9, 13, 29)
    assert send_at(at(2026, 12, 9, 13, 30), WITA, CAL, private=True, meetings=meeting) == at(2026, 12, 9, 15, 30)
    assert send_at(at(2026, 12, 9, 15), WITA, CAL, private=True, meetings=meeting) == at(2026, 12, 9, 15, 30)
    assert send_at(at(2026, 12, 9, 15), WITA, CAL, private=False, meetings=meeting) == at(2026, 12, 9, 15)
    late = [(at(2026, 12, 11, 19), at(2026, 12, 11, 20, 30))]  # ends after 20:00 on a Friday -> Monday 06:00
    assert send_at(at(2026, 12, 11, 18, 45), WITA, CAL, private=True, meetings=late) == at(2026, 12, 14, 6)
    back_to_back = [(at(2026, 12, 9, 14), at(2026, 12, 9, 15)), (at(2026, 12, 9, 15, 20), at(2026, 12, 9, 16))]
    assert send_at(at(2026, 12, 9, 14, 30), WITA, CAL, private=True, meetings=back_to_back) == at(2026, 12, 9, 16)


def test_a_year_without_school_gives_none():
    never = SchoolCalendar(5, [CommunityOffDay(date(2026, 12, 1), date(2027, 11, 30)),
                               CommunityOffDay(date(2027, 12, 1), date(2028, 11, 30))])
    assert send_at(at(2026, 12, 9, 10), WITA, never, private=False) is None


def test_weekly_slot_moves_back_to_the_last_school_day_of_its_week_or_skips_the_week():
    friday_15 = (4, 15 * 60)
    assert weekly_slot(CAL, WITA, *friday_15, at(2026, 12, 7, 8)) == at(2026, 12, 11, 15)
    assert weekly_slot(CAL, WITA, *friday_15, at(2026, 12, 31, 8)) == at(2026, 12, 31, 15)  # 1 Jan is off
    assert weekly_slot(CAL, WITA, *friday_15, at(2026, 12, 31, 16)) == at(2027, 1, 8, 15)  # past: next week
    assert weekly_slot(CAL, WITA, *friday_15, at(2027, 3, 8, 8)) == at(2027, 3, 19, 15)  # 8-12 March: no school
    assert weekly_slot(CAL, WITA, *friday_15, at(2026, 12, 11, 15)) == at(2026, 12, 18, 15)  # strictly after


def test_a_reminder_on_a_day_off_moves_to_the_last_school_day_before_within_a_week():
    monday = at(2026, 12, 14, 14)
    assert reminder_instant(monday, 1440, CAL) == at(2026, 12, 11, 14)  # Sunday -> Friday
    assert reminder_instant(monday, 60, CAL) == at(2026, 12, 14, 13)
    tuesday = at(2026, 12, 15, 14)
    assert reminder_instant(tuesday, 1440, CAL) == at(2026, 12, 14, 14)
    # the meeting's own day counts only when it takes place (a skip notice on a holiday moves too)
    new_year = at(2027, 1, 1, 14)
    assert reminder_instant(new_year, 60, CAL) == at(2027, 1, 1, 13)
    assert reminder_instant(new_year, 60, CAL, meeting_day=False) == at(2026, 12, 31, 13)
    # a "tomorrow" a week early is no reminder: when the week before has no school day, a meeting that is held
    # is announced at 07:00 on its own day; a skip notice is dropped
    assert reminder_instant(at(2027, 3, 16, 14), 1440, CAL) == at(2027, 3, 16, 7)  # 8-15 March 2027: Nyepi, Idul Fitri
    assert reminder_instant(at(2027, 3, 16, 14), 1440, CAL, meeting_day=False) is None
