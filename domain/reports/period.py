"""Report periods and weekly send times: what `/report` (`/laporan`) and `/summary waktu …` accept.

Periods (``parse_period``), read in the community's zone; the result is ``[start_ts, end_ts)`` in UTC
plus the inclusive local dates::

    (empty) | minggu ini | pekan ini | this week        -> Monday..Sunday of this week
    minggu lalu | pekan lalu | last week               -> the week before
    bulan ini | this month  /  bulan lalu | last month -> the calendar month
    siklus ini | this cycle                            -> the running (or last) inquiry cycle
    1/11 30/11 | 1/11 - 30/11 | 1/11 s/d 30/11         -> two dates (d/m: this year, or last year when
    2026-11-01 2026-11-30 | 1/11/2026 30/11/2026          the start would be in the future)

Error codes (``PeriodError.code``): ``bad_date`` (unreadable or impossible date), ``reversed`` (end before
start), ``too_long`` (more than one year), ``no_cycle`` ("this cycle" with no cycle).

Weekly times (``parse_weekly``): ``Jumat 15:00``, ``friday 15.00``, ``Senin 06.30`` -> (weekday 0=Monday,
minute of the day). Codes: ``bad_day``, ``bad_time``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from domain.rhythm.durations import ParseError
from domain.rhythm.schedule_words import _take_one_time, parse_date_token, weekday_from_name

MAX_DAYS = 366
_JOINERS = {"-", "–", "—", "s/d", "sd", "sampai", "hingga", "to", "until", "..", "sampai-dengan"}
_KEYWORDS = {
    "w": ("minggu ini", "pekan ini", "this week", "week", "minggu", "pekan", "w"),
    "lw": ("minggu lalu", "pekan lalu", "last week", "lw"),
    "m": ("bulan ini", "this month", "month", "bulan", "m"),
    "lm": ("bulan lalu", "last month", "lm"),
    "c": ("siklus ini", "this cycle", "cycle", "siklus", "c"),
}


class PeriodError(ValueError):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


@dataclass(frozen=True)
class ReportPeriod:
    kind: str  # week | month | cycle | range
    start: date  # local, inclusive
    end: date  # local, inclusive
    start_ts: int  # UTC, inclusive
    end_ts: int  # UTC, exclusive

    @property
    def code(self) -> str:
        """Compact form for callback data: ``20261101-20261130``."""
        return f"{self.start:%Y%m%d}-{self.end:%Y%m%d}"


def midnight_ts(d: date, tz: tzinfo) -> int:
    return int(datetime(d.year, d.month, d.day, tzinfo=tz).astimezone(UTC).timestamp())


def make_period(kind: str, start: date, end: date, tz: tzinfo) -> ReportPeriod:
    if end < start:
        raise PeriodError("reversed", f"{start} > {end}")
    if (end - start).days + 1 > MAX_DAYS:
        raise PeriodError("too_long", f"{(end - start).days + 1} days")
    return ReportPeriod(kind, start, end, midnight_ts(start, tz), midnight_ts(end + timedelta(days=1), tz))


def week_of(d: date) -> tuple[date, date]:
    monday = d - timedelta(days=d.weekday())
    return monday, monday + timedelta(days=6)


def month_of(d: date) -> tuple[date, date]:
    first = d.replace(day=1)
    nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def iso_week_key(d: date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


def period_token(text: str) -> str | None:
    """The short code of a named period ("bulan ini" -> "m"), or None for dates (use ``ReportPeriod.code``)."""
    norm = " ".join(text.strip().lower().split())
    if norm == "":
        return "w"
    return next((code for code, words in _KEYWORDS.items() if norm in words), None)


def parse_period(text: str, *, now: datetime, tz: tzinfo,
                 cycle: tuple[int, int] | None = None) -> ReportPeriod:
    """Read a period; ``cycle`` is (opened_ts, closes_ts) of the current cycle when there is one."""
    today = now.astimezone(tz).date()
    norm = " ".join(text.strip().lower().split())
    if norm in _KEYWORDS["w"] or norm == "":
        return make_period("week", *week_of(today), tz)
    if norm in _KEYWORDS["lw"]:
        return make_period("week", *week_of(today - timedelta(days=7)), tz)
    if norm in _KEYWORDS["m"]:
        return make_period("month", *month_of(today), tz)
    if norm in _KEYWORDS["lm"]:
        return make_period("month", *month_of(today.replace(day=1) - timedelta(days=1)), tz)
    if norm in _KEYWORDS["c"]:
        if cycle is None:
            raise PeriodError("no_cycle")
        start = datetime.fromtimestamp(cycle[0], UTC).astimezone(tz).date()
        end_ts = min(cycle[1], int(now.timestamp())) if cycle[1] else int(now.timestamp())
        end = max(start, datetime.fromtimestamp(end_ts, UTC).astimezone(tz).date())
        return make_period("cycle", start, end, tz)
    if m := re.fullmatch(r"(\d{8})-(\d{8})", norm):  # the compact code of callback data
        try:
            a = datetime.strptime(m[1], "%Y%m%d").date()
            b = datetime.strptime(m[2], "%Y%m%d").date()
        except ValueError:
            raise PeriodError("bad_date", norm) from None
        return make_period("range", a, b, tz)
    toks = [t for t in re.split(r"\s+", norm) if t and t not in _JOINERS]
    if len(toks) == 1 and re.fullmatch(r"[\d/.]+-[\d/.]+", toks[0]) and toks[0].count("-") == 1:
        toks = toks[0].split("-")  # "1/11-30/11"
    if len(toks) != 2:
        raise PeriodError("bad_date", text)
    dates = []
    for t in toks:
        try:
            d = parse_date_token(t, today, prefer="past")
        except ParseError:
            raise PeriodError("bad_date", t) from None
        if d is None:
            raise PeriodError("bad_date", t)
        dates.append((t, d))
    (ta, a), (tb, b) = dates
    # A day/month pair without a year is read in the same year as the start.
    if _no_year(ta) and _no_year(tb):
        if a > today:
            a = _same_year(a, a.year - 1, ta)
        b = _same_year(b, a.year, tb)
    return make_period("range", a, b, tz)


def _no_year(token: str) -> bool:
    return bool(re.fullmatch(r"\d{1,2}[/-]\d{1,2}", token))


def _same_year(d: date, year: int, raw: str) -> date:
    try:
        return d.replace(year=year)
    except ValueError:
        raise PeriodError("bad_date", raw) from None


# -- weekly send times -----------------------------------------------------------------------------
def parse_weekly(text: str) -> tuple[int, int]:
    """``"Jumat 15:00"`` -> (4, 900): weekday 0=Monday and minutes after local midnight."""
    toks = text.replace(",", " ").split()
    if not toks:
        raise PeriodError("bad_day", text)
    wd = weekday_from_name(toks[0])
    if wd is None:
        raise PeriodError("bad_day", toks[0])
    try:
        t, i = _take_one_time(toks, 1)
    except ParseError:
        raise PeriodError("bad_time", " ".join(toks[1:])) from None
    if t is None or i != len(toks):
        raise PeriodError("bad_time", " ".join(toks[1:]))
    return wd, t.hour * 60 + t.minute


def next_weekly(after: datetime, tz: tzinfo, weekday: int, minute: int) -> datetime:
    """The first local ``weekday`` at ``minute`` strictly after ``after`` (aware), in UTC."""
    local = after.astimezone(tz)
    d = local.date() - timedelta(days=local.weekday()) + timedelta(days=weekday)
    for k in range(3):
        day = d + timedelta(days=7 * (k - 1))
        at = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz)
        if at > local:
            return at.astimezone(UTC)
    raise AssertionError("unreachable")


def week_end(due: datetime, tz: tzinfo) -> datetime:
    """The end (next Monday 00:00 local) of the local week containing ``due``, in UTC."""
    local = due.astimezone(tz).date()
    _, sunday = week_of(local)
    nxt = sunday + timedelta(days=1)
    return datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz).astimezone(UTC)
