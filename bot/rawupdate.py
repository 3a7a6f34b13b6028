"""Where Telegram's JSON becomes an `Update`: the poller, the simulator and the benchmarks parse here.

python-telegram-bot builds every field of every message it is given: a `Message` costs the same ~170
attribute sets whether it carries four fields or forty, plus an object per formatting entity and per
keyboard button. The hot updates carry a second, whole message we barely look at: an answer carries the
question it replies to (`reply_to_message`: its text, entities, keyboard), a tap carries the bot's message
whose button was pressed (`callback_query.message`, the same). Of such an *enclosed* message the handlers
read only where it is and who wrote it — `message_id`, `chat`, `from`, the topic fields — never its text or
keyboard. So, before parsing:

- `trim` keeps of an enclosed message only ENCLOSED_FIELDS (the message the person sent is left whole);
- `parse_update` builds each enclosed message once and shares it: the members of a group answer the same
  question and tap the same survey item, and a parsed Telegram object never changes (PTB freezes it), so
  equal trimmed JSON can be the same `Message` object. The last CACHE_SIZE are kept.

The message a person sent is built without PTB's per-attribute frozen check (`build_message`); a plain
text message — a command, an answer: only PLAIN_FIELDS — with `Message`'s constructor, not `de_json`, its
sender and chat shared (`SENDERS`).

`tests/test_rawupdate.py` runs every kind of update the bot handles through both paths (`Update.de_json`
of the whole update, and this) and checks the bot makes the same calls and leaves the same database.
"""

from __future__ import annotations

import json
from typing import Any

from telegram import CallbackQuery, Chat, Message, MessageEntity, Update, User
from telegram._utils.datetime import extract_tzinfo_from_defaults, from_timestamp

JSON = dict[str, Any]

# What is read of an enclosed message (`date` because PTB needs it: 0 makes an InaccessibleMessage). A
# handler reading more of it (its text, its keyboard) adds the field here, and a case to the test's scenario.
# Not `edit_date`: nobody reads it, and a message edited for its live counts would stop being shared.
ENCLOSED_FIELDS = frozenset({
    "message_id", "date", "chat", "from", "sender_chat", "message_thread_id", "is_topic_message",
})
# Where an enclosed message sits: (field of the update, field of that object). The names are the same in
# Telegram's JSON and on PTB's objects.
ENCLOSING = (("message", "reply_to_message"), ("edited_message", "reply_to_message"),
             ("callback_query", "message"))
CACHE_SIZE = 4096  # parsed enclosed messages kept (~2 KB each)


def enclosed(update: JSON) -> tuple[str, str] | None:
    """Where this update's enclosed message is, if it has one."""
    for outer, field in ENCLOSING:
        holder = update.get(outer)
        if holder is not None and holder.get(field) is not None:
            return outer, field
    return None


def trim_message(message: JSON) -> JSON:
    return {k: v for k, v in message.items() if k in ENCLOSED_FIELDS}


def trim(update: JSON) -> JSON:
    """The update with its enclosed message reduced to ENCLOSED_FIELDS (the input is not changed)."""
    where = enclosed(update)
    if where is None:
        return update
    outer, field = where
    holder = update[outer]
    return {**update, outer: {**holder, field: trim_message(holder[field])}}


class EnclosedMessages:
    """Parsed enclosed messages by their trimmed JSON; the oldest entry goes first when full."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self.hits = self.misses = 0
        self._parsed: dict[str, Message] = {}

    def get(self, message: JSON, bot: Any) -> Message:
        key = json.dumps(message, ensure_ascii=False, separators=(",", ":"))
        found = self._parsed.get(key)
        if found is not None and found.get_bot() is bot:
            self.hits += 1
            return found
        self.misses += 1
        # as CallbackQuery.de_json and Message.de_json do (an old message of date 0 is InaccessibleMessage)
        found = self._parsed[key] = Message.de_json(message, bot)
        if len(self._parsed) > self.size:
            del self._parsed[next(iter(self._parsed))]
        return found


ENCLOSED = EnclosedMessages()
SENT = ("message", "edited_message")  # where the message a person sent sits in an update


class Senders:
    """Parsed users and chats by their (flat) JSON, shared like enclosed messages: the same people write
    in the same groups all day, and a `User` costs PTB ~30 attribute sets. The oldest entry goes first when
    full; JSON with a nested value (not hashable) is built each time."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._parsed: dict[tuple[type, tuple], Any] = {}

    def get(self, cls: type[Chat] | type[User], data: JSON, bot: Any) -> Any:
        key = (cls, tuple(data.items()))
        try:
            found = self._parsed.get(key)
        except TypeError:  # a nested value
            return cls.de_json(data, bot)
        if found is not None and found.get_bot() is bot:
            return found
        found = self._parsed[key] = cls.de_json(data, bot)
        if len(self._parsed) > self.size:
            del self._parsed[next(iter(self._parsed))]
        return found


SENDERS = Senders()


class _Building(Message):
    """A Message while PTB builds it. PTB's objects refuse changes once built: `TelegramObject.__setattr__`
    checks `_frozen` on every attribute set — a Python call per attribute, ~170 for a Message, a third of
    its `de_json`. An object being built is not frozen yet, so for it the check always passes: this class
    (the same attributes, no fields of its own) sets them directly, and `build_message` then makes the
    object a plain `Message` — frozen by PTB at the end of its construction, checked from then on."""

    __slots__ = ()
    __setattr__ = object.__setattr__


class _BuildingUpdate(Update):
    """An Update while it is built, for the same reason (see `_Building`)."""

    __slots__ = ()
    __setattr__ = object.__setattr__


# What a plain text message carries — what people type: commands, answers, the replies of a set-up. Such a
# message is built with `Message`'s constructor from these fields: `Message.de_json` looks for each of the
# ~110 kinds of content a message may have (~100 calls, most finding nothing), a third of its cost. A
# message with any other field (a photo, a caption, a service message, a forward) is built by `de_json`.
PLAIN_FIELDS = frozenset({
    "message_id", "date", "chat", "from", "text", "entities", "message_thread_id", "is_topic_message", "edit_date",
})


def build_message(data: JSON, bot: Any) -> Message:
    """`Message.de_json(data, bot)`, without the frozen check while it is built (see `_Building`), and for a
    plain text message without looking for every other kind of content (PLAIN_FIELDS)."""
    if data.keys() <= PLAIN_FIELDS and data["date"]:  # (date 0 would be an InaccessibleMessage)
        message = _plain_message(data, bot)
    else:
        message = _Building.de_json(data, bot)
    message.__class__ = Message
    return message


def _plain_message(data: JSON, bot: Any) -> _Building:
    """What `Message.de_json` makes of a message with only PLAIN_FIELDS (as its `de_json` converts them)."""
    tz = extract_tzinfo_from_defaults(bot)
    sender, entities = data.get("from"), data.get("entities")
    message = _Building(
        message_id=data["message_id"], date=from_timestamp(data["date"], tzinfo=tz),
        chat=SENDERS.get(Chat, data["chat"], bot), from_user=SENDERS.get(User, sender, bot) if sender is not None else None,
        text=data.get("text"), entities=MessageEntity.de_list(entities, bot) if entities is not None else None,
        message_thread_id=data.get("message_thread_id"), is_topic_message=data.get("is_topic_message"),
        edit_date=from_timestamp(data.get("edit_date"), tzinfo=tz), api_kwargs={})
    message.set_bot(bot)
    return message


def parse_update(update: JSON, bot: Any) -> Update:
    """Telegram's JSON → `Update`, building of an enclosed message only what the handlers read, once."""
    sent = next((f for f in SENT if update.get(f) is not None), None)
    if sent is not None:
        return _parse_sent(update, sent, bot)
    query = update.get("callback_query")
    if query is not None and len(update) == 2 and query.keys() <= TAP_FIELDS:
        return _parse_tap(update["update_id"], query, bot)
    where = enclosed(update)
    if where is None:
        return Update.de_json(update, bot)
    outer, field = where
    holder = update[outer]
    parsed = Update.de_json({**update, outer: {k: v for k, v in holder.items() if k != field}}, bot)
    target = getattr(parsed, outer)
    with target._unfrozen():  # PTB's own way to set an attribute after construction
        setattr(target, field, ENCLOSED.get(trim_message(holder[field]), bot))
    return parsed


# What a tap on a button of a message carries (a game or an inline message's button has more: de_json).
TAP_FIELDS = frozenset({"id", "from", "chat_instance", "data", "message"})


def _parse_tap(update_id: int, query: JSON, bot: Any) -> Update:
    """What `Update.de_json` makes of a button press with only TAP_FIELDS, its presser shared (`SENDERS`) and
    its message trimmed and shared (`ENCLOSED`)."""
    message = query.get("message")
    tap = CallbackQuery(id=query["id"], from_user=SENDERS.get(User, query["from"], bot),
                        chat_instance=query["chat_instance"], data=query.get("data"), api_kwargs={},
                        message=ENCLOSED.get(trim_message(message), bot) if message is not None else None)
    tap.set_bot(bot)
    parsed = _BuildingUpdate(update_id=update_id, callback_query=tap)
    parsed.__class__ = Update
    parsed.set_bot(bot)
    return parsed


def _parse_sent(update: JSON, outer: str, bot: Any) -> Update:
    """An update carrying a message someone sent (or edited): the message built by `build_message`, the
    message it replies to shared (`ENCLOSED`), the rest of the update by PTB."""
    data = update[outer]
    inner = data.get("reply_to_message")
    message = build_message({k: v for k, v in data.items() if k != "reply_to_message"} if inner is not None else data,
                            bot)
    if inner is not None:
        with message._unfrozen():  # PTB's own way to set an attribute after construction
            message.reply_to_message = ENCLOSED.get(trim_message(inner), bot)
    if len(update) == 2:  # only the update's id beside the message: no other field to look for
        parsed = _BuildingUpdate(update_id=update["update_id"], **{outer: message})
        parsed.__class__ = Update
        parsed.set_bot(bot)
        return parsed
    parsed = Update.de_json({k: v for k, v in update.items() if k != outer}, bot)
    with parsed._unfrozen():
        setattr(parsed, outer, message)
    return parsed
