"""The fake Bot API's webhook delivery behaves like Telegram's (issue 16): per-chat FIFO, a chat's next update
only after a 2xx, retries with back-off, at most `max_connections` requests in flight, the secret header,
getUpdates refused while a webhook is set. The receiver is a small ASGI app under uvicorn."""

from __future__ import annotations

import asyncio
import json

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fakegram import FakeTelegram
from fakegram.webhook_delivery import SECRET_HEADER
from tests.webhook_harness import Served, eventually

A, B = -1001, -1002
USERS = (11, 12, 13, 14, 15, 16)


class Receiver:
    """Records what arrives; fails the first `fail[update_id]` attempts of an update; holds each for `delay` s."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.fail: dict[int, int] = {}
        self.received: list[tuple[int, int | None, str | None]] = []  # (update_id, chat, secret header)
        self.answered: list[int] = []  # update ids answered 200, in order
        self.in_flight = 0
        self.max_in_flight = 0

    async def hook(self, request: Request) -> Response:
        update = json.loads(await request.body())
        uid = update["update_id"]
        chat = (update.get("message") or {}).get("chat", {}).get("id")
        self.received.append((uid, chat, request.headers.get(SECRET_HEADER)))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.in_flight -= 1
        if self.fail.get(uid, 0) > 0:
            self.fail[uid] -= 1
            return Response("boom", status_code=500)
        self.answered.append(uid)
        return Response(status_code=200)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])


def world() -> FakeTelegram:
    fake = FakeTelegram(clock=lambda: 1_795_000_000.0)
    for uid in USERS:
        fake.user(uid, f"U{uid}")
    fake.group(A, "A", supergroup=True, admins=[USERS[0]], members=list(USERS[1:]), bot_member=True)
    fake.group(B, "B", supergroup=True, admins=[USERS[0]], members=list(USERS[1:]), bot_member=True)
    fake.privacy_mode = False
    fake.webhook.retry_first, fake.webhook.retry_max = 0.05, 0.2
    return fake


@pytest.fixture
async def served():
    servers: list[Served] = []

    async def serve(receiver: Receiver) -> Served:
        s = await Served(receiver.app()).start()
        servers.append(s)
        return s

    yield serve
    for s in servers:
        await s.stop()


async def settle(fake: FakeTelegram) -> None:
    async with asyncio.timeout(20):
        await fake.webhook.idle()


async def test_per_chat_fifo_next_only_after_2xx_retries_and_the_secret(served):
    fake = world()
    rx = Receiver(delay=0.01)
    s = await served(rx)
    status, _ = await fake.call("setWebhook", {"url": f"{s.base}/hook", "secret_token": "abc-123"})
    assert status == 200
    a = [fake.send_text(A, USERS[i % 5 + 1], f"a{i}")["update_id"] for i in range(6)]
    b = [fake.send_text(B, USERS[i % 5 + 1], f"b{i}")["update_id"] for i in range(6)]
    rx.fail[a[1]] = 3  # the chat's second update fails three times (retried after 0.2, 0.4, 0.4 s)
    fake.webhook.retry_first, fake.webhook.retry_max = 0.2, 0.4
    try:
        await settle(fake)
        info = (await fake.call("getWebhookInfo", {}))[1]["result"]
    finally:
        await fake.webhook.close()
    assert [u for u in rx.answered if u in a] == a  # in order, each once
    assert [u for u in rx.answered if u in b] == b
    received_a = [u for u, _, _ in rx.received if u in a]
    assert received_a == [a[0]] + [a[1]] * 4 + a[2:]  # nothing of A was sent while a[1] was failing
    assert rx.answered.index(b[-1]) < rx.answered.index(a[1])  # ...while B went on
    assert {h for _, _, h in rx.received} == {"abc-123"}
    assert info["pending_update_count"] == 0 and info["last_error_message"].startswith("Wrong response")
    assert info["last_error_date"] == 1_795_000_000


async def test_at_most_max_connections_in_flight(served):
    fake = world()
    rx = Receiver(delay=0.15)
    s = await served(rx)
    await fake.call("setWebhook", {"url": f"{s.base}/hook", "max_connections": 2})
    for i, uid in enumerate(USERS):  # six private chats: no order between them
        fake.send_text(uid, uid, f"p{i}")
    try:
        await settle(fake)
    finally:
        await fake.webhook.close()
    assert len(rx.answered) == 6
    assert rx.max_in_flight == 2 and fake.webhook.max_in_flight == 2


async def test_get_updates_refused_while_a_webhook_is_set_and_pending_updates_kept(served):
    fake = world()
    s = await served(Receiver())
    await fake.call("setWebhook", {"url": f"{s.base}/nowhere"})  # 404: nothing is acknowledged
    fake.send_text(A, USERS[1], "x")
    await eventually(lambda: len(fake.webhook.attempts) >= 2)  # refused, and retried
    status, body = await fake.call("getUpdates", {"timeout": 0})
    assert status == 409 and "webhook is active" in body["description"]
    info = (await fake.call("getWebhookInfo", {}))[1]["result"]
    assert info["pending_update_count"] == 1 and "404" in info["last_error_message"]
    assert all(st == 404 for _, st in fake.webhook.attempts)
    await fake.call("deleteWebhook", {})
    status, body = await fake.call("getUpdates", {"timeout": 0})
    assert status == 200 and [u["message"]["text"] for u in body["result"]] == ["x"]
    await fake.webhook.close()


async def test_set_webhook_checks_its_parameters_and_drops_pending_only_when_asked():
    fake = world()
    assert (await fake.call("setWebhook", {"url": "ftp://x", "secret_token": "ok"}))[0] == 400
    assert (await fake.call("setWebhook", {"url": "https://x.example/h", "secret_token": "no spaces"}))[0] == 400
    assert (await fake.call("setWebhook", {"url": "https://x.example/h", "max_connections": 101}))[0] == 400
    fake.send_text(A, USERS[1], "kept")
    await fake.call("deleteWebhook", {})
    assert len(fake.pending_updates()) == 1
    await fake.call("deleteWebhook", {"drop_pending_updates": True})
    assert fake.pending_updates() == []
