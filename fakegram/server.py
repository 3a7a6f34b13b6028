"""The fake Bot API over HTTP, for PTB's default HTTPXRequest (``base_url=http://127.0.0.1:PORT/bot``).

Stdlib only: a minimal HTTP/1.1 server (Content-Length or chunked bodies,
keep-alive) that accepts the three encodings Telegram accepts: query string /
x-www-form-urlencoded, JSON, and multipart/form-data with file uploads.
It binds to 127.0.0.1 only: the fake has no authentication.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email.parser
import email.policy
import json
import logging
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from telegram.error import TimedOut

from fakegram.core import FakeTelegram, Files

__all__ = ["main", "serve", "server_port"]

_LOG = logging.getLogger(__name__)
_MAX_BODY = 60 * 1024 * 1024
_NOT_FOUND = {"ok": False, "error_code": 404, "description": "Not Found"}


def parse_body(content_type: str, body: bytes) -> tuple[dict[str, Any], Files]:
    """Decode a request body into (params, uploaded files) the way the Bot API does."""
    ctype = content_type.split(";", 1)[0].strip().lower()
    if not body:
        return {}, {}
    if ctype == "application/json":
        data = json.loads(body.decode("utf-8"))
        return (data if isinstance(data, dict) else {}), {}
    if ctype == "multipart/form-data":
        head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        params: dict[str, Any] = {}
        files: Files = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                continue
            payload = part.get_payload(decode=True) or b""
            filename = part.get_filename()
            if filename is not None:
                files[name] = (filename, payload, part.get_content_type())
            else:
                params[name] = payload.decode(part.get_content_charset() or "utf-8")
        return params, files
    return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True)), {}


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                await reader.readline()
                return b"".join(chunks)
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
    length = int(headers.get("content-length", "0") or 0)
    if length > _MAX_BODY:
        raise ValueError("body too large")
    return await reader.readexactly(length) if length else b""


def _response(
    status: int, body: bytes, *, content_type: str = "application/json", close: bool = False
) -> bytes:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    head = (
        f"HTTP/1.1 {status} {phrase}\r\nServer: fakegram\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: {'close' if close else 'keep-alive'}\r\n\r\n"
    )
    return head.encode("latin-1") + body


async def _dispatch(
    fake: FakeTelegram, verb: str, target: str, params: dict[str, Any], files: Files
) -> bytes | None:
    """Run one request; None means "simulate a timeout" (no answer)."""
    parts = urlsplit(target)
    path = unquote(parts.path)
    if verb == "GET" and path.startswith("/file/bot"):
        data = fake.file_by_path(path[len("/file/bot") :].split("/", 1)[-1])
        if data is None:
            return _response(404, json.dumps(_NOT_FOUND).encode())
        return _response(200, data, content_type="application/octet-stream")
    segments = path.strip("/").split("/")
    if len(segments) != 2 or not segments[0].startswith("bot"):
        return _response(404, json.dumps(_NOT_FOUND).encode())
    params = {**dict(parse_qsl(parts.query, keep_blank_values=True)), **params}
    try:
        status, body = await fake.call_json(segments[1], params, files or None)
    except TimedOut:
        return None
    return _response(status, body)


async def _handle(fake: FakeTelegram, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            request_line = await reader.readline()
            if not request_line:
                return
            verb, target, _ = request_line.decode("latin-1").split(" ", 2)
            headers: dict[str, str] = {}
            while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                key, _, value = line.decode("latin-1").partition(":")
                headers[key.strip().lower()] = value.strip()
            body = await _read_body(reader, headers)
            try:
                params, files = parse_body(headers.get("content-type", ""), body)
            except (ValueError, UnicodeDecodeError):
                reply = {
                    "ok": False,
                    "error_code": 400,
                    "description": "Bad Request: can't parse request body",
                }
                writer.write(_response(400, json.dumps(reply).encode()))
                await writer.drain()
                continue
            response = await _dispatch(fake, verb.upper(), target, params, files)
            if response is None:
                # Telegram took too long: hold the connection until the client gives up.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(reader.read(), 120)
                return
            close = headers.get("connection", "").lower() == "close"
            writer.write(
                response
                if not close
                else response.replace(b"Connection: keep-alive", b"Connection: close", 1)
            )
            await writer.drain()
            if close:
                return
    except (ConnectionError, asyncio.IncompleteReadError, ValueError) as exc:
        _LOG.debug("fakegram connection ended: %r", exc)
    except asyncio.CancelledError:
        # Loop shutdown with an idle keep-alive connection: this task is top-level (nobody
        # awaits it), so ending quietly avoids asyncio logging a spurious traceback.
        pass
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()


async def serve(fake: FakeTelegram, host: str = "127.0.0.1", port: int = 8081) -> asyncio.Server:
    """Start serving ``fake`` at ``http://host:port/bot<token>/<method>``; port 0 picks a free port."""
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("fakegram binds to the loopback interface only")
    return await asyncio.start_server(lambda r, w: _handle(fake, r, w), host, port)


def server_port(server: asyncio.Server) -> int:
    """The TCP port a server from :func:`serve` listens on (useful with port 0)."""
    return int(server.sockets[0].getsockname()[1])


def main(argv: list[str] | None = None) -> None:
    """``python -m fakegram.server --port 8081``: an empty fake for manual runs and demos."""
    parser = argparse.ArgumentParser(prog="fakegram", description="Fake Telegram Bot API on 127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--bot-username", default="kombel_test_bot")
    args = parser.parse_args(argv)

    async def run() -> None:
        fake = FakeTelegram(bot_username=args.bot_username)
        server = await serve(fake, port=args.port)
        print(f"fakegram listening on http://127.0.0.1:{server_port(server)}/bot<token>/", flush=True)
        async with server:
            await server.serve_forever()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())


if __name__ == "__main__":
    main()
