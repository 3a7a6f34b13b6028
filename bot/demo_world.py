"""The demo's world: its community (a PIC, a principal, ten members in WITA), and :class:`Demo`, through
which people act (write, reply, tap, follow links, send photos) and simulated time passes with the real
scheduler pass run along a grid of times. See :mod:`bot.demo`."""

from __future__ import annotations

import io
import random
import textwrap
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .clock import ManualClock
from .sim import Sim

TZ = ZoneInfo("Asia/Makassar")  # WITA: Mataram, Lombok
GROUP = -1002000000001
GROUP_TITLE = "Kombel SDN 3 Mataram"


@dataclass(frozen=True)
class Person:
    id: int
    first: str
    last: str
    role: str  # ui role key; "" for the principal
    lang: str = "id"

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


PIC = Person(201, "Sari", "Wulandari", "classroom")
PRINCIPAL = Person(202, "Hendra", "Kusuma", "")
ANI, BUDI, CITRA, DEWI, EKO, FITRI, GITA, HADI, INDRA, JOKO = MEMBERS = [
    Person(211, "Ani", "Rahmawati", "classroom"), Person(212, "Budi", "Santoso", "classroom"),
    Person(213, "Citra", "Lestari", "classroom"), Person(214, "Dewi", "Anggraini", "subject", "en"),
    Person(215, "Eko", "Prasetyo", "religion"), Person(216, "Fitri", "Handayani", "religion"),
    Person(217, "Gita", "Maharani", "pe"), Person(218, "Hadi", "Wijaya", "counsellor"),
    Person(219, "Indra", "Saputra", "staff"), Person(220, "Joko", "Susilo", "classroom"),
]
EVERYONE = [PIC, PRINCIPAL, *MEMBERS]
# Joko joins but never answers anything and never opens a private chat with the bot.
STARTED_PRIVATE = [PIC, *[m for m in MEMBERS if m is not JOKO]]


@dataclass
class Tap:
    chat: int
    after_id: int  # the newest message of the chat when the tap happened: where it shows in the transcript
    who: int
    label: str


@dataclass
class Demo:
    sim: Sim
    clock: ManualClock
    out: Path
    taps: list[Tap] = field(default_factory=list)
    rng: random.Random = field(default_factory=lambda: random.Random(2026))
    ticks: int = 0
    probe: Callable[[Demo], Awaitable[None]] | None = None  # tests: look at the outputs after each pass

    # -- people acting -------------------------------------------------------------------------
    async def say(self, who: Person, text: str, *, chat: int = GROUP, reply_to: int | None = None,
                  pause: float = 40) -> int:
        """`who` writes `text` (optionally as a reply); returns the new message's id."""
        self.clock.advance(seconds=pause)
        upd = await self.sim.say(chat, who.id, text, reply_to=reply_to)
        return upd["message"]["message_id"]

    async def dm(self, who: Person, text: str, *, reply_to: int | None = None, pause: float = 40) -> int:
        return await self.say(who, text, chat=who.id, reply_to=reply_to, pause=pause)

    async def tap(self, who: Person, label: str, *, chat: int = GROUP, message_id: int | None = None,
                  pause: float = 6) -> str:
        """`who` taps the button `label`; returns the bot's answer to the tap (the toast/alert text)."""
        self.clock.advance(seconds=pause)
        mid = message_id if message_id is not None else self.sim.last(chat)["message_id"]
        self.taps.append(Tap(chat, self._newest(chat), who.id, label))
        upd = await self.sim.tap(chat, mid, who.id, label)
        answer = self.sim.fake.callback_answer(upd["callback_query"]["id"]) or {}
        return answer.get("text") or ""

    async def follow(self, who: Person, message: dict[str, Any], chat: int = GROUP) -> None:
        """`who` opens the bot's deep-link button on `message`: Telegram sends `/start <payload>` privately."""
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if "?start=" in button.get("url", ""):
                    self.taps.append(Tap(chat, self._newest(chat), who.id, button["text"]))
                    await self.dm(who, "/start " + button["url"].split("?start=", 1)[1], pause=20)
                    return
        raise AssertionError(f"no deep link on message {message.get('message_id')}")

    async def photo(self, who: Person, caption: str, *, reply_to: int, chat: int = GROUP) -> None:
        self.clock.advance(seconds=60)
        await self.sim.deliver(self.sim.fake.send_photo(chat, who.id, caption=caption, reply_to=reply_to,
                                                        data=snapshot(caption), width=640, height=480))

    async def edit(self, who: Person, message_id: int, text: str, *, chat: int = GROUP) -> None:
        self.clock.advance(minutes=3)
        await self.sim.deliver(self.sim.fake.edit_text(chat, message_id, who.id, text))

    def _newest(self, chat: int) -> int:
        msgs = self.sim.fake.chat_messages(chat)
        return msgs[-1]["message_id"] if msgs else 0

    # -- reading what the bot said --------------------------------------------------------------------
    def find(self, needle: str, chat: int = GROUP) -> dict[str, Any]:
        """The newest bot message in `chat` whose text contains `needle`."""
        for m in reversed(self.sim.fake.bot_messages(chat)):
            if needle in (m.get("text") or m.get("caption") or ""):
                return m
        raise AssertionError(f"no bot message with {needle!r} in chat {chat}")

    def card(self) -> int:
        """The message id of the newest cycle stage card (a reply "2. …" to it answers question 2)."""
        return self.find("🔎 Tahap")["message_id"]

    # -- time ---------------------------------------------------------------------------------------
    def at(self, y: int, mo: int, d: int, h: int = 8, mi: int = 0) -> None:
        self.clock.set(datetime(y, mo, d, h, mi, tzinfo=TZ))

    async def until(self, mo: int, d: int, h: int = 8, mi: int = 0) -> None:
        """Let simulated time pass to `mo/d h:mi` (2026, WITA), running the real scheduler pass at every
        grid time on the way (and at the target when it is on the grid), then act at the target."""
        target = datetime(2026, mo, d, h, mi, tzinfo=TZ)
        now = self.clock.now()
        assert target >= now, f"time only moves forward: {target} < {now}"
        day = now.astimezone(TZ).date()
        while day <= target.date():
            for t in tick_grid(day):
                if now < t <= target:
                    self.clock.set(t)
                    await self.sim.tick()
                    self.ticks += 1
                    if self.probe is not None:
                        await self.probe(self)
            day += timedelta(days=1)
        self.clock.set(target)


def snapshot(caption: str) -> bytes:
    """A stand-in classroom photo (a JPEG with the caption written on it) for the evidence in the demo."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (640, 480), (236, 229, 206))
    draw = ImageDraw.Draw(img)
    draw.rectangle((40, 40, 600, 440), outline=(90, 90, 90), width=4)
    for i, line in enumerate(textwrap.wrap(caption, 40)[:6]):
        draw.text((70, 80 + 40 * i), line, fill=(40, 40, 40))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=80)
    return buf.getvalue()


def tick_grid(day: date) -> list[datetime]:
    """When the demo runs the scheduler pass on a day (production runs it every 30 s): every hour of the
    school day plus the half hours around the weekly meeting; fewer at night and at weekends."""
    if day.weekday() < 5:
        minutes = [h * 60 for h in range(6, 20)] + [13 * 60 + 30, 14 * 60 + 30, 15 * 60 + 30, 18 * 60 + 30]
    else:
        minutes = [7 * 60, 10 * 60, 13 * 60, 15 * 60 + 30, 16 * 60, 19 * 60]
    return [datetime(day.year, day.month, day.day, m // 60, m % 60, tzinfo=TZ) for m in sorted(minutes)]


Scene = Callable[[Demo], Awaitable[None]]
