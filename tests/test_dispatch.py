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
    # members who are no administrators are never asked about one by one; an administrator's PIC right is
    # confirmed with getChatMember where the bot gets no chat_member updates (kept 60 s: at most once here)
    assert {c["user_id"] for c in sim.fake.calls_of("getChatMember")} == {str(PIC)}
    assert len(sim.fake.calls_of("getChatMember")) == 1
    assert sim.services.cached_admins(GROUP) == frozenset({PIC})


def test_content_filter_is_ptb_s_composite_filter():
    """The one-check filter for text routed to the features accepts exactly what PTB's composite did."""
    from telegram import Update
    from telegram.ext import filters

    from bot.handlers.onboarding import CONTENT

    composite = ((filters.TEXT | filters.PHOTO | filters.Document.ALL | filters.VOICE | filters.Sticker.ALL)
                 & ~filters.COMMAND & ~filters.StatusUpdate.ALL)
    user = {"id": 7, "is_bot": False, "first_name": "Ani"}
    photo = [{"file_id": "p", "file_unique_id": "p1", "width": 90, "height": 90}]
    cmd = [{"type": "bot_command", "offset": 0, "length": 5}]
    contents = [
        {"text": "jawaban saya"},
        {"text": "/catat 30", "entities": cmd},
        {"text": "lihat /catat", "entities": [{"type": "bot_command", "offset": 6, "length": 6}]},
        {"text": "halo @budi", "entities": [{"type": "mention", "offset": 5, "length": 5}]},
        {"photo": photo},
        {"photo": photo, "caption": "/catat", "caption_entities": cmd},
        {"document": {"file_id": "d", "file_unique_id": "d1"}},
        {"voice": {"file_id": "v", "file_unique_id": "v1", "duration": 3}},
        {"sticker": {"file_id": "s", "file_unique_id": "s1", "type": "regular", "width": 1, "height": 1,
                     "is_animated": False, "is_video": False}},
        {"new_chat_members": [user]},
        {"new_chat_photo": photo},
        {"left_chat_member": user},
        {"location": {"latitude": -8.6, "longitude": 115.2}},
        {"migrate_to_chat_id": -1001},
    ]
    for i, content in enumerate(contents):
        message = {"message_id": i + 1, "date": 0, "chat": {"id": -100, "type": "supergroup", "title": "g"},
                   "from": user, **content}
        for kind in ("message", "edited_message"):
            update = Update.de_json({"update_id": i + 1, kind: message}, None)
            assert bool(CONTENT.check_update(update)) == bool(composite.check_update(update)), (kind, content)
    assert sum(bool(CONTENT.check_update(Update.de_json(
        {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"},
                                     "from": user, **c}}, None))) for c in contents) == 8
