"""End to end through the fake Bot API (issue 12): membership follows the Telegram group. Someone who leaves,
is kicked or banned is inactive — no PIC rights, no private access to the community's data, no private
reminders — and coming back restores role, PIC mark and history; a demoted administrator is no PIC at once
(chat_member updates where the bot is an administrator; getChatMember, trusted 60 s, where it is not)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.handlers.common import STANDING_TTL_S
from tests.conftest import ANI, BUDI, CITRA, GROUP, PIC, onboard

LEFT = "sudah tidak berada di grup"
NOT_PIC = "hanya PIC komunitas"
WITA = timedelta(hours=8)


def at_wita(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC) - WITA


async def deliver(sim, updates: list[dict]) -> None:
    for update in updates:
        await sim.deliver(update)


async def member(sim, uid: int):
    c = await sim.services.repos.communities.by_chat(GROUP)
    return await sim.services.repos.members.get(c.id, uid)


async def count(sim, sql: str, *args) -> int:
    return int(await sim.services.db.scalar(sql, args))


def documents(sim, chat_id: int) -> list[str]:
    return [m["document"]["file_name"].rsplit(".", 1)[1] for m in sim.fake.bot_messages(chat_id) if "document" in m]


def asked_about(sim, uid: int) -> list[dict]:
    return [c for c in sim.fake.calls_of("getChatMember") if c["user_id"] == str(uid)]


def remove(sim, how: str, uid: int) -> list[dict]:
    f = sim.fake
    if how == "leave":
        return f.leave_group(GROUP, uid)
    if how == "kick":
        return f.kick_member(GROUP, uid, PIC)
    return f.ban_member(GROUP, uid, PIC)


def come_back(sim, how: str, uid: int) -> list[dict]:
    f = sim.fake
    if how == "ban":  # a ban keeps them out until an administrator lifts it
        with pytest.raises(AssertionError):
            f.join_group(GROUP, uid)
        return f.unban_member(GROUP, uid, PIC) + f.join_group(GROUP, uid)
    return f.join_group(GROUP, uid)


@pytest.mark.parametrize("bot_admin", [True, False], ids=["bot-admin", "bot-member"])
@pytest.mark.parametrize("how", ["leave", "kick", "ban"])
async def test_removed_named_pic_loses_rights_and_private_access_then_rejoins(sim, how, bot_admin):
    f = sim.fake
    await onboard(sim)
    if bot_admin:
        await sim.deliver(f.promote_bot(GROUP, PIC))
    budi_msg = await sim.say(GROUP, BUDI, "Saya siap membantu koordinasi")
    await sim.say(GROUP, PIC, "/pic tambah", reply_to=budi_msg["message"]["message_id"])
    assert "Budi Santoso sekarang PIC" in sim.last_text(GROUP)
    await sim.say(BUDI, BUDI, "/start")
    await sim.say(BUDI, BUDI, "/catat 60 membaca modul asesmen")
    await sim.say(BUDI, BUDI, "/laporan")
    assert documents(sim, BUDI) == ["xlsx", "pdf"]  # a named PIC's report of everyone, in private

    updates = remove(sim, how, BUDI)
    assert any("chat_member" in u for u in updates) == bot_admin  # Telegram: only to administrator bots
    await deliver(sim, updates)
    gone = await member(sim, BUDI)
    assert gone.departed and not gone.active and gone.pic and gone.role == "classroom"
    links = await count(sim, "SELECT COUNT(*) FROM principal_links")
    for cmd in ("/laporan", "/kepsek", "/catat 30 webinar", "/siklus", "/jam"):
        await sim.say(BUDI, BUDI, cmd)
        assert LEFT in sim.last_text(BUDI) and "Kombel SDN 3 Mataram" in sim.last_text(BUDI), cmd
    assert documents(sim, BUDI) == ["xlsx", "pdf"]  # no second report
    assert await count(sim, "SELECT COUNT(*) FROM principal_links") == links  # no link minted
    assert await count(sim, "SELECT COUNT(*) FROM learning_logs WHERE user_id = ?", BUDI) == 1
    await sim.say(GROUP, PIC, "/pic")
    assert "Budi" not in sim.last_text(GROUP)  # not listed among the PICs while away

    await deliver(sim, come_back(sim, how, BUDI))
    back = await member(sim, BUDI)
    assert back.active and not back.departed and back.pic and back.role == "classroom"
    await sim.say(BUDI, BUDI, "/kepsek")
    assert "Tautan untuk kepala sekolah" in sim.last_text(BUDI)
    await sim.say(BUDI, BUDI, "/catat daftar")
    assert "membaca modul asesmen" in sim.last_text(BUDI)  # history kept


async def test_departure_the_bot_did_not_see_is_found_by_getchatmember(sim, clock):
    """The bot is no administrator and the group hides join/leave messages: before a private action,
    getChatMember is asked (its answer trusted STANDING_TTL_S), and what it reveals is recorded."""
    f = sim.fake
    await onboard(sim)
    await sim.say(ANI, ANI, "/start")
    await sim.say(ANI, ANI, "/catat 30 membaca modul")
    await sim.say(ANI, ANI, "/jam")
    assert "Tercatat" in sim.texts(ANI)[-2]
    assert len(asked_about(sim, ANI)) == 1  # three private actions within the minute: Telegram asked once

    assert f.leave_group(GROUP, ANI, service_message=False) == []  # the bot is told nothing
    clock.advance(seconds=STANDING_TTL_S + 1)
    await sim.say(ANI, ANI, "/catat 30 webinar")
    assert LEFT in sim.last_text(ANI)
    assert (await member(sim, ANI)).departed
    assert await count(sim, "SELECT COUNT(*) FROM learning_logs WHERE user_id = ?", ANI) == 1
    assert len(asked_about(sim, ANI)) == 2

    assert f.join_group(GROUP, ANI, service_message=False) == []
    clock.advance(seconds=STANDING_TTL_S + 1)
    await sim.say(ANI, ANI, "/catat 30 webinar")
    assert "Tercatat" in sim.last_text(ANI)
    assert (await member(sim, ANI)).active and (await member(sim, ANI)).role == "classroom"


async def test_back_in_the_group_by_a_message_and_no_join_from_outside(sim):
    f = sim.fake
    welcome = await onboard(sim)
    await deliver(sim, f.leave_group(GROUP, ANI))
    assert (await member(sim, ANI)).departed
    # a public group's buttons can be pressed from outside: joining needs being in the group
    await sim.tap(GROUP, welcome["message_id"], ANI, "Guru kelas")
    assert "belum menjadi anggota grup" in f.callback_answer(f.updates[-1]["callback_query"]["id"])["text"]
    assert (await member(sim, ANI)).departed
    assert f.join_group(GROUP, ANI, service_message=False) == []
    await sim.say(GROUP, ANI, "/catat 45 diskusi daring")  # a message of hers shows she is back
    assert "Tercatat" in sim.last_text(GROUP)
    assert (await member(sim, ANI)).active


async def test_demoted_or_removed_administrator_is_no_pic_at_once(sim):
    f = sim.fake
    await onboard(sim)
    await sim.deliver(f.promote_bot(GROUP, PIC))
    asked = len(f.calls_of("getChatMember"))
    await deliver(sim, f.promote_member(GROUP, ANI, PIC))
    await sim.say(GROUP, ANI, "/target 8 jam per bulan")
    assert "Target jam belajar" in sim.last_text(GROUP)  # an administrator: a PIC
    fetched = len(f.calls_of("getChatAdministrators"))
    await deliver(sim, f.demote_member(GROUP, ANI, PIC))
    await sim.say(GROUP, ANI, "/target 4 jam per bulan")
    assert NOT_PIC in sim.last_text(GROUP)  # at once, not when the 10-minute list expires
    assert len(f.calls_of("getChatAdministrators")) == fetched + 1
    assert len(f.calls_of("getChatMember")) == asked  # chat_member updates suffice where the bot is an administrator

    await deliver(sim, f.promote_member(GROUP, CITRA, PIC))
    await sim.say(CITRA, CITRA, "/start")
    await sim.say(CITRA, CITRA, "/language")
    await sim.tap(CITRA, sim.last(CITRA)["message_id"], CITRA, "English")  # Citra reads English
    await sim.say(CITRA, CITRA, "/principal")
    assert "principal" in sim.last_text(CITRA) and "t.me/" in sim.last_text(CITRA)
    await deliver(sim, f.ban_member(GROUP, CITRA, PIC))  # a removed administrator
    await sim.say(CITRA, CITRA, "/principal")
    assert "You are no longer in the group of Kombel SDN 3 Mataram" in sim.last_text(CITRA)

    await deliver(sim, f.restrict_member(GROUP, BUDI, PIC))  # muted, still in the group: still a member
    assert (await member(sim, BUDI)).active
    await deliver(sim, f.restrict_member(GROUP, BUDI, PIC, is_member=False))  # restricted and outside
    assert (await member(sim, BUDI)).departed


async def test_demotion_unseen_by_a_bot_without_admin_rights(sim, clock):
    f = sim.fake
    assert f.promote_member(GROUP, ANI, PIC) == []  # the bot is not even in the group yet
    await onboard(sim)
    await sim.say(ANI, ANI, "/start")
    await sim.say(ANI, ANI, "/kepsek")
    assert "Tautan untuk kepala sekolah" in sim.last_text(ANI)
    links = await count(sim, "SELECT COUNT(*) FROM principal_links")
    assert f.demote_member(GROUP, ANI, PIC) == []  # no chat_member update for a bot that is no administrator
    clock.advance(seconds=STANDING_TTL_S + 1)
    await sim.say(ANI, ANI, "/kepsek")
    assert NOT_PIC in sim.last_text(ANI)
    await sim.say(GROUP, ANI, "/target 8 jam per bulan")  # the cached list still names her: getChatMember decides
    assert NOT_PIC in sim.last_text(GROUP)
    assert await count(sim, "SELECT COUNT(*) FROM principal_links") == links
    assert (await member(sim, ANI)).active  # demoted, still a member


async def test_no_private_reminders_for_someone_who_left_until_they_return(sim, clock):
    """Journal prompts, stage reminders, RTL reminders and the hours nudge skip a member who left; the others
    get theirs (so the skip is not an accident); back in the group, the journal prompt comes again."""
    f = sim.fake
    await onboard(sim)
    for uid in (ANI, BUDI):
        await sim.say(uid, uid, "/start")
        await sim.say(uid, uid, "/jurnal 15:30")
    await sim.say(GROUP, PIC, "/target 8 jam per bulan")
    await sim.say(GROUP, PIC, "/rtl tambah Uji coba kartu baca; Ani; 15/12; skor membaca")
    await sim.say(GROUP, PIC, "/rtl tambah Kunjungan kelas model; Budi; 15/12; catatan observasi")
    await sim.say(GROUP, PIC, "/siklus mulai literasi kelas 4: 40% → 70% tuntas")
    c = await sim.services.repos.communities.by_chat(GROUP)
    rtl = {i.what: i for i in await sim.services.repos.cycle.rtl.list(c.id)}
    assert rtl["Kunjungan kelas model"].owner_user_id == BUDI
    stage = (await sim.services.repos.cycle.cycles.due_reminders(2**40))
    reminder_at = min(s.reminder_at for s in stage)

    await deliver(sim, f.leave_group(GROUP, BUDI))
    budi = len(sim.texts(BUDI))
    for when in sorted([at_wita(11, 24, 15, 31), datetime.fromtimestamp(reminder_at + 60, UTC),
                        datetime.fromtimestamp(rtl["Kunjungan kelas model"].remind_at + 60, UTC),
                        at_wita(12, 16, 15, 1)]):
        clock.set(when)
        await sim.tick()
    ani = sim.texts(ANI)
    for expected in ("Catatan harian", "jawaban Anda belum ada", "Pengingat RTL", "Pengingat kecil"):
        assert any(expected in t for t in ani), expected
    assert len(sim.texts(BUDI)) == budi

    await deliver(sim, f.join_group(GROUP, BUDI))
    clock.set(at_wita(12, 17, 15, 31))
    await sim.tick()
    assert "Catatan harian" in sim.last_text(BUDI)


async def test_membership_questions_do_not_use_up_the_groups_sending_limit():
    """PTB's AIORateLimiter counts every call naming a group against its 20-a-minute budget; getChatMember
    and getChatAdministrators are questions, not posts, and skip it (sends still go through it)."""
    from telegram.ext import AIORateLimiter

    from bot.sim import SIM_TOKEN
    from bot.tgbot import KombelBot
    from fakegram import FakeRequest, FakeTelegram

    class Counting(AIORateLimiter):
        def __init__(self) -> None:
            super().__init__(max_retries=0)
            self.endpoints: list[str] = []

        async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
            self.endpoints.append(endpoint)
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)

    fake = FakeTelegram(clock=lambda: 1_795_000_000.0)
    fake.user(PIC, "Sari")
    fake.group(GROUP, "Kombel", supergroup=True, admins=[PIC])
    limiter = Counting()
    bot = KombelBot(SIM_TOKEN, request=FakeRequest(fake), rate_limiter=limiter)
    await bot.initialize()
    try:
        assert (await bot.get_chat_member(GROUP, PIC)).status == "creator"
        assert [a.user.id for a in await bot.get_chat_administrators(GROUP)] == [PIC]
        await bot.send_message(GROUP, "Halo")
    finally:
        await bot.shutdown()
    assert "getChatMember" not in limiter.endpoints and "getChatAdministrators" not in limiter.endpoints
    assert "sendMessage" in limiter.endpoints
