"""Dispatch by table (one PTB handler for all commands, one for all buttons), the update processor's
admission of redelivered updates, and the group-admin list asked once per group."""

from __future__ import annotations

import pytest

from bot.buttons import ButtonRouter

from .conftest import ANI, BUDI, GROUP, PIC, onboard


async def test_button_router_by_prefix_with_a_fallback_for_unknown_data():
    seen: list[str] = []

    async def area(update, ctx):
        seen.append("sv")

    async def stale(update, ctx):
        seen.append("stale")

    class Query:
        def __init__(self, data):
            self.data = data

    class Upd:
        def __init__(self, data):
            self.callback_query = Query(data)

    router = ButtonRouter()
    router.add("sv", area)
    router.fallback = stale
    for data in ("sv:1:0:4", "sv", "svx:1", "zz:1", "", None):
        await router.dispatch(Upd(data), None)
    assert seen == ["sv", "stale", "stale", "stale", "stale", "stale"]
    with pytest.raises(ValueError):
        router.add("sv", area)  # taken
    with pytest.raises(ValueError):
        router.add("s:v", area)  # would never match


async def test_commands_by_either_name_any_case_and_addressed_to_us(sim):
    await onboard(sim)
    for text in ("/jadwal", "/SCHEDULE", f"/jadwal@{sim.services.bot_username}"):
        before = len(sim.texts(GROUP))
        await sim.say(GROUP, ANI, text)
        assert len(sim.texts(GROUP)) == before + 1 and "Jadwal" in sim.last_text(GROUP)
    before = len(sim.texts(GROUP))
    await sim.say(GROUP, ANI, "/jadwal@other_bot")  # another bot's command: not ours to answer
    assert len(sim.texts(GROUP)) == before


async def test_a_redelivered_update_is_refused_before_any_handler(sim, caplog):
    await onboard(sim)
    update = sim.fake.send_text(GROUP, ANI, "/catat 30 membaca modul")
    await sim.deliver(update)
    caplog.set_level("INFO", logger="bot.app")
    await sim.deliver(update)  # Telegram sends it again
    await sim.restart()
    await sim.deliver(update)  # and again after a restart (known from its durable mark)
    skipped = [r for r in caplog.records if "already handled: skipped" in r.getMessage()]
    assert len(skipped) == 2
    rows = await sim.services.db.fetchall("SELECT minutes FROM learning_logs WHERE user_id = ?", (ANI,))
    assert [r[0] for r in rows] == [30]
    assert sum("30 menit" in t for t in sim.texts(GROUP)) == 1


async def test_group_admins_are_asked_once_per_group_not_once_per_person(sim):
    await onboard(sim)
    sim.services.admin_cache.clear()
    calls = len(sim.fake.calls_of("getChatAdministrators"))
    for uid in (ANI, BUDI, PIC, ANI):
        await sim.say(GROUP, uid, "/jadwal")
    assert len(sim.fake.calls_of("getChatAdministrators")) == calls + 1
    assert not sim.fake.calls_of("getChatMember")
    assert sim.services.cached_admins(GROUP) == frozenset({PIC})
