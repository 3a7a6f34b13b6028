"""Long polling that tells Telegram an update is handled only once it is.

python-telegram-bot's Updater acknowledges a batch (by asking for the next offset) as soon as it has fetched
it, before the updates are processed: a crash then loses every update fetched but not yet handled. Here the
offset sent to Telegram never passes an update that is still being processed, and it moves only after the
database has committed the marks of those that finished (`processed_updates`, written behind the
handlers' own writes). After a crash Telegram re-delivers from the first unfinished update; those already
handled are recognised by their committed mark and skipped (bot.app.admit_update).
"""

from __future__ import annotations

import asyncio
import logging
import signal

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from .app import start, stop
from .concurrency import PerChatUpdateProcessor
from .rawupdate import parse_update

log = logging.getLogger(__name__)


class DurablePoller:
    def __init__(self, app: Application, allowed_updates: list[str], *, timeout: int = 10, limit: int = 100):
        self.app = app
        self.allowed_updates = allowed_updates
        self.timeout = timeout
        self.limit = limit
        self._pending: set[int] = set()  # received, not finished
        self._finished: set[int] = set()  # finished, at or above the acknowledged offset
        self._max_seen = -1
        self._progress = asyncio.Event()
        self._stopping = asyncio.Event()
        self.fatal: BaseException | None = None
        proc = app.update_processor
        if not isinstance(proc, PerChatUpdateProcessor):
            raise TypeError("the durable poller needs the PerChatUpdateProcessor")
        proc.on_done = self._done

    def _done(self, update: object) -> None:
        if isinstance(update, Update) and update.update_id in self._pending:
            self._pending.discard(update.update_id)
            self._finished.add(update.update_id)
            self._progress.set()

    def offset(self) -> int | None:
        """The first update Telegram must keep: the oldest unfinished one, or the next new one."""
        if self._pending:
            return min(self._pending)
        return self._max_seen + 1 if self._max_seen >= 0 else None

    async def run(self) -> None:
        bot = self.app.bot
        db = self.app.bot_data["services"].db
        await bot.delete_webhook(drop_pending_updates=False)
        backoff = 1.0
        while not self._stopping.is_set():
            await db.flush()  # the marks of finished updates are durable before Telegram forgets them
            offset = self.offset()
            if offset is not None:
                self._finished = {u for u in self._finished if u >= offset}
            try:
                raw = await bot.get_update_dicts(offset=offset, poll_timeout=self.timeout, limit=self.limit,
                                                 allowed_updates=self.allowed_updates)
                backoff = 1.0
            except RetryAfter as exc:
                wait = exc.retry_after
                await asyncio.sleep(wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait))
                continue
            except (Conflict, InvalidToken) as exc:  # another poller with this token, or a revoked token
                self.fatal = exc
                raise
            except (TimedOut, NetworkError) as exc:
                log.warning("getUpdates failed (%s): retrying in %.0fs", type(exc).__name__, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            updates = [parse_update(u, bot) for u in raw]
            new = 0
            for update in updates:
                uid = update.update_id
                if uid in self._pending or uid in self._finished or (offset is not None and uid < offset):
                    continue  # already being handled, or handled and waiting for the offset to pass it
                self._pending.add(uid)
                self._max_seen = max(self._max_seen, uid)
                await self.app.update_queue.put(update)
                new += 1
            if updates and not new:
                # Telegram keeps re-sending what we hold; wait for something to finish before asking again
                self._progress.clear()
                wait_progress = asyncio.create_task(self._progress.wait())
                wait_stop = asyncio.create_task(self._stopping.wait())
                await asyncio.wait({wait_progress, wait_stop}, timeout=self.timeout,
                                   return_when=asyncio.FIRST_COMPLETED)
                for task in (wait_progress, wait_stop):
                    task.cancel()

    async def drain(self, grace: float = 30) -> None:
        """On shutdown: let the updates in hand finish, then acknowledge them."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        while self._pending and loop.time() < deadline:
            self._progress.clear()
            try:
                await asyncio.wait_for(self._progress.wait(), timeout=max(0.1, deadline - loop.time()))
            except TimeoutError:
                break
        db = self.app.bot_data["services"].db
        await db.flush()
        offset = self.offset()
        if offset is not None:
            try:  # tell Telegram what is done, without waiting for more
                await self.app.bot.get_updates(offset=offset, timeout=0, limit=1,
                                               allowed_updates=self.allowed_updates)
            except Exception as exc:  # the next start re-fetches and skips them: nothing is lost
                log.info("could not acknowledge updates on shutdown: %s", exc)

    def stop(self) -> None:
        self._stopping.set()


async def serve(app: Application, allowed_updates: list[str]) -> int:
    """Run the bot until SIGINT/SIGTERM: start-up, durable polling, scheduler, orderly shutdown."""
    await start(app)
    poller = DurablePoller(app, allowed_updates)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    log.info("polling as @%s", app.bot.username)
    poll = asyncio.create_task(poller.run())
    waiter = asyncio.create_task(stopping.wait())
    await asyncio.wait({poll, waiter}, return_when=asyncio.FIRST_COMPLETED)
    poller.stop()
    poll.cancel()
    waiter.cancel()
    code = 0
    try:
        await poll
    except asyncio.CancelledError:
        pass
    except (Conflict, InvalidToken) as exc:
        log.error("stopped: %s", exc)
        code = 1
    await poller.drain()
    await stop(app)
    return code
