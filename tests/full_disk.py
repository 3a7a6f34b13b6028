"""A full disk for tests, on either engine: the writes a full disk refuses are refused, then there is room again."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from storage.backends import is_postgres

DISK_FULL = "53100"  # PostgreSQL's SQLSTATE disk_full


class FullDisk:
    """SQLite: its file may not grow (max_page_count), so the write that needs a new page fails with
    SQLITE_FULL. PostgreSQL: a server's disk cannot be filled from a test, so every insert into
    learning_logs fails as a full disk fails it there (SQLSTATE 53100, "could not extend file")."""

    def __init__(self, db: Any, target: Path | str) -> None:
        self.db = db
        self.pg = str(target) if is_postgres(target) else None

    def _pg(self, *sql: str) -> None:
        import psycopg

        with psycopg.connect(self.pg, autocommit=True) as conn:
            for statement in sql:
                conn.execute(statement)

    async def fill(self) -> None:
        if self.pg:
            self._pg("CREATE FUNCTION test_disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION"
                     " 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END $$",
                     "CREATE TRIGGER test_disk_full BEFORE INSERT ON learning_logs FOR EACH ROW"
                     " EXECUTE FUNCTION test_disk_full()")
            return
        await self.db.flush()
        conn = self.db.conn._conn
        conn.execute(f"PRAGMA max_page_count={conn.execute('PRAGMA page_count').fetchone()[0]}")

    def free(self) -> None:
        if self.pg:
            self._pg("DROP TRIGGER IF EXISTS test_disk_full ON learning_logs", "DROP FUNCTION IF EXISTS test_disk_full()")
        else:
            self.db.conn._conn.execute("PRAGMA max_page_count=1073741823")

    def refused(self, exc: BaseException | None) -> bool:
        """Is `exc` the error a full disk gives (not a follow-up error)?"""
        if self.pg:
            return getattr(exc, "sqlstate", None) == DISK_FULL
        return isinstance(exc, sqlite3.OperationalError) and "full" in str(exc)
