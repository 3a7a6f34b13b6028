"""End to end through the fake Bot API: onboarding, set-up, roles, principals, languages, lifecycle."""

from __future__ import annotations

from tests.conftest import ANI, BUDI, CITRA, GROUP, KEPSEK, PIC, STRANGER, onboard


async def test_added_to_group_introduces_itself_with_join_buttons(sim):
    await sim.deliver(sim.fake.add_bot(GROUP, PIC))
    msg = sim.last(GROUP)
    assert "Kombel Bot" in sim.last_text(GROUP) and "/atur" in sim.last_text(GROUP)
    labels = [b for row in sim.fake.buttons(msg) for b in row]
    assert "Guru kelas" in labels and "Operator / tendik" in labels


async def test_setup_with_good_and_bad_answers(sim):
    await sim.deliver(sim.fake.add_bot(GROUP, PIC))
    await sim.say(GROUP, ANI, "/setup")
    assert "hanya PIC" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/setup")
    prompt = sim.last(GROUP)
    assert "nama komunitas" in sim.last_text(GROUP).lower()
    assert sim.fake.reply_markup(GROUP, prompt["message_id"])["force_reply"] is True
    await sim.say(GROUP, PIC, "!!", reply_to=prompt["message_id"])
    assert "minimal 2 huruf" in sim.texts(GROUP)[-2]
    await sim.say(GROUP, PIC, "x" * 500, reply_to=sim.last(GROUP)["message_id"])
    assert "500 karakter" in sim.texts(GROUP)[-2]
    await sim.say(GROUP, PIC, "KKG Gugus 2 <Mataram> & Co", reply_to=sim.last(GROUP)["message_id"])
    assert "Jenis komunitas" in sim.last_text(GROUP)
    # typing where a button is expected, and a forged zone
    kind_msg = sim.last(GROUP)
    await sim.press(GROUP, kind_msg["message_id"], PIC, "su:tz:Mars")
    assert sim.fake.callback_answer(sim.fake.updates[-1]["callback_query"]["id"])["text"]
    await sim.tap(GROUP, kind_msg["message_id"], PIC, "KKG")
    await sim.say(GROUP, PIC, "-", reply_to=sim.last(GROUP)["message_id"])
    tz_msg = sim.last(GROUP)
    assert [b for row in sim.fake.buttons(tz_msg) for b in row] == [
        "WIB (Jakarta, UTC+7)", "WITA (Makassar, UTC+8)", "WIT (Jayapura, UTC+9)"]
    await sim.tap(GROUP, tz_msg["message_id"], ANI, "WITA (Makassar, UTC+8)")  # not the PIC running it
    await sim.tap(GROUP, tz_msg["message_id"], PIC, "WITA (Makassar, UTC+8)")
    await sim.tap(GROUP, sim.last(GROUP)["message_id"], PIC, "Senin–Sabtu")
    await sim.tap(GROUP, sim.last(GROUP)["message_id"], PIC, "Bahasa Indonesia")
    done = sim.last_text(GROUP)
    assert "Pengaturan selesai" in done and "WITA" in done and "Senin–Sabtu" in done
    assert "KKG Gugus 2 <Mataram> & Co" in done  # escaped in HTML, shown as typed
    c = await sim.services.repos.communities.by_chat(GROUP)
    assert (c.name, c.kind, c.tz, c.work_days, c.setup_done) == (
        "KKG Gugus 2 <Mataram> & Co", "kkg", "Asia/Makassar", 6, True)


async def test_join_with_role_and_change_role(sim):
    welcome = await onboard(sim, members=())
    await sim.tap(GROUP, welcome["message_id"], ANI, "Guru agama")
    assert sim.last_text(GROUP) == "🎉 Selamat bergabung: Ani Rahma!"
    assert sim.fake.calls_of("sendMessage")[-1].get("disable_notification") in (True, "true")  # no buzz for all
    c = await sim.services.repos.communities.by_chat(GROUP)
    assert (await sim.services.repos.members.get(c.id, ANI)).role == "religion"
    n_before = len(sim.texts(GROUP))
    await sim.tap(GROUP, welcome["message_id"], ANI, "Guru PJOK")  # change of role: no public noise
    assert len(sim.texts(GROUP)) == n_before
    assert (await sim.services.repos.members.get(c.id, ANI)).role == "pe"
    await sim.say(GROUP, BUDI, "/daftar")
    assert "Pilih peran" in sim.last_text(GROUP)


async def test_new_members_are_welcomed_in_one_message_a_day_edited_as_others_join(sim, clock):
    welcome = await onboard(sim, members=())
    c = await sim.services.repos.communities.by_chat(GROUP)
    n = len(sim.fake.bot_messages(GROUP))
    await sim.tap(GROUP, welcome["message_id"], ANI, "Guru kelas")
    [greeting] = sim.fake.bot_messages(GROUP)[n:]
    gid = greeting["message_id"]
    clock.advance(seconds=31)
    await sim.tap(GROUP, welcome["message_id"], BUDI, "Guru mapel")  # edited at once: 30 s since the last edit
    assert sim.fake.texts(GROUP)[-1] == "🎉 Selamat bergabung: Ani Rahma, Budi Santoso!"
    clock.advance(seconds=5)
    await sim.tap(GROUP, welcome["message_id"], CITRA, "Guru kelas")  # within 30 s: held, the pass catches up
    assert sim.fake.edits(GROUP, gid)[-1] == "🎉 Selamat bergabung: Ani Rahma, Budi Santoso!"
    await sim.tick()
    assert sim.fake.edits(GROUP, gid)[-1] == "🎉 Selamat bergabung: Ani Rahma, Budi Santoso!"
    clock.advance(seconds=30)
    await sim.tick()
    await sim.tick()
    assert sim.fake.edits(GROUP, gid) == ["🎉 Selamat bergabung: Ani Rahma!", "🎉 Selamat bergabung: Ani Rahma, Budi Santoso!",
                                          "🎉 Selamat bergabung: Ani Rahma, Budi Santoso, Citra!"]
    assert len(sim.fake.bot_messages(GROUP)) == n + 1  # one message for the three, no notification
    assert [x.get("disable_notification") for x in sim.fake.calls_of("sendMessage")
            if "Selamat bergabung" in x.get("text", "")] in ([True], ["true"])
    # a role change is no join; a restart re-sends nothing (the day's key is in the outbox)
    await sim.tap(GROUP, welcome["message_id"], BUDI, "Guru kelas")
    await sim.restart()
    await sim.tick()
    assert len(sim.fake.bot_messages(GROUP)) == n + 1
    day = (await sim.services.db.fetchone("SELECT day FROM welcomes WHERE community_id = ?", (c.id,)))[0]
    assert (await sim.services.repos.outbox.get(f"wl:{c.id}:{day}")).status == "sent"
    # the next day: a new message for that day's newcomers
    clock.advance(days=1)
    await sim.say(GROUP, STRANGER, "halo")
    await sim.tap(GROUP, welcome["message_id"], STRANGER, "Guru kelas")
    assert len(sim.fake.bot_messages(GROUP)) == n + 2
    assert sim.fake.texts(GROUP)[-1].startswith("🎉 Selamat bergabung: ") and "Ani" not in sim.fake.texts(GROUP)[-1]


async def test_forged_callbacks_change_nothing(sim):
    welcome = await onboard(sim, members=(ANI,))
    c = await sim.services.repos.communities.by_chat(GROUP)
    for data in ("jn:hacker", "jn:classroom:999999", "jn:classroom:abc:1", "pr:rm:1:2:3", "su:kind:xx",
                 "lg:c:fr", "zz:1"):
        await sim.press(GROUP, welcome["message_id"], STRANGER, data)
        answer = sim.fake.callback_answer(sim.fake.updates[-1]["callback_query"]["id"])
        assert answer is not None and answer["text"], data
    assert [m.user_id for m in await sim.services.repos.members.list(c.id)] == [ANI]


async def test_pic_only_actions_refused_for_members(sim):
    await onboard(sim)
    for cmd in ("/pic", "/kepsek", "/atur", "/principal"):
        await sim.say(GROUP, ANI, cmd)
        assert "hanya PIC" in sim.last_text(GROUP), cmd


async def test_pic_can_add_and_remove_pics(sim):
    await onboard(sim)
    ani_msg = (await sim.say(GROUP, ANI, "/bantuan"))["message"]["message_id"]
    await sim.say(GROUP, PIC, "/pic tambah", reply_to=ani_msg)
    assert "Ani Rahma sekarang PIC" in sim.last_text(GROUP)
    await sim.say(GROUP, ANI, "/pic")  # Ani can act as PIC now
    assert "PIC komunitas" in sim.last_text(GROUP)
    pic_msg = (await sim.say(GROUP, PIC, "/bantuan"))["message"]["message_id"]
    await sim.say(GROUP, ANI, "/pic hapus", reply_to=pic_msg)  # even an admin can be removed as PIC
    assert "bukan lagi PIC" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/atur")
    assert "hanya PIC" in sim.last_text(GROUP)


async def test_principal_link_single_use_expiry_and_wrong_chat(sim, clock):
    await onboard(sim)
    await sim.say(GROUP, PIC, "/kepsek")
    assert "chat pribadi" in sim.last_text(GROUP)  # the PIC has not started the bot: no secret in the group
    await sim.say(PIC, PIC, "/start")
    await sim.say(GROUP, PIC, "/kepsek")
    assert "sudah saya kirim" in sim.last_text(GROUP)
    link_text = sim.last_text(PIC)
    token = link_text.split("?start=p", 1)[1].split()[0]
    assert len(token) >= 22  # 128 bits in URL-safe base64
    await sim.say(GROUP, KEPSEK, f"/start p{token}")
    assert "chat pribadi" in sim.last_text(GROUP)
    await sim.say(KEPSEK, KEPSEK, f"/start p{token}")
    assert "terhubung sebagai kepala sekolah" in sim.last_text(KEPSEK)
    await sim.say(STRANGER, STRANGER, f"/start p{token}")
    assert "sudah dipakai" in sim.last_text(STRANGER)
    # an expired link
    await sim.say(PIC, PIC, "/kepsek")
    token2 = sim.last_text(PIC).split("?start=p", 1)[1].split()[0]
    clock.advance(hours=73)
    await sim.say(STRANGER, STRANGER, f"/start p{token2}")
    assert "kedaluwarsa" in sim.last_text(STRANGER)
    await sim.say(STRANGER, STRANGER, "/start pAAAAAAAAAAAAAAAAAAAAAA")
    assert "tidak dikenal" in sim.last_text(STRANGER)
    c = await sim.services.repos.communities.by_chat(GROUP)
    assert [u.id for u in await sim.services.repos.principals.of_community(c.id)] == [KEPSEK]
    # the PIC unlinks the principal with a button
    await sim.say(GROUP, PIC, "/kepsek daftar")
    await sim.tap(GROUP, sim.last(GROUP)["message_id"], PIC, "Lepas Hendra Kusuma")
    assert await sim.services.repos.principals.of_community(c.id) == []


async def test_language_switch_private_and_group(sim):
    await onboard(sim)
    await sim.say(CITRA, CITRA, "/start")
    await sim.say(CITRA, CITRA, "/bahasa")
    await sim.tap(CITRA, sim.last(CITRA)["message_id"], CITRA, "English")
    assert "Your language" in sim.last_text(CITRA)
    await sim.say(CITRA, CITRA, "/help")
    assert "Kombel Bot commands" in sim.last_text(CITRA) and "/join" in sim.last_text(CITRA)
    await sim.say(GROUP, ANI, "/help")
    assert "Perintah Kombel Bot" in sim.last_text(GROUP)  # the group keeps its language
    await sim.say(GROUP, PIC, "/language")
    await sim.tap(GROUP, sim.last(GROUP)["message_id"], PIC, "English")
    await sim.say(GROUP, ANI, "/bantuan")
    assert "Kombel Bot commands" in sim.last_text(GROUP)


async def test_commands_registered_per_scope_and_language(sim):
    id_group = [c["command"] for c in sim.fake.commands("all_group_chats", "id")]
    en_group = [c["command"] for c in sim.fake.commands("all_group_chats", None)]
    admins_id = [c["command"] for c in sim.fake.commands("all_chat_administrators", "id")]
    assert "bantuan" in id_group and "daftar" in id_group and "help" in en_group and "join" in en_group
    assert "atur" in admins_id and "atur" not in id_group


async def test_command_with_bot_username_and_unknown_commands(sim):
    await onboard(sim)
    await sim.say(GROUP, ANI, "/bantuan@kombel_test_bot")
    assert "Perintah Kombel Bot" in sim.last_text(GROUP)
    n = len(sim.texts(GROUP))
    await sim.say(GROUP, ANI, "/foo@other_bot")
    await sim.say(GROUP, ANI, "/foo")
    assert len(sim.texts(GROUP)) == n  # other bots' commands are left alone
    await sim.say(GROUP, ANI, "/foo@kombel_test_bot")
    assert "tidak saya kenal" in sim.last_text(GROUP)
    await sim.say(ANI, ANI, "/xyz")
    assert "/bantuan" in sim.last_text(ANI)


async def test_migration_keeps_data(sim):
    basic = -4001
    sim.fake.group(basic, "Kombel Lama", admins=[PIC], members=[ANI, BUDI], bot_member=False)
    await sim.deliver(sim.fake.add_bot(basic, PIC))
    welcome = sim.last(basic)
    await sim.tap(basic, welcome["message_id"], ANI, "Guru kelas")
    await sim.say(basic, PIC, "/setup")  # a flow in progress moves too
    new_id = sim.fake.migrate(basic)
    for upd in sim.fake.pending_updates()[-2:]:
        await sim.deliver(upd)
    c = await sim.services.repos.communities.by_chat(new_id)
    assert c is not None and c.chat_title == "Kombel Lama"
    assert await sim.services.repos.communities.by_chat(basic) is None
    assert [m.user_id for m in await sim.services.repos.members.list(c.id)] == [ANI]
    assert (await sim.services.repos.flows.get(new_id, PIC)).step == "name"
    await sim.say(new_id, ANI, "/bantuan")
    assert "Perintah Kombel Bot" in sim.last_text(new_id)


async def test_removed_then_readded_resumes(sim):
    await onboard(sim)
    await sim.deliver(sim.fake.remove_bot(GROUP, PIC))
    c = await sim.services.repos.communities.by_chat(GROUP)
    assert not c.active and await sim.services.repos.members.count(c.id) == 3
    await sim.deliver(sim.fake.add_bot(GROUP, PIC))
    assert "masih utuh" in sim.last_text(GROUP)
    assert (await sim.services.repos.communities.by_chat(GROUP)).active


async def test_blocked_user_marked_unreachable(sim):
    await onboard(sim)
    await sim.say(ANI, ANI, "/start")
    assert (await sim.services.repos.users.get(ANI)).private_status == "started"
    await sim.deliver(sim.fake.block_bot(ANI))
    assert (await sim.services.repos.users.get(ANI)).private_status == "blocked"


async def test_unknown_group_onboarded_on_first_command(sim):
    sim.fake.group(-1009, "Grup Lama", supergroup=True, admins=[PIC], members=[ANI])  # bot already inside
    await sim.say(-1009, ANI, "/bantuan")
    texts = sim.texts(-1009)
    assert "Kombel Bot" in texts[0] and "Perintah Kombel Bot" in texts[1]


async def test_private_deep_link_knows_the_community(sim):
    await onboard(sim, members=(ANI,))
    c = await sim.services.repos.communities.by_chat(GROUP)
    await sim.say(BUDI, BUDI, f"/start c{c.id}")
    assert "Pilih peran" in sim.last_text(BUDI)
    await sim.tap(BUDI, sim.last(BUDI)["message_id"], BUDI, "Guru mapel")
    assert "terdaftar di Kombel SDN 3 Mataram" in sim.last_text(BUDI)
    await sim.say(STRANGER, STRANGER, f"/start c{c.id}")
    await sim.tap(STRANGER, sim.last(STRANGER)["message_id"], STRANGER, "Guru mapel")  # not in the group
    assert await sim.services.repos.members.get(c.id, STRANGER) is None


async def test_data_intact_after_restart(sim):
    await onboard(sim)
    await sim.restart()
    c = await sim.services.repos.communities.by_chat(GROUP)
    assert c.setup_done and c.tz == "Asia/Makassar"
    assert await sim.services.repos.members.count(c.id) == 3
    await sim.say(GROUP, BUDI, "/bantuan")
    assert "Perintah Kombel Bot" in sim.last_text(GROUP)


async def test_setup_resumes_after_restart(sim):
    await sim.deliver(sim.fake.add_bot(GROUP, PIC))
    await sim.say(GROUP, PIC, "/setup")
    await sim.say(GROUP, PIC, "Kombel Baru", reply_to=sim.last(GROUP)["message_id"])
    kind_msg = sim.last(GROUP)
    await sim.restart()
    await sim.tap(GROUP, kind_msg["message_id"], PIC, "MGMP")
    assert "Pengaturan 3/6" in sim.last_text(GROUP)


async def test_redelivered_updates_change_nothing(sim):
    welcome = await onboard(sim, members=())
    tap = sim.fake.press_button(GROUP, welcome["message_id"], ANI, "Guru kelas")
    await sim.deliver(tap)
    n_msgs, n_calls = len(sim.texts(GROUP)), len(sim.fake.calls)
    await sim.deliver(tap)  # the same update again (a crash re-delivers the batch)
    assert len(sim.texts(GROUP)) == n_msgs and len(sim.fake.calls) == n_calls
    cmd = sim.fake.send_text(GROUP, PIC, "/setup")
    await sim.deliver(cmd)
    await sim.restart()  # across a restart too
    n_msgs = len(sim.texts(GROUP))
    await sim.deliver(cmd)
    assert len(sim.texts(GROUP)) == n_msgs


async def test_editing_a_message_to_the_same_content_is_not_an_error(sim, caplog):
    """Telegram answers "Bad Request: message is not modified", which PTB capitalizes ("Message is not
    modified"): delivery treats it as a no-op (found by the demo: the RSVP tally re-edited unchanged)."""
    from bot.delivery import call

    await onboard(sim)
    bot = sim.app.bot
    sent = await call(sim.services, GROUP, lambda cid: bot.send_message(cid, "Hadir: 1 · Izin: 0"))
    again = await call(sim.services, GROUP, lambda cid: bot.edit_message_text(
        "Hadir: 1 · Izin: 0", chat_id=cid, message_id=sent.message_id))
    assert again is None
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


async def test_member_of_two_communities_is_asked_which_in_private(sim):
    await onboard(sim, members=(ANI,))
    other = -1005550001
    sim.fake.group(other, "KKG Gugus 2", supergroup=True, admins=[BUDI], members=[ANI], bot_member=False)
    await sim.deliver(sim.fake.add_bot(other, BUDI))
    await sim.tap(other, sim.last(other)["message_id"], ANI, "Guru mapel")
    await sim.say(ANI, ANI, "/start")
    await sim.services.repos.users.set_current_community(ANI, None, 0)  # e.g. a fresh private chat
    await sim.say(ANI, ANI, "/jam")
    assert "beberapa komunitas" in sim.last_text(ANI)
    assert [b for row in sim.fake.buttons(sim.last(ANI)) for b in row] == ["Kombel SDN 3 Mataram", "KKG Gugus 2"]
    await sim.tap(ANI, sim.last(ANI)["message_id"], ANI, "KKG Gugus 2")
    assert "sekarang untuk KKG Gugus 2" in sim.last_text(ANI)
    await sim.press(ANI, sim.last(ANI)["message_id"], ANI, "cm:999")  # a community that is not hers
    assert (await sim.services.repos.users.get(ANI)).current_community_id == (
        await sim.services.repos.communities.by_chat(other)).id
    await sim.say(ANI, ANI, "/komunitas")
    assert "beberapa komunitas" in sim.last_text(ANI)
