"""End to end through the fake Bot API: a group with forum topics. The community's home topic — set by
completing /atur inside a topic or by `/atur topik` there, reset by `/atur topik umum` — receives every
scheduled group post (meeting reminders and check-ins, surveys, the weekly summary, a cycle started in
General); a deleted topic makes the post fall back to General once and clears the setting; a closed one
sends that post to General and keeps the setting; members are refused; a group without topics is told so."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.delivery import home_thread
from tests.conftest import ANI, BUDI, CITRA, GROUP, PIC, _tz_button, onboard

WITA = ZoneInfo("Asia/Makassar")


def at(clock, month, day, hour, minute=0):
    clock.set(datetime(2026, month, day, hour, minute, tzinfo=WITA))


async def home(sim) -> int | None:
    return home_thread(await sim.services.repos.communities.by_chat(GROUP))


async def new_topic(sim, name: str = "Kombel Bot", by: int = PIC) -> int:
    upd = await sim.deliver(sim.fake.create_topic(GROUP, by, name))
    return upd["message"]["message_thread_id"]


async def say_in(sim, thread: int | None, user: int, text: str) -> dict:
    return await sim.deliver(sim.fake.send_text(GROUP, user, text, thread_id=thread))


def topic(sim, msg: dict) -> int | None:
    return sim.fake.topic_of(GROUP, msg["message_id"])


def bot_msgs(sim, needle: str) -> list[dict]:
    return [m for m in sim.fake.bot_messages(GROUP) if needle in (m.get("text") or m.get("caption") or "")]


def threads_of_sends(sim, since: int) -> list[int | None]:
    """message_thread_id of each sendMessage call after the first `since` ones."""
    sends = sim.fake.calls_of("sendMessage")[since:]
    return [None if s.get("message_thread_id") is None else int(s["message_thread_id"]) for s in sends]


def alert(sim) -> str:
    return sim.fake.callback_answer(sim.fake.updates[-1]["callback_query"]["id"])["text"]


async def forum_onboarded(sim) -> int:
    """A group with topics, set up in General; returns a new topic made home with /atur topik."""
    sim.fake.set_forum(GROUP)
    await onboard(sim)
    thread = await new_topic(sim)
    await say_in(sim, thread, PIC, "/atur topik")
    assert await home(sim) == thread
    return thread


async def test_setup_completed_in_a_topic_sends_scheduled_posts_there(sim, clock):
    f = sim.fake
    f.set_forum(GROUP)
    await sim.deliver(f.add_bot(GROUP, PIC))
    welcome = sim.last(GROUP)
    assert topic(sim, welcome) is None
    thread = await new_topic(sim, "Kombel")
    await say_in(sim, thread, PIC, "/atur")
    assert topic(sim, sim.last(GROUP)) == thread
    await sim.say(GROUP, PIC, "Kombel SDN 3 Mataram", reply_to=sim.last(GROUP)["message_id"])  # stays in the topic
    await sim.tap(GROUP, sim.last(GROUP)["message_id"], PIC, "KKG")
    await sim.say(GROUP, PIC, "SDN 3 Mataram", reply_to=sim.last(GROUP)["message_id"])
    await sim.tap(GROUP, sim.last(GROUP)["message_id"], PIC, _tz_button("WITA"))
    await sim.tap(GROUP, sim.last(GROUP)["message_id"], PIC, "Senin–Jumat")
    await sim.tap(GROUP, sim.last(GROUP)["message_id"], PIC, "Bahasa Indonesia")
    done = sim.last(GROUP)
    assert "Pengaturan selesai" in sim.last_text(GROUP) and "dikirim ke topik ini" in sim.last_text(GROUP)
    assert topic(sim, done) == thread and await home(sim) == thread
    for uid in (ANI, BUDI, CITRA):
        await sim.tap(GROUP, welcome["message_id"], uid, "Guru kelas")

    # a meeting planned in General: its reminder (with RSVP) and check-in go to the home topic
    await sim.say(GROUP, PIC, "/jadwal Kamis 14:00 90 Ruang guru")
    assert topic(sim, sim.last(GROUP)) is None  # a reply stays where it was asked
    at(clock, 11, 25, 14, 0)
    await sim.tick()
    [reminder] = bot_msgs(sim, "Pengingat pertemuan besok")
    assert topic(sim, reminder) == thread
    await sim.tap(GROUP, reminder["message_id"], ANI, "✅ Hadir")
    assert "Tercatat: ✅ Hadir" in alert(sim)
    at(clock, 11, 26, 15, 30)
    await sim.tick()
    [checkin] = bot_msgs(sim, "Presensi pertemuan")
    assert topic(sim, checkin) == thread
    await sim.tap(GROUP, checkin["message_id"], ANI, "✅ Saya hadir")
    assert "+90 menit" in alert(sim)

    # a survey started in General is posted in the home topic, and the PIC is told where
    await sim.say(GROUP, PIC, "/survei pulse")
    ack = sim.last(GROUP)
    assert "sudah saya kirim ke topik kiriman bot" in sim.last_text(GROUP) and topic(sim, ack) is None
    assert f"https://t.me/c/1234567890/{thread}" in f.raw_text(GROUP, ack["message_id"])
    [header] = [m for m in bot_msgs(sim, "Cek Mingguan Kombel") if m["text"].startswith("📋")]
    assert topic(sim, header) == thread  # one card, answered in private
    await sim.say(BUDI, BUDI, "/start " + header["reply_markup"]["inline_keyboard"][0][0]["url"].split("=")[1])
    await sim.tap(BUDI, sim.last(BUDI)["message_id"], BUDI, "4")
    assert "Tersimpan: 4" in alert(sim)

    # the weekly summary, Friday 15:00 WITA: picture and text in the home topic
    at(clock, 11, 27, 15, 0)
    await sim.tick()
    summary = bot_msgs(sim, "Ringkasan pekan")
    assert summary and {topic(sim, m) for m in summary} == {thread}
    # the survey's card, when it closes (Saturday is a day off: on Monday, the next school day): edited where
    # it is, nothing posted (the results go into the next weekly summary)
    n = len(f.bot_messages(GROUP))
    at(clock, 11, 28, 16, 0)
    await sim.tick()
    at(clock, 11, 30, 7, 0)
    await sim.tick()
    assert not bot_msgs(sim, "📊 Hasil") and len(f.bot_messages(GROUP)) == n
    [card] = [m for m in bot_msgs(sim, "Cek Mingguan Kombel") if m["text"].startswith("📋")]
    assert topic(sim, card) == thread and "ringkasan pekanan" in f.edits(GROUP, card["message_id"])[-1]


async def test_topic_command_sets_shows_and_resets_the_home_topic(sim, clock):
    sim.fake.set_forum(GROUP)
    await onboard(sim)
    done = next(t for t in sim.texts(GROUP) if "Pengaturan selesai" in t)
    assert "Kiriman bot masuk ke topik Umum; untuk memindahkan, ketik /atur topik di topik tujuan" in done
    thread = await new_topic(sim)
    # a member is refused, politely, where they asked
    await say_in(sim, thread, ANI, "/atur topik")
    assert "hanya PIC" in sim.last_text(GROUP) and topic(sim, sim.last(GROUP)) == thread
    assert await home(sim) is None
    # the PIC, inside the topic
    await say_in(sim, thread, PIC, "/atur topik")
    assert "Mulai sekarang pengingat pertemuan, survei, dan ringkasan mingguan dikirim ke topik ini" in (
        sim.last_text(GROUP))
    assert topic(sim, sim.last(GROUP)) == thread and await home(sim) == thread
    # in General: where posts go now, with a link to the topic
    await sim.say(GROUP, PIC, "/atur topik")
    assert "saat ini dikirim ke topik kiriman bot" in sim.last_text(GROUP) and "/atur topik umum" in sim.last_text(GROUP)
    assert f'href="https://t.me/c/1234567890/{thread}"' in sim.fake.raw_text(GROUP, sim.last(GROUP)["message_id"])
    assert await home(sim) == thread
    # a reminder goes to the topic
    await sim.say(GROUP, PIC, "/jadwal Kamis 14:00 90")
    await sim.say(GROUP, PIC, "/jadwal pengingat 1440 60")  # two reminders (one is the default)
    at(clock, 11, 25, 14, 0)
    await sim.tick()
    assert topic(sim, bot_msgs(sim, "Pengingat pertemuan besok")[-1]) == thread
    # removed and added back: the bot's hello has no message to answer, so it goes to the home topic
    await sim.deliver(sim.fake.remove_bot(GROUP, PIC))
    await sim.deliver(sim.fake.add_bot(GROUP, PIC))
    assert "Saya kembali" in sim.last_text(GROUP) and topic(sim, sim.last(GROUP)) == thread
    # back to General (the English form works too)
    await say_in(sim, thread, PIC, "/setup topic general")
    assert "kembali ke topik Umum" in sim.last_text(GROUP) and await home(sim) is None
    await sim.say(GROUP, PIC, "/atur topik")
    assert "saat ini dikirim ke topik Umum" in sim.last_text(GROUP)
    at(clock, 11, 26, 13, 0)
    await sim.tick()
    assert topic(sim, bot_msgs(sim, "Pengingat pertemuan hari ini")[-1]) is None
    # a member cannot reset it either
    await say_in(sim, thread, PIC, "/atur topik")
    await say_in(sim, thread, BUDI, "/atur topik umum")
    assert "hanya PIC" in sim.last_text(GROUP) and await home(sim) == thread


async def test_deleted_home_topic_falls_back_to_general_once_and_is_cleared(sim, clock, caplog):
    thread = await forum_onboarded(sim)
    await sim.say(GROUP, PIC, "/jadwal Kamis 14:00 90")
    await sim.say(GROUP, PIC, "/jadwal pengingat 1440 60")  # two reminders (one is the default)
    sim.fake.delete_topic(GROUP, thread)  # Telegram tells the bot nothing
    calls = len(sim.fake.calls_of("sendMessage"))
    at(clock, 11, 25, 14, 0)
    with caplog.at_level(logging.WARNING, logger="bot.delivery"):
        await sim.tick()
    assert threads_of_sends(sim, calls) == [thread, None]  # refused in the topic, then posted in General
    [reminder] = bot_msgs(sim, "Pengingat pertemuan")
    assert topic(sim, reminder) is None and "message_thread_id" not in reminder
    assert any("is gone; posting in General" in r.getMessage() for r in caplog.records)
    assert await home(sim) is None
    meeting = (await sim.services.db.fetchall("SELECT id, start_ts FROM meetings ORDER BY start_ts"))[0]
    entry = await sim.services.repos.outbox.get(f"rm:{meeting[0]}:{meeting[1]}:1440")
    assert entry.status == "sent" and entry.message_id == reminder["message_id"] and entry.attempts == 1
    # the RSVP buttons still work on it, and the next post goes straight to General
    await sim.tap(GROUP, reminder["message_id"], ANI, "✅ Hadir")
    assert "Tercatat" in alert(sim)
    calls = len(sim.fake.calls_of("sendMessage"))
    at(clock, 11, 26, 13, 0)
    await sim.tick()
    assert threads_of_sends(sim, calls) == [None]
    assert len(bot_msgs(sim, "Pengingat pertemuan")) == 2


async def test_survey_in_a_deleted_topic_goes_to_general_each_message_once(sim):
    thread = await forum_onboarded(sim)
    sim.fake.delete_topic(GROUP, thread)
    calls = len(sim.fake.calls_of("sendMessage"))
    await sim.say(GROUP, PIC, "/survei pulse")
    # the card is refused in the topic and posted in General; no "posted in the topic" note, since it was not
    assert threads_of_sends(sim, calls) == [thread, None]
    posted = [m for m in sim.fake.bot_messages(GROUP) if "Cek Mingguan Kombel" in m.get("text", "")]
    assert len(posted) == 1 and {topic(sim, m) for m in posted} == {None}
    assert await home(sim) is None
    rows = await sim.services.db.fetchall("SELECT key, status FROM outbox WHERE key LIKE 'sv:%' ORDER BY key")
    assert [tuple(r) for r in rows] == [("sv:1:h", "sent")]


async def test_closed_topic_posts_in_general_and_keeps_the_setting(sim, clock):
    thread = await forum_onboarded(sim)
    await sim.say(GROUP, PIC, "/jadwal Kamis 14:00 90")
    await sim.say(GROUP, PIC, "/jadwal pengingat 1440 60")  # two reminders (one is the default)
    await sim.deliver(sim.fake.close_topic(GROUP, PIC, thread))
    at(clock, 11, 25, 14, 0)
    await sim.tick()
    [reminder] = bot_msgs(sim, "Pengingat pertemuan besok")
    assert topic(sim, reminder) is None and await home(sim) == thread
    await sim.deliver(sim.fake.reopen_topic(GROUP, PIC, thread))
    at(clock, 11, 26, 13, 0)
    await sim.tick()
    [today] = bot_msgs(sim, "Pengingat pertemuan hari ini")
    assert topic(sim, today) == thread


async def test_cycle_keeps_its_own_topic_else_the_home_topic(sim, clock):
    thread = await forum_onboarded(sim)
    await sim.say(GROUP, PIC, "/siklus mulai literasi kelas 4: 40% → 70% tuntas")
    assert topic(sim, bot_msgs(sim, "Siklus baru dimulai")[-1]) is None  # the answer, where it was asked
    c = await sim.services.repos.communities.by_chat(GROUP)
    cyc = await sim.services.repos.cycle.cycles.active(c.id)
    assert cyc.thread_id is None
    stage = next(s for s in await sim.services.repos.cycle.cycles.stages(cyc.id) if s.status == "open")
    prompts = [r[0] for r in await sim.services.db.fetchall(
        "SELECT message_id FROM cycle_prompts WHERE stage_id = ? ORDER BY message_id", (stage.id,))]
    assert prompts and {sim.fake.topic_of(GROUP, mid) for mid in [stage.header_message_id, *prompts]} == {thread}
    # an answer by reply in the topic is stored (the silent 👍)
    await sim.say(GROUP, ANI, "1. Siswa belum lancar membaca pemahaman.", reply_to=prompts[0])
    assert sim.fake.reactions(GROUP, sim.fake.chat_messages(GROUP)[-1]["message_id"]) == ["👍"]


async def test_topic_command_in_a_group_without_topics(sim):
    await onboard(sim)
    await sim.say(GROUP, PIC, "/atur topik")
    assert "Grup ini tidak memakai topik" in sim.last_text(GROUP)
    await sim.say(GROUP, ANI, "/atur topik")
    assert "hanya PIC" in sim.last_text(GROUP)
    assert await home(sim) is None
    assert "Pengaturan" not in sim.last_text(GROUP)
    assert await sim.services.repos.flows.get(GROUP, PIC) is None  # no set-up flow was started


async def test_a_good_practice_shared_from_private_lands_in_the_home_topic(sim):
    thread = await forum_onboarded(sim)
    c = await sim.services.repos.communities.by_chat(GROUP)
    await sim.say(ANI, ANI, "/start")
    await sim.say(ANI, ANI, f"/start gp_{c.id}")
    await sim.tap(ANI, sim.last(ANI)["message_id"], ANI, "Situasi–Tantangan–Aksi–Refleksi")
    for text in ("Exit ticket literasi", "Kelas 4A.", "Memantau pemahaman.", "Tiga pertanyaan.", "40% → 72%."):
        await sim.say(ANI, ANI, text)
    await sim.tap(ANI, sim.last(ANI)["message_id"], ANI, "📣 Bagikan ke grup")
    [shared] = [m for m in sim.fake.bot_messages(GROUP) if "document" in m]
    assert topic(sim, shared) == thread and "Praktik baik dari" in shared["caption"]


async def test_a_change_made_in_private_is_announced_in_the_home_topic(sim):
    thread = await forum_onboarded(sim)
    await sim.say(GROUP, PIC, "/jadwal Kamis 14:00 90 Ruang guru")
    await sim.say(PIC, PIC, "/start")
    await sim.say(PIC, PIC, "/jadwal batal 26/11 rapat dinas")
    [news] = [m for m in sim.fake.bot_messages(GROUP) if "rapat dinas" in (m.get("text") or "")]
    assert topic(sim, news) == thread
