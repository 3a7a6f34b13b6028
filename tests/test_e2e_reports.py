"""End to end through the fake Bot API: weekly group summary (picture + text, once across restarts, caught
up after downtime), /report with XLSX and PDF, principal digests, progress levels, recognition opt-out.

The weekly-rhythm, cycle and survey features are reached only through their typed feeds (`services.feeds`,
`bot/feeds.py`). `Hooks` below provides that contract from a fixed data set (the numbers the assertions
check), installed over what the features registered (the class keeps its old name, `Hooks`), so these tests pin the reports feature and not the
others' progress.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import openpyxl
import pypdf
import pytest

from bot.feeds import CycleFeed, Feeds, RhythmFeed, SurveysFeed
from domain.reports.figures import HoursFigure
from tests.conftest import ANI, BUDI, CITRA, GROUP, KEPSEK, PIC, STRANGER, onboard

GROUP2 = -1009876543210
WITA = 8  # the onboarded community is in WITA (UTC+8)


def ts(y, mo, d, h=0, mi=0, off=WITA) -> int:
    return int((datetime(y, mo, d, h, mi, tzinfo=UTC) - timedelta(hours=off)).timestamp())


class Hooks:
    """The features' feeds for two communities, as plain data."""

    def __init__(self) -> None:
        self.meetings: dict[int, list[dict]] = {}
        self.hours: dict[int, HoursFigure] = {}
        self.cycle: dict[int, dict] = {}
        self.surveys: dict[int, list[dict]] = {}
        self.activity: dict[int, dict[int, dict[str, int]]] = {}
        self.rows: dict[int, dict[str, list[list]]] = {}
        self.calls = 0

    def install(self, services) -> None:
        data = self

        class Rhythm(RhythmFeed):  # the plain methods only: the summary's gathering uses their defaults
            async def meetings_between(self, cid, s, e):
                data.calls += 1
                return [m for m in data.meetings.get(cid, []) if s <= m["start_ts"] < e]

            async def hours_summary(self, cid, now):
                return data.hours.get(cid)

            async def activity(self, cid, s, e):
                return data.activity.get(cid, {})

            async def report_rows(self, cid, s, e):
                return data.rows.get(cid, {})

        class Cycle(CycleFeed):
            async def status(self, cid, now):
                return data.cycle.get(cid)

            async def summaries(self, cid, s, e):
                c = data.cycle.get(cid)
                return [] if c is None else [{"topic": c["topic"], "completed": True, "observations": 3,
                                              "good_practices": 3, "results_recorded": True, "target_met": True,
                                              "participation": {"reflection": [3, 3]}}]

        class Surveys(SurveysFeed):
            async def latest(self, cid, s, e):
                return [x for x in data.surveys.get(cid, []) if s <= x["closed_at"] < e]

            async def pulse_trend(self, cid, weeks):
                return [{"agree_share": 0.9}, {"agree_share": 0.7}] if cid in data.surveys else []

        services.feeds.rhythm, services.feeds.cycle, services.feeds.surveys = Rhythm(), Cycle(), Surveys()


def meeting(day, attended, members=3, held=True, title="Pertemuan pekanan"):
    return {"start_ts": ts(2026, 11, day, 14), "end_ts": ts(2026, 11, day, 15, 30), "held": held,
            "attended": attended, "members": members, "title": title}


@pytest.fixture
def hooks():
    return Hooks()


async def community(sim, chat=GROUP):
    return await sim.services.repos.communities.by_chat(chat)


async def ready(sim, hooks):
    """Onboarded community with a rich week of data: two meetings held, hours, a cycle, a survey."""
    await onboard(sim)
    c = await community(sim)
    hooks.meetings[c.id] = [meeting(3, 2), meeting(10, 3), meeting(17, 3), meeting(24, 3, title="Asesmen <formatif> & umpan balik"),
                            meeting(26, 0, held=False), meeting(30, 0, held=False, title="Berikutnya")]
    hooks.meetings[c.id][-1]["start_ts"] = ts(2026, 12, 1, 14)
    hooks.hours[c.id] = HoursFigure(members=3, with_target=3, met=1, on_pace=1, behind=1, not_judged=0,
                                    target_minutes=120, elapsed=0.5)
    hooks.cycle[c.id] = {"stage": "planning", "opened_ts": ts(2026, 11, 2), "closes_ts": ts(2026, 12, 20),
                         "answered": 2, "members": 3, "stalled": False, "rtl_open": 2, "rtl_overdue": 1,
                         "rtl_due_soon": 1, "good_practices": 1, "topic": "Literasi", "target": None}
    hooks.surveys[c.id] = [{"title": "Pulse pekanan", "closed_at": ts(2026, 11, 20, 12), "respondents": 3,
                            "mean": 4.2, "agree_share": 0.8, "index": 80.0}]
    hooks.activity[c.id] = {ANI: {"attended": 2, "answers": 3}, BUDI: {"attended": 2, "answers": 5},
                            CITRA: {"attended": 1}}
    hooks.rows[c.id] = {"hours": [["Ani Rahma", 150, 120], ["Budi Santoso", 60, 120]],
                        "attendance_list": [[ts(2026, 11, 24, 14), "Ani Rahma", "hadir"]]}
    hooks.install(sim.services)
    return c


def photos(sim, chat):
    return [m for m in sim.fake.bot_messages(chat) if "photo" in m]


# -- weekly group summary ---------------------------------------------------------------------------
async def test_summary_with_picture_posted_once_across_restart(sim, clock, hooks):
    c = await ready(sim, hooks)
    await sim.say(GROUP, BUDI, "/anonim on")
    assert "tidak</b>" in sim.fake.raw_text(GROUP, sim.last(GROUP)["message_id"]) or "tidak" in sim.last_text(GROUP)
    assert not (await sim.services.repos.members.get(c.id, BUDI)).allow_named
    await sim.tick()  # Tuesday: scheduled for Friday 15:00 WITA, nothing yet
    assert photos(sim, GROUP) == []
    sched = await sim.services.repos.reports.summary(c.id)
    assert sched.next_due_at == ts(2026, 11, 27, 15)
    clock.set(datetime(2026, 11, 27, 7, 0, 5, tzinfo=UTC))  # Friday 15:00:05 WITA
    n = len(sim.fake.bot_messages(GROUP))
    await sim.tick()
    # one message: the chart with the summary as its caption and a button to the details in private
    assert len(photos(sim, GROUP)) == 1 and len(sim.fake.bot_messages(GROUP)) == n + 1
    card = sim.last(GROUP)
    text = sim.last_text(GROUP)
    assert "photo" in card and len(card["caption"]) <= 1024
    link = card["reply_markup"]["inline_keyboard"][0][0]
    assert link["text"] == "📄 Rincian" and link["url"].endswith(f"?start=sum_{c.id}")
    await sim.say(ANI, ANI, f"/start sum_{c.id}")  # the details, in private, without a message in the group
    assert "Ringkasan pekan 23 Nov – 29 Nov 2026" in sim.last_text(ANI) and "Pulse pekanan" in sim.last_text(ANI)
    assert len(sim.fake.bot_messages(GROUP)) == n + 1
    await sim.say(STRANGER, STRANGER, f"/start sum_{c.id}")
    assert "Ringkasan pekan" not in sim.last_text(STRANGER)
    assert "Ringkasan pekan 23 Nov – 29 Nov 2026" in text
    assert "1 dari 2 terlaksana, kehadiran 100 %" in text  # the 24th held; the 26th not
    assert "2 dari 3 anggota sesuai target" in text
    assert "tahap Perencanaan" in text and "2 dari 3 anggota sudah menjawab (67 %)" in text
    assert "1 jatuh tempo" in text and "1 lewat tenggat" in text
    assert "Pulse pekanan — 80 % setuju" in text
    assert "Selasa, 1 Des" in text.replace("Sel,", "Selasa,") or "1 Des" in text
    assert "WITA" in text
    assert "Terima kasih" in text and "Ani Rahma" in text and "Budi" not in text  # Budi opted out
    assert "membudaya" in text or "berjalan" in text
    n_before = len(sim.fake.bot_messages(GROUP))
    await sim.restart()
    hooks.install(sim.services)
    await sim.tick()
    clock.advance(minutes=30)
    await sim.tick()
    assert len(sim.fake.bot_messages(GROUP)) == n_before and len(photos(sim, GROUP)) == 1
    entry = await sim.services.repos.outbox.get(f"sum:{c.id}:2026-W48")
    assert entry.status == "sent" and entry.chat_id == GROUP
    assert (await sim.services.repos.reports.summary(c.id)).next_due_at == ts(2026, 12, 4, 15)


async def test_caught_up_once_after_downtime_and_not_after_the_week(sim, clock, hooks):
    c = await ready(sim, hooks)
    await sim.tick()
    await sim.stop()  # down from Tuesday to Friday evening: Friday's 15.00 summary was missed
    clock.set(datetime(2026, 11, 27, 12, 0, tzinfo=UTC))  # 20.00 WITA, still a school day
    await sim.start()
    hooks.install(sim.services)
    await sim.tick()
    assert len(photos(sim, GROUP)) == 1 and "Ringkasan pekan 23 Nov" in sim.last_text(GROUP)
    await sim.tick()
    assert len(photos(sim, GROUP)) == 1
    # down again over the whole next Friday and past the end of that week: that one is not sent late
    await sim.stop()
    clock.set(datetime(2026, 12, 7, 1, 0, tzinfo=UTC))  # Monday 09:00 WITA
    await sim.start()
    hooks.install(sim.services)
    await sim.tick()
    assert len(photos(sim, GROUP)) == 1
    assert await sim.services.repos.outbox.get(f"sum:{c.id}:2026-W49") is None
    assert (await sim.services.repos.reports.summary(c.id)).next_due_at == ts(2026, 12, 11, 15)


async def test_a_summary_missed_until_the_weekend_is_not_sent_on_it(sim, clock, hooks):
    c = await ready(sim, hooks)
    await sim.tick()
    await sim.stop()  # down from Tuesday to Saturday morning: no school day of that week is left
    clock.set(datetime(2026, 11, 28, 2, 0, tzinfo=UTC))
    await sim.start()
    hooks.install(sim.services)
    for _ in range(2):
        await sim.tick()
        clock.advance(hours=12)
    assert photos(sim, GROUP) == [] and await sim.services.repos.outbox.get(f"sum:{c.id}:2026-W48") is None
    assert (await sim.services.repos.reports.summary(c.id)).next_due_at == ts(2026, 12, 4, 15)


async def test_summary_time_settings_and_bad_input(sim, clock, hooks):
    c = await ready(sim, hooks)
    await sim.say(GROUP, ANI, "/ringkasan waktu Sabtu 09:00")
    assert "hanya PIC" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/ringkasan waktu Jumaat 25:00")
    assert "Jamnya tidak saya pahami" in sim.last_text(GROUP) and "/ringkasan waktu Jumat 15:00" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/ringkasan waktu Caturday 10:00")
    assert "Nama harinya tidak saya kenali" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/ringkasan waktu Kamis 13.30")
    assert "setiap Kamis pukul 13.30 WITA" in sim.last_text(GROUP)
    assert (await sim.services.repos.reports.summary(c.id)).next_due_at == ts(2026, 11, 26, 13, 30)
    clock.set(datetime(2026, 11, 26, 5, 31, tzinfo=UTC))
    await sim.tick()
    assert len(photos(sim, GROUP)) == 1
    await sim.say(GROUP, PIC, "/ringkasan off")
    assert "dimatikan" in sim.last_text(GROUP)
    clock.set(datetime(2026, 12, 3, 5, 31, tzinfo=UTC))
    await sim.tick()
    assert len(photos(sim, GROUP)) == 1
    await sim.say(GROUP, PIC, "/ringkasan sekarang")
    assert len(photos(sim, GROUP)) == 2 and "Ringkasan pekan 30 Nov" in sim.last_text(GROUP)


async def test_long_and_html_names_are_escaped_and_short(sim, clock, hooks):
    sim.fake.user(ANI, "<b>Ani</b> & " + "Sangat" * 40, last_name="<script>")
    c = await ready(sim, hooks)
    await sim.services.repos.communities.update(c.id, sim.services.now_ts(), name="Kombel <Gugus> & " + "X" * 70)
    await sim.say(GROUP, ANI, "/bantuan")  # refresh the stored name
    clock.set(datetime(2026, 11, 27, 7, 1, tzinfo=UTC))
    await sim.tick()
    text = sim.last_text(GROUP)
    assert len(text) <= 1500 and "<b>Ani</b> & Sangat" in text and "…" in text
    assert "Kombel <Gugus> &" in text


# -- /report ----------------------------------------------------------------------------------------
async def test_report_files_match_stored_data(sim, clock, hooks):
    await ready(sim, hooks)
    await sim.say(GROUP, PIC, "/laporan 1/11 30/11")
    status = [m for m in sim.fake.bot_messages(GROUP) if "Laporan" in m.get("text", "")][-1]
    edits = sim.fake.edits(GROUP, status["message_id"])
    assert "1/3" in edits[0] and any("2/3" in e for e in edits) and any("3/3" in e for e in edits)
    final = edits[-1]
    assert "1 Nov 2026 – 30 Nov 2026" in final and "4 dari 5" in final and "kehadiran 91,7 %" in final
    docs = [m["document"] for m in sim.fake.bot_messages(GROUP) if "document" in m]
    assert [d["file_name"].rsplit(".", 1)[1] for d in docs] == ["xlsx", "pdf"]
    wb = openpyxl.load_workbook(io.BytesIO(sim.fake.file_bytes(docs[0]["file_id"])))
    att = [list(r) for r in wb["Kehadiran per pertemuan"].iter_rows(values_only=True)]
    assert att[0][:5] == ["Tanggal", "Kegiatan", "Terlaksana", "Hadir", "Anggota"]
    assert [r[3] for r in att[1:]] == [2, 3, 3, 3, 0] and [r[2] for r in att[1:]].count("Ya") == 4
    assert att[4][1] == "Asesmen <formatif> & umpan balik"
    hours = [list(r) for r in wb["Jam belajar per anggota"].iter_rows(values_only=True)]
    assert hours[1:] == [["Ani Rahma", 150, 120, "tercapai"], ["Budi Santoso", 60, 120, "tertinggal"]]
    surveys = [list(r) for r in wb["Hasil survei"].iter_rows(values_only=True)]
    assert surveys[1][0] == "Pulse pekanan" and surveys[1][4] == 80.0
    assert "Rencana tindak lanjut (RTL)" in wb.sheetnames
    pdf = pypdf.PdfReader(io.BytesIO(sim.fake.file_bytes(docs[1]["file_id"])))
    text = " ".join(" ".join(p.extract_text() for p in pdf.pages).split())
    assert "Laporan Kegiatan Komunitas Belajar" in text and "Kombel SDN 3 Mataram" in text
    assert "SDN 3 Mataram" in text and "1 November 2026 – 30 November 2026" in text
    assert "Asesmen <formatif> & umpan balik" in text and "Ani Rahma" in text and "WITA" in text


async def test_report_bad_inputs(sim, clock, hooks):
    await ready(sim, hooks)
    for arg, expect in (("30/11 1/11", "lebih awal"), ("2025-01-01 2026-11-30", "lebih dari satu tahun"),
                        ("kemarin dulu", "tidak saya pahami"), ("31/02 1/03", "tidak saya pahami")):
        await sim.say(GROUP, PIC, f"/laporan {arg}")
        assert expect in sim.last_text(GROUP), arg
        assert "/laporan 1/11 30/11" in sim.last_text(GROUP)
    await sim.say(GROUP, ANI, "/laporan")
    assert "hanya PIC" in sim.last_text(GROUP)
    assert not [m for m in sim.fake.bot_messages(GROUP) if "document" in m]
    await sim.say(STRANGER, STRANGER, "/laporan")
    assert "hanya untuk PIC" in sim.last_text(STRANGER)
    await sim.say(STRANGER, STRANGER, "/digest")
    assert "hanya untuk kepala sekolah" in sim.last_text(STRANGER)


async def test_report_with_no_data_still_gives_valid_files(sim, clock):
    await onboard(sim)
    sim.services.feeds = Feeds(map=sim.services.feeds.map)  # no feature gives anything (the map its own)
    await sim.say(GROUP, PIC, "/laporan bulan ini")
    assert "Belum ada data kegiatan" in sim.texts(GROUP)[-3]
    docs = [m["document"] for m in sim.fake.bot_messages(GROUP) if "document" in m]
    wb = openpyxl.load_workbook(io.BytesIO(sim.fake.file_bytes(docs[0]["file_id"])))
    assert len(wb.sheetnames) >= 6
    assert [list(r) for r in wb["Kehadiran per pertemuan"].iter_rows(values_only=True)][1:] == []
    text = pypdf.PdfReader(io.BytesIO(sim.fake.file_bytes(docs[1]["file_id"]))).pages
    text = " ".join(p.extract_text() for p in text)
    assert "Belum ada data." in text


# -- principals -------------------------------------------------------------------------------------
async def link_principal(sim, chat, pic, principal):
    await sim.say(pic, pic, "/start")
    await sim.say(chat, pic, "/kepsek")
    token = sim.last_text(pic).split("?start=p", 1)[1].split()[0]
    await sim.say(principal, principal, f"/start p{token}")


async def second_community(sim, hooks):
    sim.fake.group(GROUP2, "MGMP Matematika <Lombok>", supergroup=True, admins=[PIC], members=[ANI])
    await sim.say(GROUP2, PIC, "/bantuan")
    c2 = await community(sim, GROUP2)
    await sim.services.repos.communities.update(c2.id, sim.services.now_ts(), tz="Asia/Makassar", setup_done=1,
                                                name="MGMP Matematika <Lombok>")
    await sim.tap(GROUP2, sim.texts(GROUP2) and sim.fake.bot_messages(GROUP2)[0]["message_id"], ANI, "Guru kelas")
    hooks.meetings[c2.id] = []
    hooks.cycle[c2.id] = {"stage": "evaluation", "answered": 0, "members": 1, "stalled": True, "rtl_overdue": 2,
                          "opened_ts": ts(2026, 10, 1), "topic": "Numerasi"}
    hooks.install(sim.services)
    return c2


async def test_principal_of_two_communities_gets_one_digest(sim, clock, hooks):
    c = await ready(sim, hooks)
    c2 = await second_community(sim, hooks)
    await link_principal(sim, GROUP, PIC, KEPSEK)
    await link_principal(sim, GROUP2, PIC, KEPSEK)
    n = len(sim.texts(KEPSEK))
    await sim.tick()
    clock.set(datetime(2026, 11, 29, 23, 0, 5, tzinfo=UTC))  # Monday 07:00 WITA
    await sim.tick()
    new = sim.texts(KEPSEK)[n:]
    digests = [t for t in new if "Ringkasan untuk kepala sekolah" in t]
    assert len(digests) == 1
    d = digests[0]
    assert "Kombel SDN 3 Mataram" in d and "MGMP Matematika <Lombok>" in d and "2 komunitas" in d
    assert "tertahan" in d and "tidak ada pertemuan dalam 2 pekan terakhir" in d and "2 RTL lewat tenggat" in d
    # one phone screen: per community what it works on, at most one true "needs attention" line, one suggestion
    assert "Literasi: tahap Perencanaan, 2 dari 3 menjawab" in d and d.count("💡 Saran:") == 2
    assert d.count("⚠️ Perlu perhatian") <= 2 and len(d.splitlines()) <= 20
    await sim.restart()
    hooks.install(sim.services)
    await sim.tick()
    assert len([t for t in sim.texts(KEPSEK) if "Ringkasan untuk kepala sekolah" in t]) == 1
    # on demand, and a forged report button for a community not overseen
    await sim.say(KEPSEK, KEPSEK, "/digest")
    assert "Ringkasan untuk kepala sekolah" in sim.last_text(KEPSEK)
    await sim.say(KEPSEK, KEPSEK, "/laporan")
    assert "komunitas yang mana" in sim.last_text(KEPSEK)
    pick = sim.last(KEPSEK)
    await sim.press(KEPSEK, pick["message_id"], KEPSEK, "rp:999:w")
    assert sim.fake.callback_answer(sim.fake.updates[-1]["callback_query"]["id"])["text"]
    await sim.say(STRANGER, STRANGER, "/start")
    await sim.press(STRANGER, sim.last(STRANGER)["message_id"], STRANGER, f"rp:{c2.id}:w")
    assert "tidak mendampingi" in sim.fake.callback_answer(sim.fake.updates[-1]["callback_query"]["id"])["text"]
    await sim.tap(KEPSEK, pick["message_id"], KEPSEK, "MGMP Matematika <Lombok>")
    assert [m["document"]["file_name"][-4:] for m in sim.fake.bot_messages(KEPSEK) if "document" in m] == [
        "xlsx", ".pdf"]
    await sim.say(KEPSEK, KEPSEK, "/digest waktu Senin 06:30")
    assert "setiap Senin pukul 06.30 WITA" in sim.last_text(KEPSEK)
    assert c.id != c2.id


async def test_blocked_principal_does_not_stop_other_digests(sim, clock, hooks):
    await ready(sim, hooks)
    await link_principal(sim, GROUP, PIC, KEPSEK)
    await link_principal(sim, GROUP, PIC, STRANGER)
    await sim.tick()
    sim.fake.block_bot(KEPSEK)  # blocked, and we have not heard of it yet: the send gets 403
    sim.fake.fail_next("sendMessage", code=429, retry_after=1, chat_id=STRANGER)  # and a 429 for the other
    clock.set(datetime(2026, 11, 29, 23, 1, tzinfo=UTC))
    await sim.tick()
    assert any("Ringkasan untuk kepala sekolah" in t for t in sim.texts(STRANGER))
    assert (await sim.services.repos.users.get(KEPSEK)).private_status == "blocked"
    assert not any("Ringkasan untuk kepala sekolah" in t for t in sim.texts(KEPSEK))


async def test_anonymous_toggle_in_private(sim, hooks):
    c = await ready(sim, hooks)
    await sim.say(ANI, ANI, "/start")
    await sim.say(ANI, ANI, "/anonim")
    assert "boleh disebut" in sim.last_text(ANI)
    await sim.say(ANI, ANI, "/anonim on")
    assert not (await sim.services.repos.members.get(c.id, ANI)).allow_named
    await sim.say(ANI, ANI, "/anonim off")
    assert (await sim.services.repos.members.get(c.id, ANI)).allow_named


async def test_with_the_real_features_feeds_and_no_activity_yet(sim, clock, caplog):
    await onboard(sim)
    await sim.say(GROUP, PIC, "/laporan bulan ini")
    docs = [m["document"] for m in sim.fake.bot_messages(GROUP) if "document" in m]
    assert len(docs) == 2
    openpyxl.load_workbook(io.BytesIO(sim.fake.file_bytes(docs[0]["file_id"])))
    assert pypdf.PdfReader(io.BytesIO(sim.fake.file_bytes(docs[1]["file_id"]))).pages[0].extract_text()
    await sim.say(GROUP, PIC, "/ringkasan sekarang")
    clock.set(datetime(2026, 11, 27, 7, 1, tzinfo=UTC))
    await sim.tick()
    assert not [r for r in caplog.records if "feed" in r.getMessage() and "failed" in r.getMessage()]
    assert not [r for r in caplog.records if r.name.startswith("bot.jobs.broadcast") and r.levelname == "ERROR"]


# -- found by the offline demo ---------------------------------------------------------------------
async def test_cancelled_meeting_is_not_announced_as_the_next_one(sim, clock, hooks):
    c = await ready(sim, hooks)
    hooks.meetings[c.id].append({"start_ts": ts(2026, 11, 30, 14), "end_ts": ts(2026, 11, 30, 15, 30),
                                 "held": False, "attended": 0, "members": 3, "status": "cancelled",
                                 "title": "Dibatalkan: rapat dinas"})
    clock.set(datetime(2026, 11, 27, 7, 0, 5, tzinfo=UTC))
    await sim.tick()
    text = sim.last_text(GROUP)
    assert "Ringkasan pekan 23 Nov" in text
    assert "Dibatalkan" not in text and "30 Nov" not in text and "1 Des" in text


async def test_report_of_this_cycle_after_the_cycle_has_ended(sim, clock, hooks):
    c = await ready(sim, hooks)
    del hooks.cycle[c.id]  # no cycle running any more; the last one ended on 20 November

    class Ended(type(sim.services.feeds.cycle)):
        async def summaries(self, cid, s, e):
            done = {"topic": "Literasi kelas 4", "met": True, "completed": True, "started_at": ts(2026, 11, 2, 13),
                    "ended_at": ts(2026, 11, 20, 7), "participation": {"reflection": [3, 3]}}
            return [done] if cid == c.id and s <= done["ended_at"] < e else []

    sim.services.feeds.cycle = Ended()
    await sim.say(GROUP, PIC, "/laporan siklus ini")
    status = [m for m in sim.fake.bot_messages(GROUP) if "Laporan" in m.get("text", "")][-1]
    final = sim.fake.edits(GROUP, status["message_id"])[-1]
    assert "2 Nov 2026 – 20 Nov 2026" in final
    assert "Siklus inkuiri: 1 siklus selesai, terakhir Literasi kelas 4 (target tercapai)" in final
    assert [m["document"]["file_name"][-4:] for m in sim.fake.bot_messages(GROUP) if "document" in m] == [
        "xlsx", ".pdf"]


async def test_summary_is_one_message_in_english_with_its_details_in_private(sim, clock, hooks):
    """Issue 14: the weekly summary is one message (the chart, the summary as its caption of at most 1,024
    characters, a button to the details in private), also in English and from `/summary now`."""
    c = await ready(sim, hooks)
    await sim.say(GROUP, PIC, "/language")
    await sim.tap(GROUP, sim.last(GROUP)["message_id"], PIC, "English")
    n = len(sim.fake.bot_messages(GROUP))
    clock.set(datetime(2026, 11, 27, 7, 0, 5, tzinfo=UTC))
    await sim.tick()
    assert len(sim.fake.bot_messages(GROUP)) == n + 1
    card = sim.last(GROUP)
    assert "photo" in card and "Weekly summary" in card["caption"] and len(card["caption"]) <= 1024
    assert card["reply_markup"]["inline_keyboard"][0][0]["text"] == "📄 Details"
    await sim.say(GROUP, PIC, "/summary now")
    assert len(sim.fake.bot_messages(GROUP)) == n + 2 and "photo" in sim.last(GROUP)
    await sim.say(BUDI, BUDI, f"/start sum_{c.id}")
    assert "Weekly summary" in sim.last_text(BUDI)


def test_caption_cut_keeps_whole_lines():
    from bot.render import cut_lines

    text = "\n".join(f"<b>line {i}</b> " + "x" * 90 for i in range(20))
    cut = cut_lines(text, 1024)
    assert len(cut) <= 1024 and cut.count("<b>") == cut.count("</b>") and text.startswith(cut)
    assert cut_lines("short", 1024) == "short"
