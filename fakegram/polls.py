"""Polls: sendPoll, stopPoll and users' votes."""

from __future__ import annotations

from fakegram.common import (
    JSON,
    Files,
    _api,
    _bad,
    _clone,
)
from fakegram.html import utf16_len
from fakegram.state import FakeState, _Params


class PollsApi(FakeState):
    """Polls the bot sends and users' votes."""

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

    def poll(self, poll_id: str) -> JSON:
        """Current state of a poll the bot sent."""
        chat_id, message_id = self._polls[poll_id]
        return _clone(self._chats[chat_id].messages[message_id]["poll"])
