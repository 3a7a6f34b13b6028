"""A summary of the demo's community with the real features behind it: statements read and time per text.

    .venv/bin/python -m bench.bench_figures [--runs 200]

Runs the offline demo and, at the week-7 Friday summary (28 August 2026, 15:00 WITA), builds the summary
text `--runs` times (no chart), counting the SQLite statements of one build with the trace callback.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from typing import Any

from bot.demo import GROUP, Demo, run_demo
from bot.handlers.reports_summary import build_summary


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=200)
    args = ap.parse_args()
    done: dict[str, Any] = {}

    async def probe(demo: Demo) -> None:
        now = demo.clock.now()
        if done or not (now.month == 8 and now.day == 28 and now.hour >= 15):
            return
        services = demo.sim.services
        community = await services.repos.communities.by_chat(GROUP)
        seen: list[str] = []
        services.db._reader.set_trace_callback(seen.append)
        await build_summary(services, community, now, chart=False)
        services.db._reader.set_trace_callback(None)
        started = time.perf_counter()
        for _ in range(args.runs):
            await build_summary(services, community, now, chart=False)
        done.update(statements=len(seen), ms=(time.perf_counter() - started) / args.runs * 1000)

    asyncio.run(run_demo(tempfile.mkdtemp(), quiet=True, probe=probe))
    print(f"statements per summary: {done['statements']}; {done['ms']:.2f} ms per summary text "
          f"(→ 10,000 ≈ {done['ms'] * 10:.0f} s)")


if __name__ == "__main__":
    main()
