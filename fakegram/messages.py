"""Messages: what users write (texts, edits, forwards) and what the bot sends, edits, deletes
and reacts to; what tests read back."""

from __future__ import annotations

import functools
import json
import re

from fakegram.common import (
    _COMMAND_RE,
    CHAT_ACTIONS,
    JSON,
    MAX_CALLBACK_DATA,
    MAX_CAPTION,
    MAX_TEXT,
    NOT_MODIFIED,
    REACTION_EMOJI,
    SERVICE_KEYS,
    Files,
    _api,
    _bad,
    _Chat,
    _clone,
    _command_entities,
    _reply_copy,
)
from fakegram.html import HtmlError, parse_telegram_html, utf16_len
from fakegram.state import FakeState, _Params


class MessagesApi(FakeState):
    """Users' messages and the bot's: sendMessage, edits, deletion, reactions, chat actions."""

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

    @_api("sendChatAction")
    def _send_chat_action(self, p: _Params, files: Files) -> bool:
        self._writable_chat(p)
        if p.text("action") not in CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

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


@functools.lru_cache(maxsize=4096)  # bots send the same texts again and again (a schedule, a prompt)
def _parse_html(text: str, strict: bool) -> tuple[str, list[JSON]]:
    return parse_telegram_html(text, strict_ampersand=strict)


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
