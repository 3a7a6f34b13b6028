"""Learning hours (*jam wajib belajar*): logging them, periods, and who is on pace for the target.

``parse_log`` reads ``/log`` (``/catat``) arguments: duration first, then an optional description, and
an optional date as the first or last word(s)::

    90 webinar Ruang GTK asesmen formatif       -> 90 min today, what="webinar Ruang GTK asesmen formatif"
    1,5 jam pelatihan                           -> 90 min
    2h workshop kemarin / 2h workshop yesterday -> 120 min yesterday
    45 membaca modul 20/11   45 membaca modul 2026-11-20   45 kemarin baca modul   60 baca 20 Nov
    /log 90 webinar                             -> a leading "/log" or "/catat@Bot" is ignored

A date without a year means the most recent such date (this year, or last year if this year's is more
than 31 days ahead). ``d-m`` without a year is not read as a date at the end ("bab 3-4").
The description is optional and defaults to ``""``: a busy teacher may just type ``/log 60``.

Error codes (``ParseError.code``):

- ``empty``        nothing after the command;
- ``bad_duration`` no duration at the start;
- ``zero``         zero or negative duration;
- ``too_long``     more than 12 hours in one entry;
- ``bad_date``     an impossible date (31/02);
- ``future``       a date after today (local);
- ``too_old``      more than 30 days ago.

Pace rule (``progress``/``behind``): with a fraction ``e`` of the period elapsed, a member is *behind*
when ``e >= 0.25`` (no nagging in the first quarter: hours come in lumps, one meeting a week),
they have not met the target, and ``minutes < 0.8 * target * e`` (20 % slack under the pro-rata pace).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal, NamedTuple

from domain.rhythm.durations import ParseError, parse_duration
from domain.rhythm.schedule_words import _take_date, _tokens
from domain.text import clip

__all__ = [
    "BEHIND_TOLERANCE",
    "MAX_DAYS_BACK",
    "MAX_LOG_MINUTES",
    "MIN_ELAPSED_TO_JUDGE",
    "LogSpec",
    "ParseError",
    "Period",
    "Progress",
    "behind",
    "elapsed_fraction",
    "is_behind",
    "TargetSpec",
    "parse_log",
    "parse_target",
    "period_bounds",
    "progress",
    "target_for",
]

MAX_LOG_MINUTES = 12 * 60
MAX_DAYS_BACK = 30
LOG_NOTE_MAX = 200  # what is stored of the note (UTF-16 code units, see domain.text)
BEHIND_TOLERANCE = 0.8
MIN_ELAPSED_TO_JUDGE = 0.25

_COMMAND_RE = re.compile(r"^/[A-Za-z_]+(?:@\w+)?(?:\s+|$)")
_NEGATIVE_RE = re.compile(r"^-\s*\d")
_YEARLESS_DASH_RE = re.compile(r"^\d{1,2}-\d{1,2}$", re.ASCII)
_DATE_FILLERS = {"pada", "on", "tgl", "tgl.", "tanggal", "hari", "date"}
_LEADING_NOISE = {"-", "\u2013", "\u2014", "|", ":"}


@dataclass(frozen=True, slots=True)
class LogSpec:
    minutes: int
    what: str
    on_date: date


def _take_duration_prefix(toks: list[str]) -> tuple[int, int]:
    for n in range(min(4, len(toks)), 0, -1):
        try:
            return parse_duration(" ".join(toks[:n])), n
        except ParseError:
            continue
    raise ParseError("bad_duration", toks[0] if toks else None)


def parse_log(text: str, *, now: datetime, tz: tzinfo) -> LogSpec:
    """Parse the arguments of ``/log``. See the module docstring for forms and error codes."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    s = _COMMAND_RE.sub("", (text or "").strip(), count=1).strip()
    if not s:
        raise ParseError("empty")
    if _NEGATIVE_RE.match(s):
        raise ParseError("zero", s.split()[0])
    today = now.astimezone(tz).date()
    toks = _tokens(s)

    minutes, i = _take_duration_prefix(toks)
    if minutes <= 0:
        raise ParseError("zero", str(minutes))
    if minutes > MAX_LOG_MINUTES:
        raise ParseError("too_long", str(minutes))
    rest = toks[i:]

    on_date: date | None = None
    # A date right after the duration ("45 kemarin baca modul"), optionally after "pada"/"on".
    j = 0
    while j < len(rest) and rest[j].lower() in _DATE_FILLERS:
        j += 1
    d, k = _take_date(rest, j, today, "past")
    if d is not None:
        on_date, rest = d, rest[k:]
    else:
        # ... or at the end ("workshop kemarin", "modul 20/11", "baca 20 Nov 2026").
        for n in (3, 2, 1):
            start = len(rest) - n
            if start < 0 or _YEARLESS_DASH_RE.match(rest[start]):
                continue
            d, k = _take_date(rest, start, today, "past")
            if d is not None and k == len(rest):
                on_date, rest = d, rest[:start]
                while rest and rest[-1].lower() in _DATE_FILLERS:
                    rest.pop()
                break
    while rest and rest[0] in _LEADING_NOISE:
        rest.pop(0)

    on_date = on_date or today
    if on_date > today:
        raise ParseError("future", on_date.isoformat())
    if (today - on_date).days > MAX_DAYS_BACK:
        raise ParseError("too_old", on_date.isoformat())
    return LogSpec(minutes, clip(" ".join(rest), LOG_NOTE_MAX), on_date)


# -------------------------------------------------------------------------------------------- periods

PeriodKind = Literal["week", "month"]


class Period(NamedTuple):
    """``[start_utc, end_utc)`` in UTC; ``start_date .. end_date`` inclusive, local dates."""

    start_utc: datetime
    end_utc: datetime
    start_date: date
    end_date: date


def period_bounds(kind: PeriodKind, local_date: date, tz: tzinfo) -> Period:
    """The week (Monday..Sunday) or calendar month containing ``local_date`` in zone ``tz``."""
    if kind == "week":
        start = local_date - timedelta(days=local_date.weekday())
        nxt = start + timedelta(days=7)
    elif kind == "month":
        start = local_date.replace(day=1)
        nxt = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    else:
        raise ValueError(f"unknown period kind: {kind!r}")

    def midnight(d: date) -> datetime:
        return datetime(d.year, d.month, d.day, tzinfo=tz).astimezone(UTC)

    return Period(midnight(start), midnight(nxt), start, nxt - timedelta(days=1))


NUDGE_HOUR = 15  # after lessons, before the evening


def nudge_at(period: Period, tz: tzinfo, is_school_day: Callable[[date], bool]) -> datetime | None:
    """When members behind the pace get their private nudge (UTC): 15:00 local on the first school day from
    the middle of the period (Thursday of a week, the 15th/16th of a month) — not on a Sunday, a holiday or at
    midnight. ``None`` when no school day is left from the middle on (a week of Nyepi and Idul Fitri, a
    semester break): that period has no nudge."""
    middle = period.start_date + timedelta(days=((period.end_date - period.start_date).days + 1) // 2)
    day = middle
    while day <= period.end_date:
        if is_school_day(day):
            return datetime.combine(day, time(NUDGE_HOUR), tzinfo=tz).astimezone(UTC)
        day += timedelta(days=1)
    return None


def elapsed_fraction(period: Period, now: datetime) -> float:
    """How much of ``period`` has passed at ``now`` (aware), clamped to 0..1."""
    total = (period.end_utc - period.start_utc).total_seconds()
    done = (now - period.start_utc).total_seconds()
    return min(1.0, max(0.0, done / total)) if total > 0 else 1.0


# ------------------------------------------------------------------------------------------- progress

MemberId = Hashable


@dataclass(frozen=True, slots=True)
class Progress:
    member_id: MemberId
    minutes: int
    target_minutes: int
    ratio: float  # minutes / target; 1.0 when there is no target (target 0)
    on_track: bool

    @property
    def met(self) -> bool:
        return self.minutes >= self.target_minutes

    @property
    def remaining(self) -> int:
        return max(0, self.target_minutes - self.minutes)


def target_for(role: str | None, targets: Mapping[str | None, int]) -> int:
    """The target for ``role``: its own entry, else the community default (key ``None``), else 0."""
    if role is not None and targets.get(role) is not None:
        return int(targets[role])
    return int(targets.get(None) or 0)


def target_for_window(target: int, kind: PeriodKind, start: date, days: int) -> int:
    """A per-period target (minutes) prorated to a report window of ``days`` local days from ``start``:
    a week's target times days/7; a month's target times days / days of ``start``'s month (a whole
    calendar month, or a whole week with a weekly target, gets the target itself)."""
    if target <= 0 or days <= 0:
        return 0
    if kind == "week":
        return round(target * days / 7)
    nxt = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return round(target * days / (nxt - start.replace(day=1)).days)


def is_behind(
    minutes: int,
    target_minutes: int,
    elapsed: float,
    *,
    tolerance: float = BEHIND_TOLERANCE,
    min_elapsed: float = MIN_ELAPSED_TO_JUDGE,
) -> bool:
    """The pace rule from the module docstring."""
    if target_minutes <= 0 or minutes >= target_minutes or elapsed < min_elapsed:
        return False
    return minutes < tolerance * target_minutes * elapsed


def progress(
    totals: Mapping[MemberId, int],
    target_minutes: int | Mapping[MemberId, int],
    *,
    elapsed_fraction: float,
    members: Iterable[MemberId] | None = None,
    tolerance: float = BEHIND_TOLERANCE,
    min_elapsed: float = MIN_ELAPSED_TO_JUDGE,
) -> list[Progress]:
    """One :class:`Progress` per member, most advanced first (ratio, then minutes).

    ``target_minutes`` is one target for all or a per-member mapping (see :func:`target_for`; a member
    missing from the mapping has target 0). ``members`` adds members with no logged minutes.
    """
    ids: dict[MemberId, None] = dict.fromkeys(totals)
    if members is not None:
        ids.update(dict.fromkeys(members))
    out = []
    for mid in ids:
        minutes = int(totals.get(mid, 0) or 0)
        target = int(
            target_minutes.get(mid, 0) if isinstance(target_minutes, Mapping) else target_minutes
        )
        ratio = minutes / target if target > 0 else 1.0
        on_track = not is_behind(minutes, target, elapsed_fraction, tolerance=tolerance, min_elapsed=min_elapsed)
        out.append(Progress(mid, minutes, target, ratio, on_track))
    out.sort(key=lambda p: (-p.ratio, -p.minutes))
    return out


def behind(
    progress_list: Iterable[Progress],
    elapsed_fraction: float,
    *,
    tolerance: float = BEHIND_TOLERANCE,
    min_elapsed: float = MIN_ELAPSED_TO_JUDGE,
) -> list[Progress]:
    """Members behind the pro-rata pace at ``elapsed_fraction``, furthest behind first."""
    late = [
        p
        for p in progress_list
        if is_behind(p.minutes, p.target_minutes, elapsed_fraction, tolerance=tolerance, min_elapsed=min_elapsed)
    ]
    return sorted(late, key=lambda p: (p.ratio, p.minutes))


# --------------------------------------------------------------------------------------------- targets

MAX_TARGET_MINUTES = {"week": 40 * 60, "month": 160 * 60}
_WEEK_WORDS = {"minggu", "pekan", "seminggu", "sepekan", "week", "weekly", "mingguan", "/minggu", "/week"}
_MONTH_WORDS = {"bulan", "sebulan", "month", "monthly", "bulanan", "/bulan", "/month"}
_TARGET_FILLERS = {"per", "tiap", "setiap", "every", "a", "each", "untuk", "for", "role", "peran", "jam:"}


@dataclass(frozen=True, slots=True)
class TargetSpec:
    minutes: int
    period: PeriodKind | None  # None: keep the community's current period (default month)
    role: str | None  # None: everyone


def parse_target(text: str, role_aliases: Mapping[str, str]) -> TargetSpec:
    """``/target 8 jam per bulan``, ``/target 2 jam seminggu``, ``/target 8``, ``/target 4 jam per bulan
    untuk operator`` (``role_aliases`` maps lower-case words to role keys). A bare number is hours here
    (a target of 8 minutes makes no sense); ``0`` removes the target.

    Codes: ``empty``, ``bad_duration``, ``target_range`` (over 40 h a week / 160 h a month),
    ``bad_role`` (a word that is neither a duration, a period nor a role)."""
    toks = re.sub(r",(?!\d)", " ", (text or "").lower()).split()
    if not toks:
        raise ParseError("empty")
    period: PeriodKind | None = None
    role: str | None = None
    rest: list[str] = []
    for t in toks:
        if t in _WEEK_WORDS:
            period = "week"
        elif t in _MONTH_WORDS:
            period = "month"
        elif t in role_aliases:
            role = role_aliases[t]
        elif t not in _TARGET_FILLERS:
            rest.append(t)
    if not rest:
        raise ParseError("bad_duration")
    amount = " ".join(rest)
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{1,2})?", amount, re.ASCII):
        minutes = round(float(amount.replace(",", ".")) * 60)
    else:
        try:
            minutes = parse_duration(amount)
        except ParseError:
            raise ParseError("bad_role" if not rest[0][0].isdigit() else "bad_duration", amount) from None
    if minutes < 0 or minutes > MAX_TARGET_MINUTES[period or "month"]:
        raise ParseError("target_range", str(minutes))
    return TargetSpec(minutes, period, role)
