"""Forum topics: supergroups with Topics, topics created, closed, reopened, deleted."""

from __future__ import annotations

from fakegram.common import (
    JSON,
    _Chat,
)
from fakegram.state import FakeState


class TopicsApi(FakeState):
    """Forum topics of supergroups."""

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
