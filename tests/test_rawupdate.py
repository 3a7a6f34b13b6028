"""bot.rawupdate: parsing only what the handlers read of an enclosed message (the replied-to one, the one
whose button was pressed) changes nothing the bot does. The same world is driven twice — once with PTB's
`Update.de_json` of the whole update, once as the poller parses — through every kind of update the bot
handles and the fuzz test's commands and taps; the bot must make the same calls and leave the same
database (a fresh SQLite file each time, or on the PostgreSQL run the session's database, emptied)."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Bot, Chat, Message, Update, User
from telegram.constants import ParseMode
from telegram.ext import Defaults

import bot.rawupdate as rawupdate
from bot.app import allowed_updates
from bot.clock import ManualClock
from bot.polling import DurablePoller
from bot.rawupdate import (
    ENCLOSED_FIELDS,
    EnclosedMessages,
    Senders,
    build_message,
    enclosed,
    parse_update,
    trim,
)
from bot.sim import SIM_TOKEN, Sim
from bot.tgbot import KombelBot
from fakegram import FakeTelegram
from storage.backends import is_postgres
from tests.conftest import ANI, BUDI, CITRA, GROUP, KEPSEK, PIC, STRANGER, onboard, pg_empty
from tests.test_fuzz import ACTION

PEOPLE = ((PIC, "Sari"), (ANI, "Ani"), (BUDI, "Budi"), (CITRA, "Citra"), (KEPSEK, "Hendra"), (STRANGER, "Orang"))


def _buttons(sim: Sim) -> list[tuple[int, str]]:
    return [(m["message_id"], b["callback_data"]) for m in sim.fake.bot_messages(GROUP)
            for row in (m.get("reply_markup") or {}).get("inline_keyboard", []) for b in row if "callback_data" in b]


async def every_kind(sim: Sim, clock: ManualClock) -> None:
    """Onboarding (my_chat_member, replies to the set-up questions, taps), commands in the group and in
    private, answers by reply (text, photo, sticker, an edit, from a stranger, to the wrong message), every
    button on the bot's messages, /catat and its undo by reply, PIC and attendance by reply, members joining
    and leaving, a forum topic (whose messages carry the topic's first message as reply_to_message)."""
    f = sim.fake
    await onboard(sim)
    for uid in (ANI, BUDI, PIC):
        await sim.say(uid, uid, "/start")
    await sim.say(GROUP, PIC, "/jadwal Kamis 14:00 90 Ruang guru")
    await sim.say(GROUP, PIC, "/siklus mulai literasi kelas 4: 40% → 70% tuntas")
    await sim.say(GROUP, PIC, "/survei pulse")
    clock.advance(hours=29)  # Wednesday 14:00 WITA: the meeting's reminder with its RSVP buttons
    await sim.tick()
    [card] = [m["message_id"] for m in f.bot_messages(GROUP) if "Tahap 1/4" in (m.get("text") or "")]
    ans = await sim.say(GROUP, ANI, "1. Ada 8 murid kelas 4 yang belum lancar membaca", reply_to=card)
    await sim.deliver(f.edit_text(GROUP, ans["message"]["message_id"], ANI, "1. Ada 9 murid yang belum lancar"))
    await sim.deliver(f.send_photo(GROUP, BUDI, caption="2. Hasil asesmen membaca kelas 4B", reply_to=card))
    await sim.deliver(f.send_sticker(GROUP, BUDI, reply_to=card))
    await sim.say(GROUP, STRANGER, "Saya mau ikut menjawab", reply_to=card)
    await sim.say(GROUP, BUDI, "bukan jawaban", reply_to=ans["message"]["message_id"])
    for i, (mid, data) in enumerate(_buttons(sim)):
        await sim.press(GROUP, mid, (ANI, BUDI, CITRA, STRANGER)[i % 4], data)
    links = [b["url"].split("start=", 1)[1] for m in f.bot_messages(GROUP)
             for row in (m.get("reply_markup") or {}).get("inline_keyboard", []) for b in row
             if "start=" in b.get("url", "")]
    assert links  # the stage card's and the survey card's "answer in private"
    for uid in (ANI, BUDI):  # a survey is answered in private, one tap per item
        for payload in links:
            await sim.say(uid, uid, f"/start {payload}")
            last = sim.last(uid)
            for row in (last.get("reply_markup") or {}).get("inline_keyboard", [])[:1]:
                if "callback_data" in row[0]:
                    await sim.press(uid, last["message_id"], uid, row[0]["callback_data"])
    log = await sim.say(GROUP, ANI, "/catat 30 membaca modul")
    await sim.say(GROUP, BUDI, "/catat hapus", reply_to=log["message"]["message_id"])
    await sim.say(GROUP, ANI, "/catat hapus", reply_to=log["message"]["message_id"])
    await sim.say(GROUP, PIC, "/pic tambah", reply_to=ans["message"]["message_id"])
    await sim.say(GROUP, PIC, "/hadir", reply_to=ans["message"]["message_id"])
    for uid in (ANI, BUDI):
        await sim.say(uid, uid, "Jawaban di japri")
    await sim.deliver(f.new_member(GROUP, STRANGER))
    await sim.deliver(f.left_member(GROUP, CITRA))
    f.set_forum(GROUP)
    topic = await sim.deliver(f.create_topic(GROUP, PIC, "Kombel"))
    thread = topic["message"]["message_thread_id"]
    await sim.deliver(f.send_text(GROUP, ANI, "/jam", thread_id=thread))
    await sim.deliver(f.send_text(GROUP, PIC, "/atur topik", thread_id=thread))
    await sim.deliver(f.send_text(GROUP, BUDI, "halo semua", thread_id=thread))
    await sim.say(GROUP, CITRA, "3. Jawaban dari topik", reply_to=card)
    clock.advance(minutes=31)
    await sim.tick()


async def fuzz_actions(sim: Sim, clock: ManualClock, actions: list[Any]) -> None:
    """The fuzz test's commands and taps (tests/test_fuzz.py), after onboarding."""
    welcome = await onboard(sim)
    for uid in (PIC, ANI, STRANGER, KEPSEK):
        await sim.say(uid, uid, "/start")
    for kind, what, args, who, in_group in actions:
        chat = GROUP if in_group else who
        if kind == "cmd":
            await sim.say(chat, who, " ".join([f"/{what}", *args]))
        else:
            mid = welcome["message_id"] if in_group else sim.last(who)["message_id"]
            await sim.press(chat, mid, who, what)
        clock.advance(minutes=7)
        await sim.tick()


def _tables(target: Path | str) -> dict[str, list[tuple]]:
    if is_postgres(target):
        import psycopg

        conn = psycopg.connect(str(target))
        tables = "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
    else:
        conn = sqlite3.connect(target)
        tables = "SELECT name FROM sqlite_master WHERE type = 'table'"
    with contextlib.closing(conn):
        names = [r[0] for r in conn.execute(tables).fetchall()]
        # every row, in one order whatever the engine returns ties in
        out = {n: sorted((tuple(r) for r in conn.execute(f'SELECT * FROM "{n}"').fetchall()), key=repr)
               for n in names}
    # what holds the real time (when migrations were applied, when an update was marked handled): compared
    # without it
    del out["schema_migrations"]
    out["processed_updates"] = [row[:1] for row in out["processed_updates"]]
    # a principal's link is a random token (its hash is the key): compared without it
    out["principal_links"] = sorted(row[1:] for row in out["principal_links"])
    return out


TOKEN = re.compile(r"start=p[A-Za-z0-9_-]+")


def _calls(calls: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    """The bot's calls, with a principal link's random token replaced by one placeholder."""
    return [(name, {k: TOKEN.sub("start=p<token>", v) if isinstance(v, str) else v for k, v in params.items()})
            for name, params in calls]


def drive(parse: Any, script: Any, *args: Any, pg: str | None = None) -> tuple[list[tuple[str, dict]],
                                                                             dict[str, list[tuple]]]:
    """Run `script` against a fresh world (a new SQLite file, or the PostgreSQL database `pg` emptied); the
    bot's calls to Telegram and the database it leaves."""

    async def go() -> tuple[list[tuple[str, dict]], dict[str, list[tuple]]]:
        with tempfile.TemporaryDirectory() as tmp:
            target = pg or Path(tmp) / "k.sqlite3"
            if pg:
                pg_empty(pg)
            clock = ManualClock(datetime(2026, 11, 24, 1, 0, tzinfo=UTC))
            fake = FakeTelegram(clock=lambda: clock.now().timestamp())
            sim = Sim(target, clock=clock, fake=fake, parse=parse)
            for uid, name in PEOPLE:
                fake.user(uid, name)
            fake.group(GROUP, "Kombel", supergroup=True, admins=[PIC], members=[ANI, BUDI, CITRA, KEPSEK],
                       bot_member=False)
            async with sim:
                await script(sim, clock, *args)
            return _calls(list(fake.calls)), _tables(target)

    return asyncio.run(go())


class Recorded:
    """`parse_update`, keeping every update it was given."""

    def __init__(self) -> None:
        self.updates: list[dict] = []

    def __call__(self, update: dict, bot: Any) -> Update:
        self.updates.append(update)
        return parse_update(update, bot)


def assert_parsed_alike(updates: list[dict]) -> None:
    """Each update parses to what PTB's `Update.de_json` makes of it once trimmed: the same fields and
    values (dates with their time zone), the same classes."""
    bot = KombelBot(SIM_TOKEN, defaults=Defaults(parse_mode=ParseMode.HTML, link_preview_options=None))  # as the app's
    for update in updates:
        ours, ptb = parse_update(update, bot), Update.de_json(trim(update), bot)
        assert ours.to_dict() == ptb.to_dict(), update
        for a, b in ((ours.effective_message, ptb.effective_message), (ours.effective_user, ptb.effective_user),
                     (ours.effective_chat, ptb.effective_chat)):
            assert type(a) is type(b), update
        if ours.effective_message is not None:
            assert ours.effective_message.date == ptb.effective_message.date, update
            assert ours.effective_message.date.tzinfo == ptb.effective_message.date.tzinfo, update
            assert ours.effective_message.get_bot() is bot, update


def test_every_kind_of_update_gives_the_same_calls_and_database(db_target, pg_database):
    whole = drive(Update.de_json, every_kind, pg=pg_database)
    assert sum(1 for name, _ in whole[0] if name == "answerCallbackQuery") >= 10  # the world was exercised
    assert whole[1]["cycle_answers"] and whole[1]["learning_logs"] and whole[1]["survey_answers"]
    hits = rawupdate.ENCLOSED.hits
    parse = Recorded()
    assert drive(parse, every_kind, pg=pg_database) == whole
    assert rawupdate.ENCLOSED.hits > hits  # enclosed messages were shared, not only trimmed
    assert_parsed_alike(parse.updates)
    sent = [u.get("message") or u.get("edited_message") for u in parse.updates]
    plain = [m for m in sent if m is not None and m.keys() - {"reply_to_message"} <= rawupdate.PLAIN_FIELDS]
    assert len(plain) >= 20 and len(plain) < len([m for m in sent if m is not None])  # both ways of building
    taps = [u["callback_query"] for u in parse.updates if "callback_query" in u]
    assert len([q for q in taps if q.keys() <= rawupdate.TAP_FIELDS]) >= 10


def test_a_message_built_without_the_frozen_check_is_the_same_and_frozen_after():
    fake = FakeTelegram()
    fake.user(ANI, "Ani")
    fake.group(GROUP, "Kombel", supergroup=True, admins=[ANI], members=[])
    prompt = fake.send_text(GROUP, ANI, "pertanyaan")["message"]["message_id"]
    raw = [fake.send_text(GROUP, ANI, "/catat 30 membaca modul"),
           fake.send_text(GROUP, ANI, "Siswa sudah bisa menjelaskan ide pokok", reply_to=prompt)]
    bot = Bot(SIM_TOKEN)
    for update in raw:
        built = build_message(update["message"], bot)
        assert type(built) is Message and built.to_dict() == Message.de_json(update["message"], bot).to_dict()
        parsed = parse_update(update, bot)
        assert type(parsed.message) is Message
        assert parsed.to_dict() == Update.de_json(trim(update), bot).to_dict()
        for obj in (built, parsed.message):
            with pytest.raises(AttributeError):  # frozen once built, like any PTB object
                obj.text = "changed"
        assert type(parsed) is Update
        with pytest.raises(AttributeError):
            parsed.update_id = 1


def test_senders_are_shared_per_bot_and_bounded():
    cache = Senders(size=2)
    user = {"id": 7, "is_bot": False, "first_name": "Ani", "language_code": "id"}
    a, b = Bot("1:a"), Bot("2:b")
    first = cache.get(User, user, a)
    assert cache.get(User, dict(user), a) is first and cache.get(User, user, b) is not first
    assert cache.get(User, {**user, "first_name": "Ani R"}, a).first_name == "Ani R"  # a changed name: new
    nested = {"id": -1, "type": "supergroup", "photo": {"small_file_id": "x"}}  # not hashable: built each time
    assert cache.get(Chat, nested, a) == Chat.de_json(nested, a) and len(cache._parsed) == 2


def test_the_comparison_notices_a_field_the_handlers_read(monkeypatch, db_target, pg_database):
    """Were `from` dropped from the replied-to message, answers by reply would go unrecognised."""
    whole = drive(Update.de_json, every_kind, pg=pg_database)
    monkeypatch.setattr(rawupdate, "ENCLOSED_FIELDS", ENCLOSED_FIELDS - {"from"})
    monkeypatch.setattr(rawupdate, "ENCLOSED", EnclosedMessages())
    try:
        changed = drive(parse_update, every_kind, pg=pg_database) != whole
    except AssertionError:  # the world derailed: the answers to the set-up questions went unrecognised
        changed = True
    assert changed


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(actions=st.lists(ACTION, min_size=3, max_size=15))
def test_fuzz_commands_and_taps_give_the_same_calls_and_database(actions, db_target, pg_database):
    parse = Recorded()
    trimmed = drive(parse, fuzz_actions, actions, pg=pg_database)
    whole = drive(Update.de_json, fuzz_actions, actions, pg=pg_database)
    assert_parsed_alike(parse.updates)
    assert trimmed[0] == whole[0]
    differing = {t: (rows, whole[1].get(t)) for t, rows in trimmed[1].items() if rows != whole[1].get(t)}
    assert not differing, differing  # which table, and its rows both ways


def test_trim_keeps_the_message_sent_whole_and_changes_no_input():
    fake = FakeTelegram()
    fake.user(ANI, "Ani")
    fake.group(GROUP, "Kombel", supergroup=True, admins=[ANI], members=[])
    prompt = fake.send_text(GROUP, ANI, "pertanyaan")["message"]["message_id"]
    upd = fake.send_text(GROUP, ANI, "jawaban", reply_to=prompt)
    upd["message"]["reply_to_message"].update(text="long", entities=[{"type": "bold", "offset": 0, "length": 4}],
                                               reply_markup={"inline_keyboard": [[]]})
    before = repr(upd)
    trimmed = trim(upd)
    assert repr(upd) == before
    assert enclosed(upd) == ("message", "reply_to_message")
    assert {k: v for k, v in trimmed["message"].items() if k != "reply_to_message"} == {
        k: v for k, v in upd["message"].items() if k != "reply_to_message"}
    assert set(trimmed["message"]["reply_to_message"]) == {"message_id", "from", "chat", "date"}
    plain = fake.send_text(GROUP, ANI, "/jam")
    assert trim(plain) is plain and enclosed(plain) is None


def test_enclosed_messages_are_shared_per_bot_and_bounded():
    cache = EnclosedMessages(size=2)
    msg = {"message_id": 1, "date": 1, "chat": {"id": -1, "type": "supergroup"}}
    a, b = Bot("1:a"), Bot("2:b")
    first = cache.get(msg, a)
    assert cache.get(dict(msg), a) is first and cache.get(msg, b) is not first
    cache.get({**msg, "message_id": 2}, a)
    cache.get({**msg, "message_id": 3}, a)
    assert cache.get(msg, b) is not first and len(cache._parsed) == 2


async def test_the_poller_fetches_json_and_parses_it_as_the_simulator_does(sim):
    """bot.polling takes getUpdates' JSON unparsed (KombelBot.get_update_dicts) and builds the Updates
    with parse_update: a tap (an enclosed message) and an answer by reply work through it."""
    f = sim.fake
    poller = DurablePoller(sim.app, allowed_updates(), timeout=1)
    task = asyncio.create_task(poller.run())

    proc = sim.app.update_processor

    async def handled(update: dict) -> None:  # it and all before it, fetched and finished
        async with asyncio.timeout(10):
            while (poller.offset() or 0) <= update["update_id"]:
                await proc.wait_processed(proc.processed + 1)

    try:
        await handled(f.add_bot(GROUP, PIC))
        welcome = sim.last(GROUP)
        tap = f.press_button(GROUP, welcome["message_id"], ANI, sim.services.renderer.t("id", "role.classroom"))
        await handled(f.send_text(GROUP, PIC, "/setup"))
        await handled(f.send_text(GROUP, PIC, "Kombel SDN 3 Mataram", reply_to=sim.last(GROUP)["message_id"]))
    finally:
        poller.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert f.callback_answer(tap["callback_query"]["id"]) is not None
    assert "KKG" in [label for row in f.buttons(sim.last(GROUP)) for label in row]  # the next set-up step
