"""Rate limits: Telegram's flood control (30 messages a second, 20 a minute per group)."""

from __future__ import annotations

import math
from collections import deque

from fakegram.common import (
    SEND_METHODS,
    ApiError,
)
from fakegram.state import FakeState, _Params


class RateLimits(FakeState):
    """Flood control, when enforce_rate_limits is on."""

    def _check_rate(self, method: str, params: _Params) -> None:
        if not self.enforce_rate_limits or method not in SEND_METHODS:
            return
        now = self.clock()
        windows: list[tuple[deque[float], int, float]] = [(self._sent_global, 30, 1.0)]
        try:
            chat = self._chats.get(params.chat_id())
        except ApiError:
            chat = None
        if chat is not None and chat.is_group:
            windows.append((self._sent_group.setdefault(chat.id, deque()), 20, 60.0))
        for sent, limit, span in windows:
            while sent and sent[0] <= now - span:
                sent.popleft()
            if len(sent) >= limit:
                self.stats["429"] += 1
                retry = max(1, math.ceil(sent[0] + span - now))
                raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        for sent, _, _ in windows:
            sent.append(now)
