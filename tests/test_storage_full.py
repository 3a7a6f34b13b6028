"""A full disk (issue 12, point 7): SQLite refuses a write with SQLITE_FULL and rolls back the whole open
transaction — the group commit's other units too. Each update that lost its write is told (it raises, the
member gets the apology), the error is logged once per update, and no background task is left with an
exception nobody retrieves. Reproduced on a real SQLite file with a tiny `max_page_count`; the member's side
also on PostgreSQL (tests/full_disk.py)."""

from __future__ import annotations

import asyncio
import gc
import logging
import sqlite3

import pytest

from storage.db import Database
from tests.conftest import ANI, BUDI, GROUP, onboard
from tests.full_disk import FullDisk


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self) -> str:
        return "\n".join(self.format(r) for r in self.records)


@pytest.fixture
def records():
    handler = Records()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


def _loop_errors() -> list[dict]:
    """What the event loop reports as unhandled (e.g. 'Task exception was never retrieved')."""
    seen: list[dict] = []
    asyncio.get_running_loop().set_exception_handler(lambda loop, ctx: seen.append(ctx))
    return seen


def _fill_up(conn: sqlite3.Connection) -> None:
    """The database may not grow any more: the next write needing a new page fails as on a full disk."""
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count={pages}")


# SQLITE_FULL and SQLite's rolling back of the whole group commit are SQLite's own; PostgreSQL's disk-full
# error fails one transaction, as the test below and the ordinary failed-unit tests show on it.
@pytest.mark.sqlite_only("SQLite's rolling back of the whole group commit on SQLITE_FULL")
async def test_a_full_disk_fails_every_unit_of_the_lost_commit_and_leaves_no_unretrieved_task(tmp_path, records):
    unhandled = _loop_errors()
    db = await Database(tmp_path / "full.sqlite3").open()
    await db.unit(lambda c: c.execute("CREATE TABLE t (x TEXT)"))
    await db.unit(lambda c: c.execute("INSERT INTO t VALUES ('before')"))
    _fill_up(db.conn._conn)

    # two updates' units share one group commit: the first fits in a page, the second needs new pages
    small = asyncio.create_task(db.unit(lambda c: c.execute("INSERT INTO t VALUES ('small')")))
    big = asyncio.create_task(db.unit(lambda c: c.execute("INSERT INTO t VALUES (?)", ("x" * 200_000,))))
    results = await asyncio.gather(small, big, return_exceptions=True)

    # both are told: the big one failed, and the small one's write went with the rolled-back transaction
    assert all(isinstance(r, sqlite3.OperationalError) for r in results), results
    assert "full" in str(results[1])
    assert [r[0] for r in await db.fetchall("SELECT x FROM t")] == ["before"]
    # the database works again once there is room, and the lost write is really gone
    db.conn._conn.execute("PRAGMA max_page_count=1073741823")
    await db.unit(lambda c: c.execute("INSERT INTO t VALUES ('after')"))
    assert [r[0] for r in await db.fetchall("SELECT x FROM t")] == ["before", "after"]
    await db.close()
    del small, big, results
    gc.collect()
    await asyncio.sleep(0)
    assert unhandled == []
    assert "never retrieved" not in records.text()
    assert "no such savepoint" not in records.text()


async def test_a_full_disk_answers_the_member_and_logs_the_error_once(sim, db_target, records):
    await onboard(sim)
    unhandled = _loop_errors()
    disk = FullDisk(sim.services.db, db_target)
    await disk.fill()
    try:
        note = "webinar asesmen formatif " * 40
        before = {uid: len(sim.texts(uid)) for uid in (ANI, BUDI)}
        rounds = 0
        while rounds < 60:  # until a write needs a new page; the two members' updates run side by side
            await asyncio.gather(sim.say(ANI, ANI, f"/catat 30 {note}"), sim.say(BUDI, BUDI, f"/catat 45 {note}"))
            rounds += 1
            errors = [r for r in records.records if r.levelno >= logging.ERROR]
            if errors:
                break
        assert errors, "the database never filled up: the test proves nothing"
        for _ in range(2):  # and while it stays full
            await asyncio.gather(sim.say(ANI, ANI, f"/catat 30 {note}"), sim.say(BUDI, BUDI, f"/catat 45 {note}"))
            rounds += 1
        errors = [r for r in records.records if r.levelno >= logging.ERROR]
        failed = [r.args[1] for r in errors if r.name == "bot.app"]
        # logged once per update that failed, with the storage error itself (not a follow-up error)
        assert len(failed) == len(set(failed)) == len(errors)
        assert all(r.exc_info and disk.refused(r.exc_info[1]) for r in errors), records.text()
        for uid in (ANI, BUDI):  # each member got an answer to each /catat: a confirmation or the apology
            assert len(sim.texts(uid)) - before[uid] == rounds
        sorry = sim.services.renderer.render("id", "errors/internal")
        assert sum(t == sorry for uid in (ANI, BUDI) for t in sim.texts(uid)) == len(failed)
        # what was confirmed is stored; nothing that got the apology is
        stored = await sim.services.db.scalar("SELECT COUNT(*) FROM learning_logs")
        confirmed = sum(t.startswith("📝") for uid in (ANI, BUDI) for t in sim.texts(uid))
        assert stored == confirmed
    finally:
        disk.free()
    await sim.say(GROUP, ANI, "/catat 30 rapat")
    assert sim.last_text(GROUP).startswith("📝")
    gc.collect()
    await asyncio.sleep(0)
    assert unhandled == []
    assert "never retrieved" not in records.text()
    assert "no such savepoint" not in records.text()
