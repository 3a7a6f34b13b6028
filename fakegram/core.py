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

import asyncio
import functools
import inspect
import itertools
import json
import mimetypes
import re
import struct
import time
import zlib
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.error import TimedOut

from fakegram.html import HtmlError, parse_telegram_html, utf16_len
from fakegram.limits import FloodLimits, Limited

__all__ = ["ApiError", "FakeTelegram", "FileRecord"]

JSON = dict[str, Any]
Files = dict[str, tuple[str, bytes, str]]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
GROUP_TYPES = ("group", "supergroup")
DEFAULT_ALLOWED = frozenset(
    {
        "message", "edited_message", "channel_post", "edited_channel_post", "business_connection",
        "business_message", "edited_business_message", "deleted_business_messages", "inline_query",
        "chosen_inline_result", "callback_query", "shipping_query", "pre_checkout_query",
        "purchased_paid_media", "poll", "poll_answer", "my_chat_member", "chat_join_request",
        "chat_boost", "removed_chat_boost",
    }
)  # fmt: skip
SEND_METHODS = frozenset(
    {
        "sendMessage", "sendPhoto", "sendDocument", "sendPoll", "sendVoice", "sendSticker",
        "sendMediaGroup", "copyMessage", "forwardMessage", "editMessageText",
        "editMessageCaption", "editMessageReplyMarkup", "stopPoll",
    }
)  # fmt: skip
CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
        "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
    }
)  # fmt: skip
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
SERVICE_KEYS = (
    "new_chat_members", "left_chat_member", "migrate_to_chat_id", "migrate_from_chat_id",
    "pinned_message", "group_chat_created", "supergroup_chat_created", "new_chat_title",
    "forum_topic_created", "forum_topic_closed", "forum_topic_reopened",
)  # fmt: skip
# The emoji Telegram accepts as a reaction (ReactionTypeEmoji), as listed in the Bot API docs.
REACTION_EMOJI = frozenset(
    "👍 👎 ❤ 🔥 🥰 👏 😁 🤔 🤯 😱 🤬 😢 🎉 🤩 🤮 💩 🙏 👌 🕊 🤡 🥱 🥴 😍 🐳 ❤‍🔥 🌚 🌭 💯 🤣 ⚡ 🍌 🏆 💔 🤨 😐 🍓 🍾 💋 "
    "🖕 😈 😴 😭 🤓 👻 👨‍💻 👀 🎃 🙈 😇 😨 🤝 ✍ 🤗 🫡 🎅 🎄 ☃ 💅 🤪 🗿 🆒 💘 🙉 🦄 😘 💊 🙊 😎 👾 🤷‍♂ 🤷 🤷‍♀ 😡".split()
)
_COMMAND_RE = re.compile(r"^/([A-Za-z0-9_]{1,32})(@[A-Za-z0-9_]+)?(?=\s|$)")
_BOT_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")


class ApiError(Exception):
    """A Bot API failure: raised inside handlers, turned into Telegram's error body."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    @property
    def body(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad(description: str, parameters: JSON | None = None) -> ApiError:
    return ApiError(400, f"Bad Request: {description}", parameters)


@dataclass
class FileRecord:
    """A stored file: what the bot uploaded, or what a fake user sent."""

    file_id: str
    file_unique_id: str
    data: bytes
    filename: str | None
    mime_type: str | None
    file_path: str


@dataclass
class _Chat:
    id: int
    type: str
    json: JSON
    admins: list[int] = field(default_factory=list)  # admins[0] is the creator
    members: set[int] = field(default_factory=set)
    bot_status: str = "left"  # member | administrator | left | kicked
    next_message_id: int = 1
    messages: dict[int, JSON] = field(default_factory=dict)
    previous: list[JSON] = field(default_factory=list)  # history carried over by a migration
    migrated_to: int | None = None
    pinned: int | None = None
    topics: dict[int, JSON] = field(default_factory=dict)  # forum topics: thread id -> name, closed
    banned: set[int] = field(default_factory=set)  # status "kicked": removed and kept out until unbanned
    restricted: dict[int, bool] = field(default_factory=dict)  # status "restricted": user -> is_member

    @property
    def is_group(self) -> bool:
        return self.type in GROUP_TYPES

    @property
    def bot_in_chat(self) -> bool:
        return self.type == "private" or self.bot_status in ("member", "administrator")


@dataclass
class _Fault:
    code: int
    description: str
    parameters: JSON | None
    times: int
    chat_id: int | None


@dataclass
class _Timeout:
    times: int
    deliver: bool


class _Params:
    """Typed access to Bot API params that may be JSON strings (HTTP/PTB) or Python objects."""

    def __init__(self, fake: FakeTelegram, raw: JSON) -> None:
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


_HANDLERS: dict[str, tuple[str, str]] = {}


def _api(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a Bot API method handler (names are case-insensitive in Telegram)."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        _HANDLERS[name.lower()] = (name, func.__name__)
        return func

    return register


class FakeTelegram:
    """The fake Bot API server state: users, chats, messages, updates, files and faults."""

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
        self._webhook_url = ""

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

    def pending_updates(self) -> list[JSON]:
        """Updates queued for getUpdates and not yet acknowledged."""
        return _clone(list(self._queue))

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

    def _incoming(
        self, chat_id: int, user_id: int, content: JSON, *, reply_to: int | None, thread_id: int | None
    ) -> JSON:
        chat = self._chat(chat_id)
        if chat.migrated_to is not None:
            raise AssertionError(f"chat {chat_id} was migrated to {chat.migrated_to}")
        sender = self._user(user_id)
        if chat.type == "private":
            if chat_id != user_id:
                raise AssertionError("in a private chat only its user can write")
            self.started.add(user_id)
            text = content.get("text", "")
            if user_id in self.blocked and _COMMAND_RE.match(text) and text.split()[0] == "/start":
                self.unblock_bot(user_id)
        if chat.json.get("is_forum"):
            if thread_id is None and reply_to is not None:  # a reply stays in the topic of what it answers
                original = chat.messages.get(reply_to) or {}
                thread_id = original.get("message_thread_id") if original.get("is_topic_message") else None
            if thread_id is not None and int(thread_id) not in chat.topics:
                raise AssertionError(f"no topic {thread_id} in chat {chat_id}; create it with create_topic()")
        msg = self._base_message(chat, sender, reply_to=reply_to, thread_id=thread_id)
        msg.update(content)
        self._store(chat, msg, from_bot=False, edits=[msg.get("text") or msg.get("caption") or ""])
        if chat.is_group:
            chat.members.add(user_id)
        return self._emit("message", _clone(msg), deliver=self._bot_sees(chat, msg))

    def send_text(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        *,
        reply_to: int | None = None,
        thread_id: int | None = None,
    ) -> JSON:
        """A user writes ``text``; ``/cmd`` or ``/cmd@bot`` at the start gets a bot_command entity."""
        content: JSON = {"text": text}
        entities = _command_entities(text)
        if entities:
            content["entities"] = entities
        return self._incoming(chat_id, user_id, content, reply_to=reply_to, thread_id=thread_id)

    def forward_text(
        self, chat_id: int, user_id: int, text: str, *, origin_user: int, reply_to: int | None = None
    ) -> JSON:
        """A user forwards someone's text message (Bot API 7: ``forward_origin``); a client may send it as
        a reply. Entities travel with the text, so a forwarded command keeps its bot_command entity."""
        content: JSON = {"text": text, "forward_origin": {
            "type": "user", "sender_user": dict(self._user(origin_user)), "date": int(self.clock()) - 60}}
        entities = _command_entities(text)
        if entities:
            content["entities"] = entities
        return self._incoming(chat_id, user_id, content, reply_to=reply_to, thread_id=None)

    def send_as_chat(
        self, chat_id: int, text: str, *, channel: tuple[int, str] | None = None, reply_to: int | None = None
    ) -> JSON:
        """A message written on behalf of a chat: an anonymous administrator writing as the group itself
        (``from`` is GroupAnonymousBot, ``sender_chat`` the group), or, with ``channel=(id, title)``,
        someone posting as their channel (``from`` is Channel_Bot)."""
        chat = self._chat(chat_id)
        if not chat.is_group:
            raise AssertionError("only in groups can one write as a chat")
        if channel is None:
            sender = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
            sender_chat = {k: v for k, v in chat.json.items() if k in ("id", "title", "type", "username")}
        else:
            sender = {"id": 136817688, "is_bot": True, "first_name": "Channel", "username": "Channel_Bot"}
            sender_chat = {"id": channel[0], "title": channel[1], "type": "channel"}
        msg = self._base_message(chat, sender, reply_to=reply_to)
        msg["sender_chat"] = sender_chat
        msg["text"] = text
        entities = _command_entities(text)
        if entities:
            msg["entities"] = entities
        self._store(chat, msg, from_bot=False, edits=[text])
        return self._emit("message", _clone(msg), deliver=self._bot_sees(chat, msg))

    def edit_text(self, chat_id: int, message_id: int, user_id: int, new_text: str) -> JSON:
        """A user edits their text message: an ``edited_message`` update with the same id."""
        chat = self._chat(chat_id)
        msg = chat.messages.get(message_id)
        if msg is None or msg.get("from", {}).get("id") != user_id or "text" not in msg:
            raise AssertionError(f"user {user_id} has no text message {message_id} in chat {chat_id}")
        msg["text"] = new_text
        msg.pop("entities", None)
        entities = _command_entities(new_text)
        if entities:
            msg["entities"] = entities
        msg["edit_date"] = int(self.clock())
        self._meta[(chat_id, message_id)]["edits"].append(new_text)
        return self._emit("edited_message", _clone(msg), deliver=self._bot_sees(chat, msg))

    def send_photo(
        self, chat_id: int, user_id: int, *, caption: str | None = None, reply_to: int | None = None,
        data: bytes = b"", width: int = 1280, height: int = 960,
    ) -> JSON:  # fmt: skip
        """A user sends a photo (three PhotoSize variants, like Telegram)."""
        record = self._new_file("photos", data or _tiny_png(), None, "image/jpeg")
        content: JSON = {"photo": self._photo_sizes(record, width, height)}
        if caption:
            content["caption"] = caption
        return self._incoming(chat_id, user_id, content, reply_to=reply_to, thread_id=None)

    def send_document(
        self, chat_id: int, user_id: int, *, caption: str | None = None, reply_to: int | None = None,
        data: bytes = b"%PDF-1.4\n%fake\n", file_name: str = "dokumen.pdf", mime_type: str | None = None,
    ) -> JSON:  # fmt: skip
        """A user sends a document; its bytes are retrievable with :meth:`file_bytes`/getFile."""
        mime = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        record = self._new_file("documents", data, file_name, mime)
        content: JSON = {"document": self._document_json(record)}
        if caption:
            content["caption"] = caption
        return self._incoming(chat_id, user_id, content, reply_to=reply_to, thread_id=None)

    def send_voice(
        self, chat_id: int, user_id: int, *, caption: str | None = None, reply_to: int | None = None,
        data: bytes = b"OggS\0fake", duration: int = 3,
    ) -> JSON:  # fmt: skip
        """A user sends a voice note."""
        record = self._new_file("voice", data, None, "audio/ogg")
        voice = {
            "file_id": record.file_id, "file_unique_id": record.file_unique_id, "duration": duration,
            "mime_type": "audio/ogg", "file_size": len(record.data),
        }  # fmt: skip
        content: JSON = {"voice": voice}
        if caption:
            content["caption"] = caption
        return self._incoming(chat_id, user_id, content, reply_to=reply_to, thread_id=None)

    def send_sticker(
        self, chat_id: int, user_id: int, *, caption: str | None = None, reply_to: int | None = None, emoji: str = "👍",
    ) -> JSON:  # fmt: skip
        """A user sends a (static, regular) sticker; stickers have no caption in Telegram."""
        del caption
        record = self._new_file("stickers", b"RIFF\0\0\0\0WEBP", None, "image/webp")
        sticker = {
            "file_id": record.file_id, "file_unique_id": record.file_unique_id, "type": "regular",
            "width": 512, "height": 512, "is_animated": False, "is_video": False, "emoji": emoji,
            "set_name": "KombelStickers", "file_size": len(record.data),
        }  # fmt: skip
        return self._incoming(chat_id, user_id, {"sticker": sticker}, reply_to=reply_to, thread_id=None)

    def press(self, chat_id: int, message_id: int, user_id: int, data: str) -> JSON:
        """A user taps an inline button carrying ``data``: a ``callback_query`` update."""
        chat = self._chat(chat_id)
        msg = chat.messages.get(message_id)
        if msg is None or msg.get("from", {}).get("id") != self.bot_id:
            raise AssertionError(f"no bot message {message_id} in chat {chat_id}")
        query_id = str(next(self._callback_ids))
        self._callbacks[query_id] = {"answered": False, "answer": None}
        payload: JSON = {
            "id": query_id, "from": dict(self._user(user_id)), "message": _clone(msg),
            "chat_instance": str(abs(chat_id) * 7919 + 104729), "data": data,
        }  # fmt: skip
        return self._emit("callback_query", payload, deliver=chat.bot_in_chat)

    def press_button(self, chat_id: int, message_id: int, user_id: int, label: str) -> JSON:
        """Press the inline button labelled ``label`` on the message's current keyboard."""
        msg = self._chat(chat_id).messages.get(message_id)
        if msg is None:
            raise AssertionError(f"no message {message_id} in chat {chat_id}")
        labels: list[str] = []
        for row in (msg.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                labels.append(button.get("text", ""))
                if button.get("text") == label:
                    if "callback_data" not in button:
                        raise AssertionError(f"button {label!r} is not a callback button: {button}")
                    return self.press(chat_id, message_id, user_id, button["callback_data"])
        raise AssertionError(f"no button {label!r} on message {message_id}; available: {labels}")

    def answer_poll(self, poll_id: str, user_id: int, option_ids: list[int]) -> JSON:
        """A user votes (empty list = retract); non-anonymous polls yield ``poll_answer``."""
        if poll_id not in self._polls:
            raise AssertionError(f"unknown poll {poll_id}")
        chat_id, message_id = self._polls[poll_id]
        poll = self._chats[chat_id].messages[message_id]["poll"]
        if poll["is_closed"]:
            raise AssertionError("the poll is closed")
        if len(option_ids) > 1 and not poll["allows_multiple_answers"]:
            raise AssertionError("poll does not allow multiple answers")
        if any(not 0 <= o < len(poll["options"]) for o in option_ids):
            raise AssertionError("option id out of range")
        votes = self._poll_votes[poll_id]
        if not poll["allows_revoting"] and user_id in votes:
            raise AssertionError("this poll does not allow changing the answer")
        for option in votes.pop(user_id, []):
            poll["options"][option]["voter_count"] -= 1
        if option_ids:
            votes[user_id] = list(option_ids)
            for option in option_ids:
                poll["options"][option]["voter_count"] += 1
        poll["total_voter_count"] = len(votes)
        answer = None
        if not poll["is_anonymous"]:
            payload = {
                "poll_id": poll_id,
                "user": dict(self._user(user_id)),
                "option_ids": list(option_ids),
                "option_persistent_ids": [poll["options"][o]["persistent_id"] for o in option_ids],
            }
            answer = self._emit("poll_answer", payload)
        state = self._emit("poll", _clone(poll))
        return answer or state

    def _member_json(self, user: JSON, status: str, *, is_member: bool = True) -> JSON:
        if status == "administrator":
            rights = dict.fromkeys(
                (
                    "can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
                    "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories",
                    "can_delete_stories", "can_pin_messages",
                ),
                True,
            )  # fmt: skip
            return {"user": dict(user), "status": status, "can_be_edited": False, "is_anonymous": False,
                    "can_promote_members": False, **rights}  # fmt: skip
        if status == "creator":
            return {"user": dict(user), "status": "creator", "is_anonymous": False}
        if status == "kicked":
            return {"user": dict(user), "status": "kicked", "until_date": 0}
        if status == "restricted":
            cannot = dict.fromkeys(
                (
                    "can_send_messages", "can_send_audios", "can_send_documents", "can_send_photos",
                    "can_send_videos", "can_send_video_notes", "can_send_voice_notes", "can_send_polls",
                    "can_send_other_messages", "can_add_web_page_previews", "can_change_info", "can_invite_users",
                    "can_pin_messages", "can_manage_topics", "can_edit_tag", "can_react_to_messages",
                ),
                False,
            )  # fmt: skip
            return {"user": dict(user), "status": status, "is_member": is_member, "until_date": 0, **cannot}
        return {"user": dict(user), "status": status}

    def _my_chat_member(self, chat: _Chat, by: JSON, old: str, new: str) -> JSON:
        payload = {
            "chat": dict(chat.json), "from": dict(by), "date": int(self.clock()),
            "old_chat_member": self._member_json(self.bot_user, old),
            "new_chat_member": self._member_json(self.bot_user, new),
        }  # fmt: skip
        return self._emit("my_chat_member", payload)

    def _service(
        self, chat: _Chat, sender: JSON, content: JSON, *, deliver: bool | None = None, thread_id: int | None = None
    ) -> JSON:
        msg = self._base_message(chat, sender, thread_id=thread_id)
        msg.update(content)
        self._store(chat, msg, from_bot=sender.get("id") == self.bot_id, edits=[])
        seen = self._bot_sees(chat, msg) if deliver is None else deliver
        return self._emit("message", _clone(msg), deliver=seen)

    def add_bot(self, chat_id: int, by_user_id: int, *, as_admin: bool = False) -> JSON:
        """A user adds the bot to a group: ``my_chat_member`` plus the ``new_chat_members`` message."""
        chat = self._chat(chat_id)
        old = chat.bot_status if chat.bot_status in ("member", "administrator", "kicked") else "left"
        if old == "kicked":
            old = "left"  # re-adding a removed bot lifts the ban first
        was_in = chat.bot_in_chat
        chat.bot_status = "administrator" if as_admin else "member"
        update = self._my_chat_member(chat, self._user(by_user_id), old, chat.bot_status)
        if not was_in:
            self._service(chat, self._user(by_user_id), {"new_chat_members": [self.bot_user]})
        return update

    def remove_bot(self, chat_id: int, by_user_id: int) -> JSON:
        """A user removes the bot: ``my_chat_member`` with status kicked; later sends get 403."""
        chat = self._chat(chat_id)
        old = chat.bot_status if chat.bot_in_chat else "left"
        update = self._my_chat_member(chat, self._user(by_user_id), old, "kicked")
        self._service(chat, self._user(by_user_id), {"left_chat_member": self.bot_user}, deliver=False)
        chat.bot_status = "kicked"
        return update

    def promote_bot(self, chat_id: int, by_user_id: int, *, admin: bool = True) -> JSON:
        """Promote (or demote) the bot in a group."""
        chat = self._chat(chat_id)
        old, chat.bot_status = chat.bot_status, "administrator" if admin else "member"
        return self._my_chat_member(chat, self._user(by_user_id), old, chat.bot_status)

    def block_bot(self, user_id: int) -> JSON:
        """The user blocks the bot: private ``my_chat_member`` member → kicked."""
        chat = self._chat(user_id)
        self.blocked.add(user_id)
        return self._my_chat_member(chat, self._user(user_id), "member", "kicked")

    def unblock_bot(self, user_id: int) -> JSON:
        """The user unblocks (restarts) the bot: kicked → member."""
        chat = self._chat(user_id)
        self.blocked.discard(user_id)
        self.started.add(user_id)
        return self._my_chat_member(chat, self._user(user_id), "kicked", "member")

    def new_member(self, chat_id: int, user_id: int) -> JSON:
        """A user joins the group; returns the ``new_chat_members`` service-message update (see ``join_group``)."""
        return self._change_member(chat_id, user_id, user_id, "member", service="new_chat_members")[1]

    def left_member(self, chat_id: int, user_id: int) -> JSON:
        """A user leaves the group; returns the ``left_chat_member`` service-message update (see ``leave_group``)."""
        return self._change_member(chat_id, user_id, user_id, "left", service="left_chat_member")[1]

    # Membership changes of other people. Each returns the updates the bot receives, in order: a
    # ``chat_member`` update only where the bot is an administrator and asked for them in allowed_updates
    # (as Telegram does), and the service message, which every bot in the group sees unless the group hides it
    # (``service_message=False``: large supergroups, or join messages switched off).

    def join_group(self, chat_id: int, user_id: int, *, by_user_id: int | None = None,
                   service_message: bool = True) -> list[JSON]:
        """The user joins by link, or is added by ``by_user_id`` (an administrator may add a banned user back)."""
        chat = self._chat(chat_id)
        if user_id in chat.banned and (by_user_id is None or by_user_id not in chat.admins):
            raise AssertionError("a banned user cannot join until an administrator unbans or adds them")
        return self._delivered(chat, *self._change_member(
            chat_id, user_id, by_user_id or user_id, "member", service="new_chat_members", show=service_message))

    def leave_group(self, chat_id: int, user_id: int, *, service_message: bool = True) -> list[JSON]:
        """The user leaves the group."""
        return self._delivered(self._chat(chat_id), *self._change_member(
            chat_id, user_id, user_id, "left", service="left_chat_member", show=service_message))

    def ban_member(self, chat_id: int, user_id: int, by_user_id: int, *, service_message: bool = True) -> list[JSON]:
        """An administrator removes and bans the user (banChatMember; "Remove" in a supergroup): kicked."""
        self._require_admin(chat_id, by_user_id)
        return self._delivered(self._chat(chat_id), *self._change_member(
            chat_id, user_id, by_user_id, "kicked", service="left_chat_member", show=service_message))

    def unban_member(self, chat_id: int, user_id: int, by_user_id: int) -> list[JSON]:
        """An administrator lifts a ban: kicked → left (the user may join again; no service message)."""
        self._require_admin(chat_id, by_user_id)
        if user_id not in self._chat(chat_id).banned:
            return []
        return self._delivered(self._chat(chat_id), *self._change_member(chat_id, user_id, by_user_id, "left"))

    def kick_member(self, chat_id: int, user_id: int, by_user_id: int, *, service_message: bool = True) -> list[JSON]:
        """An administrator removes the user without keeping them out: a ban lifted at once (member → kicked →
        left), as bots and clients do it."""
        return (self.ban_member(chat_id, user_id, by_user_id, service_message=service_message)
                + self.unban_member(chat_id, user_id, by_user_id))

    def promote_member(self, chat_id: int, user_id: int, by_user_id: int) -> list[JSON]:
        """An administrator makes the user an administrator (no service message)."""
        self._require_admin(chat_id, by_user_id)
        return self._delivered(self._chat(chat_id), *self._change_member(chat_id, user_id, by_user_id,
                                                                         "administrator"))

    def demote_member(self, chat_id: int, user_id: int, by_user_id: int) -> list[JSON]:
        """An administrator takes the user's administrator rights away: a plain member again."""
        self._require_admin(chat_id, by_user_id)
        return self._delivered(self._chat(chat_id), *self._change_member(chat_id, user_id, by_user_id, "member"))

    def restrict_member(self, chat_id: int, user_id: int, by_user_id: int, *, is_member: bool = True) -> list[JSON]:
        """An administrator restricts the user (no sending); ``is_member=False``: a restricted user outside."""
        self._require_admin(chat_id, by_user_id)
        return self._delivered(self._chat(chat_id), *self._change_member(
            chat_id, user_id, by_user_id, "restricted", is_member=is_member))

    def set_allowed_updates(self, kinds: list[str] | tuple[str, ...]) -> None:
        """What the bot asked for (sticky, like getUpdates' or setWebhook's ``allowed_updates``)."""
        self._allowed_updates = frozenset(kinds) or DEFAULT_ALLOWED

    def _require_admin(self, chat_id: int, user_id: int) -> None:
        if user_id not in self._chat(chat_id).admins:
            raise AssertionError(f"user {user_id} is not an administrator of chat {chat_id}")

    def _delivered(self, chat: _Chat, member_update: JSON | None, service: JSON | None,
                   shown: bool = True) -> list[JSON]:
        return [u for u in (member_update, service if shown and chat.bot_in_chat else None) if u is not None]

    def _change_member(self, chat_id: int, user_id: int, by_user_id: int, status: str, *, is_member: bool = True,
                       service: str | None = None, show: bool = True) -> tuple[JSON | None, JSON | None, bool]:
        """Apply a person's new status; returns (chat_member update or None, service-message update or None —
        built even when the bot does not receive it —, whether the service message is shown)."""
        chat = self._chat(chat_id)
        if not chat.is_group or user_id == self.bot_id:
            raise AssertionError("membership changes are for people in groups (the bot: add_bot/remove_bot)")
        if chat.admins and chat.admins[0] == user_id and status != "left":
            raise AssertionError("the creator's status cannot be changed")
        user, by = self._user(user_id), self._user(by_user_id)
        old = self._member_json(user, self._member_status(chat, user_id), is_member=chat.restricted.get(user_id, True))
        if user_id in chat.admins and status != "administrator":
            chat.admins.remove(user_id)
        chat.banned.discard(user_id)
        chat.restricted.pop(user_id, None)
        if status == "administrator" and user_id not in chat.admins:
            chat.admins.append(user_id)
        if status == "kicked":
            chat.banned.add(user_id)
        if status == "restricted":
            chat.restricted[user_id] = is_member
        if status in ("member", "administrator") or (status == "restricted" and is_member):
            chat.members.add(user_id)
        else:
            chat.members.discard(user_id)
        update = None
        if chat.bot_status == "administrator" and "chat_member" in self._allowed_updates:
            update = self._emit("chat_member", {
                "chat": dict(chat.json), "from": dict(by), "date": int(self.clock()), "old_chat_member": old,
                "new_chat_member": self._member_json(user, status, is_member=is_member),
            })  # fmt: skip
        message = None
        if service is not None:
            content = {"new_chat_members": [dict(user)]} if service == "new_chat_members" else {
                "left_chat_member": dict(user)}
            message = self._service(chat, by, content, deliver=None if show else False)
        return update, message, show

    # ------------------------------------------------------------------ forum topics

    def set_forum(self, chat_id: int, enabled: bool = True) -> None:
        """An admin turns Topics on (or off) for a supergroup: ``is_forum`` on the chat."""
        chat = self._chat(chat_id)
        if chat.type != "supergroup":
            raise AssertionError("only supergroups can have topics")
        if enabled:
            chat.json["is_forum"] = True
        else:
            chat.json.pop("is_forum", None)

    def _forum(self, chat_id: int) -> _Chat:
        chat = self._chat(chat_id)
        if not chat.json.get("is_forum"):
            raise AssertionError(f"chat {chat_id} has no topics; use group(forum=True) or set_forum()")
        return chat

    def _topic(self, chat: _Chat, thread_id: int) -> JSON:
        topic = chat.topics.get(thread_id)
        if topic is None:
            raise AssertionError(f"no topic {thread_id} in chat {chat.id}")
        return topic

    def create_topic(self, chat_id: int, user_id: int, name: str, *, icon_color: int = 0x6FB9F0) -> JSON:
        """A user creates a forum topic: the ``forum_topic_created`` service message, whose id is the
        topic's ``message_thread_id`` (``update["message"]["message_thread_id"]``)."""
        chat = self._forum(chat_id)
        chat.topics[chat.next_message_id] = {"name": name, "icon_color": icon_color, "is_closed": False}
        content = {"forum_topic_created": {"name": name, "icon_color": icon_color}}
        return self._service(chat, self._user(user_id), content, thread_id=chat.next_message_id)

    def close_topic(self, chat_id: int, user_id: int, thread_id: int) -> JSON:
        """An admin closes a topic: only administrators (the bot too, if it is one) may post in it."""
        chat = self._forum(chat_id)
        self._topic(chat, thread_id)["is_closed"] = True
        return self._service(chat, self._user(user_id), {"forum_topic_closed": {}}, thread_id=thread_id)

    def reopen_topic(self, chat_id: int, user_id: int, thread_id: int) -> JSON:
        chat = self._forum(chat_id)
        self._topic(chat, thread_id)["is_closed"] = False
        return self._service(chat, self._user(user_id), {"forum_topic_reopened": {}}, thread_id=thread_id)

    def delete_topic(self, chat_id: int, thread_id: int) -> None:
        """An admin deletes a topic with all its messages. Telegram sends the bot no update; sending to
        it afterwards is refused with "message thread not found"."""
        chat = self._forum(chat_id)
        self._topic(chat, thread_id)
        del chat.topics[thread_id]
        for message_id, msg in list(chat.messages.items()):
            if msg.get("is_topic_message") and msg.get("message_thread_id") == thread_id:
                del chat.messages[message_id]

    def topic_of(self, chat_id: int, message_id: int) -> int | None:
        """The topic a message is in (None: the General topic, or a group without topics)."""
        msg = self._chat(chat_id).messages.get(message_id) or {}
        return msg.get("message_thread_id") if msg.get("is_topic_message") else None

    def migrate(self, chat_id: int, by_user_id: int | None = None) -> int:
        """Upgrade a basic group to a supergroup; returns the new ``-100…`` id."""
        old = self._chat(chat_id)
        if old.type != "group" or old.migrated_to is not None:
            raise AssertionError(f"chat {chat_id} is not a basic group")
        new_id = -(10**12 + abs(chat_id))
        while new_id in self._chats:
            new_id -= 1
        sender = self._user(by_user_id if by_user_id is not None else (old.admins or [self.bot_id])[0])
        data = {**old.json, "id": new_id, "type": "supergroup"}
        new = _Chat(
            id=new_id, type="supergroup", json=data, admins=list(old.admins), members=set(old.members)
        )
        new.bot_status = old.bot_status
        self._chats[new_id] = new
        self._service(old, sender, {"migrate_to_chat_id": new_id})
        new.previous = old.previous + list(old.messages.values())
        new.next_message_id = old.next_message_id
        old.migrated_to = new_id
        self._service(new, sender, {"migrate_from_chat_id": chat_id})
        return new_id

    # ------------------------------------------------------------------ faults

    def fail_next(
        self,
        method: str,
        *,
        code: int = 429,
        description: str | None = None,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
        times: int = 1,
        chat_id: int | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (optionally only for ``chat_id``) fail."""
        parameters: JSON = {}
        if code == 429:
            retry_after = 1 if retry_after is None else retry_after
        if retry_after is not None:
            parameters["retry_after"] = retry_after
        if migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = migrate_to_chat_id
        if description is None:
            description = {
                429: f"Too Many Requests: retry after {retry_after}", 400: "Bad Request", 403: "Forbidden",
                409: "Conflict", 500: "Internal Server Error", 502: "Bad Gateway",
            }.get(code, "Error")  # fmt: skip
        fault = _Fault(code, description, parameters or None, times, chat_id)
        self._faults.setdefault(method.lower(), []).append(fault)

    def timeout_next(self, method: str, *, times: int = 1, deliver: bool = True) -> None:
        """The transport raises ``TimedOut``; with ``deliver`` the call took effect first."""
        self._timeouts[method.lower()] = _Timeout(times, deliver)

    def _take_fault(self, method: str, params: _Params) -> ApiError | None:
        for fault in self._faults.get(method.lower(), []):
            if fault.times <= 0:
                continue
            if fault.chat_id is not None:
                try:
                    if params.chat_id() != fault.chat_id:
                        continue
                except ApiError:
                    continue
            fault.times -= 1
            return ApiError(fault.code, fault.description, _clone(fault.parameters))
        return None

    def _take_timeout(self, method: str) -> _Timeout | None:
        timeout = self._timeouts.get(method.lower())
        if timeout is None or timeout.times <= 0:
            return None
        timeout.times -= 1
        return timeout

    def _check_rate(self, method: str, params: _Params) -> None:
        if not self.enforce_rate_limits or method not in SEND_METHODS:
            return
        try:
            chat_id: int | None = params.chat_id()
        except ApiError:
            chat_id = None
        chat = self._chats.get(chat_id) if chat_id is not None else None
        try:
            self.limits.check(self.clock(), method, chat_id, chat is not None and chat.is_group)
        except Limited as exc:
            self.stats["429"] += 1
            raise ApiError(429, f"Too Many Requests: retry after {exc.retry_after}",
                           {"retry_after": exc.retry_after}) from None

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

    # ------------------------------------------------------------------ message helpers

    def _format(self, p: _Params, text_key: str, entities_key: str) -> tuple[str, list[JSON]]:
        text = p.text(text_key, "") or ""
        mode = (p.text("parse_mode", "") or "").strip()
        if p.has(entities_key):
            return text, list(p.obj(entities_key) or [])
        if mode.lower() == "html":
            try:
                visible, entities = _parse_html(text, self.strict_html)
            except HtmlError as err:
                raise _bad(f"can't parse entities: {err.description}") from None
            return visible, entities  # shared with the memo: entities are replaced, never changed in place
        if mode and mode.lower() not in ("markdown", "markdownv2"):
            raise _bad(f"unsupported parse_mode {mode!r}")
        return text.strip(), []  # Markdown modes are passed through unparsed

    def _markup(self, p: _Params) -> tuple[JSON | None, JSON | None]:
        """Validate reply_markup; returns (inline keyboard echoed in Message, raw markup)."""
        markup = p.obj("reply_markup")
        if not markup:
            return None, None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            return None, markup
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise _bad("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
        for row in rows:
            for button in row:
                if not isinstance(button.get("text"), str):
                    raise _bad('can\'t parse inline keyboard button: Field "text" must be of type String')
                actions = set(button) - {"text", "style", "icon_custom_emoji_id"}
                if not button["text"] or not actions:
                    raise _bad("text buttons are unallowed in the inline keyboard")
                if "callback_data" in button:
                    size = len(str(button["callback_data"]).encode("utf-8"))
                    if not 1 <= size <= MAX_CALLBACK_DATA:
                        raise _bad("BUTTON_DATA_INVALID")
                if "url" in button and not re.match(r"^(https?|tg)://\S+$", str(button["url"])):
                    raise _bad("BUTTON_URL_INVALID")
        return {"inline_keyboard": rows}, markup

    def _reply_to(self, chat: _Chat, p: _Params) -> JSON | None:
        params = p.obj("reply_parameters") or {}
        message_id = params.get("message_id", p.integer("reply_to_message_id"))
        if message_id is None:
            return None
        if params.get("chat_id") not in (None, chat.id, str(chat.id)):
            raise _bad("message to be replied not found")
        original = chat.messages.get(int(message_id))
        if original is None:
            if params.get("allow_sending_without_reply") or p.flag("allow_sending_without_reply"):
                return None
            raise _bad("message to be replied not found")
        return _reply_copy(original)

    def _bot_send(
        self,
        chat: _Chat,
        p: _Params,
        content: JSON,
        *,
        raw: str | None,
        markup: tuple[JSON | None, JSON | None],
    ) -> JSON:
        reply = self._reply_to(chat, p)
        msg = self._base_message(chat, self.bot_user, thread_id=self._send_thread(chat, p, reply))
        if reply is not None:
            msg["reply_to_message"] = reply
        msg.update(content)
        if markup[0] is not None:
            msg["reply_markup"] = markup[0]
        if p.flag("protect_content"):
            msg["has_protected_content"] = True
        visible = content.get("text") or content.get("caption") or ""
        self._store(chat, msg, from_bot=True, raw=raw, edits=[visible], keyboard=markup[1])
        return msg

    def _send_thread(self, chat: _Chat, p: _Params, reply: JSON | None) -> int | None:
        """The thread a bot message goes to: ``message_thread_id`` (in a forum: a topic that exists and is
        open, or the bot administers the group), else the topic of the message it replies to."""
        thread = p.integer("message_thread_id")
        if thread is None:
            return reply.get("message_thread_id") if reply is not None and reply.get("is_topic_message") else None
        if chat.json.get("is_forum"):
            topic = chat.topics.get(thread)
            if topic is None:
                raise _bad("message thread not found")
            if topic["is_closed"] and chat.bot_status != "administrator":
                raise _bad("TOPIC_CLOSED")
        return thread

    def _bot_message(self, chat: _Chat, message_id: int | None, missing: str) -> JSON:
        msg = chat.messages.get(message_id) if message_id is not None else None
        if msg is None:
            raise _bad(missing)
        return msg

    # ------------------------------------------------------------------ files

    def _new_file(self, folder: str, data: bytes, filename: str | None, mime: str | None) -> FileRecord:
        n = next(self._file_ids)
        ext = (
            (mimetypes.guess_extension(mime or "") or "")
            if not filename
            else "." + filename.rsplit(".", 1)[-1]
        )
        record = FileRecord(
            file_id=f"BQACAgUAAxk{n:08d}kombelFAKE", file_unique_id=f"AgAD{n:06d}", data=data,
            filename=filename, mime_type=mime, file_path=f"{folder}/file_{n}{ext}",
        )  # fmt: skip
        self._files[record.file_id] = record
        return record

    def file_bytes(self, file_id: str) -> bytes:
        """The bytes behind a file_id (what the bot uploaded, e.g. an XLSX report)."""
        return self._files[file_id].data

    def file_record(self, file_id: str) -> FileRecord:
        """Full stored file info (bytes, filename, mime type)."""
        return self._files[file_id]

    def file_by_path(self, file_path: str) -> bytes | None:
        """Bytes for a getFile ``file_path`` (the file download endpoint)."""
        for record in self._files.values():
            if record.file_path == file_path:
                return record.data
        return None

    def _input_file(self, p: _Params, name: str, files: Files, folder: str) -> FileRecord:
        upload = files.get(name)
        if upload is not None:
            filename, data, mime = upload
            if not data:
                raise _bad("file must be non-empty")
            if len(data) > 50 * 1024 * 1024:
                raise ApiError(413, "Request Entity Too Large")
            return self._new_file(folder, data, filename, mime)
        value = p.text(name)
        if not value:
            raise _bad(f"there is no {name} in the request")
        if value in self._files:
            return self._files[value]
        if re.match(r"^https?://", value):
            return self._new_file(folder, b"", value.rsplit("/", 1)[-1] or None, None)
        raise _bad("wrong file identifier/HTTP URL specified")

    def _photo_sizes(self, record: FileRecord, width: int, height: int) -> list[JSON]:
        sizes = []
        for limit in (90, 320, 800, 1280):
            scale = min(1.0, limit / max(width, height, 1))
            if sizes and scale >= 1.0 and sizes[-1]["width"] == width:
                break
            sizes.append({"width": max(1, round(width * scale)), "height": max(1, round(height * scale))})
        out = []
        for i, size in enumerate(sizes):
            largest = i == len(sizes) - 1
            rec = record if largest else self._new_file("photos", record.data, None, "image/jpeg")
            out.append({"file_id": rec.file_id, "file_unique_id": rec.file_unique_id, **size,
                        "file_size": len(record.data)})  # fmt: skip
        return out

    def _document_json(self, record: FileRecord) -> JSON:
        doc: JSON = {
            "file_id": record.file_id,
            "file_unique_id": record.file_unique_id,
            "file_size": len(record.data),
        }
        if record.filename:
            doc["file_name"] = record.filename
        if record.mime_type:
            doc["mime_type"] = record.mime_type
        return doc

    # ------------------------------------------------------------------ Bot API: bot & updates

    @_api("getMe")
    def _get_me(self, p: _Params, files: Files) -> JSON:
        return {
            **self.bot_user, "can_join_groups": True, "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": False, "can_connect_to_business": False, "has_main_web_app": False,
        }  # fmt: skip

    @_api("logOut")
    def _log_out(self, p: _Params, files: Files) -> bool:
        return True

    @_api("close")
    def _close(self, p: _Params, files: Files) -> bool:
        return True

    @_api("setWebhook")
    def _set_webhook(self, p: _Params, files: Files) -> bool:
        self._webhook_url = p.text("url", "") or ""
        if p.flag("drop_pending_updates"):
            self._queue.clear()
        return True

    @_api("deleteWebhook")
    def _delete_webhook(self, p: _Params, files: Files) -> bool:
        self._webhook_url = ""
        if p.flag("drop_pending_updates"):
            self._queue.clear()
        return True

    @_api("getWebhookInfo")
    def _get_webhook_info(self, p: _Params, files: Files) -> JSON:
        return {
            "url": self._webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._queue),
        }

    def _take_updates(self, offset: int | None, limit: int) -> list[JSON]:
        if offset is not None and offset < 0:
            while len(self._queue) > -offset:
                self._queue.popleft()
        elif offset is not None:
            while self._queue and self._queue[0]["update_id"] < offset:
                self._queue.popleft()
        batch: list[JSON] = []
        for update in list(self._queue):
            kind = next(k for k in update if k != "update_id")
            if kind not in self._allowed_updates:
                self._queue.remove(update)  # Telegram does not keep updates of unwanted types
                continue
            batch.append(update)
            if len(batch) >= limit:
                break
        return batch

    @_api("getUpdates")
    async def _get_updates(self, p: _Params, files: Files) -> list[JSON]:
        if self._webhook_url:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")  # fmt: skip
        allowed = p.obj("allowed_updates")
        if allowed is not None:
            self._allowed_updates = frozenset(allowed) or DEFAULT_ALLOWED
        offset = p.integer("offset")
        limit = min(max(p.integer("limit", 100) or 100, 1), 100)
        timeout = p.number("timeout", 0.0)
        self._poll_generation += 1
        generation = self._poll_generation
        batch = self._take_updates(offset, limit)
        deadline = asyncio.get_running_loop().time() + timeout
        while not batch and timeout > 0:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(fut)
            try:
                await asyncio.wait_for(fut, remaining)
            except TimeoutError:
                pass
            if generation != self._poll_generation:
                raise ApiError(409, "Conflict: terminated by other getUpdates request; "
                                    "make sure that only one bot instance is running")  # fmt: skip
            batch = self._take_updates(None, limit)
        return batch

    # ------------------------------------------------------------------ Bot API: messages

    @_api("sendMessage")
    def _send_message(self, p: _Params, files: Files) -> JSON:
        chat = self._writable_chat(p)
        markup = self._markup(p)
        raw = p.text("text", "") or ""
        text, entities = self._format(p, "text", "entities")
        if not text:
            raise _bad("message text is empty")
        if utf16_len(text) > MAX_TEXT:
            raise _bad("message is too long")
        content: JSON = {"text": text}
        if entities:
            content["entities"] = entities
        return self._bot_send(chat, p, content, raw=raw, markup=markup)

    def _caption(self, p: _Params) -> JSON:
        if not p.text("caption"):
            return {}
        caption, entities = self._format(p, "caption", "caption_entities")
        if utf16_len(caption) > MAX_CAPTION:
            raise _bad("message caption is too long")
        content: JSON = {"caption": caption} if caption else {}
        if entities:
            content["caption_entities"] = entities
        return content

    @_api("sendPhoto")
    def _send_photo(self, p: _Params, files: Files) -> JSON:
        chat = self._writable_chat(p)
        markup = self._markup(p)
        caption = self._caption(p)
        record = self._input_file(p, "photo", files, "photos")
        width, height = _image_size(record.data)
        content = {"photo": self._photo_sizes(record, width, height), **caption}
        return self._bot_send(chat, p, content, raw=p.text("caption"), markup=markup)

    @_api("sendDocument")
    def _send_document(self, p: _Params, files: Files) -> JSON:
        chat = self._writable_chat(p)
        markup = self._markup(p)
        caption = self._caption(p)
        record = self._input_file(p, "document", files, "documents")
        content = {"document": self._document_json(record), **caption}
        return self._bot_send(chat, p, content, raw=p.text("caption"), markup=markup)

    @_api("getFile")
    def _get_file(self, p: _Params, files: Files) -> JSON:
        record = self._files.get(p.text("file_id", "") or "")
        if record is None:
            raise _bad("invalid file_id")
        return {"file_id": record.file_id, "file_unique_id": record.file_unique_id,
                "file_size": len(record.data), "file_path": record.file_path}  # fmt: skip

    def _edit(self, p: _Params, missing: str) -> tuple[_Chat, JSON]:
        if p.has("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")
        chat = self._writable_chat(p)
        msg = self._bot_message(chat, p.integer("message_id"), missing)
        if msg["from"]["id"] != self.bot_id:
            raise _bad("message can't be edited")
        return chat, msg

    def _apply_edit(
        self, chat: _Chat, msg: JSON, changes: JSON, keyboard: tuple[JSON | None, JSON | None]
    ) -> JSON:
        current = {k: msg.get(k) for k in changes} | {"reply_markup": msg.get("reply_markup")}
        wanted = dict(changes) | {"reply_markup": keyboard[0]}
        if _normalized(current) == _normalized(wanted):
            raise _bad(NOT_MODIFIED)
        for key, value in wanted.items():
            if value in (None, []):
                msg.pop(key, None)
            else:
                msg[key] = value
        msg["edit_date"] = int(self.clock())
        meta = self._meta[(chat.id, msg["message_id"])]
        meta["keyboard"] = keyboard[1]
        if "text" in changes or "caption" in changes:
            meta["edits"].append(changes.get("text", changes.get("caption")) or "")
        return msg

    @_api("editMessageText")
    def _edit_message_text(self, p: _Params, files: Files) -> JSON:
        chat, msg = self._edit(p, "message to edit not found")
        keyboard = self._markup(p)
        if "text" not in msg:
            raise _bad("there is no text in the message to edit")
        text, entities = self._format(p, "text", "entities")
        if not text:
            raise _bad("message text is empty")
        if utf16_len(text) > MAX_TEXT:
            raise _bad("message is too long")
        result = self._apply_edit(chat, msg, {"text": text, "entities": entities or None}, keyboard)
        self._meta[(chat.id, msg["message_id"])]["raw"] = p.text("text")
        return result

    @_api("editMessageCaption")
    def _edit_message_caption(self, p: _Params, files: Files) -> JSON:
        chat, msg = self._edit(p, "message to edit not found")
        keyboard = self._markup(p)
        if "text" in msg or "poll" in msg:
            raise _bad("there is no caption in the message to edit")
        caption = self._caption(p)
        changes = {"caption": caption.get("caption"), "caption_entities": caption.get("caption_entities")}
        return self._apply_edit(chat, msg, changes, keyboard)

    @_api("editMessageReplyMarkup")
    def _edit_message_reply_markup(self, p: _Params, files: Files) -> JSON:
        chat, msg = self._edit(p, "message to edit not found")
        return self._apply_edit(chat, msg, {}, self._markup(p))

    @_api("deleteMessage")
    def _delete_message(self, p: _Params, files: Files) -> bool:
        chat = self._writable_chat(p)
        msg = self._bot_message(chat, p.integer("message_id"), "message to delete not found")
        own = msg["from"]["id"] == self.bot_id
        if not own and chat.type != "private" and chat.bot_status != "administrator":
            raise _bad("message can't be deleted")
        del chat.messages[msg["message_id"]]
        return True

    @_api("setMessageReaction")
    def _set_message_reaction(self, p: _Params, files: Files) -> bool:
        """A bot may react to any message in a chat it is in, with one emoji of Telegram's set."""
        chat = self._writable_chat(p)
        msg = self._bot_message(chat, p.integer("message_id"), "message to react not found")
        reactions = p.obj("reaction") or []
        if len(reactions) > 1:
            raise _bad("REACTIONS_TOO_MANY")
        for r in reactions:
            if r.get("type") != "emoji" or r.get("emoji") not in REACTION_EMOJI:
                raise _bad("REACTION_INVALID")
        self._reactions[(chat.id, msg["message_id"])] = [r["emoji"] for r in reactions]
        return True

    def reactions(self, chat_id: int, message_id: int) -> list[str]:
        """The emoji the bot currently has on a message (tests)."""
        return list(self._reactions.get((chat_id, message_id), []))

    @_api("answerCallbackQuery")
    def _answer_callback_query(self, p: _Params, files: Files) -> bool:
        query = self._callbacks.get(p.text("callback_query_id", "") or "")
        if query is None or query["answered"]:
            raise ApiError(400, QUERY_INVALID)
        if len(p.text("text", "") or "") > 200:
            raise _bad("MESSAGE_TOO_LONG")
        query["answered"] = True
        query["answer"] = dict(p.raw)
        return True

    @_api("sendChatAction")
    def _send_chat_action(self, p: _Params, files: Files) -> bool:
        self._writable_chat(p)
        if p.text("action") not in CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    def _require_pin_rights(self, chat: _Chat) -> None:
        if chat.is_group and chat.bot_status != "administrator":
            raise _bad("not enough rights to manage pinned messages in the chat")

    @_api("pinChatMessage")
    def _pin_chat_message(self, p: _Params, files: Files) -> bool:
        chat = self._writable_chat(p)
        self._require_pin_rights(chat)
        msg = self._bot_message(chat, p.integer("message_id"), "message to pin not found")
        chat.pinned = msg["message_id"]
        self._service(chat, self.bot_user, {"pinned_message": _reply_copy(msg)}, deliver=False)
        return True

    @_api("unpinChatMessage")
    def _unpin_chat_message(self, p: _Params, files: Files) -> bool:
        chat = self._writable_chat(p)
        self._require_pin_rights(chat)
        message_id = p.integer("message_id", chat.pinned)
        if message_id is None or message_id != chat.pinned:
            raise _bad("message to unpin not found")
        chat.pinned = None
        return True

    # ------------------------------------------------------------------ Bot API: polls

    @_api("sendPoll")
    def _send_poll(self, p: _Params, files: Files) -> JSON:
        chat = self._writable_chat(p)
        markup = self._markup(p)
        question = (p.text("question", "") or "").strip()
        if not question:
            raise _bad("poll question must be non-empty")
        if utf16_len(question) > 300:
            raise _bad("poll question length must not exceed 300")
        options_raw = p.obj("options") or []
        options = [(o.get("text", "") if isinstance(o, dict) else str(o)).strip() for o in options_raw]
        if len(options) < 2:
            raise _bad("poll must have at least 2 option")
        if len(options) > 12:
            raise _bad("poll can't have more than 12 options")
        for option in options:
            if not option:
                raise _bad("poll options must be non-empty")
            if utf16_len(option) > 100:
                raise _bad("poll option length must not exceed 100")
        kind = p.text("type", "regular") or "regular"
        poll_id = str(next(self._poll_ids))
        poll: JSON = {
            "id": poll_id,
            "question": question,
            "options": [
                {"text": o, "voter_count": 0, "persistent_id": str(i)} for i, o in enumerate(options)
            ],
            "total_voter_count": 0,
            "is_closed": p.flag("is_closed"),
            "is_anonymous": p.flag("is_anonymous", True),
            "type": kind,
            "allows_multiple_answers": p.flag("allows_multiple_answers"),
            "allows_revoting": p.flag("allows_revoting", kind != "quiz"),
            "members_only": p.flag("members_only"),
        }
        if kind == "quiz":
            correct = p.obj("correct_option_ids")
            if correct is None and p.has("correct_option_id"):
                correct = [p.integer("correct_option_id")]
            if not correct or not all(isinstance(c, int) and 0 <= c < len(options) for c in correct):
                raise _bad("wrong correct option ID specified")
            poll["correct_option_ids"] = list(correct)
            if p.text("explanation"):
                poll["explanation"] = p.text("explanation")
        for key in ("open_period", "close_date"):
            if p.has(key):
                poll[key] = p.integer(key)
        msg = self._bot_send(chat, p, {"poll": poll}, raw=None, markup=markup)
        self._polls[poll_id] = (chat.id, msg["message_id"])
        self._poll_votes[poll_id] = {}
        return msg

    @_api("stopPoll")
    def _stop_poll(self, p: _Params, files: Files) -> JSON:
        chat = self._writable_chat(p)
        msg = chat.messages.get(p.integer("message_id") or 0)
        if msg is None or "poll" not in msg or msg["from"]["id"] != self.bot_id:
            raise _bad("message with poll to stop not found")
        if msg["poll"]["is_closed"]:
            raise _bad("poll has already been closed")
        keyboard = self._markup(p)
        msg["poll"]["is_closed"] = True
        if keyboard[0] is not None:
            msg["reply_markup"] = keyboard[0]
        else:
            msg.pop("reply_markup", None)
        self._emit("poll", _clone(msg["poll"]))
        return msg["poll"]

    # ------------------------------------------------------------------ Bot API: chats

    def _member_status(self, chat: _Chat, user_id: int) -> str:
        if user_id == self.bot_id:
            return chat.bot_status if chat.bot_status != "kicked" else "kicked"
        if chat.admins and chat.admins[0] == user_id:
            return "creator"
        if user_id in chat.admins:
            return "administrator"
        if user_id in chat.banned:
            return "kicked"
        if user_id in chat.restricted:
            return "restricted"
        return "member" if user_id in chat.members else "left"

    @_api("getChat")
    def _get_chat(self, p: _Params, files: Files) -> JSON:
        chat = self._writable_chat(p) if p.chat_id() < 0 else self._resolve_chat(p)
        gifts = dict.fromkeys(
            (
                "unlimited_gifts",
                "limited_gifts",
                "unique_gifts",
                "premium_subscription",
                "gifts_from_channels",
            ),
            False,
        )
        info: JSON = {
            **chat.json,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": gifts,
        }
        if chat.pinned is not None and chat.pinned in chat.messages:
            info["pinned_message"] = _reply_copy(chat.messages[chat.pinned])
        return info

    @_api("getChatAdministrators")
    def _get_chat_administrators(self, p: _Params, files: Files) -> list[JSON]:
        chat = self._writable_chat(p)
        if chat.type == "private":
            raise _bad("there are no administrators in the private chat")
        admins = [self._member_json(self._user(uid), self._member_status(chat, uid)) for uid in chat.admins]
        if chat.bot_status == "administrator":
            admins.append(self._member_json(self.bot_user, "administrator"))
        return admins

    @_api("getChatMember")
    def _get_chat_member(self, p: _Params, files: Files) -> JSON:
        chat = self._writable_chat(p)
        user_id = p.integer("user_id")
        if user_id is None or (user_id != self.bot_id and user_id not in self._users):
            raise _bad("user not found")
        if chat.type == "private":
            status = "member"
        else:
            status = self._member_status(chat, user_id)
        return self._member_json(self._user(user_id), status, is_member=chat.restricted.get(user_id, True))

    @_api("getChatMemberCount")
    def _get_chat_member_count(self, p: _Params, files: Files) -> int:
        chat = self._writable_chat(p)
        return len(chat.members) + (1 if chat.bot_in_chat else 0) if chat.is_group else 2

    @_api("leaveChat")
    def _leave_chat(self, p: _Params, files: Files) -> bool:
        chat = self._writable_chat(p)
        if chat.is_group:
            chat.bot_status = "left"
        return True

    # ------------------------------------------------------------------ Bot API: commands & profile

    @staticmethod
    def _scope_key(scope: Any, language_code: str | None) -> tuple[str, str]:
        scope = dict(scope or {"type": "default"})
        for key in ("chat_id", "user_id"):
            if key in scope and str(scope[key]).lstrip("-").isdigit():
                scope[key] = int(scope[key])
        return json.dumps(scope, sort_keys=True), language_code or ""

    @_api("setMyCommands")
    def _set_my_commands(self, p: _Params, files: Files) -> bool:
        commands = p.obj("commands") or []
        if len(commands) > 100:
            raise _bad("too many commands")
        for command in commands:
            if not _BOT_COMMAND_NAME.match(str(command.get("command", ""))):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._scope_key(p.obj("scope"), p.text("language_code"))
        self._commands[key] = [{"command": c["command"], "description": c["description"]} for c in commands]
        return True

    @_api("getMyCommands")
    def _get_my_commands(self, p: _Params, files: Files) -> list[JSON]:
        return _clone(self._commands.get(self._scope_key(p.obj("scope"), p.text("language_code")), []))

    @_api("deleteMyCommands")
    def _delete_my_commands(self, p: _Params, files: Files) -> bool:
        self._commands.pop(self._scope_key(p.obj("scope"), p.text("language_code")), None)
        return True

    def _set_description(self, p: _Params, kind: str, limit: int) -> bool:
        value = p.text(kind, "") or ""
        if len(value) > limit:
            raise _bad(f"{kind.upper()}_INVALID" if kind == "description" else "ABOUT_TOO_LONG")
        self._descriptions[(kind, p.text("language_code", "") or "")] = value
        return True

    @_api("setMyDescription")
    def _set_my_description(self, p: _Params, files: Files) -> bool:
        return self._set_description(p, "description", 512)

    @_api("setMyShortDescription")
    def _set_my_short_description(self, p: _Params, files: Files) -> bool:
        return self._set_description(p, "short_description", 120)

    @_api("getMyDescription")
    def _get_my_description(self, p: _Params, files: Files) -> JSON:
        return {"description": self.description("description", p.text("language_code", "") or "")}

    @_api("getMyShortDescription")
    def _get_my_short_description(self, p: _Params, files: Files) -> JSON:
        return {"short_description": self.description("short_description", p.text("language_code", "") or "")}

    # ------------------------------------------------------------------ reading, for tests

    def description(self, kind: str = "description", language_code: str = "") -> str:
        """Stored bot description (``description`` or ``short_description``) for a language."""
        return self._descriptions.get((kind, language_code), "")

    def commands(
        self,
        scope_type: str | None = None,
        language_code: str | None = None,
        *,
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> list[JSON]:
        """Commands stored by setMyCommands for a scope type (default ``default``) and language."""
        scope: JSON = {"type": scope_type or "default"}
        if chat_id is not None:
            scope["chat_id"] = chat_id
        if user_id is not None:
            scope["user_id"] = user_id
        return _clone(self._commands.get(self._scope_key(scope, language_code), []))

    def chat_messages(self, chat_id: int) -> list[JSON]:
        """The whole conversation in order (users' and the bot's), current state after edits."""
        chat = self._chat(chat_id)
        return _clone(chat.previous + list(chat.messages.values()))

    def bot_messages(self, chat_id: int) -> list[JSON]:
        """Messages the bot sent in the chat (current state)."""
        return [
            m
            for m in self.chat_messages(chat_id)
            if m.get("from", {}).get("id") == self.bot_id and not _is_service(m)
        ]

    def last_bot_message(self, chat_id: int) -> JSON:
        """The most recent bot message; AssertionError when the bot said nothing."""
        messages = self.bot_messages(chat_id)
        if not messages:
            raise AssertionError(f"the bot sent nothing to chat {chat_id}")
        return messages[-1]

    def texts(self, chat_id: int) -> list[str]:
        """Visible text (tags stripped, entities decoded) of the bot's messages; captions for media."""
        return [_visible(m) for m in self.bot_messages(chat_id)]

    def raw_text(self, chat_id: int, message_id: int) -> str | None:
        """The HTML source the bot sent for a message (before parsing)."""
        return self._meta.get((chat_id, message_id), {}).get("raw")

    def edits(self, chat_id: int, message_id: int) -> list[str]:
        """Every visible text version of a message, original first."""
        return list(self._meta[(chat_id, message_id)]["edits"])

    def reply_markup(self, chat_id: int, message_id: int) -> JSON | None:
        """The raw reply_markup last sent with a message (incl. ForceReply / reply keyboards)."""
        return _clone(self._meta.get((chat_id, message_id), {}).get("keyboard"))

    def calls_of(self, method: str) -> list[JSON]:
        """Params of every call to ``method`` (case-insensitive)."""
        return [params for name, params in self.calls if name.lower() == method.lower()]

    def callback_answer(self, query_id: str) -> JSON | None:
        """The answerCallbackQuery params for a query, or None if unanswered."""
        return _clone(self._callbacks[query_id]["answer"])

    def poll(self, poll_id: str) -> JSON:
        """Current state of a poll the bot sent."""
        chat_id, message_id = self._polls[poll_id]
        return _clone(self._chats[chat_id].messages[message_id]["poll"])

    def is_admin(self, chat_id: int, user_id: int) -> bool:
        """Whether the user is creator/administrator of the group."""
        return user_id in self._chat(chat_id).admins

    def bot_status(self, chat_id: int) -> str:
        """The bot's membership status in a chat."""
        return self._chat(chat_id).bot_status

    @staticmethod
    def buttons(message: JSON) -> list[list[str]]:
        """Labels of a message's inline keyboard, row by row."""
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        return [[button.get("text", "") for button in row] for row in rows]


# ---------------------------------------------------------------------- helpers


def _resolve(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


def _command_entities(text: str) -> list[JSON]:
    match = _COMMAND_RE.match(text)
    if not match:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}]


@functools.lru_cache(maxsize=4096)  # bots send the same texts again and again (a schedule, a prompt)
def _parse_html(text: str, strict: bool) -> tuple[str, list[JSON]]:
    return parse_telegram_html(text, strict_ampersand=strict)


def _clone(value: Any) -> Any:
    """A deep copy of JSON data (dicts, lists, scalars): what copy.deepcopy does here, several times
    faster — it runs on every message the fake stores or returns."""
    kind = type(value)
    if kind is dict:
        return {k: _clone(v) for k, v in value.items()}
    if kind is list:
        return [_clone(v) for v in value]
    if kind is tuple:
        return tuple(_clone(v) for v in value)
    return value


def _reply_copy(msg: JSON) -> JSON:
    """Telegram's reply_to_message: the message as it is now, without a nested reply_to_message. Its
    parts are replaced on edits, never changed in place — except a poll's state, which is copied."""
    copied = {k: v for k, v in msg.items() if k != "reply_to_message"}
    if "poll" in copied:
        copied["poll"] = _clone(copied["poll"])
    return copied


def _is_service(msg: JSON) -> bool:
    return any(key in msg for key in SERVICE_KEYS)


def _visible(msg: JSON) -> str:
    if "text" in msg:
        return msg["text"]
    if "caption" in msg:
        return msg["caption"]
    if "poll" in msg:
        return msg["poll"]["question"]
    return ""


def _normalized(value: JSON) -> str:
    return json.dumps({k: v for k, v in value.items() if v not in (None, [])}, sort_keys=True)


def _resolve_attachments(raw: JSON, files: Files) -> Files:
    """Map ``attach://name`` params to their uploads so handlers look files up by param name."""
    resolved = dict(files)
    for key, value in raw.items():
        if isinstance(value, str) and value.startswith("attach://") and value[9:] in files:
            resolved[key] = files[value[9:]]
    return resolved


def _image_size(data: bytes) -> tuple[int, int]:
    """Width/height of a PNG (else a typical photo size): realistic PhotoSize values."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return 1280, 960


def _tiny_png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0\0\0\0"))
        + chunk(b"IEND", b"")
    )
