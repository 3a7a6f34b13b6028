"""Property-based fuzzing through the real application: every registered command (both names) with
arbitrary arguments, and arbitrary callback data, from members, PICs and strangers, in the group and in
private. Never an unhandled exception; every command and every tap gets an answer."""

from __future__ import annotations

import asyncio
import logging
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.clock import ManualClock
from bot.sim import Sim
from tests.conftest import ANI, BUDI, CITRA, GROUP, KEPSEK, PIC, STRANGER, onboard, pg_empty

SENDERS = [PIC, ANI, STRANGER, KEPSEK]
SEND_METHODS = {"sendmessage", "sendphoto", "senddocument", "editmessagetext", "editmessagereplymarkup",
                "answercallbackquery", "sendpoll"}


class ErrorCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _command_names() -> list[str]:
    # the registry is filled when the application is built: build one to read it
    sim = Sim(Path(tempfile.mkdtemp()) / "x.sqlite3", clock=ManualClock(datetime(2026, 11, 24, 1, 0, tzinfo=UTC)))
    from bot.app import build_application
    from fakegram import FakeRequest

    app = build_application(sim.settings, request=FakeRequest(sim.fake), rate_limit=False, schedule_jobs=False)
    return sorted({n for c in app.bot_data["services"].commands.commands for n in c.names})


COMMANDS = _command_names()
ARG = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "-", "0", "-5", "99999999999", "31/02", "25/12", "besok", "Kamis 14:00 90",
                     "thu 2pm 1h30", "1,5 jam", "<b>x</b>", "&amp;", "tambah", "hapus", "daftar", "lanjut",
                     "mulai literasi: 40% → 70%", "tutup", "on", "off", "x" * 600, "🙂", "\u202e",
                     "x" * 4000, "é" * 4096, "🙂" * 2500, "90 " + "catatan " * 600]),
)
CALLBACK = st.one_of(
    st.text(max_size=64),
    st.builds(lambda area, a, b: f"{area}:{a}:{b}",
              st.sampled_from(["jn", "su", "lg", "pr", "sc", "rv", "sv", "cy", "rt", "gp", "jr", "rp"]),
              st.one_of(st.integers(-5, 10**12).map(str), st.text(max_size=8)),
              st.one_of(st.integers(-5, 99).map(str), st.text(max_size=8))),
)
ACTION = st.one_of(
    st.tuples(st.just("cmd"), st.sampled_from(COMMANDS), st.lists(ARG, max_size=4), st.sampled_from(SENDERS),
              st.booleans()),
    st.tuples(st.just("tap"), CALLBACK, st.just([]), st.sampled_from(SENDERS), st.booleans()),
)


async def _run(actions, pg_database: str | None) -> None:
    counter = ErrorCounter()
    logging.getLogger().addHandler(counter)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            clock = ManualClock(datetime(2026, 11, 24, 1, 0, tzinfo=UTC))
            if pg_database is not None:  # the PostgreSQL run: the session's database, emptied per example
                pg_empty(pg_database)
            sim = Sim(pg_database or Path(tmp) / "f.sqlite3", clock=clock)
            for uid, name in ((PIC, "Sari"), (ANI, "Ani"), (BUDI, "Budi"), (CITRA, "Citra"), (KEPSEK, "Hendra"),
                              (STRANGER, "Orang")):
                sim.fake.user(uid, name)
            sim.fake.group(GROUP, "Kombel", supergroup=True, admins=[PIC], members=[ANI, BUDI, CITRA, KEPSEK],
                           bot_member=False)
            async with sim:
                welcome = await onboard(sim)
                for uid in SENDERS:
                    await sim.say(uid, uid, "/start")
                for kind, what, args, who, in_group in actions:
                    chat = GROUP if in_group else who
                    before = len(sim.fake.calls)
                    if kind == "cmd":
                        text = " ".join([f"/{what}", *args])
                        await sim.say(chat, who, text)
                        made = [name.lower() for name, _ in sim.fake.calls[before:]]
                        assert any(m in SEND_METHODS for m in made), f"no answer to {text!r} from {who} in {chat}"
                    else:
                        mid = welcome["message_id"] if in_group else sim.last(who)["message_id"]
                        upd = await sim.press(chat, mid, who, what)
                        answer = sim.fake.callback_answer(upd["callback_query"]["id"])
                        assert answer is not None, f"tap {what!r} not answered"
                    clock.advance(minutes=7)
                    await sim.tick()
    finally:
        logging.getLogger().removeHandler(counter)
    assert not counter.records, [r.getMessage() for r in counter.records]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(actions=st.lists(ACTION, min_size=5, max_size=25))
def test_no_input_breaks_the_bot(actions, db_target, pg_database):
    asyncio.run(_run(actions, pg_database))
