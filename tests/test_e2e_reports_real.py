"""End to end with the REAL features behind the reports: a weekly meeting with RSVPs and check-ins, a
learning-hour target and a logged webinar, inquiry-cycle answers by reply, a survey answered and closed —
all through the fake Bot API — feed the Friday group summary (the thank-you line names the most active
member who allows it, never an opted-out member nor anyone behind) and `/laporan` (XLSX per-person sheets
with the right figures, opened with openpyxl; the PDF read with pypdf). No hook is replaced here."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import openpyxl
import pypdf

from storage.surveys import Surveys
from tests.conftest import ANI, BUDI, CITRA, GROUP, PIC, onboard

WITA = ZoneInfo("Asia/Makassar")


def at(clock, day, hour, minute=0):
    clock.set(datetime(2026, 11, day, hour, minute, tzinfo=WITA))


def sheet(wb, title):
    return [list(r) for r in wb[title].iter_rows(values_only=True)]


def files(sim):
    docs = [m["document"] for m in sim.fake.bot_messages(GROUP) if "document" in m]
    xlsx = openpyxl.load_workbook(io.BytesIO(sim.fake.file_bytes(docs[-2]["file_id"])))
    pdf = pypdf.PdfReader(io.BytesIO(sim.fake.file_bytes(docs[-1]["file_id"])))
    return xlsx, " ".join(" ".join(p.extract_text() for p in pdf.pages).split())


async def a_week_of_activity(sim, clock):
    """Tuesday 24 – Friday 27 November 2026 in a WITA community (Ani, Budi, Citra; Budi opted out)."""
    await onboard(sim)
    await sim.say(GROUP, PIC, "/target 2 jam per minggu")
    await sim.say(GROUP, PIC, "/jadwal Rabu 14:00 90 Ruang guru")
    assert "WITA" in sim.last_text(GROUP)
    await sim.say(GROUP, BUDI, "/anonim on")
    # the inquiry cycle: answers by reply to the stage card
    await sim.say(GROUP, PIC, "/siklus mulai literasi kelas 4: 40% → 70% tuntas")
    c = await sim.services.repos.communities.by_chat(GROUP)
    stage_id = await sim.services.db.scalar(
        "SELECT s.id FROM cycle_stages s JOIN cycles c ON c.id = s.cycle_id WHERE c.community_id = ?"
        " AND s.status = 'open'", (c.id,))
    card = await sim.services.db.scalar("SELECT message_id FROM cycle_prompts WHERE stage_id = ?", (stage_id,))
    await sim.say(GROUP, ANI, "1. Ada 9 murid kelas 4 yang belum lancar membaca pemahaman", reply_to=card)
    await sim.say(GROUP, ANI, "2. Membaca berpasangan sudah dicoba, murid masih kesulitan memahami teks",
                  reply_to=card)
    upd = await sim.say(GROUP, BUDI, "1. Nilai rata-rata membaca kelas 4 masih 58, baru 40 persen tuntas",
                        reply_to=card)
    assert sim.fake.reactions(GROUP, upd["message"]["message_id"]) == ["👍"]
    # a satisfaction survey: Ani and Budi answer, the PIC closes it
    await sim.say(GROUP, PIC, "/survei kepuasan")
    sid = await sim.services.db.scalar("SELECT MAX(id) FROM surveys WHERE community_id = ?", (c.id,))
    items = (await Surveys(sim.services.db).get(sid)).items
    scaled = [i for i, item in enumerate(items) if item.kind == "likert"]  # the open question has no buttons
    for uid in (ANI, BUDI):  # the card's button: one tap per item in private
        await sim.say(uid, uid, f"/start sv_{sid}")
        for i in scaled:
            await sim.press(uid, sim.last(uid)["message_id"], uid, f"sv:{sid}:{i}:4")
    await sim.say(GROUP, PIC, f"/survei tutup {sid}")
    # the reminder the day before: Citra excuses herself
    at(clock, 24, 14, 0)
    await sim.tick()
    reminder = sim.last(GROUP)
    assert "Pengingat pertemuan besok" in sim.last_text(GROUP)
    await sim.tap(GROUP, reminder["message_id"], CITRA, "🙏 Izin")
    # Wednesday's meeting: Ani and Budi check in; Ani also logs a webinar
    at(clock, 25, 15, 30)
    await sim.tick()
    checkin = sim.last(GROUP)
    for uid in (ANI, BUDI):
        await sim.tap(GROUP, checkin["message_id"], uid, "✅ Saya hadir")
    await sim.say(GROUP, ANI, "/catat 60 webinar Ruang GTK asesmen formatif")
    assert "Tercatat 1 jam" in sim.last_text(GROUP)
    return c


async def test_real_activity_feeds_the_weekly_summary_and_the_report(sim, clock):
    c = await a_week_of_activity(sim, clock)
    feeds = sim.services.feeds
    week = (int(datetime(2026, 11, 23, tzinfo=WITA).timestamp()), int(datetime(2026, 11, 30, tzinfo=WITA).timestamp()))
    assert await feeds.rhythm.activity(c.id, *week) == {ANI: {"attended": 1}, BUDI: {"attended": 1}}
    cyc = await feeds.cycle.activity(c.id, *week)
    assert cyc[ANI]["answers"] == 2 and cyc[BUDI]["answers"] == 1 and CITRA not in cyc
    assert await feeds.surveys.activity(c.id, *week) == {ANI: {"responses": 1}, BUDI: {"responses": 1}}

    # Friday 15:00 WITA: the group summary thanks Ani; Budi (opted out, as active) and Citra are not named
    at(clock, 27, 15, 0)
    await sim.tick()
    summary = sim.last_text(GROUP)
    assert "Ringkasan pekan" in summary and "Terima kasih" in summary and "Ani Rahma" in summary
    assert "Budi" not in summary and "Citra" not in summary
    assert "1 dari 1 terlaksana" in summary

    # /laporan (this week): per-person sheets from the features' rows
    await sim.say(GROUP, PIC, "/laporan")
    xlsx, pdf = files(sim)
    names = {m.user_id: m.name for m in await sim.services.repos.members.list(c.id)}
    listing = sheet(xlsx, "Daftar hadir")  # one row per member, one column per meeting, then the total
    assert listing[0] == ["Nama", "25/11", "Jumlah hadir"]
    assert {tuple(r) for r in listing[1:4]} == {("Ani Rahma", "H", 1), ("Anggota 1", "H", 1), ("Citra", "I", 0)}
    assert listing[-1][0] == "H = hadir, I = izin, A = tidak hadir"
    hours = {r[0]: r[1:3] for r in sheet(xlsx, "Jam belajar per anggota")[1:]}
    assert hours["Ani Rahma"] == [150, 120] and hours["Anggota 1"] == [90, 120] and hours["Citra"] == [0, 120]
    answers = sheet(xlsx, "Jawaban per tahap")[1:]
    assert answers == [["literasi kelas 4", "Refleksi Awal", 2, len(names)]]
    flat = str([sheet(xlsx, t) for t in xlsx.sheetnames])
    assert "Budi" not in flat and "Budi" not in pdf
    assert "Ani Rahma" in pdf and "Anggota 1" in pdf and "Daftar hadir" in pdf and "WITA" in pdf

    # "this cycle" runs from the cycle's own start (Tuesday), whatever stage is open now
    await sim.say(GROUP, PIC, "/laporan siklus ini")
    status = [m for m in sim.fake.bot_messages(GROUP) if "Laporan" in m.get("text", "")][-1]
    assert "24 Nov 2026 –" in sim.fake.edits(GROUP, status["message_id"])[-1]


def test_opted_out_members_get_neutral_labels_numbered_among_themselves():
    from domain.reports.recognition import display_names
    people = [(30, "Citra", False), (10, "Ani  Rahma", True), (20, "Budi", False)]
    assert display_names(people, lambda n: f"Anggota {n}") == {10: "Ani Rahma", 20: "Anggota 1", 30: "Anggota 2"}
