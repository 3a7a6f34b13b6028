"""Messages that must not act as what they look like (issue 12, point 6), caught before any command or
text route:

- an **edited** message that is a command: edits never run commands (simplest correct rule — an edit
  could turn any old message into `/hapuskomunitas`). The person is told to send it as a new message.
  Edited answers that are not commands still reach the features (an answer's edit updates it).
- a **forwarded** message (`forward_origin`): someone else's words are never stored as the forwarder's
  answer, and a forwarded command is not run. The bot says so when the forward replies to one of its
  messages in a group, or in private; other forwards in a group are left alone.
- a message written **as a chat** (`sender_chat`: an anonymous administrator writing as the group, or
  someone posting as a channel): the bot cannot tell who it is. A one-line hint to write as oneself, at
  most once a day per group (in memory), when the message was for the bot (one of its commands, or a
  reply to it). A linked channel's automatic forwards are ignored.
"""

from __future__ import annotations

import logging

from telegram import Message, MessageEntity, Update
from telegram.ext import Application, MessageHandler, filters

from ..services import KContext
from .common import build_scope

log = logging.getLogger(__name__)
AS_CHAT_HINT_EVERY_S = 86400


def kind_of(update: Update) -> str | None:
    """'edited_command' | 'forwarded' | 'as_chat', or None for an ordinary message."""
    msg = update.effective_message
    if msg is None or not (update.message or update.edited_message):
        return None
    if msg.sender_chat is not None and not msg.is_automatic_forward:
        return "as_chat"
    if msg.forward_origin is not None:
        return "forwarded"
    if update.edited_message is not None and _command(msg) is not None:
        return "edited_command"
    return None


class _Guarded(filters.UpdateFilter):
    __slots__ = ()

    def filter(self, update: Update) -> bool:
        return kind_of(update) is not None


GUARDED = _Guarded(name="kombel.GUARDED")


def _command(msg: Message) -> str | None:
    """The `/name@bot` a message starts with (text or caption), if any."""
    entities = msg.entities or msg.caption_entities
    text = msg.text or msg.caption or ""
    first = entities[0] if entities else None
    if first is None or first.type != MessageEntity.BOT_COMMAND or first.offset != 0:
        return None
    return text[: first.length]


def _for_us(msg: Message, ctx: KContext) -> bool:
    """One of our commands (either name, or addressed to this bot), or a reply to one of our messages."""
    target = msg.reply_to_message
    if target is not None and target.from_user is not None and target.from_user.id == ctx.bot.id \
            and not (msg.is_topic_message and target.forum_topic_created):
        return True
    command = _command(msg)
    if command is None:
        return False
    name, _, addressee = command[1:].partition("@")
    if addressee:
        return addressee.lower() == (ctx.bot.username or "").lower()
    return ctx.kb.commands.knows(name)


async def on_guarded(update: Update, ctx: KContext) -> None:
    kind = kind_of(update)
    msg = update.effective_message
    if kind is None or msg is None:
        return
    private = msg.chat.type == "private"
    if not private and not _for_us(msg, ctx):
        return  # not meant for the bot: stay quiet
    services = ctx.kb
    if kind == "as_chat":
        hinted: dict[int, int] = services.extra.setdefault("as_chat_hinted", {})
        now = services.now_ts()
        if now - hinted.get(msg.chat_id, -AS_CHAT_HINT_EVERY_S) < AS_CHAT_HINT_EVERY_S:
            return
        hinted[msg.chat_id] = now
    scope = await build_scope(update, ctx)
    log.info("%s message in chat %s: not acted on", kind, msg.chat_id)
    await scope.reply(f"errors/{kind}", group=not private)


def register(app: Application) -> None:
    """Before the commands and the text routes: a guarded message reaches nothing else."""
    app.add_handler(MessageHandler(GUARDED, on_guarded))
