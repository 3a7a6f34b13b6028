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

A batch (the poller's getUpdates answer) is parsed by `parse_updates`, which also builds the objects
without PTB's per-attribute frozen check (see `unchecked_building`).

`tests/test_rawupdate.py` runs every kind of update the bot handles through both paths (`Update.de_json`
of the whole update, and this) and checks the bot makes the same calls and leaves the same database.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from telegram import Message, TelegramObject, Update

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


def parse_update(update: JSON, bot: Any) -> Update:
    """Telegram's JSON → `Update`, building of an enclosed message only what the handlers read, once."""
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


# A batch at least this long is built without the frozen check: taking it off the class and putting it back
# costs about as much as parsing one update (measured: ~90 µs a pair; ~40–80 µs saved per update).
UNCHECKED_BATCH_MIN = 4
_CHECKED_SETATTR = TelegramObject.__dict__["__setattr__"]


@contextmanager
def unchecked_building() -> Iterator[None]:
    """PTB's objects refuse changes once built: `TelegramObject.__setattr__` checks `_frozen` on every
    attribute set — a Python call per attribute, ~170 for a Message, about half of `Update.de_json`'s time.
    An object being built is not frozen yet, so for it the check always passes. Inside this block the check
    is taken off the class (plain `object.__setattr__` sets the attributes) and it is put back on leaving,
    even after an error. Objects built inside are still frozen at the end of their construction (PTB's
    `_freeze` sets `_frozen`), so afterwards they refuse changes like any other. Only for synchronous
    parsing on the event loop's thread: nothing else runs meanwhile (no other thread builds or changes
    PTB objects in this process)."""
    del TelegramObject.__setattr__
    try:
        yield
    finally:
        TelegramObject.__setattr__ = _CHECKED_SETATTR  # type: ignore[method-assign]


def parse_updates(updates: list[JSON], bot: Any) -> list[Update]:
    """A getUpdates batch → Updates, as `parse_update` each; a long batch without the frozen check."""
    if len(updates) < UNCHECKED_BATCH_MIN:
        return [parse_update(u, bot) for u in updates]
    with unchecked_building():
        return [parse_update(u, bot) for u in updates]
