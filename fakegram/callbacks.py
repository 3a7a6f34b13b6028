"""Callback queries: users pressing inline buttons, the bot answering them."""

from __future__ import annotations

from fakegram.common import (
    JSON,
    QUERY_INVALID,
    ApiError,
    Files,
    _api,
    _bad,
    _clone,
)
from fakegram.state import FakeState, _Params


class CallbacksApi(FakeState):
    """Inline buttons pressed, answerCallbackQuery."""

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

    def callback_answer(self, query_id: str) -> JSON | None:
        """The answerCallbackQuery params for a query, or None if unanswered."""
        return _clone(self._callbacks[query_id]["answer"])

    @staticmethod
    def buttons(message: JSON) -> list[list[str]]:
        """Labels of a message's inline keyboard, row by row."""
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        return [[button.get("text", "") for button in row] for row in rows]
