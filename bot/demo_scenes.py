"""The demo's first week and its one-off scenes: set-up, the schedule, the pre-test, the cycle's start,
learning hours; the agreement, the programme's activities and the map (issue 15). See :mod:`bot.demo`."""

from __future__ import annotations

import re
from typing import Any

from .demo_world import (
    ANI,
    BUDI,
    CITRA,
    DEWI,
    EKO,
    FITRI,
    GITA,
    GROUP,
    GROUP_TITLE,
    HADI,
    INDRA,
    JOKO,
    MEMBERS,
    PIC,
    PRINCIPAL,
    STARTED_PRIVATE,
    Demo,
    Person,
)


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
