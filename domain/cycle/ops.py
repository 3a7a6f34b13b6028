"""Small pure decisions of the inquiry-cycle feature that the bot layer needs beside domain.cycle.core:
stage clock times, journal times, answer checks, before/after results, owner matching (stalls: `domain.reports.figures.stalled`).

Errors are :class:`domain.cycle.core.CycleError` with a stable ``code``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.cycle.core import CycleError, Stage, StagePlan, weekday_school

OPEN_HOUR = 7  # a stage opens at 07:00 local on its first day
CLOSE_HOUR = 7  # and closes at 07:00 local on its last day (the meeting day): the synthesis is ready for it
REMINDER_HOUR = 15  # one reminder at 15:00 local on the last school day before the stage closes
REMINDER_BEFORE_S = 16 * 3600  # (a stage too short for that: 16 hours before it closes)
ANSWER_MAX = 3000  # characters kept of one answer

STAGE_WORDS = {
    "1": Stage.REFLECTION, "refleksi": Stage.REFLECTION, "reflection": Stage.REFLECTION, "refl": Stage.REFLECTION,
    "2": Stage.PLANNING, "perencanaan": Stage.PLANNING, "planning": Stage.PLANNING, "plan": Stage.PLANNING,
    "3": Stage.IMPLEMENTATION, "implementasi": Stage.IMPLEMENTATION, "implementation": Stage.IMPLEMENTATION,
    "impl": Stage.IMPLEMENTATION,
    "4": Stage.EVALUATION, "evaluasi": Stage.EVALUATION, "evaluation": Stage.EVALUATION, "eval": Stage.EVALUATION,
}  # fmt: skip
KEY_PREFIX = {Stage.REFLECTION: "refl", Stage.PLANNING: "plan", Stage.IMPLEMENTATION: "impl",
              Stage.EVALUATION: "eval"}  # fmt: skip


def stage_from_word(word: str) -> Stage | None:
    return STAGE_WORDS.get((word or "").strip().lower())


def new_question_key(stage: Stage, existing: Iterable[str]) -> str:
    """``refl.c1``, ``refl.c2``…: the first free key for a PIC's own question."""
    taken = set(existing)
    n = 1
    while f"{KEY_PREFIX[stage]}.c{n}" in taken:
        n += 1
    return f"{KEY_PREFIX[stage]}.c{n}"


def local_ts(d: date, hour: int, tz: str, minute: int = 0) -> int:
    return int(datetime.combine(d, time(hour, minute), tzinfo=ZoneInfo(tz)).timestamp())


@dataclass(frozen=True, slots=True)
class StageTimes:
    stage: Stage
    opens_at: int
    closes_at: int
    reminder_at: int


def reminder_time(opens_at: int, closes_at: int, tz: str = "Asia/Jakarta",
                  is_school_day: Callable[[date], bool] = weekday_school) -> int:
    """15:00 local on the last school day before the closing day (Friday for a Monday meeting, not the
    Sunday), at most a week early and never before the stage has been open for an hour. A stage too short
    for that: the day before closing, but not in its first hour."""
    day = datetime.fromtimestamp(closes_at, ZoneInfo(tz)).date() - timedelta(days=1)
    for _ in range(7):
        at = local_ts(day, REMINDER_HOUR, tz)
        if at < opens_at + 3600:
            break
        if is_school_day(day):
            return at
        day -= timedelta(days=1)
    return max(closes_at - REMINDER_BEFORE_S, min(opens_at + 3600, closes_at - 1800))


def stage_times(plans: Sequence[StagePlan], tz: str, now_ts: int,
                is_school_day: Callable[[date], bool] = weekday_school) -> list[StageTimes]:
    """Clock times of a plan. A stage whose first day is today (or past) opens now."""
    out = []
    for p in plans:
        opens = local_ts(p.opens, OPEN_HOUR, tz)
        if p.opens <= datetime.fromtimestamp(now_ts, ZoneInfo(tz)).date():
            opens = min(opens, now_ts)
        closes = max(local_ts(p.closes, CLOSE_HOUR, tz), opens + 3600)
        out.append(StageTimes(p.stage, opens, closes, reminder_time(opens, closes, tz, is_school_day)))
    return out


def parse_clock(text: str) -> tuple[int, int]:
    """"15:30", "15.30", "7" → (h, m). Code ``bad_time``."""
    s = (text or "").strip().lower().removesuffix("wib").removesuffix("wita").removesuffix("wit").strip()
    for sep in (":", "."):
        if sep in s:
            h, _, m = s.partition(sep)
            break
    else:
        h, m = s, "0"
    if not (h.isdigit() and m.isdigit() and len(h) <= 2 and len(m) <= 2):
        raise CycleError("bad_time", text)
    hh, mm = int(h), int(m)
    if not (0 <= hh <= 23 and 0 <= mm <= 59):
        raise CycleError("bad_time", text)
    return hh, mm


def next_journal_at(hhmm: str, tz: str, after_ts: int, is_school_day: Callable[[date], bool]) -> int:
    """The first school day at hh:mm local strictly after ``after_ts``."""
    h, m = parse_clock(hhmm)
    d = datetime.fromtimestamp(after_ts, ZoneInfo(tz)).date()
    for _ in range(400):
        ts = local_ts(d, h, tz, m)
        if ts > after_ts and is_school_day(d):
            return ts
        d += timedelta(days=1)
    raise CycleError("no_school_days")


def clean_answer(text: str | None) -> tuple[str, bool]:
    """(text to store, clipped?). Empty means nothing worth storing (only spaces or punctuation)."""
    s = (text or "").strip()
    if not any(ch.isalnum() for ch in s):
        return "", False
    if len(s) > ANSWER_MAX:
        return s[:ANSWER_MAX].rstrip(), True
    return s, False


_NUMBERED = re.compile(r"\s*(\d{1,2})\s*[.):\-]\s*(.*)", re.S)


def split_numbered(text: str | None, n: int) -> tuple[int | None, str]:
    """A reply to a stage card: ``"2. Kelas 4A ..."`` → (1, "Kelas 4A ...") — the 0-based question and the
    answer; (None, text) when it does not start with the number of one of the `n` questions."""
    m = _NUMBERED.match(text or "")
    if m is None or not 1 <= int(m.group(1)) <= n:
        return None, text or ""
    return int(m.group(1)) - 1, m.group(2)


def parse_results(args: Sequence[str]) -> tuple[float, float]:
    """``["40", "72"]`` or ``["40%", "→", "72%"]`` → (40.0, 72.0). Code ``bad_results``."""
    nums = []
    for a in args:
        a = a.strip().rstrip("%").replace(",", ".")
        if a in ("", "→", "->", "ke", "to", "-", "=>"):
            continue
        try:
            nums.append(float(a))
        except ValueError:
            raise CycleError("bad_results", a) from None
    if len(nums) != 2 or any(not 0 <= n <= 100000 for n in nums):
        raise CycleError("bad_results")
    return nums[0], nums[1]


@dataclass(frozen=True, slots=True)
class Person:
    user_id: int
    first_name: str
    full_name: str
    username: str | None


SELF_WORDS = {"saya", "aku", "me", "myself", "i", "sendiri"}


def match_owner(who: str | None, people: Sequence[Person], adder_id: int) -> int | None:
    """The member an RTL item's "who" names: empty or "saya"/"me" → the adder; a unique first name,
    full name or @username of a member → them; anything else (a team, several people) → None."""
    w = " ".join((who or "").lower().split())
    for prefix in ("bu ", "ibu ", "pak ", "bapak ", "mr ", "mrs ", "ms "):
        w = w.removeprefix(prefix)
    if not w or w in SELF_WORDS:
        return adder_id
    if w.startswith("@"):
        hits = [p for p in people if p.username and p.username.lower() == w[1:]]
    else:
        hits = [p for p in people if p.full_name.lower() == w] or [p for p in people if p.first_name.lower() == w]
    return hits[0].user_id if len(hits) == 1 else None


def local_date(ts: int, tz: str) -> date:
    return datetime.fromtimestamp(ts, ZoneInfo(tz)).date()


def to_ts(now: datetime | int | float) -> int:
    return int(now.timestamp()) if isinstance(now, datetime) else int(now)


def utc(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)

