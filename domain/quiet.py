"""When the bot may speak: the quiet policy every scheduled send asks first (issue 14).

- **Days off.** Nothing goes out — to the group or in private — on a community's non-school day (its weekend,
  national holidays, *cuti bersama* unless switched off, its own off-days) unless the PIC scheduled that very
  thing for that day (``scheduled=True``: a meeting's reminders on the meeting's day). Held back, it goes at
  ``DAY_OPENS`` on the next school day.
- **Private hours.** Private messages only between ``DAY_OPENS`` (06:00) and ``DAY_CLOSES`` (20:00) local; in
  the group nothing before 06:00 either (unless scheduled for that day), so a post held over a day off does not
  go out at midnight.
- **Meetings.** No private message during a meeting of the member's community, nor in the ``BEFORE_MEETING``
  (30 minutes) before it starts: it waits for the meeting's end.

:func:`send_at` returns ``now`` when the message may go now, else the first instant it may go. What a deferred
message still means by then is the caller's business (a stage reminder after its stage closed is dropped);
the caller keeps its outbox key, so a deferred send is neither lost nor sent twice.

Weekly slots (the weekly summary) use :func:`weekly_slot`: the configured weekday and time, moved back to the
last school day of that week when the day is off; a week with no school day up to the slot has none.
A meeting reminder that falls on a day off other than the meeting's own moves back to the same time on the
last school day before (:func:`reminder_instant`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, tzinfo

from domain.rhythm.calendar import SchoolCalendar

__all__ = ["BEFORE_MEETING", "DAY_CLOSES", "DAY_OPENS", "reminder_instant", "send_at", "weekly_slot"]

DAY_OPENS = time(6, 0)
DAY_CLOSES = time(20, 0)
BEFORE_MEETING = timedelta(minutes=30)
_HORIZON_DAYS = 400  # the calendar's own look-ahead is a year; beyond that we give up (None)


def send_at(
    now: datetime,
    tz: tzinfo,
    calendar: SchoolCalendar,
    *,
    private: bool,
    scheduled_for: date | None = None,
    meetings: Iterable[tuple[datetime, datetime]] = (),
) -> datetime | None:
    """``now`` if a message may go now, else the first instant it may (None: not within a year).

    ``private``: to a person (hours and meetings apply) rather than the group. ``scheduled_for``: the local
    day the PIC scheduled this very thing for; on that day the days-off rule does not apply.
    ``meetings``: (start, end) of the community's meetings (aware datetimes), for private messages.
    """
    windows = sorted((s - BEFORE_MEETING, e) for s, e in meetings) if private else []
    t = now.astimezone(tz)
    for _ in range(_HORIZON_DAYS * 4):
        d = t.date()
        if d != scheduled_for and not calendar.is_school_day(d):
            nxt = calendar.next_school_day(d, include_today=False)
            if nxt is None:
                return None
            t = _at(nxt, DAY_OPENS, tz)
            continue
        if t.time() < DAY_OPENS and (private or d != scheduled_for):
            t = _at(d, DAY_OPENS, tz)
            continue
        if private and t.time() >= DAY_CLOSES:
            t = _at(d + timedelta(days=1), DAY_OPENS, tz)
            continue
        inside = next((e for s, e in windows if s <= t < e), None)
        if inside is not None:
            t = inside.astimezone(tz)
            continue
        return now if t <= now else t
    return None


def _at(d: date, hm: time, tz: tzinfo) -> datetime:
    return datetime.combine(d, hm, tzinfo=tz)


def weekly_slot(calendar: SchoolCalendar, tz: tzinfo, weekday: int, minute: int, after: datetime) -> datetime | None:
    """The first weekly slot strictly after ``after``: ``weekday`` (0 = Monday) at ``minute`` past midnight
    local, or — that day being off — the same time on the last school day of that week before it; a week with
    no school day from Monday to the slot's day is skipped (None after a year of such weeks)."""
    local = after.astimezone(tz)
    monday = local.date() - timedelta(days=local.weekday())
    hm = time(minute // 60, minute % 60)
    for _ in range(54):
        nominal = monday + timedelta(days=weekday)
        day = calendar.last_school_day(nominal, within_days=weekday)
        if day is not None and _at(day, hm, tz) > local:
            return _at(day, hm, tz)
        monday += timedelta(days=7)
    return None


def reminder_instant(start: datetime, offset_min: int, calendar: SchoolCalendar, *,
                     meeting_day: bool = True) -> datetime | None:
    """When the reminder ``offset_min`` before a meeting at ``start`` (aware, local) goes: then, or — that
    falling on a day off other than the meeting's day (``meeting_day=False``: a skip notice, no day is the
    meeting's) — at the same time on the last school day before it. When the week before has no school day
    (a "tomorrow" a week early is no reminder), a meeting that is held is announced at 07:00 on its own day
    (if it starts later than that); otherwise None (dropped)."""
    at = start - timedelta(minutes=offset_min)
    if (meeting_day and at.date() == start.date()) or calendar.is_school_day(at.date()):
        return at
    day = calendar.last_school_day(at.date(), include_today=False, within_days=7)
    if day is not None:
        return datetime.combine(day, at.timetz())
    morning = start.replace(hour=7, minute=0, second=0, microsecond=0)
    return morning if meeting_day and morning < start else None
