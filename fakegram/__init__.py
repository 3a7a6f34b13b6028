"""fakegram: a fake Telegram Bot API that answers and fails like the real one.

Use :class:`FakeTelegram` for state and update builders, :class:`FakeRequest`
to plug it into PTB in process, or :func:`serve` to expose it over HTTP.
"""

from fakegram.core import ApiError, FakeTelegram, FileRecord
from fakegram.html import HtmlError, escape, parse_telegram_html, utf16_len
from fakegram.request import FakeRequest
from fakegram.server import serve, server_port

__all__ = [
    "ApiError",
    "FakeRequest",
    "FakeTelegram",
    "FileRecord",
    "HtmlError",
    "escape",
    "parse_telegram_html",
    "serve",
    "server_port",
    "utf16_len",
]
