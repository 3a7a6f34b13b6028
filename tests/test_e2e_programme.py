"""End to end through the fake Bot API (issue 15): the community agreement and core team (/kesepakatan), the
programme's activities with teachers, pupils and parents (/kegiatan) in the report, and the progress map as
the community places itself (/peta), in the map, the report and the digest — in Indonesian and English,
with refusals (non-PIC, wrong chat, departed member) and bad inputs."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import openpyxl
import pypdf

from tests.conftest import ANI, BUDI, CITRA, GROUP, KEPSEK, PIC, STRANGER, onboard

NOT_PIC = "hanya PIC komunitas"
LEFT = "sudah tidak berada di grup"


def buttons(message: dict) -> list[dict]:
    return [b for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]


def labels(message: dict) -> list[str]:
    return [b["text"] for b in buttons(message)]


def alerts(sim) -> list[str]:
    return [c.get("text") or "" for c in sim.fake.calls_of("answerCallbackQuery")]


def find(sim, chat: int, needle: str) -> dict:
    return next(m for m in reversed(sim.fake.bot_messages(chat)) if needle in (m.get("text") or ""))


def msg(sim, chat: int, message_id: int) -> dict:
    return next(m for m in sim.fake.bot_messages(chat) if m["message_id"] == message_id)


async def deliver_all(sim, updates: list[dict]) -> None:
    for update in updates:
        await sim.deliver(update)


async def english(sim, uid: int) -> None:
    await sim.say(uid, uid, "/start")
    await sim.say(uid, uid, "/bahasa")
    await sim.tap(uid, sim.last(uid)["message_id"], uid, "English")


async def community(sim):
    return await sim.services.repos.communities.by_chat(GROUP)


async def make_pic(sim, uid: int) -> None:
    msg = await sim.say(GROUP, uid, "Saya bantu koordinasi")
    await sim.say(GROUP, PIC, "/pic tambah", reply_to=msg["message"]["message_id"])


# -- /kesepakatan ----------------------------------------------------------------------------------
async def test_pic_names_the_core_team_and_writes_the_agreement_members_accept_with_one_tap(sim):
    await onboard(sim, members=(ANI, BUDI))
    assert "/kesepakatan tim" in find(sim, GROUP, "Pengaturan selesai")["text"]  # the next step after /atur
    await sim.say(GROUP, ANI, "/bantuan")  # listed for those who may use them
    assert "/kesepakatan" in sim.last_text(GROUP) and "/peta" in sim.last_text(GROUP)
    assert "/kegiatan" not in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/bantuan")
    assert all(c in sim.last_text(GROUP) for c in ("/kesepakatan", "/peta", "/kegiatan"))
    await sim.say(GROUP, ANI, "/kesepakatan")
    assert "belum punya kesepakatan" in sim.last_text(GROUP) and "PIC akan menuliskannya" in sim.last_text(GROUP)

    # the core team: one tap per person on one card, edited in place; only a PIC may tap
    await sim.say(GROUP, PIC, "/kesepakatan tim")
    card = sim.last(GROUP)
    assert "Tim inti" in card["text"] and "Ani Rahma" in labels(card)
    await sim.tap(GROUP, card["message_id"], ANI, "Ani Rahma")
    assert NOT_PIC in alerts(sim)[-1]
    await sim.tap(GROUP, card["message_id"], PIC, "Ani Rahma")
    assert "Ani Rahma masuk tim inti" in alerts(sim)[-1]
    card = msg(sim, GROUP, card["message_id"])
    assert "Sekarang: Ani Rahma." in card["text"] and "⭐ Ani Rahma" in labels(card)
    await sim.say(GROUP, ANI, "/kesepakatan tim")
    assert NOT_PIC in sim.last_text(GROUP)

    # the text: a bad reply gets the form again; "contoh" takes the suggested default (003)
    await sim.say(GROUP, PIC, "/kesepakatan tulis")
    assert "Balas pesan ini" in sim.last_text(GROUP) and "Hari Belajar Guru" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "ok", reply_to=sim.last(GROUP)["message_id"])
    assert "terlalu pendek" in sim.texts(GROUP)[-2] and "Bentuknya" in sim.texts(GROUP)[-2]
    await sim.say(GROUP, PIC, "contoh", reply_to=sim.last(GROUP)["message_id"])
    card = sim.last(GROUP)
    assert "Kesepakatan komunitas" in card["text"] and "Tim inti: Ani Rahma" in card["text"]
    assert labels(card) == ["✅ Saya setuju"]

    await sim.tap(GROUP, card["message_id"], ANI, "✅ Saya setuju")
    assert "persetujuan Anda tercatat" in alerts(sim)[-1]
    await sim.tap(GROUP, card["message_id"], ANI, "✅ Saya setuju")
    assert "sudah menyetujui" in alerts(sim)[-1]
    before = len(sim.fake.bot_messages(GROUP))
    await sim.tap(GROUP, card["message_id"], STRANGER, "✅ Saya setuju")  # not a member: refused, quietly
    assert "belum terdaftar" in alerts(sim)[-1] and len(sim.fake.bot_messages(GROUP)) == before

    # the group sees the count; the PIC sees the names in private
    await sim.say(GROUP, BUDI, "/kesepakatan")
    assert "Sudah setuju: 1 dari 2 anggota." in sim.last_text(GROUP)  # members: the PIC is an administrator
    assert "Budi" not in sim.last_text(GROUP).split("Sudah setuju")[1]
    assert labels(sim.last(GROUP)) == ["✅ Saya setuju"]  # Budi has not accepted yet: one tap from here
    await sim.say(PIC, PIC, "/start")
    await sim.say(PIC, PIC, "/kesepakatan")
    text = sim.last_text(PIC)
    assert "✅ Ani Rahma\n" in text
    assert "Belum: Budi Santoso" in text

    # changing the text asks again: the old card's button is refused as outdated, a new card is posted
    await sim.say(PIC, PIC, "/kesepakatan tulis")
    await sim.say(PIC, PIC, "Nilai: saling percaya.\nKomitmen: hadir setiap Kamis dan berbagi satu praktik baik.")
    assert "semua anggota diminta menyetujui teks baru" in sim.last_text(PIC)
    new_card = sim.last(GROUP)
    assert "(diperbarui)" in new_card["text"] and "saling percaya" in new_card["text"]
    await sim.tap(GROUP, card["message_id"], ANI, "✅ Saya setuju")
    assert "sudah diperbarui" in alerts(sim)[-1]
    await sim.tap(GROUP, new_card["message_id"], BUDI, "✅ Saya setuju")
    assert "tercatat" in alerts(sim)[-1]
    await sim.say(PIC, PIC, "/kesepakatan")
    assert "Belum: Ani Rahma" in sim.last_text(PIC)


async def test_a_member_who_joins_later_accepts_on_the_welcome_and_a_departed_one_is_refused(sim, clock):
    welcome = await onboard(sim, members=(ANI, BUDI))
    await sim.say(GROUP, PIC, "/kesepakatan tulis")
    await sim.say(GROUP, PIC, "contoh", reply_to=sim.last(GROUP)["message_id"])
    card = sim.last(GROUP)
    clock.advance(seconds=31)  # the day's welcome is edited at most every 30 s
    await sim.tap(GROUP, welcome["message_id"], CITRA, "Guru kelas")
    joined = find(sim, GROUP, "Selamat bergabung")  # the day's one welcome, edited as Citra joined
    assert "Citra" in joined["text"] and "kesepakatan bersama" in joined["text"]
    await sim.tap(GROUP, joined["message_id"], CITRA, "✅ Saya setuju")
    assert "tercatat" in alerts(sim)[-1]

    await deliver_all(sim, sim.fake.leave_group(GROUP, BUDI))
    await sim.tap(GROUP, card["message_id"], BUDI, "✅ Saya setuju")
    assert LEFT in alerts(sim)[-1]

    # in English, in private
    await english(sim, CITRA)
    await sim.say(CITRA, CITRA, "/agreement")
    text = sim.last_text(CITRA)
    assert "Agreement of Kombel SDN 3 Mataram" in text and "Our values" not in text  # the group's own words
    assert "Accepted by: 1 of 2 members (including you ✅)" in text
    await sim.say(CITRA, CITRA, "/agreement nonsense")
    assert "Use: /agreement" in sim.last_text(CITRA) and "PIC:" not in sim.last_text(CITRA)
    await sim.say(CITRA, CITRA, "/agreement write")
    assert "only the community's PIC" in sim.last_text(CITRA)


# -- /kegiatan -------------------------------------------------------------------------------------
async def record(sim, chat: int, uid: int, kind: str, details: str, *, title: str | None = None) -> str:
    await sim.say(chat, uid, "/kegiatan" if chat != CITRA else "/activity")
    await sim.tap(chat, sim.last(chat)["message_id"], uid, kind)
    if title is not None:
        await sim.say(chat, uid, title, reply_to=sim.last(chat)["message_id"] if chat == GROUP else None)
    await sim.say(chat, uid, details, reply_to=sim.last(chat)["message_id"] if chat == GROUP else None)
    return sim.last_text(chat)


async def test_pic_records_activities_with_one_tap_and_one_reply_and_the_report_has_002s_table(sim, clock):
    await onboard(sim, members=(ANI, BUDI))
    await sim.say(GROUP, ANI, "/kegiatan")
    assert NOT_PIC in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/kegiatan")
    card = sim.last(GROUP)
    assert labels(card) == ["Forum berbagi praktik baik", "Klub belajar siswa berbasis proyek",
                            "Kelas inspirasi orang tua", "Lesson study", "Lainnya (tulis nama)"]
    await sim.tap(GROUP, card["message_id"], ANI, "Lesson study")
    assert NOT_PIC in alerts(sim)[-1]

    # bad inputs: each answer shows the form again, and asks again
    await sim.tap(GROUP, card["message_id"], PIC, "Forum berbagi praktik baik")
    assert "Kegiatan: Forum berbagi praktik baik" in msg(sim, GROUP, card["message_id"])["text"]  # edited in place
    for bad, says in (("kapan-kapan 1 2 3", "Tanggalnya belum terbaca"), ("14/11 sepuluh", "Jumlah peserta"),
                      ("30/11/2026 3 4 5", "belum lewat"), ("14/11 0 0 0", "Semua jumlahnya 0"),
                      ("31/02 1 1 1", "Tanggalnya belum terbaca")):
        await sim.say(GROUP, PIC, bad, reply_to=sim.last(GROUP)["message_id"])
        assert says in sim.texts(GROUP)[-2] and "tanggal guru siswa orang-tua" in sim.texts(GROUP)[-2], bad
    await sim.say(GROUP, PIC, "9/11 10 30 10", reply_to=sim.last(GROUP)["message_id"])
    assert "Kegiatan #1 dicatat: Forum berbagi praktik baik, Sen, 9 Nov 2026 — 10 guru, 30 siswa, 10 orang tua" \
        in sim.last_text(GROUP)

    # a custom one, from private
    await sim.say(PIC, PIC, "/start")
    await sim.say(PIC, PIC, "/kegiatan")
    await sim.tap(PIC, sim.last(PIC)["message_id"], PIC, "Lainnya (tulis nama)")
    await sim.say(PIC, PIC, "ab")
    assert "terlalu pendek" in sim.texts(PIC)[-2]
    await sim.say(PIC, PIC, "Pameran karya proyek siswa")
    await sim.say(PIC, PIC, "hari ini 12 60 25")
    assert "Kegiatan #2 dicatat: Pameran karya proyek siswa, Sel, 24 Nov 2026 — 12 guru, 60 siswa, 25 orang tua" \
        in sim.last_text(PIC)
    await sim.say(PIC, PIC, "/kegiatan daftar")
    assert "#1 9 Nov · Forum berbagi praktik baik" in sim.last_text(PIC)
    assert "Jumlah: 22 guru, 90 siswa, 35 orang tua" in sim.last_text(PIC)
    await sim.say(PIC, PIC, "/kegiatan hapus 7")
    assert "Tidak ada kegiatan #7" in sim.last_text(PIC)
    await sim.say(PIC, PIC, "/kegiatan besok")
    assert "Pakai: /kegiatan" in sim.last_text(PIC)

    # the report: the list, participation per week, and first period against last (002's Tabel 1)
    await sim.say(GROUP, PIC, "/laporan bulan ini")
    docs = [m["document"] for m in sim.fake.bot_messages(GROUP) if "document" in m]
    wb = openpyxl.load_workbook(io.BytesIO(sim.fake.file_bytes(docs[0]["file_id"])))
    listing = list(wb["Kegiatan program"].iter_rows(values_only=True))
    assert listing[-2:] == [("2026-11-09", "Forum berbagi praktik baik", 10, 30, 10),
                            ("2026-11-24", "Pameran karya proyek siswa", 12, 60, 25)]
    per = list(wb["Partisipasi per periode"].iter_rows(values_only=True))
    assert ("09/11–15/11/2026", 1, 10, 30, 10) in per and ("23/11–29/11/2026", 1, 12, 60, 25) in per
    assert ("02/11–08/11/2026", 0, 0, 0, 0) in per  # a gap in the programme shows
    change = list(wb["Kondisi awal dan akhir"].iter_rows(values_only=True))
    header = next(r for r in change if r and r[0] == "No")
    assert header == ("No", "Aspek", "Awal (09/11–15/11/2026)", "Akhir (23/11–29/11/2026)", "Perubahan")
    assert (3, "Keterlibatan orang tua", 10, 25, "+15") in change
    pdf = pypdf.PdfReader(io.BytesIO(sim.fake.file_bytes(docs[1]["file_id"])))
    assert "Keterlibatan orang tua" in "".join(p.extract_text() for p in pdf.pages)

    # a departed named PIC is refused
    await make_pic(sim, BUDI)
    await deliver_all(sim, sim.fake.leave_group(GROUP, BUDI))
    await sim.say(BUDI, BUDI, "/kegiatan")
    assert LEFT in sim.last_text(BUDI)


async def test_activity_in_english(sim):
    await onboard(sim, members=(ANI, CITRA))
    await make_pic(sim, CITRA)
    await english(sim, CITRA)
    text = await record(sim, CITRA, CITRA, "Parents' inspiration class", "yesterday 3 0")
    assert "Activity #1 recorded: Parents' inspiration class, Mon, 23 Nov 2026 — 3 teachers, 0 pupils, 0 parents" \
        in text
    await sim.say(CITRA, CITRA, "/activity")
    await sim.tap(CITRA, sim.last(CITRA)["message_id"], CITRA, "Lesson study")
    await sim.say(CITRA, CITRA, "12 Nov 2026 4 28 1 9")
    assert "could not read the numbers" in sim.texts(CITRA)[-2] and "date teachers pupils parents" in sim.texts(CITRA)[-2]
    await sim.say(CITRA, CITRA, "12 Nov 2026 4 28 1")
    assert "Activity #2 recorded: Lesson study, Thu, 12 Nov 2026" in sim.last_text(CITRA)


# -- /peta -----------------------------------------------------------------------------------------
async def place(sim, uid: int, payload: str, levels: list[int]) -> str:
    """Open the form from the card's deep link and tap one level per indicator."""
    await sim.say(uid, uid, f"/start {payload}")
    form = sim.last(uid)
    names = ["Mulai", "Berjalan", "Membudaya"] if "Di mana" in form["text"] else ["Starting", "Running",
                                                                                   "Embedded"]
    for n, level in enumerate(levels):
        assert f"{n + 1}/11" in msg(sim, uid, form["message_id"])["text"]
        await sim.tap(uid, form["message_id"], uid, names[level])
    return msg(sim, uid, form["message_id"])["text"]


async def test_members_place_the_community_on_the_map_beside_the_computed_level(sim, clock):
    await onboard(sim, members=(ANI, BUDI, CITRA))
    await sim.say(GROUP, ANI, "/peta buka")
    assert NOT_PIC in sim.last_text(GROUP)
    await sim.say(PIC, PIC, "/start")
    await sim.say(PIC, PIC, "/peta buka")
    assert "hanya bisa dipakai di grup" in sim.last_text(PIC)
    await sim.say(GROUP, PIC, "/peta tutup")
    assert "tidak sedang dibuka" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/peta buka")
    card = sim.last(GROUP)
    assert "semester ganjil 2026/2027" in card["text"] and "Sudah mengisi: 0 dari 3" in card["text"]
    payload = buttons(card)[0]["url"].split("start=")[1]
    assert payload.startswith("pm_")

    # one message in private, edited per tap; the group card's count follows
    for uid in (ANI, BUDI):
        await sim.say(uid, uid, "/start")
    done = await place(sim, ANI, payload, [1] * 11)
    assert "Fokus pembelajaran: berjalan" in done and "Kolaborasi: berjalan" in done
    assert "Sudah mengisi: 1 dari 3" in msg(sim, GROUP, card["message_id"])["text"]
    await place(sim, BUDI, payload, [2] * 11)
    assert "Sudah mengisi: 2 dari 3" in msg(sim, GROUP, card["message_id"])["text"]
    await sim.say(ANI, ANI, f"/start {payload}")  # all placed: the summary and a button to change
    assert "Terima kasih" in sim.last_text(ANI) and labels(sim.last(ANI)) == ["↺ Ubah jawaban saya"]

    # refusals: a stranger, a forged button, a departed member
    await sim.say(STRANGER, STRANGER, f"/start {payload}")
    assert "belum terdaftar" in sim.last_text(STRANGER)
    await sim.press(ANI, sim.last(ANI)["message_id"], ANI, "pm:p:999:0:1")
    assert "tidak berlaku" in alerts(sim)[-1]
    await sim.press(ANI, sim.last(ANI)["message_id"], ANI, "pm:p:1:11:1")
    assert "tidak berlaku" in alerts(sim)[-1]
    await deliver_all(sim, sim.fake.leave_group(GROUP, BUDI))
    await sim.say(BUDI, BUDI, f"/start {payload}")
    assert LEFT in sim.last_text(BUDI)
    await sim.say(GROUP, ANI, "/peta apa")
    assert "Pakai: /peta" in sim.last_text(GROUP)

    # /peta: the level computed from activity beside the community's own (mean of 1 and 2 → membudaya)
    await sim.say(GROUP, ANI, "/peta")
    text = sim.last_text(GROUP)
    assert "Fokus pembelajaran — data: mulai; menurut komunitas: membudaya" in text
    assert "dibuka, 2 mengisi" in text
    await sim.say(GROUP, PIC, "/peta tutup")
    closed = msg(sim, GROUP, card["message_id"])
    assert "Ditutup. 2 anggota mengisi." in closed["text"] and not buttons(closed)
    await sim.say(ANI, ANI, f"/start {payload}")
    assert "sudah ditutup" in sim.last_text(ANI)

    # the next term: opened again, placed lower; the change since the last term shows everywhere
    clock.set(datetime(2027, 2, 9, 1, 0, tzinfo=UTC))
    await sim.say(GROUP, PIC, "/peta buka")
    card2 = sim.last(GROUP)
    assert "semester genap 2026/2027" in card2["text"]
    await place(sim, ANI, buttons(card2)[0]["url"].split("start=")[1], [0] * 11)
    await sim.say(GROUP, ANI, "/peta")
    assert "menurut komunitas: mulai (semester lalu: membudaya)" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/laporan bulan ini")
    report = find(sim, GROUP, "Peta kemajuan:")["text"]
    assert "Fokus pembelajaran: mulai (menurut komunitas: mulai; semester lalu: membudaya)" in report
    docs = [m["document"] for m in sim.fake.bot_messages(GROUP) if "document" in m]
    pdf = pypdf.PdfReader(io.BytesIO(sim.fake.file_bytes(docs[-1]["file_id"])))
    assert "semester lalu: membudaya" in " ".join(p.extract_text() for p in pdf.pages).replace("\n", " ")

    # the principal's digest
    await sim.say(GROUP, PIC, "/kepsek")
    link = [m for m in sim.fake.bot_messages(PIC) if "start=p" in (m.get("text") or "")][-1]["text"]
    await sim.say(KEPSEK, KEPSEK, "/start " + link.split("start=")[1].split()[0])
    await sim.say(KEPSEK, KEPSEK, "/digest")
    assert "menurut komunitas: mulai; semester lalu: membudaya" in sim.last_text(KEPSEK)


async def test_map_in_english(sim):
    await onboard(sim, members=(ANI, CITRA))
    await sim.say(GROUP, PIC, "/peta buka")
    card = sim.last(GROUP)
    payload = buttons(card)[0]["url"].split("start=")[1]
    await english(sim, CITRA)
    await sim.say(CITRA, CITRA, f"/start {payload}")
    assert "1/11 · " in sim.last_text(CITRA) and "Scheduled meetings really take place." in sim.last_text(CITRA)
    done = await place(sim, CITRA, payload, [2, 2, 2, 2, 1, 1, 1, 1, 1, 0, 0])
    assert "As you see it" in done and "Collaboration: running" in done
    card = msg(sim, GROUP, card["message_id"])  # the group's card stays in the group's language
    assert "Sudah mengisi: 1 dari 2" in card["text"] and labels(card) == ["🗺 Isi penilaian diri (1–2 menit)"]
    await sim.say(CITRA, CITRA, "/map")
    assert "as the community sees it: embedded" in sim.last_text(CITRA)
    await sim.say(CITRA, CITRA, "/map open")
    assert "only the community's PIC" in sim.last_text(CITRA)


async def test_agreement_written_in_english_private_chat_goes_to_the_group_in_its_language(sim):
    await onboard(sim, members=(ANI, CITRA))
    await make_pic(sim, CITRA)
    await english(sim, CITRA)
    await sim.say(CITRA, CITRA, "/agreement write")
    assert "Reply to this message with the community agreement" in sim.last_text(CITRA)
    assert "Our values: collaboration" in sim.last_text(CITRA)
    await sim.say(CITRA, CITRA, "x" * 1200)
    assert "too long (1200 characters; at most 1000)" in sim.texts(CITRA)[-2] and "The form:" in sim.texts(CITRA)[-2]
    await sim.say(CITRA, CITRA, "example")
    assert "Agreement saved and sent to the group" in sim.last_text(CITRA)
    card = sim.last(GROUP)  # the group reads Indonesian: the card and its button are in Indonesian
    assert "Kesepakatan komunitas" in card["text"] and "Our values" in card["text"]
    assert labels(card) == ["✅ Saya setuju"]
    await sim.say(CITRA, CITRA, "/agreement team")
    team = sim.last(CITRA)
    assert "Core team" in team["text"] and "Ani Rahma" in labels(team)
    await sim.tap(CITRA, team["message_id"], CITRA, "Ani Rahma")
    assert "Ani Rahma joined the core team" in alerts(sim)[-1]
