"""End to end through the fake Bot API: seed 004's journal loop — a journal entry that differed from the plan
asks "why?", shared problems gathered on one weekly card in the group (anonymous unless the writer allowed the
name), proposals by reply and votes with one tap (the card edited in place, throttled), the PIC fixes the
solutions, the writer accepts a trial (an RTL item), the effect asked in private on its last school day, and
the report sheet and cycle summary showing problem → solution → effect; with refusals and bad inputs."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import openpyxl

from bot.handlers.cycle_core import summary_data
from tests.conftest import ANI, BUDI, CITRA, GROUP, KEPSEK, PIC, onboard

WITA = timedelta(hours=8)


def at_wita(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC) - WITA


def message(sim, chat_id: int, mid: int) -> dict:
    return next(m for m in sim.fake.chat_messages(chat_id) if m["message_id"] == mid)


def alert(sim) -> str:
    return sim.fake.callback_answer(sim.fake.updates[-1]["callback_query"]["id"])["text"] or ""


async def write_entry(sim, uid: int, text: str, command: str = "/jurnal tulis") -> int:
    await sim.say(uid, uid, command)
    await sim.say(uid, uid, text)
    return sim.last(uid)["message_id"]


async def test_journal_why_card_votes_trial_effect(sim, clock):
    f = sim.fake
    await onboard(sim)
    for uid in (ANI, BUDI, CITRA):
        await sim.say(uid, uid, "/start")
    await sim.services.repos.users.set_locale(CITRA, "en", sim.services.now_ts())
    c = await sim.services.repos.communities.by_chat(GROUP)
    await sim.say(GROUP, PIC, "/siklus mulai literasi kelas 4: 40% → 70% tuntas")
    cycle = await sim.services.repos.cycle.cycles.latest(c.id)

    # -- the journal asks "why?" when the day differed from the plan ---------------------------------------
    await sim.say(ANI, ANI, "/jurnal 15:30")
    clock.set(at_wita(24, 15, 31))
    await sim.tick()
    assert "seharusnya" in sim.last_text(ANI)
    await sim.say(ANI, ANI, "Kelompok B belum bisa menyimpulkan isi bacaan")
    saved = sim.last(ANI)
    assert "Catatan tersimpan" in saved["text"]
    await sim.tap(ANI, saved["message_id"], ANI, "🤔 Berbeda dari rencana")
    assert "Mengapa" in sim.last_text(ANI)
    await sim.say(ANI, ANI, "...")  # empty: asked again, with an example
    assert "kosong" in sim.last_text(ANI) and "Mengapa" in sim.last_text(ANI)
    await sim.say(ANI, ANI, "Teksnya terlalu panjang untuk kelompok B")
    assert "Penyebabnya tercatat" in sim.last_text(ANI)
    await sim.tap(ANI, sim.last(ANI)["message_id"], ANI, "📣 Bagikan untuk diskusi")  # anonymous
    entry = (await sim.services.repos.cycle.journal.entries(ANI, c.id, 1))[0]
    assert (await sim.services.repos.journal_loop.entry(entry.id)).why == "Teksnya terlalu panjang untuk kelompok B"

    mid = await write_entry(sim, BUDI, "Diskusi kelompok ramai tetapi tidak fokus pada soal")
    await sim.tap(BUDI, mid, BUDI, "✅ Sesuai rencana")
    assert "sesuai rencana" in sim.last_text(BUDI)
    await sim.tap(BUDI, mid, BUDI, "👤 Bagikan dengan nama")
    assert "dengan nama Anda" in sim.last_text(BUDI)

    mid = await write_entry(sim, CITRA, "Pupils finished the worksheet too early", "/journal write")
    await sim.tap(CITRA, mid, CITRA, "🤔 Differed from the plan")
    assert "Why did this problem arise" in sim.last_text(CITRA)
    await sim.say(CITRA, CITRA, "The tasks were too easy for them")
    assert "Cause noted" in sim.last_text(CITRA)  # not shared: stays private

    # -- the weekly card: PIC only, one message, names only where allowed ----------------------------------
    await sim.say(GROUP, BUDI, "/jurnal masalah")
    assert "hanya PIC" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/jurnal masalah")
    card = sim.last(GROUP)
    text = card["text"]
    assert "Masalah minggu ini" in text and "1." in text and "2." in text
    assert "Teksnya terlalu panjang" in text and "Budi Santoso" in text and "Ani" not in text
    assert "too early" not in text
    assert "reply_markup" not in card  # nothing to vote on yet

    # proposals by reply: bad forms get the right form, good ones a 👍 and the card (throttled) catches up
    for bad, expect in (("Pakai teks bergambar", "nomor berapa"), ("9 Pakai teks", "nomor 1–2"), ("1 ...", "belum ada")):
        await sim.say(GROUP, BUDI, bad, reply_to=card["message_id"])
        assert expect in sim.last_text(GROUP) and "<code>1 Pakai" not in sim.last_text(GROUP), bad
        assert "1 Pakai teks pendek bergambar" in sim.last_text(GROUP)
    n_before = len(f.bot_messages(GROUP))
    sent = await sim.say(GROUP, BUDI, "1 Pakai teks pendek bergambar", reply_to=card["message_id"])
    assert f.reactions(GROUP, sent["message"]["message_id"]) == ["👍"]
    await sim.say(GROUP, CITRA, "1: Read the text aloud first", reply_to=card["message_id"])
    assert len(f.bot_messages(GROUP)) == n_before  # no new group message: the card is edited
    assert "1A" not in message(sim, GROUP, card["message_id"])["text"]  # edited at most every 30 s
    clock.advance(seconds=31)
    await sim.tick()
    text = message(sim, GROUP, card["message_id"])["text"]
    assert "1A. Pakai teks pendek bergambar" in text and "1B. Read the text aloud first" in text

    # votes with one tap: added, moved; refused for a non-member and someone who left
    await sim.tap(GROUP, card["message_id"], CITRA, "👍 1A")
    assert "tercatat" in alert(sim) or "vote is in" in alert(sim)
    await sim.tap(GROUP, card["message_id"], BUDI, "👍 1B")
    await sim.tap(GROUP, card["message_id"], BUDI, "👍 1A")
    assert "dipindah" in alert(sim)
    await sim.tap(GROUP, card["message_id"], KEPSEK, "👍 1B")
    assert "belum terdaftar" in alert(sim)
    for u in f.leave_group(GROUP, CITRA):
        await sim.deliver(u)
    await sim.tap(GROUP, card["message_id"], CITRA, "👍 1B")
    assert "sudah tidak berada" in alert(sim)
    clock.advance(seconds=31)
    await sim.tick()
    assert "1A. Pakai teks pendek bergambar · 👍 2" in message(sim, GROUP, card["message_id"])["text"]
    # a forged vote from another chat's card, and the decide button for a member
    await sim.press(GROUP, card["message_id"], BUDI, "jl:v:999")
    assert "tidak ada di komunitas" in alert(sim)
    await sim.tap(GROUP, card["message_id"], BUDI, "✅ Tetapkan solusi (PIC)")
    assert "hanya PIC" in alert(sim)
    # a second /jurnal masalah points at the same card
    await sim.say(GROUP, PIC, "/jurnal masalah")
    assert "sudah diperbarui" in sim.last_text(GROUP)

    # -- the PIC fixes the solutions; the writer is asked in private, never named in the group --------------
    await sim.tap(GROUP, card["message_id"], PIC, "✅ Tetapkan solusi (PIC)")
    assert "1 penulis" in alert(sim)
    text = message(sim, GROUP, card["message_id"])["text"]
    assert "Dipilih untuk uji coba" in text and "tanpa usulan" in text and "Ani" not in text
    await sim.say(GROUP, BUDI, "2 Bagi peran dalam kelompok", reply_to=card["message_id"])
    assert "sudah ditetapkan" in sim.last_text(GROUP)
    offer = sim.last(ANI)
    assert "Uji coba solusi" in offer["text"] and "Pakai teks pendek bergambar" in offer["text"]
    await sim.press(GROUP, card["message_id"], ANI, "jl:a:1")
    assert alert(sim)  # a trial button in the group: refused
    assert await sim.services.repos.cycle.rtl.list(c.id) == []
    await sim.tap(ANI, offer["message_id"], ANI, "🧪 Saya coba")
    accepted = sim.last_text(ANI)
    assert "RTL #" in accepted and "8 Des" in accepted and "15.30 WITA" in accepted
    rtl = (await sim.services.repos.cycle.rtl.list(c.id))[0]
    assert rtl.owner_user_id == ANI and rtl.due == "2026-12-08" and rtl.what.startswith("Uji coba: Pakai teks")
    await sim.press(ANI, offer["message_id"], ANI, "jl:a:1")
    assert "sudah dijawab" in alert(sim)  # a second tap (an old client) changes nothing
    assert len(await sim.services.repos.cycle.rtl.list(c.id)) == 1

    # -- the effect: asked in private on the trial's last school day, one tap, then one reply -------------
    clock.set(at_wita(8, 15, 0, month=12))
    await sim.tick()
    assert not any("dampak uji coba" in t for t in sim.texts(ANI))
    clock.set(at_wita(8, 15, 31, month=12))
    await sim.tick()
    ask = next(m for m in reversed(f.bot_messages(ANI)) if "dampak uji coba" in (m.get("text") or ""))
    await sim.press(ANI, ask["message_id"], ANI, "jl:e:1:7")
    assert alert(sim)  # out of range: stale
    await sim.tap(ANI, ask["message_id"], ANI, "👍 Membantu")
    assert "Dampak tercatat" in sim.last_text(ANI)
    assert (await sim.services.repos.cycle.rtl.get(rtl.id)).status == "done"
    await sim.say(ANI, ANI, "?!")
    assert "kosong" in sim.last_text(ANI) and "12 dari 15 murid" in sim.last_text(ANI)  # the form, by example
    await sim.say(ANI, ANI, "12 dari 15 murid bisa menyimpulkan bacaan")
    assert "Terima kasih" in sim.last_text(ANI)

    # -- the report sheet and the cycle summary: problem → solution → effect --------------------------------
    rows = await sim.services.feeds.journal.report_rows(c.id, 0, 2**31)
    assert rows["trials"] == [["Kelompok B belum bisa menyimpulkan isi bacaan", "Pakai teks pendek bergambar",
                               "2026-11-25", "2026-12-08", "membantu", "12 dari 15 murid bisa menyimpulkan bacaan"]]
    data = await summary_data(sim.services, cycle.id)
    for loc, words in (("id", "Uji coba dari jurnal"), ("en", "Trials from the journal")):
        text = sim.services.renderer.render(loc, "cycle/summary", s=data, community=c, bot_username="b")
        assert words in text and "Pakai teks pendek bergambar" in text, loc
    await sim.say(GROUP, PIC, "/laporan")
    xlsx = next(m for m in reversed(f.bot_messages(GROUP)) if m.get("document", {}).get("file_name", "").endswith(".xlsx"))
    book = openpyxl.load_workbook(io.BytesIO(f.file_bytes(xlsx["document"]["file_id"])))
    sheet = next(ws for ws in book.worksheets if "Uji coba" in ws.title)
    cells = [c.value for row in sheet.iter_rows() for c in row]
    assert "Masalah" in cells and "Pakai teks pendek bergambar" in cells and "membantu" in cells
    assert "Ani Rahma" not in cells


async def test_journal_loop_in_english_and_private_only(sim, clock):
    f = sim.fake
    await onboard(sim)
    await sim.say(CITRA, CITRA, "/start")
    await sim.services.repos.users.set_locale(CITRA, "en", sim.services.now_ts())
    mid = await write_entry(sim, CITRA, "Half the class did not bring the reading book", "/journal write")
    await sim.tap(CITRA, mid, CITRA, "👤 Share with my name")
    assert "with your name" in sim.last_text(CITRA)
    # an entry button pressed by someone else, or in the group: stale
    await sim.say(ANI, ANI, "/start")
    await sim.press(ANI, sim.last(ANI)["message_id"], ANI, "jl:d:1")  # someone else's entry
    assert "tidak berlaku" in alert(sim)
    await sim.press(GROUP, f.bot_messages(GROUP)[-1]["message_id"], CITRA, "jl:d:1")  # in the group
    assert alert(sim)
    assert (await sim.services.repos.journal_loop.entry(1)).differed is None
    c = await sim.services.repos.communities.by_chat(GROUP)
    await sim.services.repos.communities.update(c.id, sim.services.now_ts(), locale="en")
    await sim.say(GROUP, PIC, "/journal problems")
    card = sim.last(GROUP)
    assert "This week's problems" in card["text"] and "Citra" in card["text"]
    await sim.say(GROUP, ANI, "Bring spare books", reply_to=card["message_id"])  # one problem: no number needed
    assert f.reactions(GROUP, f.updates[-1]["message"]["message_id"]) == ["👍"]
    await sim.say(GROUP, ANI, "2 x", reply_to=card["message_id"])
    assert "This card has problems 1–1" in sim.last_text(GROUP)
    # the "why?" still asked after sharing; the card (throttled) shows it
    await sim.tap(CITRA, mid, CITRA, "🤔 Differed from the plan")
    await sim.say(CITRA, CITRA, "The books stay at home because the bags are heavy")
    assert "Cause noted" in sim.last_text(CITRA)
    clock.advance(seconds=31)
    await sim.tick()
    text = message(sim, GROUP, card["message_id"])["text"]
    assert "Why: The books stay at home" in text and "1A. Bring spare books" in text
    for k in range(4):
        await sim.say(GROUP, BUDI, f"1 idea {k}", reply_to=card["message_id"])
    assert "already has 4 proposals" in sim.last_text(GROUP)
    await sim.say(BUDI, BUDI, "/bantuan")
    assert "/journal — Private daily journal; weekly problems → solutions → trials" in sim.last_text(BUDI)


async def test_card_goes_up_before_the_meeting_and_the_effect_waits_for_its_owner(sim, clock):
    """Without the PIC's command the card is posted (once) up to 3 hours before the weekly meeting when problems
    are waiting; an English writer declines a trial; an owner who left the group is not asked about the effect
    until they are back, and never on a day off."""
    f = sim.fake
    await onboard(sim)
    for uid in (ANI, CITRA):
        await sim.say(uid, uid, "/start")
    await sim.services.repos.users.set_locale(CITRA, "en", sim.services.now_ts())
    await sim.say(GROUP, PIC, "/jadwal Kamis 14:00 90 Ruang guru")
    mid = await write_entry(sim, ANI, "Murid kelas 5 lupa membawa buku bacaan")
    await sim.tap(ANI, mid, ANI, "📣 Bagikan untuk diskusi")
    mid = await write_entry(sim, CITRA, "Pupils could not finish the experiment", "/journal write")
    await sim.tap(CITRA, mid, CITRA, "📣 Share for discussion")
    clock.set(at_wita(26, 10, 30))  # Thursday, 3 h 30 before the meeting: not yet
    await sim.tick()
    assert not any("Masalah minggu ini" in t for t in sim.texts(GROUP))
    clock.set(at_wita(26, 11, 30))
    await sim.tick()
    card = next(m for m in f.bot_messages(GROUP) if "Masalah minggu ini" in (m.get("text") or ""))
    assert "lupa membawa buku" in card["text"] and "could not finish" in card["text"]
    clock.advance(minutes=11)
    await sim.tick()
    assert sum("Masalah minggu ini" in t for t in sim.texts(GROUP)) == 1  # once, not once per pass
    await sim.say(GROUP, BUDI, "1 Simpan buku di kelas", reply_to=card["message_id"])
    await sim.say(GROUP, BUDI, "2 Split the experiment over two lessons", reply_to=card["message_id"])
    clock.advance(seconds=31)
    await sim.tick()
    await sim.tap(GROUP, card["message_id"], PIC, "✅ Tetapkan solusi (PIC)")
    assert "2 penulis" in alert(sim)
    assert "reply_markup" not in message(sim, GROUP, card["message_id"])  # decided: no more buttons

    # English: the offer and a decline
    offer = sim.last(CITRA)
    assert "Trying a solution" in offer["text"] and "Split the experiment" in offer["text"]
    await sim.tap(CITRA, offer["message_id"], CITRA, "Not now")
    assert "not now" in sim.last_text(CITRA).lower()
    assert all(i.owner_user_id != CITRA for i in await sim.services.repos.cycle.rtl.list(1))

    # Ani accepts, then leaves the group: no effect question while away
    await sim.tap(ANI, sim.last(ANI)["message_id"], ANI, "🧪 Saya coba")
    assert "RTL #" in sim.last_text(ANI)
    for u in f.leave_group(GROUP, ANI):
        await sim.deliver(u)
    end = (await sim.services.repos.journal_loop.trials(1))[0]
    assert end.end_day == "2026-12-10" and end.status == "accepted"
    clock.set(at_wita(10, 15, 1, month=12))
    await sim.tick()
    assert not any("dampak uji coba" in t for t in sim.texts(ANI))
    # back on Saturday (no school): still not asked; Monday 14 December: asked
    for u in f.join_group(GROUP, ANI):
        await sim.deliver(u)
    clock.set(at_wita(12, 15, 1, month=12))
    await sim.tick()
    assert not any("dampak uji coba" in t for t in sim.texts(ANI))
    clock.set(at_wita(14, 15, 1, month=12))
    await sim.tick()
    assert any("dampak uji coba" in t for t in sim.texts(ANI))


async def test_a_full_card_still_fits_one_message(sim, clock):
    """At most 8 problems on a card (the ninth waits for next week's); long problems, causes and four long
    proposals each are cut shorter so the card stays one Telegram message."""
    await onboard(sim)
    await sim.say(ANI, ANI, "/start")
    for i in range(9):
        mid = await write_entry(sim, ANI, f"Masalah {i} " + "murid belum memahami bacaan panjang " * 80)
        await sim.tap(ANI, mid, ANI, "🤔 Berbeda dari rencana")
        await sim.say(ANI, ANI, "Sebab " + "teks terlalu panjang " * 100)
        await sim.tap(ANI, sim.last(ANI)["message_id"], ANI, "📣 Bagikan untuk diskusi")
    await sim.say(GROUP, PIC, "/jurnal masalah")
    card = sim.last(GROUP)
    assert "(8)" in card["text"] and "Masalah 7" in card["text"] and "Masalah 8" not in card["text"]
    for n in range(1, 9):
        for k in range(4):
            await sim.say(GROUP, BUDI, f"{n} usulan {k} " + "pakai teks pendek " * 20, reply_to=card["message_id"])
    clock.advance(seconds=31)
    await sim.tick()
    edited = message(sim, GROUP, card["message_id"])
    assert "8D. usulan 3" in edited["text"] and len(edited["text"]) <= 4096
    assert len(edited["reply_markup"]["inline_keyboard"]) == 9  # a row of votes per problem, and the PIC's button
