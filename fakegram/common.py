"""What every area of the fake shares: Telegram's limits and strings, the error type, chat and file
records, the method registry, JSON helpers."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fakegram.html import utf16_len

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


_HANDLERS: dict[str, tuple[str, str]] = {}


def _api(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a Bot API method handler (names are case-insensitive in Telegram)."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        _HANDLERS[name.lower()] = (name, func.__name__)
        return func

    return register


def _command_entities(text: str) -> list[JSON]:
    match = _COMMAND_RE.match(text)
    if not match:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}]


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
