"""RTL (rencana tindak lanjut): follow-up plans — what, who, by when, how measured.

Pure domain code. Due dates are typed by teachers on a phone, in Indonesian or English; both are
accepted whatever the user's locale (``locale`` is kept for future locale-specific rules). Numeric
dates are always day-first (Indonesian practice), except ISO ``YYYY-MM-DD``.

Errors are :class:`RtlError` with a stable ``code``.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

MAX_AHEAD_DAYS = 366  # "too_far": more than one year ahead
YEARLESS_PAST_GRACE_DAYS = 60  # a yearless date up to 60 days ago is "past", older → next year
MAX_WHAT_LEN = 300
MAX_FIELD_LEN = 200


class RtlError(ValueError):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


_MONTHS: dict[str, int] = {}
for _n, _names in enumerate(
    [
        "januari jan january",
        "februari feb pebruari peb february",
        "maret mar march",
        "april apr",
        "mei may",
        "juni jun june",
        "juli jul july",
        "agustus agu agt ags aug august",
        "september sep sept",
        "oktober okt oct october",
        "november nov nop",
        "desember des dec december",
    ],
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _n

_WEEKDAYS: dict[str, int] = {}
for _n, _names in enumerate(
    [
        "senin monday mon",
        "selasa tuesday tue",
        "rabu wednesday wed",
        "kamis thursday thu",
        "jumat jum'at jumaat friday fri",
        "sabtu saturday sat",
        "minggu ahad sunday sun",
    ]
):
    for _name in _names.split():
        _WEEKDAYS[_name] = _n

_MONTH_ALT = "|".join(sorted(_MONTHS, key=len, reverse=True))
_ISO_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_DMY_RE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})(?:[-/.](\d{2}|\d{4}))?$")
_D_MON_Y_RE = re.compile(rf"^(\d{{1,2}})\s*(?:-\s*)?({_MONTH_ALT})\.?(?:\s*-?\s*(\d{{4}}))?$")
_MON_D_Y_RE = re.compile(rf"^({_MONTH_ALT})\.?\s*(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s*(\d{{4}}))?$")
_N_UNITS_RE = re.compile(
    r"^(?:dalam\s+|in\s+)?(\d{1,3})\s*(hari|days?|minggu|pekan|weeks?|bulan|months?)(?:\s+lagi|\s+from\s+now)?$"
)

_FIXED = {
    "hari ini": 0,
    "today": 0,
    "besok": 1,
    "tomorrow": 1,
    "lusa": 2,
    "minggu depan": 7,
    "pekan depan": 7,
    "next week": 7,
    "seminggu": 7,
    "seminggu lagi": 7,
    "in a week": 7,
}
_END_OF_MONTH = {"akhir bulan", "akhir bulan ini", "end of month", "end of the month"}
_NEXT_MONTH = {"bulan depan", "next month", "sebulan", "sebulan lagi", "in a month"}


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _year(s: str) -> int:
    y = int(s)
    return 2000 + y if len(s) == 2 else y


def _yearless(today: date, month: int, day: int) -> date:
    """The occurrence of day/month this year; if that is long past, next year's."""
    for year in (today.year, today.year + 1):
        try:
            d = date(year, month, day)
        except ValueError:
            continue
        if d >= today - timedelta(days=YEARLESS_PAST_GRACE_DAYS) or year > today.year:
            return d
    raise RtlError("bad_date")


def _make(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise RtlError("bad_date") from None


def _parse(s: str, today: date) -> date:
    if s in _FIXED:
        return today + timedelta(days=_FIXED[s])
    if s in _END_OF_MONTH:
        return date(today.year, today.month, calendar.monthrange(today.year, today.month)[1])
    if s in _NEXT_MONTH:
        return _add_months(today, 1)
    if m := _N_UNITS_RE.match(s):
        n, unit = int(m[1]), m[2]
        if unit.startswith(("bulan", "month")):
            if n > 24:
                raise RtlError("too_far")
            return _add_months(today, n)
        per = 1 if unit.startswith(("hari", "day")) else 7
        return today + timedelta(days=n * per)
    words = s.split()
    if (
        words
        and words[0] in _WEEKDAYS
        and (len(words) == 1 or (len(words) == 2 and words[1] in ("depan", "ini", "next")))
    ):
        ahead = (_WEEKDAYS[words[0]] - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    if len(words) == 2 and words[0] == "next" and words[1] in _WEEKDAYS:
        ahead = (_WEEKDAYS[words[1]] - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    if m := _ISO_RE.match(s):
        return _make(int(m[1]), int(m[2]), int(m[3]))
    if m := _DMY_RE.match(s):
        day, month = int(m[1]), int(m[2])
        return _make(_year(m[3]), month, day) if m[3] else _yearless(today, month, day)
    if m := _D_MON_Y_RE.match(s):
        day, month = int(m[1]), _MONTHS[m[2]]
        return _make(int(m[3]), month, day) if m[3] else _yearless(today, month, day)
    if m := _MON_D_Y_RE.match(s):
        month, day = _MONTHS[m[1]], int(m[2])
        return _make(int(m[3]), month, day) if m[3] else _yearless(today, month, day)
    raise RtlError("bad_date")


def parse_due(text: str, *, today: date, locale: str = "id") -> date:
    """Parse a due date typed by a teacher.

    Accepts "15/12", "15-12-2026", "15.12.26", "2026-12-15", "15 Des", "15 Desember 2026",
    "Dec 15", "December 15, 2026", "besok"/"tomorrow", "lusa", "hari ini"/"today",
    "minggu depan"/"next week" (+7 days), "2 minggu"/"2 weeks", "3 hari"/"3 days",
    "bulan depan"/"next month", "akhir bulan"/"end of month", weekday names ("jumat",
    "friday", "next friday": the next such day, strictly after today).

    A date without a year means its next occurrence — but one up to 60 days in the past is
    reported as ``past`` (a typo is likelier than a plan a year ahead).

    Codes: ``empty``, ``bad_date`` (unreadable or impossible like "31/02"), ``past``,
    ``too_far`` (more than a year ahead).
    """
    s = " ".join((text or "").lower().replace(",", ", ").split()) if isinstance(text, str) else ""
    s = s.replace(" ,", ",").strip(" .")
    if not s:
        raise RtlError("empty")
    try:
        due = _parse(s, today)
    except RtlError:
        raise
    except (OverflowError, ValueError):  # arithmetic beyond year 9999
        raise RtlError("too_far") from None
    if due < today:
        raise RtlError("past")
    if (due - today).days > MAX_AHEAD_DAYS:
        raise RtlError("too_far")
    return due


@dataclass(frozen=True, slots=True)
class RtlSpec:
    what: str
    who: str | None
    due: date
    measure: str | None


def _field(s: str, limit: int) -> str | None:
    s = " ".join(s.split())
    if len(s) > limit:
        raise RtlError("too_long")
    return s or None


def parse_rtl_line(text: str, *, today: date, locale: str = "id") -> RtlSpec:
    """Parse "what; who; due; measure", e.g. "Menerapkan exit ticket; Bu Sari; 15/12; 80% siswa mengisi".

    ``who`` and ``measure`` are optional (empty field or omitted); "what; due" is accepted too.
    Codes: ``empty``, ``missing_what``, ``missing_due``, ``too_many_parts`` (more than four
    fields), ``too_long``, plus the :func:`parse_due` codes (``bad_date``, ``past``, ``too_far``).
    """
    if not isinstance(text, str) or not text.strip():
        raise RtlError("empty")
    parts = [p.strip() for p in text.split(";")]
    while len(parts) > 1 and not parts[-1]:
        parts.pop()
    if len(parts) > 4:
        raise RtlError("too_many_parts")
    what = _field(parts[0], MAX_WHAT_LEN)
    if not what:
        raise RtlError("missing_what")
    if len(parts) == 2:
        try:
            due = parse_due(parts[1], today=today, locale=locale)
        except RtlError as exc:
            if exc.code in ("past", "too_far") or (
                exc.code == "bad_date" and any(c.isdigit() for c in parts[1])
            ):
                raise
            raise RtlError("missing_due") from None
        return RtlSpec(what=what, who=None, due=due, measure=None)
    if len(parts) < 3 or not parts[2]:
        raise RtlError("missing_due")
    who = _field(parts[1], MAX_FIELD_LEN)
    due = parse_due(parts[2], today=today, locale=locale)
    measure = _field(parts[3], MAX_FIELD_LEN) if len(parts) == 4 else None
    return RtlSpec(what=what, who=who, due=due, measure=measure)


def due_reminder_at(due: date, tz: tzinfo | str, *, days_before: int = 1, hour: int = 7,
                    is_school_day: Callable[[date], bool] | None = None,
                    after: datetime | None = None) -> datetime:
    """When to remind the owner: ``hour`` o'clock local time, ``days_before`` days before ``due``, in UTC —
    moved back to the last school day before that (Friday for a Monday due date) when ``is_school_day`` is
    given, at most a week back. If that morning is not a school day or is not after ``after`` (the item was
    made later, e.g. on New Year's Day for the Monday after), the first school-day morning after ``after`` up
    to the due day itself (no school day before Tuesday 16 March 2027 after Nyepi and Idul Fitri: that
    Tuesday's morning). With none of those, the plain day before (a reminder due at once)."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    day = due - timedelta(days=days_before)

    def at(d: date) -> datetime:
        return datetime.combine(d, time(hour), tzinfo=zone).astimezone(UTC)

    if is_school_day is None:
        return at(day)
    before = [day - timedelta(days=i) for i in range(8)]  # latest first
    later = [day + timedelta(days=i) for i in range(1, days_before + 1)]  # up to the due day
    return next((at(d) for d in before + later if is_school_day(d) and (after is None or at(d) > after)), at(day))


def is_overdue(due: date, today: date) -> bool:
    """Overdue from the day after the due date (the due day itself still counts)."""
    return today > due
