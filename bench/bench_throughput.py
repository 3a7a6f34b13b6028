"""Update throughput: realistic updates through the real Application vs a no-op PTB application.

Both applications are python-telegram-bot `Application`s with the same transport (the in-process fake
Bot API), the same update processor (chats in parallel, one chat in order) and the same updates, fed
through `update_queue` exactly as the poller would. The no-op application answers every update the way
a person sees ours answer (one message, or one callback answer) and does nothing else: no storage, no
templates. So the ratio is the price of our work — durable writes, reads, rendering — per update.

    .venv/bin/python -m bench.bench_throughput [--updates 20000] [--communities 100] [--members 12]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, CallbackQueryHandler, MessageHandler, filters

from bot.concurrency import PerChatUpdateProcessor
from bot.sim import SIM_TOKEN, Sim
from fakegram import FakeRequest, FakeTelegram

WORKLOADS: dict[str, Any] = {}


def workload(name: str):
    def deco(fn):
        WORKLOADS[name] = fn
        return fn
    return deco


async def setup_world(sim: Sim, communities: int, members: int) -> list[dict[str, Any]]:
    """Communities onboarded through the bot itself; returns per-community context for the workload."""
    fake = sim.fake
    world = []
    uid = 10_000
    for c in range(communities):
        chat = -100_000_000_000 - c
        pic = uid
        uid += 1
        mems = list(range(uid, uid + members))
        uid += members
        for u in [pic, *mems]:
            fake.user(u, f"Guru{u}")
        fake.group(chat, f"Kombel {c}", supergroup=True, admins=[pic], members=mems, bot_member=False)
        await sim.deliver(fake.add_bot(chat, pic))
        welcome = fake.last_bot_message(chat)["message_id"]
        for u in mems:
            await sim.deliver(fake.press_button(chat, welcome, u, "Guru kelas"))
        world.append({"chat": chat, "pic": pic, "members": mems, "welcome": welcome})
    return world


@workload("mixed")
def mixed(fake: FakeTelegram, world: list[dict[str, Any]], n: int, rng: random.Random) -> list[dict]:
    """Taps on role buttons (writes), /bantuan (reads), replies to a bot message (routing)."""
    out = []
    for _ in range(n):
        w = rng.choice(world)
        u = rng.choice(w["members"])
        r = rng.random()
        if r < 0.5:
            out.append(fake.press(w["chat"], w["welcome"], u, rng.choice(["jn:classroom", "jn:subject", "jn:pe"])))
        elif r < 0.8:
            out.append(fake.send_text(w["chat"], u, "/bantuan"))
        else:
            out.append(fake.send_text(w["chat"], u, "jawaban saya", reply_to=w["welcome"]))
    return out


async def drain(app: Application, n: int, updates: list[dict]) -> float:
    proc: PerChatUpdateProcessor = app.update_processor  # type: ignore[assignment]
    start_count = proc.processed
    started = time.perf_counter()
    for u in updates:
        await app.update_queue.put(Update.de_json(u, app.bot))
    await proc.wait_processed(start_count + n)
    return time.perf_counter() - started


def noop_app(fake: FakeTelegram) -> Application:
    app = (ApplicationBuilder().token(SIM_TOKEN).request(FakeRequest(fake)).get_updates_request(FakeRequest(fake))
           .concurrent_updates(PerChatUpdateProcessor(64)).build())

    async def on_message(update: Update, ctx: Any) -> None:
        await ctx.bot.send_message(update.effective_chat.id, "ok")

    async def on_callback(update: Update, _ctx: Any) -> None:
        await update.callback_query.answer("ok")

    app.add_handler(MessageHandler(filters.ALL, on_message))
    app.add_handler(CallbackQueryHandler(on_callback))
    return app


async def noop_world(fake: FakeTelegram, world: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same chats and people for the no-op application, with a welcome message to press and reply to."""
    out = []
    for w in world:
        for u in [w["pic"], *w["members"]]:
            fake.user(u, f"Guru{u}")
        fake.group(w["chat"], "x", supergroup=True, admins=[w["pic"]], members=w["members"])
        _, body = await fake.call("sendMessage", {"chat_id": w["chat"], "text": "welcome", "reply_markup": {
            "inline_keyboard": [[{"text": "Guru kelas", "callback_data": "jn:classroom"}]]}})
        out.append({**w, "welcome": body["result"]["message_id"]})
    return out


async def run(n: int, communities: int, members: int, name: str, seed: int = 7) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        sim = Sim(Path(tmp) / "bench.sqlite3")
        async with sim:
            world = await setup_world(sim, communities, members)
            updates = WORKLOADS[name](sim.fake, world, n, random.Random(seed))
            fake2 = FakeTelegram()
            world2 = await noop_world(fake2, world)
            noop_updates = WORKLOADS[name](fake2, world2, n, random.Random(seed))
            noop = noop_app(fake2)
            await noop.initialize()
            await noop.start()
            t_noop = await drain(noop, n, noop_updates)
            await noop.stop()
            await noop.shutdown()
            commits_before = sim.services.db.commits
            t_app = await drain(sim.app, n, updates)
            commits = sim.services.db.commits - commits_before
    return {"n": n, "noop_s": t_noop, "app_s": t_app, "noop_rate": n / t_noop, "app_rate": n / t_app,
            "ratio": t_noop / t_app, "commits": commits}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--updates", type=int, default=20_000)
    ap.add_argument("--communities", type=int, default=100)
    ap.add_argument("--members", type=int, default=12)
    ap.add_argument("--workload", default="mixed", choices=sorted(WORKLOADS))
    ap.add_argument("--repeat", type=int, default=1)
    a = ap.parse_args()
    rows = [asyncio.run(run(a.updates, a.communities, a.members, a.workload, seed=7 + i)) for i in range(a.repeat)]
    print(f"{'run':>3} {'updates':>8} {'no-op/s':>9} {'kombel/s':>9} {'ratio':>6} {'commits':>8}")
    for i, r in enumerate(rows):
        print(f"{i:>3} {r['n']:>8} {r['noop_rate']:>9.0f} {r['app_rate']:>9.0f} {r['ratio']:>6.2f} {r['commits']:>8}")
    if len(rows) > 1:
        print(f"median ratio {statistics.median(r['ratio'] for r in rows):.2f}")


if __name__ == "__main__":
    main()
