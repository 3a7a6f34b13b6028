"""Logs never contain what members wrote nor the bot token (issue 7, UU 27/2022): a flow with distinctive
answers, including error paths (Telegram refusing, timing out, a blocked member), with every logger at
DEBUG — in process through the application, and in the real bot process started by `kombel-bot run`."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import signal
from datetime import UTC, datetime

import pytest

from bench.bench_crash import FAKE_TOKEN, GA, Harness, build_world
from bot.clock import ManualClock
from bot.logsafe import JsonFormatter
from bot.sim import SIM_TOKEN, Sim
from fakegram import serve, server_port
from storage.backends import is_postgres
from tests.webhook_harness import SECRET, HookSim

ANSWER = "1. RAHASIA-jawaban-Ani-7731 murid kelas 4 belum lancar"  # a reply to the stage card
LOGGED = "RAHASIA-catat-5519"
GROUP, PIC, ANI = -1004000000001, 930001, 930002


@pytest.mark.parametrize("fmt,webhook", [("text", False), ("json", False), ("json", True)])
async def test_debug_logs_in_process_hold_no_answer_nor_token(db_target, fmt, webhook):
    """As text and as JSON lines (LOG_FORMAT=json), polling-style and in webhook mode (bot/web.py)."""
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        sim = (HookSim if webhook else Sim)(db_target, clock=ManualClock(datetime(2026, 11, 24, 1, 0, tzinfo=UTC)))
        f = sim.fake
        f.user(PIC, "Sari")
        f.user(ANI, "Ani")
        f.group(GROUP, "Kombel Log", supergroup=True, admins=[PIC], members=[ANI], bot_member=False)
        await sim.start()
        try:
            await sim.deliver(f.add_bot(GROUP, PIC))
            await sim.tap(GROUP, f.last_bot_message(GROUP)["message_id"], ANI, "Guru kelas")
            await sim.say(ANI, ANI, "/start")
            await sim.say(GROUP, PIC, "/siklus mulai literasi kelas 4: 40% → 70% tuntas")
            prompt = await sim.services.db.scalar("SELECT message_id FROM cycle_prompts ORDER BY message_id")
            await sim.say(GROUP, ANI, ANSWER, reply_to=prompt)
            await sim.say(ANI, ANI, f"/catat 30 menit {LOGGED}")
            # error paths: Telegram refuses the reply, then times out, then the member has blocked the bot
            f.fail_next("sendMessage", code=400, description="Bad Request: can't parse entities")
            await sim.say(ANI, ANI, f"/catat 20 menit {LOGGED}-2")
            f.timeout_next("sendMessage", deliver=True)
            await sim.say(GROUP, ANI, ANSWER + " (edit)", reply_to=prompt + 1)
            f.fail_next("sendMessage", code=403, description="Forbidden: bot was blocked by the user")
            await sim.say(ANI, ANI, f"/catat 10 menit {LOGGED}-3")
            assert await sim.services.db.scalar("SELECT COUNT(*) FROM learning_logs") == 3
        finally:
            await sim.stop()
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    out = buf.getvalue()
    if fmt == "json":
        lines = [json.loads(line) for line in out.splitlines()]  # every line is one JSON object
        assert {"time", "level", "logger", "message"} <= set(lines[0])
        out = "\n".join(f"{e['logger']} {e['level']} {e['message']} {e.get('exc', '')}" for e in lines) + "\n"
    if webhook:
        assert "webhook mode: serving updates" in out
    # the capture saw DEBUG lines (aiosqlite's, statement by statement; psycopg logs none): not vacuous
    assert out.count("\n") > 5 and (" DEBUG " in out or is_postgres(db_target))
    assert "Telegram refused" in out  # the error path was logged
    for secret in (ANSWER[:20], LOGGED, SIM_TOKEN, SIM_TOKEN.split(":")[1], SECRET):
        assert secret not in out, secret


async def test_debug_log_of_the_real_bot_process_holds_no_answer_nor_token(tmp_path, db_target):
    h = Harness(tmp_path, seed=1, members=4, log_level="DEBUG", database=db_target)
    world = await build_world(h.target, h.fake, 4, h.rng)
    server = await serve(h.fake, port=0)
    try:
        await h.spawn(server_port(server))
        answerer = world.members[0]
        answer_upd = h.fake.send_text(GA, answerer, ANSWER, reply_to=world.prompts[0])
        h.fake.fail_next("sendMessage", code=400, description="Bad Request: message text is empty", chat_id=answerer)
        h.fake.send_text(answerer, answerer, f"/catat 30 menit {LOGGED}")
        for _ in range(100):  # until both are handled (the answer gets its 👍, the log is stored)
            await asyncio.sleep(0.1)
            if h.fake.reactions(GA, answer_upd["message"]["message_id"]) and not h.fake.pending_updates() \
                    and any(c[0] == "sendMessage" and c[1].get("chat_id") in (answerer, str(answerer))
                            for c in h.fake.calls[-20:]):
                break
        await asyncio.sleep(0.5)
        h.proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(h.proc.wait(), 15)
    finally:
        if h.proc is not None and h.proc.returncode is None:
            h.proc.kill()
            await h.proc.wait()
        server.close()
    out = h.log_path.read_text(errors="replace")
    assert " DEBUG " in out and "Traceback" not in out
    for secret in (ANSWER[:20], LOGGED, FAKE_TOKEN, FAKE_TOKEN.split(":")[1]):
        assert secret not in out, secret


async def test_json_log_of_the_real_serve_process_holds_no_answer_token_nor_secret(tmp_path, db_target):
    """`kombel-bot serve` with LOG_FORMAT=json at DEBUG, the fake delivering by webhook over HTTP: every line
    is a JSON object, the answer is handled, and neither it, the token nor the webhook secret is logged."""
    import os
    import socket
    import sys

    from bench.bench_crash import world_now

    h = Harness(tmp_path, seed=1, members=4, log_level="DEBUG", database=db_target)
    world = await build_world(h.target, h.fake, 4, h.rng)
    server = await serve(h.fake, port=0)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, TELEGRAM_BOT_TOKEN=FAKE_TOKEN, DATABASE_URL=h.store.url,
               TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{server_port(server)}/bot", LOG_LEVEL="DEBUG",
               LOG_FORMAT="json", DEFAULT_TIMEZONE="Asia/Makassar", CLOCK_START=world_now(h.fake).isoformat(),
               WEBHOOK_URL="https://bot.example.org/tg/hook", WEBHOOK_SECRET=SECRET)
    proc = None
    try:
        with h.log_path.open("wb") as log:  # noqa: ASYNC230
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "serve", "--port", str(port), cwd=h.workdir, env=env,
                stdout=log, stderr=log)
        status, _ = await h.fake.call("setWebhook", {"url": f"http://127.0.0.1:{port}/tg/hook",
                                                     "secret_token": SECRET})
        assert status == 200
        answerer = world.members[0]
        upd = h.fake.send_text(GA, answerer, ANSWER, reply_to=world.prompts[0])
        for _ in range(600):  # until the answer gets its 👍 (the server needs a moment to start)
            await asyncio.sleep(0.1)
            if h.fake.reactions(GA, upd["message"]["message_id"]) and not h.fake.pending_updates():
                break
        assert h.fake.reactions(GA, upd["message"]["message_id"]), h.log_path.read_text(errors="replace")[-3000:]
        assert 200 in [st for u, st in h.fake.webhook.attempts if u == upd["update_id"]]
        proc.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully, then ends by the signal it caught (as systemd expects)
        assert await asyncio.wait_for(proc.wait(), 20) in (0, -signal.SIGTERM)
    finally:
        await h.fake.webhook.close()
        if proc is not None and proc.returncode is None:
            proc.kill()
            await proc.wait()
        server.close()
    lines = [json.loads(line) for line in h.log_path.read_text(errors="replace").splitlines()]
    out = "\n".join(f"{e['level']} {e['logger']} {e['message']} {e.get('exc', '')}" for e in lines)
    assert "DEBUG" in out and "webhook mode: serving updates at /tg/hook" in out and "Traceback" not in out
    assert "Application shutdown complete" in out
    for secret in (ANSWER[:20], FAKE_TOKEN, FAKE_TOKEN.split(":")[1], SECRET):
        assert secret not in out, secret
