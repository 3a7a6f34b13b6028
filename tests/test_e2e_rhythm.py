"""End to end through the fake Bot API: the weekly rhythm — scheduling by text and by buttons, the
calendar (holidays, cuti bersama, community off-days), reminders with RSVP, check-in and attendance,
learning hours, private nudges, time zones, bad input, and restarts."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import ANI, BUDI, CITRA, GROUP, PIC, STRANGER, onboard

WITA = ZoneInfo("Asia/Makassar")


def at(clock, month, day, hour, minute=0, tz=WITA):
    clock.set(datetime(2026, month, day, hour, minute, tzinfo=tz))


def labels(sim, msg):
    return [b for row in sim.fake.buttons(msg) for b in row]


def alert(sim):
    return sim.fake.callback_answer(sim.fake.updates[-1]["callback_query"]["id"])["text"]


async def community(sim):
    return await sim.services.repos.communities.by_chat(GROUP)


async def series_count(sim):
    return await sim.services.db.scalar("SELECT COUNT(*) FROM meeting_series")


def reminders(sim):
    return [m for m in sim.fake.bot_messages(GROUP) if "Pengingat pertemuan" in (m.get("text") or "")
            or "Pertemuan sudah dimulai" in (m.get("text") or "")]


async def test_schedule_by_text_and_listing_in_the_zone_of_the_community(sim):
    await onboard(sim)
    await sim.say(GROUP, PIC, "/jadwal Kamis 14:00 90 Ruang guru - Asesmen formatif")
    text = sim.last_text(GROUP)
    assert "Jadwal tersimpan" in text and "Setiap Kamis, pukul 14.00 WITA, 1 jam 30 menit" in text
    assert "Kamis, 26 November 2026, 14.00–15.30 WITA · Ruang guru · Asesmen formatif" in text
    c = await community(sim)
    [series] = await sim.services.repos.rhythm.meetings.active_series(c.id)
    assert series.weekdays == (3,) and series.place == "Ruang guru" and series.agenda == "Asesmen formatif"
    first = (await sim.services.repos.rhythm.meetings.between(c.id, 0, 2**40))[0]
    assert datetime.fromtimestamp(first.start_ts, UTC) == datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
    # a one-off meeting, in English short form
    await sim.say(GROUP, PIC, "/schedule 2/12 2pm 1h https://meet.google.com/abc-defg-hij Refleksi")
    assert "Sekali: Rabu, 2 Desember 2026" in sim.last_text(GROUP)
    # anyone sees the next four weeks, with the zone label
    await sim.say(GROUP, ANI, "/jadwal")
    listing = sim.last_text(GROUP)
    assert "4 minggu ke depan, waktu WITA" in listing
    assert listing.count("📅") == 5  # 26/11, 2/12 (online), 3/12, 10/12, 17/12
    assert "daring: https://meet.google.com/abc-defg-hij" in listing
    assert "Tambah" not in " ".join(labels(sim, sim.last(GROUP)))  # members get no PIC buttons
    # the same message delivered twice stores nothing new
    n = await series_count(sim)
    upd = sim.fake.send_text(GROUP, PIC, "/jadwal Selasa 13:00 60")
    await sim.deliver(upd)
    await sim.deliver(upd)
    assert await series_count(sim) == n + 1


async def test_schedule_by_buttons(sim):
    await onboard(sim)
    await sim.say(GROUP, PIC, "/jadwal")
    listing = sim.last(GROUP)
    assert "Belum ada pertemuan" in sim.last_text(GROUP)
    await sim.tap(GROUP, listing["message_id"], ANI, "➕ Tambah pertemuan rutin")
    assert "hanya PIC" in alert(sim)
    await sim.tap(GROUP, listing["message_id"], PIC, "➕ Tambah pertemuan rutin")
    ask_day = sim.last(GROUP)
    assert labels(sim, ask_day) == ["Senin", "Selasa", "Rabu", "Kamis", "Jumat"]  # a 5-day school week
    await sim.tap(GROUP, ask_day["message_id"], PIC, "Rabu")
    ask_time = sim.last(GROUP)
    assert "Mulai jam berapa (WITA)" in sim.last_text(GROUP)
    await sim.press(GROUP, ask_day["message_id"], PIC, "sc:d:0")  # an old step's button (a slow client)
    assert "langkah lain" in alert(sim)
    await sim.tap(GROUP, ask_time["message_id"], PIC, "13:30")
    await sim.tap(GROUP, sim.last(GROUP)["message_id"], PIC, "60 menit")
    prompt = sim.last(GROUP)
    assert sim.fake.reply_markup(GROUP, prompt["message_id"])["force_reply"] is True
    await sim.say(GROUP, PIC, "https://meet.google.com/abc-defg-hij", reply_to=prompt["message_id"])
    text = sim.last_text(GROUP)
    assert "Setiap Rabu, pukul 13.30 WITA, 1 jam" in text and "Daring: https://meet.google.com/abc-defg-hij" in text
    c = await community(sim)
    [series] = await sim.services.repos.rhythm.meetings.active_series(c.id)
    assert (series.weekdays, series.duration_min, series.link) == ((2,), 60, "https://meet.google.com/abc-defg-hij")
    assert await sim.services.repos.flows.get(GROUP, PIC) is None


async def test_rsvp_tally_edited_in_place_then_check_in_credits_hours(sim, clock):
    await onboard(sim)
    await sim.say(GROUP, PIC, "/jadwal Kamis 14:00 90 Ruang guru")
    at(clock, 11, 25, 14, 0)  # the day before, on time
    await sim.tick()
    reminder = sim.last(GROUP)
    assert "Pengingat pertemuan besok" in sim.last_text(GROUP) and "14.00–15.30 WITA" in sim.last_text(GROUP)
    assert labels(sim, reminder) == ["✅ Hadir", "🙏 Izin", "💻 Daring"]
    clock.advance(seconds=10)
    await sim.tap(GROUP, reminder["message_id"], ANI, "✅ Hadir")
    assert "Tercatat: ✅ Hadir" in alert(sim)
    await sim.tap(GROUP, reminder["message_id"], BUDI, "🙏 Izin")  # within the edit cap: held back
    await sim.tap(GROUP, reminder["message_id"], STRANGER, "💻 Daring")
    assert "belum terdaftar" in alert(sim)
    edits = sim.fake.edits(GROUP, reminder["message_id"])
    assert "Hadir: 1 · Izin: 0 · Daring: 0" in edits[-1]
    clock.advance(seconds=30)  # the live-message interval (bot.live: 30 s; it was 3 s for tallies)
    await sim.tick()
    edits = sim.fake.edits(GROUP, reminder["message_id"])
    assert "Hadir: 1 · Izin: 1 · Daring: 0" in edits[-1] and len(edits) == 3
    n_msgs = len(sim.texts(GROUP))
    await sim.tick()  # nothing new to say
    assert len(sim.texts(GROUP)) == n_msgs and len(sim.fake.edits(GROUP, reminder["message_id"])) == 3
    at(clock, 11, 26, 13, 0)
    n_msgs = len(sim.texts(GROUP))
    await sim.tick()
    assert len(sim.texts(GROUP)) == n_msgs  # one reminder a meeting by default (issue 14): none on the day
    # after the meeting: check-in
    at(clock, 11, 26, 15, 30)
    await sim.tick()
    checkin = sim.last(GROUP)
    assert "Presensi pertemuan Kamis, 26 November 2026" in sim.last_text(GROUP) and "18.30 WITA" in sim.last_text(GROUP)
    await sim.tap(GROUP, checkin["message_id"], ANI, "✅ Saya hadir")
    assert "+90 menit" in alert(sim)
    await sim.tap(GROUP, checkin["message_id"], STRANGER, "✅ Saya hadir")
    assert "belum terdaftar" in alert(sim)
    await sim.say(GROUP, ANI, "/jam")
    assert "Pertemuan: 1 jam 30 menit" in sim.last_text(GROUP)
    # the PIC corrects: Budi was there after all (reply to his message), and lists with buttons
    budi_msg = (await sim.say(GROUP, BUDI, "/jam"))["message"]["message_id"]
    await sim.say(GROUP, PIC, "/hadir", reply_to=budi_msg)
    assert "Budi Santoso dicatat hadir" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/hadir 26/11")
    lst = sim.last(GROUP)
    assert "Hadir: 2 dari 3 anggota" in sim.last_text(GROUP)
    await sim.tap(GROUP, lst["message_id"], ANI, "▫️ Citra")
    assert "hanya PIC" in alert(sim)
    await sim.tap(GROUP, lst["message_id"], PIC, "▫️ Citra")
    assert "Hadir: 3 dari 3 anggota" in sim.fake.edits(GROUP, lst["message_id"])[-1]
    c = await community(sim)
    m = (await sim.services.repos.rhythm.meetings.between(c.id, 0, 2**40))[0]
    assert await sim.services.repos.rhythm.meetings.attendance(m.id) == {ANI: True, BUDI: True, CITRA: True}
    # the window closes: the button goes, the count stays
    at(clock, 11, 26, 18, 31)
    await sim.tick()
    closed = sim.fake.edits(GROUP, checkin["message_id"])[-1]
    assert "ditutup" in closed and "Sudah presensi: 3" in closed
    assert sim.fake.reply_markup(GROUP, checkin["message_id"]) is None
    await sim.press(GROUP, checkin["message_id"], BUDI, f"rv:c:{m.id}")  # a stale button
    assert "tidak dibuka" in alert(sim)


async def test_holiday_and_cuti_bersama_skipped_and_announced(sim, clock):
    await onboard(sim)
    await sim.say(GROUP, PIC, "/jadwal Kamis 14:00 90 Ruang guru")
    await sim.say(GROUP, PIC, "/jadwal Jumat 08:00 60 Aula")
    c = await community(sim)
    meetings = await sim.services.repos.rhythm.meetings.between(c.id, 0, 2**40)
    skipped = {m.orig_date.isoformat(): m for m in meetings if m.status == "skipped"}
    assert skipped["2026-12-24"].reason == "Cuti Bersama Hari Raya Natal"
    assert skipped["2026-12-25"].reason_kind == "holiday" and skipped["2026-12-25"].reason == "Hari Raya Natal"
    at(clock, 12, 23, 7, 59)
    await sim.tick()
    n = len(sim.texts(GROUP))
    at(clock, 12, 23, 8, 0)  # 25 Dec's day-before slot (24 Dec 08:00) is a cuti bersama day: moved to 23 Dec
    await sim.tick()
    assert len(sim.texts(GROUP)) == n + 1
    assert "Tidak ada pertemuan Jumat, 25 Desember 2026" in sim.last_text(GROUP)
    assert "libur nasional, Hari Raya Natal" in sim.last_text(GROUP)
    at(clock, 12, 23, 14, 0)  # the day-before slot of 24 Dec
    await sim.tick()
    text = sim.last_text(GROUP)
    assert "Tidak ada pertemuan Kamis, 24 Desember 2026" in text and "Cuti Bersama Hari Raya Natal" in text
    assert sim.fake.buttons(sim.last(GROUP)) == []
    n = len(sim.texts(GROUP))
    at(clock, 12, 24, 8, 0)
    await sim.tick()
    assert len(sim.texts(GROUP)) == n  # announced once, and nothing on the day off
    await sim.say(GROUP, ANI, "/jadwal")
    assert "tidak ada pertemuan: Cuti Bersama Hari Raya Natal" in sim.last_text(GROUP)
    n = len(sim.texts(GROUP))
    for day, hour in ((24, 14), (25, 7), (25, 8)):
        at(clock, 12, day, hour, 0)
        await sim.tick()
    assert len(sim.texts(GROUP)) == n


async def test_community_off_days(sim, clock):
    await onboard(sim)
    await sim.say(GROUP, PIC, "/jadwal Kamis 14:00 90 Ruang guru")
    await sim.say(GROUP, ANI, "/libur 1-12 Des Ujian")
    assert "hanya PIC" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/libur 1-12 Des Ujian semester")
    assert "2 pertemuan pada rentang itu ditiadakan" in sim.last_text(GROUP)
    await sim.say(GROUP, ANI, "/jadwal")
    assert sim.last_text(GROUP).count("libur komunitas, Ujian semester") == 2
    await sim.say(GROUP, PIC, "/libur")
    assert "1. Selasa, 1 Desember 2026 – Sabtu, 12 Desember 2026: Ujian semester" in sim.last_text(GROUP)
    at(clock, 11, 30, 14, 0)  # 3 Dec's day-before slot (2 Dec) is in the off-days: the last school day before
    await sim.tick()
    assert "Tidak ada pertemuan Kamis, 3 Desember 2026" in sim.last_text(GROUP)
    assert "libur komunitas, Ujian semester" in sim.last_text(GROUP)
    n = len(sim.texts(GROUP))
    at(clock, 12, 2, 14, 0)  # nothing during the off-days (10 Dec's notice has no school day in the week before)
    await sim.tick()
    assert len(sim.texts(GROUP)) == n
    await sim.say(GROUP, PIC, "/libur hapus 1")
    assert "2 pertemuan kembali dijadwalkan" in sim.last_text(GROUP)  # 3/12 (tomorrow) and 10/12
    await sim.tick()
    assert "Pengingat pertemuan besok" in sim.last_text(GROUP)  # 3/12 is on again: members are told
    for bad in ("/libur 12-1 Des", "/libur kapan-kapan", "/libur hapus 7"):
        await sim.say(GROUP, PIC, bad)
        assert "Contoh" in sim.last_text(GROUP), bad
    assert await sim.services.db.scalar("SELECT COUNT(*) FROM off_days") == 0


async def test_move_and_cancel_with_reasons(sim, clock):
    await onboard(sim)
    await sim.say(GROUP, PIC, "/jadwal Kamis 14:00 90 Ruang guru")
    await sim.say(GROUP, PIC, "/jadwal batal 26/11 rapat dinas di kecamatan")
    text = sim.last_text(GROUP)
    assert "Pertemuan Kamis, 26 November 2026 dibatalkan" in text and "Alasan: rapat dinas di kecamatan" in text
    await sim.say(GROUP, PIC, "/jadwal pindah 3/12 4/12 13:00 ujian praktik")
    text = sim.last_text(GROUP)
    assert "Semula: Kamis, 3 Desember 2026, 14.00 WITA" in text
    assert "Menjadi: Jumat, 4 Desember 2026, 13.00–14.30 WITA" in text and "Alasan: ujian praktik" in text
    await sim.say(GROUP, ANI, "/jadwal")
    listing = sim.last_text(GROUP)
    assert "rapat dinas di kecamatan" in listing and "(dipindah)" in listing
    # the cancellation is announced again in the day-before slot; the moved meeting is reminded at its new time
    at(clock, 11, 25, 14, 0)
    await sim.tick()
    assert "Tidak ada pertemuan Kamis, 26 November 2026" in sim.last_text(GROUP)
    at(clock, 12, 3, 13, 0)
    await sim.tick()
    assert "Pengingat pertemuan besok" in sim.last_text(GROUP) and "Jumat, 4 Desember 2026, 13.00" in sim.last_text(GROUP)
    # the whole series, from 10/12 on
    await sim.say(GROUP, PIC, "/jadwal batal 10/12 seri akhir semester")
    assert "Pertemuan rutin dihentikan mulai Kamis, 10 Desember 2026" in sim.last_text(GROUP)
    c = await community(sim)
    assert await sim.services.repos.rhythm.meetings.active_series(c.id) == []
    await sim.say(GROUP, ANI, "/jadwal batal 17/12")
    assert "hanya PIC" in sim.last_text(GROUP)
    for bad, expect in (("/jadwal batal 19/12", "Tidak ada pertemuan"), ("/jadwal pindah 17/12", "tanggal"),
                        ("/jadwal pindah kemarin 14:00", "Tidak ada pertemuan")):
        await sim.say(GROUP, PIC, bad)
        assert expect in sim.last_text(GROUP) and "Tidak ada yang diubah" in sim.last_text(GROUP), bad


async def test_moving_the_series(sim):
    await onboard(sim)
    await sim.say(GROUP, PIC, "/jadwal Kamis 14:00 90 Ruang guru")
    await sim.say(GROUP, PIC, "/jadwal pindah 3/12 seri Jumat 15:00 jadwal semester baru")
    text = sim.last_text(GROUP)
    assert "Jadwal rutin berubah mulai Kamis, 3 Desember 2026: setiap Jumat, pukul 15.00 WITA" in text
    c = await community(sim)
    scheduled = [m for m in await sim.services.repos.rhythm.meetings.between(c.id, 0, 2**40) if m.status == "scheduled"]
    days = [datetime.fromtimestamp(m.start_ts, WITA).strftime("%a %d/%m %H:%M") for m in scheduled][:3]
    assert days == ["Thu 26/11 14:00", "Fri 04/12 15:00", "Fri 11/12 15:00"]


async def test_restart_between_due_time_and_meeting_sends_exactly_one_reminder(sim, clock):
    await onboard(sim)
    await sim.say(GROUP, PIC, "/jadwal Kamis 14:00 90 Ruang guru")
    await sim.say(GROUP, PIC, "/jadwal pengingat 1440 60")  # two reminders (one is the default)
    await sim.stop()  # the bot is down through the day-before slot and the 1-hour slot
    at(clock, 11, 26, 13, 20)
    await sim.start()
    await sim.tick()
    await sim.tick()
    assert len(reminders(sim)) == 1
    assert "dimulai 40 menit lagi" in reminders(sim)[0]["text"]
    await sim.restart()
    await sim.tick()
    assert len(reminders(sim)) == 1
    # next week: sent on time, then a restart before the meeting: no second copy
    at(clock, 12, 2, 14, 0)
    await sim.tick()
    at(clock, 12, 3, 13, 0)
    await sim.tick()
    assert len(reminders(sim)) == 3
    await sim.restart()
    clock.advance(minutes=10)
    await sim.tick()
    assert len(reminders(sim)) == 3


async def test_reminder_offsets_changed_by_pic(sim, clock):
    await onboard(sim)
    await sim.say(GROUP, PIC, "/jadwal Kamis 14:00 90 Ruang guru")
    await sim.say(GROUP, PIC, "/jadwal pengingat 2880 30")
    assert "48 jam dan 30 menit sebelum" in sim.last_text(GROUP)
    for bad in ("/jadwal pengingat 2", "/jadwal pengingat 10 20 30 40", "/jadwal pengingat kapan"):
        await sim.say(GROUP, PIC, bad)
        assert "Contoh" in sim.last_text(GROUP), bad
    at(clock, 11, 24, 14, 0)  # two days before
    await sim.tick()
    assert "Pengingat pertemuan Kamis, 26 November 2026" in reminders(sim)[-1]["text"]
    at(clock, 11, 25, 14, 0)
    await sim.tick()
    assert len(reminders(sim)) == 1  # 1440 is no longer an offset
    at(clock, 11, 26, 13, 30)
    await sim.tick()
    assert "dimulai 30 menit lagi" in reminders(sim)[-1]["text"] and len(reminders(sim)) == 2


async def test_bad_schedules_answered_and_nothing_stored(sim):
    await onboard(sim)
    await sim.say(GROUP, PIC, "/jadwal Kamis 14:00 90 Ruang guru")
    cases = {
        "/jadwal Kamis 25:00": "Jamnya belum jelas",
        "/jadwal kapan-kapan saja": "Hari atau tanggalnya",
        "/jadwal Minggu 14:00": "bukan hari sekolah",
        "/jadwal Sabtu 09:00": "bukan hari sekolah",
        "/jadwal Senin 14:00 3": "antara 5 menit dan 10 jam",
        "/jadwal Senin 14:00 11 jam": "antara 5 menit dan 10 jam",
        "/jadwal 20/11 14:00": "sudah lewat",
        "/jadwal 1/12/2027 14:00": "lebih dari setahun",
        "/jadwal Kamis 15:00 60": "Bentrok dengan pertemuan lain: Kamis, 26 November 2026, 14.00–15.30 WITA",
        "/jadwal 24/12 10:00": "hari libur (Cuti Bersama Hari Raya Natal)",
        "/jadwal 31/02 10:00": "tidak ada di kalender",
        "/jadwal Kamis 14:00 WIB": "Zona waktu komunitas ini WITA",
    }
    for text, expect in cases.items():
        await sim.say(GROUP, PIC, text)
        answer = sim.last_text(GROUP)
        assert expect in answer and "Belum ada yang disimpan" in answer, (text, answer)
    await sim.say(GROUP, ANI, "/jadwal Senin 14:00")
    assert "hanya PIC" in sim.last_text(GROUP)
    assert await series_count(sim) == 1


@pytest.mark.parametrize(("label", "utc_hour"), [("WIB", 7), ("WITA", 6), ("WIT", 5)])
async def test_zone_labels(sim, label, utc_hour):
    await onboard(sim, tz_label=label)
    await sim.say(GROUP, PIC, "/jadwal Kamis 14:00 90")
    await sim.say(GROUP, ANI, "/jadwal")
    assert f"waktu {label}" in sim.last_text(GROUP) and f"14.00–15.30 {label}" in sim.last_text(GROUP)
    c = await community(sim)
    first = (await sim.services.repos.rhythm.meetings.between(c.id, 0, 2**40))[0]
    assert datetime.fromtimestamp(first.start_ts, UTC).hour == utc_hour


async def test_english_community(sim):
    await onboard(sim)
    await sim.say(GROUP, PIC, "/language")
    await sim.tap(GROUP, sim.last(GROUP)["message_id"], PIC, "English")
    await sim.say(GROUP, PIC, "/schedule thu 2pm 1h30 Staff room")
    assert "Every Thursday at 14:00 WITA, 1 h 30 min" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/schedule cancel 26/11 district meeting")
    assert "The meeting of Thursday, 26 November 2026 is cancelled" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/target 8 hours per month")
    assert "8 h per month" in sim.last_text(GROUP)
    await sim.say(GROUP, ANI, "/log 90 webinar yesterday")
    assert "Logged 1 h 30 min: webinar (Monday, 23 November 2026)" in sim.last_text(GROUP)


async def test_learning_hours_target_log_list_undo(sim, clock):
    await onboard(sim)
    await sim.say(GROUP, ANI, "/target 8 jam per bulan")
    assert "hanya PIC" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/target 8 jam per bulan")
    assert "Target jam belajar: 8 jam per bulan" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/target 2 jam per bulan untuk operator")
    await sim.say(GROUP, PIC, "/target")
    assert "Semua anggota: 8 jam" in sim.last_text(GROUP) and "Operator / tendik: 2 jam" in sim.last_text(GROUP)
    await sim.say(GROUP, ANI, "/catat 90 webinar Ruang GTK asesmen formatif")
    added = sim.last(GROUP)
    assert "Tercatat 1 jam 30 menit: webinar Ruang GTK asesmen formatif" in sim.last_text(GROUP)
    assert "Total bulan ini: 1 jam 30 menit dari 8 jam" in sim.last_text(GROUP)
    await sim.say(ANI, ANI, "/start")
    await sim.say(ANI, ANI, "/catat 1,5 jam pelatihan kemarin")
    assert "Senin, 23 November 2026" in sim.last_text(ANI)
    # someone else's undo button, and a reply-undo of someone else's entry
    await sim.tap(GROUP, added["message_id"], BUDI, "↩️ Batalkan catatan")
    assert "catatan orang lain" in alert(sim)
    log_msg = (await sim.say(GROUP, ANI, "/catat 30 membaca modul"))["message"]["message_id"]
    await sim.say(GROUP, BUDI, "/catat hapus", reply_to=log_msg)
    assert "catatan orang lain" in sim.last_text(GROUP)
    await sim.say(ANI, ANI, "/catat daftar")
    assert "1. " in sim.last_text(ANI) and "3. " in sim.last_text(ANI)
    await sim.say(ANI, ANI, "/catat hapus 1")
    assert "Catatan dihapus" in sim.last_text(ANI)
    await sim.tap(GROUP, added["message_id"], ANI, "↩️ Batalkan catatan")
    assert alert(sim) == "Catatan dihapus."
    await sim.say(ANI, ANI, "/jam")
    text = sim.last_text(ANI)
    assert "Belajar mandiri: 1 jam 30 menit" in text and "dari target 8 jam" in text
    # the PIC: counts in the group, names only in private
    await sim.say(GROUP, PIC, "/jam")
    group_view = sim.last_text(GROUP)
    # late November: nobody is on pace for 8 hours yet
    assert "Jam belajar: 0 dari 3 anggota sesuai target (tercapai: 0, tertinggal: 3)" in group_view and "Ani" not in group_view
    await sim.say(PIC, PIC, "/start")
    await sim.say(PIC, PIC, "/jam")
    assert "Ani Rahma: 1 jam 30 menit / 8 jam" in sim.last_text(PIC)
    await sim.say(GROUP, STRANGER, "/catat 60 webinar")
    assert "belum terdaftar" in sim.last_text(GROUP)


async def test_bad_logs_answered_and_nothing_stored(sim):
    await onboard(sim)
    cases = {
        "/catat 0 rapat": "lebih dari 0",
        "/catat -30 rapat": "lebih dari 0",
        "/catat 30 jam pelatihan": "paling lama 12 jam",
        "/catat 60 webinar 30/11": "belum tiba",
        "/catat 60 webinar 1/9": "30 hari ke belakang",
        "/catat webinar": "Tulis durasinya dulu",
        "/catat": "Tulis durasinya dulu",
        "/catat hapus 3": "belum punya catatan",
    }
    for text, expect in cases.items():
        await sim.say(GROUP, ANI, text)
        answer = sim.last_text(GROUP)
        assert expect in answer and "Contoh" in answer, (text, answer)
    assert await sim.services.db.scalar("SELECT COUNT(*) FROM learning_logs") == 0
    for bad in ("/target banyak sekali", "/target 200 jam per bulan"):
        await sim.say(GROUP, PIC, bad)
        assert "Tidak ada yang disimpan" in sim.last_text(GROUP), bad
    assert await sim.services.db.scalar("SELECT COUNT(*) FROM hour_targets") == 0


async def test_private_nudge_mid_period_once(sim, clock):
    await onboard(sim)
    await sim.say(GROUP, PIC, "/target 8 jam per bulan")
    await sim.say(BUDI, BUDI, "/start")  # Budi and Ani started the bot; Citra did not
    await sim.say(ANI, ANI, "/start")
    at(clock, 12, 10, 9)
    await sim.say(ANI, ANI, "/catat 5 jam lokakarya")  # Ani is on pace in December
    n_group = len(sim.texts(GROUP))
    at(clock, 12, 16, 13)  # the middle of December (Wednesday 16th): the nudge waits for the afternoon
    await sim.tick()
    assert not [t for t in sim.texts(BUDI) if "Pengingat kecil" in t]
    at(clock, 12, 16, 15, 1)
    await sim.tick()
    nudges = [t for t in sim.texts(BUDI) if "Pengingat kecil" in t]
    assert len(nudges) == 1 and "0 menit dari target 8 jam" in nudges[0]
    assert not [t for t in sim.texts(ANI) if "Pengingat kecil" in t]
    assert len(sim.texts(GROUP)) == n_group  # never in the group
    assert await sim.services.db.scalar("SELECT COUNT(*) FROM outbox WHERE key LIKE 'nudge:%'") == 1
    await sim.restart()
    await sim.tick()
    assert len([t for t in sim.texts(BUDI) if "Pengingat kecil" in t]) == 1


async def test_hooks_for_the_weekly_summary(sim, clock):
    await onboard(sim)
    await sim.say(GROUP, PIC, "/jadwal Senin, Kamis 14:00 90 Ruang guru")
    await sim.say(GROUP, PIC, "/target 2 jam per minggu")
    c = await community(sim)
    rhythm = sim.services.feeds.rhythm
    assert await rhythm.meeting_weekdays(c.id) == (0, 3)
    at(clock, 11, 26, 15, 30)
    await sim.tick()
    await sim.tap(GROUP, sim.last(GROUP)["message_id"], ANI, "✅ Saya hadir")
    start = int(datetime(2026, 11, 23, tzinfo=WITA).timestamp())
    rows = await rhythm.meetings_between(c.id, start, start + 7 * 86400)
    assert [(r["held"], r["attended"], r["members"], r["title"]) for r in rows] == [
        (True, 1, 3, "Ruang guru")]
    summary = await rhythm.hours_summary(c.id, clock.now())
    assert summary.members == 3 and summary.target_minutes == 120 and summary.not_judged == 0
    assert (summary.met, summary.on_pace, summary.behind) == (0, 1, 2) and summary.on_target == 1


async def test_a_meeting_skipped_for_a_holiday_can_be_moved_to_a_school_day(sim, clock):
    await onboard(sim)
    await sim.say(GROUP, PIC, "/jadwal Kamis 14:00 90 Ruang guru")
    await sim.say(GROUP, PIC, "/jadwal pindah 24/12 23/12 ganti hari karena cuti bersama")
    assert "Menjadi: Rabu, 23 Desember 2026, 14.00–15.30 WITA" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/jadwal pindah 17/12 25/12 Natal")
    assert "hari libur (Hari Raya Natal)" in sim.last_text(GROUP)
    at(clock, 12, 22, 14, 0)
    await sim.tick()
    assert "Pengingat pertemuan besok" in sim.last_text(GROUP) and "Rabu, 23 Desember 2026" in sim.last_text(GROUP)
