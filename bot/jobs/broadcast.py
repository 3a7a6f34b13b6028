"""Paced, resumable broadcasts (weekly summaries, principal digests) through the outbox.

- Pacing: one `Pacer` per process spaces sends at ≈ `per_second` overall (default 30/s less a 2 % margin)
  and at most `per_group_minute` (20) per group chat in any 60 s. A 429 pauses *every* sender for the
  `retry_after` Telegram asked for, then `bot.delivery.call` retries the send.
- Resumable and idempotent: each send goes through `send_once` (outbox key = what and which period), so
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
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from telegram import Message
from telegram.error import RetryAfter

from ..delivery import send_once

if TYPE_CHECKING:
    from telegram.ext import ExtBot

    from ..services import Services

log = logging.getLogger(__name__)
T = TypeVar("T")
SAFETY = 0.98  # pace just under the limit: clocks and timers are not exact
TICK_BUDGET_S = 20.0
DEFAULT_CONCURRENCY = 8


class Pacer:
    def __init__(self, per_second: float = 30.0, per_group_minute: int = 20, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / (per_second * SAFETY)
        self.per_group = per_group_minute
        self.clock = clock
        self._next = 0.0
        self._lock = asyncio.Lock()
        self._groups: dict[int, deque[float]] = {}
        self.waited = 0.0  # seconds spent waiting (for benchmarks)

    async def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self.waited += seconds
            await asyncio.sleep(seconds)

    async def acquire(self, chat_id: int) -> None:
        if chat_id < 0:  # groups: at most per_group in any 60 s, reserved before the global slot
            sent = self._groups.setdefault(chat_id, deque())
            while True:
                now = self.clock()
                while sent and sent[0] <= now - 60.0:
                    sent.popleft()
                if len(sent) < self.per_group:
                    sent.append(now)
                    break
                await self._sleep(sent[0] + 60.0 - now + 0.01)
        async with self._lock:  # FIFO spacing for everyone
            now = self.clock()
            await self._sleep(self._next - now)
            self._next = max(self.clock(), self._next) + self.interval

    def pause(self, seconds: float) -> None:
        """Telegram said 429: nobody sends before `seconds` from now."""
        self._next = max(self._next, self.clock() + seconds)


def pacer(services: Services) -> Pacer:
    p = services.extra.get("pacer")
    if p is None:
        p = services.extra["pacer"] = Pacer(services.extra.get("pacer_per_second", 30.0),
                                            services.extra.get("pacer_per_group_minute", 20))
    return p


async def paced_send_once(services: Services, bot: ExtBot, key: str, chat_id: int,
                          send: Callable[[int], Awaitable[Message | None]]) -> Message | None | bool:
    """`send_once` behind the pacer. False if the key was already sent or skipped (no slot used)."""
    entry = await services.repos.outbox.get(key)
    if entry is not None and entry.status in ("sent", "skipped"):
        return False
    p = pacer(services)

    async def paced(cid: int) -> Message | None:
        await p.acquire(cid)
        try:
            return await send(cid)
        except RetryAfter as exc:
            delay = exc.retry_after.total_seconds() if hasattr(exc.retry_after, "total_seconds") else exc.retry_after
            p.pause(float(delay))
            raise

    return await send_once(services, bot, key, chat_id, paced)


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
