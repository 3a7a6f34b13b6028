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

``find_overlap``, ``expand_weekly``, ``next_occurrences`` work on concrete UTC intervals
(:class:`Occurrence`). ``reminder_times`` / ``due_reminder`` / ``reminders_to_send`` plan reminders,
including those missed while the bot was down: late ones are sent only before the meeting starts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo

from domain.durations import ParseError, parse_duration
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
MAX_DAYS_AHEAD = 365
TEXT_MAX = 200  # what is stored of a place, an agenda, a reason (UTF-16 code units)
# A reminder fired within this long after its due time counts as on time.
ON_TIME_GRACE = timedelta(minutes=5)
# One group reminder a meeting, the day before (with the RSVP buttons): the noise budget (issue 14) allows
# one; a PIC may add more with `/jadwal pengingat`.
DEFAULT_REMINDER_OFFSETS: tuple[int, ...] = (1440,)

_WEEKDAYS: dict[str, int] = {}
for _i, _names in enumerate(
    (
        ("senin", "sen", "monday", "mon"),
        ("selasa", "sel", "tuesday", "tue", "tues"),
        ("rabu", "rab", "wednesday", "wed"),
        ("kamis", "kam", "thursday", "thu", "thur", "thurs"),
        ("jumat", "jum'at", "jum\u2019at", "jumaat", "jum", "friday", "fri"),
        ("sabtu", "sab", "saturday", "sat"),
        ("minggu", "min", "ahad", "sunday", "sun"),
    )
):
    for _n in _names:
        _WEEKDAYS[_n] = _i

_MONTHS: dict[str, int] = {}
for _i, _names in enumerate(
    (
        ("januari", "january", "jan"),
        ("februari", "pebruari", "february", "feb", "peb"),
        ("maret", "march", "mar"),
        ("april", "apr"),
        ("mei", "may"),
        ("juni", "june", "jun"),
        ("juli", "july", "jul"),
        ("agustus", "august", "agu", "agt", "ags", "aug"),
        ("september", "sept", "sep"),
        ("oktober", "october", "okt", "oct"),
        ("november", "nopember", "nov", "nop"),
        ("desember", "december", "des", "dec"),
    ),
    start=1,
):
    for _n in _names:
        _MONTHS[_n] = _i

_RELATIVE_DAYS = {
    "hari_ini": 0, "today": 0, "hr_ini": 0,
    "besok": 1, "bsk": 1, "besuk": 1, "tomorrow": 1,
    "lusa": 2,
    "kemarin": -1, "kemaren": -1, "kmrn": -1, "yesterday": -1,
}
_ZONES = {"wib": "Asia/Jakarta", "wita": "Asia/Makassar", "wit": "Asia/Jayapura"}
_DAY_FILLERS = {"setiap", "tiap", "every", "hari", "each", "on", "pada", "tgl", "tanggal"}
_TIME_FILLERS = {"jam", "pukul", "pkl", "pk", "at", "@", "jm"}
_DURATION_FILLERS = {"selama", "for", "durasi"}
_PLACE_FILLERS = {"di", "at", "@", "in", "tempat", "place", "lokasi"}
_JOINERS = {"dan", "and", "&", ",", "+"}
_SEPARATORS = {"-", "\u2013", "\u2014", "|"}
_UNIT_WORDS = {"jam", "j", "h", "hour", "hours", "menit", "mnt", "min", "mins", "m", "minutes", "minute"}
_RANGE_WORDS = {"-", "\u2013", "s/d", "sd", "sampai", "hingga", "to", "until", "till"}

_DMY_RE = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})(?:\2(\d{4}|\d{2}))?$", re.ASCII)
_YMD_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$", re.ASCII)
_DATEISH_RE = re.compile(r"^\d[\d/.-]*[/-][\d/.-]*$", re.ASCII)
_TIME_RE = re.compile(
    r"^(\d{1,2})(?:[:.](\d{2}))?(am|pm|a\.m\.|p\.m\.)?$", re.ASCII
)
_END_TIME_RE = re.compile(r"^(?:\d{1,2}(?:[:.]\d{2})?(?:am|pm)|\d{1,2}[:.]\d{2})$", re.ASCII)
_URL_RE = re.compile(
    r"^(?:https?://\S+|(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)+/\S*)$", re.ASCII | re.IGNORECASE
)


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


def weekday_from_name(name: str) -> int | None:
    """``"Kamis"``/``"thu"`` -> 3; ``None`` when not a day name."""
    return _WEEKDAYS.get(name.strip().lower().rstrip(".,"))


def _tokens(text: str) -> list[str]:
    # Two-word relative days become one token so they survive whitespace splitting.
    text = re.sub(r"(?i)\b(hari|hr)\s+ini\b", lambda m: f"{m[1]}_ini", text)
    return text.split()


def _make_date(y: int, m: int, d: int, raw: str) -> date:
    try:
        return date(y, m, d)
    except ValueError:
        raise ParseError("bad_date", raw) from None


def _resolve_year(m: int, d: int, today: date, prefer: Literal["future", "past"], raw: str) -> date:
    """A date typed without a year: the nearest sensible year (see the module docstring)."""
    try:
        cand = date(today.year, m, d)
    except ValueError:
        # 29/02 typed in a non-leap year: try the neighbouring year the policy would pick.
        other = today.year + (1 if prefer == "future" else -1)
        return _make_date(other, m, d, raw)
    if prefer == "future" and cand < today - timedelta(days=31):
        return _make_date(today.year + 1, m, d, raw)
    if prefer == "past" and cand > today + timedelta(days=31):
        return _make_date(today.year - 1, m, d, raw)
    return cand


def parse_date_token(
    token: str, today: date, *, prefer: Literal["future", "past"] = "future"
) -> date | None:
    """One-token date: ``26/11``, ``26-11-2026``, ``26.11.2026``, ``26/11/26``, ``2026-11-26``,
    ``besok``/``tomorrow``, ``lusa``, ``kemarin``/``yesterday``, ``hari_ini``/``today``.

    Returns ``None`` when the token does not look like a date; raises ``ParseError("bad_date")``
    when it looks like one but is impossible.
    """
    t = token.strip().lower().rstrip(",;:")
    if t in _RELATIVE_DAYS:
        return today + timedelta(days=_RELATIVE_DAYS[t])
    if m := _YMD_RE.match(t):
        return _make_date(int(m[1]), int(m[2]), int(m[3]), token)
    if m := _DMY_RE.match(t):
        d, sep, mo, y = int(m[1]), m[2], int(m[3]), m[4]
        if y is None:
            if sep == ".":  # "14.00" is a time, not the 14th of month 0
                return None
            return _resolve_year(mo, d, today, prefer, token)
        year = int(y) + (2000 if len(y) == 2 else 0)
        return _make_date(year, mo, d, token)
    if _DATEISH_RE.match(t):
        raise ParseError("bad_date", token)
    return None


def _take_date(
    toks: list[str], i: int, today: date, prefer: Literal["future", "past"]
) -> tuple[date | None, int]:
    """A date at ``toks[i]``: one token, or ``26 Nov [2026]``. Returns (date or None, next index)."""
    if i >= len(toks):
        return None, i
    d = parse_date_token(toks[i], today, prefer=prefer)
    if d is not None:
        return d, i + 1
    low = [t.lower().rstrip(".,") for t in toks[i : i + 3]]
    if len(low) >= 2 and low[0].isdigit() and len(low[0]) <= 2 and low[1] in _MONTHS:
        day, month = int(low[0]), _MONTHS[low[1]]
        if len(low) == 3 and re.fullmatch(r"\d{4}", low[2], re.ASCII):
            return _make_date(int(low[2]), month, day, " ".join(toks[i : i + 3])), i + 3
        return _resolve_year(month, day, today, prefer, " ".join(toks[i : i + 2])), i + 2
    return None, i


def _day_piece(piece: str) -> list[int] | None:
    """``"kamis"`` -> [3]; ``"sen-jum"`` -> [0..4]; ``None`` if not a day (range)."""
    if piece in _WEEKDAYS:
        return [_WEEKDAYS[piece]]
    a, sep, b = piece.partition("-")
    if sep and a in _WEEKDAYS and b in _WEEKDAYS:
        x, y = _WEEKDAYS[a], _WEEKDAYS[b]
        return list(range(x, y + 1)) if x <= y else [*range(x, 7), *range(0, y + 1)]
    return None


def _take_days(toks: list[str], i: int) -> tuple[list[int], int]:
    days: list[int] = []
    while i < len(toks):
        low = toks[i].lower()
        if low in _JOINERS and days:
            i += 1
            continue
        pieces = [p for p in re.split(r"[,&/+]", low) if p and p not in _JOINERS]
        found = [_day_piece(p) for p in pieces]
        if not pieces or any(f is None for f in found):
            break
        for f in found:
            days.extend(f or ())
        i += 1
    return days, i


def _parse_clock(tok: str) -> tuple[int, int, str | None] | None:
    """``"14.30"`` -> (14, 30, None); ``"2pm"`` -> (2, 0, "pm"). Range-unchecked."""
    m = _TIME_RE.match(tok.lower())
    if not m:
        return None
    ampm = m[3].replace(".", "") if m[3] else None
    return int(m[1]), int(m[2] or 0), ampm


def _to_time(h: int, mi: int, qualifier: str | None, raw: str) -> time:
    if mi > 59:
        raise ParseError("bad_time", raw)
    if qualifier in ("am", "pm"):
        if not 1 <= h <= 12:
            raise ParseError("bad_time", raw)
        h = h % 12 + (12 if qualifier == "pm" else 0)
    elif qualifier in ("siang", "sore", "malam"):
        if h > 12:
            pass  # "15 sore": already 24-hour
        elif qualifier == "siang":
            h = h + 12 if 1 <= h <= 5 else h
        elif h < 12:
            h += 12
    elif qualifier != "pagi" and 1 <= h <= 5:
        h += 12  # bare "jam 3": a school meets at 15:00, not 03:00
    if not 0 <= h <= 23:
        raise ParseError("bad_time", raw)
    return time(h, mi)


def _take_one_time(toks: list[str], i: int) -> tuple[time | None, int]:
    if i >= len(toks):
        return None, i
    raw = toks[i]
    clock = _parse_clock(raw)
    if clock is None:
        return None, i
    h, mi, qual = clock
    i += 1
    if qual is None and i < len(toks):
        nxt = toks[i].lower()
        if nxt in ("am", "pm", "a.m.", "p.m.", "pagi", "siang", "sore", "malam"):
            qual = nxt.replace(".", "")
            i += 1
    return _to_time(h, mi, qual, raw), i


def _take_time(toks: list[str], i: int) -> tuple[time, time | None, int]:
    """Start time, optional end time (``14:00-15:30``, ``14:00 s/d 15:30``), optional zone word."""
    while i < len(toks) and toks[i].lower() in _TIME_FILLERS:
        i += 1
    if i >= len(toks):
        raise ParseError("bad_time", None)
    # "14:00-15:30" in one token
    parts = re.split("[-\u2013]", toks[i])
    if len(parts) == 2 and all(_parse_clock(p) for p in parts):
        first, _ = _take_one_time([parts[0]], 0)
        second, _ = _take_one_time([parts[1]], 0)
        if first is not None:
            return first, second, i + 1
    if toks[i].isdigit() and i + 1 < len(toks) and toks[i + 1].lower() in _UNIT_WORDS:
        raise ParseError("bad_time", f"{toks[i]} {toks[i + 1]}")  # "Kamis 1 jam": a duration, no time
    start, j = _take_one_time(toks, i)
    if start is None:
        raise ParseError("bad_time", toks[i])
    end = None
    if j + 1 < len(toks) and toks[j].lower() in _RANGE_WORDS:
        k = j + 1
        while k < len(toks) and toks[k].lower() in _TIME_FILLERS:
            k += 1
        # Only a clock-looking token with ':' or '.' counts, so "- 5 langkah" stays an agenda.
        if k < len(toks) and _END_TIME_RE.match(toks[k].lower()):
            end, j = _take_one_time(toks, k)
    return start, end, j


def _take_duration(toks: list[str], i: int) -> tuple[int | None, int]:
    j = i
    while j < len(toks) and toks[j].lower() in _DURATION_FILLERS:
        j += 1
    for n in range(4, 0, -1):
        chunk = toks[j : j + n]
        if len(chunk) < n or any(t in _SEPARATORS or _URL_RE.match(t) for t in chunk):
            continue
        try:
            return parse_duration(" ".join(chunk)), j + n
        except ParseError:
            continue
    return None, i


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


def _check_working_day(weekday: int, working_days: int, raw: str | None) -> None:
    if weekday == 6 or (weekday == 5 and working_days == 5):
        raise ParseError("not_working_day", raw)


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


# ------------------------------------------------------------------------------------------ recurrence


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One concrete meeting: ``[start_utc, end_utc)``, on ``local_date`` in the community's zone."""

    series_id: int | None
    start_utc: datetime
    end_utc: datetime
    local_date: date

    def overlaps(self, other: Occurrence) -> bool:
        return self.start_utc < other.end_utc and other.start_utc < self.end_utc


def _local_start_utc(d: date, start_time: time, tz: tzinfo) -> datetime:
    # zoneinfo resolves wall-clock times itself (fold=0 on ambiguous/skipped times in DST zones).
    return datetime.combine(d, start_time, tzinfo=tz).astimezone(UTC)


def occurrence_once(
    d: date, start_time: time, duration_min: int, tz: tzinfo, *, series_id: int | None = None
) -> Occurrence:
    start = _local_start_utc(d, start_time, tz)
    return Occurrence(series_id, start, start + timedelta(minutes=duration_min), d)


def expand_weekly(
    weekdays: Iterable[int],
    start_time: time,
    duration_min: int,
    tz: tzinfo,
    from_utc: datetime,
    to_utc: datetime,
    *,
    series_id: int | None = None,
    skip: Callable[[date], bool] | None = None,
) -> list[Occurrence]:
    """Occurrences whose start lies in ``[from_utc, to_utc)``, in time order.

    ``skip(local_date)`` -> True drops a date (e.g. ``lambda d: not calendar.is_school_day(d)``).
    """
    wds = frozenset(weekdays)
    if not wds or to_utc <= from_utc:
        return []
    out: list[Occurrence] = []
    d = from_utc.astimezone(tz).date() - timedelta(days=1)
    last = to_utc.astimezone(tz).date() + timedelta(days=1)
    while d <= last:
        if d.weekday() in wds and not (skip and skip(d)):
            occ = occurrence_once(d, start_time, duration_min, tz, series_id=series_id)
            if from_utc <= occ.start_utc < to_utc:
                out.append(occ)
        d += timedelta(days=1)
    return out


def next_occurrences(
    weekdays: Iterable[int],
    start_time: time,
    duration_min: int,
    tz: tzinfo,
    now_utc: datetime,
    count: int = 1,
    *,
    series_id: int | None = None,
    skip: Callable[[date], bool] | None = None,
    horizon_days: int = 400,
) -> list[Occurrence]:
    """The next ``count`` occurrences starting at or after ``now_utc`` (fewer if ``skip`` removes
    every date within ``horizon_days``)."""
    out: list[Occurrence] = []
    wds = frozenset(weekdays)
    if not wds or count <= 0:
        return out
    window = timedelta(days=7 * (count // len(wds) + 2))
    start, limit = now_utc, now_utc + timedelta(days=horizon_days)
    while len(out) < count and start < limit:
        end = min(start + window, limit)
        out.extend(
            expand_weekly(wds, start_time, duration_min, tz, start, end, series_id=series_id, skip=skip)
        )
        start = end
    return out[:count]


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


def find_overlap(
    new_occurrences: Sequence[Occurrence], existing_occurrences: Sequence[Occurrence]
) -> Occurrence | None:
    """The earliest *existing* occurrence that overlaps any new one, or ``None``.

    Intervals are half-open: a meeting ending at 15:30 does not clash with one starting at 15:30.
    An occurrence never clashes with its own series (same non-None ``series_id``), so a series can be
    rescheduled without excluding its old dates by hand.
    """
    new = sorted(new_occurrences, key=lambda o: o.start_utc)
    old = sorted(existing_occurrences, key=lambda o: o.start_utc)
    best: Occurrence | None = None
    lo = 0
    for n in new:
        # ``new`` is sorted by start, so an existing meeting over before this one starts is over
        # before every later one too: the sweep pointer only moves forward.
        while lo < len(old) and old[lo].end_utc <= n.start_utc:
            lo += 1
        k = lo
        while k < len(old) and old[k].start_utc < n.end_utc:
            o = old[k]
            k += 1
            if n.series_id is not None and n.series_id == o.series_id:
                continue
            if o.overlaps(n):
                if best is None or o.start_utc < best.start_utc:
                    best = o
                break
    return best


# ----------------------------------------------------------------------------------------- reminders


def reminder_times(
    start_utc: datetime, offsets_min: Iterable[int] = DEFAULT_REMINDER_OFFSETS
) -> list[datetime]:
    """When to remind, earliest first: ``start - offset`` for each distinct positive offset."""
    return sorted({start_utc - timedelta(minutes=o) for o in offsets_min if o > 0})


ReminderDecision = Literal["send", "late_send", "skip", "not_yet"]


def due_reminder(
    start_utc: datetime, offset_min: int, now_utc: datetime, *, grace: timedelta = ON_TIME_GRACE
) -> ReminderDecision:
    """What to do with the reminder ``offset_min`` before ``start_utc``, looking at it at ``now_utc``.

    - ``"not_yet"``   before its due time (nothing to do yet);
    - ``"send"``      due, and at most ``grace`` late;
    - ``"late_send"`` missed (e.g. the bot was down) but the meeting has not started: still useful,
      the text should say how long until the start rather than "tomorrow"/"in 1 hour";
    - ``"skip"``      the meeting has started or is over: a reminder now is noise.
    """
    if now_utc >= start_utc:
        return "skip"
    due = start_utc - timedelta(minutes=offset_min)
    if now_utc < due:
        return "not_yet"
    return "send" if now_utc - due <= grace else "late_send"


def reminders_to_send(
    start_utc: datetime,
    offsets_min: Iterable[int],
    already_sent: Iterable[int],
    now_utc: datetime,
    *,
    grace: timedelta = ON_TIME_GRACE,
) -> tuple[int | None, ReminderDecision, list[int]]:
    """After downtime several reminders of one meeting may be due at once; send only one.

    Returns ``(offset_to_send or None, its decision, offsets_to_mark_skipped)``: the due reminder
    closest to the start is sent; earlier due ones are superseded and marked skipped.
    """
    sent = set(already_sent)
    due: list[tuple[int, ReminderDecision]] = []
    skipped: list[int] = []
    for off in sorted(set(offsets_min), reverse=True):
        if off in sent:
            continue
        decision = due_reminder(start_utc, off, now_utc, grace=grace)
        if decision == "skip":
            skipped.append(off)
        elif decision != "not_yet":
            due.append((off, decision))
    if not due:
        return None, "not_yet" if not skipped else "skip", skipped
    *superseded, (off, decision) = due  # sorted by offset descending: last is closest to start
    return off, decision, skipped + [o for o, _ in superseded]


# ------------------------------------------------------------------------------------------- changes

MIN_REMINDER_OFFSET = 5
MAX_REMINDER_OFFSET = 7 * 24 * 60
MAX_REMINDERS = 3
_SERIES_WORDS = {"seri", "series", "semua", "all", "rutin", "seterusnya"}


@dataclass(frozen=True, slots=True)
class ChangeSpec:
    """A PIC's change to a planned meeting: ``/jadwal batal 26/11 alasan`` or
    ``/jadwal pindah 26/11 27/11 14:00 alasan``.

    ``date`` names the occurrence (its local date). ``series`` means "this and every later one":
    cancel ends the series; move changes its day(s) and/or time from that date on
    (``pindah 26/11 seri Jumat 15:00``). ``new_date``/``new_time``/``new_weekdays`` are None when unchanged.
    """

    action: Literal["cancel", "move"]
    date: date
    series: bool = False
    new_date: date | None = None
    new_time: time | None = None
    new_weekdays: tuple[int, ...] | None = None
    reason: str = ""


def parse_change(
    action: Literal["cancel", "move"], text: str, *, now: datetime, tz: ZoneInfo | tzinfo, working_days: int = 5
) -> ChangeSpec:
    """Parse the words after ``batal``/``cancel`` or ``pindah``/``move``.

    Forms: ``<date> [seri] [reason]`` (cancel); ``<date> [<new date>] [<new time>] [reason]`` (move one);
    ``<date> seri [<day(s)>] [<time>] [reason]`` (move the series). Error codes: ``empty``, ``bad_date``,
    ``bad_time``, ``no_change`` (a move that changes nothing), ``past`` (the new start has passed),
    ``too_far``, ``not_working_day``.
    """
    toks = _tokens(text or "")
    if not toks:
        raise ParseError("empty")
    today = now.astimezone(tz).date()
    the_date, i = _take_date(toks, 0, today, "future")
    if the_date is None:
        raise ParseError("bad_date", toks[0])
    series = False
    if i < len(toks) and toks[i].lower() in _SERIES_WORDS:
        series, i = True, i + 1
    if action == "cancel":
        return ChangeSpec("cancel", the_date, series, reason=clip(" ".join(toks[i:]), TEXT_MAX))
    new_date = new_time = None
    new_days: tuple[int, ...] | None = None
    if series:
        days, i = _take_days(toks, i)
        new_days = tuple(sorted(set(days))) or None
        for wd in new_days or ():
            _check_working_day(wd, working_days, str(wd))
    else:
        new_date, i = _take_date(toks, i, today, "future")
    while i < len(toks) and toks[i].lower() in _TIME_FILLERS:
        i += 1
    if i < len(toks) and _parse_clock(toks[i]) is not None:
        new_time, i = _take_one_time(toks, i)
    if new_date is None and new_time is None and new_days is None:
        raise ParseError("no_change", toks[i] if i < len(toks) else None)
    reason = clip(" ".join(toks[i:]), TEXT_MAX)
    if new_date is not None:
        _check_working_day(new_date.weekday(), working_days, new_date.isoformat())
        if (new_date - today).days > MAX_DAYS_AHEAD:
            raise ParseError("too_far", new_date.isoformat())
        if new_date < today:
            raise ParseError("past", new_date.isoformat())
    return ChangeSpec("move", the_date, series, new_date, new_time, new_days, reason)


def parse_offsets(text: str) -> tuple[int, ...]:
    """Reminder offsets in minutes before a meeting, one duration per word: ``"1440 60"``, ``"24j 30m"``.
    Distinct, largest first; 1 to 3 of them, each 5 min .. 7 days.
    Codes: ``empty``, ``bad_duration``, ``offset_range``, ``too_many``."""
    parts = [p for p in re.split(r"[\s,;]+", (text or "").strip()) if p]
    if not parts:
        raise ParseError("empty")
    out = {parse_duration(p) for p in parts}
    if len(out) > MAX_REMINDERS:
        raise ParseError("too_many", str(len(out)))
    for o in out:
        if not MIN_REMINDER_OFFSET <= o <= MAX_REMINDER_OFFSET:
            raise ParseError("offset_range", str(o))
    return tuple(sorted(out, reverse=True))
