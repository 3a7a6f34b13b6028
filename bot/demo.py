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
"""

from __future__ import annotations

import io
import random
import re
import tempfile
import textwrap
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .clock import ManualClock
from .render import fmt_date
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


# == week 1: set-up, schedule, pre-test, the cycle starts ============================================
async def scene_onboarding(demo: Demo) -> None:
    sim = demo.sim
    demo.at(2026, 7, 13, 7, 30)  # the first Monday of the odd semester
    await sim.deliver(sim.fake.add_bot(GROUP, PIC.id))
    welcome = demo.sim.last(GROUP)["message_id"]
    await demo.say(PIC, "/atur")
    await demo.say(PIC, GROUP_TITLE, reply_to=sim.last(GROUP)["message_id"])
    await demo.tap(PIC, "Kombel sekolah")
    await demo.say(PIC, "SDN 3 Mataram", reply_to=sim.last(GROUP)["message_id"])
    await demo.tap(PIC, "WITA (Makassar, UTC+8)")
    await demo.tap(PIC, "Senin–Jumat")
    await demo.tap(PIC, "Bahasa Indonesia")
    r = sim.services.renderer
    for p in [PIC, *MEMBERS]:
        demo.clock.advance(minutes=2)
        await demo.tap(p, r.t("id", f"role.{p.role}"), message_id=welcome)
    for p in STARTED_PRIVATE:  # most open a private chat with the bot (reminders and private answers)
        await demo.dm(p, "/start", pause=15)
    await demo.dm(DEWI, "/language")  # Dewi, an English teacher, prefers the bot in English in private
    await demo.tap(DEWI, "English", chat=DEWI.id)
    await demo.say(PIC, "/kepsek")  # the principal's link goes to the PIC in private
    link = demo.find("?start=", chat=PIC.id)
    token = (link.get("text") or "").split("?start=", 1)[1].split()[0]
    await demo.dm(PRINCIPAL, f"/start {token}", pause=300)  # the PIC forwarded it on WhatsApp
    await demo.say(ANI, "/bantuan")


async def scene_schedule(demo: Demo) -> None:
    await demo.until(7, 13, 8, 30)
    await demo.say(PIC, "/jadwal Kamis 14:00 90 Ruang guru - Asesmen formatif untuk literasi")
    await demo.say(PIC, "/target 8 jam per bulan")
    await demo.say(PIC, "/survei jadwal pulse")
    await demo.say(BUDI, "/jadwal")
    await demo.say(CITRA, "Siap, Bu Sari 👍")  # plain chatter: the bot (privacy mode) does not even see it


PRE_TEST = ("/survei pre\nJudul: Tes pemahaman asesmen formatif\n"
            "Q: Asesmen formatif terutama dipakai untuk ... | mengisi rapor | *memantau dan memperbaiki belajar"
            " | menyusun peringkat\n"
            "Q: Umpan balik paling berguna bila diberikan ... | *segera setelah tugas | di akhir semester\n"
            "Q: Exit ticket adalah ... | *pertanyaan singkat di akhir pelajaran | ulangan harian panjang")
# Each member's choice (option index) per question, pre and post; None = no answer.
PRE_ANSWERS = {ANI: (1, 0, 0), BUDI: (0, 1, 1), CITRA: (1, 0, 1), DEWI: (1, 0, 0), EKO: (0, 0, 1),
               FITRI: (2, 1, 1), GITA: (0, 0, None), HADI: (1, 1, 0), INDRA: (0, 1, 1)}
POST_ANSWERS = {ANI: (1, 0, 0), BUDI: (1, 0, 1), CITRA: (1, 0, 0), DEWI: (1, 0, 0), EKO: (1, 0, 0),
                FITRI: (1, 0, 1), GITA: (1, 0, 0), HADI: (1, 0, 0), INDRA: (0, 0, 0)}
OPTIONS = (("mengisi rapor", "memantau dan memperbaiki belajar", "menyusun peringkat"),
           ("segera setelah tugas", "di akhir semester"),
           ("pertanyaan singkat di akhir pelajaran", "ulangan harian panjang"))


def survey_id(header: dict[str, Any]) -> int:
    return int(re.search(r"#(\d+)", header.get("text") or "")[1])  # type: ignore[index]


async def answer_test(demo: Demo, header: dict[str, Any], answers: dict[Person, tuple[int | None, ...]]) -> None:
    """Each member follows the survey card's button and answers in private, one tap per question (None: they
    stop there)."""
    for who, picks in answers.items():
        demo.clock.advance(minutes=demo.rng.randint(3, 25))
        await demo.follow(who, header)
        for pick, options in zip(picks, OPTIONS, strict=True):
            if pick is None:
                break
            await demo.tap(who, options[pick], chat=who.id)


async def scene_pre_test(demo: Demo) -> None:
    await demo.until(7, 13, 9, 0)
    await demo.say(PIC, PRE_TEST)
    header = demo.find("📋 Tes pemahaman asesmen formatif")
    await answer_test(demo, header, PRE_ANSWERS)
    await demo.until(7, 13, 12, 45)
    await demo.say(PIC, f"/survei tutup {survey_id(header)}")
    await demo.dm(PIC, f"/survei hasil {survey_id(header)}")  # results on request, in private (issue 14)
    demo.sim.services.extra["demo_pre_test"] = survey_id(header)


async def scene_cycle_start(demo: Demo) -> None:
    await demo.until(7, 13, 13, 5)
    await demo.say(PIC, "/siklus mulai literasi kelas 4: 40% → 70% tuntas")
    started = next(m for m in reversed(demo.sim.fake.bot_messages(GROUP)) if "Siklus baru dimulai" in m.get("text", ""))
    await demo.tap(PIC, "SD · fase B (kelas 3–4)", message_id=started["message_id"])  # for the STAR draft
    await demo.say(PIC, "/atur mapel Bahasa Indonesia")
    await demo.say(ANI, "1. Ada 9 murid kelas 4A yang belum lancar membaca pemahaman; nilai rata-rata 58.",
                   reply_to=demo.card())
    await demo.say(ANI, "2. Kelas 4A: 9 dari 28 murid, terutama menemukan ide pokok dan menyimpulkan isi teks.",
                   reply_to=demo.card())
    await demo.say(BUDI, "3. Teksnya terlalu panjang untuk mereka dan jarang ada diskusi tentang isi bacaan.",
                   reply_to=demo.card())
    fitri = await demo.say(FITRI, "3. Murid kurang latihan membaca di rumah.", reply_to=demo.card())
    await demo.edit(FITRI, fitri, "3. Murid kurang latihan membaca di rumah, dan buku bacaan di kelas sedikit.")
    await demo.say(EKO, "4. Pernah dicoba membaca berpasangan; murid senang tetapi pemahamannya belum naik.",
                   reply_to=demo.card())
    await demo.photo(GITA, "1. Hasil asesmen membaca kelas 4B (ARKAS/rapor pendidikan)", reply_to=demo.card())
    await demo.say(HADI, "5. Prioritas: membaca pemahaman kelas 4, karena jadi dasar semua mapel.",
                   reply_to=demo.card())
    header = demo.find("Tahap 1/4")
    # Citra prefers answering in private, one question at a time
    await demo.until(7, 13, 19, 30)
    await demo.follow(CITRA, header)
    await demo.dm(CITRA, "Rapor pendidikan: literasi kelas 4 hanya 40% mencapai kompetensi minimum.")
    await demo.dm(CITRA, "Kelas 4C, 7 murid, terutama memahami teks informasi.")
    await demo.tap(CITRA, "✅ Selesai", chat=CITRA.id)
    # Dewi answers in English, in her private chat
    await demo.until(7, 14, 20, 10)
    await demo.follow(DEWI, header)
    await demo.dm(DEWI, "In my English classes grade 4 pupils score 55 on average in reading tasks.")
    await demo.tap(DEWI, "Skip ▶", chat=DEWI.id)
    await demo.dm(DEWI, "Long texts and little vocabulary support; they give up quickly.")
    await demo.tap(DEWI, "✅ Done", chat=DEWI.id)


async def scene_hours_week1(demo: Demo) -> None:
    await demo.until(7, 15, 9, 30)
    await demo.say(INDRA, "/catat 60 webinar Ruang GTK asesmen diagnostik")
    await demo.dm(ANI, "/catat 2 jam pelatihan mandiri Ruang GTK: literasi membaca", pause=60)


# == the weekly meeting: RSVP, reminders, attendance, pulse =========================================
RSVP = {ANI: "✅ Hadir", BUDI: "🙏 Izin", CITRA: "✅ Hadir", DEWI: "✅ Hadir", EKO: "💻 Daring",
        FITRI: "✅ Hadir", GITA: "✅ Hadir", HADI: "✅ Hadir", INDRA: "🙏 Izin", PIC: "✅ Hadir"}


async def meeting_week(demo: Demo, mo: int, d: int, *, week: int, evening: Scene | None = None) -> None:
    """The day before (14:00): reminder + RSVP; the day (13:00): reminder; 15:30: check-in and pulse."""
    meeting = date(2026, mo, d)
    before = meeting - timedelta(days=1)
    await demo.until(before.month, before.day, 14, 0)
    reminder = demo.find("Pengingat pertemuan besok")
    for who, label in RSVP.items():
        if demo.rng.random() < 0.15 * (week > 1) and who is not PIC:
            continue  # not everybody answers every week
        if week == 3 and who is BUDI:
            label = "✅ Hadir"  # Budi could come this time
        await demo.tap(who, label, message_id=reminder["message_id"], pause=demo.rng.randint(20, 900))
    if evening is not None:  # whatever else happens the evening before
        await evening(demo)
    await demo.until(mo, d, 15, 30)  # the tally is brought up to date by a tick; then check-in and the pulse
    checkin = demo.find("Presensi pertemuan")
    forgot = HADI if week in (1, 4) else None
    for who, label in RSVP.items():
        if label == "🙏 Izin" and not (week == 3 and who is BUDI) or who is forgot:
            continue
        if who is not PIC and demo.rng.random() < 0.1:
            continue  # could not come after all
        await demo.tap(who, "✅ Saya hadir", message_id=checkin["message_id"], pause=demo.rng.randint(10, 120))
    await answer_pulse(demo, week)
    if forgot is not None:  # he says so; the PIC records him by replying /hadir to his message
        sorry = await demo.say(forgot, "Maaf Bu, saya tadi hadir tapi lupa presensi 🙏", pause=600)
        await demo.say(PIC, "/hadir", reply_to=sorry)


PULSE_BASE = {ANI: 5, BUDI: 3, CITRA: 4, DEWI: 4, EKO: 4, FITRI: 4, GITA: 3, HADI: 4, INDRA: 3, PIC: 4}


async def answer_pulse(demo: Demo, week: int) -> None:
    header = demo.find("📋 Cek Mingguan")
    for who, base in PULSE_BASE.items():
        if who is not PIC and demo.rng.random() < 0.1 + 0.03 * week:
            continue
        demo.clock.advance(minutes=demo.rng.randint(1, 30))
        await demo.follow(who, header)  # the card's button: one tap per statement in private
        for _ in range(3):
            await demo.tap(who, str(_score(demo, base, week)), chat=who.id)
        if who is ANI and week in (1, 4):
            await demo.dm(ANI, "Diskusi data nilai murid sangat membantu saya merencanakan.")
        else:
            await demo.tap(who, "Skip ⏭" if who is DEWI else "Lewati ⏭", chat=who.id)


def _score(demo: Demo, base: int, week: int) -> int:
    trend = 1 if week >= 5 and demo.rng.random() < 0.4 else 0
    return max(1, min(5, base + trend + demo.rng.choice((-1, 0, 0, 0, 1))))


async def replies(demo: Demo, *answers: tuple[Person, int, str]) -> None:
    """Members answer questions of the open cycle stage by replying to its card in the group ("2. …")."""
    for who, i, text in answers:
        await demo.say(who, f"{i}. {text}", reply_to=demo.card())


# == weeks 2–8 =======================================================================================
async def week1(demo: Demo) -> None:
    await meeting_week(demo, 7, 16, week=1)
    await demo.until(7, 17, 10, 0)
    await demo.say(BUDI, "/jam")


async def week2(demo: Demo) -> None:
    await demo.until(7, 20, 9, 0)
    await demo.say(HADI, "2. Siswa yang tertinggal sering juga bermasalah dengan kehadiran.", reply_to=demo.card())
    await demo.say(GITA, "/catat 90 lokakarya KKG gugus literasi")
    await meeting_week(demo, 7, 23, week=2, evening=pic_answers_late)


async def pic_answers_late(demo: Demo) -> None:
    """The day before the reflection closes, the PIC (who has not answered yet) is reminded in private."""
    await demo.until(7, 22, 16, 30)
    await demo.tap(PIC, "✍️ Jawab sekarang", chat=PIC.id)
    await demo.dm(PIC, "Nilai literasi kelas 4 di rapor pendidikan: 40% mencapai kompetensi minimum.")
    await demo.tap(PIC, "✅ Selesai", chat=PIC.id)


async def week3(demo: Demo) -> None:
    # planning opened on Friday 24/7 at 07:00 (a tick); answers by reply over the weekend and Monday
    await demo.until(7, 24, 9, 15)
    await replies(
        demo,
        (ANI, 1, "Murid mampu menemukan ide pokok dan menyimpulkan isi teks cerita pendek."),
        (CITRA, 2, "Exit ticket 3 pertanyaan setiap akhir pelajaran membaca."),
        (BUDI, 3, "Kelompok kecil dengan teks lebih pendek dan pendampingan guru."),
        (EKO, 5, "Model membaca terbimbing lalu diskusi berpasangan (think-pair-share)."),
        (ANI, 6, "Kelas 4A Bu Ani, Kamis 6/8 jam ke-3; pengamat Bu Sari dan Pak Budi."),
    )
    await demo.until(7, 27, 10, 0)
    await demo.say(PIC, "/rtl tambah Exit ticket 3 pertanyaan di kelas 4A dan 4B; Ani; 14/8; 80% murid mengisi")
    await demo.say(PIC, "/rtl tambah Kunjungan kelas model dan lembar pengamatan; Tim kelas 4; 13/8; "
                        "lembar pengamatan terisi")
    await demo.say(DEWI, "/catat 45 reading Ruang GTK module on formative assessment")
    await meeting_week(demo, 7, 30, week=3)


async def working_groups(demo: Demo) -> None:
    """Two working groups (001, 004: lower and upper grades); members join with a tap on one card."""
    await demo.say(PIC, "/kelompok tambah Kelas rendah")
    await demo.say(PIC, "/kelompok tambah Kelas tinggi")
    await demo.say(PIC, "/kelompok")
    card = demo.sim.last(GROUP)["message_id"]
    for who, group in ((ANI, "Kelas tinggi"), (BUDI, "Kelas tinggi"), (PIC, "Kelas tinggi"), (CITRA, "Kelas tinggi"),
                       (GITA, "Kelas rendah"), (FITRI, "Kelas rendah"), (JOKO, "Kelas rendah")):
        keyboard = (demo.sim.fake.reply_markup(GROUP, card) or {}).get("inline_keyboard", [])
        label = next(b["text"] for row in keyboard for b in row if b["text"].startswith(group))
        await demo.tap(who, label, message_id=card)


async def observation_setup(demo: Demo) -> None:
    """Ani volunteers as model teacher (lesson study, 002/004); Budi and the PIC observe with the six-aspect
    form of 001 in private, recording what pupils did and said."""
    await demo.say(ANI, "/amati 4A; Selasa 11/8 09:00; murid menemukan ide pokok teks cerita; Kelas tinggi")
    card = demo.sim.last(GROUP)["message_id"]
    await demo.tap(BUDI, "🙋 Jadi pengamat", message_id=card)
    await demo.tap(PIC, "🙋 Jadi pengamat", message_id=card)
    await demo.say(ANI, "/amati refleksi 1 12/8 14:00")


async def observation_forms(demo: Demo) -> None:
    for who, scores, notes in (
        (PIC, (3, 3, 4, 3, 3, 2), ("Rina bertanya: «Kenapa ide pokok selalu di awal paragraf?»",
                                   "Kelompok 3 menunjuk kalimat utama dengan jari sebelum menulis.")),
        (BUDI, (3, 2, 3, 3, 4, 2), ("5 dari 7 murid kelompok C menjawab exit ticket dengan benar.",)),
    ):
        form = demo.find("Lembar pengamatan — observasi #1", who.id)["message_id"]
        for score in scores:
            label = demo.sim.services.renderer.t("id", f"observe.score.{score}")
            await demo.tap(who, label, chat=who.id, message_id=form)
        for note in notes:
            await demo.dm(who, note, pause=60)
        await demo.tap(who, "✅ Selesai", chat=who.id, message_id=form)


async def observation_debrief(demo: Demo) -> None:
    """The debrief in order: the model teacher, the observers on pupils' learning, redesign; then an RTL."""
    await demo.until(8, 12, 14, 5)
    card = demo.find("💬 Refleksi observasi #1")["message_id"]
    await demo.say(ANI, "Saya merencanakan peta pikiran berpasangan; waktu diskusi ternyata kurang.", reply_to=card)
    await demo.say(BUDI, "Kelompok C: 5 dari 7 murid menemukan ide pokok; 2 murid menunggu temannya.", reply_to=card)
    await demo.say(PIC, "Rina dan dua temannya bertanya tentang letak kalimat utama; itu tanda mereka berpikir.",
                   reply_to=card)
    await demo.say(CITRA, "Beri kartu pertanyaan untuk tiap pasangan, dan 5 menit lebih untuk diskusi.",
                   reply_to=card)
    await demo.tap(ANI, "✅ Tutup dengan RTL", message_id=card)
    await demo.say(ANI, "Kartu pertanyaan pasangan di 4A dan 4B; Ani; 28/8; 20 murid mengajukan pertanyaan",
                   reply_to=card)
    # only the model teacher decides whether the scores go beyond her and the observers: she shares them
    await demo.dm(ANI, "/amati 1")
    await demo.tap(ANI, "🔓 Bagikan skor ke komunitas", chat=ANI.id)


async def week4(demo: Demo) -> None:
    await demo.until(8, 3, 8, 0)
    await demo.say(PIC, "/jadwal batal 13/8 rapat dinas di kecamatan")
    await working_groups(demo)
    await meeting_week(demo, 8, 6, week=4)  # planning closes at this meeting; implementation opens Fri 7/8


async def week5(demo: Demo) -> None:
    await demo.until(8, 10, 13, 30)
    await observation_setup(demo)
    await demo.say(ANI, "1. Murid menulis exit ticket; 21 dari 28 murid menjawab ide pokok dengan benar.",
                   reply_to=demo.card())
    await demo.photo(GITA, "3. Exit ticket kelas 4B, hari pertama", reply_to=demo.card())
    await demo.say(CITRA, "2. Teks saya pendekkan jadi 2 paragraf karena kelompok C kesulitan.", reply_to=demo.card())
    # 12/8 07:00: the RTL reminder reaches the PIC in private (team item due 13/8); the meeting of 13/8 is off
    await journal_loop(demo)
    await demo.until(8, 11, 12, 30)  # after the observed lesson of 09:00 (and the journal card)
    await observation_forms(demo)
    await demo.until(8, 12, 9, 0)
    await demo.dm(PIC, "/rtl selesai 2")
    await observation_debrief(demo)
    await demo.until(8, 13, 7, 30)
    await demo.tap(ANI, "✅ #1 selesai", chat=ANI.id)
    await demo.dm(ANI, "Di 4A dan 4B, 50 dari 56 murid mengisi exit ticket (89%).")
    await demo.say(FITRI, "/catat 120 pelatihan daring diferensiasi pembelajaran")


async def journal_loop(demo: Demo) -> None:
    """Seed 004's loop: Budi's journal says the day differed and why; the weekly card gathers it; Eko and
    Citra propose, members vote; the PIC fixes the solution; Budi tries it (an RTL item); the effect comes
    back through the journal (week 8)."""
    await demo.until(8, 10, 15, 40)
    await demo.dm(BUDI, "/jurnal tulis")
    await demo.dm(BUDI, "Kelompok C diam saat diskusi; hanya dua murid yang menjawab pertanyaan inferensi.")
    await demo.tap(BUDI, "🤔 Berbeda dari rencana", chat=BUDI.id)
    await demo.dm(BUDI, "Teksnya terlalu panjang dan tanpa gambar, jadi mereka tidak berani menebak.")
    await demo.tap(BUDI, "📣 Bagikan untuk diskusi", chat=BUDI.id)
    await demo.until(8, 11, 10, 0)
    await demo.say(PIC, "/jurnal masalah")
    card = demo.find("Masalah minggu ini")["message_id"]
    await demo.say(EKO, "1 Teks pendek bergambar untuk murid yang belum lancar", reply_to=card)
    await demo.say(CITRA, "1 Diskusi berpasangan dulu sebelum kelompok", reply_to=card)
    await demo.until(8, 11, 11, 0)
    for who, label in ((ANI, "👍 1A"), (CITRA, "👍 1A"), (GITA, "👍 1B"), (BUDI, "👍 1A")):
        await demo.tap(who, label, message_id=card)
    await demo.until(8, 11, 12, 0)
    await demo.tap(PIC, "✅ Tetapkan solusi (PIC)", message_id=card)
    await demo.tap(BUDI, "🧪 Saya coba", chat=BUDI.id)


async def journal_effect(demo: Demo) -> None:
    """The trial's last school day was Thursday 27/8: its owner answers in one tap, then one line."""
    await demo.tap(BUDI, "👍 Membantu", chat=BUDI.id, message_id=demo.find("dampak uji coba", BUDI.id)["message_id"])
    await demo.dm(BUDI, "Kelompok C menjawab 5 dari 6 pertanyaan; dua murid pendiam ikut bicara.")


async def week6(demo: Demo) -> None:
    await demo.until(8, 18, 9, 0)  # Monday 17/8 was Independence Day
    await demo.say(EKO, "2. Saya memberi teks bergambar untuk murid yang belum lancar; mereka lebih berani menjawab.",
                   reply_to=demo.card())
    await meeting_week(demo, 8, 20, week=5)  # implementation closes; evaluation opens Fri 21/8


async def week7(demo: Demo) -> None:
    await demo.until(8, 21, 9, 30)
    await replies(
        demo,
        (ANI, 1, "Ketuntasan 4A naik dari 40% menjadi 72% dalam empat minggu."),
        (BUDI, 2, "Exit ticket membuat kami tahu setiap hari siapa yang perlu bantuan."),
    )
    # the post-test, with the same questions as the pre-test
    await demo.until(8, 24, 9, 0)
    await demo.say(PIC, f"/survei post {demo.sim.services.extra['demo_pre_test']}")
    header = demo.find("📋 Tes pemahaman asesmen formatif")
    await answer_test(demo, header, POST_ANSWERS)
    await demo.until(8, 26, 8, 0)  # Tuesday 25/8 was a holiday (Maulid Nabi)
    await demo.say(PIC, f"/survei tutup {survey_id(header)}")
    await demo.dm(PIC, f"/survei hasil {survey_id(header)}")  # results on request, in private (issue 14)
    await demo.say(PIC, "/siklus hasil 40 72")
    # Ani writes up the good practice (STAR) in private from the bot's draft (taken from the cycle), edits
    # the title and the action, and shares it
    await demo.until(8, 26, 10, 0)  # a free lesson period
    await demo.say(ANI, "/praktikbaik")
    await demo.follow(ANI, demo.find("chat pribadi"))
    await demo.tap(ANI, "Situasi–Tantangan–Aksi–Refleksi", chat=ANI.id)
    await demo.dm(ANI, "Exit ticket untuk literasi kelas 4", pause=60)
    for _ in range(2):  # situation and challenge: the draft is right
        await demo.tap(ANI, "✅ Pakai draf", chat=ANI.id, pause=90)
    await demo.dm(ANI, "Tiga pertanyaan exit ticket di akhir pelajaran; murid yang belum paham dibimbing esoknya "
                       "dalam kelompok kecil dengan teks yang lebih pendek. Kami saling mengamati kelas dan "
                       "membahas hasil exit ticket setiap Kamis di pertemuan kombel. Teks bacaan kami pilih bersama dari "
                       "buku cerita anak yang dekat dengan kehidupan murid di Lombok, lalu kami pendekkan.", pause=180)
    await demo.tap(ANI, "✅ Pakai draf", chat=ANI.id, pause=90)
    write_up = demo.sim.last(ANI.id)["message_id"]
    await demo.tap(ANI, "📝 Versi Word (bisa disunting)", chat=ANI.id)
    await demo.tap(ANI, "📣 Bagikan ke grup", chat=ANI.id, message_id=write_up)
    await meeting_week(demo, 8, 27, week=6)


async def week8(demo: Demo) -> None:
    await demo.until(8, 31, 10, 0)
    await journal_effect(demo)
    await replies(
        demo,
        (CITRA, 3, "Kelas 4C: 3 murid masih perlu bantuan membaca lancar; lanjut bimbingan pagi."),
        (HADI, 4, "Kita belajar memakai data harian; siklus berikutnya numerasi dengan cara yang sama."),
    )
    await meeting_week(demo, 9, 3, week=7)  # evaluation closes at this meeting: the cycle summary
    await demo.until(9, 4, 16, 0)  # Friday's weekly summary
    await demo.dm(PIC, "/laporan 13/7 4/9")  # the report of the term, in private
    await demo.until(9, 7, 8, 0)  # Monday's principal digest
    pulses = [r[0] for r in await demo.sim.services.db.fetchall(
        "SELECT id FROM surveys WHERE kind = 'pulse' AND status = 'closed' ORDER BY id")]
    for pulse in pulses:  # the pulses' full results, on request, in private (the group saw each week's line)
        await demo.dm(PIC, f"/survei hasil {pulse}")
    await demo.dm(PRINCIPAL, "/laporan siklus ini")


# == issue 15: the agreement, the programme's activities, the map as the community sees itself ==========
async def scene_agreement(demo: Demo) -> None:
    await demo.until(7, 15, 10, 30)
    await demo.say(PIC, "/kesepakatan tim")  # the core team (003, step 1): one tap per person
    for p in (ANI, HADI):
        await demo.tap(PIC, p.name)
    await demo.say(PIC, "/kesepakatan tulis")  # the agreement (003, step 2): the suggested values and commitments
    await demo.say(PIC, "contoh", reply_to=demo.sim.last(GROUP)["message_id"])
    card = demo.sim.last(GROUP)["message_id"]
    for p in (ANI, HADI, CITRA, EKO, FITRI, GITA, JOKO):
        await demo.tap(p, "✅ Saya setuju", message_id=card, pause=demo.rng.randint(30, 900))
    await demo.dm(PIC, "/kesepakatan")  # who has accepted, in private


async def scene_activities(demo: Demo) -> None:
    await demo.until(8, 21, 7, 45)  # the PIC records two of the programme's activities (002), in private
    for kind, details in (("Kelas inspirasi orang tua", "14/8 6 0 18"), ("Forum berbagi praktik baik", "20/8 11 0 0")):
        await demo.dm(PIC, "/kegiatan", pause=60)
        await demo.tap(PIC, kind, chat=PIC.id)
        await demo.dm(PIC, details, pause=30)


async def scene_map(demo: Demo) -> None:
    await demo.until(8, 28, 9, 0)  # once a term: the community places itself on the progress map (003)
    await demo.say(PIC, "/peta buka")
    card = demo.sim.last(GROUP)
    for who, levels in ((ANI, "Berjalan"), (DEWI, "Running")):  # Dewi reads English
        await demo.follow(who, card)
        form = demo.sim.last(who.id)["message_id"]
        for _ in range(11):
            await demo.tap(who, levels, chat=who.id, message_id=form, pause=8)
    await demo.say(ANI, "/peta")


SCENES: list[tuple[str, Scene]] = [
    ("Set-up", scene_onboarding), ("Schedule", scene_schedule), ("Pre-test", scene_pre_test),
    ("Cycle start", scene_cycle_start), ("Hours", scene_hours_week1), ("Agreement", scene_agreement),
    ("Week 1", week1), ("Week 2", week2), ("Week 3", week3), ("Week 4", week4), ("Week 5", week5), ("Week 6", week6),
    ("Activities", scene_activities), ("Week 7", week7), ("Map", scene_map), ("Week 8", week8),
]


# == output ===========================================================================================
def transcript(demo: Demo, chat_id: int, title: str, files: dict[str, str]) -> str:
    """A readable transcript: Indonesian day headers, sender and time, files as "📎 name", the final
    state of edited messages, each row of buttons, and people's taps on buttons."""
    sim = demo.sim
    names = {p.id: p.name for p in EVERYONE}
    bot_id = sim.fake.bot_id
    taps = [t for t in demo.taps if t.chat == chat_id]
    lines = [f"══ {title} ══"]
    last_day = None
    pending: list[Tap] = []

    def flush_taps(upto: int) -> None:
        nonlocal taps
        run = [t for t in taps if t.after_id <= upto]
        taps = [t for t in taps if t.after_id > upto]
        pending.extend(run)
        if pending:
            by_person: dict[int, list[str]] = {}
            for t in pending:
                by_person.setdefault(t.who, []).append(f"[{t.label}]")
            taps_text = " · ".join(f"{names.get(w, '?')} {' '.join(ls)}" for w, ls in by_person.items())
            lines.append(textwrap.fill(taps_text, 110, initial_indent="    👆 ", subsequent_indent="       "))
            pending.clear()

    for m in sim.fake.chat_messages(chat_id):
        flush_taps(m["message_id"] - 1)
        body = _body(m, files)
        if not body:
            continue
        when = datetime.fromtimestamp(m["date"], UTC).astimezone(TZ)
        day = fmt_date(when, "id")
        if day != last_day:
            lines.append(f"\n— {day} —")
            last_day = day
        sender_id = m.get("from", {}).get("id")
        sender = "🤖 Kombel Bot" if sender_id == bot_id else names.get(sender_id, "?")
        reply = m.get("reply_to_message")
        if reply is not None and sender_id != bot_id:
            quoted = (reply.get("text") or reply.get("caption") or "").split("\n")[0]
            sender += f" ↩ «{textwrap.shorten(quoted, 50, placeholder='…')}»"
        if m.get("edit_date") and sender_id != bot_id:
            body += " (diedit)"
        lines.append(f"[{when:%H.%M} WITA] {sender}: {textwrap.indent(body, '    ').lstrip()}")
        for row in (m.get("reply_markup") or {}).get("inline_keyboard", []):
            lines.append("    " + " ".join(f"[{b['text']}{' ↗' if 'url' in b else ''}]" for b in row))
    flush_taps(10**12)
    return "\n".join(lines)


def _body(m: dict[str, Any], files: dict[str, str]) -> str:
    caption = m.get("text") or m.get("caption") or ""
    if "photo" in m:
        name = files.get(m["photo"][-1]["file_id"], "foto.jpg")
        return f"📎 {name}" + (f" — {caption}" if caption else "")
    if "document" in m:
        name = files.get(m["document"]["file_id"]) or m["document"].get("file_name", "dokumen")
        return f"📎 {name}" + (f" — {caption}" if caption else "")
    return caption


def save_files(demo: Demo, out: Path) -> dict[str, str]:
    """Write the charts (the bot's photos in the group), the report and the STAR PDF and DOCX; returns
    file_id -> the name written, for the transcripts."""
    fake, files = demo.sim.fake, {}
    charts = [m for m in fake.bot_messages(GROUP) if "photo" in m]
    for i, m in enumerate(charts, 1):
        slug = re.sub(r"[^a-z0-9]+", "-", (m.get("caption") or "grafik").lower().split(":")[0])[:40].strip("-")
        name = f"grafik-{i:02d}-{slug or 'grafik'}.png"
        (out / name).write_bytes(fake.file_bytes(m["photo"][-1]["file_id"]))
        files[m["photo"][-1]["file_id"]] = name
    docs = [m["document"] for m in fake.bot_messages(PIC.id) if "document" in m]
    for doc in docs:  # the /laporan XLSX and PDF the PIC received
        ext = doc["file_name"].rsplit(".", 1)[-1]
        name = f"laporan.{ext}"
        (out / name).write_bytes(fake.file_bytes(doc["file_id"]))
        files[doc["file_id"]] = name
    star = [m["document"] for m in fake.bot_messages(GROUP) if "document" in m]
    if star:
        (out / "praktik-baik-star.pdf").write_bytes(fake.file_bytes(star[-1]["file_id"]))
        files[star[-1]["file_id"]] = "praktik-baik-star.pdf"
        for m in fake.bot_messages(ANI.id):  # the same PDF as Ani first received it, and her Word version
            if "document" in m and m["document"]["file_name"].endswith(".docx"):
                (out / "praktik-baik-star.docx").write_bytes(fake.file_bytes(m["document"]["file_id"]))
                files[m["document"]["file_id"]] = "praktik-baik-star.docx"
            elif "document" in m:
                files[m["document"]["file_id"]] = "praktik-baik-star.pdf"
    return files


README = """Kombel Bot — hasil demo offline / offline demo output
========================================================

Satu komunitas simulasi (PIC Sari Wulandari, kepala sekolah Hendra Kusuma, 10 anggota, zona WITA)
menjalani satu siklus inkuiri 8 pekan, 13 Juli – 7 September 2026, lewat aplikasi, handler, penjadwal
dan basis data yang sama dengan produksi, melawan Bot API tiruan (tanpa token, tanpa jaringan).

transcript-group.txt      Percakapan grup: set-up, jadwal, pengingat + RSVP, presensi, jam belajar,
                          siklus inkuiri (pertanyaan, jawaban, rangkuman), RTL, survei, ringkasan pekanan.
transcript-pic.txt        Chat pribadi PIC: tautan kepala sekolah, pengingat RTL, /laporan.
transcript-dewi-en.txt    Chat pribadi Dewi (bahasa Inggris): menjawab siklus, tes, dan cek mingguan.
transcript-principal.txt  Chat pribadi kepala sekolah: tersambung lewat /kepsek, ringkasan (digest) tiap
                          Senin 07.00 WITA, laporan siklus.
laporan.xlsx              /laporan yang diterima PIC (Excel: kehadiran, jam belajar, siklus, RTL, survei).
laporan.pdf               /laporan yang sama dalam PDF.
praktik-baik-star.pdf     Praktik baik Ani Rahmawati (Situasi–Tantangan–Aksi–Refleksi), dibagikan ke grup.
praktik-baik-star.docx    Praktik baik yang sama dalam Word, untuk disunting (Ani memintanya di chat pribadi).
grafik-NN-*.png           Grafik yang dikirim bot ke grup (hasil survei, tes awal/akhir, ringkasan pekanan).

English: the group chat, the PIC's, an English-speaking member's and the principal's private chats as
transcripts; the PIC's /report (XLSX and PDF); the good-practice (STAR) PDF and Word document; every chart
the bot posted.
"""


NOISE_BUDGET = 6  # bot messages a school week in the group, after the set-up week (issue 14)
ANSWER_MAX = 1024  # an answer to what someone typed does not count against the budget, but stays this short


def noise_by_week(sim: Sim, chat_id: int = GROUP) -> tuple[dict[str, int], int]:
    """Bot messages in the group per ISO week (local time), as the fake Bot API holds them, and the longest
    answer to a person. Edits are free; a reply to a person's message (the answer to what they typed) does
    not count."""
    weeks: dict[str, int] = {}
    longest = 0
    for m in sim.fake.bot_messages(chat_id):
        to = m.get("reply_to_message") or {}
        if to and not to.get("from", {}).get("is_bot"):
            longest = max(longest, len(m.get("text") or m.get("caption") or ""))
            continue
        year, week, _ = datetime.fromtimestamp(m["date"], TZ).isocalendar()
        key = f"{year}-W{week:02d}"
        weeks[key] = weeks.get(key, 0) + 1
    return dict(sorted(weeks.items())), longest


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
