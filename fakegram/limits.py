"""Telegram's flood limits as the fake enforces them (``FakeTelegram(enforce_rate_limits=True)``).

Telegram documents its limits only as advice (Bots FAQ): about 30 messages a second per bot overall, at
most 20 messages a minute in one group, and "avoid sending more than one message per second in a particular
chat; we may allow short bursts that go over this limit, but eventually you'll begin receiving 429 errors".
The algorithm is not published, so the fake takes the strict literal reading of the first two and a burst
model for the third — a sender that passes it passes any looser reading:

- overall: at most ``per_second`` (30) sends in any 1 s (a sliding window, no burst);
- per group or supergroup: at most ``per_group_minute`` (20) sends in any 60 s (sliding window);
- per chat (private or group): one send a second on average with a burst of ``chat_burst`` (3) — a token
  bucket (GCRA): after 3 back-to-back sends the next waits until 1 s has been earned back.

A refused send is answered like Telegram: HTTP 429, "Too Many Requests: retry after N" and
``parameters.retry_after`` = N whole seconds (at least 1), and it does not count. Every send that passed is
kept in ``accepted`` (time, method, chat id) so a benchmark can audit what Telegram would have seen, and the
refusals are counted by the limit that refused them (``refused``: global / group / chat).

Sends are the methods in ``fakegram.core.SEND_METHODS`` (messages, media, copies, forwards, polls and edits —
Telegram counts edits against the same flood control).
"""

from __future__ import annotations

import math
from collections import Counter, deque
from dataclasses import dataclass, field


class Limited(Exception):
    """A send refused by a limit: ``kind`` (global | group | chat) and the whole seconds to wait."""

    def __init__(self, kind: str, retry_after: int) -> None:
        super().__init__(f"{kind} limit: retry after {retry_after}")
        self.kind = kind
        self.retry_after = retry_after


@dataclass
class FloodLimits:
    per_second: int = 30
    per_group_minute: int = 20
    chat_burst: int = 3
    chat_interval: float = 1.0
    accepted: list[tuple[float, str, int]] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)
    _overall: deque[float] = field(default_factory=deque)
    _groups: dict[int, deque[float]] = field(default_factory=dict)
    _tat: dict[int, float] = field(default_factory=dict)  # per chat: GCRA's theoretical arrival time

    def check(self, now: float, method: str, chat_id: int | None, is_group: bool) -> None:
        """Admit one send at `now` (recording it) or raise `Limited` (recording nothing)."""
        windows = [("global", self._overall, self.per_second, 1.0)]
        if chat_id is not None and is_group:
            windows.append(("group", self._groups.setdefault(chat_id, deque()), self.per_group_minute, 60.0))
        for kind, sent, limit, span in windows:
            while sent and sent[0] <= now - span:
                sent.popleft()
            if len(sent) >= limit:
                self._refuse(kind, sent[0] + span - now)
        if chat_id is not None:
            tat = max(self._tat.get(chat_id, now), now)
            allowed_from = tat - (self.chat_burst - 1) * self.chat_interval
            if allowed_from > now:
                self._refuse("chat", allowed_from - now)
            self._tat[chat_id] = tat + self.chat_interval
        for _, sent, _, _ in windows:
            sent.append(now)
        self.accepted.append((now, method, chat_id if chat_id is not None else 0))

    def _refuse(self, kind: str, wait: float) -> None:
        self.refused[kind] += 1
        raise Limited(kind, max(1, math.ceil(wait)))


def max_in_window(times: list[float], span: float) -> int:
    """The largest number of `times` (sorted) inside any window [t, t + span)."""
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while times[lo] <= t - span:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


@dataclass(frozen=True)
class Audit:
    sends: int
    overall_max_per_s: int        # most sends in any 1 s
    group_max_per_min: int        # most sends to one group in any 60 s
    chat_min_gap_s: float | None  # shortest gap between two sends to one chat (None: no chat got two)
    span_s: float                 # first to last send
    times: list[float]            # when each was accepted, sorted


def audit(accepted: list[tuple[float, str, int]], *, methods: frozenset[str] | None = None) -> Audit:
    """What Telegram would have seen of these sends (optionally only `methods`)."""
    rows = sorted(r for r in accepted if methods is None or r[1] in methods)
    times = [t for t, _, _ in rows]
    by_chat: dict[int, list[float]] = {}
    for t, _, chat in rows:
        by_chat.setdefault(chat, []).append(t)
    group_max = max((max_in_window(ts, 60.0) for chat, ts in by_chat.items() if chat < 0), default=0)
    gaps = [b - a for ts in by_chat.values() for a, b in zip(ts, ts[1:], strict=False)]
    return Audit(len(rows), max_in_window(times, 1.0), group_max, min(gaps) if gaps else None,
                 times[-1] - times[0] if times else 0.0, times)
