"""`kombel-bot serve` as a separate deployment, for the multi-worker test (tests/test_pg_multiworker.py) and
the workers benchmark (bench/bench_workers.py): the real command in its own process group, the fake Bot API
(served over HTTP by the caller) as its Telegram, a fixed clock start.

`Workers.alive()` lists uvicorn's worker processes (the supervisor restarts one that dies); `ready(n)` waits
until /readyz answers and n workers run; `hook(fake)` registers the webhook with the fake."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from bot.app import allowed_updates
from bot.sim import SIM_TOKEN

SECRET = "multi-worker-secret"
HOOK_PATH = "/telegram/hook"
BIN = Path(sys.executable).parent / "kombel-bot"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def children(pid: int) -> list[int]:
    """uvicorn's worker processes (not multiprocessing's resource tracker, nor one that died unreaped)."""
    try:
        kids = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    alive = []
    for kid in kids:
        try:
            cmd = Path(f"/proc/{kid}/cmdline").read_bytes()
            state = Path(f"/proc/{kid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if b"resource_tracker" not in cmd and state != "Z":
            alive.append(kid)
    return alive


class Workers:
    def __init__(self, database: str, api: str, start: datetime, *, workers: int = 3, answer_first: bool = False,
                 env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.workers = workers
        full = {**os.environ, "TELEGRAM_BOT_TOKEN": SIM_TOKEN, "TELEGRAM_API_BASE_URL": api,
                "DATABASE_URL": database, "WEBHOOK_URL": f"https://bot.example.org{HOOK_PATH}",
                "WEBHOOK_SECRET": SECRET, "CLOCK_START": start.isoformat(), "LOG_LEVEL": "WARNING",
                "KOMBEL_TEST_ANSWER_FIRST": "1" if answer_first else "", **(env or {})}
        self.log = tempfile.TemporaryFile()  # the workers' log, shown when a check fails
        args = [str(BIN), "serve", "--port", str(self.port)] + (["--workers", str(workers)] if workers > 1 else [])
        self.proc = subprocess.Popen(args, env=full, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def tail(self, n: int = 4000) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-n:]

    def alive(self) -> list[int]:
        return children(self.proc.pid) if self.workers > 1 else [self.proc.pid]

    async def ready(self, n: int | None = None, limit_s: float = 60) -> None:
        want = self.workers if n is None else n
        async with asyncio.timeout(limit_s), httpx.AsyncClient() as client:
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"kombel-bot serve exited:\n{self.tail()}")
                try:
                    ok = (await client.get(f"http://127.0.0.1:{self.port}/readyz")).status_code == 200
                except httpx.HTTPError:
                    ok = False
                if ok and len(self.alive()) >= want:
                    return
                await asyncio.sleep(0.2)

    async def hook(self, fake: Any, max_connections: int = 40) -> None:
        status, body = await fake.call("setWebhook", {
            "url": f"http://127.0.0.1:{self.port}{HOOK_PATH}", "secret_token": SECRET,
            "max_connections": max_connections, "allowed_updates": allowed_updates()})
        if status != 200:
            raise RuntimeError(f"setWebhook: {body}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the deployment's own process group, nothing else
        self.proc.wait(10)
