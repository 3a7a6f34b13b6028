"""Shared fixtures: a simulated deployment (real Application + fake Bot API + real SQLite file).

Each test's database starts as freshly migrated, without migrating again: on SQLite a copy of a file migrated
once per session (`sqlite_template`); with `KOMBEL_TEST_PG=postgresql://…` (a server .ci/pg-start started) the
same tests run on PostgreSQL, on one database migrated once per session and emptied before each test
(`pg_empty`). Tests of what only SQLite has (its WAL file, SQLITE_FULL, the file backup) are marked
`@pytest.mark.sqlite_only("why")` and are not collected in that run.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import pytest

from bot.clock import ManualClock
from bot.sim import Sim

GROUP = -1001234567890
PIC, ANI, BUDI, CITRA, KEPSEK, STRANGER = 101, 102, 103, 104, 105, 199


@pytest.fixture
def clock():
    # Tuesday 24 November 2026, 01:00 UTC = 09:00 WITA
    return ManualClock(datetime(2026, 11, 24, 1, 0, tzinfo=UTC))


PG_URL = os.environ.get("KOMBEL_TEST_PG") or None


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only(why): tests what only the SQLite backend has")
    config.addinivalue_line("markers", "pg_only(why): needs the PostgreSQL server of the PostgreSQL run")


def _on_this_run(item) -> bool:
    if not PG_URL:
        return item.get_closest_marker("pg_only") is None
    # The PostgreSQL run: every test with a database (the `db_target` fixture, through `sim`, `db`, …) but
    # those about SQLite itself. A test without one (domain functions, rendering, a test that builds its own
    # SQLite deployment) touches no PostgreSQL: it ran in the SQLite run.
    return item.get_closest_marker("sqlite_only") is None and "db_target" in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(config, items):
    # Deselected, not skipped: each runs in its own engine's run of .ci/run.
    config.hook.pytest_deselected(items=[i for i in items if not _on_this_run(i)])
    items[:] = [i for i in items if _on_this_run(i)]


def pg_database_url(name: str) -> str:
    assert PG_URL
    parts = urlsplit(PG_URL)
    return urlunsplit(parts._replace(path="/" + name))


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture(scope="session")
def pg_database():
    """The URL of this session's PostgreSQL database, every migration applied (None on the SQLite run)."""
    if not PG_URL:
        yield None
        return
    from storage.pg import PgDatabase

    name = f"kombel_test_{os.getpid()}"
    _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _pg_admin(f"CREATE DATABASE {name}")
    url = pg_database_url(name)

    async def migrate():
        db = await PgDatabase(url, pool_size=1).open()
        await db.close()

    asyncio.run(migrate())
    yield url
    _close_emptiers()
    _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


# One connection per database URL for emptying it between tests (a new connection per test costs more than
# the emptying itself); opened again if a test ended it (pg_terminate_backend, DROP SCHEMA …).
_EMPTIERS: dict[str, object] = {}

# The emptying in one statement, so one round trip: every table but schema_migrations emptied (foreign keys
# not followed: replica role), the rows of migrations unknown to this code deleted, every sequence of the
# schema back at 1. Tables and sequences are read from the catalogue each time: a test may add a table.
_EMPTY_SQL = """
DO $$
DECLARE r record;
BEGIN
  PERFORM set_config('session_replication_role', 'replica', true);
  PERFORM set_config('lock_timeout', '10s', true);
  FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations' LOOP
    EXECUTE format('DELETE FROM public.%I', r.tablename);
  END LOOP;
  DELETE FROM public.schema_migrations WHERE version > {known};
  FOR r IN SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' LOOP
    PERFORM setval(format('public.%I', r.sequencename), 1, false);
  END LOOP;
END
$$"""


def pg_empty(url: str) -> None:
    """Every table emptied and every id sequence back at 1, the migrations' own rows kept: as freshly
    migrated. (CREATE DATABASE … TEMPLATE takes about a second here; this, a few milliseconds.)"""
    import psycopg

    from storage.pg import PgDatabase

    known = max(v for v, _, _ in PgDatabase.migration_files())
    for attempt in (1, 2):
        conn = _EMPTIERS.get(url)
        try:
            if conn is None or conn.closed:
                conn = _EMPTIERS[url] = psycopg.connect(url, autocommit=True)
            conn.execute(_EMPTY_SQL.format(known=int(known)))  # autocommit: one transaction of its own
            return
        except psycopg.OperationalError:  # its session was ended by a test: once more on a new one
            _EMPTIERS.pop(url, None)
            if attempt == 2:
                raise


def _close_emptiers() -> None:
    while _EMPTIERS:
        _, conn = _EMPTIERS.popitem()
        conn.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A SQLite file with every migration applied, made once per session (None on the PostgreSQL run): each
    test's database is a copy of it, as PostgreSQL's tests start from the session's migrated database.
    (Migrating a new file takes about 150 ms here, copying it about 2 ms.) Tests of the migrations
    themselves open their own new file."""
    if PG_URL:
        yield None
        return
    from storage.db import Database

    path = tmp_path_factory.mktemp("template") / "kombel.sqlite3"

    async def migrate():
        db = await Database(path).open()
        await db.close()

    asyncio.run(migrate())
    # the last connection's close checkpointed the WAL: the file alone is the whole database
    assert not path.with_name(path.name + "-wal").exists()
    yield path


@pytest.fixture
def db_target(tmp_path, pg_database, sqlite_template):
    """Where this test's database lives: a SQLite file path (a copy of the session's migrated file), or the
    session's PostgreSQL database, emptied."""
    if pg_database is None:
        target = tmp_path / "kombel.sqlite3"
        shutil.copyfile(sqlite_template, target)
        return target
    pg_empty(pg_database)
    return pg_database


def cast(f) -> None:
    """The people and the group every feature test starts from, in the fake Bot API `f`."""
    f.user(PIC, "Sari", last_name="Wulandari", username="bu_sari")
    f.user(ANI, "Ani", last_name="Rahma")
    f.user(BUDI, "Budi", last_name="Santoso")
    f.user(CITRA, "Citra", language_code="en")
    f.user(KEPSEK, "Hendra", last_name="Kusuma")
    f.user(STRANGER, "Orang", last_name="Lain")
    f.group(GROUP, "Kombel SDN 3 Mataram", supergroup=True, admins=[PIC], members=[ANI, BUDI, CITRA, KEPSEK],
            bot_member=False)


@pytest.fixture
async def sim(db_target, clock):
    s = Sim(db_target, clock=clock)
    cast(s.fake)
    await s.start()
    yield s
    await s.stop()


async def onboard(sim: Sim, *, members=(ANI, BUDI, CITRA), role="classroom", tz_label="WITA", work_days=5,
                  group=GROUP, pic=PIC):
    """Add the bot, run /setup as the PIC, and let members join: the common start of feature tests (in `group`,
    GROUP unless told, with `pic` as its PIC)."""
    f = sim.fake
    await sim.deliver(f.add_bot(group, pic))
    welcome = sim.last(group)
    await sim.say(group, pic, "/setup")
    await sim.say(group, pic, "Kombel SDN 3 Mataram", reply_to=sim.last(group)["message_id"])
    await sim.tap(group, sim.last(group)["message_id"], pic, "KKG")
    await sim.say(group, pic, "SDN 3 Mataram", reply_to=sim.last(group)["message_id"])
    await sim.tap(group, sim.last(group)["message_id"], pic, _tz_button(tz_label))
    await sim.tap(group, sim.last(group)["message_id"], pic, sim.services.renderer.t("id", f"week.{work_days}"))
    await sim.tap(group, sim.last(group)["message_id"], pic, "Bahasa Indonesia")
    role_label = sim.services.renderer.t("id", f"role.{role}")
    for uid in members:
        await sim.tap(group, welcome["message_id"], uid, role_label)
    return welcome


def _tz_button(label: str) -> str:
    return {"WIB": "WIB (Jakarta, UTC+7)", "WITA": "WITA (Makassar, UTC+8)", "WIT": "WIT (Jayapura, UTC+9)"}[label]
