"""fakegram must answer and fail like Telegram, as seen through the real PTB ``Bot``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from fakegram import FakeRequest, FakeTelegram, HtmlError, parse_telegram_html, serve, server_port, utf16_len
from fakegram.limits import audit, max_in_window

GROUP = -4001
ADMIN = 101
TEACHER = 102
STRANGER = 103


@pytest.fixture
def fake() -> FakeTelegram:
    fake = FakeTelegram(clock=lambda: 1_750_000_000.0)
    fake.user(ADMIN, "Siti", username="siti_guru")
    fake.user(TEACHER, "Budi")
    fake.user(STRANGER, "Ani")
    fake.group(GROUP, "KKG Gugus 3", admins=[ADMIN], members=[TEACHER])
    fake.send_text(ADMIN, ADMIN, "/start")
    return fake


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    bot = Bot(token="123:ABC", request=FakeRequest(fake), get_updates_request=FakeRequest(fake))
    await bot.initialize()
    yield bot
    await bot.shutdown()


async def test_get_me_and_send_message_returns_full_message(bot: Bot, fake: FakeTelegram) -> None:
    assert bot.username == "kombel_test_bot"
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ya", callback_data="sv:1:0")]])
    msg = await bot.send_message(
        GROUP,
        "<b>Halo</b> &amp; <i>selamat</i> 😀 <code>x</code>",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard,
    )
    assert msg.text == "Halo & selamat 😀 x"
    assert msg.from_user.id == fake.bot_id and msg.chat.id == GROUP
    assert [(e.type, e.offset, e.length) for e in msg.entities] == [
        ("bold", 0, 4),
        ("italic", 7, 7),
        ("code", 18, 1),
    ]
    assert msg.reply_markup.inline_keyboard[0][0].callback_data == "sv:1:0"
    assert fake.texts(GROUP) == ["Halo & selamat 😀 x"]
    assert fake.raw_text(GROUP, msg.message_id).startswith("<b>Halo</b>")
    assert fake.buttons(fake.last_bot_message(GROUP)) == [["Ya"]]
    assert fake.calls_of("sendmessage")[0]["chat_id"] == str(GROUP)


async def test_message_ids_are_shared_per_chat_and_reply_carries_full_message(
    bot: Bot, fake: FakeTelegram
) -> None:
    prompt = await bot.send_message(GROUP, "Apa kendala Anda?")
    update = fake.send_text(GROUP, TEACHER, "Waktu", reply_to=prompt.message_id)
    message = update["message"]
    assert message["message_id"] == prompt.message_id + 1
    assert message["reply_to_message"]["text"] == "Apa kendala Anda?"
    assert message["reply_to_message"]["from"]["id"] == fake.bot_id
    answer = await bot.send_message(
        GROUP, "Terima kasih", reply_parameters={"message_id": message["message_id"]}
    )
    assert answer.reply_to_message.text == "Waktu"
    assert [m["message_id"] for m in fake.chat_messages(GROUP)] == [1, 2, 3]
    with pytest.raises(BadRequest, match="(?i)message to be replied not found"):
        await bot.send_message(GROUP, "x", reply_parameters={"message_id": 999})


async def test_html_rules_follow_telegram() -> None:
    text, entities = parse_telegram_html('<b>a <i>b</i></b> <a href="https://x.id">l</a> &lt;3 &#128512;')
    assert text == "a b l <3 😀"
    assert {e["type"] for e in entities} == {"bold", "italic", "text_link"}
    for bad, reason in [
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ]:
        with pytest.raises(HtmlError) as err:
            parse_telegram_html(bad)
        assert err.value.description == reason
    with pytest.raises(HtmlError):
        parse_telegram_html("Tom & Jerry")
    assert parse_telegram_html("Tom & Jerry", strict_ampersand=False)[0] == "Tom & Jerry"
    assert parse_telegram_html('<span class="tg-spoiler">s</span>')[1][0]["type"] == "spoiler"
    assert (
        parse_telegram_html("<blockquote expandable>q</blockquote>")[1][0]["type"] == "expandable_blockquote"
    )
    assert utf16_len("😀") == 2


async def test_html_errors_raise_bad_request(bot: Bot) -> None:
    with pytest.raises(BadRequest, match='(?i)parse entities: Unsupported start tag "foo" at byte offset 0'):
        await bot.send_message(GROUP, "<foo>x</foo>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="(?i)can't parse entities"):
        await bot.send_message(GROUP, "nilai a < b", parse_mode=ParseMode.HTML)
    msg = await bot.send_message(GROUP, "nilai a &lt; b", parse_mode=ParseMode.HTML)
    assert msg.text == "nilai a < b"
    plain = await bot.send_message(GROUP, "a < b & c")  # no parse mode: sent verbatim
    assert plain.text == "a < b & c"


async def test_length_limits_count_visible_text(bot: Bot) -> None:
    await bot.send_message(GROUP, "<b>" + "x" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(GROUP, "x" * 4097)
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(GROUP, "😀" * 2049)  # UTF-16 units
    with pytest.raises(BadRequest, match="(?i)message text is empty"):
        await bot.send_message(GROUP, "<b> </b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="(?i)message caption is too long"):
        await bot.send_document(GROUP, b"data", filename="a.txt", caption="c" * 1025)


async def test_callback_data_and_keyboard_rules(bot: Bot, fake: FakeTelegram) -> None:
    ok = "é" * 32  # 64 bytes
    await bot.send_message(
        GROUP, "ok", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data=ok)]])
    )
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("a", callback_data=ok + "x")]])
    with pytest.raises(BadRequest, match="(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(GROUP, "x", reply_markup=too_long)
    with pytest.raises(BadRequest, match="(?i)text buttons are unallowed"):
        await bot.send_message(GROUP, "x", reply_markup={"inline_keyboard": [[{"text": "a"}]]})
    assert len(fake.bot_messages(GROUP)) == 1


async def test_chat_access_errors(bot: Bot, fake: FakeTelegram) -> None:
    with pytest.raises(BadRequest, match="(?i)chat not found"):
        await bot.send_message(-999, "x")
    with pytest.raises(Forbidden, match="(?i)bot can't initiate conversation with a user"):
        await bot.send_message(TEACHER, "x")
    fake.send_text(TEACHER, TEACHER, "/start")
    await bot.send_message(TEACHER, "Selamat datang")
    fake.block_bot(TEACHER)
    with pytest.raises(Forbidden, match="(?i)bot was blocked by the user"):
        await bot.send_message(TEACHER, "x")
    fake.remove_bot(GROUP, ADMIN)
    with pytest.raises(Forbidden, match="(?i)bot was kicked from the group chat"):
        await bot.send_message(GROUP, "x")
    fake.group(-4002, "Lain", bot_member=False)
    with pytest.raises(Forbidden, match="(?i)bot is not a member of the group chat"):
        await bot.send_message(-4002, "x")


async def test_forum_topics_like_telegram(bot: Bot, fake: FakeTelegram) -> None:
    forum = -1004003
    fake.group(forum, "KKG dengan topik", supergroup=True, admins=[ADMIN], members=[TEACHER], forum=True)
    created = Update.de_json(fake.create_topic(forum, ADMIN, "Jadwal"), bot).message
    thread = created.message_thread_id
    assert created.is_topic_message and created.forum_topic_created.name == "Jadwal" and created.chat.is_forum
    said = Update.de_json(fake.send_text(forum, TEACHER, "halo", thread_id=thread), bot).message
    assert said.is_topic_message and said.message_thread_id == thread
    assert said.reply_to_message.message_id == created.message_id  # Telegram's implicit reply to the topic
    posted = await bot.send_message(forum, "Pengingat", message_thread_id=thread)
    assert posted.is_topic_message and posted.message_thread_id == thread
    reply = await bot.send_message(forum, "Siap", reply_parameters=ReplyParameters(said.message_id))
    assert reply.message_thread_id == thread  # a reply lands in the topic of what it answers
    answer = Update.de_json(fake.send_text(forum, TEACHER, "ok", reply_to=posted.message_id), bot).message
    assert answer.message_thread_id == thread and answer.reply_to_message.message_id == posted.message_id
    with pytest.raises(BadRequest, match="(?i)message thread not found"):
        await bot.send_message(forum, "x", message_thread_id=said.message_id)  # a message, not a topic
    fake.close_topic(forum, ADMIN, thread)
    with pytest.raises(BadRequest, match="(?i)topic_closed"):
        await bot.send_message(forum, "x", message_thread_id=thread)
    fake.promote_bot(forum, ADMIN)  # administrators may post in a closed topic
    await bot.send_message(forum, "Tetap bisa", message_thread_id=thread)
    fake.reopen_topic(forum, ADMIN, thread)
    fake.delete_topic(forum, thread)
    assert fake.topic_of(forum, posted.message_id) is None and "Pengingat" not in fake.texts(forum)
    with pytest.raises(BadRequest, match="(?i)message thread not found"):
        await bot.send_message(forum, "x", message_thread_id=thread)
    with pytest.raises(AssertionError, match="no topic"):
        fake.send_text(forum, TEACHER, "x", thread_id=thread)
    await bot.send_message(forum, "Di General")
    await bot.send_message(GROUP, "no topics here", message_thread_id=thread)  # not a forum: not checked
    fake.set_forum(forum, False)
    assert not Update.de_json(fake.send_text(forum, TEACHER, "y"), bot).message.chat.is_forum


async def test_edit_rules(bot: Bot, fake: FakeTelegram) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ya", callback_data="y")]])
    msg = await bot.send_message(GROUP, "Hasil: 0", reply_markup=keyboard)
    edited = await bot.edit_message_text(
        "Hasil: <b>1</b>", GROUP, msg.message_id, parse_mode="HTML", reply_markup=keyboard
    )
    assert edited.text == "Hasil: 1" and edited.edit_date is not None
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text(
            "Hasil: <b>1</b>", GROUP, msg.message_id, parse_mode="HTML", reply_markup=keyboard
        )
    await bot.edit_message_text(
        "Hasil: <b>1</b>", GROUP, msg.message_id, parse_mode="HTML"
    )  # drops the keyboard
    assert fake.buttons(fake.last_bot_message(GROUP)) == []
    assert fake.edits(GROUP, msg.message_id) == ["Hasil: 0", "Hasil: 1", "Hasil: 1"]
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("x", GROUP, 999)
    await bot.edit_message_reply_markup(GROUP, msg.message_id, reply_markup=keyboard)
    assert fake.buttons(fake.last_bot_message(GROUP)) == [["Ya"]]
    assert await bot.delete_message(GROUP, msg.message_id)
    with pytest.raises(BadRequest, match="(?i)message to delete not found"):
        await bot.delete_message(GROUP, msg.message_id)


async def test_callback_query_round_trip(bot: Bot, fake: FakeTelegram) -> None:
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Hadir", callback_data="rsvp:1:y"),
                InlineKeyboardButton("Web", url="https://x.id"),
            ]
        ]
    )
    msg = await bot.send_message(GROUP, "Hadir?", reply_markup=keyboard)
    update = Update.de_json(fake.press_button(GROUP, msg.message_id, TEACHER, "Hadir"), bot)
    assert update.callback_query.data == "rsvp:1:y"
    assert update.callback_query.message.message_id == msg.message_id
    with pytest.raises(AssertionError, match="(?i)not a callback button"):
        fake.press_button(GROUP, msg.message_id, TEACHER, "Web")
    with pytest.raises(AssertionError, match="(?i)available"):
        fake.press_button(GROUP, msg.message_id, TEACHER, "Tidak")
    assert await update.callback_query.answer("Tercatat")
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await update.callback_query.answer()
    with pytest.raises(BadRequest, match="(?i)query ID is invalid"):
        await bot.answer_callback_query("123")
    assert fake.callback_answer(update.callback_query.id)["text"] == "Tercatat"


async def test_get_updates_offset_and_long_poll(bot: Bot, fake: FakeTelegram) -> None:
    fake.send_text(GROUP, TEACHER, "/agenda@kombel_test_bot")
    fake.send_text(GROUP, TEACHER, "obrolan biasa")  # privacy mode: not delivered
    fake.edit_text(ADMIN, 1, ADMIN, "/start ulang")
    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [1, 2, 4]
    assert updates[1].message.text == "/agenda@kombel_test_bot"
    assert updates[1].message.entities[0].type == "bot_command"
    assert updates[1].message.entities[0].length == len("/agenda@kombel_test_bot")
    assert updates[2].edited_message.text == "/start ulang"
    assert len(await bot.get_updates(timeout=0)) == 3  # not acknowledged yet
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()

    async def later() -> None:
        await asyncio.sleep(0.05)
        fake.send_text(ADMIN, ADMIN, "halo")

    task = asyncio.create_task(later())
    polled = await bot.get_updates(offset=5, timeout=2)
    await task
    assert [u.message.text for u in polled] == ["halo"]
    assert await bot.get_updates(offset=polled[0].update_id + 1, timeout=0.1) == ()


async def test_membership_updates_parse(bot: Bot, fake: FakeTelegram) -> None:
    fake.group(-4003, "Baru", bot_member=False)
    update = Update.de_json(fake.add_bot(-4003, ADMIN, as_admin=True), bot)
    assert update.my_chat_member.old_chat_member.status == "left"
    assert update.my_chat_member.new_chat_member.status == "administrator"
    await bot.send_message(-4003, "Halo semua")
    removed = Update.de_json(fake.remove_bot(-4003, ADMIN), bot)
    assert removed.my_chat_member.new_chat_member.status == "kicked"
    blocked = Update.de_json(fake.block_bot(ADMIN), bot)
    assert blocked.my_chat_member.chat.type == "private"
    joined = Update.de_json(fake.new_member(GROUP, STRANGER), bot)
    assert joined.message.new_chat_members[0].id == STRANGER
    admins = await bot.get_chat_administrators(GROUP)
    assert [(a.user.id, a.status) for a in admins] == [(ADMIN, "creator")]
    assert (await bot.get_chat_member(GROUP, TEACHER)).status == "member"
    assert (await bot.get_chat(GROUP)).title == "KKG Gugus 3"


async def test_migration(bot: Bot, fake: FakeTelegram) -> None:
    await bot.send_message(GROUP, "sebelum")
    new_id = fake.migrate(GROUP)
    assert str(new_id).startswith("-100")
    kinds = [m for m in fake.chat_messages(GROUP) if "migrate_to_chat_id" in m]
    assert kinds and kinds[0]["migrate_to_chat_id"] == new_id
    assert fake.chat_messages(new_id)[-1]["migrate_from_chat_id"] == GROUP
    with pytest.raises(ChatMigrated) as err:
        await bot.send_message(GROUP, "x")
    assert err.value.new_chat_id == new_id
    await bot.send_message(new_id, "sesudah")
    assert fake.texts(new_id) == ["sebelum", "sesudah"]
    assert (await bot.get_chat_member(new_id, ADMIN)).status == "creator"


async def test_fault_injection(bot: Bot, fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", retry_after=7)
    with pytest.raises(RetryAfter) as err:
        await bot.send_message(GROUP, "x")
    assert err.value.retry_after in (7, __import__("datetime").timedelta(seconds=7))
    fake.fail_next("sendMessage", code=400, migrate_to_chat_id=-1009, chat_id=GROUP)
    await bot.send_message(ADMIN, "other chat unaffected")
    with pytest.raises(ChatMigrated):
        await bot.send_message(GROUP, "x")
    fake.timeout_next("sendMessage", deliver=True)
    with pytest.raises(TimedOut):
        await bot.send_message(GROUP, "mungkin terkirim")
    fake.timeout_next("sendMessage", deliver=False)
    with pytest.raises(TimedOut):
        await bot.send_message(GROUP, "tidak terkirim")
    assert fake.texts(GROUP) == ["mungkin terkirim"]
    with pytest.raises(Exception, match="(?i)Not Found"):
        await bot.do_api_request("noSuchMethod")


async def test_rate_limits_enforced() -> None:
    """Telegram's limits (fakegram.limits): 20 a minute in a group, about one a second per chat with a short
    burst, 30 a second overall; a refusal is a 429 with parameters.retry_after and does not count."""
    now = [1000.0]
    fake = FakeTelegram(clock=lambda: now[0], enforce_rate_limits=True)
    fake.group(GROUP, "G")
    fake.user(ADMIN, "Siti")
    fake.send_text(ADMIN, ADMIN, "/start")
    bot = Bot("123:ABC", request=FakeRequest(fake))
    await bot.initialize()
    for i in range(20):  # one a second: the chat's pace, the group's 20 in a minute
        await bot.send_message(GROUP, f"m{i}")
        now[0] += 1
    with pytest.raises(RetryAfter) as refused:
        await bot.send_message(GROUP, "one too many")
    assert refused.value.retry_after == 40  # the first of the 20 leaves the minute at 1060
    assert fake.stats["429"] == 1 and fake.limits.refused == {"group": 1}
    now[0] += 40
    await bot.send_message(GROUP, "again")

    for i in range(3):  # a private chat: a burst of 3, then one a second
        await bot.send_message(ADMIN, f"p{i}")
    with pytest.raises(RetryAfter) as refused:
        await bot.send_message(ADMIN, "p3")
    assert refused.value.retry_after == 1 and fake.limits.refused["chat"] == 1
    now[0] += 1
    await bot.send_message(ADMIN, "p3")

    now[0] += 60
    for i in range(30):  # overall: 30 in any second, to 30 chats
        fake.user(5000 + i, f"U{i}")
        fake.send_text(5000 + i, 5000 + i, "/start")
        await bot.send_message(5000 + i, "x")
    with pytest.raises(RetryAfter):
        await bot.send_message(ADMIN, "31st in the second")
    assert fake.limits.refused["global"] == 1
    now[0] += 1
    await bot.send_message(ADMIN, "next second")
    seen = audit(fake.limits.accepted)
    assert (seen.overall_max_per_s, seen.group_max_per_min, seen.chat_min_gap_s) == (30, 20, 0.0)
    assert seen.sends == 20 + 1 + 4 + 30 + 1
    assert max_in_window([0.0, 0.5, 0.99, 1.0, 1.5], 1.0) == 3


async def test_document_upload_and_download(bot: Bot, fake: FakeTelegram) -> None:
    msg = await bot.send_document(
        GROUP, b"PK\x03\x04xlsx", filename="rekap.xlsx", caption="<b>Rekap</b>", parse_mode="HTML"
    )
    assert msg.document.file_name == "rekap.xlsx" and msg.caption == "Rekap"
    assert fake.file_bytes(msg.document.file_id) == b"PK\x03\x04xlsx"
    again = await bot.send_document(GROUP, msg.document.file_id)
    assert again.document.file_unique_id == msg.document.file_unique_id
    with pytest.raises(BadRequest, match="(?i)wrong file identifier"):
        await bot.send_document(GROUP, "nope")
    photo = await bot.send_photo(GROUP, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x02\x00\0\0\x01\x00rest")
    assert photo.photo[-1].width == 512 and photo.photo[-1].height == 256
    incoming = fake.send_document(ADMIN, ADMIN, data=b"isi", file_name="tugas.pdf")["message"]
    file = await bot.get_file(incoming["document"]["file_id"])
    assert bytes(await file.download_as_bytearray()) == b"isi"


async def test_commands_per_scope_and_language(bot: Bot, fake: FakeTelegram) -> None:
    await bot.set_my_commands([BotCommand("start", "Mulai")])
    await bot.set_my_commands(
        [BotCommand("agenda", "Agenda")], scope=BotCommandScopeAllGroupChats(), language_code="id"
    )
    await bot.set_my_commands([BotCommand("admin", "Admin")], scope=BotCommandScopeChat(GROUP))
    assert fake.commands() == [{"command": "start", "description": "Mulai"}]
    assert fake.commands("all_group_chats", "id")[0]["command"] == "agenda"
    assert fake.commands("all_group_chats") == []
    assert fake.commands("chat", chat_id=GROUP)[0]["command"] == "admin"
    assert [
        c.command for c in await bot.get_my_commands(scope=BotCommandScopeAllGroupChats(), language_code="id")
    ] == ["agenda"]
    await bot.delete_my_commands()
    assert fake.commands() == []
    with pytest.raises(BadRequest, match="(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Mulai-Sekarang", "x")])
    await bot.set_my_description("Bot kombel")
    assert (await bot.get_my_description()).description == "Bot kombel"


async def test_poll_round_trip(bot: Bot, fake: FakeTelegram) -> None:
    msg = await bot.send_poll(GROUP, "Kapan rapat?", ["Senin", "Rabu", "Jumat"], is_anonymous=False)
    poll_id = msg.poll.id
    update = Update.de_json(fake.answer_poll(poll_id, TEACHER, [1]), bot)
    assert update.poll_answer.poll_id == poll_id and update.poll_answer.option_ids == (1,)
    assert update.poll_answer.user.id == TEACHER
    fake.answer_poll(poll_id, TEACHER, [])
    assert fake.poll(poll_id)["total_voter_count"] == 0
    fake.answer_poll(poll_id, ADMIN, [2])
    stopped = await bot.stop_poll(GROUP, msg.message_id)
    assert stopped.is_closed and stopped.options[2].voter_count == 1
    with pytest.raises(BadRequest, match="(?i)message with poll to stop not found"):
        await bot.stop_poll(GROUP, 999)
    with pytest.raises(BadRequest, match="(?i)poll must have at least 2 option"):
        await bot.send_poll(GROUP, "q", ["a"])
    with pytest.raises(BadRequest, match="(?i)poll can't have more than 12 options"):
        await bot.send_poll(GROUP, "q", [str(i) for i in range(13)])
    with pytest.raises(BadRequest, match="(?i)poll question length must not exceed 300"):
        await bot.send_poll(GROUP, "q" * 301, ["a", "b"])
    with pytest.raises(BadRequest, match="(?i)poll option length must not exceed 100"):
        await bot.send_poll(GROUP, "q", ["a" * 101, "b"])


async def test_over_http_with_httpx(fake: FakeTelegram) -> None:
    server = await serve(fake, port=0)
    base = f"http://127.0.0.1:{server_port(server)}"
    bot = Bot("123:ABC", base_url=f"{base}/bot", base_file_url=f"{base}/file/bot")
    try:
        await bot.initialize()
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Ya", callback_data="y")]])
        msg = await bot.send_message(GROUP, "<b>Halo</b>", parse_mode="HTML", reply_markup=keyboard)
        assert msg.text == "Halo" and fake.buttons(fake.last_bot_message(GROUP)) == [["Ya"]]
        doc = await bot.send_document(GROUP, b"%PDF-1.4 laporan", filename="laporan.pdf")
        assert fake.file_bytes(doc.document.file_id) == b"%PDF-1.4 laporan"
        with pytest.raises(BadRequest, match="(?i)chat not found"):
            await bot.send_message(-1, "x")
        fake.send_text(ADMIN, ADMIN, "halo")
        updates = await bot.get_updates(offset=2, timeout=1)
        assert updates[-1].message.text == "halo"
        file = await bot.get_file(doc.document.file_id)
        assert bytes(await file.download_as_bytearray()) == b"%PDF-1.4 laporan"
        fake.timeout_next("sendMessage")
        slow = Bot("123:ABC", base_url=f"{base}/bot", request=HTTPXRequest(read_timeout=0.3))
        await slow.initialize()
        with pytest.raises(TimedOut):
            await slow.send_message(GROUP, "lambat")
        await slow.shutdown()
    finally:
        await bot.shutdown()
        server.close()
        await server.wait_closed()


async def test_every_builder_update_parses_in_ptb(bot: Bot, fake: FakeTelegram) -> None:
    poll = await bot.send_poll(GROUP, "Setuju?", ["Ya", "Tidak"])  # anonymous: `poll` updates only
    built = [
        fake.send_photo(ADMIN, ADMIN, caption="foto"),
        fake.send_document(ADMIN, ADMIN),
        fake.send_voice(ADMIN, ADMIN),
        fake.send_sticker(ADMIN, ADMIN),
        fake.answer_poll(poll.poll.id, TEACHER, [0]),
        fake.left_member(GROUP, TEACHER),
        fake.unblock_bot(ADMIN),
    ]
    new_id = fake.migrate(GROUP)
    built += [u for u in fake.updates if "message" in u and "migrate_from_chat_id" in u["message"]]
    for raw in built:
        update = Update.de_json(raw, bot)
        assert update.update_id == raw["update_id"]
    assert Update.de_json(built[0], bot).message.photo[-1].file_id
    assert Update.de_json(built[4], bot).poll.options[0].voter_count == 1
    assert Update.de_json(built[-1], bot).message.migrate_from_chat_id == GROUP
    assert new_id < -1000000000000


async def test_application_polling_end_to_end(fake: FakeTelegram) -> None:
    from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

    async def agenda(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_html(f"Agenda untuk <b>{update.effective_user.first_name}</b>")

    app = (
        ApplicationBuilder()
        .token("123:ABC")
        .request(FakeRequest(fake))
        .get_updates_request(FakeRequest(fake))
        .build()
    )
    app.add_handler(CommandHandler("agenda", agenda))
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES)
        fake.send_text(GROUP, TEACHER, "/agenda@kombel_test_bot")
        for _ in range(100):
            if fake.texts(GROUP):
                break
            await asyncio.sleep(0.02)
        await app.updater.stop()
        await app.stop()
    assert fake.texts(GROUP) == ["Agenda untuk Budi"]
    assert fake.last_bot_message(GROUP)["reply_to_message"]["text"] == "/agenda@kombel_test_bot"


async def test_membership_changes_like_telegram(bot: Bot, fake: FakeTelegram) -> None:
    """chat_member updates only where the bot is an administrator and asked for them (allowed_updates);
    service messages for every bot in the group; getChatMember tells left, kicked and restricted apart."""
    from bot.app import allowed_updates

    fake.user(104, "Citra")
    # the bot is a plain member, chat_member asked for: only the service messages
    fake.set_allowed_updates(allowed_updates())
    left = fake.leave_group(GROUP, TEACHER)
    assert [next(k for k in u if k != "update_id") for u in left] == ["message"]
    assert Update.de_json(left[0], bot).message.left_chat_member.id == TEACHER
    assert (await bot.get_chat_member(GROUP, TEACHER)).status == "left"
    assert fake.leave_group(GROUP, STRANGER, service_message=False) == []  # a group hiding join/leave messages

    # an administrator bot that did not ask for chat_member (Telegram's default): still none
    fake.promote_bot(GROUP, ADMIN)
    fake.set_allowed_updates(["message", "my_chat_member"])
    assert [u.get("chat_member") for u in fake.join_group(GROUP, TEACHER)] == [None]

    # asked for (getUpdates with allowed_updates, as the poller does): the update, with both ChatMembers
    await bot.get_updates(timeout=0, allowed_updates=allowed_updates())
    banned = fake.ban_member(GROUP, TEACHER, ADMIN)
    cm = Update.de_json(banned[0], bot).chat_member
    assert (cm.old_chat_member.status, cm.new_chat_member.status, cm.from_user.id) == ("member", "kicked", ADMIN)
    assert Update.de_json(banned[1], bot).message.left_chat_member.id == TEACHER
    assert (await bot.get_chat_member(GROUP, TEACHER)).status == "kicked"
    with pytest.raises(AssertionError):
        fake.join_group(GROUP, TEACHER)  # banned: cannot come back by link
    unbanned = fake.unban_member(GROUP, TEACHER, ADMIN)
    assert [(u["chat_member"]["old_chat_member"]["status"], u["chat_member"]["new_chat_member"]["status"])
            for u in unbanned] == [("kicked", "left")]
    back = fake.join_group(GROUP, TEACHER, by_user_id=ADMIN)
    assert back[0]["chat_member"]["new_chat_member"]["status"] == "member" and back[1]["message"]["from"]["id"] == ADMIN

    kicked = fake.kick_member(GROUP, TEACHER, ADMIN)  # removed, not kept out: member → kicked → left
    assert [u["chat_member"]["new_chat_member"]["status"] for u in kicked if "chat_member" in u] == ["kicked", "left"]
    assert (await bot.get_chat_member(GROUP, TEACHER)).status == "left"

    fake.join_group(GROUP, 104)
    promoted = Update.de_json(fake.promote_member(GROUP, 104, ADMIN)[0], bot).chat_member
    assert (promoted.old_chat_member.status, promoted.new_chat_member.status) == ("member", "administrator")
    assert 104 in [a.user.id for a in await bot.get_chat_administrators(GROUP)]
    demoted = Update.de_json(fake.demote_member(GROUP, 104, ADMIN)[0], bot).chat_member
    assert (demoted.old_chat_member.status, demoted.new_chat_member.status) == ("administrator", "member")
    assert 104 not in [a.user.id for a in await bot.get_chat_administrators(GROUP)]
    fake.restrict_member(GROUP, 104, ADMIN)
    still = await bot.get_chat_member(GROUP, 104)
    assert (still.status, still.is_member, still.can_send_messages) == ("restricted", True, False)
    fake.restrict_member(GROUP, 104, ADMIN, is_member=False)
    assert (await bot.get_chat_member(GROUP, 104)).is_member is False
    with pytest.raises(AssertionError):
        fake.ban_member(GROUP, 104, TEACHER)  # only administrators remove people
