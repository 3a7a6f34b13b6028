"""End to end through the fake Bot API: a cycle and a meeting aimed at one working group
(`/siklus mulai … kelompok <nama>`, `/jadwal … kelompok <nama>`) — only the group's members are counted,
reminded and may answer or RSVP; a wrong group name gets the list of groups — and the weekly summary's line
per group, in Indonesian and English."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.conftest import ANI, BUDI, CITRA, GROUP, PIC, onboard

WITA = timedelta(hours=8)


def alert(sim, upd) -> str:
    return (sim.fake.callback_answer(upd["callback_query"]["id"]) or {}).get("text") or ""


async def start(sim, *, english=False):
    await onboard(sim)
    for uid in (ANI, BUDI, CITRA, PIC):
        await sim.say(uid, uid, "/start")
    if english:
        await sim.say(GROUP, PIC, "/language")
        await sim.tap(GROUP, sim.last(GROUP)["message_id"], PIC, "English")
    return await sim.services.repos.communities.by_chat(GROUP)


async def make_groups(sim, add="tambah", cmd="/kelompok"):
    """Two groups; Budi and Citra join the first with a tap on the card."""
    await sim.say(GROUP, PIC, f"{cmd} {add} Kelas rendah")
    await sim.say(GROUP, PIC, f"{cmd} {add} Kelas tinggi")
    await sim.say(GROUP, BUDI, cmd)
    card = sim.last(GROUP)["message_id"]
    await sim.tap(GROUP, card, BUDI, "Kelas rendah (0)")
    await sim.tap(GROUP, card, CITRA, "Kelas rendah (1)")


async def open_stage(sim, community):
    cyc = await sim.services.repos.cycle.cycles.active(community.id)
    return cyc, next(s for s in await sim.services.repos.cycle.cycles.stages(cyc.id) if s.status == "open")


async def prompts(sim, stage):
    rows = await sim.services.db.fetchall(
        "SELECT message_id FROM cycle_prompts WHERE stage_id = ? ORDER BY message_id", (stage.id,))
    return [r[0] for r in rows]


async def test_cycle_for_one_group_in_indonesian(sim, clock):
    c = await start(sim)
    f = sim.fake
    await sim.say(GROUP, PIC, "/siklus mulai literasi 40 ke 70 kelompok Kelas rendah")
    assert "Belum ada kelompok" in sim.last_text(GROUP)  # no groups yet: said, no cycle
    assert await sim.services.repos.cycle.cycles.active(c.id) is None
    await make_groups(sim)
    await sim.say(GROUP, ANI, "/siklus mulai literasi 40 ke 70 kelompok Kelas rendah")
    assert "hanya PIC" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/siklus mulai literasi 40 ke 70 kelompok Kelas menengah")
    text = sim.last_text(GROUP)
    assert "«Kelas menengah» tidak ada" in text and "Kelas rendah, Kelas tinggi" in text
    assert "/siklus mulai literasi 40 ke 70 kelompok Kelas tinggi" in text
    assert await sim.services.repos.cycle.cycles.active(c.id) is None

    await sim.say(GROUP, PIC, "/siklus mulai literasi 40 ke 70 kelompok kelas RENDAH")
    started = next(t for t in sim.texts(GROUP) if "Siklus baru dimulai" in t)
    assert "Untuk kelompok: Kelas rendah" in started and "Target: literasi 40 ke 70" in started
    cyc, refl = await open_stage(sim, c)
    assert cyc.topic == "literasi"
    assert "0 dari 2 sudah menjawab" in f.edits(GROUP, refl.header_message_id)[-1]  # Budi and Citra only
    q1 = (await prompts(sim, refl))[0]  # the stage card: a reply "1. …" answers question 1

    # Ani is not in the group: a polite refusal, nothing stored, in the group and in private
    await sim.say(GROUP, ANI, "Delapan murid kelas 4 belum lancar membaca", reply_to=q1)
    assert "Siklus ini untuk anggota satu kelompok kerja saja" in sim.last_text(GROUP)
    await sim.say(ANI, ANI, f"/start cy_{refl.id}")
    assert "Siklus ini untuk anggota satu kelompok kerja saja" in sim.last_text(ANI)
    assert await sim.services.repos.cycle.cycles.answers(refl.id, ANI) == []

    upd = await sim.say(GROUP, BUDI, "1. Delapan murid kelas 2 belum lancar membaca", reply_to=q1)
    assert f.reactions(GROUP, upd["message"]["message_id"]) == ["👍"]
    assert "1 dari 2 sudah menjawab" in f.edits(GROUP, refl.header_message_id)[-1]
    await sim.say(GROUP, ANI, "/siklus")
    assert "1 dari 2 sudah menjawab" in sim.last_text(GROUP)

    # the stage reminder goes to Citra (in the group, not answered), not to Ani (outside it) nor Budi
    before = {u: len(sim.texts(u)) for u in (ANI, BUDI, CITRA)}
    clock.set(datetime.fromtimestamp(refl.reminder_at, UTC) + timedelta(minutes=1))
    await sim.tick()
    assert len(sim.texts(CITRA)) == before[CITRA] + 1 and "Refleksi" in sim.last_text(CITRA)
    assert len(sim.texts(ANI)) == before[ANI] and len(sim.texts(BUDI)) == before[BUDI]

    # closing counts the group: 1 of 2
    await sim.say(GROUP, PIC, "/siklus lanjut")
    closed = await sim.services.repos.cycle.cycles.stage(refl.id)
    assert (closed.answered_at_close, closed.members_at_close) == (1, 2)
    await sim.say(GROUP, ANI, "/bantuan")  # the help names the group forms
    help_text = sim.last_text(GROUP)
    assert "jawaban (bisa untuk satu kelompok)" in help_text and "siklus, jadwal, survei untuk satu kelompok" in help_text
    await sim.say(GROUP, PIC, "/siklus bantuan")
    assert "tambahkan kelompok &lt;nama&gt; di akhir" in sim.last_text(GROUP) or \
        "tambahkan kelompok <nama> di akhir" in sim.last_text(GROUP)


async def test_cycle_for_one_group_in_english(sim, clock):
    c = await start(sim, english=True)
    await make_groups(sim, "add", "/groups")
    await sim.say(GROUP, PIC, "/cycle start literacy: 40% → 70% group Middle grades")
    text = sim.last_text(GROUP)
    assert "There is no group «Middle grades»" in text and "Groups: Kelas rendah, Kelas tinggi" in text
    assert "/cycle start literacy 40 to 70 group Upper grades" in text
    await sim.say(GROUP, PIC, "/cycle start literacy: 40% → 70% group Kelas rendah")
    started = next(t for t in sim.texts(GROUP) if "A new cycle has started" in t)
    assert "For the group: Kelas rendah" in started
    _, refl = await open_stage(sim, c)
    assert "0 of 2 have answered" in sim.fake.edits(GROUP, refl.header_message_id)[-1]
    q1 = (await prompts(sim, refl))[0]
    await sim.say(GROUP, ANI, "Eight pupils still struggle", reply_to=q1)
    assert "This cycle is only for the members of one working group" in sim.last_text(GROUP)
    await sim.say(ANI, ANI, f"/start cy_{refl.id}")
    assert "This cycle is only for the members of one working group" in sim.last_text(ANI)
    await sim.say(GROUP, ANI, "/help")
    assert "answers (can be for one group)" in sim.last_text(GROUP)
    assert "see, plan, move, cancel; can be for one group" in sim.last_text(GROUP)
    await sim.say(GROUP, BUDI, "1. Eight pupils in grade 2 still struggle", reply_to=q1)
    await sim.say(GROUP, PIC, "/cycle next")
    assert any("1 of 2 members answered" in t for t in sim.texts(GROUP))


def at(clock, day, hour, minute=0):
    clock.set(datetime(2026, 11, day, hour, minute, tzinfo=UTC) - WITA)


async def test_meeting_for_one_group_in_indonesian(sim, clock):
    c = await start(sim)
    f = sim.fake
    await make_groups(sim)
    await sim.say(GROUP, PIC, "/jadwal Kamis 14:00 90 Ruang guru kelompok Kelas menengah")
    text = sim.last_text(GROUP)
    assert "«Kelas menengah» tidak ada" in text and "Kelas rendah, Kelas tinggi" in text
    assert "/jadwal Kamis 14.00 kelompok Kelas tinggi" in text
    assert await store_meetings(sim, c) == []
    await sim.say(GROUP, ANI, "/jadwal Kamis 14:00 90 Ruang guru kelompok Kelas rendah")
    assert "hanya PIC" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/jadwal Kamis 14:00 90 Ruang guru kelompok Kelas rendah")
    assert "Untuk kelompok: Kelas rendah" in sim.last_text(GROUP) and "Tempat: Ruang guru" in sim.last_text(GROUP)

    at(clock, 25, 14)  # the day before: the reminder counts the group
    await sim.tick()
    reminder = sim.last(GROUP)
    assert "Untuk kelompok Kelas rendah: 0 dari 2 anggota sudah menjawab" in sim.last_text(GROUP)
    clock.advance(seconds=10)
    upd = await sim.tap(GROUP, reminder["message_id"], ANI, "✅ Hadir")
    assert alert(sim, upd) == "Pertemuan ini untuk satu kelompok kerja; Anda tidak termasuk. Lihat /kelompok."
    upd = await sim.tap(GROUP, reminder["message_id"], BUDI, "✅ Hadir")
    assert "Tercatat" in alert(sim, upd)
    assert "1 dari 2 anggota sudah menjawab" in f.edits(GROUP, reminder["message_id"])[-1]
    assert "Hadir: 1 · Izin: 0" in f.edits(GROUP, reminder["message_id"])[-1]

    at(clock, 26, 15, 30)  # after it: the check-in, for the group's members only
    await sim.tick()
    checkin = sim.last(GROUP)
    upd = await sim.tap(GROUP, checkin["message_id"], ANI, "✅ Saya hadir")
    assert "tidak termasuk" in alert(sim, upd)
    upd = await sim.tap(GROUP, checkin["message_id"], CITRA, "✅ Saya hadir")
    assert "+90 menit" in alert(sim, upd)
    await sim.say(GROUP, PIC, "/hadir 26/11")
    assert "Hadir: 1 dari 2 anggota" in sim.last_text(GROUP) and "Ani" not in sim.last_text(GROUP)
    # the meeting's attendance rate is over the group, for the summary and the report
    rows = await sim.services.feeds.rhythm.meetings_between(c.id, 0, 2**40)
    assert (rows[0]["attended"], rows[0]["members"]) == (1, 2) and {r["members"] for r in rows} == {2}
    await sim.say(GROUP, PIC, "/jadwal pindah 3/12 seri Jumat 15:00 jadwal semester baru")  # stays the group's
    rows = await sim.services.feeds.rhythm.meetings_between(c.id, 0, 2**40)
    assert len(rows) > 3 and {r["members"] for r in rows} == {2}
    await sim.say(GROUP, PIC, "/jadwal 4/12 09:00 60 Aula")  # a meeting for everyone: over the community
    rows = await sim.services.feeds.rhythm.meetings_between(c.id, 0, 2**40)
    assert sorted({r["members"] for r in rows}) == [2, 3]


async def store_meetings(sim, c):
    return await sim.services.repos.rhythm.meetings.between(c.id, 0, 2**40)


async def test_meeting_for_one_group_in_english(sim, clock):
    c = await start(sim, english=True)
    await sim.say(GROUP, PIC, "/schedule Thursday 14:00 90 Staff room group Lower grades")
    text = sim.last_text(GROUP)
    assert "There is no group «Lower grades»" in text and "No groups yet" in text
    assert "/schedule Thursday 14:00 group Upper grades" in text
    await make_groups(sim, "add", "/groups")
    await sim.say(GROUP, PIC, "/schedule Thursday 14:00 90 Staff room group kelas rendah")
    assert "For the group: Kelas rendah" in sim.last_text(GROUP)
    at(clock, 25, 14)
    await sim.tick()
    reminder = sim.last(GROUP)
    assert "For the group Kelas rendah: 0 of 2 members have answered" in sim.last_text(GROUP)
    upd = await sim.tap(GROUP, reminder["message_id"], ANI, "✅ Attending")
    assert alert(sim, upd) == "This meeting is for one working group, which you are not in. See /groups."
    assert len(await store_meetings(sim, c)) >= 1


async def summary_text(sim, clock, community) -> tuple[str, str]:
    """The weekly summary: (its one message in the group — the chart's caption, or the text when there is no
    chart —, the full text behind the 📄 button in private)."""
    clock.set(datetime(2026, 11, 27, 7, 0, 5, tzinfo=UTC))  # Friday 15:00:05 WITA: the weekly summary
    await sim.tick()
    card = next(m for m in reversed(sim.fake.bot_messages(GROUP)) if "📊" in (m.get("caption") or m.get("text") or ""))
    if "photo" in card:
        assert len(card["caption"]) <= 1024
    shown = card.get("caption") or card.get("text") or ""
    links = [b.get("url") or "" for row in (card.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
    if not any(u.endswith(f"?start=sum_{community.id}") for u in links):
        return shown, shown
    await sim.say(BUDI, BUDI, f"/start sum_{community.id}")  # a member follows the 📄 button
    return shown, sim.last_text(BUDI)


async def test_weekly_summary_has_a_line_per_group_with_the_floor_per_group(sim, clock):
    c = await start(sim)
    await make_groups(sim)  # Kelas rendah: Budi, Citra
    card = sim.last(GROUP)["message_id"]
    for uid, label in ((ANI, "Kelas tinggi (0)"), (BUDI, "Kelas tinggi (1)"), (CITRA, "Kelas tinggi (2)")):
        await sim.tap(GROUP, card, uid, label)
    # a meeting of Kelas rendah on Thursday; Budi checks in
    await sim.say(GROUP, PIC, "/jadwal Kamis 14:00 90 Ruang guru kelompok Kelas rendah")
    # a cycle for everyone; Budi answers
    await sim.say(GROUP, PIC, "/siklus mulai literasi 40 ke 70")
    _, refl = await open_stage(sim, c)
    await sim.say(GROUP, BUDI, "1. Delapan murid belum lancar membaca", reply_to=(await prompts(sim, refl))[0])
    # a pulse for everyone: Ani, Budi and Citra agree on every statement
    await sim.say(GROUP, PIC, "/survei pulse")
    survey = (await sim.services.repos.surveys.open_in(c.id))[-1]
    for uid in (ANI, BUDI, CITRA):  # answered one tap per item in private, from the card's button
        await sim.say(uid, uid, f"/start sv_{survey.id}")
        for idx in range(3):
            await sim.press(uid, sim.last(uid)["message_id"], uid, f"sv:{survey.id}:{idx}:4")
    assert await sim.services.db.scalar(
        "SELECT COUNT(*) FROM survey_answers WHERE survey_id = ?", (survey.id,)) == 9
    at(clock, 26, 15, 30)
    await sim.tick()
    checkin = next(m for m in reversed(sim.fake.bot_messages(GROUP)) if "Presensi" in (m.get("text") or ""))
    await sim.tap(GROUP, checkin["message_id"], BUDI, "✅ Saya hadir")
    await sim.say(GROUP, PIC, f"/survei tutup {survey.id}")

    caption, text = await summary_text(sim, clock, c)
    assert "👥 Per kelompok:" in text and len(text) <= 1500
    # Kelas rendah: 1 of 2 at its meeting, 1 of 2 answered; two respondents are under the floor of 3: no survey
    assert "• Kelas rendah: hadir 50 %, siklus 1/2 menjawab\n" in text
    # Kelas tinggi: the Thursday meeting was not its business; three respondents: the survey figure shows
    assert "• Kelas tinggi: siklus 1/3 menjawab, survei 100 % setuju" in text
    # the lines fit the caption too: the group lines are in the one message in the group
    assert "• Kelas rendah: hadir 50 %, siklus 1/2 menjawab\n" in caption
    assert "• Kelas tinggi: siklus 1/3 menjawab, survei 100 % setuju" in caption


async def test_weekly_summary_groups_in_english_and_capped(sim, clock):
    c = await start(sim, english=True)
    await sim.say(GROUP, ANI, "/log 60 reading club")  # something to summarise
    for name in ("A1", "B2", "C3", "D4", "E5"):
        await sim.say(GROUP, PIC, f"/groups add Group {name}")
    card_msg = await sim.say(GROUP, BUDI, "/groups")
    assert card_msg
    await sim.tap(GROUP, sim.last(GROUP)["message_id"], BUDI, "Group A1 (0)")
    _, text = await summary_text(sim, clock, c)
    assert "👥 By group:" in text
    assert "• Group A1: no data this week" in text and "• Group B2: no members yet" in text
    assert "Group E5" not in text and "… and 1 more group (/groups)" in text
