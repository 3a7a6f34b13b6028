"""Webhook mode (issue 16): `kombel-bot serve` runs this ASGI app (Starlette under uvicorn).

Telegram POSTs each update to `WEBHOOK_URL`'s path. The app

1. refuses (403) a request whose `X-Telegram-Bot-Api-Secret-Token` is not `WEBHOOK_SECRET` (compared in
   constant time);
2. parses the update as the poller does (`bot.rawupdate.parse_update`) and runs it through the same update
   processor: `bot.app.admit_update` (already handled? skipped) and the handlers, one chat in order;
3. answers 200 only once the update's writes and its `processed_updates` mark are committed (every write
   unit returns after its COMMIT); a handler that raised answers 500, so Telegram sends the update again.

So a crash before the answer makes Telegram re-deliver, and a re-delivery of an update that did commit is
recognised by its mark. Unlike polling, a re-delivery can come after this process already saw the update
(a 500, or another worker), so here `admit_update` always asks the database about an id it does not hold in
memory (the start-up watermark shortcut is off), and a failed update's id is forgotten in memory.

Also served: `/healthz` (the process answers), `/readyz` (the database answers and its migrations are the
code's), `/metrics` (Prometheus, bot/metrics.py). The scheduler pass runs in this process as in polling
mode (bot/jobs, every 30 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import sys
import time
from collections.abc import AsyncIterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application

from . import metrics
from .app import build_application, start, stop
from .concurrency import PerChatUpdateProcessor
from .jobs import sender
from .rawupdate import parse_update
from .services import Services
from .settings import Settings, load_settings

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
RESERVED_PATHS = ("/healthz", "/readyz", "/metrics")


@dataclass
class _Handling:
    """What happened to the update this request carries (set by the admit check and the error handler,
    which run in the request's own task)."""

    admitted: bool | None = None
    failed: bool = False


_HANDLING: ContextVar[_Handling | None] = ContextVar("kombel_webhook_handling", default=None)


def webhook_path(url: str) -> str:
    path = urlsplit(url).path or "/"
    if path in RESERVED_PATHS:
        raise ValueError(f"WEBHOOK_URL's path {path} is one of the operations endpoints; choose another")
    return path


class WebhookApp:
    def __init__(self, application: Application, settings: Settings) -> None:
        url, secret = settings.require_webhook()
        self.application = application
        self.path = webhook_path(url)
        self._secret = secret.encode()
        self._background: set[asyncio.Task[None]] = set()
        self.outbox = metrics.OutboxCollector()
        processor = application.update_processor
        if not isinstance(processor, PerChatUpdateProcessor):
            raise TypeError("webhook mode needs the PerChatUpdateProcessor")
        inner = processor.admit

        async def admit(update: Update) -> bool:
            ok = True if inner is None else await inner(update)
            handling = _HANDLING.get()
            if handling is not None:
                handling.admitted = ok
            return ok

        processor.admit = admit
        application.add_error_handler(self._on_error)
        self._answer_first = settings.answer_first
        if settings.database_url:  # several workers may share the database: one of them sends (bot/jobs/sender.py)
            sender.install(application, settings.database_url)

    @property
    def services(self) -> Services:
        return self.application.bot_data["services"]

    async def _on_error(self, update: object, context: Any) -> None:
        handling = _HANDLING.get()
        if handling is not None:
            handling.failed = True

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        await start(self.application)
        # Every id this process has not handled itself is looked up in processed_updates (see the docstring)
        self.services.extra["update_watermark"] = sys.maxsize
        log.info("webhook mode: serving updates at %s", self.path)
        try:
            yield
        finally:
            await stop(self.application)

    # -- the webhook --------------------------------------------------------------------------------
    async def webhook(self, request: Request) -> Response:
        started = time.perf_counter()
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            metrics.UPDATES.labels("unknown", "forbidden").inc()
            log.warning("webhook request without the right secret token refused (403)")
            return PlainTextResponse("forbidden", status_code=403)
        try:
            data = json.loads(await request.body())
            uid = int(data["update_id"])
            update = parse_update(data, self.application.bot)
        except Exception as exc:  # not an update: no use in Telegram sending it again either
            metrics.UPDATES.labels("unknown", "malformed").inc()
            log.warning("webhook request with a body that is not an update (%s): 400", type(exc).__name__)
            return PlainTextResponse("not an update", status_code=400)
        kind = metrics.update_kind(data)
        if self._answer_first:  # the negative control's defect (Settings.answer_first): never in production
            task = asyncio.create_task(self._handle(update, _Handling()))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
            return Response(status_code=200)
        handling = _Handling()
        await self._handle(update, handling)
        if handling.failed:
            # Telegram sends it again; if its first write unit committed, its mark makes that a no-op
            recent = self.services.extra.get("recent_updates")
            if recent is not None:
                recent.discard(uid)
            metrics.UPDATES.labels(kind, "failed").inc()
            return PlainTextResponse("update failed; send it again", status_code=500)
        metrics.UPDATES.labels(kind, "handled" if handling.admitted is not False else "duplicate").inc()
        metrics.UPDATE_SECONDS.labels(kind).observe(time.perf_counter() - started)
        return Response(status_code=200)

    async def _handle(self, update: Update, handling: _Handling) -> None:
        token = _HANDLING.set(handling)
        try:
            app = self.application
            # Telegram's per-chat queue orders a chat's updates across workers; one without a chat (a poll answer)
            # has no such queue: one user's are handled one at a time across workers (an advisory transaction lock)
            user = update.effective_user if update.effective_chat is None else None
            async with (self.services.db.one_at_a_time("user", user.id) if user is not None
                        else contextlib.nullcontext()):
                await app.update_processor.process_update(update, app.process_update(update))
        except Exception:
            handling.failed = True
            log.exception("update %s could not be processed", update.update_id)
        finally:
            _HANDLING.reset(token)

    # -- operations ---------------------------------------------------------------------------------
    async def healthz(self, request: Request) -> Response:
        return PlainTextResponse("ok")

    async def readyz(self, request: Request) -> Response:
        db = self.services.db
        try:
            applied = await self.services.repos.health.applied_version()
        except Exception as exc:
            return JSONResponse({"ready": False, "reason": f"database: {type(exc).__name__}"}, status_code=503)
        expected = max((v for v, _, _ in db.migration_files()), default=0)
        if applied != expected:
            return JSONResponse({"ready": False, "reason": "migrations", "applied": applied,
                                 "expected": expected}, status_code=503)
        return JSONResponse({"ready": True, "schema": applied})

    async def metrics(self, request: Request) -> Response:
        try:
            backlog = await self.services.repos.health.outbox_backlog()
            now = self.services.now_ts()
            self.outbox.set(backlog.count, 0 if backlog.oldest_created_at is None else now - backlog.oldest_created_at)
        except Exception as exc:  # the counters are still worth answering with
            log.warning("outbox backlog not readable for /metrics: %s", type(exc).__name__)
        body, content_type = metrics.exposition(self.outbox)
        return Response(body, media_type=content_type)

    def asgi(self) -> Starlette:
        return Starlette(routes=[
            Route(self.path, self.webhook, methods=["POST"]),
            Route("/healthz", self.healthz, methods=["GET"]),
            Route("/readyz", self.readyz, methods=["GET"]),
            Route("/metrics", self.metrics, methods=["GET"]),
        ], lifespan=self.lifespan)


def create_app(application: Application, settings: Settings) -> Starlette:
    """The ASGI app serving `application` (built by `bot.app.build_application`)."""
    return WebhookApp(application, settings).asgi()


def from_env() -> Starlette:
    """uvicorn's factory for several worker processes (`kombel-bot serve --workers N`): each worker builds
    its own application from the environment."""
    settings = load_settings()
    return create_app(build_application(settings), settings)


def several_writers_supported(settings: Settings) -> bool:
    """Several worker processes need a database several processes may write at once: not SQLite (one
    writer connection per process, group commit). PostgreSQL will answer True here."""
    url = str(getattr(settings, "database_url", "") or "")
    return url.startswith(("postgresql://", "postgres://"))
