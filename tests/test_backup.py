"""`kombel-bot backup`: a consistent, checked copy of the live database (a real SQLite file, the bot's own
connection open and writing meanwhile); clear one-line refusals."""

from __future__ import annotations

import sqlite3

from bot.cli import main
from storage.db import Database
from storage.repos import Repos

NOW = 1_795_000_000


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


def test_backup_without_a_database(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", str(tmp_path / "missing.sqlite3"))
    monkeypatch.chdir(tmp_path)
    assert main(["backup", str(tmp_path / "b.sqlite3")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "there is no database" in err
    assert not (tmp_path / "b.sqlite3").exists()
