"""Webhook mode end to end (issue 16): the real application and ASGI app (bot/web.py) under uvicorn on a free
port, the fake Bot API delivering by webhook as Telegram does (fakegram/webhook_delivery.py), a fixed clock.
On SQLite and on PostgreSQL (`db_target`): webhook mode is how PostgreSQL deployments run."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import httpx
import pytest

from bot.cli import main as cli_main
from fakegram import serve, server_port
from tests.conftest import ANI, BUDI, CITRA, GROUP, PIC, cast, onboard
from tests.full_disk import FullDisk
from tests.webhook_harness import PATH, SECRET, HookSim, eventually


@pytest.fixture
async def hook(db_target, clock):
    s = HookSim(db_target, clock=clock)
    cast(s.fake)
    await s.start()
    yield s
    await s.stop()


def _attempts(sim: HookSim, uid: int) -> list[int | str]:
    return [status for u, status in sim.fake.webhook.attempts if u == uid]


async def _post(sim: HookSim, body: bytes | dict, secret: str | None = SECRET) -> httpx.Response:
    assert sim.served is not None
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    async with httpx.AsyncClient() as client:
        return await client.post(f"{sim.served.base}{PATH}", content=content, headers=headers)


async def test_a_groups_updates_are_handled_in_order_while_chats_run_in_parallel(hook):
    await onboard(hook)
    f = hook.fake
    members = (PIC, ANI, BUDI, CITRA)
    for uid in members:
        await hook.say(uid, uid, "/start")
    before = len(f.bot_messages(GROUP))
    sent = []
    for i in range(12):  # the group's commands interleaved with private ones, all queued at once
        sent.append(f.send_text(GROUP, members[i % 4], "/bantuan")["message"]["message_id"])
        f.send_text(members[(i + 1) % 4], members[(i + 1) % 4], "/bantuan")
    await hook.settle()
    answers = [(m.get("reply_to_message") or {}).get("message_id") for m in f.bot_messages(GROUP)[before:]]
    assert answers == sent  # one answer each, in the order they were written
    assert all(status == 200 for _, status in f.webhook.attempts)
    uids = [u for u, _ in f.webhook.attempts]
    assert len(uids) == len(set(uids))  # each update delivered once
    assert f.webhook.max_in_flight > 1  # other chats did not wait for the group


async def test_a_wrong_secret_is_refused_and_nothing_is_handled_until_it_is_right(hook):
    await onboard(hook)
    f = hook.fake
    handled = await hook.services.db.scalar("SELECT COUNT(*) FROM processed_updates")
    await hook.set_webhook("not-the-secret")
    uid = f.send_text(ANI, ANI, "/catat 30 menit membaca modul")["update_id"]
    await eventually(lambda: len(_attempts(hook, uid)) >= 2)  # refused, and retried
    assert set(_attempts(hook, uid)) == {403}
    assert "403" in (await f.call("getWebhookInfo", {}))[1]["result"]["last_error_message"]
    assert (await _post(hook, {"update_id": uid + 1000}, secret=None)).status_code == 403
    assert await hook.services.db.scalar("SELECT COUNT(*) FROM learning_logs") == 0
    assert await hook.services.db.scalar("SELECT COUNT(*) FROM processed_updates") == handled
    await hook.set_webhook(SECRET)  # the operator fixes it: Telegram still holds the update
    await hook.settle()
    assert _attempts(hook, uid)[-1] == 200
    assert await hook.services.db.scalar("SELECT COUNT(*) FROM learning_logs") == 1
    assert hook.last_text(ANI).startswith("📝")


async def test_a_handler_crash_answers_500_and_the_retry_is_handled_once(hook, db_target):
    """A full disk makes the handler's write raise: 500, Telegram retries; once there is room, it is handled
    — once, with no trace of the failed attempt."""
    await onboard(hook)
    f = hook.fake
    await hook.say(ANI, ANI, "/start")
    db = hook.services.db
    disk = FullDisk(db, db_target)
    await disk.fill()
    note = "webinar asesmen formatif " * 8
    crashed = None
    sent = 0
    try:
        for i in range(80):  # until a write needs a new page
            uid = f.send_text(ANI, ANI, f"/catat 30 menit {note}{i}")["update_id"]
            sent += 1
            await eventually(lambda: _attempts(hook, uid), step_s=0.002)  # noqa: B023
            if _attempts(hook, uid)[0] == 500:
                crashed = uid
                break
            await hook.settle()
    finally:
        disk.free()
    assert crashed is not None, "the database never filled up: the test proves nothing"
    await hook.settle()
    tries = _attempts(hook, crashed)
    assert tries[0] == 500 and tries[-1] == 200 and set(tries) <= {500, 200}
    assert await db.scalar("SELECT COUNT(*) FROM learning_logs") == sent  # each /catat stored once
    assert await db.scalar("SELECT 1 FROM processed_updates WHERE update_id = ?", (crashed,)) == 1
    sorry = hook.services.renderer.render("id", "errors/internal")
    texts = hook.texts(ANI)
    assert texts.count(sorry) == tries.count(500) and texts[-1].startswith("📝")


async def test_a_redelivered_update_is_handled_once_by_this_process_another_and_a_new_one(hook, clock, db_target):
    welcome = await onboard(hook)
    f = hook.fake
    # another worker on the same database and Telegram, started before the update is handled (as several
    # PostgreSQL workers are)
    other = await HookSim(db_target, clock=clock, fake=f).start()
    await f.webhook.close()  # from here on, we play Telegram re-sending by hand
    role = hook.services.renderer.t("id", "role.subject")
    update = f.press_button(GROUP, welcome["message_id"], ANI, role)  # Ani changes her role: a write

    def answers() -> int:
        return sum(1 for m, p in f.calls if m == "answerCallbackQuery"
                   and p.get("callback_query_id") == update["callback_query"]["id"])

    try:
        first = await _post(hook, update)
        again = await _post(hook, update)  # e.g. Telegram timed out waiting for the first answer
        elsewhere = await _post(other, update)  # ...and its retry reached the other worker
        assert [r.status_code for r in (first, again, elsewhere)] == [200, 200, 200]
    finally:
        await other.stop()
    await hook.restart()  # a new process: nothing in memory
    assert (await _post(hook, update)).status_code == 200
    assert answers() == 1  # handled once: one answer to the tap
    assert await hook.services.db.scalar("SELECT 1 FROM processed_updates WHERE update_id = ?",
                                         (update["update_id"],)) == 1
    assert (await _post(hook, b"{not json")).status_code == 400


async def test_health_readiness_and_metrics(hook):
    await onboard(hook)
    await hook.tick()
    base = hook.served.base
    async with httpx.AsyncClient() as client:
        assert (await client.get(f"{base}/healthz")).text == "ok"
        ready = await client.get(f"{base}/readyz")
        metrics = (await client.get(f"{base}/metrics")).text
        assert (await client.get(f"{base}{PATH}")).status_code == 405  # the webhook takes POST only
    expected = max(v for v, _, _ in hook.services.db.migration_files())
    assert ready.status_code == 200 and ready.json() == {"ready": True, "schema": expected}
    for name in ('kombel_updates_total{kind="message",outcome="handled"}',
                 'kombel_updates_total{kind="callback_query",outcome="handled"}',
                 'kombel_update_seconds_bucket{kind="message",le="+Inf"}', "kombel_outbox_backlog 0.0",
                 "kombel_outbox_oldest_age_seconds 0.0", "kombel_tick_seconds_count", "kombel_sends_total",
                 "kombel_telegram_429_total", "kombel_ambiguous_sends_total"):
        assert name in metrics, name
    # an outbox key a crash left 'sending' an hour ago is backlog
    async with hook.services.db.tx(mark=False) as tx:
        await tx.execute("INSERT INTO outbox (key, chat_id, created_at, status) VALUES ('t:1', ?, ?, 'sending')",
                         (GROUP, hook.services.now_ts() - 3600))
    async with hook.services.db.tx(mark=False) as tx:  # a migration this code does not know
        await tx.execute("INSERT INTO schema_migrations (version, name) VALUES (9999, 'from_the_future')")
    async with httpx.AsyncClient() as client:
        metrics = (await client.get(f"{base}/metrics")).text
        ready = await client.get(f"{base}/readyz")
    assert "kombel_outbox_backlog 1.0" in metrics and "kombel_outbox_oldest_age_seconds 3600.0" in metrics
    assert ready.status_code == 503 and ready.json()["reason"] == "migrations"


async def test_the_scheduler_pass_runs_in_serve_mode(db_target, clock):
    s = HookSim(db_target, clock=clock, schedule_jobs=True)
    await s.start()
    try:
        jobs = s.app.job_queue.get_jobs_by_name("scheduler-pass")
        assert len(jobs) == 1
        from bot.metrics import TICK_SECONDS
        count = lambda: next(m.value for m in TICK_SECONDS.collect()[0].samples if m.name.endswith("_count"))  # noqa: E731
        before = count()
        await eventually(lambda: count() > before)  # its first run is a second after start
    finally:
        await s.stop()


@pytest.mark.sqlite_only("SQLite's one writer refuses several workers; tests/test_pg_multiworker.py runs three on PostgreSQL")
def test_several_workers_on_sqlite_are_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456789:" + "A" * 35)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'k.sqlite3'}")
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org/hook")
    monkeypatch.setenv("WEBHOOK_SECRET", "abc")
    assert cli_main(["serve", "--workers", "3"]) == 2
    assert "SQLite" in capsys.readouterr().err
    monkeypatch.delenv("WEBHOOK_SECRET")
    assert cli_main(["serve"]) == 2
    assert "WEBHOOK_SECRET is not set" in capsys.readouterr().err
    monkeypatch.setenv("WEBHOOK_SECRET", "has spaces")
    assert cli_main(["serve"]) == 2


async def test_webhook_set_info_delete_for_operators(tmp_path, monkeypatch, capsys, clock):
    """The operator commands against the fake Bot API over HTTP."""
    hooked = HookSim(tmp_path / "unused.sqlite3", clock=clock)  # only for its fake
    fake = hooked.fake
    server = await serve(fake, port=0)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456789:" + "A" * 35)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", f"http://127.0.0.1:{server_port(server)}/bot")
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org/telegram/hook")
    monkeypatch.setenv("WEBHOOK_SECRET", "operator-secret_1")
    try:
        assert await asyncio.to_thread(cli_main, ["webhook", "set", "--max-connections", "12"]) == 0
        out = capsys.readouterr().out
        assert fake.webhook.url == "https://bot.example.org/telegram/hook" and fake.webhook.secret == "operator-secret_1"
        assert fake.webhook.max_connections == 12 and "chat_member" in (fake.webhook.allowed_updates or [])
        set_call = next(p for m, p in fake.calls if m == "setWebhook")
        assert str(set_call.get("drop_pending_updates", False)).lower() in ("false", "0")
        assert "max connections: 12" in out and "operator-secret" not in out
        assert await asyncio.to_thread(cli_main, ["webhook", "info"]) == 0
        assert "url: https://bot.example.org/telegram/hook" in capsys.readouterr().out
        assert await asyncio.to_thread(cli_main, ["webhook", "delete"]) == 0
        assert fake.webhook.url == "" and "url: (none: long polling)" in capsys.readouterr().out
    finally:
        await fake.webhook.close()
        server.close()


@pytest.mark.sqlite_only("SQLite's read-only connection; test_health_readiness_and_metrics reads them on PostgreSQL")
def test_sqlite_is_untouched_by_the_health_queries(tmp_path):
    """/readyz and /metrics only read: a read-only connection answers them (no write lock is taken)."""
    import asyncio as aio

    from storage.db import Database
    from storage.health import Health

    async def go() -> tuple[int, int]:
        db = await Database(tmp_path / "h.sqlite3").open()
        try:
            h = Health(db)
            return await h.applied_version(), (await h.outbox_backlog()).count
        finally:
            await db.close()

    version, backlog = aio.run(go())
    assert version == max(v for v, _, _ in Database.migration_files()) and backlog == 0
    assert sqlite3.connect(tmp_path / "h.sqlite3").execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0


async def test_429s_the_rate_limiter_waits_out_are_counted(db_target, clock):
    from prometheus_client import REGISTRY

    from bot.sim import Sim
    from fakegram import FakeTelegram

    fake = FakeTelegram(clock=lambda: clock.now().timestamp())
    fake.user(ANI, "Ani")
    fake.send_text(ANI, ANI, "/start")  # the private chat exists
    async with Sim(db_target, clock=clock, fake=fake, rate_limit=True) as sim:  # PTB's AIORateLimiter
        def count() -> float:
            return REGISTRY.get_sample_value("kombel_telegram_429_total") or 0.0

        before = count()
        fake.fail_next("sendMessage", code=429, retry_after=1, chat_id=ANI)
        await sim.app.bot.send_message(ANI, "halo")  # PTB's limiter waits a second and sends again
        assert count() == before + 1
        assert fake.texts(ANI)[-1] == "halo"
