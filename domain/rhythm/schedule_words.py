"""The words of "when" shared by every parser of dates and times (``/jadwal``, its changes, the
calendar, hours, report periods): day and month names, dates, clock times, durations, working days.

Pure code: no Telegram, no database, no clock. The forms accepted are described in
:mod:`domain.rhythm.schedule`."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from typing import Literal

from domain.rhythm.durations import ParseError, parse_duration

MAX_DAYS_AHEAD = 365
TEXT_MAX = 200  # what is stored of a place, an agenda, a reason (UTF-16 code units)

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
_TIME_FILLERS = {"jam", "pukul", "pkl", "pk", "at", "@", "jm"}
_DURATION_FILLERS = {"selama", "for", "durasi"}
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


def _check_working_day(weekday: int, working_days: int, raw: str | None) -> None:
    if weekday == 6 or (weekday == 5 and working_days == 5):
        raise ParseError("not_working_day", raw)
