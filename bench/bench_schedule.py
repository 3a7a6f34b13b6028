"""Scheduling at scale (issue 3): start-up to ready, and the cost of one scheduler pass per due item.

The database is populated fast with direct SQL inserts into the real schema (communities, a weekly
`meeting_series` each, four stored `meetings` ahead, members) — not through the bot, which would take hours
for 10,000 groups. Everything measured runs the real code: `build_application` + `start` (database opened,
migrations checked) and `bot.jobs.run_pass` (every feature's tick against the fake Bot API).

    .venv/bin/python -m bench.bench_schedule all            # start-up at 10,000 + pass cost at 100/1,000/10,000
    .venv/bin/python -m bench.bench_schedule startup [--communities 10000]
    .venv/bin/python -m bench.bench_schedule pass [--sizes 100,1000,10000]

`startup` runs in a FRESH subprocess (so the RSS is the bot's own): from interpreter start to "ready" =
application built, database opened, migrations checked, the first pass done (it catches up the reminders
that fell due while the bot was down: 1 % of the communities).

`pass`: after that first pass (and the passes in which the reports feature adopts the new communities), 20
communities spread over the ids get a reminder due; the next pass (clock + 30 s) is timed and divided by the
due items (the same 20 at every size, so a flat figure means nothing grows with the number of communities). The due-finding queries of the rhythm ticks are also timed alone with
their index and, as the baseline in the same run, with `NOT INDEXED` (a scan of every meeting).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

T_PROCESS = time.perf_counter()  # as early as possible: start-up includes the imports below

from bot.clock import ManualClock  # noqa: E402
from bot.sim import Sim  # noqa: E402
from storage.db import Database  # noqa: E402

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # Tuesday 09:00 WITA
WEEK = 7 * 86400
DUE_EVERY = 100  # 1 % of the communities have a reminder missed while down (caught up by the first pass)
WAVE = 20  # reminders due in the measured pass, at every size
MEMBERS = 3


def rss_mb() -> float:
    """Peak resident set size of this process (VmHWM), MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def chat_of(c: int) -> int:
    return -1_001_000_000_000 - c


async def populate(path: Path, n: int) -> None:
    """n communities, each with a weekly meeting (Wed–Fri spread), 4 occurrences stored ahead, 3 members."""
    db = await Database(path).open()  # the real schema: every migration applied
    now = int(NOW.timestamp())
    conn = db.conn
    await conn.execute("BEGIN")
    uid = 10_000_000
    for c in range(1, n + 1):
        await conn.execute(
            "INSERT INTO communities (id, chat_id, chat_title, name, tz, locale, setup_done, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, 'Asia/Makassar', 'id', 1, ?, ?)",
            (c, chat_of(c), f"Kombel {c}", f"Kombel Gugus {c}", now - WEEK, now - WEEK))
        await conn.executemany(
            "INSERT INTO users (id, first_name, created_at, updated_at) VALUES (?, ?, ?, ?)",
            [(uid + i, f"Guru {i}", now - WEEK, now - WEEK) for i in range(MEMBERS)])
        await conn.executemany(
            "INSERT INTO members (community_id, user_id, role, joined_at) VALUES (?, ?, 'classroom', ?)",
            [(c, uid + i, now - WEEK) for i in range(MEMBERS)])
        uid += MEMBERS
        first = now + 86400 + 1800 + (c % 48) * 1800  # from Wednesday 09:30 WITA, spread over a day
        cur = await conn.execute(
            "INSERT INTO meeting_series (community_id, kind, weekdays, start_time, duration_min, place, active,"
            " materialized_until, created_by, chat_id, message_id, created_at)"
            " VALUES (?, 'weekly', '2', '09:00', 90, 'Ruang guru', 1, ?, ?, ?, 1, ?)",
            (c, now + 6 * WEEK, uid - 1, chat_of(c), now - WEEK))
        series_id = cur.lastrowid
        rows = []
        for w in range(4):
            start = first + w * WEEK
            remind = start - 86400
            if w == 0 and c % DUE_EVERY == 0:  # missed while down: a reminder due, the meeting still ahead
                start, remind = now + 5 * 3600, now - 60
            rows.append((series_id, c, f"2026-12-{2 + 7 * w:02d}", start, start + 5400, remind, start + 5400))
        await conn.executemany(
            "INSERT INTO meetings (series_id, community_id, orig_date, start_ts, end_ts, next_remind_at, checkin_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    await conn.execute("COMMIT")
    await db.close()


def register_groups(sim: Sim, n: int) -> None:
    """The fake Bot API must know a group to accept a message to it (only the ones that will get one)."""
    for c in range(DUE_EVERY, n + 1, DUE_EVERY):
        sim.fake.group(chat_of(c), f"Kombel {c}", supergroup=True)


# -- start-up ---------------------------------------------------------------------------------------
async def _startup_child(path: Path, n: int) -> dict:
    t_import = time.perf_counter() - T_PROCESS
    sim = Sim(path, clock=ManualClock(NOW))
    register_groups(sim, n)
    t0 = time.perf_counter()
    await sim.start()  # application built, database opened, migrations checked
    t_start = time.perf_counter() - t0
    t1 = time.perf_counter()
    timings = await sim.tick()  # the first pass: catches up what fell due while down
    t_pass = time.perf_counter() - t1
    ready = time.perf_counter() - T_PROCESS
    sent = sum(len(sim.fake.bot_messages(chat_of(c))) for c in range(DUE_EVERY, n + 1, DUE_EVERY))
    await sim.stop()
    slow = sorted(timings.items(), key=lambda kv: -kv[1])[:3]
    return {"imports_s": t_import, "start_s": t_start, "first_pass_s": t_pass, "ready_s": ready,
            "rss_mb": rss_mb(), "reminders_caught_up": sent, "slowest_ticks": slow}


def run_startup(n: int, tmp: Path) -> dict:
    path = tmp / f"startup_{n}.sqlite3"
    asyncio.run(populate(path, n))
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "bench.bench_schedule", "_child", "--db", str(path),
                          "--communities", str(n)], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent)
    wall = time.perf_counter() - t0
    res = json.loads(out.stdout.strip().splitlines()[-1])
    res["wall_s"] = wall
    return res


# -- one pass per due item --------------------------------------------------------------------------
DUE_QUERIES = {
    "meetings_remind": "SELECT id FROM meetings {hint} WHERE next_remind_at <= ? ORDER BY next_remind_at LIMIT 500",
    "meetings_checkin": "SELECT id FROM meetings {hint} WHERE checkin_at <= ? ORDER BY checkin_at LIMIT 500",
    "series_extend": "SELECT id FROM meeting_series {hint} WHERE kind = 'weekly' AND active = 1"
                     " AND materialized_until < ? ORDER BY materialized_until LIMIT 500",
}


async def time_query(db: Database, sql: str, arg: int, repeat: int = 30) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        await db.fetchall(sql, (arg,))
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


async def measure_pass(n: int, tmp: Path) -> dict:
    path = tmp / f"pass_{n}.sqlite3"
    await populate(path, n)
    clock = ManualClock(NOW)
    sim = Sim(path, clock=clock)
    register_groups(sim, n)
    await sim.start()
    await sim.tick()  # the catch-up pass (the missed reminders)
    db = sim.services.db
    warmup = 1  # the reports feature adopts new communities in batches, one per pass: let it finish
    while await db.scalar("SELECT COUNT(*) FROM report_schedules") < n and warmup < 100:
        await sim.tick()
        warmup += 1
    plans = {}
    for name, sql in DUE_QUERIES.items():
        rows = await db.fetchall("EXPLAIN QUERY PLAN " + sql.format(hint=""), (0,))
        plans[name] = " | ".join(r["detail"] for r in rows)
    now = int(NOW.timestamp()) + 30
    empty = await time_query(db, DUE_QUERIES["meetings_remind"].format(hint=""), now)
    scans = {k: await time_query(db, q.format(hint="NOT INDEXED"), now, repeat=5) for k, q in DUE_QUERIES.items()}
    # WAVE communities, spread over the ids, get a reminder due now; the same work at every size. Two waves:
    # the first warms the process up (templates compiled, first sends), the second is the one reported.
    for wave in (2, 3):
        picked = list(range(wave, n + 1, max(1, n // WAVE)))[:WAVE]
        due_ids = [await db.scalar("SELECT MIN(id) FROM meetings WHERE community_id = ? AND next_remind_at > ?",
                                   (c, now)) for c in picked]
        for c in picked:
            sim.fake.group(chat_of(c), f"Kombel {c}", supergroup=True)
        async with db.tx() as tx:  # due now: tomorrow's reminder, for a meeting today (late but still useful)
            for mid in due_ids:
                await tx.execute("UPDATE meetings SET next_remind_at = ?, start_ts = ?, end_ts = ? WHERE id = ?",
                                 (now - 5, now + 4 * 3600, now + 4 * 3600 + 5400, mid))
        clock.advance(seconds=30)
        now += 30
        sent_before = len(sim.fake.calls_of("sendMessage"))
        t0 = time.perf_counter()
        timings = await sim.tick()
        total = time.perf_counter() - t0
        sent = len(sim.fake.calls_of("sendMessage")) - sent_before
    left = await db.scalar("SELECT COUNT(*) FROM meetings WHERE next_remind_at <= ?", (now,))
    await sim.stop()
    return {"n": n, "due": len(due_ids), "sent": sent, "warmup": warmup, "pass_s": total, "per_due_ms": total / max(1, len(due_ids)) * 1000,
            "rhythm_ms_per_due": sum(v for k, v in timings.items() if k.startswith("rhythm")) / max(1, len(due_ids))
            * 1000,
            "find_empty_ms": empty * 1000, "scan_ms": {k: v * 1000 for k, v in scans.items()},
            "left_due": left, "plans": plans, "ticks": {k: round(v * 1000, 1) for k, v in timings.items()}}


def print_pass_table(rows: list[dict]) -> None:
    base = rows[0]
    print(f"\nOne scheduler pass (all features' ticks) with {WAVE} reminders due, as the communities grow")
    print(f"{'communities':>11} {'due':>5} {'sent':>5} {'pass ms':>9} {'ms/due':>8} {'×@100':>6}"
          f" {'rhythm ms/due':>14} {'×@100':>6} {'find-due ms':>12} {'scan ms':>9} {'scan/index':>11}")
    for r in rows:
        scan = r["scan_ms"]["meetings_remind"]
        print(f"{r['n']:>11,} {r['due']:>5} {r['sent']:>5} {r['pass_s'] * 1000:>9.1f} {r['per_due_ms']:>8.2f}"
              f" {r['per_due_ms'] / base['per_due_ms']:>6.2f} {r['rhythm_ms_per_due']:>14.2f}"
              f" {r['rhythm_ms_per_due'] / base['rhythm_ms_per_due']:>6.2f} {r['find_empty_ms']:>12.3f}"
              f" {scan:>9.2f} {scan / r['find_empty_ms']:>10.0f}×")
    print("warm-up passes before measuring (reports adopting new communities):", [r["warmup"] for r in rows])
    print("query plans:", json.dumps(rows[-1]["plans"], indent=1))
    print("left due after the pass:", [r["left_due"] for r in rows])
    for r in rows:
        print(f"ticks at {r['n']:,} (ms):", r["ticks"])


def print_startup(res: dict, n: int) -> None:
    print(f"\nStart-up to ready with {n:,} communities (fresh process)")
    for k in ("imports_s", "start_s", "first_pass_s", "ready_s", "wall_s"):
        print(f"  {k:<20} {res[k]:.2f} s")
    print(f"  {'peak RSS':<20} {res['rss_mb']:.0f} MB")
    print(f"  reminders caught up  {res['reminders_caught_up']} (of {n // DUE_EVERY} due)")
    print(f"  slowest ticks        {[(k, round(v, 3)) for k, v in res['slowest_ticks']]}")
    ok = res["ready_s"] <= 5 and res["rss_mb"] < 300
    print(f"  target ≤ 5 s and < 300 MB: {'OK' if ok else 'MISSED'}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["all", "startup", "pass", "_child"])
    ap.add_argument("--communities", type=int, default=10_000)
    ap.add_argument("--sizes", default="100,1000,10000")
    ap.add_argument("--db")
    a = ap.parse_args()
    if a.what == "_child":
        print(json.dumps(asyncio.run(_startup_child(Path(a.db), a.communities))))
        return
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        if a.what in ("all", "startup"):
            print_startup(run_startup(a.communities, tmp), a.communities)
        if a.what in ("all", "pass"):
            rows = [asyncio.run(measure_pass(int(s), tmp)) for s in a.sizes.split(",")]
            print_pass_table(rows)
    print(f"\n(python {sys.version.split()[0]}, {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
