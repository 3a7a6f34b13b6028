"""End to end through the fake Bot API: a whole inquiry cycle in a group of several members — prompts on
time, answers by reply and in private (an edit, a photo), the live count, a private reminder, stage
syntheses, RTL items with a due reminder and status, a STAR PDF, a journal entry, the cycle summary —
in Indonesian and in English, plus the bad inputs."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from docx import Document as DocxDocument
from pypdf import PdfReader

from tests.conftest import ANI, BUDI, CITRA, GROUP, KEPSEK, PIC, STRANGER, onboard

WITA = timedelta(hours=8)


def at_wita(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC) - WITA


async def community(sim):
    return await sim.services.repos.communities.by_chat(GROUP)


async def current_stage(sim):
    c = await community(sim)
    cyc = await sim.services.repos.cycle.cycles.active(c.id)
    stages = await sim.services.repos.cycle.cycles.stages(cyc.id)
    return next(s for s in stages if s.status == "open")


async def prompt_ids(sim, stage):
    rows = await sim.services.db.fetchall(
        "SELECT message_id FROM cycle_prompts WHERE stage_id = ? ORDER BY message_id", (stage.id,))
    return [r[0] for r in rows]


def header_text(sim, stage):
    return sim.fake.edits(GROUP, stage.header_message_id)[-1]


def doc_text(sim, chat_id) -> str:
    msg = [m for m in sim.fake.bot_messages(chat_id) if "document" in m][-1]
    data = sim.fake.file_bytes(msg["document"]["file_id"])
    assert data.startswith(b"%PDF")
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


async def setup_group(sim, *, extra_member=True):
    await onboard(sim)
    if extra_member:  # the principal also teaches here and joins as a member
        welcome = [m for m in sim.fake.bot_messages(GROUP) if "Kombel Bot" in m.get("text", "")][0]
        await sim.tap(GROUP, welcome["message_id"], KEPSEK, "Guru mapel")
    for uid in (ANI, CITRA, KEPSEK, PIC):
        await sim.say(uid, uid, "/start")


async def test_whole_cycle_in_indonesian(sim, clock):
    await setup_group(sim)
    f = sim.fake
    # -- start -------------------------------------------------------------------------------------
    await sim.say(GROUP, ANI, "/siklus mulai literasi kelas 4: 40% → 70% tuntas")
    assert "hanya PIC" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/siklus mulai literasi kelas 4: 40% → 70% tuntas")
    texts = sim.texts(GROUP)
    started = next(t for t in texts if "Siklus baru dimulai" in t)
    assert "literasi kelas 4" in started and "Refleksi Awal" in started and "Evaluasi" in started
    refl = await current_stage(sim)
    assert refl.stage == "reflection" and len(refl.questions) == 6
    head = header_text(sim, refl)
    assert "0 dari 4 sudah menjawab" in head and "WITA" in head
    # the stage is one card: the questions as a numbered list, the live count, the private-answer link
    card = refl.header_message_id
    assert f.chat_messages(GROUP)[-1]["message_id"] == card and "Siklus baru dimulai" in sim.texts(GROUP)[-2]
    assert "1. " in head and "6. " in head and refl.questions[5]["text"] in head and "❓" not in head
    link = f.chat_messages(GROUP)[-1]["reply_markup"]["inline_keyboard"][0][0]["url"]
    assert link.endswith(f"?start=cy_{refl.id}")
    assert await prompt_ids(sim, refl) == [card]  # a reply to the card is an answer
    await sim.say(GROUP, PIC, "/siklus mulai numerasi: 30 → 60")
    assert "Masih ada siklus yang berjalan" in sim.last_text(GROUP)

    # -- answers by reply: an edit, a photo, bad ones ----------------------------------------------
    ans = await sim.say(GROUP, ANI, "1. Ada 8 murid kelas 4 yang belum lancar membaca pemahaman", reply_to=card)
    assert f.reactions(GROUP, ans["message"]["message_id"]) == ["👍"]  # the receipt, silent
    assert "1 dari 4 sudah menjawab" in header_text(sim, refl)
    await sim.deliver(f.edit_text(GROUP, ans["message"]["message_id"], ANI,
                                  "1. Ada 9 murid kelas 4 yang belum lancar membaca pemahaman teks cerita"))
    stored = await sim.services.repos.cycle.cycles.answers(refl.id, ANI)
    assert [a.text for a in stored] == ["Ada 9 murid kelas 4 yang belum lancar membaca pemahaman teks cerita"]
    await sim.say(GROUP, ANI, "2) Sudah mencoba membaca berpasangan tetapi murid masih kesulitan memahami teks",
                  reply_to=card)
    assert sorted(a.question_key for a in await sim.services.repos.cycle.cycles.answers(refl.id, ANI)) == sorted([
        refl.questions[0]["key"], refl.questions[1]["key"]])
    n = len(sim.texts(GROUP))
    await sim.deliver(f.send_photo(GROUP, BUDI, caption="6. Hasil asesmen membaca kelas 4B", reply_to=card))
    assert "Bukti tersimpan" in sim.last_text(GROUP) and len(sim.texts(GROUP)) == n + 1
    ev = await sim.services.repos.cycle.cycles.evidence(refl.id)
    assert [(e.user_id, e.kind, e.caption) for e in ev] == [(BUDI, "photo", "Hasil asesmen membaca kelas 4B")]
    assert "1 dari 4 sudah menjawab" in header_text(sim, refl)  # edited moments ago: the edit is owed
    clock.advance(seconds=31)
    await sim.tick()  # ... and the scheduler pass pays it (at most one edit per 30 s per stage)
    assert "2 dari 4 sudah menjawab" in header_text(sim, refl)
    await sim.deliver(f.send_sticker(GROUP, BUDI, reply_to=card))
    assert "Stiker tidak bisa" in sim.last_text(GROUP)
    await sim.say(GROUP, BUDI, "2. ... ", reply_to=card)
    assert "Jawaban kosong" in sim.last_text(GROUP)
    await sim.say(GROUP, STRANGER, "Saya mau ikut menjawab", reply_to=card)
    assert "belum terdaftar" in sim.last_text(GROUP)
    assert await sim.services.repos.cycle.cycles.answers(refl.id, STRANGER) == []
    await sim.say(GROUP, BUDI, "jawaban tanpa nomor", reply_to=card)  # 5 of 6 still open: which one?
    assert "nomor berapa" in sim.last_text(GROUP) and "1–6" in sim.last_text(GROUP)
    assert [a.question_key for a in await sim.services.repos.cycle.cycles.answers(refl.id, BUDI)] == [
        refl.questions[5]["key"]]

    # -- in private: deep link, one question at a time, skip, back, resend ---------------------------
    await sim.say(CITRA, CITRA, f"/start cy_{refl.id}")
    assert "pertanyaan 1 dari 6" in sim.last_text(CITRA)
    await sim.say(CITRA, CITRA, "Nilai rata-rata membaca kelas 4 adalah 58 dan hanya 40 persen tuntas")
    assert "pertanyaan 2 dari 6" in sim.last_text(CITRA)
    await sim.tap(CITRA, sim.last(CITRA)["message_id"], CITRA, "Lewati ▶")
    assert "pertanyaan 3 dari 6" in sim.last_text(CITRA)
    await sim.tap(CITRA, sim.last(CITRA)["message_id"], CITRA, "◀ Kembali")
    await sim.tap(CITRA, sim.last(CITRA)["message_id"], CITRA, "◀ Kembali")
    assert "Jawaban Anda sekarang" in sim.last_text(CITRA) and "58" in sim.last_text(CITRA)
    await sim.say(CITRA, CITRA, "Nilai rata-rata membaca kelas 4 adalah 55; hanya 40 persen murid tuntas")
    await sim.tap(CITRA, sim.last(CITRA)["message_id"], CITRA, "✅ Selesai")
    assert "1 dari 6" in sim.last_text(CITRA)
    clock.advance(seconds=31)
    await sim.tick()
    assert "3 dari 4 sudah menjawab" in header_text(sim, refl)
    mine = await sim.services.repos.cycle.cycles.answers(refl.id, CITRA)
    assert [(a.question_key, a.source) for a in mine] == [("refl.data", "private")] and "55" in mine[0].text
    await sim.say(GROUP, ANI, "/siklus")
    view = sim.last_text(GROUP)
    assert "Sekarang: Refleksi Awal" in view and "3 dari 4 sudah menjawab" in view

    # -- on time: the reminder on the last school day before closing (Friday for Monday's meeting, not
    # the Sunday), the synthesis at closing ----------------------------------------------------------
    clock.set(at_wita(4, 14, month=12))
    await sim.tick()
    assert not any("belum ada" in t for t in sim.texts(KEPSEK))
    clock.set(at_wita(4, 15, 1, month=12))
    await sim.tick()
    clock.set(at_wita(6, 15, 1, month=12))
    await sim.tick()
    assert sum("jawaban Anda belum ada" in t for t in sim.texts(KEPSEK)) == 1  # once only
    assert not any("jawaban Anda belum ada" in t for t in sim.texts(ANI))
    await sim.tap(KEPSEK, sim.last(KEPSEK)["message_id"], KEPSEK, "✍️ Jawab sekarang")
    assert "pertanyaan 1 dari 6" in sim.last_text(KEPSEK)
    await sim.say(KEPSEK, KEPSEK, "/batal")
    clock.set(at_wita(7, 7, 0, month=12))
    await sim.tick()
    synth = next(t for t in sim.texts(GROUP) if "Rangkuman tahap Refleksi Awal" in t)
    assert "3 dari 4 anggota menjawab" in synth and "1 bukti" in synth and "murid" in synth
    planning_posted = [t for t in sim.texts(GROUP) if "Perencanaan" in t and "Tahap 2/4" in t]
    assert planning_posted == []  # planning opens the next school day at 07:00
    await sim.say(GROUP, STRANGER, "telat", reply_to=card)  # no change for non-members either
    await sim.say(GROUP, BUDI, "1. Jawaban yang terlambat untuk refleksi", reply_to=card)
    assert "sudah ditutup" in sim.last_text(GROUP)
    clock.set(at_wita(8, 7, 1, month=12))
    await sim.tick()
    plan = await current_stage(sim)
    assert plan.stage == "planning" and "Tahap 2/4" in header_text(sim, plan)

    # -- advancing with nobody answering asks first ------------------------------------------------
    await sim.say(GROUP, PIC, "/siklus lanjut")
    assert "Belum ada yang menjawab" in sim.last_text(GROUP)
    await sim.tap(GROUP, sim.last(GROUP)["message_id"], ANI, "Ya, tutup tahap ini")
    assert (await current_stage(sim)).id == plan.id
    await sim.tap(GROUP, sim.last(GROUP)["message_id"], PIC, "Ya, tutup tahap ini")
    impl = await current_stage(sim)
    assert impl.stage == "implementation"
    assert any("Rangkuman tahap Perencanaan" in t and "0 dari 4" in t for t in sim.texts(GROUP))

    # -- RTL ---------------------------------------------------------------------------------------
    await sim.say(GROUP, PIC, "/rtl tambah Menerapkan exit ticket; Ani; 31/02; 80% murid mengisi")
    assert "31/02" in sim.last_text(GROUP) and "tidak ada di kalender" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/rtl tambah besok")
    assert "Tenggatnya belum ada" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/rtl tambah Menerapkan exit ticket; Ani; 15/12; 80% murid mengisi")
    added = sim.last_text(GROUP)
    assert "RTL #1 dicatat" in added and "Pengingat ke Ani" in added and "WITA" in added
    await sim.say(GROUP, BUDI, "/rtl tambah Kunjungan kelas model; Tim kelas 4; 18/12")
    items = await sim.services.repos.cycle.rtl.list((await community(sim)).id)
    assert [(i.id, i.owner_user_id) for i in items] == [(1, ANI), (2, None)]
    await sim.say(GROUP, CITRA, "/rtl selesai 1")
    assert "Hanya pemilik RTL" in sim.last_text(GROUP)
    clock.set(at_wita(14, 7, 1, month=12))
    await sim.tick()
    assert "Pengingat RTL #1" in sim.last_text(ANI)
    await sim.tap(ANI, sim.last(ANI)["message_id"], ANI, "✅ #1 selesai")
    assert "catatan singkat" in sim.last_text(ANI).lower()
    await sim.say(ANI, ANI, "Sudah dicoba di kelas 4A, 26 dari 28 murid mengisi")
    item = await sim.services.repos.cycle.rtl.get(1)
    assert (item.status, item.note) == ("done", "Sudah dicoba di kelas 4A, 26 dari 28 murid mengisi")
    await sim.say(GROUP, PIC, "/rtl")
    assert "#2 Kunjungan kelas model" in sim.last_text(GROUP) and "✅" in sim.last_text(GROUP)

    # -- implementation answer, then evaluation lists every open RTL item ----------------------------
    i1 = (await prompt_ids(sim, impl))[0]
    await sim.say(GROUP, ANI, "1. Murid menulis exit ticket, 5 murid masih salah menjawab pertanyaan inferensi",
                  reply_to=i1)
    await sim.say(GROUP, PIC, "/siklus lanjut")
    ev_stage = await current_stage(sim)
    assert ev_stage.stage == "evaluation"
    open_list = sim.last(GROUP)
    assert "RTL yang masih terbuka" in sim.last_text(GROUP) and "#2 Kunjungan kelas model" in sim.last_text(GROUP)
    await sim.tap(GROUP, open_list["message_id"], BUDI, "❌ #2 tidak")
    assert (await sim.services.repos.cycle.rtl.get(2)).status == "not_done"

    # -- good practice in STAR: PDF and text, shared with the group ----------------------------------
    await sim.say(GROUP, ANI, "/praktikbaik")
    assert "chat pribadi" in sim.last_text(GROUP)
    c = await community(sim)
    await sim.say(ANI, ANI, f"/start gp_{c.id}")
    await sim.tap(ANI, sim.last(ANI)["message_id"], ANI, "Situasi–Tantangan–Aksi–Refleksi")
    # each part comes with a draft from the cycle; typing replaces it
    assert "Draf dari data siklus" in sim.last_text(ANI) and sim.fake.reply_markup(ANI, sim.last(ANI)["message_id"])
    for text in ("Exit ticket untuk literasi kelas 4", "Kelas 4A, 28 murid, 60% belum tuntas membaca pemahaman.",
                 "Tantangannya memantau pemahaman setiap murid setiap hari.",
                 "Saya memakai exit ticket tiga pertanyaan di akhir pelajaran.",
                 "Ketuntasan naik dari 40% menjadi 72% dalam empat minggu."):
        await sim.say(ANI, ANI, text)
    pdf = doc_text(sim, ANI)
    for word in ("Exit ticket untuk literasi kelas 4", "Tantangan", "Refleksi", "Ani Rahma", "72%"):
        assert word in pdf, word
    assert "Situasi" in sim.last_text(ANI) and "Ketuntasan naik" in sim.last_text(ANI)
    text_msg = sim.last(ANI)["message_id"]
    await sim.tap(ANI, text_msg, ANI, "📝 Versi Word (bisa disunting)")  # the editable version, on request
    word = [m for m in sim.fake.bot_messages(ANI) if "document" in m][-1]
    assert word["document"]["file_name"].endswith(".docx") and "versi Word" in word["caption"]
    paragraphs = [p.text for p in DocxDocument(io.BytesIO(sim.fake.file_bytes(word["document"]["file_id"]))).paragraphs]
    for expected in ("Exit ticket untuk literasi kelas 4", "Tantangan", "Ketuntasan naik dari 40% menjadi 72% dalam "
                     "empat minggu."):
        assert any(expected in p for p in paragraphs), expected
    await sim.tap(ANI, text_msg, ANI, "📣 Bagikan ke grup")
    assert "Praktik baik dari Ani Rahma" in sim.last_text(GROUP)
    await sim.press(ANI, text_msg, ANI, "gp:d:situation")  # a draft button once the write-up is done: stale
    assert "tidak berlaku" in sim.fake.callback_answer(sim.fake.updates[-1]["callback_query"]["id"])["text"]
    assert "Exit ticket untuk literasi kelas 4" in doc_text(sim, GROUP)

    # -- the journal ---------------------------------------------------------------------------------
    await sim.say(ANI, ANI, "/jurnal 15:30")
    assert "15.30 WITA" in sim.last_text(ANI)
    clock.set(at_wita(15, 15, 31, month=12))
    await sim.tick()
    assert "Catatan harian" in sim.last_text(ANI) and "seharusnya" in sim.last_text(ANI)
    await sim.say(ANI, ANI, "Murid kelompok B belum paham inferensi karena teksnya terlalu panjang")
    assert "Catatan tersimpan" in sim.last_text(ANI)
    await sim.tap(ANI, sim.last(ANI)["message_id"], ANI, "📣 Bagikan untuk diskusi")
    await sim.say(GROUP, PIC, "/jurnal masalah")
    assert "teksnya terlalu panjang" in sim.last_text(GROUP)

    # -- student results and the summary ---------------------------------------------------------------
    await sim.say(GROUP, PIC, "/siklus hasil empat puluh")
    assert "dua angka" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/siklus hasil 40 72")
    assert "Target tercapai" in sim.last_text(GROUP)
    e1 = (await prompt_ids(sim, ev_stage))[0]
    await sim.say(GROUP, BUDI, "1. Ketuntasan naik menjadi 72 persen setelah exit ticket rutin", reply_to=e1)
    status = await sim.services.feeds.cycle.status(c.id, clock.now())
    assert status["stage"] == "evaluation" and status["answered"] == 1 and status["good_practices"] == 1
    await sim.say(GROUP, PIC, "/siklus lanjut")
    summary = sim.last_text(GROUP)
    assert "Siklus selesai: literasi kelas 4" in summary and "Target tercapai" in summary
    assert "Refleksi Awal: 3 dari 4" in summary and "1 selesai, 1 tidak terlaksana, 0 masih terbuka" in summary
    assert "Praktik baik ditulis: 1" in summary
    got = await sim.services.feeds.cycle.summaries(c.id, 0, clock.ts() + 1)
    assert got[0]["met"] is True and got[0]["participation"]["reflection"] == [3, 4]
    assert await sim.services.repos.cycle.cycles.active(c.id) is None
    await sim.say(GROUP, PIC, "/siklus mulai numerasi kelas 5: 30 → 60")  # a new cycle may start now
    assert "Siklus baru dimulai: numerasi kelas 5" in "\n".join(sim.texts(GROUP)[-9:])


async def test_whole_cycle_in_english(sim, clock):
    await setup_group(sim, extra_member=False)
    await sim.say(GROUP, PIC, "/language")
    await sim.tap(GROUP, sim.last(GROUP)["message_id"], PIC, "English")
    await sim.say(GROUP, PIC, "/cycle start grade 4 literacy: 40% → 70% mastery")
    assert any("A new cycle has started: grade 4 literacy" in t for t in sim.texts(GROUP))
    refl = await current_stage(sim)
    assert "0 of 3 have answered" in header_text(sim, refl) and "WITA" in header_text(sim, refl)
    q1 = (await prompt_ids(sim, refl))[0]
    assert q1 == refl.header_message_id and "starting with the question's number" in header_text(sim, refl)
    upd = await sim.say(GROUP, ANI, "1. Eight pupils in grade 4 still struggle with reading comprehension",
                        reply_to=q1)
    assert sim.fake.reactions(GROUP, upd["message"]["message_id"]) == ["👍"]
    assert "1 of 3 have answered" in header_text(sim, refl)
    await sim.say(CITRA, CITRA, f"/start cy_{refl.id}")
    assert "question 1 of 6" in sim.last_text(CITRA)
    await sim.deliver(sim.fake.send_document(CITRA, CITRA, caption="Reading scores, term 1"))
    assert "Evidence saved" in sim.texts(CITRA)[-2] and "question 2 of 6" in sim.last_text(CITRA)
    await sim.say(GROUP, PIC, "/cycle next")
    assert any("Synthesis of the Reflection stage" in t and "2 of 3 members answered" in t
               for t in sim.texts(GROUP))
    await sim.say(GROUP, PIC, "/rtl add Use exit tickets; me; 15/12; 80% of pupils fill them in")
    assert "Follow-up #1 recorded" in sim.last_text(GROUP) and "Sari gets a private reminder" in sim.last_text(GROUP)
    clock.set(at_wita(14, 7, 5, month=12))
    await sim.tick()
    assert "Follow-up #1 reminder" in sim.last_text(PIC)
    await sim.tap(PIC, sim.last(PIC)["message_id"], PIC, "❌ #1 not done")
    await sim.say(PIC, PIC, "-")
    assert "no note" in sim.last_text(PIC)
    for _ in range(2):  # planning (nobody answered: confirm) and implementation
        await sim.say(GROUP, PIC, "/cycle next")
        if "Nobody has answered" in sim.last_text(GROUP):
            await sim.tap(GROUP, sim.last(GROUP)["message_id"], PIC, "Yes, close this stage")
    assert (await current_stage(sim)).stage == "evaluation"
    assert "Follow-ups still open" not in "\n".join(sim.texts(GROUP)[-3:])  # nothing open any more
    await sim.say(CITRA, CITRA, "/goodpractice")
    await sim.tap(CITRA, sim.last(CITRA)["message_id"], CITRA, "STAR (Situation–Task–Action–Result)")
    for text in ("Exit tickets for grade 4 literacy", "Grade 4B, 30 pupils.", "Track understanding daily.",
                 "Three-question exit ticket every lesson.", "Mastery rose from 40% to 72%."):
        await sim.say(CITRA, CITRA, text)
    pdf = doc_text(sim, CITRA)
    assert "Good practice".upper() in pdf.upper() and "Situation" in pdf and "Mastery rose" in pdf
    await sim.say(CITRA, CITRA, "/journal 7")
    assert "07:00 WITA" in sim.last_text(CITRA)
    clock.set(at_wita(15, 7, 0, month=12))
    await sim.tick()
    prompt = sim.last(CITRA)
    assert "Daily journal" in sim.last_text(CITRA)
    await sim.say(CITRA, CITRA, "Group B did not finish the reading task", reply_to=prompt["message_id"])
    assert "Entry saved" in sim.last_text(CITRA)
    await sim.say(GROUP, PIC, "/cycle results 40 65")
    assert "Target not met yet" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/cycle next")
    if "Nobody has answered" in sim.last_text(GROUP):
        await sim.tap(GROUP, sim.last(GROUP)["message_id"], PIC, "Yes, close this stage")
    summary = sim.last_text(GROUP)
    assert "Cycle complete: grade 4 literacy" in summary and "Target not met" in summary
    assert "Reflection: 2 of 3" in summary and "0 done, 1 not done, 0 still open" in summary
    assert "Good practices written: 1" in summary


async def test_bad_inputs_change_nothing(sim, clock):
    await setup_group(sim, extra_member=False)
    f = sim.fake
    await sim.say(GROUP, STRANGER, "/siklus")
    assert "belum terdaftar" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/siklus mulai")
    assert "Tuliskan topik" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/siklus mulai literasi: 70% → 40%")
    assert "Targetnya belum pas" in sim.last_text(GROUP)
    await sim.say(PIC, PIC, "/siklus mulai literasi: 40 → 70")
    assert "hanya bisa dipakai di grup" in sim.last_text(PIC)
    await sim.say(GROUP, PIC, "/siklus lanjut")
    assert "Belum ada siklus" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/siklus apa")
    assert "tidak mengenal" in sim.last_text(GROUP) and "/siklus pertanyaan tambah" in sim.last_text(GROUP)
    c = await community(sim)
    assert await sim.services.repos.cycle.cycles.latest(c.id) is None
    # the same update delivered twice starts one cycle and says so once
    upd = f.send_text(GROUP, PIC, "/siklus mulai literasi kelas 4: 40% → 70% tuntas")
    await sim.deliver(upd)
    n = len(sim.texts(GROUP))
    await sim.deliver(upd)
    assert len(sim.texts(GROUP)) == n
    refl = await current_stage(sim)
    q1 = (await prompt_ids(sim, refl))[0]
    # a very long answer is kept up to the limit; a re-delivered answer changes nothing
    upd = f.send_text(GROUP, ANI, "1. " + "murid " * 1000, reply_to=q1)
    await sim.deliver(upd)
    assert "3.000 karakter" in sim.last_text(GROUP)
    await sim.deliver(upd)
    stored = await sim.services.repos.cycle.cycles.answers(refl.id)
    assert len(stored) == 1 and len(stored[0].text) <= 3000
    # forged or foreign buttons
    head = refl.header_message_id
    for data in ("cy:adv:999", "cy:adv:x", f"cy:adv:{refl.id}", "rt:d:999", "gp:s:1", "jr:s:1", "cy:g:abc",
                 f"cy:g:{refl.id}:0"):
        await sim.press(GROUP, head, BUDI, data)
        assert f.callback_answer(f.updates[-1]["callback_query"]["id"])["text"], data
    assert (await current_stage(sim)).id == refl.id
    # RTL: a number that does not exist, a date in the past, too many parts
    await sim.say(GROUP, ANI, "/rtl selesai 42")
    assert "tidak ada di komunitas ini" in sim.last_text(GROUP)
    await sim.say(GROUP, ANI, "/rtl tambah Exit ticket; Ani; 1/11")
    assert "sudah lewat" in sim.last_text(GROUP)
    await sim.say(GROUP, ANI, "/rtl tambah a; b; 15/12; d; e")
    assert "Terlalu banyak bagian" in sim.last_text(GROUP)
    assert await sim.services.repos.cycle.rtl.list(c.id) == []
    # the journal: a bad time, the group, and off
    await sim.say(ANI, ANI, "/jurnal 25:99")
    assert "tidak bisa saya baca" in sim.last_text(ANI) and "/jurnal 15:30" in sim.last_text(ANI)
    await sim.say(GROUP, ANI, "/jurnal 15:30")
    assert "chat pribadi" in sim.last_text(GROUP)
    assert await sim.services.repos.cycle.journal.sub(ANI, c.id) is None
    await sim.say(GROUP, ANI, "/jurnal masalah")
    assert "hanya PIC" in sim.last_text(GROUP)
    # STAR: typing before choosing the reading, an empty part
    await sim.say(ANI, ANI, "/praktikbaik")
    intro = sim.last(ANI)
    await sim.say(ANI, ANI, "judul tanpa memilih format")
    assert "Pilih dulu formatnya" in sim.last_text(ANI)
    await sim.tap(ANI, intro["message_id"], ANI, "STAR (Situation–Task–Action–Result)")
    await sim.say(ANI, ANI, "???")
    assert "Judul" in sim.last_text(ANI)


async def test_pic_changes_questions_and_restart_keeps_the_cycle(sim, clock):
    await setup_group(sim, extra_member=False)
    await sim.say(GROUP, ANI, "/siklus pertanyaan")
    assert "refl.data" in sim.last_text(GROUP) and "eval.learned" in sim.last_text(GROUP)
    await sim.say(GROUP, ANI, "/siklus pertanyaan hapus plan.extend")
    assert "hanya PIC" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/siklus pertanyaan hapus plan.nope")
    assert 'Kode pertanyaan "plan.nope" tidak ada' in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/siklus pertanyaan tambah bulan Apa kabar?")
    assert "Tahapnya tidak saya kenal" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/siklus pertanyaan tambah perencanaan " + "panjang " * 40)
    assert "terlalu panjang" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/siklus pertanyaan tambah perencanaan Siapa yang menyiapkan lembar kerja?")
    assert "plan.c1" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/siklus pertanyaan hapus plan.extend")
    await sim.say(GROUP, PIC, "/siklus pertanyaan ubah plan.model Siapa guru model dan kapan kelasnya?")
    await sim.say(GROUP, PIC, "/siklus pertanyaan xyz")
    assert "Bentuknya" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/siklus mulai literasi kelas 4: 40% → 70% tuntas")
    await sim.restart()
    refl = await current_stage(sim)
    q1 = (await prompt_ids(sim, refl))[0]
    await sim.say(GROUP, ANI, "1. Ada 8 murid yang belum lancar membaca", reply_to=q1)
    assert "1 dari 3 sudah menjawab" in header_text(sim, refl)
    await sim.say(GROUP, PIC, "/siklus lanjut")
    plan = await current_stage(sim)
    keys = [q["key"] for q in plan.questions]
    assert "plan.extend" not in keys and keys[-1] == "plan.c1"
    assert any(q["text"] == "Siapa guru model dan kapan kelasnya?" for q in plan.questions)
    card = header_text(sim, plan)
    assert "Siapa yang menyiapkan lembar kerja?" in card and "7. " in card


async def test_prompt_lost_to_a_timeout_is_posted_on_the_next_pass(sim, clock):
    await setup_group(sim, extra_member=False)
    sim.fake.timeout_next("sendMessage", times=2, deliver=False)  # the "started" note and the header
    await sim.say(GROUP, PIC, "/siklus mulai literasi kelas 4: 40% → 70% tuntas")
    refl = await current_stage(sim)
    assert refl.header_message_id is None and not refl.posted
    await sim.tick()
    refl = await current_stage(sim)
    assert refl.posted and "0 dari 3 sudah menjawab" in header_text(sim, refl)
    assert await prompt_ids(sim, refl) == [refl.header_message_id]
    assert sum("Tahap 1/4" in t for t in sim.texts(GROUP)) == 1  # the card once


async def test_every_group_answer_gets_a_silent_receipt(sim, clock):
    """An answer is confirmed once it is stored: a 👍 reaction on the member's own message, no message
    added to the group."""
    from tests.conftest import ANI, GROUP, PIC, onboard

    await onboard(sim)
    await sim.say(GROUP, PIC, "/siklus mulai literasi kelas 4: 40% → 70% tuntas")
    prompts = [r[0] for r in await sim.services.db.fetchall(
        "SELECT message_id FROM cycle_prompts WHERE chat_id = ? ORDER BY message_id", (GROUP,))]
    n = len(sim.texts(GROUP))
    first = await sim.say(GROUP, ANI, "1. Nilai rata-rata kelas 4 masih 52", reply_to=prompts[0])
    second = await sim.say(GROUP, ANI, "2. Tujuh siswa belum lancar membaca", reply_to=prompts[0])
    assert len(sim.texts(GROUP)) == n  # no thank-you messages in the group
    for upd in (first, second):
        assert sim.fake.reactions(GROUP, upd["message"]["message_id"]) == ["👍"]


async def test_reminder_that_timed_out_is_sent_on_the_next_pass(sim, clock):
    """Regression (storm test): a reminder lost to a timeout used to be dropped, the stage marked reminded."""
    await setup_group(sim)
    await sim.say(GROUP, PIC, "/siklus mulai literasi kelas 4: 40% → 70% tuntas")
    refl = await current_stage(sim)
    clock.set(datetime.fromtimestamp(refl.reminder_at, UTC))
    n_before = {u: len(sim.texts(u)) for u in (ANI, CITRA)}
    sim.fake.timeout_next("sendMessage", times=1, deliver=False)  # the first reminder is lost on the way
    await sim.tick()
    assert not (await current_stage(sim)).reminded
    clock.advance(minutes=1)
    await sim.tick()
    assert (await current_stage(sim)).reminded
    for u in (ANI, CITRA):
        assert len(sim.texts(u)) == n_before[u] + 1, u  # each exactly one reminder


async def test_cycle_plan_and_journal_skip_the_community_off_days(sim, clock):
    """The community's own off-days (an exam week) count for the cycle plan and the journal, as holidays do."""
    await setup_group(sim, extra_member=False)
    await sim.say(GROUP, PIC, "/libur 24/11-4/12 Ujian semester")  # today (Tuesday 24/11) to Friday 4/12
    await sim.say(GROUP, PIC, "/siklus mulai literasi kelas 4: 40% → 70% tuntas")
    c = await community(sim)
    cycle = await sim.services.repos.cycle.cycles.active(c.id)
    stages = await sim.services.repos.cycle.cycles.stages(cycle.id)
    assert stages[0].opens_at == at_wita(7, 7, month=12).timestamp()  # Monday after the exams, 07:00 WITA
    assert stages[0].status == "planned"
    await sim.say(ANI, ANI, "/jurnal 15:30")
    assert "Senin, 7 Desember 2026" in sim.last_text(ANI)  # the first prompt after the exams


async def test_stage_card_replies_in_english_and_older_per_question_prompts(sim, clock):
    """Issue 14: the stage posts one card. "N. …" replying to it answers question N; a plain reply answers the
    member's only question left open, otherwise the bot asks which one. A stage opened before cards has one
    prompt message per question (existing data): a reply to one still answers that question."""
    await setup_group(sim, extra_member=False)
    await sim.say(GROUP, PIC, "/language")
    await sim.tap(GROUP, sim.last(GROUP)["message_id"], PIC, "English")
    n = len(sim.fake.chat_messages(GROUP))
    await sim.say(GROUP, PIC, "/cycle start grade 4 literacy: 40% → 70% mastery")
    assert len(sim.fake.chat_messages(GROUP)) == n + 3  # the command, "a new cycle has started", the card
    refl = await current_stage(sim)
    card = refl.header_message_id
    qs = refl.questions
    text = header_text(sim, refl)
    assert all(f"{i}. {q['text']}" in text.replace("<b>", "").replace("</b>", "") for i, q in enumerate(qs, 1))
    await sim.say(GROUP, ANI, "Eight pupils struggle", reply_to=card)
    assert "Which question" in sim.last_text(GROUP) and "1–6" in sim.last_text(GROUP)
    assert await sim.services.repos.cycle.cycles.answers(refl.id, ANI) == []
    for i in range(1, 6):
        await sim.say(GROUP, ANI, f"{i}. answer number {i}", reply_to=card)
    upd = await sim.say(GROUP, ANI, "the last one, without a number", reply_to=card)  # one question left open
    assert sim.fake.reactions(GROUP, upd["message"]["message_id"]) == ["👍"]
    got = {a.question_key: a.text for a in await sim.services.repos.cycle.cycles.answers(refl.id, ANI)}
    assert got == {**{q["key"]: f"answer number {i}" for i, q in enumerate(qs[:5], 1)},
                   qs[5]["key"]: "the last one, without a number"}
    await sim.say(GROUP, CITRA, "9. out of range", reply_to=card)
    assert "Which question" in sim.last_text(GROUP)
    # a question prompt of a stage opened before cards
    old = await sim.app.bot.send_message(GROUP, "❓ 3/6 an old prompt")
    await sim.services.repos.cycle.cycles.add_prompt(GROUP, old.message_id, refl.id, qs[2]["key"])
    await sim.say(GROUP, CITRA, "Answer to the old prompt", reply_to=old.message_id)
    got = {a.question_key: a.text for a in await sim.services.repos.cycle.cycles.answers(refl.id, CITRA)}
    assert got == {qs[2]["key"]: "Answer to the old prompt"}
