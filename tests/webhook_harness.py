"""The bot in webhook mode for tests: the real application and ASGI app (bot/web.py) under uvicorn on a free
port, the fake Bot API delivering to it by webhook (fakegram/webhook_delivery.py). `HookSim` is a `Sim` whose
`deliver` waits for the fake's webhook to hand over what is queued, so the usual helpers (`onboard`,
`say`, `tap`) drive the bot through HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from bot.app import allowed_updates, build_application
from bot.sim import Sim
from bot.web import WebhookApp
from fakegram import FakeRequest

SECRET = "s3cret_for-tests"
PATH = "/telegram/hook-7f3a"


class Served:
    """An ASGI app under uvicorn on 127.0.0.1 and a free port, in this event loop."""

    def __init__(self, app: ASGIApp) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = int(self.sock.getsockname()[1])
        self.server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="on"))
        self.server.install_signal_handlers = lambda: None  # type: ignore[method-assign]  # older uvicorn
        self.task: asyncio.Task[None] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> Served:
        self.task = asyncio.create_task(self.server.serve(sockets=[self.sock]))
        async with asyncio.timeout(20):
            while not self.server.started:
                if self.task.done():
                    self.task.result()  # start-up failed: raise its error
                await asyncio.sleep(0.01)
        return self

    async def stop(self) -> None:
        self.server.should_exit = True
        if self.task is not None:
            await self.task
        with contextlib.suppress(OSError):
            self.sock.close()


class HookSim(Sim):
    def __init__(self, *args: Any, schedule_jobs: bool = False, max_connections: int = 40,
                 fake_secret: str = SECRET, **kwargs: Any) -> None:
        kwargs.setdefault("webhook_url", f"https://bot.example.org{PATH}")
        kwargs.setdefault("webhook_secret", SECRET)
        super().__init__(*args, **kwargs)
        self.schedule_jobs = schedule_jobs
        self.max_connections = max_connections
        self.fake_secret = fake_secret
        self.fake.webhook.retry_first = 0.05
        self.fake.webhook.retry_max = 0.4
        self.web: WebhookApp | None = None
        self.served: Served | None = None

    async def start(self) -> HookSim:
        app = build_application(self.settings, request=FakeRequest(self.fake), clock=self.clock,
                                rate_limit=False, schedule_jobs=self.schedule_jobs, concurrency=self.concurrency)
        self.web = WebhookApp(app, self.settings)
        self.served = await Served(self.web.asgi()).start()
        self.app = app
        await self.set_webhook(self.fake_secret)
        return self

    async def set_webhook(self, secret: str, **params: Any) -> None:
        assert self.served is not None
        status, body = await self.fake.call("setWebhook", {
            "url": f"{self.served.base}{PATH}", "secret_token": secret,
            "max_connections": self.max_connections, "allowed_updates": allowed_updates(), **params})
        assert status == 200, body

    async def stop(self) -> None:
        await self.fake.webhook.close()
        if self.served is not None:
            await self.served.stop()  # the lifespan's end stops the application
            self.served = None
        self.app = None

    async def settle(self, limit_s: float = 20) -> None:
        async with asyncio.timeout(limit_s):
            await self.fake.webhook.idle()

    async def deliver(self, update: dict[str, Any]) -> dict[str, Any]:
        """The fake queued `update` when it was built; its webhook sends it: wait until all is answered."""
        await self.settle()
        return update


async def eventually(pred: Any, limit_s: float = 10.0, step_s: float = 0.01) -> None:
    """Wait until `pred()` holds (polling: for what no event signals), or fail after `limit_s`."""
    for _ in range(int(limit_s / step_s)):
        if pred():
            return
        await asyncio.sleep(step_s)
    raise AssertionError(f"still false after {limit_s}s: {pred}")
