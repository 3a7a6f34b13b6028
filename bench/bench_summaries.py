"""Weekly summaries at scale: text, charts off the event loop, update latency during a run, paced delivery.

`text` runs the real features: the offline demo is played up to its week-7 Friday summary (28 August 2026,
15:00 WITA), its database is copied, and its community (11 members, 7 weeks of meetings, hours, a cycle in
its implementation stage with RTL items, 9 closed surveys) is cloned `--communities` times with every id
shifted (`clone_world`); each clone's summary text is then built as the Friday tick would. The other
commands keep the synthetic world of stand-in feeds (`build_world`): they measure charts, the tick run and
pacing, not the gathering.

    .venv/bin/python -m bench.bench_summaries text    [--communities 10000] [--world FILE]
    .venv/bin/python -m bench.bench_summaries charts  [--charts 300]
    .venv/bin/python -m bench.bench_summaries run     [--communities 1000] [--chart new|old|both]  # tick run + update latency
    .venv/bin/python -m bench.bench_summaries pacing  [--messages 900]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import shutil
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot import chartpool
from bot.clock import ManualClock
from bot.feeds import CycleFeed, Feeds, RhythmFeed
from bot.handlers import reports
from bot.handlers.reports_summary import build_summary
from bot.jobs.broadcast import Pacer
from bot.sim import Sim
from domain.charts import summary_chart, trend_chart
from domain.figures import HoursFigure
from fakegram import FakeRequest, FakeTelegram

NOW = datetime(2026, 11, 27, 7, 0, 30, tzinfo=UTC)  # Friday 15:00:30 WITA: summaries are due
WEEK = 7 * 86400


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def build_world(sim: Sim, communities: int, members: int, weeks: int) -> None:
    db = sim.services.db
    now = int(NOW.timestamp())
    first_week = now - weeks * WEEK
    conn = db.conn
    await conn.executescript(
        "CREATE TABLE IF NOT EXISTS bench_meetings (community_id INTEGER, start_ts INTEGER, held INTEGER,"
        " attended INTEGER, members INTEGER, title TEXT);"
        "CREATE INDEX IF NOT EXISTS bench_meetings_c ON bench_meetings (community_id, start_ts);"
        "CREATE TABLE IF NOT EXISTS bench_activity (community_id INTEGER, start_ts INTEGER, user_id INTEGER,"
        " n INTEGER);"
        "CREATE INDEX IF NOT EXISTS bench_activity_c ON bench_activity (community_id, start_ts);")
    await conn.execute("BEGIN")
    uid = 1_000_000
    for c in range(1, communities + 1):
        await conn.execute(
            "INSERT INTO communities (id, chat_id, chat_title, name, schools, tz, locale, setup_done, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, 'Asia/Makassar', 'id', 1, ?, ?)",
            (c, -1_000_000_000_000 - c, f"Kombel {c}", f"Kombel Gugus {c}", f"SDN {c}", now - 86400, now - 86400))
        users = [(uid + i, f"Guru{i}", f"Nomor {c}", first_week, first_week) for i in range(members)]
        await conn.executemany("INSERT INTO users (id, first_name, last_name, created_at, updated_at)"
                               " VALUES (?, ?, ?, ?, ?)", users)
        await conn.executemany("INSERT INTO members (community_id, user_id, role, joined_at) VALUES (?, ?, 'classroom', ?)",
                               [(c, u[0], first_week) for u in users])
        await conn.executemany(
            "INSERT INTO bench_meetings VALUES (?, ?, ?, ?, ?, 'Pertemuan pekanan')",
            [(c, first_week + w * WEEK + 86400 * 2, 1, (c + w) % members, members) for w in range(weeks + 2)])
        await conn.executemany(
            "INSERT INTO bench_activity VALUES (?, ?, ?, ?)",
            [(c, now - 3 * 86400, uid + i, (i * 7 + c) % 5) for i in range(members)])
        uid += members
    await conn.execute("COMMIT")

    class Rhythm(RhythmFeed):
        async def meetings_between(self, cid, s, e):
            rows = await db.fetchall("SELECT start_ts, held, attended, members, title FROM bench_meetings"
                                     " WHERE community_id = ? AND start_ts >= ? AND start_ts < ?", (cid, s, e))
            return [dict(r) | {"end_ts": r["start_ts"] + 5400, "held": r["start_ts"] <= now, "status": "scheduled"}
                    for r in rows]

        async def hours_summary(self, cid, at):
            on = (cid + int(at.timestamp()) // WEEK) % members
            return HoursFigure(members=members, with_target=members, met=0, on_pace=on, behind=members - on,
                               not_judged=0, target_minutes=120, elapsed=0.5)

    class Cycle(CycleFeed):
        async def status(self, cid, at):
            return {"stage": "planning", "answered": (cid + int(at.timestamp()) // WEEK) % members,
                    "members": members, "stalled": cid % 7 == 0, "rtl_overdue": cid % 3, "rtl_due_soon": 1,
                    "opened_ts": first_week, "closes_ts": now + WEEK, "good_practices": cid % 4}

        async def activity(self, cid, s, e):
            rows = await db.fetchall("SELECT user_id, n FROM bench_activity WHERE community_id = ? AND start_ts >= ?"
                                     " AND start_ts < ?", (cid, s, e))
            return {r["user_id"]: {"answers": r["n"]} for r in rows}

    sim.services.feeds = Feeds(rhythm=Rhythm(), cycle=Cycle())  # stand-ins only


async def new_sim(tmp: Path, **kw) -> Sim:
    sim = Sim(tmp / "bench.sqlite3", clock=ManualClock(NOW), **kw)
    await sim.start()
    return sim


# -- the real features' data: the demo's community, cloned -------------------------------------------
ID_COLUMNS = {"id", "community_id", "user_id", "owner_user_id", "created_by", "marked_by", "started_by", "cycle_id",
              "stage_id", "meeting_id", "series_id", "survey_id", "pair_id", "current_community_id", "agreement_id",
              "assessment_id", "group_id"}
CHAT_COLUMNS = {"chat_id", "origin_chat_id", "header_chat_id"}
CLONED = ["users", "communities", "members", "meeting_series", "meetings", "attendance", "rsvps", "off_days",
          "hour_settings", "hour_targets", "learning_logs", "cycles", "cycle_stages", "cycle_answers",
          "cycle_evidence", "rtl_items", "good_practices", "cycle_summaries", "surveys", "survey_answers",
          # issue 15: the progress map's agreement, programme activities and own placement
          "core_team", "agreements", "agreement_acceptances", "programme_activities", "map_assessments",
          "map_placements",
          # issue 15: working groups (the summary's line per group)
          "work_groups", "work_group_members", "series_groups", "cycle_groups", "survey_groups"]
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


async def bench_text(args) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "bench.sqlite3"
        if args.world and Path(args.world).exists():  # noqa: ASYNC240 - a saved world (--world)
            shutil.copy(args.world, path)
            now = datetime.fromtimestamp(int(Path(args.world + ".at").read_text()), UTC)  # noqa: ASYNC240
            print(f"world: {args.world} ({path.stat().st_size / 2**20:.0f} MB)")
        else:
            t0 = time.perf_counter()
            now = await demo_database(path)
            played = time.perf_counter() - t0
            t0 = time.perf_counter()
            rows = clone_world(path, args.communities - 1)
            print(f"world: the demo played to {now.isoformat(timespec='minutes')} in {played:.1f}s; its community "
                  f"cloned to {args.communities} communities ({rows:,} rows) in {time.perf_counter() - t0:.1f}s; "
                  f"{path.stat().st_size / 2**20:.0f} MB")
            if args.world:
                shutil.copy(path, args.world)
                Path(args.world + ".at").write_text(str(int(now.timestamp())))  # noqa: ASYNC240
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


async def bench_run(args) -> None:
    """The real tick run (text + charts + sends, pacing off) while a member's commands keep arriving.

    ``--chart both`` runs it twice in one invocation: first with the old chart (`trend_chart`, a figure built
    per chart) put in place of `summary_chart` at the reports call site, then with the real code."""
    fns = {"old": trend_chart, "new": summary_chart}
    totals = {}
    for which in (["old", "new"] if args.chart == "both" else [args.chart]):
        reports.summary_chart = fns[which]  # the name build_summary sends to the pool
        try:
            totals[which] = await _bench_run(args, which)
        finally:
            reports.summary_chart = summary_chart
    if len(totals) == 2:
        print(f"run time per summary old/new: x{totals['old'] / totals['new']:.1f}")


async def _bench_run(args, which: str) -> float:
    with tempfile.TemporaryDirectory() as d:
        sim = await new_sim(Path(d))
        await build_world(sim, args.communities, args.members, args.weeks)
        sim.services.extra["pacer"] = Pacer(per_second=1e6, per_group_minute=10**6)  # measure our work only
        sim.services.extra["broadcast_budget"] = 0.0  # the tick returns at once, the run goes on
        f = sim.fake
        f.user(42, "Ani")
        f.group(-1009999999999, "Kombel ukur", supergroup=True, admins=[42], members=[])
        for cid in range(1, args.communities + 1):
            f.group(-1_000_000_000_000 - cid, f"Kombel {cid}", supergroup=True, admins=[], members=[])
        await sim.say(-1009999999999, 42, "/bantuan")
        # every community gets its schedule row (the first tick), then the run drains them
        t0 = time.perf_counter()
        await sim.tick()
        task = sim.services.extra["broadcast_tasks"]["summaries"]
        lat: list[float] = []
        while not task.done():
            s = time.perf_counter()
            await sim.say(-1009999999999, 42, "/bantuan")
            lat.append(time.perf_counter() - s)
            await asyncio.sleep(0.02)
        total = time.perf_counter() - t0
        sent = sum(1 for name, _ in f.calls if name == "sendPhoto")
        lat.sort()
        p = lambda q: 1000 * lat[min(len(lat) - 1, int(q * len(lat)))]  # noqa: E731
        print(f"run ({which} chart): {sent} summaries with chart in {total:.1f}s ({total / max(1, sent) * 1000:.1f} ms each; "
              f"-> 10,000 ≈ {10000 * total / max(1, sent):.0f}s); /bantuan handled {len(lat)} times during the run:"
              f" p50 {p(0.5):.1f} ms, p99 {p(0.99):.1f} ms, max {1000 * lat[-1]:.1f} ms")
        await sim.stop()
        return total / max(1, sent)


async def bench_pacing(args) -> None:
    """Paced sends against a fake API that enforces 30/s overall and 20/min per group (wall clock)."""
    fake = FakeTelegram(clock=time.monotonic, enforce_rate_limits=True)
    from telegram import Bot
    bot = Bot("123456789:" + "A" * 35, request=FakeRequest(fake))
    await bot.initialize()
    groups = [-1_000_000_000_000 - i for i in range(args.messages)]
    for g in groups:
        fake.group(g, "g", supergroup=True)
    pacer = Pacer(30.0, 20)
    sem = asyncio.Semaphore(8)

    async def one(chat: int) -> None:
        async with sem:
            await pacer.acquire(chat)
            await bot.send_message(chat, "x")

    t0 = time.perf_counter()
    await asyncio.gather(*(one(c) for c in groups))
    elapsed = time.perf_counter() - t0
    rate = len(groups) / elapsed
    print(f"pacing: {len(groups)} messages to distinct groups in {elapsed:.1f}s = {rate:.2f}/s "
          f"({100 * rate / 30:.1f} % of 30/s); 429s: {fake.stats['429']}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["text", "charts", "run", "pacing"])
    ap.add_argument("--communities", type=int, default=10_000)
    ap.add_argument("--members", type=int, default=25, help="run: members of each synthetic community")
    ap.add_argument("--weeks", type=int, default=12)
    ap.add_argument("--world", help="text: save the cloned world to this file, or reuse it when it exists")
    ap.add_argument("--charts", type=int, default=300)
    ap.add_argument("--messages", type=int, default=900)
    ap.add_argument("--chart", choices=["new", "old", "both"], default="new", help="run: which summary chart")
    args = ap.parse_args()
    asyncio.run({"text": bench_text, "charts": bench_charts, "run": bench_run, "pacing": bench_pacing}[args.what](args))


if __name__ == "__main__":
    main()
