"""The production application wired to the fake Telegram Bot API (`fakegram`), in-process.

Tests, the offline demo and the benchmarks all drive the bot through this: the same `build_application`,
handlers, jobs and storage as production; only the transport and (optionally) the clock differ.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application

from fakegram import FakeRequest, FakeTelegram
from storage.backends import is_postgres

from . import jobs
from .app import allowed_updates, build_application, start, stop
from .clock import Clock
from .rawupdate import parse_update
from .services import Services
from .settings import Settings

SIM_TOKEN = "123456789:SIMULATED-offline-token-not-for-telegram"


class Sim:
    def __init__(self, db_path: Path | str, *, clock: Clock | None = None, fake: FakeTelegram | None = None,
                 settings: Settings | None = None, concurrency: int = 64,
                 parse: Callable[[dict[str, Any], Any], Update] = parse_update, rate_limit: bool = False,
                 **overrides: Any) -> None:
        self.concurrency = concurrency
        self.rate_limit = rate_limit  # PTB's AIORateLimiter as in production (benchmarks against the limits)
        self.parse = parse  # as the poller parses (tests compare it with PTB's whole `Update.de_json`)
        self.clock = clock or Clock()
        self.fake = fake or FakeTelegram(clock=lambda: self.clock.now().timestamp())
        # a path: SQLite; a postgresql:// URL: PostgreSQL (storage.pg)
        where = ({"database_url": str(db_path)} if is_postgres(db_path)
                 else {"database_path": Path(db_path), "database_url": None})
        base = settings or Settings(token=SIM_TOKEN, database_path=Path("unused.sqlite3"))
        self.settings = replace(base, token=SIM_TOKEN, **{**where, **overrides})
        self.app: Application | None = None

    @property
    def services(self) -> Services:
        assert self.app is not None, "call start() first"
        return self.app.bot_data["services"]

    async def start(self) -> Sim:
        self.app = build_application(self.settings, request=FakeRequest(self.fake), clock=self.clock,
                                     rate_limit=self.rate_limit, schedule_jobs=False, concurrency=self.concurrency)
        await start(self.app)
        # What the production poller asks for on its first getUpdates (sticky at Telegram): so the fake sends
        # chat_member updates, where the bot is an administrator, as Telegram would.
        self.fake.set_allowed_updates(allowed_updates())
        return self

    async def stop(self) -> None:
        if self.app is not None:
            await stop(self.app)
            self.app = None

    async def restart(self) -> None:
        """A new process on the same database file (and the same Telegram)."""
        await self.stop()
        await self.start()

    async def __aenter__(self) -> Sim:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- driving ----------------------------------------------------------------------------------
    async def deliver(self, update: dict[str, Any]) -> dict[str, Any]:
        """Handle one update the way the running bot does: through the update processor."""
        assert self.app is not None
        parsed = self.parse(update, self.app.bot)
        await self.app.update_processor.process_update(parsed, self.app.process_update(parsed))
        return update

    async def say(self, chat_id: int, user_id: int, text: str, *, reply_to: int | None = None) -> dict[str, Any]:
        return await self.deliver(self.fake.send_text(chat_id, user_id, text, reply_to=reply_to))

    async def tap(self, chat_id: int, message_id: int, user_id: int, label: str) -> dict[str, Any]:
        return await self.deliver(self.fake.press_button(chat_id, message_id, user_id, label))

    async def press(self, chat_id: int, message_id: int, user_id: int, data: str) -> dict[str, Any]:
        return await self.deliver(self.fake.press(chat_id, message_id, user_id, data))

    async def tick(self) -> dict[str, float]:
        assert self.app is not None
        return await jobs.run_pass(self.app)

    # -- reading ----------------------------------------------------------------------------------
    def last(self, chat_id: int) -> dict[str, Any]:
        return self.fake.last_bot_message(chat_id)

    def last_text(self, chat_id: int) -> str:
        return self.fake.texts(chat_id)[-1]

    def texts(self, chat_id: int) -> list[str]:
        return self.fake.texts(chat_id)
