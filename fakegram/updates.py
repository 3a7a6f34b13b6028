"""Updates: the getUpdates long poll and the kinds of update the bot asked for."""

from __future__ import annotations

import asyncio

from fakegram.common import (
    DEFAULT_ALLOWED,
    JSON,
    ApiError,
    Files,
    _api,
    _clone,
)
from fakegram.state import FakeState, _Params


class UpdatesApi(FakeState):
    """The update queue as getUpdates serves it."""

    def pending_updates(self) -> list[JSON]:
        """Updates queued for getUpdates and not yet acknowledged."""
        return _clone(list(self._queue))

    def set_allowed_updates(self, kinds: list[str] | tuple[str, ...]) -> None:
        """What the bot asked for (sticky, like getUpdates' or setWebhook's ``allowed_updates``)."""
        self._allowed_updates = frozenset(kinds) or DEFAULT_ALLOWED

    def _take_updates(self, offset: int | None, limit: int) -> list[JSON]:
        if offset is not None and offset < 0:
            while len(self._queue) > -offset:
                self._queue.popleft()
        elif offset is not None:
            while self._queue and self._queue[0]["update_id"] < offset:
                self._queue.popleft()
        batch: list[JSON] = []
        for update in list(self._queue):
            kind = next(k for k in update if k != "update_id")
            if kind not in self._allowed_updates:
                self._queue.remove(update)  # Telegram does not keep updates of unwanted types
                continue
            batch.append(update)
            if len(batch) >= limit:
                break
        return batch

    @_api("getUpdates")
    async def _get_updates(self, p: _Params, files: Files) -> list[JSON]:
        if self.webhook.url:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")  # fmt: skip
        allowed = p.obj("allowed_updates")
        if allowed is not None:
            self._allowed_updates = frozenset(allowed) or DEFAULT_ALLOWED
        offset = p.integer("offset")
        limit = min(max(p.integer("limit", 100) or 100, 1), 100)
        timeout = p.number("timeout", 0.0)
        self._poll_generation += 1
        generation = self._poll_generation
        batch = self._take_updates(offset, limit)
        deadline = asyncio.get_running_loop().time() + timeout
        while not batch and timeout > 0:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                break
            fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(fut)
            try:
                await asyncio.wait_for(fut, remaining)
            except TimeoutError:
                pass
            if generation != self._poll_generation:
                raise ApiError(409, "Conflict: terminated by other getUpdates request; "
                                    "make sure that only one bot instance is running")  # fmt: skip
            batch = self._take_updates(None, limit)
        return batch
