"""When surveys close and when the weekly pulse goes out (pure code: ``now`` is always passed in).

Closing option, after ``tutup`` / ``close``::

    2j   2 jam   90m   1j30   2h   90 min        a duration from now (any form of parse_duration)
    2 hari   3d   1 day                           days from now
    Jumat 15:00   fri 3pm   26/11 15.00   besok 10:00     the next such local time

Weekly slot (``/survei jadwal pulse Kamis 16:00``): one day name and a time.

Errors are :class:`~domain.rhythm.durations.ParseError` with codes ``bad_close`` (unreadable), ``close_past``
(not in the future), ``close_range`` (less than 5 minutes or more than 30 days ahead) and ``bad_slot``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from domain.rhythm.durations import ParseError, parse_duration
from domain.rhythm.schedule import next_occurrences, occurrence_once, parse_schedule

MIN_OPEN_S = 5 * 60
MAX_OPEN_S = 30 * 86400
_DAYS_RE = re.compile(r"^(\d{1,2})\s*(hari|hr|d|day|days)$", re.IGNORECASE)


def parse_close(text: str, *, now: datetime, tz: tzinfo) -> int:
    """The closing time (unix seconds) for the words after ``tutup``/``close``."""
    s = " ".join((text or "").split())
    if not s:
        raise ParseError("bad_close", text)
    now_ts = int(now.timestamp())
    if m := _DAYS_RE.match(s):
        seconds = int(m[1]) * 86400
    else:
        try:
            seconds = parse_duration(s) * 60
        except ParseError:
            return _check(_at_time(s, now, tz), now_ts)
    return _check(now_ts + seconds, now_ts)


def _at_time(s: str, now: datetime, tz: tzinfo) -> int:
    try:
        spec = parse_schedule(s, now=now, tz=tz, working_days=6)
    except ParseError as exc:
        raise ParseError("close_past" if exc.code == "past" else "bad_close", s) from None
    if spec.place or spec.link or spec.agenda:
        raise ParseError("bad_close", s)
    if spec.kind == "once" and spec.date is not None:
        return int(occurrence_once(spec.date, spec.start_time, 1, tz).start_utc.timestamp())
    nxt = next_occurrences(spec.weekdays, spec.start_time, 1, tz, now)
    return int(nxt[0].start_utc.timestamp())


def _check(closes_at: int, now_ts: int) -> int:
    if closes_at <= now_ts:
        raise ParseError("close_past")
    if not MIN_OPEN_S <= closes_at - now_ts <= MAX_OPEN_S:
        raise ParseError("close_range")
    return closes_at


def parse_weekly_slot(text: str, *, now: datetime, tz: tzinfo) -> tuple[int, int]:
    """``"Kamis 16:00"`` → (3, 960): weekday (0 = Monday) and local minute of the day."""
    try:
        spec = parse_schedule(text, now=now, tz=tz, working_days=6)
    except ParseError:
        raise ParseError("bad_slot", text) from None
    if spec.kind != "weekly" or len(spec.weekdays) != 1 or spec.place or spec.link or spec.agenda:
        raise ParseError("bad_slot", text)
    return spec.weekdays[0], spec.start_time.hour * 60 + spec.start_time.minute


def next_slot(weekday: int, minute_of_day: int, tz: tzinfo, after: datetime) -> int:
    """The first weekly slot strictly after ``after`` (unix seconds)."""
    t = time(minute_of_day // 60, minute_of_day % 60)
    occ = next_occurrences([weekday], t, 1, tz, after + timedelta(seconds=1))
    return int(occ[0].start_utc.timestamp())


def week_start(ts: int, tz: tzinfo) -> date:
    """The Monday of the local week containing ``ts``."""
    d = datetime.fromtimestamp(ts, UTC).astimezone(tz).date()
    return d - timedelta(days=d.weekday())
