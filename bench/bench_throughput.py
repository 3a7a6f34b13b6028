"""Update throughput: realistic updates through the real Application vs two no-op PTB applications.

The *bare* baseline is python-telegram-bot alone: an `Application` whose one handler does nothing
(`TypeHandler(Update, noop)`), PTB's own update processor, a transport that answers from a canned reply
without any work (only start-up calls it), fed the very same update dicts the same way (parsed with
`Update.de_json`, as PTB's Updater does). The ratio against it is the whole price of Kombel per update:
our parsing, dispatch, durable writes, reads, rendering and the calls to Telegram (through the fake Bot
API, whose work stands in for Telegram's servers).

The *replying* baseline (the one issue 7 used) answers every update the way a person sees ours answer
(one `sendMessage`, or one callback answer) through the fake Bot API, with our per-chat update processor,
on a copy of the world whose messages are plain (no formatting, keyboards of bare labels): it shows how
much of the gap is transport and processing rather than our work.

    .venv/bin/python -m bench.bench_throughput [--updates 20000] [--communities 100] [--members 12]
        [--workload realistic|answers|taps|log|lookups] [--rounds 10] [--naive-updates 4000] [--repeat 1]
        [--parse shared|trimmed|whole] [--profile FILE] [--database postgresql://…]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import random
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    MessageHandler,
    SimpleUpdateProcessor,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest, RequestData

from bot.clock import ManualClock
from bot.concurrency import PerChatUpdateProcessor
from bot.rawupdate import ENCLOSED, parse_update, trim
from bot.sim import SIM_TOKEN, Sim
from fakegram import FakeRequest, FakeTelegram

WORKLOADS: dict[str, Any] = {}
# How our application's feed parses a getUpdates batch into Updates. `shared` is what the poller does
# (bot.rawupdate.parse_update: the message a person sent built without PTB's frozen check, an enclosed
# message trimmed and built once); the others are the steps towards it, kept to measure them: `whole` is
# PTB's Update.de_json of everything, `trimmed` drops what the handlers never read of an enclosed message
# but builds it every time.


def _each(parse: Any) -> Any:
    return lambda updates, bot: [parse(u, bot) for u in updates]


PARSERS: dict[str, Any] = {"whole": _each(Update.de_json), "trimmed": _each(lambda u, bot: Update.de_json(trim(u), bot)),
                           "shared": _each(parse_update)}
POLL_LIMIT = 100  # getUpdates' limit, as bot.polling.DurablePoller asks


def _buttons(fake: FakeTelegram, chat: int, message_id: int) -> list[str]:
    markup = fake.reply_markup(chat, message_id) or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row if "callback_data" in b]


async def setup_world(sim: Sim, communities: int, members: int) -> list[dict[str, Any]]:
    """Communities onboarded and running through the bot itself: a weekly meeting with its reminder
    (RSVP buttons), an open inquiry-cycle stage (prompts to reply to) and an open pulse survey (buttons)."""
    fake = sim.fake
    db = sim.services.db
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
        for u in [pic, *mems]:
            await sim.deliver(fake.press_button(chat, welcome, u, "Guru kelas"))
        await sim.deliver(fake.send_text(chat, pic, "/jadwal Kamis 14:00 90 Ruang guru"))
        await sim.deliver(fake.send_text(chat, pic, "/siklus mulai literasi kelas 4: 40% → 70% tuntas"))
        await sim.deliver(fake.send_text(chat, pic, "/survei pulse"))
        world.append({"chat": chat, "pic": pic, "members": mems, "welcome": welcome})
    await sim.tick()  # the day-before reminders go out now (Wednesday 14:00 local)
    for w in world:
        chat = w["chat"]
        # a stage card lists its questions: a member answers one of them with "N. …" (issue 14's cards)
        prompts = await db.fetchall(
            "SELECT p.message_id, s.questions_json FROM cycle_prompts p"  # counted here: either engine
            " JOIN cycle_stages s ON s.id = p.stage_id WHERE p.chat_id = ?", (chat,))
        w["prompts"] = [(r[0], len(json.loads(r[1]))) for r in prompts]
        items = await db.fetchall("SELECT message_id FROM survey_messages WHERE chat_id = ?", (chat,))
        reminders = await db.fetchall("SELECT message_id FROM meeting_messages WHERE chat_id = ?", (chat,))
        w["buttons"] = [(mid, data) for (mid,) in [*map(tuple, items), *map(tuple, reminders)]
                        for data in _buttons(fake, chat, mid)]
        if not w["prompts"] or not w["buttons"]:
            raise RuntimeError(f"world not ready in chat {chat}: prompts={w['prompts']} buttons={w['buttons']}")
    return world


def _answer(fake: FakeTelegram, w: dict[str, Any], u: int, i: int, rng: random.Random) -> dict:
    prompt, questions = rng.choice(w["prompts"])
    return fake.send_text(w["chat"], u, f"{rng.randint(1, questions)}. Siswa kelompok {i % 7} sudah bisa"
                          " menjelaskan ide pokok", reply_to=prompt)


def _tap(fake: FakeTelegram, w: dict[str, Any], u: int, i: int, rng: random.Random) -> dict:
    mid, data = rng.choice(w["buttons"])
    return fake.press(w["chat"], mid, u, data)


def _log(fake: FakeTelegram, w: dict[str, Any], u: int, i: int, rng: random.Random) -> dict:
    return fake.send_text(w["chat"], u, f"/catat {rng.choice([30, 45, 60, 90])} membaca modul")


def _lookup(fake: FakeTelegram, w: dict[str, Any], u: int, i: int, rng: random.Random) -> dict:
    return fake.send_text(w["chat"], u, rng.choice(["/jam", "/jadwal", "/siklus"]))


# What a school week looks like: answers by reply to cycle prompts, taps on survey and RSVP buttons, logged
# learning, and members looking things up — and each kind alone, to see where the time goes.
MIX = ((0.40, _answer), (0.35, _tap), (0.10, _log), (0.15, _lookup))


def _stream(kinds: tuple[tuple[float, Any], ...]) -> Any:
    def make(fake: FakeTelegram, world: list[dict[str, Any]], n: int, rng: random.Random) -> list[dict]:
        out = []
        for i in range(n):
            w = rng.choice(world)
            u = rng.choice(w["members"])
            r, acc = rng.random(), 0.0
            for share, kind in kinds:
                acc += share
                if r < acc or kind is kinds[-1][1]:
                    out.append(kind(fake, w, u, i, rng))
                    break
        return out
    return make


WORKLOADS.update({"realistic": _stream(MIX), "answers": _stream(((1.0, _answer),)), "taps": _stream(((1.0, _tap),)),
                  "log": _stream(((1.0, _log),)), "lookups": _stream(((1.0, _lookup),))})


async def drain(app: Application, n: int, updates: list[dict], parse: Any = PARSERS["whole"],
                window: int = POLL_LIMIT) -> tuple[float, float]:
    """Feed `updates` as the durable poller does: a getUpdates batch is parsed into Update objects
    (`parse`: ours is the poller's, the baselines' PTB's) and queued, and no more than `window`
    (getUpdates' limit) are in hand at once. Returns the wall-clock seconds and the process's CPU seconds
    (all threads: ours includes the COMMITs in aiosqlite's thread)."""
    proc = app.update_processor
    base = proc.processed  # type: ignore[attr-defined]
    # The fake Telegram's stored chats and the prepared updates live in this process only because of the
    # harness (in production they are at Telegram): frozen out of the garbage collector's view, the same
    # for every application, so none pays for scanning them.
    gc.collect()
    gc.freeze()
    started, cpu = time.perf_counter(), time.process_time()
    fed = 0
    while fed < n:
        room = window - (fed - (proc.processed - base))  # type: ignore[attr-defined]
        if room <= 0:
            await proc.wait_processed(base + fed - window + 1)  # type: ignore[attr-defined]
            continue
        for u in parse(updates[fed:fed + room], app.bot):  # a getUpdates batch of `room` updates
            await app.update_queue.put(u)
        fed = min(n, fed + room)
    await proc.wait_processed(base + n)  # type: ignore[attr-defined]
    return time.perf_counter() - started, time.process_time() - cpu


class CountingUpdateProcessor(SimpleUpdateProcessor):
    """PTB's own update processor (awaits each update as it comes, up to 64 at once), counting what it
    finished so the harness knows when a slice is done."""

    __slots__ = ("processed", "_progress")

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self.processed = 0
        self._progress = asyncio.Event()

    async def do_process_update(self, update: object, coroutine: Any) -> None:
        try:
            await coroutine
        finally:
            self.processed += 1
            self._progress.set()

    async def wait_processed(self, count: int) -> None:
        while self.processed < count:
            self._progress.clear()
            await self._progress.wait()


class CannedRequest(BaseRequest):
    """A transport doing no work: getMe gets the bot, anything else `true`. The bare application calls
    it only while starting."""

    __slots__ = ("_me",)

    def __init__(self, me: dict[str, Any]) -> None:
        self._me = json.dumps({"ok": True, "result": me}).encode()

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        return 200, self._me if url.endswith("/getMe") else b'{"ok": true, "result": true}'


def bare_app(me: dict[str, Any]) -> Application:
    """python-telegram-bot alone: one handler that does nothing, PTB's update processor, no transport."""
    app = (ApplicationBuilder().token(SIM_TOKEN).request(CannedRequest(me)).get_updates_request(CannedRequest(me))
           .concurrent_updates(CountingUpdateProcessor(64)).build())

    async def noop(_update: Update, _ctx: Any) -> None:
        return None

    app.add_handler(TypeHandler(Update, noop))
    return app


def noop_app(fake: FakeTelegram) -> Application:
    """The replying baseline: one answer per update through the fake Bot API."""
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
    """The same chats, people, prompts and buttons for the no-op application."""
    out = []
    for w in world:
        for u in [w["pic"], *w["members"]]:
            fake.user(u, f"Guru{u}")
        fake.group(w["chat"], "x", supergroup=True, admins=[w["pic"]], members=w["members"])

        async def send(markup: dict | None = None, chat: int = w["chat"]) -> int:
            params: dict[str, Any] = {"chat_id": chat, "text": "pesan"}
            if markup:
                params["reply_markup"] = markup
            _, body = await fake.call("sendMessage", params)
            return body["result"]["message_id"]

        prompts = [(await send(), questions) for _, questions in w["prompts"]]
        by_msg: dict[int, list[str]] = {}
        for mid, data in w["buttons"]:
            by_msg.setdefault(mid, []).append(data)
        buttons = []
        for datas in by_msg.values():
            mid = await send({"inline_keyboard": [[{"text": d, "callback_data": d} for d in datas]]})
            buttons += [(mid, d) for d in datas]
        out.append({**w, "prompts": prompts, "buttons": buttons})
    return out


BASELINES = ("bare", "noop")  # PTB alone; the replying no-op of issue 7


async def run(n: int, communities: int, members: int, name: str, *, rounds: int, naive_n: int,
              seed: int = 7, parse: str = "shared", profile: cProfile.Profile | None = None,
              database: str | None = None) -> dict[str, Any]:
    """The bare application, the replying one and ours (chats in parallel, group commit) take turns on
    slices of the same update stream — `rounds` slices each, the order reversed every other round — so all
    see the same machine: on a shared machine the speed drifts by tens of percent within a minute. Then
    ours with one update at a time (the naive design: every update waits for its own commit), on
    `naive_n` updates, again in turns with both baselines."""
    out: dict[str, Any] = {"n": n, "rounds": rounds}
    with tempfile.TemporaryDirectory() as tmp:
        clock = ManualClock(datetime(2026, 11, 25, 14, 0, tzinfo=ZoneInfo("Asia/Jakarta")))  # a Wednesday
        target = database or Path(tmp) / "bench.sqlite3"  # --database: an empty PostgreSQL database's URL
        sim = Sim(target, clock=clock, concurrency=64)
        # the naive application: the same database and Telegram, started once ours has stopped
        naive = Sim(target, clock=clock, concurrency=1, fake=sim.fake)
        await sim.start()
        try:
            world = await setup_world(sim, communities, members)
            fake2 = FakeTelegram(clock=lambda: clock.now().timestamp())  # the same simulated time as ours
            world2 = await noop_world(fake2, world)
            baselines = {"bare": bare_app(sim.fake.bot_user), "noop": noop_app(fake2)}
            for b in baselines.values():
                await b.initialize()
                await b.start()
            try:
                ours = WORKLOADS[name](sim.fake, world, n + naive_n, random.Random(seed))
                apps = {**baselines, "app": sim.app}
                # the bare application gets the very dicts ours gets (parsing does not change them)
                streams = {"bare": ours, "app": ours,
                           "noop": WORKLOADS[name](fake2, world2, n + naive_n, random.Random(seed))}
                parsers = {"bare": PARSERS["whole"], "noop": PARSERS["whole"], "app": PARSERS[parse]}
                hits, misses = ENCLOSED.hits, ENCLOSED.misses
                times: dict[str, list[float]] = {k: [] for k in apps}
                cpu: dict[str, list[float]] = {k: [] for k in apps}
                commits = sim.services.db.commits
                size = -(-n // rounds)
                for r in range(rounds):
                    lo, hi = r * size, min(n, (r + 1) * size)
                    for key in (("bare", "noop", "app") if r % 2 == 0 else ("app", "noop", "bare")):
                        if profile is not None and key == "app":
                            profile.enable()
                        wall, used = await drain(apps[key], hi - lo, streams[key][lo:hi], parsers[key])
                        if profile is not None and key == "app":
                            profile.disable()
                        times[key].append(wall)
                        cpu[key].append(used)
                out["app_commits"] = sim.services.db.commits - commits
                hits, misses = ENCLOSED.hits - hits, ENCLOSED.misses - misses
                out["shared"] = hits / (hits + misses) if hits + misses else 0.0
                out["s"] = {k: sum(v) for k, v in times.items()}
                out["cpu_ratio"] = sum(cpu["bare"]) / sum(cpu["app"])
                out["round_ratios"] = [a and b / a for a, b in zip(times["app"], times["bare"], strict=True)]
                if naive_n:
                    await sim.stop()
                    async with naive:
                        apps["app"] = naive.app
                        ntimes: dict[str, list[float]] = {k: [] for k in apps}
                        step = max(1, naive_n // 4)
                        commits = naive.services.db.commits
                        for i, lo in enumerate(range(n, n + naive_n, step)):
                            hi = min(n + naive_n, lo + step)
                            for key in (("bare", "noop", "app") if i % 2 == 0 else ("app", "noop", "bare")):
                                ntimes[key].append((await drain(apps[key], hi - lo, streams[key][lo:hi],
                                                                parsers[key]))[0])
                        out["naive_commits"] = naive.services.db.commits - commits
                        out["naive_s"] = {k: sum(v) for k, v in ntimes.items()}
            finally:
                for b in baselines.values():
                    await b.stop()
                    await b.shutdown()
        finally:
            await sim.stop()
    s = out["s"]
    out["rate"] = {k: n / v for k, v in s.items()}
    out["ratio"] = s["bare"] / s["app"]  # against python-telegram-bot alone
    out["ratio_noop"] = s["noop"] / s["app"]  # against the replying no-op (issue 7's figure)
    out["noop_vs_bare"] = s["bare"] / s["noop"]
    if naive_n:
        ns = out["naive_s"]
        out["naive_rate"] = naive_n / ns["app"]
        out["naive_ratio"] = ns["bare"] / ns["app"]
        out["naive_ratio_noop"] = ns["noop"] / ns["app"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--updates", type=int, default=20_000)
    ap.add_argument("--communities", type=int, default=100)
    ap.add_argument("--members", type=int, default=12)
    ap.add_argument("--workload", default="realistic", choices=sorted(WORKLOADS))
    ap.add_argument("--rounds", type=int, default=10, help="turns each application takes on the stream")
    ap.add_argument("--naive-updates", type=int, default=4_000, help="0 to skip the naive design")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--parse", default="shared", choices=sorted(PARSERS),
                    help="how ours parses: as the poller does (shared), or an earlier step")
    ap.add_argument("--profile", metavar="FILE",
                    help="cProfile our application's slices (not the baselines') into FILE (pstats); slows it")
    ap.add_argument("--database", metavar="URL", help="postgresql://… (an empty database) instead of SQLite")
    a = ap.parse_args()
    profile = cProfile.Profile() if a.profile else None
    rows = [asyncio.run(run(a.updates, a.communities, a.members, a.workload, rounds=a.rounds,
                            naive_n=a.naive_updates, seed=7 + i, parse=a.parse, profile=profile,
                            database=a.database))
            for i in range(a.repeat)]
    if profile is not None:
        profile.dump_stats(a.profile)
    print(f"workload {a.workload}, parse {a.parse}; ratio = Kombel's rate / the baseline's rate in the same run;"
          f" enclosed messages shared: {statistics.mean(r['shared'] for r in rows):.0%}")
    print(f"{'run':>3} {'updates':>7} {'bare/s':>7} {'reply/s':>7} {'kombel/s':>8} {'vs bare':>7}"
          f" {'rounds min–med–max':>18} {'cpu vs bare':>11} {'vs reply':>8} {'reply/bare':>10} {'commits':>7}"
          f" {'naive/s':>7} {'naive vs bare':>13} {'vs reply':>8}")
    for i, r in enumerate(rows):
        rr = sorted(r["round_ratios"])
        spread = f"{rr[0]:.2f}–{statistics.median(rr):.2f}–{rr[-1]:.2f}"
        rate = r["rate"]
        naive = (f" {r['naive_rate']:>7.0f} {r['naive_ratio']:>13.2f} {r['naive_ratio_noop']:>8.2f}"
                 if "naive_rate" in r else "")
        print(f"{i:>3} {r['n']:>7} {rate['bare']:>7.0f} {rate['noop']:>7.0f} {rate['app']:>8.0f} {r['ratio']:>7.2f}"
              f" {spread:>18} {r['cpu_ratio']:>11.2f} {r['ratio_noop']:>8.2f} {r['noop_vs_bare']:>10.2f} {r['app_commits']:>7}{naive}")
    if len(rows) > 1:
        print(f"median ratio vs bare {statistics.median(r['ratio'] for r in rows):.2f}"
              f" (CPU time {statistics.median(r['cpu_ratio'] for r in rows):.2f}), vs replying {statistics.median(r['ratio_noop'] for r in rows):.2f}")


if __name__ == "__main__":
    main()
