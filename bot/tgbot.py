"""The Bot object: python-telegram-bot's ExtBot plus one lean call for the hot paths.

Most calls go through PTB's typed methods (`send_message`, `edit_message_text`, ...). For what happens on
almost every update — the 👍 receipt on an answer, the answer to a button press, a reply whose Message we
do not need — PTB's typed methods spend more than the call itself building objects: the typed parameter
objects, defaults insertion, and the Message parsed from Telegram's answer. `post_json` sends parameters
already in Telegram's JSON shape and returns Telegram's result as plain JSON, through the same transport,
rate limiter and error mapping (BadRequest, Forbidden, RetryAfter, ChatMigrated, ...) as every other call.
"""

from __future__ import annotations

from typing import Any

from telegram import Bot
from telegram.ext import ExtBot

# Questions about a group, not messages to it: Telegram's per-group limit (about 20 messages a minute) is about
# sending, but PTB's AIORateLimiter counts every call naming a group chat against it — so each membership
# check (getChatMember, before private actions where the bot is no administrator) would hold back the group's
# real posts. These skip the limiter; a 429 on them is handled where they are asked (nothing is retried).
NOT_THROTTLED = frozenset({"getChatMember", "getChatAdministrators"})


class KombelBot(ExtBot[None]):
    __slots__ = ()

    async def _do_post(self, endpoint: str, data: dict[str, Any], **kwargs: Any) -> Any:
        if endpoint in NOT_THROTTLED and self.rate_limiter is not None:
            return await Bot._do_post(self, endpoint, data, **kwargs)
        return await super()._do_post(endpoint, data, **kwargs)

    async def post_json(self, endpoint: str, params: dict[str, Any]) -> Any:
        """Call `endpoint` (camelCase, as in the Bot API) with JSON-ready parameters (None values are
        left out); returns the `result` field of Telegram's answer, unparsed."""
        # ExtBot._do_post is the documented override point that applies the rate limiter; the typed
        # methods reach it through _post, which would also re-insert defaults into our plain values.
        return await self._do_post(endpoint, {k: v for k, v in params.items() if v is not None})

    async def get_update_dicts(self, *, offset: int | None, poll_timeout: int, limit: int,
                               allowed_updates: list[str]) -> list[dict[str, Any]]:
        """getUpdates as PTB's `get_updates` calls it (a long poll of `poll_timeout` seconds: the read
        timeout is the transport's plus that), but Telegram's JSON is returned unparsed: `bot.rawupdate.parse_update` builds the
        Updates, skipping what the handlers never read."""
        read_timeout = (self._request[0].read_timeout or 0) + poll_timeout  # [0]: the getUpdates transport
        return await self._post("getUpdates", {"offset": offset, "timeout": poll_timeout, "limit": limit,
                                               "allowed_updates": allowed_updates}, read_timeout=read_timeout)
