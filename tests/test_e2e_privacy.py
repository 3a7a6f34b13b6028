"""Personal data: /privacy, export of one's own data, deletion with confirmation, community deletion."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from storage.privacy import export_user
from tests.conftest import ANI, BUDI, GROUP, PIC, onboard
from tests.test_personal_data import canon, changed_rows, on_sqlite, raw_traces, snapshot, traces

LABELS = {"id": "(dihapus)", "en": "(deleted)"}


async def test_privacy_explains_in_both_languages(sim):
    await onboard(sim)
    await sim.say(GROUP, ANI, "/privasi")
    assert "UU 27/2022" in sim.last_text(GROUP) and "/hapusdataku" in sim.last_text(GROUP)
    await sim.say(ANI, ANI, "/start")
    await sim.say(ANI, ANI, "/bahasa")
    await sim.tap(ANI, sim.last(ANI)["message_id"], ANI, "English")
    await sim.say(ANI, ANI, "/privacy")
    assert "Who sees it" in sim.last_text(ANI)


async def test_export_and_delete_my_data(sim):
    await onboard(sim)
    await sim.say(ANI, ANI, "/start")
    await sim.say(ANI, ANI, "/dataku")
    doc = sim.last(ANI)["document"]
    data = json.loads(sim.fake.file_bytes(doc["file_id"]))
    assert data["users"][0]["first_name"] == "Ani" and data["members"][0]["role"] == "classroom"
    await sim.say(ANI, ANI, "/hapusdataku")
    await sim.tap(ANI, sim.last(ANI)["message_id"], ANI, "Batal")
    assert await export_user(sim.services.db, ANI, LABELS)  # nothing deleted
    await sim.say(ANI, ANI, "/hapusdataku")
    await sim.tap(ANI, sim.last(ANI)["message_id"], ANI, "Ya, hapus")
    assert "sudah dihapus" in sim.last_text(ANI)
    left = await export_user(sim.services.db, ANI, LABELS)
    assert set(left) <= {"users"}  # only the fresh row of the person who just spoke to us
    c = await sim.services.repos.communities.by_chat(GROUP)
    assert await sim.services.repos.members.get(c.id, ANI) is None
    assert await sim.services.repos.members.get(c.id, BUDI) is not None


async def test_pic_deletes_community_data_with_confirmation(sim):
    await onboard(sim)
    await sim.say(GROUP, ANI, "/hapuskomunitas")
    assert "hanya PIC" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/hapuskomunitas")
    confirm = sim.last(GROUP)["message_id"]
    await sim.tap(GROUP, confirm, ANI, "Ya, hapus")  # a member cannot confirm
    assert await sim.services.repos.communities.by_chat(GROUP) is not None
    await sim.tap(GROUP, confirm, PIC, "Ya, hapus")
    assert "sudah dihapus" in sim.last_text(GROUP)
    assert await sim.services.db.scalar("SELECT COUNT(*) FROM members") == 0


# -- /hapusdataku through the bot: a member who did everything leaves no trace -----------------------------
ZUB = 7_000_000_123  # 6 bytes in a record: the raw files are searched for it too (SQLite)
ZUB_TEXTS = ("Zubaedah", "Kartikasari", "zubaedah_kk", "Delapan murid belum lancar membaca qx1",
             "Papan pecahan kertas qx2", "Webinar literasi numerasi qx3", "Murid kelompok B ramai qx4",
             "Perlu contoh soal cerita qx5", "Pojok baca kelas 2 qx6", "Foto pojok baca qx7")


async def test_delete_my_data_leaves_no_trace_and_the_export_is_what_it_removed(sim, clock):
    f = sim.fake
    f.user(ZUB, "Zubaedah", last_name="Kartikasari", username="zubaedah_kk")
    f.new_member(GROUP, ZUB)
    await onboard(sim, members=(ANI, BUDI, ZUB))
    for uid in (ZUB, PIC, BUDI):
        await sim.say(uid, uid, "/start")
    c = await sim.services.repos.communities.by_chat(GROUP)
    # a cycle answer by reply, evidence, hours, a journal entry, a survey, a good practice
    await sim.say(GROUP, PIC, "/siklus mulai literasi kelas 4: 40% → 70% tuntas")
    q1 = min(r[0] for r in await sim.services.db.fetchall("SELECT message_id FROM cycle_prompts"))
    await sim.say(GROUP, ZUB, "1. " + ZUB_TEXTS[3], reply_to=q1)
    await sim.deliver(f.send_photo(GROUP, ZUB, caption="2. " + ZUB_TEXTS[9], reply_to=q1))
    await sim.say(GROUP, ZUB, f"/catat 60 {ZUB_TEXTS[5]}")
    await sim.say(GROUP, PIC, "/survei pulse")
    sid = await sim.services.db.scalar("SELECT MAX(id) FROM surveys")
    await sim.say(ZUB, ZUB, f"/start sv_{sid}")
    for value in ("4", "5", "3"):
        await sim.tap(ZUB, sim.last(ZUB)["message_id"], ZUB, value)
    await sim.say(ZUB, ZUB, ZUB_TEXTS[7])
    await sim.say(ZUB, ZUB, f"/start gp_{c.id}")
    await sim.tap(ZUB, sim.last(ZUB)["message_id"], ZUB, "Situasi–Tantangan–Aksi–Refleksi")
    for text in (ZUB_TEXTS[8], "Kelas 2, 25 murid.", "Minat baca rendah.", "Saya membuat pojok baca.", "Naik 30%."):
        await sim.say(ZUB, ZUB, text)
    # RTL: one she owns (named by the PIC), one naming her among others, one she adds in private
    await sim.say(GROUP, PIC, "/rtl tambah Menerapkan exit ticket; Zubaedah; 15/12; 80% murid mengisi")
    await sim.say(GROUP, BUDI, "/rtl tambah Kunjungan kelas model; Bu Zubaedah dan Budi; 18/12")
    await sim.say(ZUB, ZUB, "/rtl tambah")
    for text in (ZUB_TEXTS[4], "saya", "16/12", "-"):
        await sim.say(ZUB, ZUB, text)
    items = await sim.services.db.fetchall("SELECT id, owner_user_id, origin_chat_id FROM rtl_items ORDER BY id")
    assert [tuple(r) for r in items] == [(1, ZUB, GROUP), (2, None, GROUP), (3, ZUB, ZUB)]
    await sim.say(ZUB, ZUB, "/jurnal 15:30")
    clock.set(datetime(2026, 11, 24, 7, 31, tzinfo=UTC))  # 15.31 WITA
    await sim.tick()
    await sim.say(ZUB, ZUB, ZUB_TEXTS[6])
    # a meeting: RSVP and check-in
    await sim.say(GROUP, PIC, "/jadwal Kamis 14:00 90 Ruang guru")
    clock.set(datetime(2026, 11, 25, 6, 0, tzinfo=UTC))
    await sim.tick()
    await sim.tap(GROUP, sim.last(GROUP)["message_id"], ZUB, "✅ Hadir")
    clock.set(datetime(2026, 11, 26, 7, 30, tzinfo=UTC))
    await sim.tick()
    checkin = next(m for m in reversed(f.bot_messages(GROUP)) if "Presensi pertemuan" in (m.get("text") or ""))
    await sim.tap(GROUP, checkin["message_id"], ZUB, "✅ Saya hadir")

    db = sim.services.db
    before = await snapshot(db)
    for table in ("cycle_answers", "cycle_evidence", "learning_logs", "survey_answers", "good_practices",
                  "journal_entries", "rsvps", "attendance", "outbox"):
        assert any(r.get("user_id") == ZUB or r.get("chat_id") == ZUB for r in before[table].values()), table
    assert not on_sqlite(db) or raw_traces(db.path, ZUB, ZUB_TEXTS)  # SQLite: its files are searched too

    await sim.say(ZUB, ZUB, "/dataku")
    exported = json.loads(f.file_bytes(sim.last(ZUB)["document"]["file_id"]))
    sim.services.remember_admins(GROUP, frozenset({PIC, ZUB}), 600)  # as Telegram said a moment ago
    await sim.say(ZUB, ZUB, "/hapusdataku")
    assert "(dihapus)" in sim.last_text(ZUB)  # the confirmation says what stays
    await sim.tap(ZUB, sim.last(ZUB)["message_id"], ZUB, "Ya, hapus")
    assert "sudah dihapus" in sim.last_text(ZUB)
    assert sim.services.cached_admins(GROUP) is None  # asked again when next needed
    after = await snapshot(db)
    assert traces(after, ZUB, ZUB_TEXTS) == []
    assert not on_sqlite(db) or raw_traces(db.path, ZUB, ZUB_TEXTS) == []
    assert changed_rows(before, after) == canon(exported)  # /dataku gave exactly the rows erased or changed
    # the community's RTL items stay, without her
    rtl = [tuple(r) for r in await sim.services.db.fetchall(
        "SELECT who, owner_user_id, origin_chat_id FROM rtl_items ORDER BY id")]
    assert rtl == [("(dihapus)", None, GROUP), ("Bu (dihapus) dan Budi", None, GROUP)]  # #3 was hers alone
    await sim.say(GROUP, PIC, "/rtl")
    assert "(dihapus)" in sim.last_text(GROUP) and "Zubaedah" not in sim.last_text(GROUP)
    # their reminders go to no one: she is not reminded, and nothing is queued for her chat
    sent_before = len(f.bot_messages(ZUB))
    clock.set(datetime(2026, 12, 14, 0, 1, tzinfo=UTC))
    await sim.tick()
    assert len(f.bot_messages(ZUB)) == sent_before
    assert await sim.services.db.scalar("SELECT COUNT(*) FROM outbox WHERE chat_id = ?", (ZUB,)) == 0
    assert traces(await snapshot(db), ZUB, ZUB_TEXTS) == []
