"""Live messages end to end through the fake Bot API (bot/live.py): a burst of answers costs one edit now;
the changes after it are owed and made by the catch-up tick once 30 s have passed — showing the current
count, never a new message; a card deleted in the group is left alone; a reply to a survey's card points
to the private chat."""

from __future__ import annotations

import asyncio

from bot import jobs
from storage.surveys import Surveys
from tests.conftest import ANI, BUDI, CITRA, GROUP, PIC, onboard

DAVI, EKA = 106, 107


async def _pulse(sim):
    for uid, name in ((DAVI, "Davi"), (EKA, "Eka")):
        sim.fake.user(uid, name)
    welcome = await onboard(sim)
    for uid in (DAVI, EKA):
        sim.fake.new_member(GROUP, uid)
        await sim.tap(GROUP, welcome["message_id"], uid, "Guru kelas")
    await sim.say(GROUP, PIC, "/survei pulse")
    c = await sim.services.repos.communities.by_chat(GROUP)
    sid = await sim.services.db.scalar("SELECT MAX(id) FROM surveys WHERE community_id = ?", (c.id,))
    return await Surveys(sim.services.db).get(sid)


async def _answer(sim, survey, uid: int, value: int = 4) -> None:
    """`uid` follows the card's button and taps the first item in private."""
    await sim.say(uid, uid, f"/start sv_{survey.id}")
    await sim.press(uid, sim.last(uid)["message_id"], uid, f"sv:{survey.id}:0:{value}")


def _card_edits(sim, mid: int) -> int:
    """editMessageText calls for the card (made or refused)."""
    return sum(1 for p in sim.fake.calls_of("editMessageText")
               if int(p["chat_id"]) == GROUP and int(p["message_id"]) == mid)


async def test_a_burst_of_answers_costs_one_edit_now_and_one_owed_edit_within_30_s(sim, clock):
    survey = await _pulse(sim)
    mid = survey.header_message_id
    posted = len(sim.fake.bot_messages(GROUP))
    assert "Sudah menjawab: 0 orang" in sim.fake.edits(GROUP, mid)[-1]

    await _answer(sim, survey, ANI)  # the first change: edited at once
    assert "Sudah menjawab: 1 orang" in sim.fake.edits(GROUP, mid)[-1] and _card_edits(sim, mid) == 1
    for uid in (BUDI, CITRA, DAVI, EKA):  # the burst: owed, not edited
        clock.advance(seconds=2)
        await _answer(sim, survey, uid)
    assert _card_edits(sim, mid) == 1 and "Sudah menjawab: 1 orang" in sim.fake.edits(GROUP, mid)[-1]
    state = await sim.services.repos.live.get("survey", survey.id)
    assert state.owed and not state.gone

    clock.advance(seconds=10)  # 18 s after the edit: the catch-up waits for the interval
    await sim.tick()
    assert _card_edits(sim, mid) == 1
    clock.advance(seconds=12)  # 30 s after the edit (22 s after the last answer): made, showing the truth now
    await sim.tick()
    assert _card_edits(sim, mid) == 2 and "Sudah menjawab: 5 orang" in sim.fake.edits(GROUP, mid)[-1]
    assert not (await sim.services.repos.live.get("survey", survey.id)).owed
    clock.advance(seconds=60)
    await sim.tick()  # nothing owed: no edit
    assert _card_edits(sim, mid) == 2
    # a changed answer is no new respondent: nothing to edit
    await _answer(sim, survey, ANI, value=2)
    assert _card_edits(sim, mid) == 2
    assert len(sim.fake.bot_messages(GROUP)) == posted  # zero new messages in the group


async def test_a_deleted_card_is_left_alone(sim, clock):
    survey = await _pulse(sim)
    mid = survey.header_message_id
    await sim.app.bot.delete_message(GROUP, mid)  # an administrator removed the card
    await _answer(sim, survey, ANI)
    assert "Tersimpan" in sim.fake.callback_answer(sim.fake.updates[-1]["callback_query"]["id"])["text"]
    assert (await sim.services.repos.live.get("survey", survey.id)).gone and _card_edits(sim, mid) == 1
    clock.advance(seconds=31)
    await _answer(sim, survey, BUDI)
    await sim.tick()
    assert _card_edits(sim, mid) == 1  # no more edits of a message that is not there


async def test_a_reply_to_a_survey_card_points_to_the_private_chat(sim):
    survey = await _pulse(sim)
    n = len(sim.fake.bot_messages(GROUP))
    await sim.say(GROUP, ANI, "Saya setuju semua", reply_to=survey.header_message_id)
    answer = sim.last(GROUP)
    assert len(sim.fake.bot_messages(GROUP)) == n + 1 and "chat pribadi" in sim.last_text(GROUP)
    assert answer["reply_markup"]["inline_keyboard"][0][0]["url"].endswith(f"?start=sv_{survey.id}")
    assert await Surveys(sim.services.db).answers(survey.id) == []  # not taken as an answer
    await sim.say(GROUP, PIC, f"/survei tutup {survey.id}")
    await sim.say(GROUP, BUDI, "Terlambat", reply_to=survey.header_message_id)
    assert "sudah ditutup" in sim.last_text(GROUP)


async def test_in_production_the_catch_up_also_runs_every_second_so_an_owed_edit_is_not_late(sim, clock):
    """The running bot (bot.jobs.schedule) runs the catch-up on its own every LIVE_CATCH_UP_S: the owed edit
    goes out within a second of its 30 s passing, not at the next 30 s scheduler pass."""
    survey = await _pulse(sim)
    mid = survey.header_message_id
    await _answer(sim, survey, ANI)
    await _answer(sim, survey, BUDI)  # owed
    assert _card_edits(sim, mid) == 1
    jobs.schedule(sim.app)
    try:
        for job in sim.app.job_queue.get_jobs_by_name("scheduler-pass"):
            job.schedule_removal()  # only the catch-up runs here
        clock.advance(seconds=30)
        for _ in range(40):  # the job runs on the job queue's own (real) timer: wait for it, at most 4 s
            if _card_edits(sim, mid) == 2:
                break
            await asyncio.sleep(0.1)
    finally:
        for job in sim.app.job_queue.get_jobs_by_name("live-catch-up"):
            job.schedule_removal()
    assert _card_edits(sim, mid) == 2 and "Sudah menjawab: 2 orang" in sim.fake.edits(GROUP, mid)[-1]
