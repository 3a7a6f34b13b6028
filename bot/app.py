"""Assembly of the application: the one function production, tests, the demo and benchmarks all use."""

from __future__ import annotations

import functools
import gc
import inspect
import logging
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ContextTypes,
    Defaults,
)
from telegram.request import BaseRequest, HTTPXRequest

from storage.backends import make_database, settings_target
from storage.db import CURRENT_UPDATE, UpdateAlreadyHandled
from storage.repos import Repos

from . import jobs
from .clock import Clock, StartedClock
from .commands import CommandRegistry
from .concurrency import PerChatUpdateProcessor
from .handlers import register_all
from .metrics import CountingRateLimiter
from .render import Renderer
from .scope import build_scope
from .services import KContext, Services
from .settings import Settings
from .tgbot import KombelBot

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member", "chat_member",
                   "poll_answer", "poll"]


def _clock(settings: Settings) -> Clock:
    return StartedClock(settings.clock_start) if settings.clock_start else Clock()


def build_application(
    settings: Settings,
    *,
    token: str | None = None,
    request: BaseRequest | None = None,
    clock: Clock | None = None,
    rate_limit: bool = True,
    schedule_jobs: bool = True,
    concurrency: int = 64,
) -> Application:
    """Build the bot. `request` replaces the HTTP transport (the fake Bot API in tests and the demo)."""
    bot = KombelBot(
        token or settings.require_token(),
        base_url=settings.api_base_url or "https://api.telegram.org/bot",
        defaults=Defaults(parse_mode=ParseMode.HTML, link_preview_options=None),
        # the pool sizes ApplicationBuilder would choose: many parallel sends, one long poll
        request=request or HTTPXRequest(connection_pool_size=256),
        get_updates_request=request or HTTPXRequest(connection_pool_size=1),
        rate_limiter=CountingRateLimiter(max_retries=3) if rate_limit and settings.rate_limiter else None,
    )
    app = (
        ApplicationBuilder()
        .bot(bot)
        .context_types(ContextTypes(context=KContext))
        .concurrent_updates(PerChatUpdateProcessor(concurrency))
        .post_init(on_startup)
        .post_shutdown(on_shutdown)
        .build()
    )
    db = make_database(settings_target(settings), pool_size=settings.db_pool_size)
    services = Services(
        settings=settings, db=db, repos=Repos(db), renderer=Renderer(), clock=clock or _clock(settings),
        commands=CommandRegistry(),
    )
    services.extra["schedule_jobs"] = schedule_jobs
    app.bot_data["services"] = services
    processor: PerChatUpdateProcessor = app.update_processor  # type: ignore[assignment]
    processor.admit = functools.partial(admit_update, services)
    register_all(app, services)
    app.add_error_handler(on_error)
    return app


async def admit_update(services: Services, update: Update) -> bool:
    """Telegram re-delivers a batch after a crash: an update already handled changes nothing again.
    Runs in the update processor, in order within the chat, before any handler (False: skip it)."""
    uid = update.update_id
    recent: RecentIds = services.extra.setdefault("recent_updates", RecentIds())
    # Update ids only grow: one above everything handled before this start, and not seen since, is new
    # without asking the database. Only ids from before the start need the lookup.
    if uid in recent or (uid <= services.extra.get("update_watermark", -1)
                         and await services.repos.updates.seen(uid)):
        log.info("update %s was already handled: skipped", uid)
        return False
    recent.add(uid)
    # The handler's first write unit records the update as handled, atomically with its writes
    # (storage.db). An update that writes nothing is not recorded: answering it again is harmless.
    CURRENT_UPDATE.set([uid, False])
    return True


class RecentIds:
    """The ids of the last updates handled by this process (bounded)."""

    def __init__(self, size: int = 50_000) -> None:
        self._ids: dict[int, None] = {}
        self._size = size

    def __contains__(self, uid: int) -> bool:
        return uid in self._ids

    def discard(self, uid: int) -> None:  # its handling failed: a re-delivery must be handled (bot/web.py)
        self._ids.pop(uid, None)

    def add(self, uid: int) -> None:
        self._ids[uid] = None
        if len(self._ids) > self._size:
            del self._ids[next(iter(self._ids))]


async def on_startup(app: Application) -> None:
    services: Services = app.bot_data["services"]
    await services.db.open()
    services.extra["update_watermark"] = await services.repos.updates.max_id()
    services.bot_username = app.bot.username or ""
    await publish_commands(app)
    if services.extra.get("schedule_jobs", True):
        jobs.schedule(app)
    # What start-up built (modules, templates, settings) lives as long as the process: moved out of the
    # cyclic garbage collector's view, so its collections scan only what handling updates creates.
    gc.collect()
    gc.freeze()


async def on_shutdown(app: Application) -> None:
    services: Services = app.bot_data["services"]
    for cleanup in list(services.extra.get("cleanups", [])):  # features' pools and background runs
        try:
            result = cleanup()
            if inspect.isawaitable(result):
                await result
        except Exception:
            log.exception("cleanup at shutdown failed")
    await services.db.close()


async def publish_commands(app: Application) -> None:
    """Telegram's command menus per scope and language (Indonesian names for Indonesian clients)."""
    services: Services = app.bot_data["services"]
    r = services.renderer
    for scope, lang, cmds in services.commands.menus(lambda loc, c: r.t(loc, f"cmd.{c.en}")):
        try:
            await app.bot.set_my_commands(cmds, scope=scope, language_code=lang)
        except TelegramError as exc:  # the menu is a convenience: never a reason not to start
            log.warning("setMyCommands failed: %s", exc)


async def on_error(update: object, context: KContext) -> None:
    """Log with the traceback (never the message text), then tell the person something useful."""
    err = context.error
    kind = type(update).__name__
    uid = getattr(update, "update_id", None)
    if isinstance(err, UpdateAlreadyHandled):  # another worker handled it (PostgreSQL): not an error
        log.info("update %s was handled by another worker: dropped", uid)
        return
    log.error("error while handling %s %s: %s", kind, uid, type(err).__name__, exc_info=err)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        scope = await build_scope(update, context)
        if scope.query is not None:
            await scope.answer("errors.internal", alert=True)
        else:
            await scope.reply("errors/internal")
    except Exception:  # the apology itself failed: nothing more to do than log
        log.exception("could not report the error to the user")


async def start(app: Application) -> None:
    """Initialise without polling (tests, demo, benchmarks): the same start-up as production."""
    await app.initialize()
    await on_startup(app)
    await app.start()


async def stop(app: Application) -> None:
    if app.running:
        await app.stop()
    await app.shutdown()
    await on_shutdown(app)  # run_polling calls post_shutdown itself; here we are the ones stopping


def allowed_updates() -> list[str]:
    return list(ALLOWED_UPDATES)


__all__: list[Any] = ["build_application", "start", "stop", "allowed_updates"]
