"""Weekly summaries at scale: text, charts off the event loop, and the whole run against Telegram's limits.

`text` and `run` use the real features' data: the offline demo is played up to its week-7 Friday summary
(28 August 2026), its database is copied, and its community (11 members, 7 weeks of meetings, hours, a cycle
in its implementation stage with RTL items, 9 closed surveys) is cloned `--communities` times with every id
shifted (`clone_world`). `text` builds each clone's summary text as the Friday tick would. `run` measures
(a) the build cost of a summary with its chart (wall and CPU, this process + the chart pool) and (b) the real
summary job — every community due, built, sent through the outbox, the Pacer and PTB's AIORateLimiter to a
fake Bot API enforcing Telegram's limits on the wall clock — beside PTB's bare send loop on the same fake
(see `bench_run`). `charts` compares the summary chart with the old one.

    .venv/bin/python -m bench.bench_summaries text    [--communities 10000] [--world FILE]
    .venv/bin/python -m bench.bench_summaries charts  [--charts 300]
    .venv/bin/python -m bench.bench_summaries run     [--communities 900] [--build 200] [--world FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import resource
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from telegram import InputFile
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, ExtBot

from bot import chartpool
from bot.clock import ManualClock
from bot.handlers import reports
from bot.handlers.reports_summary import build_summary
from bot.jobs.broadcast import DEFAULT_CONCURRENCY, Pacer
from bot.sim import SIM_TOKEN, Sim
from domain.reports.charts import summary_chart, trend_chart
from fakegram import FakeRequest, FakeTelegram
from fakegram.limits import Audit, FloodLimits, audit

NOW = datetime(2026, 11, 27, 7, 0, 30, tzinfo=UTC)  # Friday 15:00:30 WITA: summaries are due
WEEK = 7 * 86400


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- the real features' data: the demo's community, cloned -------------------------------------------
ID_COLUMNS = {"id", "community_id", "user_id", "owner_user_id", "created_by", "marked_by", "started_by", "cycle_id",
              "stage_id", "meeting_id", "series_id", "survey_id", "pair_id", "current_community_id", "agreement_id",
              "assessment_id", "group_id", "observation_id", "model_user_id", "rtl_id"}
CHAT_COLUMNS = {"chat_id", "origin_chat_id", "header_chat_id", "card_chat_id", "debrief_chat_id"}
CLONED = ["users", "communities", "members", "meeting_series", "meetings", "attendance", "rsvps", "off_days",
          "hour_settings", "hour_targets", "learning_logs", "cycles", "cycle_stages", "cycle_answers",
          "cycle_evidence", "rtl_items", "good_practices", "cycle_summaries", "surveys", "survey_answers",
          # issue 15: the progress map's agreement, programme activities and own placement
          "core_team", "agreements", "agreement_acceptances", "programme_activities", "map_assessments",
          "map_placements",
          # working groups (/kelompok: the summary's per-group lines) and lesson observations (/amati)
          "work_groups", "work_group_members", "survey_groups", "cycle_groups", "series_groups", "observations",
          "observation_observers", "observation_ratings", "observation_notes"]
SHIFT = 10_000_000


async def demo_database(dest: Path) -> datetime:
    """Play the demo up to its week-7 Friday summary; copy its database to `dest`; return that moment."""
    from bot.demo import Demo, run_demo

    at: list[datetime] = []

    async def probe(demo: Demo) -> None:
        now = demo.clock.now()
        if at or not (now.month == 8 and now.day == 28 and now.hour >= 15):
            return
        src = sqlite3.connect(demo.sim.services.db.path)
        with sqlite3.connect(dest) as out:
            src.backup(out)
        src.close()
        at.append(now)

    with tempfile.TemporaryDirectory() as d:
        await run_demo(d, quiet=True, probe=probe)
    return at[0]


def clone_world(path: Path, copies: int) -> int:
    """Add `copies` copies of everything the demo's community has (every id shifted by k × SHIFT, group chats
    moved down, private chats up); returns the number of rows written."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("DELETE FROM report_schedules")  # nothing due: the bench calls build_summary itself
    plans = []
    for table in CLONED:
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
        exprs = [f"{c} + :shift" if c in ID_COLUMNS else
                 f"CASE WHEN {c} < 0 THEN {c} - :shift ELSE {c} + :shift END" if c in CHAT_COLUMNS else
                 f"{c} || ':' || :k" if c == "source_key" else c for c in cols]
        key = next(c for c in cols if c in ID_COLUMNS)
        plans.append(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(exprs)} FROM {table}"
                     f" WHERE {key} < {SHIFT}")
    before = conn.total_changes
    with conn:
        for k in range(1, copies + 1):
            for sql in plans:
                conn.execute(sql, {"shift": k * SHIFT, "k": k})
    rows = conn.total_changes - before
    conn.close()
    return rows


async def real_world(args, path: Path) -> datetime:
    """The demo's community cloned to `args.communities` at `path` (or the saved `--world`); returns the
    moment its week-7 summary is due."""
    if args.world and Path(args.world).exists():  # noqa: ASYNC240 - a saved world (--world)
        shutil.copy(args.world, path)
        now = datetime.fromtimestamp(int(Path(args.world + ".at").read_text()), UTC)  # noqa: ASYNC240
        print(f"world: {args.world} ({os.path.getsize(path) / 2**20:.0f} MB)")  # noqa: ASYNC240
        return now
    t0 = time.perf_counter()
    now = await demo_database(path)
    played = time.perf_counter() - t0
    t0 = time.perf_counter()
    rows = clone_world(path, args.communities - 1)
    print(f"world: the demo played to {now.isoformat(timespec='minutes')} in {played:.1f}s; its community "
          f"cloned to {args.communities} communities ({rows:,} rows) in {time.perf_counter() - t0:.1f}s; "
          f"{os.path.getsize(path) / 2**20:.0f} MB")  # noqa: ASYNC240
    if args.world:
        shutil.copy(path, args.world)
        Path(args.world + ".at").write_text(str(int(now.timestamp())))  # noqa: ASYNC240
    return now


async def bench_text(args) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "bench.sqlite3"
        now = await real_world(args, path)
        sim = Sim(path, clock=ManualClock(now))
        await sim.start()
        services, repos = sim.services, sim.services.repos
        ids = [int(r[0]) for r in await services.db.fetchall(
            "SELECT id FROM communities WHERE setup_done = 1 AND name IS NOT NULL ORDER BY id")]
        first = await repos.communities.get(ids[0])
        seen: list[str] = []
        services.db._reader.set_trace_callback(seen.append)
        base = await build_summary(services, first, now, chart=False)
        services.db._reader.set_trace_callback(None)
        print(f"statements per summary: {len(seen)}; {len(ids)} communities with a summary")
        per: list[float] = []
        texts: set[str] = set()
        chars: list[int] = []
        rss0 = rss_mb()
        t0 = time.perf_counter()
        for cid in ids:
            c = await repos.communities.get(cid)
            s = time.perf_counter()
            summary = await build_summary(services, c, now, chart=False)
            per.append(time.perf_counter() - s)
            chars.append(len(summary.text))
            texts.add(summary.text)
        total = time.perf_counter() - t0
        k = max(1, len(per) // 10)
        print(f"text of {len(per)} summaries: {total:.1f}s total, {1000 * statistics.mean(per):.2f} ms each, median "
              f"{1000 * statistics.median(per):.2f} ms (first 10 %: {1000 * statistics.mean(per[:k]):.2f} ms, "
              f"last 10 %: {1000 * statistics.mean(per[-k:]):.2f} ms) -> 10,000 ≈ {10 * statistics.mean(per) * 1000:.1f}s;"
              f" {len(texts)} distinct text(s), {base.text == next(iter(texts))=}; longest {max(chars)} chars;"
              f" rss {rss0:.0f} -> {rss_mb():.0f} MB")
        await sim.stop()


async def bench_charts(args) -> None:
    """The summary chart, old (`trend_chart`, a new figure per chart) vs new (`summary_chart`, the worker's
    figure reused), in process and through the 2-process pool, in the same run."""
    labels = ["19/10", "26/10", "2/11", "9/11", "16/11", "23/11"]
    names = ["Kehadiran", "Sesuai target jam belajar", "Menjawab pertanyaan siklus"]
    title = "Kehadiran, jam belajar, dan jawaban siklus"

    def series(i: int) -> dict[str, list[float | None]]:  # different data for every chart
        return {n: [None if (i + k + w) % 17 == 0 else ((i * 7 + k * 13 + w * 5) % 21) / 20 for w in range(6)]
                for k, n in enumerate(names)}

    n_inline = min(50, args.charts)
    inline: dict[str, float] = {}
    for fn in (trend_chart, summary_chart):
        fn(labels, series(0), title, kind="share", locale="id")  # warm-up (and the new path's figure)
        t0 = time.perf_counter()
        for i in range(n_inline):
            fn(labels, series(i), title, kind="share", locale="id")
        inline[fn.__name__] = (time.perf_counter() - t0) / n_inline
    size = len(summary_chart(labels, series(1), title))
    print(f"chart in process: trend_chart {1000 * inline['trend_chart']:.1f} ms, summary_chart "
          f"{1000 * inline['summary_chart']:.1f} ms each (x{inline['trend_chart'] / inline['summary_chart']:.1f});"
          f" PNG {size / 1024:.0f} KB")
    pool = chartpool.ChartPool()
    t0 = time.perf_counter()
    await pool.run(summary_chart, labels, series(0), title, kind="share", locale="id")
    start = time.perf_counter() - t0
    rates: dict[str, float] = {}
    for fn in (trend_chart, summary_chart):
        t0 = time.perf_counter()
        await asyncio.gather(*(pool.run(fn, labels, series(i), title, kind="share", locale="id")
                               for i in range(args.charts)))
        pooled = time.perf_counter() - t0
        rates[fn.__name__] = args.charts / pooled
        print(f"pool of {pool.workers} workers, {fn.__name__}: {args.charts} charts in {pooled:.2f}s = "
              f"{rates[fn.__name__]:.1f}/s -> 10,000 charts ≈ {10000 / rates[fn.__name__]:.0f}s")
    t0 = time.perf_counter()
    pool.close()
    closed = time.perf_counter() - t0
    print(f"pool start (first chart) {start:.2f}s; new/old throughput x{rates['summary_chart'] / rates['trend_chart']:.1f};"
          f" pool shutdown {closed:.2f}s")


# -- the send path against Telegram's limits ---------------------------------------------------------
SENDS = frozenset({"sendPhoto", "sendMessage"})
WINDOW_S = 10_000 / 30  # 10,000 summaries at Telegram's 30 msg/s: 333 s


@dataclass
class SendRun:
    name: str
    wall_s: float           # from the start of the run to its end
    audit: Audit             # what Telegram (the fake) accepted: count, span, densest second and minute
    refused: dict[str, int]  # 429s by the limit that gave them
    cpu_s: float             # CPU of the bot process and the chart pool (the fake is in process: included)
    failed: int = 0

    @property
    def rate(self) -> float:  # accepted sends per second, first to last
        return (self.audit.sends - 1) / self.audit.span_s if self.audit.span_s else 0.0

    @property
    def steady(self) -> float:
        """The pace kept after the first 30 (a burst any sender may make), over whole windows of 30 sends."""
        t = self.audit.times
        last = 30 + (len(t) - 31) // 30 * 30
        return (last - 30) / (t[last] - t[30]) if last > 30 else self.rate


def pool_cpu(services) -> float:
    """CPU seconds used so far by the chart pool's worker processes (Linux /proc)."""
    ex = chartpool.pool(services)._executor
    total = 0.0
    for pid in list(getattr(ex, "_processes", None) or {}):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def limited_fake(chats: list[tuple[int, str]]) -> FakeTelegram:
    """A fake Bot API on the wall clock with Telegram's limits enforced (fakegram.limits), the bot in every group."""
    fake = FakeTelegram(clock=time.monotonic, enforce_rate_limits=True)
    for chat_id, title in chats:
        fake.group(chat_id, title, supergroup=str(chat_id).startswith("-100"))
    return fake


def make_due(path: Path, now: datetime) -> list[tuple[int, str]]:
    """Every community's summary of this week due now, none sent yet; returns their (chat id, title)."""
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DELETE FROM outbox WHERE key LIKE 'sum:%'")
        conn.execute("DELETE FROM report_schedules")
        conn.execute("INSERT INTO report_schedules (community_id, next_due_at, updated_at)"
                     " SELECT id, ?, ? FROM communities WHERE setup_done = 1", (int(now.timestamp()) - 30,) * 2)
    chats = [(int(r[0]), str(r[1])) for r in conn.execute(
        "SELECT chat_id, COALESCE(chat_title, name) FROM communities WHERE setup_done = 1 ORDER BY id")]
    conn.close()
    return chats


async def ptb_loop(name: str, chats: list[tuple[int, str]], png: bytes, caption: str,
                   pacer: Pacer | None) -> SendRun:
    """The baseline: PTB's bot with its AIORateLimiter (as bot/app.py builds it) sending the same photo and
    caption to every group, 8 at a time (run_all's concurrency), with no other work; optionally our Pacer."""
    fake = limited_fake(chats)
    bot = ExtBot(SIM_TOKEN, request=FakeRequest(fake), rate_limiter=AIORateLimiter(max_retries=3))
    await bot.initialize()
    await bot.rate_limiter.initialize()
    queue = [c for c, _ in chats]
    failed = 0

    async def worker() -> None:
        nonlocal failed
        while queue:
            chat = queue.pop()
            if pacer is not None:
                await pacer.acquire(chat)
            try:
                await bot.send_photo(chat, InputFile(png, filename="ringkasan.png"), caption=caption)
            except TelegramError:
                failed += 1

    cpu0, t0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(DEFAULT_CONCURRENCY)))
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    await bot.shutdown()
    return SendRun(name, wall, audit(fake.limits.accepted, methods=SENDS), dict(fake.limits.refused), cpu, failed)


async def bench_run(args) -> None:
    """The weekly summary run end to end against Telegram's limits, and its build cost, on the real data.

    (a) build cost: `build_summary` (the features' data, the text, the chart rendered in the pool) for
        `--build` communities one after the other: wall time and CPU (this process + the pool's workers).
    (b) the real job: every community due, `reports.tick_summaries` starts the background run that builds
        each one-photo summary and sends it through the outbox, our Pacer and PTB's AIORateLimiter to a fake
        enforcing 30/s overall, 20/min per group and ~1/s per chat, on the wall clock.
    Baselines in the same invocation, same fake, same photo and caption: PTB's send loop alone, and with
    the Pacer. The run is extrapolated to 10,000 communities from its measured rate."""
    logging.getLogger("telegram.ext").setLevel(logging.CRITICAL)  # the baseline's 429s are counted, not logged
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "bench.sqlite3"
        data_at = await real_world(args, path)  # the probe's moment: Saturday 07:00 WITA, after the week's slot
        slot = reports.summary_due_after("Asia/Makassar", 5, None, None, int(data_at.timestamp()) - 2 * 86400)
        now = datetime.fromtimestamp(slot + 30, UTC)  # Friday 15:00:30 WITA: every summary is due
        chats = make_due(path, now)
        fake = limited_fake(chats)
        sim = Sim(path, clock=ManualClock(now), fake=fake, rate_limit=True)
        await sim.start()
        services, repos = sim.services, sim.services.repos
        ids = [int(r[0]) for r in await services.db.fetchall(
            "SELECT id FROM communities WHERE setup_done = 1 ORDER BY id")]
        first = await build_summary(services, await repos.communities.get(ids[0]), now)  # starts the pool
        assert first is not None and first.chart is not None
        k = min(args.build, len(ids))
        cpu0, pool0, t0 = time.process_time(), pool_cpu(services), time.perf_counter()
        for cid in ids[:k]:
            summary = await build_summary(services, await repos.communities.get(cid), now)
            assert summary is not None and summary.chart is not None and len(summary.caption) <= 1024
        build_wall = (time.perf_counter() - t0) / k
        build_main, build_pool = (time.process_time() - cpu0) / k, (pool_cpu(services) - pool0) / k
        build_cpu = build_main + build_pool
        fake.limits = FloodLimits()
        services.extra["broadcast_budget"] = 0.0  # the tick returns at once; the run goes on in the background
        cpu0, pool0, t0 = time.process_time(), pool_cpu(services), time.perf_counter()
        await reports.tick_summaries(services, sim.app.bot, now)
        await services.extra["broadcast_tasks"]["summaries"]
        job = SendRun("the real summary job", time.perf_counter() - t0, audit(fake.limits.accepted, methods=SENDS),
                      dict(fake.limits.refused), time.process_time() - cpu0 + pool_cpu(services) - pool0)
        photos = Counter(chat for _, method, chat in fake.limits.accepted if method == "sendPhoto")
        sent = (await services.db.fetchone("SELECT COUNT(*) FROM outbox WHERE key LIKE 'sum:%' AND status = 'sent'"))[0]
        await sim.stop()
    bare = await ptb_loop("PTB send loop (AIORateLimiter), no work", chats, first.chart, first.caption, None)
    paced = await ptb_loop("PTB send loop + our Pacer, no work", chats, first.chart, first.caption, Pacer())
    cores = len(os.sched_getaffinity(0))
    print(f"\nload average (1 min) at the end: {os.getloadavg()[0]:.1f} on {cores} cores")
    print(f"\n(a) build one summary (features' data, text, chart in the pool), {k} communities one after another:"
          f" {1000 * build_wall:.1f} ms wall, {1000 * build_cpu:.1f} ms CPU each = {1000 * build_main:.1f} ms in the"
          f" bot's process (its event loop: data, text) + {1000 * build_pool:.1f} ms in the chart pool (budget 1/30 s ="
          f" 33.3 ms; the event loop alone could build {1 / build_main:.0f}/s, {cores} cores"
          f" {cores / build_cpu:.0f}/s)")
    print(f"(b) {len(chats)} communities; every group got exactly one photo: "
          f"{len(photos) == len(chats) and set(photos.values()) == {1}}; outbox keys sent: {sent}\n")
    print("| path | sends | wall s | msg/s first to last | msg/s after the first 30 | % of 30/s | 429s | most in any"
          " 1 s | most to one group in any 60 s | CPU ms per send | rate vs PTB loop | 10,000 at the steady rate |")
    print("|" + " --- |" * 12)
    for r in (bare, paced, job):
        print(f"| {r.name} | {r.audit.sends} | {r.wall_s:.1f} | {r.rate:.2f} | {r.steady:.2f} |"
              f" {100 * r.steady / 30:.1f} % | {sum(r.refused.values())} {r.refused or ''} |"
              f" {r.audit.overall_max_per_s} | {r.audit.group_max_per_min} |"
              f" {1000 * r.cpu_s / max(1, r.audit.sends):.1f} | x{r.steady / bare.steady:.3f} |"
              f" {10_000 / r.steady:.0f} s = {10_000 / r.steady / WINDOW_S:.3f} x 333 s |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["text", "charts", "run"])
    ap.add_argument("--communities", type=int, default=10_000)
    ap.add_argument("--build", type=int, default=200, help="run: summaries built one by one for the build cost")
    ap.add_argument("--world", help="text: save the cloned world to this file, or reuse it when it exists")
    ap.add_argument("--charts", type=int, default=300)
    args = ap.parse_args()
    asyncio.run({"text": bench_text, "charts": bench_charts, "run": bench_run}[args.what](args))


if __name__ == "__main__":
    main()
