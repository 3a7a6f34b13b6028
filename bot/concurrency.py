"""Update processing: different chats in parallel (so their database writes share commits), one chat
in order (so a person's answers and a group's taps keep their sequence). An `admit` check runs first,
in order within the chat: an update it refuses (one already handled before a crash) is not handled."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class PerChatUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = 64) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._users: dict[int, int] = {}
        self.processed = 0  # for benchmarks and tests waiting for a stream to drain
        self._progress = asyncio.Event()
        self.on_done: Callable[[object], None] | None = None  # the durable poller's acknowledgement hook
        self.admit: Callable[[Update], Awaitable[bool]] | None = None  # bot.app.admit_update

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = 0
        if isinstance(update, Update):
            chat = update.effective_chat
            user = update.effective_user
            key = chat.id if chat is not None else (user.id if user is not None else 0)
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                if self.admit is not None and isinstance(update, Update) and not await self.admit(update):
                    coroutine.close()  # type: ignore[attr-defined]
                else:
                    await coroutine
        finally:
            self.processed += 1
            self._progress.set()
            if self.on_done is not None:
                self.on_done(update)
            self._users[key] -= 1
            if self._users[key] == 0:
                del self._users[key]
                self._locks.pop(key, None)

    async def wait_processed(self, count: int) -> None:
        """Wait until `count` updates in all have been processed."""
        while self.processed < count:
            self._progress.clear()
            await self._progress.wait()

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
