"""A PIC's change to a planned meeting: ``/jadwal batal ...`` and ``/jadwal pindah ...`` parsed into a
:class:`ChangeSpec`.

Pure code: no Telegram, no database, no clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo

from domain.rhythm.durations import ParseError
from domain.rhythm.schedule_words import (
    _TIME_FILLERS,
    MAX_DAYS_AHEAD,
    TEXT_MAX,
    _check_working_day,
    _parse_clock,
    _take_date,
    _take_days,
    _take_one_time,
    _tokens,
)
from domain.text import clip

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
