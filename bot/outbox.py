"""Once-only sends through the outbox, queued as data: any worker may queue, one sender sends.

A feature says what to send as an `Outgoing` (text or photo, buttons, topic, and a named recorder) and calls
`send_once(services, bot, key, chat_id, out, also=...)`:
- the row is queued under `key` with the call as JSON (storage/delivery.py, `queue`): the unique key is the
  claim — when two workers' scheduler passes reach the same due thing, one queues it and the other finds it
  queued — and `also(tx)`, the due row's advance, commits with the row that only the first one wrote;
- if this process is the sender (one process on SQLite; the sender-lease holder on PostgreSQL,
  bot/jobs/sender.py) it sends the key at once and returns the `Sent`; otherwise it returns `QUEUED` and the
  sender sends it within about a second (`drain`, run by the sender's live catch-up job and after each pass).

Sending a key (`deliver`) keeps the crash guarantee of bot/delivery.py: durable 'sending' before the call,
'sent' with the message id after it, and the recorder named in the payload (`@records("name")`: "this message
is a cycle question", "this is the meeting's check-in") writes what the sent message is in that same commit.
A photo's bytes stay in the row until it is settled. Broadcast sends (`paced=True`) wait for the Pacer, which
spaces the bot's 30 msg/s and each group's 20 msg/min (bot/jobs/broadcast.py).

Return values of `send_once`: the `Sent` (sent now), `QUEUED` (the sender will send it), None (failed for
now: retried by the drain unless refused; see `status`), False (already sent or given up on before).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from telegram import InputFile
from telegram.error import RetryAfter

from . import metrics
from .delivery import SendFailed, Sent, call, in_topic
from .jobs import sender
from .jobs.broadcast import pacer, run_all

if TYPE_CHECKING:
    from telegram.ext import ExtBot

    from .services import Services

log = logging.getLogger(__name__)
Recorder = Callable[["Services", Any, dict[str, Any], Sent], Awaitable[None]]
RECORDERS: dict[str, Recorder] = {}
DRAIN_BATCH = 500
DRAIN_CONCURRENCY = 8
RETRY_S = 6  # a send that failed for now (timeout, network): the drain tries again after RETRY_S x attempts²


def worker() -> str:
    """This worker process, as `outbox.queued_in` names it (asked each time: workers may be forked)."""
    return f"pid-{os.getpid()}"


def records(name: str) -> Callable[[Recorder], Recorder]:
    """Register `fn(services, tx, args, sent)`: what a sent message is, written in the commit that marks its key
    sent. `args` are the JSON-able arguments the `Outgoing` named it with."""
    def register(fn: Recorder) -> Recorder:
        RECORDERS[name] = fn
        return fn
    return register


@dataclass(frozen=True)
class Outgoing:
    """One Bot API send as data. `community_id`: a post to that community's group, in its home topic (or
    `thread`), made again in General if the topic is gone or closed (bot.delivery.in_topic)."""

    text: str
    markup: Any = None                    # an InlineKeyboardMarkup (or its dict)
    photo: bytes | None = None            # sendPhoto with `text` as the caption
    filename: str = "kombel.png"
    community_id: int | None = None
    thread: int | None = None
    silent: bool = False                  # disable_notification
    reply_to: tuple[int, int | None] | None = None  # (message id, topic): a reply to it when posted in that topic
    record: tuple[str, dict[str, Any]] | None = None  # a recorder's name (`records`) and its arguments
    paced: bool = False                   # a broadcast: through the Pacer
    until: int | None = None              # not worth sending from this instant on (a reminder once the meeting began)

    def payload(self) -> str:
        markup = self.markup.to_dict() if hasattr(self.markup, "to_dict") else self.markup
        params: dict[str, Any] = {("caption" if self.photo is not None else "text"): self.text, "parse_mode": "HTML"}
        if markup:
            params["reply_markup"] = markup
        if self.silent:
            params["disable_notification"] = True
        return json.dumps({"method": "sendPhoto" if self.photo is not None else "sendMessage", "params": params,
                           "filename": self.filename, "community": self.community_id, "thread": self.thread,
                           "record": list(self.record) if self.record else None, "paced": self.paced,
                           "reply": list(self.reply_to) if self.reply_to else None, "until": self.until},
                          ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class Queued:
    """What `send_once` returns when another worker is the sender: queued, sent within about a second."""

    message_id: None = None


QUEUED = Queued()


async def send_once(services: Services, bot: ExtBot, key: str, chat_id: int, out: Outgoing, *,
                    also: Callable[[Any], Awaitable[None]] | None = None) -> Sent | Queued | None | bool:
    """Queue `out` under `key` (and run `also(tx)` in that transaction) and, in the sender, send it now. The key
    is this call's from before it is queued, so the sender's drain leaves it to this call."""
    async with _key(services, key):
        await services.repos.delivery.queue(key, chat_id, services.now_ts(), out.payload(), out.photo, by=worker(),
                                            also=also)
        if not await sender.may_send(services):
            return QUEUED
        return await _deliver(services, bot, key, chat_id)


async def deliver(services: Services, bot: ExtBot, key: str, chat_id: int) -> Sent | None | bool:
    """Send the queued `key` (to `chat_id`, unless the row says it moved) once (bot/delivery.py's guarantee)."""
    async with _key(services, key):
        return await _deliver(services, bot, key, chat_id)


@asynccontextmanager
async def _key(services: Services, key: str) -> AsyncIterator[None]:
    """One call at a time per key in this process: the second finds it sent. A key held here is skipped by
    `drain` (it is being queued or sent right now)."""
    inflight: dict[str, list[Any]] = services.extra.setdefault("outbox_inflight", {})
    slot = inflight.setdefault(key, [asyncio.Lock(), 0])
    slot[1] += 1
    try:
        async with slot[0]:
            yield
    finally:
        slot[1] -= 1
        if slot[1] == 0:
            inflight.pop(key, None)


@dataclass
class _Call:
    method: str
    params: dict[str, Any]
    filename: str
    community: int | None
    thread: int | None
    record: tuple[str, dict[str, Any]] | None
    paced: bool
    reply: list[Any] | None = None
    until: int | None = None
    body: bytes | None = field(default=None, repr=False)


def _parse(payload: str, body: bytes | None) -> _Call:
    p = json.loads(payload)
    return _Call(p["method"], p["params"], p.get("filename") or "kombel.png", p.get("community"), p.get("thread"),
                 tuple(p["record"]) if p.get("record") else None, bool(p.get("paced")), p.get("reply"),
                 p.get("until"), body)  # type: ignore[arg-type]


def _sender(services: Services, bot: ExtBot, c: _Call) -> Callable[[int, int | None], Awaitable[Sent]]:
    async def post(chat_id: int, thread: int | None) -> Sent:
        params = {**c.params, "chat_id": chat_id, "message_thread_id": thread}
        if c.reply is not None and c.reply[1] == thread:  # an answer to the command, in the topic it was typed in
            params["reply_parameters"] = {"message_id": c.reply[0], "allow_sending_without_reply": True}
        if c.body is not None:
            params["photo"] = InputFile(c.body, filename=c.filename)
        p = pacer(services) if c.paced else None
        if p is not None:
            await p.acquire(chat_id)
        try:
            result = await bot.post_json(c.method, params)  # type: ignore[attr-defined]
        except RetryAfter as exc:  # every paced send waits; bot.delivery.call retries this one
            if p is not None:
                delay = exc.retry_after
                p.pause(float(delay.total_seconds() if hasattr(delay, "total_seconds") else delay))
            raise
        return Sent(int(result["chat"]["id"]), int(result["message_id"]))
    return post


async def _deliver(services: Services, bot: ExtBot, key: str, chat_id: int) -> Sent | None | bool:
    led = services.repos.delivery
    attempt = await led.begin(key, chat_id, services.now_ts())  # durable 'sending' before the call
    if attempt.status in ("sent", "skipped", "busy") or attempt.payload is None:  # busy: another worker claims it
        return False
    c = _parse(attempt.payload, attempt.body)
    if c.until is not None and services.now_ts() >= c.until:  # retried too late: stale, never sent
        log.info("outbox %s: not sent by its deadline; given up", key)
        await led.abandon(key, services.now_ts(), "expired")
        return None
    if attempt.was_sending:
        metrics.AMBIGUOUS.labels("repeat").inc()
        log.warning("outbox %s: an earlier attempt stopped during its call and may have been delivered;"
                    " sending again (possible duplicate #%d)", key, attempt.ambiguous)
    post = _sender(services, bot, c)
    if c.community is not None:
        community = await services.repos.communities.get(c.community)
        send = in_topic(services, community, post, c.thread)
    else:
        send = lambda cid: post(cid, c.thread)  # noqa: E731
    try:
        msg = await call(services, attempt.chat_id, send)
    except SendFailed as exc:
        final = exc.kind in ("forbidden", "bad_request")
        unknown = exc.kind in ("timeout", "network")
        metrics.SENDS.labels("refused" if final else "failed").inc()
        if unknown:
            metrics.AMBIGUOUS.labels("timeout").inc()
            log.warning("outbox %s: %s; Telegram may have delivered it; retried on a later pass", key, exc)
        await led.settle(key, "skipped" if final else "pending", services.now_ts(), error=exc.kind,
                         ambiguous=unknown)
        return None
    also = None
    if c.record is not None and msg is not None:
        recorder, args = RECORDERS[c.record[0]], c.record[1]
        also = lambda tx: recorder(services, tx, args, msg)  # noqa: E731
    await led.settle(key, "sent", services.now_ts(), message_id=getattr(msg, "message_id", None), also=also)
    metrics.SENDS.labels("sent").inc()
    return msg


async def drain(services: Services, bot: ExtBot, *, limit: int = DRAIN_BATCH) -> int:
    """The sender sends what is owed: rows other workers queued, and rows a failed call left pending. One
    chat's rows in the order they were queued, chats side by side. Returns how many keys it tried."""
    if not await sender.may_send(services):
        return 0
    owed = await services.repos.delivery.owed(services.now_ts(), RETRY_S, limit)
    if not owed:
        return 0
    busy = services.extra.get("outbox_inflight", {})
    by_chat: dict[int, list[str]] = {}
    for o in owed:
        if o.key not in busy:  # this process is sending it right now
            by_chat.setdefault(o.chat_id, []).append(o.key)

    async def one_chat(chat: tuple[int, list[str]]) -> None:
        for key in chat[1]:
            await deliver(services, bot, key, chat[0])

    await run_all(list(by_chat.items()), one_chat, concurrency=DRAIN_CONCURRENCY)
    return sum(len(k) for k in by_chat.values())


async def status(services: Services, key: str) -> str | None:
    """The key's outbox status (pending, sending, sent, skipped), None if never queued."""
    entry = await services.repos.outbox.get(key)
    return None if entry is None else entry.status
