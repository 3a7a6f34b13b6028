"""The seeds' practices around the inquiry cycle (issue 15): the community agreement (003, PIC steps 1–2),
the programme's activities with teachers, pupils and parents counted (002), and the community's own
placement on the progress map once a term (003).

Pure functions; errors are :class:`ProgrammeError` with a stable ``code`` the bot renders.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from .progress_map import FOCUSES, INDICATORS, level_of

# -- the agreement ---------------------------------------------------------------------------------
AGREEMENT_MIN = 10
AGREEMENT_MAX = 1000
AGREEMENT_MAX_LINES = 15


class ProgrammeError(ValueError):
    def __init__(self, code: str, **detail: object) -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


def clean_agreement(text: str) -> str:
    """The agreement as typed: trimmed lines, no blank runs; a few lines, not an essay."""
    lines = [" ".join(ln.split()) for ln in (text or "").strip().splitlines()]
    out: list[str] = []
    for ln in lines:
        if ln or (out and out[-1]):
            out.append(ln)
    body = "\n".join(out).strip()
    if len(body) < AGREEMENT_MIN or not any(ch.isalpha() for ch in body):
        raise ProgrammeError("agreement_short", min=AGREEMENT_MIN)
    if len(body) > AGREEMENT_MAX:
        raise ProgrammeError("agreement_long", max=AGREEMENT_MAX, length=len(body))
    if len(body.splitlines()) > AGREEMENT_MAX_LINES:
        raise ProgrammeError("agreement_lines", max=AGREEMENT_MAX_LINES)
    return body


def accepted_share(accepted: Collection[int] | None, members: Iterable[int]) -> float | None:
    """Progress-map indicator `agreement_accepted`: the share of the active members who accepted the current
    agreement; None with no agreement written yet, or no active member."""
    ids = list(members)
    if accepted is None or not ids:
        return None
    return sum(1 for m in ids if m in accepted) / len(ids)


# -- the programme's activities (002) -----------------------------------------------------------------
KINDS = ("forum", "club", "parents", "lesson_study", "custom")
TITLE_MAX = 80
COUNT_MAX = 5000
FUTURE_DAYS = 0  # an activity is recorded once held: today at the latest
PAST_DAYS = 366

_MONTHS = {}
for _n, _names in enumerate(["jan januari january", "feb februari pebruari february", "mar maret march",
                             "apr april", "mei may", "jun juni june", "jul juli july",
                             "agu agt agustus aug august", "sep september sept", "okt oktober oct october",
                             "nov november nop nopember", "des desember dec december"], start=1):
    for _w in _names.split():
        _MONTHS[_w] = _n
_TODAY = {"hari ini": 0, "today": 0, "kemarin": 1, "yesterday": 1}
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}|\d{2}))?$")
_NUM = re.compile(r"^\d{1,5}$")


@dataclass(frozen=True)
class ActivityDetails:
    held_on: date
    teachers: int
    pupils: int
    parents: int


def _date(words: list[str], today: date) -> tuple[date, int]:
    """A date at the start of `words` and how many words it used."""
    two = " ".join(words[:2]).lower()
    if two in _TODAY:
        return today - timedelta(days=_TODAY[two]), 2
    one = words[0].lower() if words else ""
    if one in _TODAY:
        return today - timedelta(days=_TODAY[one]), 1
    m = _DMY.match(one)
    used = 1
    if m:
        day, month, year = int(m[1]), int(m[2]), m[3]
    elif one.isdigit() and len(words) > 1 and words[1].lower().rstrip(".") in _MONTHS:
        day, month = int(one), _MONTHS[words[1].lower().rstrip(".")]
        year = words[2] if len(words) > 2 and re.fullmatch(r"\d{4}", words[2]) else None
        used = 3 if year else 2
    else:
        raise ProgrammeError("bad_date")
    try:
        if year:
            d = date(int(year) + (2000 if len(year) == 2 else 0), month, day)
        else:  # no year: the latest such day up to today
            d = date(today.year, month, day)
            if d > today:
                d = date(today.year - 1, month, day)
    except ValueError:
        raise ProgrammeError("bad_date") from None
    return d, used


def parse_details(text: str, *, today: date) -> ActivityDetails:
    """`<date> <teachers> <pupils> <parents>`, e.g. "14/11 10 30 10", "hari ini 12 0 25", "3 Nov 9 30 0".
    Missing trailing counts are 0 ("14/11 10" = ten teachers)."""
    words = (text or "").replace(",", " ").split()
    if not words:
        raise ProgrammeError("empty")
    held, used = _date(words, today)
    if held > today + timedelta(days=FUTURE_DAYS):
        raise ProgrammeError("future_date")
    if held < today - timedelta(days=PAST_DAYS):
        raise ProgrammeError("old_date")
    rest = words[used:]
    if not rest or len(rest) > 3 or not all(_NUM.match(w) for w in rest):
        raise ProgrammeError("bad_counts")
    counts = [int(w) for w in rest] + [0] * (3 - len(rest))
    if any(c > COUNT_MAX for c in counts):
        raise ProgrammeError("too_many", max=COUNT_MAX)
    if not any(counts):
        raise ProgrammeError("nobody")
    return ActivityDetails(held, *counts)


def clean_title(text: str) -> str:
    title = " ".join((text or "").split())
    if len(title) < 3 or not any(ch.isalpha() for ch in title):
        raise ProgrammeError("title_short")
    if len(title) > TITLE_MAX:
        raise ProgrammeError("title_long", max=TITLE_MAX, length=len(title))
    return title


@dataclass(frozen=True)
class Participation:
    """One period of the participation table: activities held and people taking part."""

    start: date
    end: date
    activities: int
    teachers: int
    pupils: int
    parents: int


def periods(start: date, end: date) -> list[tuple[date, date]]:
    """The periods of a report window (`end` inclusive): weeks (Monday–Sunday) for a window of up to
    ten weeks — 002's programme ran ten — otherwise calendar months."""
    if (end - start).days < 70:
        out, d = [], start
        while d <= end:
            last = min(end, d + timedelta(days=6 - d.weekday()))
            out.append((d, last))
            d = last + timedelta(days=1)
        return out
    out, d = [], start
    while d <= end:
        nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        out.append((d, min(end, nxt - timedelta(days=1))))
        d = nxt
    return out


def participation(activities: Iterable[tuple[date, int, int, int]], start: date, end: date) -> list[Participation]:
    """Per period of the window, from (held_on, teachers, pupils, parents); periods without an activity
    are kept (a gap in the programme shows)."""
    acts = [a for a in activities if start <= a[0] <= end]
    out = []
    for s, e in periods(start, end):
        inside = [a for a in acts if s <= a[0] <= e]
        out.append(Participation(s, e, len(inside), sum(a[1] for a in inside), sum(a[2] for a in inside),
                                 sum(a[3] for a in inside)))
    return out


def first_and_last(rows: list[Participation]) -> tuple[Participation, Participation] | None:
    """002's "kondisi awal → kondisi akhir": the first and the last period with an activity (None with
    fewer than two such periods)."""
    held = [r for r in rows if r.activities]
    return (held[0], held[-1]) if len(held) > 1 else None


# -- the progress map, placed by the community itself (003) ------------------------------------------
def term_of(d: date) -> str:
    """The school term (semester) of a day: "2026/2027-1" July–December, "2026/2027-2" January–June."""
    if d.month >= 7:
        return f"{d.year}/{d.year + 1}-1"
    return f"{d.year - 1}/{d.year}-2"


def indicators() -> list[tuple[str, str]]:
    """(focus, indicator) in the order they are asked."""
    return [(f, i) for f in FOCUSES for i in INDICATORS[f]]


def placement(answers: Iterable[tuple[str, int]]) -> dict[str, str]:
    """The community's own level per focus from members' (indicator, 0..2) placements: the same rule as
    the computed map (mean points ≥ 1.5 membudaya, ≥ 0.75 berjalan). Focuses nobody placed are left out."""
    focus_of = {i: f for f, i in indicators()}
    by_focus: dict[str, list[int]] = {}
    for indicator, level in answers:
        if indicator in focus_of and 0 <= level <= 2:
            by_focus.setdefault(focus_of[indicator], []).append(level)
    return {f: level_of(by_focus[f]) for f in FOCUSES if f in by_focus}


def next_unanswered(answered: Mapping[str, int]) -> int | None:
    """Index (in `indicators()`) of the first indicator a member has not placed yet."""
    for n, (_, i) in enumerate(indicators()):
        if i not in answered:
            return n
    return None
