"""In-process PTB transport: the real ``Bot`` serialises requests exactly as for HTTP.

Parameters are taken from ``RequestData.json_parameters`` (what HTTPXRequest
puts on the wire), so the fake sees the same strings Telegram would, and the
body is returned as bytes so PTB's own error mapping (BadRequest, Forbidden,
RetryAfter, ChatMigrated ...) runs unchanged.
"""

from __future__ import annotations

import json
from urllib.parse import unquote, urlsplit

from telegram._utils.types import ODVInput
from telegram.request import BaseRequest, RequestData

from fakegram.core import FakeTelegram, Files

__all__ = ["FakeRequest"]


def read_uploads(request_data: RequestData) -> Files:
    """Multipart parts as ``name -> (filename, bytes, mime)`` (file handles are read)."""
    files: Files = {}
    for name, (filename, content, mime) in request_data.multipart_data.items():
        data = content if isinstance(content, bytes) else content.read()
        files[name] = (filename, data, mime)
    return files


class FakeRequest(BaseRequest):
    """A ``BaseRequest`` answering from a :class:`FakeTelegram` instead of the network."""

    __slots__ = ("fake", "_read_timeout")

    def __init__(self, fake: FakeTelegram, read_timeout: float | None = None) -> None:
        self.fake = fake
        self._read_timeout = read_timeout

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        """Nothing to open: the fake lives in this process."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Route ``.../bot<token>/<method>`` to the fake; GET ``.../file/bot<token>/<path>`` downloads."""
        del read_timeout, write_timeout, connect_timeout, pool_timeout
        path = unquote(urlsplit(url).path)
        if method == "GET" and "/file/bot" in path:
            file_path = path.split("/file/bot", 1)[1].split("/", 1)[-1]
            data = self.fake.file_by_path(file_path)
            if data is None:
                return 404, json.dumps({"ok": False, "error_code": 404, "description": "Not Found"}).encode()
            return 200, data
        api_method = path.rstrip("/").rsplit("/", 1)[-1]
        params = dict(request_data.json_parameters) if request_data else {}
        files = read_uploads(request_data) if request_data and request_data.contains_files else None
        return await self.fake.call_json(api_method, params, files)
