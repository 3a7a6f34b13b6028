"""Updates/s in webhook mode: 1, 2 and 3 `kombel-bot serve` workers on PostgreSQL beside the single SQLite
process, on bench_throughput's realistic update mix (answers to cycle prompts, survey and RSVP taps, /catat,
look-ups) in the same world (communities with a meeting reminder, an open cycle stage and a pulse survey).

Each configuration gets a fresh world (built in-process through the bot, as bench_throughput builds it),
then the real `kombel-bot serve [--workers N]` in its own processes, the fake Bot API served over HTTP in
this process and delivering by webhook as Telegram does (per-chat FIFO, the next update of a chat only
after a 2xx, up to `--max-connections` requests in flight). A warm-up slice, then `--updates` updates
queued at once; the rate is updates / (time until the last one is answered 200). The workers run without
PTB's rate limiter (KOMBEL_BENCH_NO_RATE_LIMIT=1): with it, the answers in a group wait for Telegram's
20 messages a minute per group and the figure would measure that, not the workers. Everything — the
PostgreSQL server, the workers, the fake and its webhook client — shares this machine.

    .venv/bin/python -m bench.bench_workers --database postgresql://…/postgres [--updates 2000]
        [--communities 40] [--members 12] [--configs sqlite:1,pg:1,pg:2,pg:3] [--rounds 1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from bench.bench_throughput import WORKLOADS, setup_world
from bench.workers import Workers
from bot.clock import ManualClock
from bot.sim import Sim
from fakegram import serve, server_port

START = datetime(2026, 11, 25, 14, 0, tzinfo=ZoneInfo("Asia/Jakarta"))  # a Wednesday, as bench_throughput


def _pg_database(admin_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    parts = urlsplit(admin_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _cpu(pids: list[int]) -> float:
    """CPU seconds (user + system) the processes `pids` have used so far."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _pg_backends(url: str) -> list[int]:
    """The PostgreSQL server's processes (the postmaster's children: one per connection, and its helpers)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    return [int(c) for c in Path(f"/proc/{ppid}/task/{ppid}/children").read_text().split()]


def _pg_drop(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def one(kind: str, workers: int, args: argparse.Namespace, seed: int) -> tuple[float, float, float, float]:
    """(updates/s, CPU ms per update in the workers, in PostgreSQL, in this process: the fake and its webhook)"""
    with tempfile.TemporaryDirectory() as tmp:
        name = f"kombel_bench_w{workers}_{seed}"
        target = _pg_database(args.database, name) if kind == "pg" else str(Path(tmp) / "bench.sqlite3")
        sim = Sim(target, clock=ManualClock(START), concurrency=64)
        await sim.start()
        try:
            world = await setup_world(sim, args.communities, args.members)
        finally:
            await sim.stop()
        fake = sim.fake
        t0 = time.monotonic()
        fake.clock = lambda: START.timestamp() + (time.monotonic() - t0)
        server = await serve(fake, port=0)
        dep = Workers(target, f"http://127.0.0.1:{server_port(server)}/bot", START, workers=workers,
                      env={"DB_POOL_SIZE": str(args.pool), "KOMBEL_BENCH_NO_RATE_LIMIT": "1"})
        try:
            await dep.ready()
            await dep.hook(fake, args.max_connections)
            rng = random.Random(seed)
            make = WORKLOADS["realistic"]
            make(fake, world, args.warmup, rng)
            async with asyncio.timeout(600):
                await fake.webhook.idle()
            before = sum(1 for _, s in fake.webhook.attempts if s == 200)
            mine = sorted({dep.proc.pid, *dep.alive()})
            server_pids = _pg_backends(target) if kind == "pg" else []
            cpu0 = (_cpu(mine), _cpu(server_pids), time.process_time())
            began = time.perf_counter()
            make(fake, world, args.updates, rng)
            async with asyncio.timeout(1800):
                await fake.webhook.idle()
            took = time.perf_counter() - began
            cpu1 = (_cpu(mine), _cpu(server_pids), time.process_time())
            done = sum(1 for _, s in fake.webhook.attempts if s == 200) - before
            if done != args.updates:
                raise RuntimeError(f"{done} of {args.updates} answered 200:\n{dep.tail()}")
            per = [1000 * (b - a) / args.updates for a, b in zip(cpu0, cpu1, strict=True)]
            return args.updates / took, per[0], per[1], per[2]
        finally:
            await fake.webhook.close()
            dep.stop()
            server.close()
            if kind == "pg":
                _pg_drop(args.database, name)


async def main_async(args: argparse.Namespace) -> None:
    configs = [(k, int(n)) for k, n in (c.split(":") for c in args.configs.split(","))]
    if any(k == "pg" for k, _ in configs) and not args.database:
        raise SystemExit("--database postgresql://… (a server where this user may create databases) is needed")
    rates: dict[tuple[str, int], list[tuple[float, float, float, float]]] = {c: [] for c in configs}
    for r in range(args.rounds):  # the configurations take turns: a shared machine's speed drifts
        for c in (configs if r % 2 == 0 else configs[::-1]):
            rates[c].append(await one(*c, args, seed=7 + r))
            print(f"  round {r}: {c[0]} x{c[1]}: {rates[c][-1][0]:.0f} updates/s", flush=True)
    print(f"{args.updates} updates (realistic mix), {args.communities} communities x {args.members} members,"
          f" max_connections {args.max_connections}, DB_POOL_SIZE {args.pool}")
    print("CPU ms per update: in the bot's processes, in PostgreSQL's, in this one (the fake Telegram)")
    print(f"{'backend':>8} {'workers':>7} {'updates/s':>9} {'bot ms':>6} {'pg ms':>6} {'fake ms':>7}  (updates/s each round)")
    for (kind, n), rs in rates.items():
        mid = sorted(rs)[len(rs) // 2]
        print(f"{'SQLite' if kind == 'sqlite' else 'Postgres':>8} {n:>7} {mid[0]:>9.0f} {mid[1]:>6.2f} {mid[2]:>6.2f}"
              f" {mid[3]:>7.2f}  {' '.join(f'{x[0]:.0f}' for x in rs)}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database", help="postgresql://… of a server (the admin database, e.g. /postgres)")
    ap.add_argument("--updates", type=int, default=2000)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--communities", type=int, default=40)
    ap.add_argument("--members", type=int, default=12)
    ap.add_argument("--max-connections", type=int, default=40)
    ap.add_argument("--pool", type=int, default=10, help="DB_POOL_SIZE per worker")
    ap.add_argument("--configs", default="sqlite:1,pg:1,pg:2,pg:3")
    ap.add_argument("--rounds", type=int, default=1)
    asyncio.run(main_async(ap.parse_args()))


if __name__ == "__main__":
    main()
