"""Chats and members: the bot and people joining, leaving, being promoted or banned; getChat*,
pinning, group migration."""

from __future__ import annotations

from fakegram.common import (
    JSON,
    Files,
    _api,
    _bad,
    _Chat,
    _clone,
    _reply_copy,
)
from fakegram.state import FakeState, _Params


class ChatsApi(FakeState):
    """Membership of the bot and of people; the chat methods."""

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

    def is_admin(self, chat_id: int, user_id: int) -> bool:
        """Whether the user is creator/administrator of the group."""
        return user_id in self._chat(chat_id).admins

    def bot_status(self, chat_id: int) -> str:
        """The bot's membership status in a chat."""
        return self._chat(chat_id).bot_status
