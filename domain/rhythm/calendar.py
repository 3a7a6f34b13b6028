"""The school calendar: which days a community does not meet, and why.

Sources, in order of precedence for :meth:`SchoolCalendar.off_reason`:

1. ``holiday``       national public holidays (``holidays`` package, ``ID`` calendar, category PUBLIC);
2. ``cuti_bersama``  collective leave days (same package, category GOVERNMENT: "Cuti Bersama ...",
                     fixed yearly by the three-minister decree). Can be switched off per community;
3. ``community``     the community's own off-days: single dates or ranges with a label
                     ("Ujian semester", 1-12 Dec);
4. ``weekend``       Sunday, and Saturday in a 5-day school week.

Holiday names come in Indonesian (``language="id"``) or English (``"en"``, the package's ``en_US``).
The national table is computed once per (year, language) and shared by every calendar in the process
(:func:`national_off_days` is cached); community ranges are kept sorted and searched with ``bisect``.
National dates can change mid-year by decree: upgrading the ``holidays`` package picks that up, and a
community can always add its own off-day.

``parse_off_day`` reads a coordinator's off-day, e.g. ``1-12 Des Ujian semester``, ``25/12 Natal``,
``20/12/2026 - 3/1/2027 Libur semester``, ``2026-12-01 s/d 2026-12-12 PAS``. Error codes:

- ``empty``          nothing given;
- ``bad_date``       no date at the start, or an impossible date;
- ``range_order``    the end is before the start;
- ``range_too_long`` a range longer than 366 days.

The label is optional (empty string): templates show a generic "community day off" then.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from itertools import accumulate
from types import MappingProxyType
from typing import Literal

import holidays
from holidays.constants import GOVERNMENT, PUBLIC

from domain.rhythm.durations import ParseError
from domain.rhythm.occurrences import Occurrence, expand_weekly
from domain.rhythm.schedule_words import _MONTHS, _resolve_year, _take_date, _tokens
from domain.text import clip

__all__ = [
    "CommunityOffDay",
    "OffDay",
    "OffKind",
    "SchoolCalendar",
    "national_off_days",
    "parse_off_day",
    "plan_weekly",
]

OffKind = Literal["holiday", "cuti_bersama", "weekend", "community"]

# Our language code -> the holidays package's code (it ships "id", "en_US", "th", "uk" for ID).
_PACKAGE_LANG = {"id": "id", "en": "en_US"}
_WEEKEND_NAMES = {"id": ("Sabtu", "Minggu"), "en": ("Saturday", "Sunday")}
MAX_RANGE_DAYS = 366
OFF_DAY_LABEL_MAX = 100  # what is stored of an off-day's name (UTF-16 code units)


@dataclass(frozen=True, slots=True)
class OffDay:
    kind: OffKind
    name: str


@dataclass(frozen=True, slots=True)
class CommunityOffDay:
    """A community's own day(s) off, ``start`` .. ``end`` inclusive."""

    start: date
    end: date
    label: str = ""

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("end before start")

    def __contains__(self, d: object) -> bool:
        return isinstance(d, date) and self.start <= d <= self.end


def _lang(language: str) -> str:
    lang = (language or "id").replace("-", "_").split("_")[0].lower()
    return lang if lang in _PACKAGE_LANG else "id"


@lru_cache(maxsize=512)
def national_off_days(year: int, language: str = "id") -> Mapping[date, OffDay]:
    """National holidays and cuti bersama of ``year``, names in ``language`` ("id"/"en"). Cached."""
    lang = _lang(language)
    if lang != language:  # normalise the cache key ("id_ID", "en-US" ...) to share one table
        return national_off_days(year, lang)
    table: dict[date, OffDay] = {}
    try:
        kw = {"years": year, "language": _PACKAGE_LANG[lang]}
        for d, name in holidays.country_holidays("ID", categories=(GOVERNMENT,), **kw).items():
            table[d] = OffDay("cuti_bersama", name)
        for d, name in holidays.country_holidays("ID", categories=(PUBLIC,), **kw).items():
            table[d] = OffDay("holiday", name)  # a public holiday outranks leave on the same date
    except (NotImplementedError, ValueError, KeyError):  # years the package cannot compute
        return MappingProxyType({})
    return MappingProxyType(table)


class SchoolCalendar:
    """National calendar + a community's working week and own off-days. Cheap to build per community."""

    __slots__ = ("working_days", "language", "include_cuti_bersama", "_ranges", "_starts", "_max_end")

    def __init__(
        self,
        working_days: int = 5,
        off_days: Iterable[CommunityOffDay] = (),
        *,
        language: str = "id",
        include_cuti_bersama: bool = True,
    ) -> None:
        if working_days not in (5, 6):
            raise ValueError("working_days must be 5 or 6")
        self.working_days = working_days
        self.language = _lang(language)
        self.include_cuti_bersama = include_cuti_bersama
        self._ranges: tuple[CommunityOffDay, ...] = tuple(sorted(off_days, key=lambda r: (r.start, r.end)))
        self._starts = [r.start for r in self._ranges]
        # Running maximum of ends: lets a lookup stop as soon as no earlier range can reach the date.
        self._max_end = list(accumulate((r.end for r in self._ranges), max))

    @property
    def community_off_days(self) -> tuple[CommunityOffDay, ...]:
        return self._ranges

    def with_language(self, language: str) -> SchoolCalendar:
        return SchoolCalendar(
            self.working_days, self._ranges, language=language, include_cuti_bersama=self.include_cuti_bersama
        )

    def community_off_day(self, d: date) -> CommunityOffDay | None:
        """The latest-starting community range containing ``d`` (the most specific one)."""
        i = bisect_right(self._starts, d) - 1
        while i >= 0 and self._max_end[i] >= d:
            if self._ranges[i].end >= d:
                return self._ranges[i]
            i -= 1
        return None

    def off_reason(self, d: date) -> OffDay | None:
        national = national_off_days(d.year, self.language).get(d)
        if national is not None and (national.kind == "holiday" or self.include_cuti_bersama):
            return national
        community = self.community_off_day(d)
        if community is not None:
            return OffDay("community", community.label)
        wd = d.weekday()
        if wd == 6 or (wd == 5 and self.working_days == 5):
            return OffDay("weekend", _WEEKEND_NAMES[self.language][wd - 5])
        return None

    def is_school_day(self, d: date) -> bool:
        return self.off_reason(d) is None

    def next_school_day(self, d: date, *, include_today: bool = True) -> date | None:
        """First school day on/after ``d`` (after, if not ``include_today``); ``None`` within a year."""
        cur = d if include_today else d + timedelta(days=1)
        for _ in range(MAX_RANGE_DAYS + 1):
            if self.is_school_day(cur):
                return cur
            cur += timedelta(days=1)
        return None

    def last_school_day(self, d: date, *, include_today: bool = True, within_days: int = 7) -> date | None:
        """Last school day on/before ``d`` (before, if not ``include_today``), at most ``within_days`` back."""
        cur = d if include_today else d - timedelta(days=1)
        for _ in range(within_days + 1):
            if self.is_school_day(cur):
                return cur
            cur -= timedelta(days=1)
        return None

    def off_days_between(
        self, start: date, end: date, *, include_weekends: bool = False
    ) -> list[tuple[date, OffDay]]:
        """Off days in ``start .. end`` inclusive, in date order (for "no meeting next week" notices)."""
        out = []
        cur = start
        while cur <= end:
            reason = self.off_reason(cur)
            if reason is not None and (include_weekends or reason.kind != "weekend"):
                out.append((cur, reason))
            cur += timedelta(days=1)
        return out

    def school_days_between(self, start: date, end: date) -> int:
        """Number of school days in ``start .. end`` inclusive."""
        n, cur = 0, start
        while cur <= end:
            n += self.is_school_day(cur)
            cur += timedelta(days=1)
        return n


def plan_weekly(
    weekdays: Iterable[int],
    start_time: time,
    duration_min: int,
    tz: tzinfo,
    from_utc: datetime,
    to_utc: datetime,
    calendar: SchoolCalendar,
    *,
    series_id: int | None = None,
) -> list[tuple[Occurrence, OffDay | None]]:
    """The occurrences of a weekly series in ``[from_utc, to_utc)`` with the reason each one does not take
    place (holiday, cuti bersama, community off-day), or None when it does. Weekend dates (a Saturday in
    a 5-day school) are dropped silently: they were never meeting days."""
    out = []
    for occ in expand_weekly(weekdays, start_time, duration_min, tz, from_utc, to_utc, series_id=series_id):
        wd = occ.local_date.weekday()
        if wd == 6 or (wd == 5 and calendar.working_days == 5):
            continue
        out.append((occ, calendar.off_reason(occ.local_date)))
    return out


_RANGE_WORDS = {"-", "s/d", "sd", "sampai", "hingga", "to", "until", "till", ".."}
_SAME_MONTH_RE = re.compile(
    r"^(\d{1,2})\s*(?:-|s/d|sd|sampai|hingga|to|\.\.)\s*(\d{1,2})\s+([A-Za-z]+)\.?(?:\s+(\d{4}))?(?=\s|$)\s*(.*)$",
    re.ASCII | re.DOTALL,
)
_TWO_DATES_RE = re.compile(r"^(\d[\d/.]*)-(\d[\d/.]*)$", re.ASCII)


def _mk(y: int, m: int, d: int, raw: str) -> date:
    try:
        return date(y, m, d)
    except ValueError:
        raise ParseError("bad_date", raw) from None


def parse_off_day(text: str, *, today: date) -> CommunityOffDay:
    """Parse a community off-day (see the module docstring for forms and codes)."""
    s = (text or "").replace("\u2013", "-").replace("\u2014", "-").strip()
    if not s:
        raise ParseError("empty")

    if (m := _SAME_MONTH_RE.match(s)) and m[3].lower() in _MONTHS:  # "1-12 Des [2026] label"
        month = _MONTHS[m[3].lower()]
        if m[4]:
            year = int(m[4])
        else:
            # The end day decides the year, like a single date would.
            year = _resolve_year(month, int(m[2]), today, "future", s).year
        start, end = _mk(year, month, int(m[1]), s), _mk(year, month, int(m[2]), s)
        label = m[5]
    else:
        toks = _tokens(s.replace("..", " - "))
        if tm := _TWO_DATES_RE.match(toks[0]):  # "1/12-12/12" in one token
            toks[0:1] = [tm[1], "-", tm[2]]
        first, i = _take_date(toks, 0, today, "future")
        if first is None:
            raise ParseError("bad_date", toks[0])
        start = end = first
        if i < len(toks) and toks[i].lower() in _RANGE_WORDS:
            second, j = _take_date(toks, i + 1, today, "future")
            if second is None:
                raise ParseError("bad_date", toks[i + 1] if i + 1 < len(toks) else None)
            end, i = second, j
        label = " ".join(toks[i:])

    if end < start:
        raise ParseError("range_order", f"{start.isoformat()}..{end.isoformat()}")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise ParseError("range_too_long", f"{start.isoformat()}..{end.isoformat()}")
    return CommunityOffDay(start, end, clip(label.strip(), OFF_DAY_LABEL_MAX))
