"""End to end through the fake Bot API: working groups (/kelompok) and a lesson observation (/amati) — set-up
on a school day, observers by tap, the six-aspect form in private, evidence notes and a photo, scores seen
only by the model teacher and observers until shared, the debrief in order ending in an RTL item, the
report rows and the progress-map count — with refusals and bad inputs, in Indonesian and English."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.handlers.observe_reports import report_rows
from domain.programme.progress_map import indicators_from
from tests.conftest import ANI, BUDI, CITRA, GROUP, PIC, STRANGER, onboard

WITA = timedelta(hours=8)


def at_wita(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC) - WITA


def alert(sim, upd) -> str:
    return (sim.fake.callback_answer(upd["callback_query"]["id"]) or {}).get("text") or ""


async def start(sim, private=(ANI, BUDI, CITRA, PIC)):
    await onboard(sim)
    for uid in private:
        await sim.say(uid, uid, "/start")
    return await sim.services.repos.communities.by_chat(GROUP)


async def test_groups_and_observation_in_indonesian(sim, clock):
    c = await start(sim)
    f = sim.fake
    # -- working groups --------------------------------------------------------------------------
    await sim.say(GROUP, ANI, "/kelompok tambah Kelas tinggi")
    assert "hanya PIC" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/kelompok tambah")
    assert "Nama kelompoknya belum ada" in sim.last_text(GROUP) and "/kelompok tambah Kelas rendah" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/kelompok tambah " + "x" * 41)
    assert "paling panjang 40" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/kelompok tambah Kelas tinggi")
    assert "«Kelas tinggi» dibuat" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/kelompok tambah kelas TINGGI")
    assert "sudah ada" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/kelompok tambah Kelas rendah")
    await sim.say(GROUP, PIC, "/kelompok hapus Matematika")
    assert "tidak ada" in sim.last_text(GROUP)
    await sim.say(GROUP, BUDI, "/kelompok")
    card = sim.last(GROUP)
    assert f.buttons(card) == [["Kelas tinggi (0)"], ["Kelas rendah (0)"]]
    n = len(sim.texts(GROUP))
    upd = await sim.tap(GROUP, card["message_id"], BUDI, "Kelas tinggi (0)")
    assert alert(sim, upd) == "Anda bergabung dengan Kelas tinggi."
    assert "Kelas tinggi</b> (1): Budi" in f.raw_text(GROUP, card["message_id"]) or \
        "Kelas tinggi (1): Budi" in f.edits(GROUP, card["message_id"])[-1]
    assert len(sim.texts(GROUP)) == n  # edited in place: no new message in the group
    upd = await sim.tap(GROUP, card["message_id"], STRANGER, "Kelas tinggi (1)")
    assert "belum terdaftar" in alert(sim, upd)
    await sim.tap(GROUP, card["message_id"], CITRA, "Kelas tinggi (1)")
    upd = await sim.tap(GROUP, card["message_id"], CITRA, "Kelas tinggi (2)")
    assert alert(sim, upd) == "Anda keluar dari Kelas tinggi."
    await sim.tap(GROUP, card["message_id"], CITRA, "Kelas tinggi (1)")

    # -- a cycle runs: the observation belongs to its implementation stage ----------------------------
    await sim.say(GROUP, PIC, "/siklus mulai literasi kelas 4: 40% → 70% tuntas")
    cycle = await sim.services.repos.cycle.cycles.active(c.id)

    # -- set-up, bad inputs ----------------------------------------------------------------------
    await sim.say(GROUP, ANI, "/amati 4A")
    assert "Perlu tiga bagian" in sim.last_text(GROUP) and "/amati 4A; Selasa 11/8 09:00" in sim.last_text(GROUP)
    await sim.say(GROUP, ANI, "/amati 4A; 25/11; ide pokok")
    assert "Jamnya belum terbaca" in sim.last_text(GROUP)
    await sim.say(GROUP, ANI, "/amati 4A; Sabtu 28/11 09:00; ide pokok")
    assert "bukan hari sekolah" in sim.last_text(GROUP)
    await sim.say(GROUP, ANI, "/amati 4A; 24/11 08:00; ide pokok")
    assert "sudah lewat" in sim.last_text(GROUP)
    await sim.say(GROUP, ANI, "/amati 4A; 25/11 09:00; ide pokok; Kelas menengah")
    assert "«Kelas menengah» tidak ada" in sim.last_text(GROUP) and "Kelas tinggi, Kelas rendah" in sim.last_text(GROUP)
    hello = await sim.say(GROUP, CITRA, "halo")
    await sim.say(GROUP, BUDI, "/amati 4C; 25/11 09:00; ide pokok", reply_to=hello["message"]["message_id"])
    assert "hanya PIC" in sim.last_text(GROUP)  # only the PIC names someone else as model teacher
    await sim.say(ANI, ANI, "/amati 4A; 25/11 09:00; ide pokok")
    assert "di grup komunitas" in sim.last_text(ANI)

    await sim.say(GROUP, ANI, "/amati 4A; Rabu 25/11 09:00; murid menemukan ide pokok; Kelas tinggi")
    card = sim.last(GROUP)
    text = sim.last_text(GROUP)
    assert "Observasi #1" in text and "guru model Ani" in text and "Rabu, 25 November pukul 09.00 WITA" in text
    assert "Kelompok: Kelas tinggi" in text and "literasi kelas 4" in text and "Pengamat (0/4)" in text
    obs_id = 1

    # -- observers by tap --------------------------------------------------------------------------
    upd = await sim.tap(GROUP, card["message_id"], ANI, "🙋 Jadi pengamat")
    assert "guru modelnya" in alert(sim, upd)
    upd = await sim.tap(GROUP, card["message_id"], PIC, "🙋 Jadi pengamat")
    assert "untuk kelompok Kelas tinggi" in alert(sim, upd)
    upd = await sim.tap(GROUP, card["message_id"], STRANGER, "🙋 Jadi pengamat")
    assert "belum terdaftar" in alert(sim, upd)
    n = len(sim.texts(GROUP))
    upd = await sim.tap(GROUP, card["message_id"], BUDI, "🙋 Jadi pengamat")
    assert "chat pribadi" in alert(sim, upd)
    assert "Pengamat (1/4): Budi" in f.edits(GROUP, card["message_id"])[-1] and len(sim.texts(GROUP)) == n
    await sim.tap(GROUP, card["message_id"], CITRA, "🙋 Jadi pengamat")
    assert "Pengamat (2/4): Budi Santoso, Citra" in f.edits(GROUP, card["message_id"])[-1]

    # -- the form in private: six taps, then evidence ------------------------------------------------
    form = sim.last(BUDI)
    assert "Lembar pengamatan" in sim.last_text(BUDI) and "(1/6)" in sim.last_text(BUDI)
    assert "belajarnya murid" in sim.last_text(BUDI) and "Persiapan pembelajaran" in sim.last_text(BUDI)
    upd = await sim.press(BUDI, form["message_id"], PIC, f"ob:r:{obs_id}:0:4")
    assert "hanya untuk pengamat" in alert(sim, upd) or "Lembar ini" in alert(sim, upd)
    upd = await sim.press(BUDI, form["message_id"], BUDI, f"ob:r:{obs_id}:9:4")
    assert alert(sim, upd)  # a forged aspect: refused
    for score in ("3 · Tampak", "2 · Mulai tampak", "4 · Tampak kuat", "3 · Tampak", "3 · Tampak", "2 · Mulai tampak"):
        await sim.tap(BUDI, form["message_id"], BUDI, score)
    assert "Catatan bukti" in f.edits(BUDI, form["message_id"])[-1]
    note = await sim.say(BUDI, BUDI, "Rina bertanya: kenapa ide pokok ada di awal paragraf?")
    assert f.reactions(BUDI, note["message"]["message_id"]) == ["👍"]
    await sim.deliver(f.send_photo(BUDI, BUDI, caption="Peta pikiran kelompok 2"))
    await sim.deliver(f.send_sticker(BUDI, BUDI))
    assert "sebagai teks atau kirim foto" in sim.last_text(BUDI)
    await sim.tap(BUDI, form["message_id"], BUDI, "✅ Selesai")
    assert "6/6 aspek, 2 catatan bukti" in f.edits(BUDI, form["message_id"])[-1]
    cform = sim.last(CITRA)
    assert "Lembar pengamatan" in sim.last_text(CITRA)
    for score in ("4 · Tampak kuat",) * 6:
        await sim.tap(CITRA, cform["message_id"], CITRA, score)
    await sim.say(CITRA, CITRA, "Tiga murid menjelaskan ide pokok kepada pasangannya.")
    await sim.tap(CITRA, cform["message_id"], CITRA, "✅ Selesai")

    # -- scores: the model teacher and observers only, until the model teacher shares -----------------
    await sim.say(PIC, PIC, f"/amati {obs_id}")
    assert "hanya terlihat oleh guru model dan pengamat" in sim.last_text(PIC)
    await sim.say(ANI, ANI, f"/amati {obs_id}")
    assert "Persiapan pembelajaran: 3,5" in sim.last_text(ANI) and "Catatan bukti: 3" in sim.last_text(ANI)
    detail = sim.last(ANI)
    upd = await sim.press(ANI, detail["message_id"], BUDI, f"ob:s:{obs_id}:1")
    assert "Hanya guru model" in alert(sim, upd)
    await sim.tap(ANI, detail["message_id"], ANI, "🔓 Bagikan skor ke komunitas")
    await sim.say(PIC, PIC, f"/amati {obs_id}")
    assert "Pengelolaan kelas: 3" in sim.last_text(PIC)
    await sim.say(PIC, PIC, "/amati 99")
    assert "#99 tidak ada" in sim.last_text(PIC)

    # -- the debrief, scheduled and run in order ----------------------------------------------------------
    await sim.say(GROUP, BUDI, f"/amati refleksi {obs_id} 25/11 14:00")
    assert "hanya guru model" in sim.last_text(GROUP)
    await sim.say(GROUP, ANI, f"/amati refleksi {obs_id} 25/11 08:00")
    assert "sesudah pelajarannya" in sim.last_text(GROUP) and "/amati refleksi 1 12/8 14:00" in sim.last_text(GROUP)
    await sim.say(GROUP, ANI, f"/amati refleksi {obs_id} besok 14:00")
    assert "Refleksi observasi #1" in sim.last_text(GROUP) and "guru model dulu" in sim.last_text(GROUP)
    clock.set(at_wita(25, 13, 59))
    await sim.tick()
    assert "💬" not in sim.last_text(GROUP)
    clock.set(at_wita(25, 14, 0))
    await sim.tick()
    debrief = sim.last(GROUP)
    assert "Refleksi observasi #1" in sim.last_text(GROUP) and "Ani Rahma, ceritakan dulu" in sim.last_text(GROUP)
    mid = debrief["message_id"]
    await sim.tick()
    assert sim.last(GROUP)["message_id"] == mid  # posted once
    await sim.say(GROUP, BUDI, "Murid kelompok 2 aktif bertanya", reply_to=mid)
    assert "Guru model (Ani Rahma) bercerita lebih dulu" in sim.last_text(GROUP)
    await sim.say(GROUP, ANI, "Saya merencanakan peta pikiran; waktu diskusi kurang.", reply_to=mid)
    assert "Pengamat (Budi Santoso, Citra)" in f.edits(GROUP, mid)[-1]
    await sim.say(GROUP, PIC, "Idenya: kartu pertanyaan", reply_to=mid)
    assert "giliran pengamat" in sim.last_text(GROUP)
    await sim.say(GROUP, BUDI, "Rina bertanya kenapa ide pokok di awal; 5 murid menunjuk kalimat utama.", reply_to=mid)
    assert "Pengamat (Citra)" in f.edits(GROUP, mid)[-1]
    upd = await sim.tap(GROUP, mid, BUDI, "▶ Langkah berikutnya")
    assert "guru model atau PIC" in alert(sim, upd)
    await sim.say(GROUP, CITRA, "Three pupils explained the main idea to a partner.", reply_to=mid)
    assert "Ide perbaikan" in f.edits(GROUP, mid)[-1]
    await sim.say(GROUP, PIC, "Beri kartu pertanyaan untuk tiap kelompok.", reply_to=mid)
    await sim.tap(GROUP, mid, ANI, "✅ Tutup dengan RTL")
    await sim.say(GROUP, BUDI, "Kartu pertanyaan; Ani; 2/12; 20 murid bertanya", reply_to=mid)
    assert "guru model atau PIC menulis RTL" in sim.last_text(GROUP)
    await sim.say(GROUP, ANI, "Kartu pertanyaan; Ani; 1/1/2020", reply_to=mid)
    assert "sudah lewat" in sim.last_text(GROUP) and "apa; siapa; tanggal; ukuran" in sim.last_text(GROUP)
    await sim.say(GROUP, ANI, "Kartu pertanyaan murid di 4A; Ani; 2/12; 20 murid bertanya", reply_to=mid)
    final = f.edits(GROUP, mid)[-1]
    assert "Selesai. RTL #1: Kartu pertanyaan murid di 4A (Ani)" in final and "Pengelolaan kelas 3" in final
    items = await sim.services.repos.cycle.rtl.list(c.id)
    assert [(i.what, i.owner_user_id, i.cycle_id) for i in items] == [("Kartu pertanyaan murid di 4A", ANI, cycle.id)]
    await sim.say(GROUP, ANI, "lagi", reply_to=mid)
    assert "sudah selesai" in sim.last_text(GROUP)

    # -- the report rows and the progress map -----------------------------------------------------------
    rows = await report_rows(sim.services, c.id, 0, 2**31)
    (row,) = rows["observations"]
    assert row[1:7] == ["Ani Rahma", "4A", "murid menemukan ide pokok", "Kelas tinggi", 2, 3] and row[8] == "done"
    assert row[7] == round((3 + 2 + 4 + 3 + 3 + 2 + 24) / 12, 2)
    # two observers are below the per-group floor of 3: the group's mean is withheld
    assert rows["work_groups"] == [["Kelas tinggi", 2, 1, None, None], ["Kelas rendah", 0, 0, None, None]]
    assert await sim.services.feeds.observe.in_cycle(cycle.id) == 1
    await sim.say(GROUP, ANI, "/siklus")  # the cycle's view links its observations
    assert "Observasi kelas (tahap Implementasi): #1 Ani Rahma, kelas 4A (/amati)" in sim.last_text(GROUP)
    # once the cycle has ended, its observations count in the progress map (peer observations)
    await sim.services.repos.cycle.cycles.save_summary(cycle.id, c.id, clock.ts(), {"completed": True})
    summaries = await sim.services.feeds.cycle.summaries(c.id, 0, clock.ts() + 1)
    assert summaries[0]["observations"] == 1
    assert indicators_from(None, summaries, None, None, clock.ts())["peer_observations"] == 1

    # -- a departed member is refused -------------------------------------------------------------------
    await sim.say(GROUP, BUDI, "/amati 4B; 26/11 10:00; menulis")
    card2 = sim.last(GROUP)
    for u in f.leave_group(GROUP, CITRA):
        await sim.deliver(u)
    await sim.say(CITRA, CITRA, "/amati")
    assert "tidak berada di grup" in sim.last_text(CITRA)
    upd = await sim.tap(GROUP, card2["message_id"], CITRA, "🙋 Jadi pengamat")
    assert alert(sim, upd) == "Anda sudah tidak berada di grup komunitas ini."
    assert "Pengamat (0/4)" in sim.fake.raw_text(GROUP, card2["message_id"]) or not f.edits(GROUP, card2["message_id"])
    await sim.say(GROUP, PIC, "/kelompok")
    groups_card = sim.last(GROUP)
    assert f.buttons(groups_card) == [["Kelas tinggi (1)"], ["Kelas rendah (0)"]]  # Citra no longer counted
    upd = await sim.tap(GROUP, groups_card["message_id"], CITRA, "Kelas rendah (0)")
    assert alert(sim, upd) == "Anda sudah tidak berada di grup komunitas ini."


async def test_english_group(sim, clock):
    c = await start(sim, private=(ANI, CITRA, PIC))  # Budi has no private chat with the bot yet
    f = sim.fake
    await sim.say(GROUP, PIC, "/language")
    await sim.tap(GROUP, sim.last(GROUP)["message_id"], PIC, "English")
    await sim.say(CITRA, CITRA, "/groups")
    assert "Working groups" in sim.last_text(CITRA) and "No groups yet" in sim.last_text(CITRA)
    await sim.say(GROUP, CITRA, "/groups add Upper grades")
    assert "PIC" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/groups add Upper grades")
    assert "Group «Upper grades» created" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/groups remove")
    assert "name is missing" in sim.last_text(GROUP)
    await sim.say(CITRA, CITRA, "/observe")
    assert "No observations yet" in sim.last_text(CITRA) and "/observe class; date time; focus" in sim.last_text(CITRA)
    await sim.say(CITRA, CITRA, "/observe 4A; 25/11 09:00; reading")
    assert "set up in the community's group" in sim.last_text(CITRA)
    await sim.say(GROUP, CITRA, "/observe 4A; 29/11 09:00; reading")
    assert "not a school day" in sim.last_text(GROUP)
    await sim.say(GROUP, CITRA, "/observe 4A; 25/11 9.00; pupils read aloud")
    card = sim.last(GROUP)
    assert "Observation #1" in sim.last_text(GROUP) and "model teacher Citra" in sim.last_text(GROUP)
    upd = await sim.tap(GROUP, card["message_id"], ANI, "🙋 Observe")
    assert alert(sim, upd) == "You are an observer. The observation form is in your private chat."
    form = sim.last(ANI)
    assert "Observation form" in sim.last_text(ANI) and "pupils' learning" in sim.last_text(ANI)
    for _ in range(6):
        await sim.tap(ANI, form["message_id"], ANI, "3 · Seen")
    await sim.say(ANI, ANI, "Pupils took turns reading; two corrected each other.")
    await sim.tap(ANI, form["message_id"], ANI, "✅ Done")
    assert "6/6 aspects, 1 evidence notes" in f.edits(ANI, form["message_id"])[-1]
    upd = await sim.tap(GROUP, card["message_id"], BUDI, "🙋 Observe")
    assert alert(sim, upd) == "You are an observer. Open a private chat with the bot and send /observe 1 for the form."
    await sim.say(BUDI, BUDI, "/start")
    await sim.say(BUDI, BUDI, "/observe 1")
    assert "Observers: Ani Rahma, Budi Santoso" in sim.last_text(BUDI)
    await sim.tap(BUDI, sim.last(BUDI)["message_id"], BUDI, "📝 Fill in the observation form")
    assert "(1/6)" in sim.last_text(BUDI) and "Lesson preparation" in sim.last_text(BUDI)
    await sim.say(CITRA, CITRA, "/observe debrief 1 tomorrow")
    assert "can't read the time" in sim.last_text(CITRA)
    await sim.say(CITRA, CITRA, "/observe debrief 1 tomorrow 13:00")
    assert "Debrief of observation #1" in sim.last_text(CITRA)
    await sim.say(CITRA, CITRA, "/observe")
    assert "#1" in sim.last_text(CITRA) and "class 4A" in sim.last_text(CITRA)
    clock.set(at_wita(25, 13, 0))
    await sim.tick()
    mid = sim.last(GROUP)["message_id"]
    assert "Citra, please speak first" in sim.last_text(GROUP)
    await sim.say(GROUP, CITRA, "I planned paired reading.", reply_to=mid)
    await sim.say(GROUP, ANI, "Pupils read to each other.", reply_to=mid)
    await sim.say(GROUP, BUDI, "Use a reading checklist.", reply_to=mid)
    await sim.tap(GROUP, mid, CITRA, "✅ Close with an RTL")
    await sim.say(GROUP, CITRA, "Reading checklist; me; 4/12; 25 pupils use it", reply_to=mid)
    assert "Done. RTL #1: Reading checklist" in f.edits(GROUP, mid)[-1]
    await sim.say(CITRA, CITRA, "/help")
    assert "/observe" in sim.last_text(CITRA) and "/groups" in sim.last_text(CITRA)
    assert c is not None


async def test_survey_for_one_working_group_with_its_floor(sim, clock):
    c = await start(sim)
    f = sim.fake
    await sim.say(GROUP, PIC, "/kelompok tambah Kelas tinggi")
    await sim.say(GROUP, PIC, "/kelompok")
    card = sim.last(GROUP)["message_id"]
    await sim.tap(GROUP, card, BUDI, "Kelas tinggi (0)")
    await sim.tap(GROUP, card, CITRA, "Kelas tinggi (1)")
    await sim.say(GROUP, PIC, "/survei pulse kelompok Kelas rendah")
    assert "Kelompok «Kelas rendah» tidak ada. Kelompok yang ada: Kelas tinggi." in sim.last_text(GROUP)
    assert "/survei pulse kelompok Kelas tinggi" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/survei pulse kelompok Kelas tinggi")
    header = next(t for t in sim.texts(GROUP)[-6:] if "📋" in t)
    assert "Cek Mingguan Kombel · Kelas tinggi" in header
    survey_id = await sim.services.db.scalar("SELECT MAX(id) FROM surveys")
    # the survey is one card in the group, answered one tap per item in private (`/start sv_<id>`)
    await sim.say(ANI, ANI, f"/start sv_{survey_id}")  # Ani is not in the group
    assert "untuk anggota satu kelompok kerja saja" in sim.last_text(ANI)
    upd = await sim.press(ANI, sim.last(ANI)["message_id"], ANI, f"sv:{survey_id}:0:4")  # a stale item button
    assert alert(sim, upd) == "Survei ini untuk satu kelompok kerja; Anda tidak termasuk. Lihat /kelompok."
    for uid in (BUDI, CITRA):
        await sim.say(uid, uid, f"/start sv_{survey_id}")
        for idx in range(3):
            upd = await sim.press(uid, sim.last(uid)["message_id"], uid, f"sv:{survey_id}:{idx}:4")
            assert "Tersimpan" in alert(sim, upd)
    answered = await sim.services.db.scalar("SELECT COUNT(DISTINCT user_id) FROM survey_answers WHERE survey_id = ?",
                                            (survey_id,))
    assert answered == 2
    await sim.say(GROUP, PIC, f"/survei tutup {survey_id}")
    n = len(sim.texts(GROUP))
    await sim.say(GROUP, PIC, f"/survei hasil {survey_id}")  # closing posts no results; the PIC asks for them
    results = "\n".join(sim.texts(GROUP)[n:])
    # two members of the group answered: under the floor of 3, so no figure is published
    assert "Responden: 2" in results and "Tidak ada angka yang ditampilkan" in results and "rerata" not in results
    assert c is not None and f is not None
