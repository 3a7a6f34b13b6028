"""Inline-button presses: one python-telegram-bot handler and a table by the data's area prefix
(`sv:12:0:4` -> the `sv` handler), instead of one pattern-matching handler per area tried in turn."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import CallbackQueryHandler

ButtonCallback = Callable[[Update, Any], Awaitable[Any]]


class ButtonRouter:
    def __init__(self) -> None:
        self._by_prefix: dict[str, ButtonCallback] = {}
        self.fallback: ButtonCallback | None = None  # data we do not know (stale or forged)

    def add(self, prefix: str, callback: ButtonCallback) -> None:
        if not prefix.isascii() or not prefix.isalnum() or prefix in self._by_prefix:
            raise ValueError(f"button prefix {prefix!r} is invalid or taken")
        self._by_prefix[prefix] = callback

    def handler(self) -> CallbackQueryHandler:
        return CallbackQueryHandler(self.dispatch)

    async def dispatch(self, update: Update, context: Any) -> Any:
        data = update.callback_query.data if update.callback_query else None
        prefix, sep, _ = (data or "").partition(":")
        callback = self._by_prefix.get(prefix) if sep else None
        if callback is None:
            callback = self.fallback
        return await callback(update, context) if callback is not None else None


def add_buttons(app: Any, prefix: str, callback: ButtonCallback) -> None:
    """Register the handler of the buttons whose data starts with `prefix:` (at start-up)."""
    app.bot_data["services"].buttons.add(prefix, callback)
