"""An in-memory Telegram Bot API that answers and fails like the real one.

The real PTB ``Bot`` talks to :class:`FakeTelegram` through
:class:`fakegram.request.FakeRequest` (in process) or :mod:`fakegram.server`
(over HTTP).  Tests build incoming updates with the builder methods
(``send_text``, ``press_button``, ``answer_poll`` ...) and read back what the
bot did (``texts``, ``chat_messages``, ``calls_of`` ...).  Error bodies use
Telegram's status codes, description strings and ``parameters`` so PTB raises
the same exceptions it raises in production.
"""

from __future__ import annotations

import inspect
import json

from telegram.error import TimedOut

from fakegram.callbacks import CallbacksApi
from fakegram.chats import ChatsApi
from fakegram.common import (
    _HANDLERS,
    JSON,
    ApiError,
    FileRecord,
    Files,
    _clone,
)
from fakegram.faults import Faults
from fakegram.files import FilesApi
from fakegram.messages import MessagesApi
from fakegram.polls import PollsApi
from fakegram.profile import ProfileApi
from fakegram.ratelimits import RateLimits
from fakegram.state import _Params
from fakegram.topics import TopicsApi
from fakegram.updates import UpdatesApi
from fakegram.webhooks import WebhooksApi

__all__ = ["ApiError", "FakeTelegram", "FileRecord", "Files"]


class FakeTelegram(
    MessagesApi, FilesApi, CallbacksApi, PollsApi, ChatsApi, TopicsApi,
    UpdatesApi, WebhooksApi, ProfileApi, Faults, RateLimits,
):
    """The fake Bot API server state: users, chats, messages, updates, files and faults."""

    # ------------------------------------------------------------------ dispatch

    async def call(self, method: str, params: JSON | None, files: Files | None = None) -> tuple[int, JSON]:
        """Run one Bot API method; returns (HTTP status, Telegram's response body), a copy the caller may
        keep or change."""
        status, body = await self._call(method, params, files)
        return status, _clone(body)

    async def call_json(self, method: str, params: JSON | None, files: Files | None = None) -> tuple[int, bytes]:
        """`call` for a transport: the body serialized as Telegram sends it (no copy needed before)."""
        status, body = await self._call(method, params, files)
        return status, json.dumps(body).encode()

    async def _call(self, method: str, params: JSON | None, files: Files | None) -> tuple[int, JSON]:
        """The body may share the fake's state (a stored message): `call` copies it, `call_json`
        serializes it."""
        name, handler_name = _HANDLERS.get(method.lower(), (method, ""))
        raw = dict(params or {})
        self.calls.append((name, raw))
        self.stats["calls"] += 1
        p = _Params(self, raw)
        timeout = self._take_timeout(name)
        if timeout is not None and not timeout.deliver:
            raise TimedOut()
        result: tuple[int, JSON]
        fault = self._take_fault(name, p)
        if fault is not None:
            self.stats[str(fault.code)] += 1
            result = (fault.code, fault.body)
        elif not handler_name:
            result = (404, {"ok": False, "error_code": 404, "description": "Not Found"})
        else:
            try:
                self._check_rate(name, p)
                value = getattr(self, handler_name)(p, _resolve_attachments(raw, files or {}))
                if inspect.isawaitable(value):
                    value = await value
                result = (200, {"ok": True, "result": value})
            except ApiError as err:
                result = (err.code, err.body)
        if result[0] >= 400:
            self.refusals.append((name, result[0], str(result[1].get("description", ""))))
        if timeout is not None:
            raise TimedOut()
        return result

    def calls_of(self, method: str) -> list[JSON]:
        """Params of every call to ``method`` (case-insensitive)."""
        return [params for name, params in self.calls if name.lower() == method.lower()]


def _resolve_attachments(raw: JSON, files: Files) -> Files:
    """Map ``attach://name`` params to their uploads so handlers look files up by param name."""
    resolved = dict(files)
    for key, value in raw.items():
        if isinstance(value, str) and value.startswith("attach://") and value[9:] in files:
            resolved[key] = files[value[9:]]
    return resolved
