"""Crash safety: the REAL bot (`python -m bot.cli run`) as a subprocess against the fake Bot API served over
HTTP from this process, SIGKILLed at seeded random points while members answer and scheduled sends are
due, restarted, and finally left to drain. Then the database and the fake's messages are checked.

What is checked (the guarantee documented in `bot/delivery.py`):
- every answer the bot confirmed to a member (a /catat confirmation, the 👍 reaction on a cycle answer)
  is in the database exactly once; no answer is stored twice; nothing is confirmed twice;
- every outbox key is settled ('sent') after the drain and reached its chat exactly once — except keys
  whose `outbox.ambiguous` count is > 0 (the process died while the entry was 'sending', i.e. after
  Telegram may have accepted it): those reached it at least once and at most 1 + ambiguous times;
- every cycle stage card that went out is registered as a prompt (a reply "N. …" to it is an answer).
- nothing fed is lost: the bot's poller (bot/polling.py) acknowledges an update to Telegram only after it
  was handled and its mark committed, so an update a kill interrupts is re-delivered and handled again
  (its writes are keyed, so nothing is stored twice). Any answer neither stored nor confirmed is a problem.

Kill points, chosen per trial from a seeded RNG: inside the fake's handling of the k-th sendMessage
(Telegram accepted it, the bot has no answer yet: the ambiguous window), right after the k-th
sendMessage answered (before the outbox mark), or at a random time after the start.

    .venv/bin/python -m bench.bench_crash [--trials 100] [--seed 7] [--members 150] [--database URL]

The database is a SQLite file in the work folder, or PostgreSQL (`--database postgresql://…`, an empty or
freshly migrated database: the harness reads it as `Store`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import signal
import sqlite3
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.clock import ManualClock
from bot.sim import Sim
from fakegram import FakeTelegram, serve, server_port
from storage.backends import is_postgres
from storage.dialect import to_postgres

FAKE_TOKEN = "123456789:AAFakeTokenForCrashTests_0123456789abcdef"
GA, GB = -1002000000001, -1002000000002
PIC_A, PIC_B = 900001, 900002


@dataclass
class World:
    members: list[int]            # community A, all started the bot privately
    answerers: list[int]          # reply to the cycle stage card in group A ("N. …")
    loggers: list[int]            # /catat in private
    prompts: list[int]            # cycle prompt message ids in group A (the stage card)
    stage_a: int
    events: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass
class Report:
    trials: int = 0
    kills: Counter[str] = field(default_factory=Counter)
    fed: int = 0
    confirmed: int = 0
    stored: int = 0
    lost: int = 0                 # fed, never confirmed, not stored
    keys: int = 0
    ambiguous: dict[str, int] = field(default_factory=dict)
    duplicates: dict[str, int] = field(default_factory=dict)   # key -> copies in the chat (> 1)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


# The harness's world lives on a fixed school day (Tuesday 24 November 2026, 09:00 WITA), whatever the date of
# the machine: time runs at real speed from there, for the fake Bot API, the in-process set-up and the bot
# process (started with CLOCK_START). A stage opens, and its reminders are due, only on a school day.
WORLD_START = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


class WorldTime:
    """Seconds since the epoch on the harness's clock: WORLD_START plus the real time elapsed."""

    def __init__(self, start: datetime = WORLD_START) -> None:
        self._start = start.timestamp()
        self._t0 = time.monotonic()

    def __call__(self) -> float:
        return self._start + (time.monotonic() - self._t0)

    def at(self) -> datetime:
        return datetime.fromtimestamp(self(), UTC)


def make_fake() -> FakeTelegram:
    return FakeTelegram(clock=WorldTime())


def world_now(fake: FakeTelegram) -> datetime:
    """The harness's present: the fake's clock, shared by the set-up and the bot process."""
    return datetime.fromtimestamp(fake.clock(), UTC)


class Store:
    """The harness's own look at the bot's database, from outside the bot: a SQLite file or a PostgreSQL
    URL, a plain connection per look, SQLite's SQL (on PostgreSQL translated as the bot's is)."""

    def __init__(self, target: Path | str) -> None:
        self.target = target
        self.pg = is_postgres(target)

    @property
    def url(self) -> str:
        """The bot process's DATABASE_URL."""
        return str(self.target) if self.pg else f"sqlite:///{self.target}"

    def _connect(self, *, read_only: bool = False) -> Any:
        if self.pg:
            import psycopg
            from psycopg.rows import dict_row

            return psycopg.connect(str(self.target), row_factory=dict_row, connect_timeout=5)
        con = (sqlite3.connect(f"file:{self.target}?mode=ro", uri=True, timeout=1) if read_only
               else sqlite3.connect(self.target, timeout=5))
        con.row_factory = sqlite3.Row
        return con

    def _sql(self, sql: str) -> str:
        return to_postgres(sql) if self.pg else sql

    def rows(self, sql: str, params: tuple[Any, ...] = (), *, read_only: bool = False) -> list[dict[str, Any]]:
        with contextlib.closing(self._connect(read_only=read_only)) as con:
            return [dict(r) for r in con.execute(self._sql(sql), params).fetchall()]

    def write(self, *statements: tuple[str, tuple[Any, ...]]) -> None:
        """The statements in one transaction."""
        with contextlib.closing(self._connect()) as con:
            for sql, params in statements:
                con.execute(self._sql(sql), params)
            con.commit()

    @property
    def errors(self) -> tuple[type[Exception], ...]:
        if self.pg:
            import psycopg

            return (psycopg.Error,)
        return (sqlite3.Error,)


async def build_world(target: Path | str, fake: FakeTelegram, n_members: int, rng: random.Random) -> World:
    """Two communities prepared through the bot itself (in-process, same database and fake):
    A with an open cycle stage whose private reminders are due now, B whose first stage is due to close
    and second to open now (synthesis, header and questions to post)."""
    sim = Sim(target, clock=ManualClock(world_now(fake)), fake=fake)
    members = list(range(910_000, 910_000 + n_members))
    for u in [PIC_A, PIC_B, *members]:
        fake.user(u, f"Guru{u}")
    fake.group(GA, "Kombel Crash A", supergroup=True, admins=[PIC_A], members=members, bot_member=False)
    fake.group(GB, "Kombel Crash B", supergroup=True, admins=[PIC_B], members=members[:3], bot_member=False)
    await sim.start()
    try:
        for chat, pic, mems in ((GA, PIC_A, members), (GB, PIC_B, members[:3])):
            await sim.deliver(fake.add_bot(chat, pic))
            welcome = fake.last_bot_message(chat)["message_id"]
            for u in [pic, *mems]:
                await sim.deliver(fake.press_button(chat, welcome, u, "Guru kelas"))
            await sim.deliver(fake.send_text(chat, pic, "/siklus mulai literasi kelas 4: 40% → 70% tuntas"))
        for u in members:
            await sim.deliver(fake.send_text(u, u, "/start"))
        db = sim.services.db
        c_a = await sim.services.repos.communities.by_chat(GA)
        stage_a = await db.scalar("SELECT id FROM cycle_stages WHERE community_id = ? AND status = 'open'", (c_a.id,))
        prompts = [r[0] for r in await db.fetchall(
            "SELECT message_id FROM cycle_prompts WHERE stage_id = ? ORDER BY message_id", (stage_a,))]
        n_questions = len((await sim.services.repos.cycle.cycles.stage(stage_a)).questions)
        c_b = await sim.services.repos.communities.by_chat(GB)
    finally:
        await sim.stop()
    # The due times, moved to "now" for the bot process's clock (the world's, see WORLD_START).
    now = int(fake.clock())
    Store(target).write(
        ("UPDATE cycle_stages SET reminder_at = ? WHERE id = ?", (now - 5, stage_a)),
        ("UPDATE cycle_stages SET closes_at = ? WHERE community_id = ? AND status = 'open'", (now - 5, c_b.id)),
        ("UPDATE cycle_stages SET opens_at = ? WHERE community_id = ? AND seq = 1", (now - 5, c_b.id)))
    # Everything the setup produced was handled in-process: acknowledge it so the poller starts clean.
    last = max(u["update_id"] for u in fake.updates)
    await fake.call("getUpdates", {"offset": last + 1, "timeout": 0})
    answerers = members[:12]
    loggers = members[12:28] or members[-1:]
    w = World(members, answerers, loggers, prompts, stage_a)
    events: list[tuple[Any, ...]] = []
    for u in answerers:
        for k in range(n_questions):  # one reply to the card per question, numbered
            events.append(("cy", u, prompts[0], f"{k + 1}. Jawaban-{u}-{k}: siswa membaca nyaring bersama"))
    for n in range(900):
        events.append(("log", rng.choice(loggers), f"modul-{n:05d}"))
    rng.shuffle(events)
    w.events = events
    return w


class Harness:
    def __init__(self, workdir: Path, *, seed: int, members: int = 150, feed_interval: float = 0.03,
                 log_level: str = "WARNING", database: Path | str | None = None) -> None:
        self.log_level = log_level
        self.workdir = workdir
        self.db_path = workdir / "kombel.sqlite3"
        self.target = database or self.db_path  # a postgresql:// URL: PostgreSQL
        self.store = Store(self.target)
        self.rng = random.Random(seed)
        self.n_members = members
        self.feed_interval = feed_interval
        self.fake = make_fake()
        self.proc: asyncio.subprocess.Process | None = None
        self.kill_at_send: int | None = None
        self.kill_in_call = False
        self.draining = False
        self.sends = 0
        self.report = Report()
        self.fed: list[tuple[Any, ...]] = []
        self.log_path = workdir / "bot.log"
        self._orig_call = self.fake.call
        self.fake.call = self._call  # type: ignore[method-assign]
        # the bot process's calls come through the HTTP server, which calls `call_json` (not `call`)
        self._orig_call_json = self.fake.call_json
        self.fake.call_json = self._call_json  # type: ignore[method-assign]

    # -- the fake, with a trap ---------------------------------------------------------------------
    async def _call(self, method: str, params: Any, files: Any = None) -> tuple[int, Any]:
        result = await self._orig_call(method, params, files)
        self._trap(method)
        return result

    async def _call_json(self, method: str, params: Any, files: Any = None) -> tuple[int, bytes]:
        result = await self._orig_call_json(method, params, files)
        self._trap(method)
        return result

    def _trap(self, method: str) -> None:
        """After Telegram handled `method`: the kill this trial set for the k-th send, if this is it."""
        if method.lower() == "sendmessage" and self.proc is not None and self.kill_at_send is not None:
            if self.kill_in_call and not self._outbox_sending():
                return  # in-call kills aim at scheduled sends: the window the outbox must account for
            self.sends += 1
            if self.sends >= self.kill_at_send:
                self.kill_at_send = None
                if self.kill_in_call:  # Telegram accepted the message; the bot never hears back
                    self._kill()
                else:
                    asyncio.get_running_loop().call_later(self.rng.uniform(0, 0.02), self._kill)

    def _outbox_sending(self) -> bool:
        """Is a scheduled send in flight (its outbox entry durably 'sending')? Read from the bot's database."""
        try:
            return bool(self.store.rows("SELECT 1 FROM outbox WHERE status = 'sending' LIMIT 1", read_only=True))
        except self.store.errors:
            return False

    def _kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGKILL)

    # -- the bot process ---------------------------------------------------------------------------
    async def spawn(self, port: int) -> None:
        env = dict(os.environ, TELEGRAM_BOT_TOKEN=FAKE_TOKEN, TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{port}/bot",
                   DATABASE_URL=self.store.url, LOG_LEVEL=self.log_level, DEFAULT_TIMEZONE="Asia/Makassar",
                   CLOCK_START=world_now(self.fake).isoformat())
        if self.draining:  # see drain()
            env["KOMBEL_BENCH_NO_RATE_LIMIT"] = "1"
        with self.log_path.open("ab") as log:  # noqa: ASYNC230 (a local file, opened once per start)
            log.write(b"--- start\n")
            log.flush()
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "run", cwd=self.workdir, env=env, stdout=log, stderr=log)
        self.sends = 0

    async def trial(self, port: int) -> None:
        mode = self.rng.choice(["in_call", "after_call", "timer"])
        await self.spawn(port)
        assert self.proc is not None
        if mode == "timer":
            delay = self.rng.uniform(0.3, 3.0)
            try:
                await asyncio.wait_for(self.proc.wait(), delay)
            except TimeoutError:
                self._kill()
        else:
            self.kill_in_call = mode == "in_call"
            self.kill_at_send = self.rng.randint(1, 6) if mode == "in_call" else self.rng.randint(1, 25)
            if not await self._exits_within_awake(4.0):  # no send came in time (nothing left to send): kill anyway
                self._kill()
        self.kill_at_send = None
        await self.proc.wait()
        self.report.kills[mode] += 1
        self.report.trials += 1

    async def _exits_within_awake(self, seconds: float, start_limit: float = 60.0) -> bool:
        """Wait until the process exits (True), or until it has been talking to Telegram for `seconds` (False).
        The clock starts at the process's first call, not at its spawn: a loaded machine may take several
        seconds just to import and open the database, and a trap set for a send must not expire before the
        bot could make one."""
        assert self.proc is not None
        calls_before, awake_at = len(self.fake.calls), None
        give_up = time.monotonic() + start_limit
        while self.proc.returncode is None:
            now = time.monotonic()
            if awake_at is None and len(self.fake.calls) > calls_before:
                awake_at = now
            if (awake_at is not None and now - awake_at >= seconds) or now >= give_up:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.proc.wait(), 0.05)
        return True

    async def drain(self, port: int, within: float = 180.0) -> None:
        """Run the bot until everything fed is handled and every due send settled (calm for 1.5 s), or
        `within` seconds: generous, because a loaded machine starts and runs the process slowly.
        Without PTB's rate limiter: the backlog's group answers would wait Telegram's 20 a minute per group
        (about a minute here), and nothing is killed any more, so the pace changes nothing checked."""
        self.draining = True
        await self.spawn(port)
        assert self.proc is not None
        deadline = time.monotonic() + within
        calm_since, last_calls = time.monotonic(), len(self.fake.calls)
        while time.monotonic() < deadline:
            await asyncio.sleep(0.25)
            if self.proc.returncode is not None:
                raise RuntimeError(f"the bot exited by itself ({self.proc.returncode}); see {self.log_path}")
            if len(self.fake.calls) != last_calls:
                calm_since, last_calls = time.monotonic(), len(self.fake.calls)
            if time.monotonic() - calm_since > 1.5 and not self.fake.pending_updates() and self._settled():
                break
        self.proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.proc.wait(), 15)
        except TimeoutError:
            self._kill()
            await self.proc.wait()

    def _settled(self) -> bool:
        open_keys = self.store.rows("SELECT 1 FROM outbox WHERE status IN ('pending', 'sending') LIMIT 1")
        unreminded = self.store.rows("SELECT 1 FROM cycle_stages WHERE reminder_at <= ? AND reminded = 0"
                                     " AND status = 'open' LIMIT 1", (int(self.fake.clock()),))
        unposted = self.store.rows("SELECT 1 FROM cycle_stages WHERE status = 'open' AND posted = 0 LIMIT 1")
        return not (open_keys or unreminded or unposted)

    # -- the members -------------------------------------------------------------------------------
    async def feed(self, world: World) -> None:
        for ev in world.events:
            if ev[0] == "cy":
                _, u, mid, text = ev
                upd = self.fake.send_text(GA, u, text, reply_to=mid)
            else:
                _, u, what = ev
                upd = self.fake.send_text(u, u, f"/catat 30 menit {what}")
            self.fed.append((*ev, upd["message"]["message_id"]))
            await asyncio.sleep(self.feed_interval)

    # -- the run -----------------------------------------------------------------------------------
    async def run(self, trials: int) -> Report:
        started = time.perf_counter()
        world = await build_world(self.target, self.fake, self.n_members, self.rng)
        server = await serve(self.fake, port=0)
        port = server_port(server)
        feeder = asyncio.create_task(self.feed(world))
        try:
            for _ in range(trials):
                await self.trial(port)
            feeder.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await feeder
            await self.drain(port)
        finally:
            feeder.cancel()
            if self.proc is not None and self.proc.returncode is None:
                self._kill()
                await self.proc.wait()
            server.close()
        self.check(world)
        self.report.seconds = time.perf_counter() - started
        return self.report

    # -- the verdict -------------------------------------------------------------------------------
    def check(self, world: World) -> None:
        r, f = self.report, self.fake
        problems = r.problems
        logs = Counter(row["what"] for row in self.store.rows("SELECT what FROM learning_logs"))
        answers = Counter(row["text"] for row in self.store.rows(
            "SELECT text FROM cycle_answers WHERE stage_id = ?", (world.stage_a,)))
        outbox = self.store.rows("SELECT * FROM outbox")
        prompts = {(row["chat_id"], row["message_id"]) for row in self.store.rows("SELECT * FROM cycle_prompts")}
        # a group answer's receipt is the bot's 👍 reaction on it (set once per handling: count the calls)
        thanked = Counter(int(p["message_id"]) for name, p in f.calls
                          if name.lower() == "setmessagereaction" and int(p["chat_id"]) == GA)
        logged_confirm: Counter[str] = Counter()
        for u in world.loggers:
            for m in f.bot_messages(u):
                for what in re.findall(r"modul-\d{5}", m.get("text", "")):
                    logged_confirm[what] += 1
        r.fed = len(self.fed)
        for ev in self.fed:
            if ev[0] == "cy":
                _, u, _mid, text, answer_mid = ev
                confirmed, stored = thanked[answer_mid], answers[text.split(". ", 1)[1]]
            else:
                _, u, what, _answer_mid = ev
                confirmed, stored = logged_confirm[what], logs[what]
            r.confirmed += confirmed > 0
            r.stored += stored > 0
            if confirmed > 1:
                problems.append(f"{ev[:3]} confirmed {confirmed} times")
            if stored > 1:
                problems.append(f"{ev[:3]} stored {stored} times")
            if confirmed and not stored:
                problems.append(f"{ev[:3]} confirmed but not stored")
            if not stored:
                r.lost += 1
                problems.append(f"{ev[:3]} lost (never stored)")
        # scheduled sends: each key reached its chat once, or (ambiguous) at most 1 + ambiguous times
        r.keys = len(outbox)
        for e in outbox:
            if e["status"] == "skipped" and e["key"].startswith("cy:r:") and e["last_error"] == "answered":
                continue  # a reminder whose attempt a kill interrupted, moot once its member answered (0 or 1 copy)
            if e["status"] != "sent":
                problems.append(f"outbox {e['key']} left {e['status']} ({e['last_error']})")
                continue
            copies = copies_in_chat(f, e["chat_id"], e["message_id"])
            if e["ambiguous"]:
                r.ambiguous[e["key"]] = e["ambiguous"]
            if copies > 1:
                r.duplicates[e["key"]] = copies
            if copies > 1 + e["ambiguous"] or copies < 1:
                problems.append(f"outbox {e['key']} reached its chat {copies} times (ambiguous {e['ambiguous']})")
            if e["key"].startswith(("cy:h:", "cy:q:")) and (e["chat_id"], e["message_id"]) not in prompts:
                problems.append(f"stage card {e['key']} went out but is not registered as a prompt")
        log_text = self.log_path.read_text(errors="replace")
        crashes = log_text.count("Traceback")
        if crashes:  # show the first one: the log goes away with its temporary folder
            first = log_text.index("Traceback")
            print(log_text[max(0, log_text.rfind("\n", 0, first - 300)):first + 3000])
        if crashes:
            problems.append(f"{crashes} tracebacks in {self.log_path}")
        keyed = {e["chat_id"] for e in outbox if e["key"].startswith("cy:r:")}
        for u in world.members:
            reminders = [m for m in f.bot_messages(u) if "cy:g:" in str(m.get("reply_markup", ""))]
            if reminders and u not in keyed:
                problems.append(f"member {u} got a reminder no outbox key accounts for")
            if not reminders and u not in world.answerers:
                problems.append(f"member {u} never got the due reminder")


def copies_in_chat(fake: FakeTelegram, chat_id: int, message_id: int) -> int:
    """How many bot messages in the chat began with the same text as this one (edits ignored)."""
    first = fake.edits(chat_id, message_id)[0]
    return sum(1 for m in fake.bot_messages(chat_id) if fake.edits(chat_id, m["message_id"])[0] == first)


def print_report(r: Report) -> None:
    print(f"{'trials':<28}{r.trials}")
    print(f"{'kills by kind':<28}{dict(r.kills)}")
    print(f"{'answers fed':<28}{r.fed}")
    print(f"{'confirmed':<28}{r.confirmed}")
    print(f"{'stored':<28}{r.stored}")
    print(f"{'lost unconfirmed':<28}{r.lost}")
    print(f"{'outbox keys':<28}{r.keys}")
    print(f"{'ambiguous keys':<28}{len(r.ambiguous)}")
    print(f"{'duplicated keys':<28}{len(r.duplicates)}  {sorted(r.duplicates)[:5]}")
    print(f"{'problems':<28}{len(r.problems)}")
    for p in r.problems[:20]:
        print("   ", p)
    print(f"{'seconds':<28}{r.seconds:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--members", type=int, default=150)
    parser.add_argument("--dir", help="work folder (default: a temporary one)")
    parser.add_argument("--database", help="a postgresql:// URL (default: a SQLite file in the work folder)")
    args = parser.parse_args()
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(args.dir) if args.dir else Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        report = asyncio.run(Harness(workdir, seed=args.seed, members=args.members,
                                     database=args.database).run(args.trials))
    print_report(report)
    sys.exit(1 if report.problems else 0)


if __name__ == "__main__":
    main()
