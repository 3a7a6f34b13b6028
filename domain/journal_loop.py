"""The journal loop of seed 004 (pure): daily journal → why? → weekly card of problems → proposals and votes
→ the chosen solution tried in class → its effect back in the journal."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

MAX_PROPOSALS = 4  # per problem: a card stays short and its buttons fit a phone
MAX_PROBLEMS = 8  # per card; more wait for the next week's card (the PIC's private list shows them all)
CARD_LIMITS = ((220, 160, 140), (90, 60, 60))  # characters of problem, why, proposal: normal, then tight
TEXT_MAX = 4000  # Telegram's limit is 4,096 characters
PROPOSAL_MAX = 300  # characters of a proposed solution
TRIAL_SCHOOL_DAYS = 10  # about two school weeks to try a solution
EFFECTS = ("helped", "partly", "not_yet")
LETTERS = "ABCD"


class LoopError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class Proposal:
    id: int
    votes: int


def parse_proposal(text: str | None, problems: int) -> tuple[int, str]:
    """"2 Pakai teks bergambar" → (2, "Pakai teks bergambar"); the number may be left out when the card holds
    one problem. Codes: ``empty``, ``no_number`` (several problems and no number), ``bad_number``."""
    s = " ".join((text or "").split())
    m = re.match(r"^#?(\d{1,3})\s*[.):\-]?\s*(.*)$", s)
    if m:
        n, rest = int(m.group(1)), m.group(2).strip()
        if not 1 <= n <= problems:
            raise LoopError("bad_number")
    elif problems == 1:
        n, rest = 1, s
    else:
        raise LoopError("no_number" if any(ch.isalpha() for ch in s) else "empty")
    if not any(ch.isalnum() for ch in rest):
        raise LoopError("empty")
    return n, rest[:PROPOSAL_MAX].rstrip()


def label(n: int, k: int) -> str:
    """The k-th (0-based) proposal for problem n: "1A", "1B"…"""
    return f"{n}{LETTERS[k]}"


def winner(proposals: Sequence[Proposal]) -> int | None:
    """The proposal with the most votes; a tie goes to the one proposed first (lowest id). None without votes
    only when there is no proposal at all: an unvoted single proposal is still the group's idea."""
    if not proposals:
        return None
    return min(proposals, key=lambda p: (-p.votes, p.id)).id


def trial_window(today: date, is_school_day: Callable[[date], bool],
                 school_days: int = TRIAL_SCHOOL_DAYS) -> tuple[date, date]:
    """From the next school day after ``today`` to the ``school_days``-th school day from there."""
    d, days = today, []
    for _ in range(400):
        d += timedelta(days=1)
        if is_school_day(d):
            days.append(d)
            if len(days) == school_days:
                break
    if not days:
        return today + timedelta(days=1), today + timedelta(days=14)
    return days[0], days[-1]


def ask_clock(journal_hhmm: str | None) -> tuple[int, int]:
    """The effect question comes at the owner's journal time, else 15:00 (after lessons)."""
    if journal_hhmm and re.fullmatch(r"\d{2}:\d{2}", journal_hhmm):
        h, m = int(journal_hhmm[:2]), int(journal_hhmm[3:])
        if h < 24 and m < 60:
            return h, m
    return 15, 0
