"""A storm of 429s and timeouts from the fake Bot API during a stream of answers and scheduled sends
(issue 7). The guarantee asserted is the one documented in bot/delivery.py:
- every answer is stored exactly once, whatever happens to the reply;
- every scheduled send (outbox key) is eventually sent; it reaches its chat exactly once unless the
  outbox counts an ambiguous attempt for it (a timeout: Telegram may have delivered) — then at most
  1 + ambiguous times; a timeout where Telegram had in fact delivered shows up as such a duplicate;
- a 429 is waited out and retried, so it never duplicates nor loses anything."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from bench.bench_crash import copies_in_chat
from bot.clock import ManualClock
from bot.sim import Sim

GROUP = -1003000000001
PIC = 920001
MEMBERS = list(range(920100, 920112))


async def world(db_target):
    clock = ManualClock(datetime(2026, 11, 24, 1, 0, tzinfo=UTC))  # Tuesday 09:00 WITA
    sim = Sim(db_target, clock=clock)
    f = sim.fake
    for u in [PIC, *MEMBERS]:
        f.user(u, f"Guru{u}")
    f.group(GROUP, "Kombel Badai", supergroup=True, admins=[PIC], members=MEMBERS, bot_member=False)
    await sim.start()
    await sim.deliver(f.add_bot(GROUP, PIC))
    welcome = f.last_bot_message(GROUP)["message_id"]
    for u in [PIC, *MEMBERS]:
        await sim.tap(GROUP, welcome, u, "Guru kelas")
        await sim.say(u, u, "/start")
    await sim.say(GROUP, PIC, "/jadwal Kamis 14:00 90 Aula")
    await sim.say(GROUP, PIC, "/siklus mulai literasi kelas 4: 40% → 70% tuntas")
    return sim, clock


def storm(f, rng: random.Random, delivered: list[bool]) -> None:
    """Arm the next calls with 429s (waited out) and timeouts (delivered or not)."""
    if rng.random() < 0.2:  # a 429 costs a real wait of retry_after (1 s, the least PTB accepts)
        f.fail_next("sendMessage", code=429, retry_after=1, times=rng.randint(1, 2))
    deliver = rng.random() < 0.5
    n = rng.randint(0, 2)
    if n:
        delivered.extend([deliver] * n)
        f.timeout_next("sendMessage", times=n, deliver=deliver)


async def test_storm_of_429s_and_timeouts(db_target):
    sim, clock = await world(db_target)
    f, db = sim.fake, sim.services.db
    rng = random.Random(5)
    armed: list[bool] = []
    stage = await db.fetchone("SELECT * FROM cycle_stages WHERE status = 'open'")
    prompts = [r[0] for r in await db.fetchall("SELECT message_id FROM cycle_prompts WHERE stage_id = ?",
                                                (stage["id"],))]
    latest: dict[tuple[int, int], str] = {}  # (member, question) -> the last answer (a new reply replaces it)
    clock.set(datetime.fromtimestamp(stage["reminder_at"], UTC))
    try:
        for step in range(40):
            storm(f, rng, armed)
            u = MEMBERS[step % len(MEMBERS)]
            if step < 24 and u in MEMBERS[:6]:  # half the members answer, half get reminded
                text = f"Jawaban badai {step}"
                prompt = prompts[0]  # the stage card: "N. …" says which question
                await sim.say(GROUP, u, f"{step // len(MEMBERS) + 1}. {text}", reply_to=prompt)
                latest[(u, step // len(MEMBERS))] = text
            await sim.say(u, u, f"/catat 20 menit badai-{step:02d}")
            if step == 20:  # the stage closes: synthesis, next stage's header and questions
                clock.set(datetime.fromtimestamp(stage["closes_at"], UTC))
            clock.advance(minutes=1)
            storm(f, rng, armed)  # and on the scheduled sends
            if step == 1:  # a scheduled send of this pass is taken by Telegram and times out (since stages are
                f.timeout_next("sendMessage", times=1, deliver=True)  # one card, few are left for luck to hit)
                armed.append(True)
            await sim.tick()
        f.fail_next("sendMessage", code=429, times=0)
        f.timeout_next("sendMessage", times=0)
        for _ in range(3):  # calm: whatever is left pending goes out now
            clock.advance(minutes=1)
            await sim.tick()
        answers = [r[0] for r in await db.fetchall("SELECT text FROM cycle_answers WHERE stage_id = ?", (stage["id"],))]
        assert sorted(answers) == sorted(latest.values())  # each exactly once
        logs = [r[0] for r in await db.fetchall("SELECT what FROM learning_logs")]
        assert sorted(logs) == [f"badai-{i:02d}" for i in range(40)]
        outbox = [dict(r) for r in await db.fetchall("SELECT * FROM outbox")]
        assert {e["key"].split(":")[1] for e in outbox} >= {"r", "h"}  # the synthesis is an edit of the card
        for e in outbox:
            assert e["status"] == "sent", e
            copies = copies_in_chat(f, e["chat_id"], e["message_id"])
            if e["ambiguous"] == 0:
                assert copies == 1, e
            else:
                assert 1 <= copies <= 1 + e["ambiguous"], e
        # the documented exception happened and was recorded, not hidden
        assert True in armed and False in armed
        dups = [e for e in outbox if copies_in_chat(f, e["chat_id"], e["message_id"]) > 1]
        assert dups and all(e["ambiguous"] for e in dups)
        assert int(await db.scalar("SELECT COUNT(*) FROM outbox WHERE ambiguous > 0")) > len(dups)
        # every stage card that went out is a prompt one can answer by reply
        for e in outbox:
            if e["key"].startswith(("cy:h:", "cy:q:")):
                assert await db.scalar("SELECT 1 FROM cycle_prompts WHERE chat_id = ? AND message_id = ?",
                                       (e["chat_id"], e["message_id"])), e
    finally:
        await sim.stop()
