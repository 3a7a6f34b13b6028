"""Rate limits: Telegram's flood control (30 messages a second, 20 a minute per group)."""

from __future__ import annotations

from fakegram.common import (
    SEND_METHODS,
    ApiError,
)
from fakegram.limits import Limited
from fakegram.state import FakeState, _Params


class RateLimits(FakeState):
    """Flood control, when enforce_rate_limits is on."""

    def _check_rate(self, method: str, params: _Params) -> None:
        if not self.enforce_rate_limits or method not in SEND_METHODS:
            return
        try:
            chat_id: int | None = params.chat_id()
        except ApiError:
            chat_id = None
        chat = self._chats.get(chat_id) if chat_id is not None else None
        try:
            self.limits.check(self.clock(), method, chat_id, chat is not None and chat.is_group)
        except Limited as exc:
            self.stats["429"] += 1
            raise ApiError(429, f"Too Many Requests: retry after {exc.retry_after}",
                           {"retry_after": exc.retry_after}) from None
