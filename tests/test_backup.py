"""`kombel-bot backup`: a consistent, checked copy of the live database (a real SQLite file, the bot's own
connection open and writing meanwhile); clear one-line refusals. On PostgreSQL the backup is `pg_dump`
(docs/operations.md, "PostgreSQL"): a dump taken while the bot runs restores into an empty database that the
bot then reads and writes on."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from bot.cli import main
from bot.sim import Sim
from storage.db import Database
from storage.repos import Repos
from tests.conftest import ANI, GROUP, _pg_admin, onboard, pg_database_url

NOW = 1_795_000_000
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))  # as .ci/pg-start finds the server's


@pytest.mark.sqlite_only("SQLite's online file backup; test_pg_dump_… backs PostgreSQL up")
async def test_backup_while_the_bot_writes(tmp_path, monkeypatch, capsys):
    path = tmp_path / "data" / "kombel.sqlite3"
    path.parent.mkdir()
    db = await Database(path).open()  # the running bot's connection stays open throughout
    repos = Repos(db)
    try:
        c, _ = await repos.communities.ensure(-1001, "Kombel SDN 3", tz="Asia/Makassar", locale="id", now=NOW)
        for uid in (1, 2, 3):
            await repos.users.upsert(uid, f"Guru {uid}", None, None, "id", NOW)
            await repos.members.join(c.id, uid, "kelas", NOW)
        monkeypatch.setenv("DATABASE_URL", str(path))
        monkeypatch.chdir(tmp_path)  # no .env here
        dest = tmp_path / "backups" / "kombel-2026-11-24.sqlite3"
        async with db.tx() as tx:  # a write in progress, not committed when the copy is taken
            await tx.execute("UPDATE communities SET name = 'not yet' WHERE id = ?", (c.id,))
            assert main(["backup", str(dest)]) == 0
        out = capsys.readouterr().out
        assert "backup written" in out and "1 communities, 3 active members" in out and "integrity check: ok" in out
        copy = sqlite3.connect(dest)
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("SELECT COUNT(*) FROM members").fetchone()[0] == 3
        assert copy.execute("SELECT name FROM communities").fetchone()[0] != "not yet"  # committed data only
        copy.close()
        assert not list(dest.parent.glob("*.part"))
        # the bot goes on writing after the backup
        await repos.users.upsert(4, "Guru 4", None, None, "id", NOW)
        await repos.members.join(c.id, 4, "kelas", NOW)
        assert await repos.members.count(c.id) == 4

        assert main(["backup", str(dest)]) == 2  # never overwrites
        assert "already exists" in capsys.readouterr().err
        assert main(["backup", str(path)]) == 2
        assert "no backup written" in capsys.readouterr().err
    finally:
        await db.close()


@pytest.mark.sqlite_only("a SQLite file that is not there")
def test_backup_without_a_database(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", str(tmp_path / "missing.sqlite3"))
    monkeypatch.chdir(tmp_path)
    assert main(["backup", str(tmp_path / "b.sqlite3")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "there is no database" in err
    assert not (tmp_path / "b.sqlite3").exists()


async def _run(*command: object) -> None:
    await asyncio.to_thread(subprocess.run, [str(c) for c in command], check=True, timeout=60)


@pytest.mark.pg_only("pg_dump and pg_restore of the PostgreSQL run's server")
async def test_pg_dump_while_the_bot_writes_restores_into_an_empty_database_the_bot_runs_on(sim, db_target, clock,
                                                                                          tmp_path, monkeypatch,
                                                                                          capsys):
    import psycopg

    await onboard(sim)
    await sim.say(ANI, ANI, "/start")
    await sim.say(ANI, ANI, "/catat 30 menit membaca modul asesmen")
    monkeypatch.setenv("DATABASE_URL", db_target)
    monkeypatch.chdir(tmp_path)
    assert main(["backup", str(tmp_path / "k.sqlite3")]) == 2  # the bot says what to use instead
    assert "pg_dump" in capsys.readouterr().err
    dump = tmp_path / "kombel.dump"
    restored = pg_database_url(name := f"kombel_restore_{os.getpid()}")
    _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _pg_admin(f"CREATE DATABASE {name}")
    try:
        with psycopg.connect(db_target) as writer:  # a write in progress while the dump is taken
            writer.execute("UPDATE communities SET name = 'not yet'")
            await _run(PG_BIN / "pg_dump", "-Fc", "-f", dump, db_target)
            writer.rollback()
        await _run(PG_BIN / "pg_restore", "--no-owner", "--exit-on-error", "-d", restored, dump)
        await sim.stop()  # the old database goes away; the bot starts on the restored one
        async with Sim(restored, clock=clock, fake=sim.fake) as back:
            db = back.services.db
            assert await db.pending_migrations() == []
            c = await back.services.repos.communities.by_chat(GROUP)
            assert c is not None and c.name == "Kombel SDN 3 Mataram"  # committed data only
            assert await back.services.repos.members.count(c.id) == 3
            assert await db.scalar("SELECT what FROM learning_logs") == "membaca modul asesmen"
            await back.say(ANI, ANI, "/catat 20 menit diskusi kelompok")  # identity sequences went along
            assert back.last_text(ANI).startswith("📝")
            assert [r[0] for r in await db.fetchall("SELECT id FROM learning_logs ORDER BY id")] == [1, 2]
    finally:
        _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
