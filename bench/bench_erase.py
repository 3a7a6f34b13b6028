"""/hapusdataku on a large database: how long the erase holds the writer (and the event loop: a unit's
statements run on it), and how long /dataku's export takes. The database is a year of 100 communities of
30 members: 288,000 cycle answers, 207,000 outbox entries, an RTL item per member.

    .venv/bin/python -m bench.bench_erase [--communities 100] [--members 30] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from storage.db import Database
from storage.privacy import erase_user, export_user

LABELS = {"id": "(dihapus)", "en": "(deleted)"}


def build(path: Path, communities: int, per: int) -> list[int]:
    c = sqlite3.connect(path)
    c.execute("BEGIN")
    c.executemany("INSERT INTO communities (id, chat_id, created_at, updated_at) VALUES (?, ?, 0, 0)",
                  [(i, -1000 - i) for i in range(1, communities + 1)])
    users = [100_000 + i for i in range(communities * per)]
    c.executemany("INSERT INTO users (id, first_name, last_name, created_at, updated_at) VALUES (?, ?, ?, 0, 0)",
                  [(u, f"Guru{u}", f"Nama{u}") for u in users])
    c.executemany("INSERT INTO members (community_id, user_id, joined_at) VALUES (?, ?, 0)",
                  [(1 + i // per, u) for i, u in enumerate(users)])
    c.execute("INSERT INTO cycles (id, community_id, topic, target_raw, status, started_by, started_at,"
              " origin_chat_id, origin_message_id) VALUES (1, 1, 't', 't', 'done', 1, 0, -1, 1)")
    c.executemany("INSERT INTO cycle_stages (id, cycle_id, community_id, stage, seq, opens_at, closes_at,"
                  " reminder_at) VALUES (?, 1, 1, ?, 0, 0, 0, 0)", [(s, f"s{s}") for s in range(1, 17)])
    c.executemany(  # 4 cycles x 4 stages x 6 questions per member
        "INSERT INTO cycle_answers (stage_id, user_id, question_key, text, source, chat_id, message_id,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, 'group', ?, ?, 0, 0)",
        ((s, u, f"q{q}", "jawaban tentang kelas " * 8, -1000 - (1 + i // per), s * 10_000_000 + i * 10 + q)
         for i, u in enumerate(users) for s in range(1, 17) for q in range(6)))
    c.executemany("INSERT INTO outbox (key, chat_id, status, created_at) VALUES (?, ?, 'sent', 0)",
                  ((f"cy:r:{s}:{u}", u) for u in users for s in range(1, 70)))
    c.executemany("INSERT INTO rtl_items (community_id, what, who, owner_user_id, due, created_by, created_at,"
                  " remind_at, origin_chat_id, origin_message_id) VALUES (?, 'x', ?, ?, '2026-01-01', 1, 0, 0,"
                  " ?, ?)", ((1 + i // per, f"Guru{u}", u, -1000 - (1 + i // per), i) for i, u in enumerate(users)))
    c.execute("COMMIT")
    c.close()
    return users


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--communities", type=int, default=100)
    ap.add_argument("--members", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "kombel.sqlite3"
        await (await Database(path).open()).close()
        users = build(path, args.communities, args.members)
        db = await Database(path).open()
        exports, erases = [], []
        for n in range(args.repeat):
            victim = users[(n + 1) * len(users) // (args.repeat + 1)]
            t0 = time.perf_counter()
            await export_user(db, victim, LABELS)
            t1 = time.perf_counter()
            plan = await erase_user(db, victim, LABELS)
            erases.append(time.perf_counter() - t1)
            exports.append(t1 - t0)
        await db.close()
        print(f"{len(users)} people, {path.stat().st_size / 1e6:.0f} MB; rows changed per erase: {len(plan)}")
        print(f"export median {statistics.median(exports):.3f} s; erase (incl. WAL truncate) median "
              f"{statistics.median(erases):.3f} s, max {max(erases):.3f} s")


if __name__ == "__main__":
    asyncio.run(main())
