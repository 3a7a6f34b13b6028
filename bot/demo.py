"""`kombel-bot demo`: a simulated community run through a compressed term, offline, in well under a minute.

No token, no network: the production `build_application` talks to the in-process fake Bot API
(`fakegram`) with a simulated clock, so handlers, jobs and storage are the real ones. People act only as
people can — commands, replies to the bot's messages, taps on its buttons, following its links — and
everything the bot does on its own (reminders, stage openings, syntheses, pulse results, weekly summaries,
principal digests) comes from the real scheduler pass (`sim.tick()`), run along a grid of simulated times.

The community: a PIC, a principal, ten members of different roles, in WITA (Mataram, Lombok), from the
first Monday of the odd semester (13 July 2026) through an eight-week inquiry cycle to 7 September. The
demo prints the group chat, the PIC's and one English-speaking member's private chats and the principal's
private chat as transcripts, and writes them, the report, the charts and the STAR PDF to a folder.

The community and `Demo` live in `bot/demo_world.py`, the term's script in `bot/demo_scenes.py` (the first
week, one-off scenes) and `bot/demo_weeks.py` (week by week), transcripts and the noise count in
`bot/demo_output.py`; this module runs the scenes in order.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from .clock import ManualClock
from .demo_output import ANSWER_MAX, NOISE_BUDGET, README, noise_by_week, save_files, transcript
from .demo_scenes import (
    scene_activities,
    scene_agreement,
    scene_cycle_start,
    scene_hours_week1,
    scene_map,
    scene_onboarding,
    scene_pre_test,
    scene_schedule,
)
from .demo_weeks import week1, week2, week3, week4, week5, week6, week7, week8
from .demo_world import BUDI, DEWI, EVERYONE, GROUP, GROUP_TITLE, MEMBERS, PIC, PRINCIPAL, TZ, Demo, Scene
from .sim import Sim

SCENES: list[tuple[str, Scene]] = [
    ("Set-up", scene_onboarding), ("Schedule", scene_schedule), ("Pre-test", scene_pre_test),
    ("Cycle start", scene_cycle_start), ("Hours", scene_hours_week1), ("Agreement", scene_agreement),
    ("Week 1", week1), ("Week 2", week2), ("Week 3", week3), ("Week 4", week4), ("Week 5", week5), ("Week 6", week6),
    ("Activities", scene_activities), ("Week 7", week7), ("Map", scene_map), ("Week 8", week8),
]


async def run_demo(out: str | Path | None = None, *, quiet: bool = False,
                   probe: Callable[[Demo], Awaitable[None]] | None = None, database: str | None = None) -> int:
    """The offline demo term; `database`: a postgresql:// URL to run it on (tests), else a temporary SQLite file."""
    started = time.perf_counter()
    out_dir = Path(out) if out else Path("demo-output")
    out_dir.mkdir(parents=True, exist_ok=True)
    clock = ManualClock(datetime(2026, 7, 13, 7, 0, tzinfo=TZ))
    with tempfile.TemporaryDirectory() as tmp:
        sim = Sim(database or Path(tmp) / "demo.sqlite3", clock=clock)
        for p in EVERYONE:
            sim.fake.user(p.id, p.first, last_name=p.last, language_code=p.lang)
        sim.fake.group(GROUP, GROUP_TITLE, supergroup=True, admins=[PIC.id],
                       members=[m.id for m in MEMBERS] + [PRINCIPAL.id], bot_member=False)
        demo = Demo(sim, clock, out_dir, probe=probe)
        async with sim:
            for _title, scene in SCENES:
                await scene(demo)
            files = save_files(demo, out_dir)
            chats = [("transcript-group.txt", GROUP, f"Grup: {GROUP_TITLE}"),
                     ("transcript-pic.txt", PIC.id, f"Chat pribadi: PIC ({PIC.name})"),
                     ("transcript-dewi-en.txt", DEWI.id, f"Chat pribadi: {DEWI.name} (bahasa Inggris)"),
                     ("transcript-budi.txt", BUDI.id, f"Chat pribadi: {BUDI.name} (catatan harian, uji coba)"),
                     ("transcript-principal.txt", PRINCIPAL.id, f"Chat pribadi: Kepala sekolah ({PRINCIPAL.name})")]
            texts = {name: transcript(demo, chat, title, files) for name, chat, title in chats}
            noise, longest = noise_by_week(sim)
    for name, text in texts.items():
        (out_dir / name).write_text(text + "\n", encoding="utf-8")
    (out_dir / "README.txt").write_text(README, encoding="utf-8")
    (out_dir / "noise-budget.txt").write_text("".join(f"{w}\t{n}\n" for w, n in noise.items())
                                              + f"longest answer\t{longest}\n", encoding="utf-8")
    elapsed = time.perf_counter() - started
    if not quiet:
        for text in texts.values():
            print(text, end="\n\n")
        print(f"Demo: 8 simulated weeks, {demo.ticks} scheduler passes, {len(sim.fake.updates)} updates, "
              f"finished in {elapsed:.1f} s. Files written to: {out_dir.resolve()}")
        print(f"Bot messages in the group per week (budget {NOISE_BUDGET} after the set-up week; answers to what "
              "someone typed not counted): " + ", ".join(f"{w} {n}" for w, n in noise.items())
              + f"; longest answer to someone: {longest} characters (at most {ANSWER_MAX})")
        for f in sorted(out_dir.iterdir()):
            print(f"  {f.name}")
    return 0


__all__: list[Any] = ["run_demo", "SCENES"]
