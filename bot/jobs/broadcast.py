"""Paced, resumable broadcasts (weekly summaries, principal digests) through the outbox.

- Pacing: one `Pacer` per process spaces sends at ≈ `per_second` overall (default 30/s less a 2 % margin),
  at most `per_group_minute` (20) per group chat in any 60 s and one a second per chat (a digest's parts).
  A 429 pauses *every* sender for the `retry_after` Telegram asked for, then `bot.delivery.call` retries
  the send. PTB's AIORateLimiter (bot/app.py) stays behind it for everything else; at this pace it never
  has to wait. Measured against the fake with Telegram's limits: docs/performance.md, "Broadcast".
- Resumable and idempotent: each send goes through `bot.outbox.send_once` (outbox key = what and which period), so
  a run cut short by a restart resumes on the next pass and never posts a key twice; a key already sent
  costs no pacing slot.
- Failures: `Forbidden` is marked by `delivery` (community inactive / person blocked) and the key is
  skipped; any exception in one item is logged and the run goes on with the others.
- A run starts from a scheduler tick as a background task; the tick waits for it only up to a budget,
  so other features' ticks never wait behind a 10,000-chat broadcast, and a second tick does not start a
  second run of the same name while one is going. Tasks are cancelled by the shutdown cleanup.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:

    from ..services import Services

log = logging.getLogger(__name__)
T = TypeVar("T")
WINDOW_MARGIN_S = 0.05  # "30 a second" is kept as 30 in any 1.05 s (28.6/s): a call's way to Telegram varies
TICK_BUDGET_S = 20.0
DEFAULT_CONCURRENCY = 8


class _Chat:
    """One chat's pacing state: sends to it are serialised; its last send and (a group) its last minute."""

    __slots__ = ("lock", "users", "last", "minute")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0
        self.last = -math.inf
        self.minute: deque[float] = deque()


class Pacer:
    """Telegram's limits for a paced run (see fakegram/limits.py for the model the fake enforces):
    overall at most `per_second` sends in any 1 s + `WINDOW_MARGIN_S` (FIFO slots, never two closer than
    0.8 / per_second, so a burst is spread and a late timer is caught up: 28.6/s on average), at
    most `per_group_minute` sends to one group in any 60 s, and at least `chat_interval` between two sends
    to one chat. A chat's group minute and last send are recorded with the time its global slot came —
    when the call leaves — and kept `GROUP_MARGIN_S` clear of the minute's edge, so the time a call takes
    to reach Telegram cannot put a 21st send inside Telegram's minute. `clock` and `sleep` are injectable
    (tests drive them with a ManualClock)."""

    GROUP_MARGIN_S = 0.5

    def __init__(self, per_second: float = 30.0, per_group_minute: int = 20, *,
                 chat_interval: float = 1.0, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> None:
        self.per_window = max(1, int(per_second))
        self.min_gap = 0.8 / per_second
        self.per_group = per_group_minute
        self.chat_interval = chat_interval
        self.clock = clock
        self.sleep = sleep
        self._recent: deque[float] = deque(maxlen=self.per_window)  # the last per_second slots
        self._free_at = -math.inf  # no slot before this (the last slot + min_gap, or a 429's pause)
        self._lock = asyncio.Lock()
        self._chats: dict[int, _Chat] = {}
        self.waited = 0.0  # seconds spent waiting (for benchmarks)

    async def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.waited += seconds
            await self.sleep(seconds)

    async def acquire(self, chat_id: int) -> None:
        chat = self._chats.get(chat_id)
        if chat is None:
            if len(self._chats) >= 4096:
                self._forget_idle()
            chat = self._chats[chat_id] = _Chat()
        chat.users += 1
        try:
            async with chat.lock:  # one send at a time per chat; other chats are not held up
                await self._sleep(chat.last + self.chat_interval - self.clock())
                if chat_id < 0:  # groups: at most per_group in any 60 s
                    while True:
                        now = self.clock()
                        while chat.minute and chat.minute[0] <= now - 60.0 - self.GROUP_MARGIN_S:
                            chat.minute.popleft()
                        if len(chat.minute) < self.per_group:
                            break
                        await self._sleep(chat.minute[0] + 60.0 + self.GROUP_MARGIN_S - now)
                sent = await self._slot()
                chat.last = sent
                if chat_id < 0:
                    chat.minute.append(sent)
        finally:
            chat.users -= 1

    async def _slot(self) -> float:
        """The next overall slot (FIFO); returns its time."""
        async with self._lock:
            at = self._free_at
            if len(self._recent) == self.per_window:
                at = max(at, self._recent[0] + 1.0 + WINDOW_MARGIN_S)
            await self._sleep(at - self.clock())
            sent = self.clock()
            self._recent.append(sent)
            self._free_at = max(self._free_at, sent + self.min_gap)
            return sent

    def _forget_idle(self) -> None:
        """Drop the state of chats nobody is sending to whose last send is over a minute old."""
        horizon = self.clock() - 60.0 - self.GROUP_MARGIN_S
        for cid in [c for c, st in self._chats.items() if st.users == 0 and st.last <= horizon]:
            del self._chats[cid]

    def pause(self, seconds: float) -> None:
        """Telegram said 429: nobody sends before `seconds` from now."""
        self._free_at = max(self._free_at, self.clock() + seconds)


def pacer(services: Services) -> Pacer:
    p = services.extra.get("pacer")
    if p is None:
        p = services.extra["pacer"] = Pacer(services.extra.get("pacer_per_second", 30.0),
                                            services.extra.get("pacer_per_group_minute", 20))
    return p


@dataclass
class RunStats:
    done: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


async def run_all(items: Iterable[T], worker: Callable[[T], Awaitable[Any]], *,
                  concurrency: int = DEFAULT_CONCURRENCY) -> RunStats:
    """Run `worker` on every item with bounded concurrency; one failing item never stops the others."""
    stats = RunStats()
    queue: asyncio.Queue[T] = asyncio.Queue()
    for item in items:
        queue.put_nowait(item)

    async def drain() -> None:
        while True:
            try:
                item = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            try:
                await worker(item)
                stats.done += 1
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # logged with its traceback; the run continues
                stats.failed += 1
                stats.errors.append(type(exc).__name__)
                log.exception("broadcast item failed")

    await asyncio.gather(*(drain() for _ in range(max(1, min(concurrency, queue.qsize())))))
    return stats


def _tasks(services: Services) -> dict[str, asyncio.Task[Any]]:
    tasks = services.extra.get("broadcast_tasks")
    if tasks is None:
        tasks = services.extra["broadcast_tasks"] = {}

        async def cancel_all() -> None:
            pending = [t for t in tasks.values() if not t.done()]
            for t in pending:
                t.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

        services.extra.setdefault("cleanups", []).insert(0, cancel_all)
    return tasks


async def spawn(services: Services, name: str, make: Callable[[], Awaitable[Any]],
                *, budget: float | None = None) -> bool:
    """Start the run `name` in the background unless it is already going; wait for it up to `budget`
    seconds. Returns True when the run is finished."""
    tasks = _tasks(services)
    task = tasks.get(name)
    if task is None or task.done():
        task = tasks[name] = asyncio.create_task(make(), name=f"broadcast:{name}")
        task.add_done_callback(_log_failure)
    wait = services.extra.get("broadcast_budget", TICK_BUDGET_S) if budget is None else budget
    done, _ = await asyncio.wait({task}, timeout=wait)
    return bool(done)


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("broadcast %s failed", task.get_name(), exc_info=task.exception())
