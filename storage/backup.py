"""A consistent copy of the live database, for `kombel-bot backup`.

SQLite's online backup API copies every page inside one read transaction, so the copy is the database as it
was at one moment, even while the bot keeps writing (WAL: readers never block the writer). The copy is
written beside its final name and renamed only after `PRAGMA integrity_check` says "ok", so a failed or
interrupted backup never leaves a file that looks complete. It is a plain SQLite file (no -wal/-shm): to
restore, stop the bot and put it where `DATABASE_URL` points.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path


class BackupError(Exception):
    """Why no backup was written, in one line for the operator."""


@dataclass(frozen=True)
class Snapshot:
    path: Path
    size_bytes: int
    communities: int
    members: int
    schema_version: int


def snapshot(source: Path, dest: Path) -> Snapshot:
    if not source.exists():
        raise BackupError(f"there is no database at {source} (DATABASE_URL)")
    if dest.exists():
        raise BackupError(f"{dest} already exists: choose a new file name")
    if dest.resolve() == source.resolve():
        raise BackupError("the backup cannot overwrite the database itself")
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    part.unlink(missing_ok=True)
    src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    try:
        out = sqlite3.connect(part)
        try:
            src.backup(out)
            check = out.execute("PRAGMA integrity_check").fetchone()[0]
            counts = _counts(out)
        finally:
            out.close()
    except sqlite3.Error as exc:
        part.unlink(missing_ok=True)
        raise BackupError(f"could not copy {source}: {exc}") from exc
    finally:
        src.close()
    if check != "ok":
        part.unlink(missing_ok=True)
        raise BackupError(f"the copy failed its integrity check ({check}); the database was not changed")
    part.rename(dest)
    return Snapshot(dest, dest.stat().st_size, *counts)


def _counts(conn: sqlite3.Connection) -> tuple[int, int, int]:
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    communities = conn.execute("SELECT COUNT(*) FROM communities").fetchone()[0] if "communities" in tables else 0
    members = (conn.execute("SELECT COUNT(*) FROM members WHERE active = 1").fetchone()[0]
               if "members" in tables else 0)
    version = (conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()[0]
               if "schema_migrations" in tables else 0)
    return communities, members, version
