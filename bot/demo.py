"""`kombel-bot demo`: a simulated community run through the real application, offline.

No token, no network: the production `build_application` talks to the in-process fake Bot API
(`fakegram`) with a simulated clock, so handlers, jobs and storage are the real ones. The demo prints the
group chat and the principal's private chat as a transcript and writes its files to a folder.
"""

from __future__ import annotations

import tempfile
import textwrap
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .clock import ManualClock
from .render import fmt_date
from .sim import Sim

TZ = ZoneInfo("Asia/Makassar")  # WITA: Mataram, Lombok
GROUP = -1002000000001


@dataclass
class Person:
    id: int
    first: str
    last: str
    role: str  # ui role key; "" for PIC/principal


PIC = Person(201, "Sari", "Wulandari", "classroom")
PRINCIPAL = Person(202, "Hendra", "Kusuma", "")
MEMBERS = [
    Person(211, "Ani", "Rahmawati", "classroom"), Person(212, "Budi", "Santoso", "classroom"),
    Person(213, "Citra", "Lestari", "classroom"), Person(214, "Dewi", "Anggraini", "subject"),
    Person(215, "Eko", "Prasetyo", "religion"), Person(216, "Fitri", "Handayani", "religion"),
    Person(217, "Gita", "Maharani", "pe"), Person(218, "Hadi", "Wijaya", "counsellor"),
    Person(219, "Indra", "Saputra", "staff"), Person(220, "Joko", "Susilo", "classroom"),
]


@dataclass
class Demo:
    sim: Sim
    clock: ManualClock
    out: Path
    names: dict[int, str] = field(default_factory=dict)

    async def say(self, who: Person, text: str, *, chat: int = GROUP, reply_to: int | None = None) -> None:
        await self.sim.say(chat, who.id, text, reply_to=reply_to)

    async def tap(self, who: Person, label: str, *, chat: int = GROUP, message_id: int | None = None) -> None:
        mid = message_id if message_id is not None else self.sim.last(chat)["message_id"]
        await self.sim.tap(chat, mid, who.id, label)

    def last_id(self, chat: int = GROUP) -> int:
        return self.sim.last(chat)["message_id"]

    def at(self, y: int, mo: int, d: int, h: int = 8, mi: int = 0) -> None:
        self.clock.set(datetime(y, mo, d, h, mi, tzinfo=TZ))


Scene = Callable[[Demo], Awaitable[None]]


async def scene_onboarding(demo: Demo) -> None:
    sim = demo.sim
    demo.at(2026, 7, 13, 7, 30)  # the first week of the odd semester
    await sim.deliver(sim.fake.add_bot(GROUP, PIC.id))
    welcome = demo.last_id()
    await demo.say(PIC, "/atur")
    await demo.say(PIC, "Kombel SDN 3 Mataram", reply_to=demo.last_id())
    await demo.tap(PIC, "Kombel sekolah")
    await demo.say(PIC, "SDN 3 Mataram", reply_to=demo.last_id())
    await demo.tap(PIC, "WITA (Makassar, UTC+8)")
    await demo.tap(PIC, "Senin–Jumat")
    await demo.tap(PIC, "Bahasa Indonesia")
    r = sim.services.renderer
    for p in [PIC, *MEMBERS]:
        demo.clock.advance(minutes=3)
        await demo.tap(p, r.t("id", f"role.{p.role}"), message_id=welcome)
    await demo.say(PIC, "/start", chat=PIC.id)
    await demo.say(PIC, "/kepsek")
    link = sim.last_text(PIC.id).split("?start=", 1)[1].split()[0]
    await demo.say(PRINCIPAL, f"/start {link}", chat=PRINCIPAL.id)
    await demo.say(MEMBERS[0], "/bantuan")


SCENES: list[tuple[str, Scene]] = [("Onboarding", scene_onboarding)]


def transcript(sim: Sim, chat_id: int, title: str, names: dict[int, str]) -> str:
    lines = [f"══ {title} ══"]
    bot_id = sim.fake.bot_id
    last_day = None
    for m in sim.fake.chat_messages(chat_id):
        text = m.get("text") or m.get("caption") or ""
        if not text and "document" in m:
            text = f"📎 {m['document'].get('file_name', 'file')}"
        if not text and "photo" in m:
            text = "🖼 (gambar)"
        if not text:
            continue
        when = datetime.fromtimestamp(m["date"], UTC).astimezone(TZ)
        day = fmt_date(when, "id")
        if day != last_day:
            lines.append(f"\n— {day} —")
            last_day = day
        sender = "🤖 Kombel Bot" if m.get("from", {}).get("id") == bot_id else names.get(
            m.get("from", {}).get("id"), "?")
        body = textwrap.indent(text, "    ").lstrip()
        lines.append(f"[{when:%H.%M} WITA] {sender}: {body}")
        markup = (m.get("reply_markup") or {}).get("inline_keyboard")
        if markup:
            lines.append("    " + "  ".join(f"[{b['text']}]" for row in markup for b in row))
    return "\n".join(lines)


async def run_demo(out: str | Path | None = None, *, quiet: bool = False) -> int:
    started = time.perf_counter()
    out_dir = Path(out) if out else Path("demo-output")
    out_dir.mkdir(parents=True, exist_ok=True)
    clock = ManualClock(datetime(2026, 7, 13, 7, 0, tzinfo=TZ))
    with tempfile.TemporaryDirectory() as tmp:
        sim = Sim(Path(tmp) / "demo.sqlite3", clock=clock)
        names = {}
        for p in [PIC, PRINCIPAL, *MEMBERS]:
            sim.fake.user(p.id, p.first, last_name=p.last)
            names[p.id] = f"{p.first} {p.last}"
        sim.fake.group(GROUP, "Kombel SDN 3 Mataram", supergroup=True, admins=[PIC.id],
                       members=[m.id for m in MEMBERS] + [PRINCIPAL.id], bot_member=False)
        demo = Demo(sim, clock, out_dir, names)
        async with sim:
            for _title, scene in SCENES:
                await scene(demo)
            group_t = transcript(sim, GROUP, "Grup: Kombel SDN 3 Mataram", names)
            principal_t = transcript(sim, PRINCIPAL.id, "Chat pribadi: Kepala sekolah (Hendra Kusuma)", names)
    (out_dir / "transcript-group.txt").write_text(group_t + "\n", encoding="utf-8")
    (out_dir / "transcript-principal.txt").write_text(principal_t + "\n", encoding="utf-8")
    elapsed = time.perf_counter() - started
    if not quiet:
        print(group_t)
        print()
        print(principal_t)
        print(f"\nDemo finished in {elapsed:.1f} s (simulated time). Files written to: {out_dir.resolve()}")
        for f in sorted(out_dir.iterdir()):
            print(f"  {f.name}")
    return 0


__all__: list[Any] = ["run_demo", "SCENES"]
