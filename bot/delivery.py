"""Sending to Telegram with its failure modes classified, and once-only scheduled sends via the outbox.

- Forbidden: the bot was removed from a group (community marked inactive) or blocked by a person
  (marked unreachable in private); no retry.
- ChatMigrated: the group became a supergroup; every row is moved to the new id and the send retried once.
- RetryAfter: wait as told, then retry (bounded).
- BadRequest: a bug or stale message; logged, not retried.
- TimedOut / NetworkError: the message may or may not have arrived; the caller decides (the outbox
  leaves the entry pending so the next pass retries).

Once-only sends (`bot.outbox`: queued as data, sent by one sender) and what a crash can do — the guarantee
the crash and storm tests assert:
- The outbox entry is marked 'sending' durably (committed) *before* the call to Telegram, and 'sent'
  (with the message id) after it. A key marked 'sent' or 'skipped' is never sent again.
- Telegram has no idempotency key, so two cases are ambiguous: the process died while the entry was
  'sending' (found so by the next attempt), or the call ended in TimedOut/NetworkError (Telegram may
  have delivered it). Policy: an ambiguous entry IS sent again — a lost question or reminder is worse
  than a repeated one — and the attempt is counted in `outbox.ambiguous` and logged at WARNING.
- Hence: every key eventually goes out (unless refused: Forbidden/BadRequest -> 'skipped'); it reaches
  its chat more than once only if its `ambiguous` count is > 0, and at most 1 + ambiguous times.
- Within one process, concurrent sends of the same key are serialised (the second sees
  'sent' and does nothing), so 'sending' seen under the key's lock always means an earlier attempt that
  never settled.
- Direct replies (`send_text`, `Scope.reply`) are not in the outbox: a 429 is waited out and retried, a
  timeout is not retried (at most once).

Forum topics: a community's group posts go to its home topic (`home_thread`, set with /atur topik) — a
cycle's to the topic it was started in. `in_topic` wraps the send: if Telegram answers that the topic is
gone ("message thread not found": deleted) or closed to the bot (TOPIC_CLOSED), the same call is made
once more in General, inside the same outbox attempt (a refused call delivered nothing, so this neither
loses nor repeats the post); a deleted home topic is cleared from the settings.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from telegram import Message
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from storage.models import Community

from . import logsafe, metrics

if TYPE_CHECKING:
    from telegram.ext import ExtBot

    from .services import Services
    from .tgbot import KombelBot

log = logging.getLogger(__name__)
logsafe.install()
T = TypeVar("T")
MAX_RETRY_AFTER_WAITS = 5


class SendFailed(Exception):
    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind  # forbidden | bad_request | timeout | network


async def handle_forbidden(services: Services, chat_id: int) -> None:
    now = services.now_ts()
    if chat_id > 0:
        await services.repos.users.set_private_status(chat_id, "blocked", now)
    else:
        await services.repos.communities.set_active(chat_id, False, now)


async def call(services: Services, chat_id: int, fn: Callable[[int], Awaitable[Any]]) -> Any:
    """Run one Bot API call for `chat_id`, classifying errors. Raises SendFailed when it cannot succeed."""
    waits = 0
    migrated = False
    while True:
        try:
            return await fn(chat_id)
        except RetryAfter as exc:
            waits += 1
            if waits > MAX_RETRY_AFTER_WAITS:
                raise SendFailed("rate_limited", str(exc)) from exc
            delay = exc.retry_after.total_seconds() if hasattr(exc.retry_after, "total_seconds") else exc.retry_after
            metrics.RATE_LIMITED.inc()
            log.warning("429 from Telegram for chat %s: waiting %.1fs", chat_id, delay)
            await asyncio.sleep(float(delay))
        except ChatMigrated as exc:
            if migrated:
                raise SendFailed("bad_request", "migrated twice") from exc
            migrated = True
            await services.repos.communities.migrate_chat(chat_id, exc.new_chat_id, services.now_ts())
            chat_id = exc.new_chat_id
        except Forbidden as exc:
            log.info("chat %s is unreachable: %s", chat_id, exc.message)
            await handle_forbidden(services, chat_id)
            raise SendFailed("forbidden", exc.message) from exc
        except BadRequest as exc:
            if "message is not modified" in exc.message.lower():  # PTB capitalizes the API text
                return None
            log.error("Telegram refused a request for chat %s: %s", chat_id, exc.message)
            raise SendFailed("bad_request", exc.message) from exc
        except TimedOut as exc:
            raise SendFailed("timeout", str(exc)) from exc
        except NetworkError as exc:
            raise SendFailed("network", repr(exc)) from exc


HOME_TOPIC = "home_topic"  # community setting: the forum topic (message_thread_id) for group posts
THREAD_GONE = ("message thread not found", "topic_deleted")  # lower-cased parts of Telegram's 400 answers
THREAD_CLOSED = ("topic_closed",)


def home_thread(community: Community | None) -> int | None:
    """The forum topic where the community's group posts go; None = General (or a group without topics)."""
    value = community.settings.get(HOME_TOPIC) if community is not None else None
    return int(value) if value else None


def in_topic(services: Services, community: Community | None, send: Callable[[int, int | None], Awaitable[T]],
             thread: int | None = None) -> Callable[[int], Awaitable[T]]:
    """`send(chat_id, message_thread_id)` as a one-argument call for `call`, aimed at `thread`
    or else the community's home topic, and made once more in General if Telegram says that topic is gone
    or closed (module docstring). A gone topic is remembered by this process and, if it is the home topic,
    removed from the community's settings."""
    target = thread if thread is not None else home_thread(community)
    gone: set[tuple[int, int]] = services.extra.setdefault("gone_topics", set())

    async def fn(chat_id: int) -> T:
        nonlocal target
        if target is None or (chat_id, target) in gone:
            return await send(chat_id, None)
        try:
            return await send(chat_id, target)
        except BadRequest as exc:
            text = exc.message.lower()
            closed = any(part in text for part in THREAD_CLOSED)
            if not closed and not any(part in text for part in THREAD_GONE):
                raise
            dead, target = target, None  # a repeat of fn (after a 429) goes straight to General
        log.warning("chat %s: topic %s is %s; posting in General", chat_id, dead, "closed" if closed else "gone")
        if not closed:
            gone.add((chat_id, dead))
            if community is not None and dead == home_thread(community):
                await services.repos.communities.forget_setting(community.id, HOME_TOPIC, dead, services.now_ts())
        return await send(chat_id, None)

    return fn


@dataclass(frozen=True)
class Sent:
    """What we keep of a message we sent: where it is."""

    chat_id: int
    message_id: int


async def post_message(bot: KombelBot, chat_id: int, text: str, **params: Any) -> Sent:
    """sendMessage (HTML) without parsing Telegram's answer into a Message (a reply that quotes the
    person's message comes back with a copy of it); same errors as send_message."""
    result = await bot.post_json("sendMessage", {"chat_id": chat_id, "text": text, "parse_mode": "HTML", **params})
    return Sent(int(result["chat"]["id"]), int(result["message_id"]))


async def edit_html(bot: KombelBot, chat_id: int, message_id: int, text: str, markup: Any = None) -> None:
    """editMessageText (HTML) without parsing Telegram's answer; same errors as edit_message_text (without
    `markup` the inline keyboard is removed, as Telegram does)."""
    await bot.post_json("editMessageText", {"chat_id": chat_id, "message_id": message_id, "text": text,
                                            "parse_mode": "HTML", "reply_markup": markup})


async def send_text(services: Services, bot: ExtBot, chat_id: int, text: str, **kwargs: Any) -> Message | None:
    """Send a message; None if it could not be delivered (already logged and classified)."""
    try:
        return await call(services, chat_id, lambda cid: bot.send_message(cid, text, **kwargs))
    except SendFailed:
        return None
