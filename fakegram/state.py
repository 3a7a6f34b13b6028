"""The fake's state and what every area builds on: users and chats registered, updates emitted,
chats the bot may write to."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

from fakegram.common import (
    _COMMAND_RE,
    DEFAULT_ALLOWED,
    JSON,
    SERVICE_KEYS,
    ApiError,
    FileRecord,
    _bad,
    _Chat,
    _clone,
    _Fault,
    _reply_copy,
    _Timeout,
)
from fakegram.limits import FloodLimits
from fakegram.webhook_delivery import Webhook


class _Params:
    """Typed access to Bot API params that may be JSON strings (HTTP/PTB) or Python objects."""

    def __init__(self, fake: FakeState, raw: JSON) -> None:
        self.fake = fake
        self.raw = raw

    def has(self, name: str) -> bool:
        return self.raw.get(name) is not None

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.raw.get(name)
        return default if value is None else str(value)

    def integer(self, name: str, default: int | None = None) -> int | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise _bad(f"invalid {name} specified") from None

    def number(self, name: str, default: float = 0.0) -> float:
        value = self.raw.get(name)
        try:
            return default if value is None else float(value)
        except (TypeError, ValueError):
            raise _bad(f"invalid {name} specified") from None

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.raw.get(name)
        if value is None:
            return default
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1")
        return bool(value)

    def obj(self, name: str) -> Any:
        value = self.raw.get(name)
        if isinstance(value, str | bytes):
            try:
                return json.loads(value)
            except ValueError:
                raise _bad(f"can't parse {name} JSON object") from None
        return value

    def chat_id(self, name: str = "chat_id") -> int:
        value = self.raw.get(name)
        if value is None or value == "":
            raise _bad(f"{name} is empty")
        if isinstance(value, str) and value.startswith("@"):
            found = self.fake._by_username.get(value[1:].lower())
            if found is None:
                raise _bad("chat not found")
            return found
        try:
            return int(value)
        except (TypeError, ValueError):
            raise _bad("chat not found") from None


class FakeState:
    """Users, chats, messages, updates, files and faults: the state every area reads and changes."""

    def __init__(
        self,
        *,
        bot_id: int = 7000000001,
        bot_username: str = "kombel_test_bot",
        bot_first_name: str = "Kombel Bot",
        clock: Callable[[], float] = time.time,
        enforce_rate_limits: bool = False,
        privacy_mode: bool = True,
        strict_html: bool = True,
    ) -> None:
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.clock = clock
        self.enforce_rate_limits = enforce_rate_limits
        self.privacy_mode = privacy_mode
        self.strict_html = strict_html

        self.calls: list[tuple[str, JSON]] = []
        self.refusals: list[tuple[str, int, str]] = []  # (method, HTTP status, description) of each error
        self._reactions: dict[tuple[int, int], list[str]] = {}
        self.stats: Counter[str] = Counter()
        self.updates: list[JSON] = []  # every update ever built, delivered or not

        self._users: dict[int, JSON] = {}
        self._chats: dict[int, _Chat] = {}
        self._by_username: dict[str, int] = {}
        self.started: set[int] = set()
        self.blocked: set[int] = set()

        self._update_ids = itertools.count(1)
        self._queue: deque[JSON] = deque()
        self._waiters: list[asyncio.Future[None]] = []
        self._poll_generation = 0
        self._allowed_updates: frozenset[str] = DEFAULT_ALLOWED
        self.webhook = Webhook(self)  # setWebhook and its delivery (fakegram/webhook_delivery.py)

        self._callbacks: dict[str, JSON] = {}  # id -> {"answered": bool, "answer": params}
        self._callback_ids = itertools.count(4_000_000_000_000_000_001)
        self._polls: dict[str, tuple[int, int]] = {}  # poll id -> (chat id, message id)
        self._poll_votes: dict[str, dict[int, list[int]]] = {}
        self._poll_ids = itertools.count(5_000_000_000_000_000_001)
        self._files: dict[str, FileRecord] = {}
        self._file_ids = itertools.count(1)
        self._meta: dict[tuple[int, int], JSON] = {}  # (chat, message) -> raw text, edits, keyboard
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._descriptions: dict[tuple[str, str], str] = {}

        self._faults: dict[str, list[_Fault]] = {}
        self._timeouts: dict[str, _Timeout] = {}
        self.limits = FloodLimits()  # Telegram's flood limits, applied with enforce_rate_limits (fakegram.limits)

    # ------------------------------------------------------------------ registry

    @property
    def bot_user(self) -> JSON:
        """The bot as it appears in ``from`` fields."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def user(
        self,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "id",
    ) -> JSON:
        """Register (or update) a human user; returns its User JSON."""
        data: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            data["last_name"] = last_name
        if username:
            data["username"] = username
            self._by_username[username.lower()] = user_id
        if language_code:
            data["language_code"] = language_code
        self._users[user_id] = data
        return dict(data)

    def group(
        self,
        chat_id: int,
        title: str,
        *,
        supergroup: bool = False,
        admins: list[int] | tuple[int, ...] = (),
        members: list[int] | tuple[int, ...] = (),
        bot_member: bool = True,
        bot_admin: bool = False,
        forum: bool = False,
        username: str | None = None,
    ) -> JSON:
        """Register a group (``admins[0]`` is the creator); the bot is a member unless told otherwise."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        if supergroup and not str(chat_id).startswith("-100"):
            raise ValueError("supergroup ids start with -100")
        data: JSON = {"id": chat_id, "title": title, "type": "supergroup" if supergroup else "group"}
        if forum:
            data["is_forum"] = True
        if username:
            data["username"] = username
            self._by_username[username.lower()] = chat_id
        chat = _Chat(id=chat_id, type=data["type"], json=data, admins=list(admins))
        chat.members = set(admins) | set(members)
        chat.bot_status = ("administrator" if bot_admin else "member") if bot_member else "left"
        self._chats[chat_id] = chat
        return dict(data)

    def _private(self, user_id: int) -> _Chat | None:
        chat = self._chats.get(user_id)
        if chat is None and user_id in self._users:
            u = self._users[user_id]
            data: JSON = {"id": user_id, "type": "private", "first_name": u["first_name"]}
            for key in ("last_name", "username"):
                if key in u:
                    data[key] = u[key]
            chat = _Chat(id=user_id, type="private", json=data, bot_status="member")
            self._chats[user_id] = chat
        return chat

    def _chat(self, chat_id: int) -> _Chat:
        """Test-side lookup: unknown chats are a test bug, so fail loudly."""
        chat = self._chats.get(chat_id) or (self._private(chat_id) if chat_id > 0 else None)
        if chat is None:
            raise AssertionError(f"unknown chat {chat_id}; register it with user()/group() first")
        return chat

    def _user(self, user_id: int) -> JSON:
        if user_id == self.bot_id:
            return self.bot_user
        if user_id not in self._users:
            raise AssertionError(f"unknown user {user_id}; register it with user() first")
        return self._users[user_id]

    # ------------------------------------------------------------------ updates

    def _emit(self, kind: str, payload: JSON, *, deliver: bool = True) -> JSON:
        update = {"update_id": next(self._update_ids), kind: payload}
        self.updates.append(update)
        if deliver:
            self._queue.append(update)
            self._notify()
        return _clone(update)

    def _notify(self) -> None:
        waiters, self._waiters = self._waiters, []
        for fut in waiters:
            if fut.done():
                continue
            try:
                fut.get_loop().call_soon_threadsafe(_resolve, fut)
            except RuntimeError:  # loop closed: the poller is gone
                pass

    def _bot_sees(self, chat: _Chat, msg: JSON) -> bool:
        """Privacy mode: what a non-admin bot receives from a group (Telegram's rules)."""
        if chat.type == "private":
            return True
        if not chat.bot_in_chat:
            return False
        if not self.privacy_mode or chat.bot_status == "administrator":
            return True
        if any(key in msg for key in SERVICE_KEYS):
            return True
        reply = msg.get("reply_to_message")
        if reply and reply.get("from", {}).get("id") == self.bot_id:
            return True
        match = _COMMAND_RE.match(msg.get("text") or msg.get("caption") or "")
        return bool(match) and (not match.group(2) or match.group(2)[1:].lower() == self.bot_username.lower())

    def _store(self, chat: _Chat, msg: JSON, **meta: Any) -> JSON:
        chat.messages[msg["message_id"]] = msg
        self._meta[(chat.id, msg["message_id"])] = meta
        return msg

    def _base_message(
        self, chat: _Chat, sender: JSON, *, reply_to: int | None = None, thread_id: int | None = None
    ) -> JSON:
        msg: JSON = {"message_id": chat.next_message_id, "from": dict(sender), "chat": dict(chat.json)}
        chat.next_message_id += 1
        msg["date"] = int(self.clock())
        if thread_id is not None:
            msg["message_thread_id"] = int(thread_id)
            topic = chat.topics.get(int(thread_id)) if chat.json.get("is_forum") else None
            if topic is not None:
                msg["is_topic_message"] = True
                created = chat.messages.get(int(thread_id))
                if reply_to is None and created is not None:  # Telegram: a topic's messages "reply" to
                    msg["reply_to_message"] = _reply_copy(created)  # its forum_topic_created message
        if reply_to is not None:
            original = chat.messages.get(reply_to)
            if original is None:
                raise AssertionError(f"message {reply_to} not found in chat {chat.id}")
            msg["reply_to_message"] = _reply_copy(original)
        return msg

    # ------------------------------------------------------------------ access checks

    def _resolve_chat(self, p: _Params) -> _Chat:
        chat_id = p.chat_id()
        chat = self._chats.get(chat_id)
        if chat is None and chat_id > 0 and (chat_id in self.started or chat_id in self.blocked):
            chat = self._private(chat_id)
        if chat is None:
            raise _bad("chat not found")
        if chat.migrated_to is not None:
            raise _bad(
                "group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": chat.migrated_to}
            )
        return chat

    def _writable_chat(self, p: _Params) -> _Chat:
        chat_id = p.chat_id()
        if chat_id > 0 and chat_id in self._users and chat_id not in self._chats:
            self._private(chat_id)
        chat = self._resolve_chat(p)
        if chat.is_group:
            kind = chat.type
            if chat.bot_status == "kicked":
                raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
            if not chat.bot_in_chat:
                raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")
        elif chat.type == "private":
            if chat.id in self.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if chat.id not in self.started:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return chat


# ---------------------------------------------------------------------- helpers


def _resolve(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)
