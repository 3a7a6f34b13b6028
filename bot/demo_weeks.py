"""The demo's term week by week: the weekly meeting (reminders, RSVP, attendance, the pulse) and what
happens in weeks 1–8 of the inquiry cycle (answers, observation, the journal loop, the post-test).
See :mod:`bot.demo`."""

from __future__ import annotations

from datetime import date, timedelta

from .demo_scenes import POST_ANSWERS, answer_test, survey_id
from .demo_world import (
    ANI,
    BUDI,
    CITRA,
    DEWI,
    EKO,
    FITRI,
    GITA,
    GROUP,
    HADI,
    INDRA,
    JOKO,
    PIC,
    PRINCIPAL,
    Demo,
    Person,
    Scene,
)

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
