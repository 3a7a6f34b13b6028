"""Webhook delivery the way Telegram does it (issue 16), for the fake Bot API.

Once `setWebhook` names a URL, the fake POSTs each queued update there as JSON instead of keeping it for
getUpdates (which then answers 409, as Telegram does):

- **Per chat FIFO.** A chat's next update is sent only after its previous one was answered with a 2xx;
  updates of different chats go in parallel. Updates without a chat (`poll`, `poll_answer`) have no order.
- **Retries.** Any other answer, a refused connection or a timeout keeps the update queued; the chat is
  retried after a back-off that doubles from `retry_first` up to `retry_max` seconds (its later updates
  wait behind it). `getWebhookInfo` reports `last_error_date` / `last_error_message`.
- **`max_connections`** (1–100, default 40) requests in flight at most.
- **`secret_token`** is sent in the `X-Telegram-Bot-Api-Secret-Token` header of every request.
- `allowed_updates` is sticky like getUpdates'; `drop_pending_updates` empties the queue.

The delivery loop is a task on the running event loop (started by setWebhook, stopped by deleteWebhook or
`close()`); it shares the fake's update queue, so `pending_updates()` shows what is not yet acknowledged.
`attempts` lists every POST as (update_id, HTTP status or an error text).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from typing import Any

import httpx

from fakegram.common import ApiError

# The fake's shared state (fakegram.state.FakeState, which holds this object) and a method's parameters
# (fakegram.state._Params): named loosely here, since fakegram.state imports this module.
FakeState = Any
_Params = Any

JSON = dict[str, Any]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
DEFAULT_MAX_CONNECTIONS = 40


def chat_key(update: JSON) -> tuple[str, int]:
    """Telegram's ordering key: the update's chat, or (no chat) the update itself."""
    body = next(v for k, v in update.items() if k != "update_id")
    chat = body.get("chat") if isinstance(body, dict) else None
    if chat is None and isinstance(body, dict) and isinstance(body.get("message"), dict):
        chat = body["message"].get("chat")  # a button under a message
    if isinstance(chat, dict) and "id" in chat:
        return ("chat", int(chat["id"]))
    return ("update", int(update["update_id"]))


class Webhook:
    def __init__(self, fake: FakeState) -> None:
        self.fake = fake
        self.url = ""
        self.secret: str | None = None
        self.max_connections = DEFAULT_MAX_CONNECTIONS
        self.allowed_updates: list[str] | None = None
        self.retry_first = 0.2  # seconds before the first retry of a chat's failed update; doubles
        self.retry_max = 10.0
        self.timeout = 30.0  # how long an answer may take
        self.last_error_date: int | None = None
        self.last_error_message: str | None = None
        self.attempts: list[tuple[int, int | str]] = []
        self.max_in_flight = 0  # the most requests seen in flight at once
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._settled = asyncio.Event()  # set after each answer (or failure)
        self._busy: set[tuple[str, int]] = set()
        self._failures: dict[tuple[str, int], int] = {}
        self._retry_at: dict[tuple[str, int], float] = {}
        self._flights: set[asyncio.Task[None]] = set()

    # -- Bot API ------------------------------------------------------------------------------------
    def set(self, p: _Params) -> bool:
        url = p.text("url", "") or ""
        if url and not url.startswith(("https://", "http://")):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = p.text("secret_token")
        if secret is not None and not SECRET_RE.match(secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        max_conn = p.integer("max_connections", DEFAULT_MAX_CONNECTIONS) or DEFAULT_MAX_CONNECTIONS
        if not 1 <= max_conn <= 100:
            raise ApiError(400, "Bad Request: max_connections must be between 1 and 100")
        if p.flag("drop_pending_updates"):
            self.fake._queue.clear()
        allowed = p.obj("allowed_updates")
        if allowed is not None:
            self.allowed_updates = list(allowed)
            self.fake.set_allowed_updates(list(allowed))
        if not url:  # an empty URL removes the webhook
            self._stop()
            return True
        self.url, self.secret, self.max_connections = url, secret, max_conn
        self._failures.clear()
        self._retry_at.clear()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())
        self._wake.set()
        return True

    def delete(self, p: _Params) -> bool:
        if p.flag("drop_pending_updates"):
            self.fake._queue.clear()
        self._stop()
        return True

    def info(self) -> JSON:
        info: JSON = {"url": self.url, "has_custom_certificate": False,
                      "pending_update_count": len(self.fake._queue)}
        if self.url:
            info["max_connections"] = self.max_connections
            if self.allowed_updates is not None:
                info["allowed_updates"] = list(self.allowed_updates)
        if self.last_error_date is not None:
            info["last_error_date"] = self.last_error_date
            info["last_error_message"] = self.last_error_message
        return info

    # -- delivery -----------------------------------------------------------------------------------
    def _stop(self) -> None:
        self.url = ""
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def close(self) -> None:
        """Stop delivering (tests call this before their event loop ends)."""
        task = self._task
        self._stop()
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def idle(self) -> None:
        """Wait until nothing is queued nor in flight (wrap it in `asyncio.timeout`)."""
        while self.fake._queue or self._flights:
            self._settled.clear()
            await self._settled.wait()

    def _next_batch(self, now: float) -> list[tuple[tuple[str, int], JSON]]:
        allowed = self.fake._allowed_updates
        batch: list[tuple[tuple[str, int], JSON]] = []
        heads: set[tuple[str, int]] = set()
        for update in list(self.fake._queue):
            if next(k for k in update if k != "update_id") not in allowed:
                self.fake._queue.remove(update)  # Telegram does not keep updates of unwanted types
                continue
            key = chat_key(update)
            if key in heads:
                continue  # only a chat's oldest update may be sent
            heads.add(key)
            if key in self._busy or self._retry_at.get(key, 0.0) > now:
                continue
            if len(self._busy) + len(batch) >= self.max_connections:
                break
            batch.append((key, update))
        return batch

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            try:
                while self.url:
                    self._wake.clear()
                    for key, update in self._next_batch(loop.time()):
                        self._busy.add(key)
                        flight = loop.create_task(self._deliver(client, key, update))
                        self._flights.add(flight)
                        flight.add_done_callback(self._flights.discard)
                    self.max_in_flight = max(self.max_in_flight, len(self._busy))
                    waiter: asyncio.Future[None] = loop.create_future()
                    waiter.add_done_callback(lambda _f: self._wake.set())
                    self.fake._waiters.append(waiter)  # resolved when a new update is queued
                    later = [t - loop.time() for k, t in self._retry_at.items() if k not in self._busy]
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), max(0.0, min(later)) if later else None)
                    if not waiter.done():
                        waiter.cancel()
            finally:
                for flight in list(self._flights):
                    flight.cancel()
                await asyncio.gather(*self._flights, return_exceptions=True)
                self._busy.clear()

    async def _deliver(self, client: httpx.AsyncClient, key: tuple[str, int], update: JSON) -> None:
        uid = int(update["update_id"])
        headers = {"Content-Type": "application/json"}
        if self.secret:
            headers[SECRET_HEADER] = self.secret
        error: str | None
        try:
            resp = await client.post(self.url, content=json.dumps(update).encode(), headers=headers)
            self.attempts.append((uid, resp.status_code))
            error = None if 200 <= resp.status_code < 300 else \
                f"Wrong response from the webhook: {resp.status_code} {resp.reason_phrase}"
        except httpx.TimeoutException:
            error = "Read timeout expired"
            self.attempts.append((uid, error))
        except httpx.HTTPError as exc:
            error = f"Connection failed: {type(exc).__name__}"
            self.attempts.append((uid, error))
        try:
            if error is None:
                with contextlib.suppress(ValueError):
                    self.fake._queue.remove(update)
                self._failures.pop(key, None)
                self._retry_at.pop(key, None)
            else:
                n = self._failures[key] = self._failures.get(key, 0) + 1
                delay = min(self.retry_first * 2 ** (n - 1), self.retry_max)
                self._retry_at[key] = asyncio.get_running_loop().time() + delay
                self.last_error_date = int(self.fake.clock())
                self.last_error_message = error
        finally:
            self._busy.discard(key)
            self._flights.discard(asyncio.current_task())  # type: ignore[arg-type]
            self._wake.set()
            self._settled.set()
