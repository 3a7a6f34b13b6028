"""Meeting schedules: parsing ``/schedule`` arguments, weekly recurrence, clashes and reminder planning.

Pure code: no Telegram, no database, no clock (``now`` is always passed in, timezone-aware).

``parse_schedule`` reads the arguments after ``/schedule`` (``/jadwal``), in Indonesian or English::

    Kamis 14:00 90 Ruang guru                     weekly, place "Ruang guru"
    thu 2pm 1h30                                  weekly, 90 min
    Senin,Rabu 13.30 60 Lab IPA                   weekly on two days
    sen & kam 14:00 1j                            "&", "dan", "and", "," join days; "sen-jum" is a range
    setiap Kamis pukul 14.00 WIB                  filler words and the zone name are accepted
    Kamis 14:00-15:30 Aula                        an end time gives the duration
    Jumat 07.30 2 jam https://meet.google.com/abc-defg-hij Asesmen formatif   URL = online link
    Kamis 14:00 90 Ruang guru - Asesmen formatif  agenda after a lone "-", "–", "—" or "|"
    26/11 14:00 90 Aula   26-11-2026 14.00 1j   2026-11-26 14:00   26 Nov 14:00   26 November 2026 14:00
    besok 14:00 60   tomorrow 2pm   lusa 13.00   hari ini 15:00   Kamis 26/11 14:00

Rules worth knowing:

- Day names: senin selasa rabu kamis jumat/jum'at sabtu minggu/ahad (sen sel rab kam jum sab min) and
  monday..sunday (mon tue wed thu fri sat sun).
- Times: ``14:00`` ``14.00`` ``14`` ``2pm`` ``2.30pm`` ``2:30 pm`` ``2 siang`` ``4 sore``. A bare hour from 1 to 5
  with no am/pm/pagi means the afternoon (a school does not meet at 3 a.m.).
- Duration is optional (default :data:`DEFAULT_DURATION_MIN`), any form of :func:`parse_duration`.
- A date without a year is this year's date, unless it lies more than 31 days in the past: then it is
  next year's (typing "5/1" in December means January). A date a few days past is reported as ``past``.
- Whatever follows is the place. The first URL becomes ``link`` (the meeting is online); words after
  the URL are the agenda, as are words after a lone separator.

Error codes (``ParseError.code``):

- ``empty``           nothing after the command.
- ``bad_day``         does not start with a day name, a date or besok/tomorrow.
- ``bad_date``        a date that does not exist (31/02) or is malformed.
- ``bad_time``        missing or impossible time (25:00, 13pm), or an end time not after the start.
- ``bad_duration``    (not raised here: an unreadable duration is taken as the start of the place).
- ``duration_range``  duration outside 5 min .. 10 h.
- ``not_working_day`` Sunday, or Saturday in a 5-day school week.
- ``past``            a one-off meeting whose start has already passed.
- ``too_far``         a one-off date more than 365 days ahead.
- ``day_mismatch``    a day name and a date that disagree ("Kamis 27/11/2026" when 27/11 is a Friday).
- ``tz_mismatch``     a zone name (WIB/WITA/WIT) other than the community's zone.

The words of dates and times live in :mod:`domain.rhythm.schedule_words`; ``find_overlap``, ``expand_weekly``,
``next_occurrences`` (:mod:`domain.rhythm.occurrences`) work on concrete UTC intervals (:class:`Occurrence`);
``reminder_times`` / ``due_reminder`` / ``reminders_to_send`` (:mod:`domain.rhythm.reminders`) plan reminders,
including those missed while the bot was down: late ones are sent only before the meeting starts;
``parse_change`` (:mod:`domain.rhythm.schedule_changes`) reads a cancelled or moved meeting. Their public names
are importable from here too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo

from domain.rhythm.durations import ParseError
from domain.rhythm.occurrences import (
    Occurrence,
    expand_weekly,
    find_overlap,
    next_occurrences,
    occurrence_once,
)
from domain.rhythm.reminders import (
    DEFAULT_REMINDER_OFFSETS,
    due_reminder,
    parse_offsets,
    reminder_times,
    reminders_to_send,
)
from domain.rhythm.schedule_changes import ChangeSpec, parse_change
from domain.rhythm.schedule_words import (
    _SEPARATORS,
    _URL_RE,
    MAX_DAYS_AHEAD,
    TEXT_MAX,
    _check_working_day,
    _take_date,
    _take_days,
    _take_duration,
    _take_time,
    _tokens,
    parse_date_token,
    weekday_from_name,
)
from domain.text import clip

__all__ = [
    "DEFAULT_DURATION_MIN",
    "DEFAULT_REMINDER_OFFSETS",
    "MAX_DURATION_MIN",
    "MIN_DURATION_MIN",
    "Occurrence",
    "ParseError",
    "ChangeSpec",
    "ScheduleSpec",
    "due_reminder",
    "expand_weekly",
    "find_overlap",
    "next_occurrences",
    "occurrence_once",
    "occurrences_for",
    "parse_change",
    "parse_date_token",
    "parse_offsets",
    "parse_schedule",
    "reminder_times",
    "reminders_to_send",
    "weekday_from_name",
]


DEFAULT_DURATION_MIN = 90
MIN_DURATION_MIN = 5
MAX_DURATION_MIN = 10 * 60
_ZONES = {"wib": "Asia/Jakarta", "wita": "Asia/Makassar", "wit": "Asia/Jayapura"}
_DAY_FILLERS = {"setiap", "tiap", "every", "hari", "each", "on", "pada", "tgl", "tanggal"}
_PLACE_FILLERS = {"di", "at", "@", "in", "tempat", "place", "lokasi"}


# --------------------------------------------------------------------------------------------- parsing


@dataclass(frozen=True, slots=True)
class ScheduleSpec:
    """What a coordinator asked for. ``weekdays`` is 0=Monday..6=Sunday; for a one-off it holds the
    date's weekday. ``start_time`` is local wall-clock time in the community's zone."""

    kind: Literal["weekly", "once"]
    weekdays: tuple[int, ...]
    start_time: time
    duration_min: int
    date: date | None = None
    place: str | None = None
    link: str | None = None
    agenda: str | None = None

    @property
    def online(self) -> bool:
        return self.link is not None


def _is_url(tok: str) -> bool:
    return bool(_URL_RE.match(tok))


def _clean_url(tok: str) -> str:
    tok = tok.rstrip(".,;)")
    return tok if tok.lower().startswith(("http://", "https://")) else "https://" + tok


def _split_rest(toks: list[str]) -> tuple[str | None, str | None, str | None]:
    """Remaining tokens -> (place, link, agenda).

    Words before a lone separator are the place, after it the agenda. For an online meeting, words
    after the link are the agenda ("... https://meet... Asesmen formatif"): the link is the place.
    """
    link = None
    place: list[str] = []
    agenda: list[str] = []
    after_link: list[str] = []
    target = place
    for t in toks:
        if t in _SEPARATORS and target is not agenda:
            target = agenda
            continue
        if link is None and _is_url(t):
            link = _clean_url(t)
            if target is place:
                target = after_link
            continue
        target.append(t)
    if after_link:
        agenda = after_link + (["-"] if agenda else []) + agenda
    while place and place[0].lower() in _PLACE_FILLERS:
        place.pop(0)
    return (clip(" ".join(place), TEXT_MAX) or None), link, (clip(" ".join(agenda), TEXT_MAX) or None)


def parse_schedule(text: str, *, now: datetime, tz: ZoneInfo | tzinfo, working_days: int = 5) -> ScheduleSpec:
    """Parse the arguments of ``/schedule``. See the module docstring for forms and error codes."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if working_days not in (5, 6):
        raise ValueError("working_days must be 5 or 6")
    toks = _tokens(text or "")
    if not toks:
        raise ParseError("empty")
    today = now.astimezone(tz).date()

    i = 0
    while i < len(toks) and toks[i].lower() in _DAY_FILLERS:
        i += 1
    days, i = _take_days(toks, i)
    while i < len(toks) and toks[i].lower() in _DAY_FILLERS:
        i += 1
    the_date, i = _take_date(toks, i, today, "future")
    if not days and the_date is None:
        raise ParseError("bad_day", toks[i] if i < len(toks) else None)

    start, end, i = _take_time(toks, i)
    if i < len(toks) and toks[i].lower() in _ZONES:
        zone = ZoneInfo(_ZONES[toks[i].lower()])
        if zone.utcoffset(now.replace(tzinfo=None)) != now.astimezone(tz).utcoffset():
            raise ParseError("tz_mismatch", toks[i])
        i += 1

    if end is not None:
        duration = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        if duration <= 0:
            raise ParseError("bad_time", f"{start:%H:%M}-{end:%H:%M}")
    else:
        parsed, i = _take_duration(toks, i)
        duration = DEFAULT_DURATION_MIN if parsed is None else parsed
    if not MIN_DURATION_MIN <= duration <= MAX_DURATION_MIN:
        raise ParseError("duration_range", str(duration))

    place, link, agenda = _split_rest(toks[i:])

    if the_date is not None:
        if days and the_date.weekday() not in days:
            raise ParseError("day_mismatch", the_date.isoformat())
        _check_working_day(the_date.weekday(), working_days, the_date.isoformat())
        start_utc = datetime.combine(the_date, start, tzinfo=tz).astimezone(UTC)
        if start_utc <= now:
            raise ParseError("past", the_date.isoformat())
        if (the_date - today).days > MAX_DAYS_AHEAD:
            raise ParseError("too_far", the_date.isoformat())
        return ScheduleSpec("once", (the_date.weekday(),), start, duration, the_date, place, link, agenda)

    weekdays = tuple(sorted(set(days)))
    for wd in weekdays:
        _check_working_day(wd, working_days, str(wd))
    return ScheduleSpec("weekly", weekdays, start, duration, None, place, link, agenda)


def occurrences_for(
    spec: ScheduleSpec,
    tz: tzinfo,
    from_utc: datetime,
    to_utc: datetime,
    *,
    series_id: int | None = None,
    skip: Callable[[date], bool] | None = None,
) -> list[Occurrence]:
    """Concrete occurrences of a parsed spec in ``[from_utc, to_utc)`` (a one-off ignores ``skip``)."""
    if spec.kind == "once" and spec.date is not None:
        occ = occurrence_once(spec.date, spec.start_time, spec.duration_min, tz, series_id=series_id)
        return [occ] if from_utc <= occ.start_utc < to_utc else []
    return expand_weekly(
        spec.weekdays, spec.start_time, spec.duration_min, tz, from_utc, to_utc, series_id=series_id, skip=skip
    )
