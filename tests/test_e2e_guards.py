"""Messages that must not act as what they look like (issue 12, point 6): an edit never runs a command,
a forwarded message is never taken as the forwarder's answer or command, and a message written as the
group or a channel gets a one-line hint (at most once a day per group)."""

from __future__ import annotations

from tests.conftest import ANI, BUDI, GROUP, PIC, onboard


def _texts(sim, key: str, locale: str = "id", **kw) -> str:
    return sim.services.renderer.render(locale, key, **kw)


async def _logs(sim) -> int:
    return await sim.services.db.scalar("SELECT COUNT(*) FROM learning_logs")


async def test_an_edit_into_a_command_runs_nothing_and_says_so(sim):
    await onboard(sim)
    fake = sim.fake
    await sim.say(GROUP, PIC, "/jadwal")
    mine = fake.updates[-1]["message"]["message_id"]
    before = len(sim.texts(GROUP))
    await sim.deliver(fake.edit_text(GROUP, mine, PIC, "/hapuskomunitas"))
    assert sim.texts(GROUP)[before:] == [_texts(sim, "errors/edited_command")]
    confirm = _texts(sim, "privacy/confirm_delete_community", community=await sim.services.repos.communities.by_chat(GROUP))
    assert confirm not in sim.texts(GROUP)
    # a message the bot never saw (privacy mode), edited into a command: the same
    await sim.deliver(fake.send_text(GROUP, PIC, "terima kasih semua"))
    hello = fake.updates[-1]["message"]["message_id"]
    await sim.deliver(fake.edit_text(GROUP, hello, PIC, "/hapuskomunitas@" + fake.bot_username))
    assert sim.texts(GROUP)[-1] == _texts(sim, "errors/edited_command")
    assert confirm not in sim.texts(GROUP)
    # in private: an edit into /catat logs nothing
    await sim.say(ANI, ANI, "/start")
    await sim.say(ANI, ANI, "halo")
    said = fake.updates[-1]["message"]["message_id"]
    await sim.deliver(fake.edit_text(ANI, said, ANI, "/catat 90 webinar"))
    assert await _logs(sim) == 0
    assert sim.last_text(ANI) == _texts(sim, "errors/edited_command")
    # an edit of another bot's command in the group is none of our business
    count = len(sim.texts(GROUP))
    await sim.deliver(fake.edit_text(GROUP, hello, PIC, "/start@OtherBot"))
    await sim.deliver(fake.edit_text(GROUP, hello, PIC, "/unknownthing"))
    assert len(sim.texts(GROUP)) == count
    # the command itself, sent anew, works
    await sim.say(ANI, ANI, "/catat 90 webinar")
    assert await _logs(sim) == 1


async def test_a_forwarded_reply_to_a_prompt_is_not_the_forwarders_answer(sim):
    await onboard(sim)
    fake = sim.fake
    await sim.say(GROUP, PIC, "/atur")
    prompt = sim.last(GROUP)["message_id"]
    await sim.deliver(fake.forward_text(GROUP, PIC, "Nama Titipan", origin_user=BUDI, reply_to=prompt))
    assert sim.last_text(GROUP) == _texts(sim, "errors/forwarded", group=True)
    community = await sim.services.repos.communities.by_chat(GROUP)
    assert community.name == "Kombel SDN 3 Mataram"
    flow = await sim.services.repos.flows.by_prompt(GROUP, prompt)
    assert flow is not None and flow.user_id == PIC  # still waiting for the PIC's own answer
    await sim.say(GROUP, PIC, "Kombel Gugus 2", reply_to=prompt)
    assert (await sim.services.repos.communities.by_chat(GROUP)).name == "Kombel Gugus 2"


async def test_a_forwarded_command_is_not_run(sim):
    await onboard(sim)
    fake = sim.fake
    await sim.say(ANI, ANI, "/start")
    await sim.deliver(fake.forward_text(ANI, ANI, "/catat 90 webinar", origin_user=BUDI))
    assert await _logs(sim) == 0
    assert sim.last_text(ANI) == _texts(sim, "errors/forwarded", group=False)
    # in the group, a forward that is not for the bot gets no answer
    count = len(sim.texts(GROUP))
    await sim.deliver(fake.forward_text(GROUP, ANI, "/catat 90 webinar", origin_user=BUDI))
    assert await _logs(sim) == 0
    assert len(sim.texts(GROUP)) == count + 1  # "/catat" is ours: the hint, once
    await sim.deliver(fake.forward_text(GROUP, ANI, "/start@OtherBot", origin_user=BUDI))
    assert len(sim.texts(GROUP)) == count + 1


async def test_writing_as_the_group_or_a_channel_gets_a_hint_once_a_day(sim, clock):
    await onboard(sim)
    fake = sim.fake
    hint = _texts(sim, "errors/as_chat", group=True)
    before = len(sim.texts(GROUP))
    await sim.deliver(fake.send_as_chat(GROUP, "/jadwal"))
    assert sim.texts(GROUP)[before:] == [hint]
    await sim.deliver(fake.send_as_chat(GROUP, "/catat 90 webinar"))
    await sim.deliver(fake.send_as_chat(GROUP, "/jadwal", channel=(-1009876543210, "Kanal Bu Sari")))
    assert sim.texts(GROUP)[before:] == [hint]  # once a day per group: not spammed
    assert await _logs(sim) == 0
    clock.advance(days=1)
    await sim.deliver(fake.send_as_chat(GROUP, "balasan", channel=(-1009876543210, "Kanal Bu Sari"),
                                        reply_to=sim.last(GROUP)["message_id"]))
    assert sim.texts(GROUP)[before:] == [hint, hint]
    # not for the bot: nothing, even on a new day
    clock.advance(days=1)
    await sim.deliver(fake.send_as_chat(GROUP, "/start@OtherBot"))
    assert sim.texts(GROUP)[before:] == [hint, hint]
