"""The SQLite connection: pragmas, numbered migrations, and group-committed write transactions.

One write connection serves the whole process (SQLite has one writer). Each write unit — `async with
db.tx()` or `await db.unit(fn)` — runs under a lock inside a SAVEPOINT of a longer transaction and
returns only once a COMMIT that includes it has finished. While one COMMIT is being written, the units
of other updates queue up and the next COMMIT makes them all durable at once (group commit). So a
handler that confirms an answer *after* its unit never confirms something a crash could lose, and
concurrent updates share the fsync.

Where things run: a unit's statements execute directly on the event loop's thread — they only touch
SQLite's page cache and take microseconds, while a hop to another thread and back costs far more (the
wake-up, and the two threads taking turns at the GIL). Only the COMMIT, which waits for the disk, runs
in aiosqlite's thread, so the loop keeps handling other updates during the fsync. The lock keeps the two
from ever using the connection at once. Keep unit bodies short and free of network calls.

Reads outside a write unit go to a second, read-only connection, also used on the loop's thread. In WAL
mode it sees every committed unit — and a unit is committed before it returns — and never blocks or is
blocked by the writer. Reads inside a unit (`tx.fetchone`) see the unit's own writes.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

log = logging.getLogger(__name__)
T = TypeVar("T")

# The Telegram update being handled in this task, as [update_id, marked]. The first write unit of the
# update also records it in `processed_updates`, atomically with the unit's own writes: so after a crash
# an update is either wholly unhandled (and handled again when Telegram re-delivers it) or known as
# handled (and skipped) — never half of each.
CURRENT_UPDATE: ContextVar[list[Any] | None] = ContextVar("current_update", default=None)
MARK_SQL = ("INSERT INTO processed_updates (update_id, handled_at) VALUES (?, ?)"
            " ON CONFLICT (update_id) DO NOTHING")
# Prepared statements kept per connection: the default (128) is fewer than the distinct statements the
# bot uses, and a miss means parsing and planning the SQL again.
STATEMENT_CACHE = 1024
MIGRATION_RE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class UpdateAlreadyHandled(Exception):
    """Another worker has handled this update (PostgreSQL: its mark is committed, or was being written and
    then committed): this unit wrote nothing, and the update is left alone (bot.app.on_error is silent)."""


def _begin_unit(conn: sqlite3.Connection, mark: int | None, stamp: int) -> None:
    """Open the unit's savepoint (and the group transaction if none is open), with the update's mark."""
    if not conn.in_transaction:
        conn.execute("BEGIN IMMEDIATE")
    conn.execute("SAVEPOINT unit")
    if mark is not None:
        conn.execute(MARK_SQL, (mark, stamp))


def _rollback_unit(conn: sqlite3.Connection) -> None:
    if not conn.in_transaction:  # SQLite already rolled back the whole transaction (disk full, I/O error)
        return
    conn.execute("ROLLBACK TO unit")
    conn.execute("RELEASE unit")


def read_migrations(*folder: str) -> list[tuple[int, str, str]]:
    """(number, name, SQL) of the numbered migrations in `storage/<folder...>`, in order; two with one number fail."""
    found = []
    where = resources.files("storage")
    for part in folder:
        where = where / part
    for entry in where.iterdir():
        m = MIGRATION_RE.match(entry.name)
        if m:
            found.append((int(m.group(1)), m.group(2), entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(versions) != len(set(versions)):
        raise RuntimeError(f"two migrations share a number: {versions}")
    return found


class Database:
    dialect = "sqlite"
    # Appended to a SELECT that claims rows inside a unit: nothing here (one writer: a unit is alone);
    # " FOR UPDATE SKIP LOCKED" on PostgreSQL (storage.pg), where workers claim side by side.
    LOCK_ROWS = ""
    LOCK_ROWS_OF = ""  # the same, locking only the rows of the table aliased `s` (a SELECT with joins)

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._conn: aiosqlite.Connection | None = None
        self._read: sqlite3.Connection | None = None
        self._lock = asyncio.Lock()
        self._in_tx = False
        self._waiters: list[asyncio.Future[None]] = []
        self._commit_task: asyncio.Task[None] | None = None
        self.commits = 0  # counted for benchmarks

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    async def open(self) -> Database:
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # check_same_thread=False: units use it on the loop's thread, COMMITs in aiosqlite's (never at once)
        self._conn = await aiosqlite.connect(self.path, isolation_level=None, cached_statements=STATEMENT_CACHE,
                                             check_same_thread=False)
        self._conn.row_factory = aiosqlite.Row
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=FULL",
            "PRAGMA foreign_keys=ON",
            "PRAGMA busy_timeout=5000",
            # deleted and overwritten content is zeroed in the page, not left in free space (personal data:
            # an erased answer must not stay readable in the file)
            "PRAGMA secure_delete=ON",
        ):
            await self._conn.execute(pragma)
        await self.migrate()
        if str(self.path) != ":memory:":
            self._read = sqlite3.connect(self.path, isolation_level=None, check_same_thread=True,
                                         cached_statements=STATEMENT_CACHE)
            self._read.row_factory = sqlite3.Row
            self._read.execute("PRAGMA query_only=ON")
            self._read.execute("PRAGMA foreign_keys=ON")
            self._read.execute("PRAGMA busy_timeout=5000")
        return self

    async def close(self) -> None:
        if self._conn is None:
            return
        if self._commit_task is not None:
            await asyncio.shield(self._commit_task)
        async with self._lock:
            if self._in_tx:
                await self._conn.execute("COMMIT")
                self._in_tx = False
        await self._conn.close()
        self._conn = None
        if self._read is not None:
            self._read.close()
            self._read = None

    # -- migrations -------------------------------------------------------------------------------
    @staticmethod
    def migration_files() -> list[tuple[int, str, str]]:
        return read_migrations("migrations")

    async def migrate(self) -> list[int]:
        conn = self.conn
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
        )
        rows = await (await conn.execute("SELECT version FROM schema_migrations")).fetchall()
        done = {r[0] for r in rows}
        applied = []
        for version, name, sql in self.migration_files():
            if version in done:
                continue
            script = (
                f"BEGIN;\n{sql}\n;INSERT INTO schema_migrations (version, name) VALUES ({version}, '{name}');\nCOMMIT;"
            )
            try:
                await conn.executescript(script)
            except Exception:
                await conn.execute("ROLLBACK") if conn.in_transaction else None
                raise
            log.info("applied migration %04d_%s", version, name)
            applied.append(version)
        return applied

    # -- reads ------------------------------------------------------------------------------------
    # Reads: on the read-only connection, in this thread (see the module's docstring).
    @property
    def _reader(self) -> sqlite3.Connection:
        # An in-memory database cannot be opened twice: it reads through the write connection.
        return self._read if self._read is not None else self.conn._conn

    async def fetchall(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        return self._reader.execute(sql, params).fetchall()

    async def fetchone(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Row | None:
        return self._reader.execute(sql, params).fetchone()

    async def scalar(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    def set_trace(self, fn: Callable[[str], None] | None) -> None:
        """Call `fn(sql)` for every statement read outside a unit (tests and benchmarks count them)."""
        self._reader.set_trace_callback(fn)

    async def table_names(self) -> list[str]:
        return [r[0] for r in await self.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn(connection)` with several reads at once (committed data)."""
        return fn(self._reader)

    # -- writes -----------------------------------------------------------------------------------
    @asynccontextmanager
    async def one_at_a_time(self, space: str, key: int) -> AsyncIterator[None]:
        """PostgreSQL's is a lock across worker processes (storage.pg); one SQLite process needs none: its update
        processor already runs one chat's — or, without a chat, one user's — updates one after another."""
        yield

    @asynccontextmanager
    async def tx(self, *, mark: bool = True) -> AsyncIterator[Tx]:
        """A write unit: atomic (savepoint), serialised, and durable when the block exits.
        mark=False for incidental writes (who someone is, which group they used last) that may be
        repeated freely: they must not make the update count as handled."""
        async with self._lock:
            conn = self.conn._conn
            current = CURRENT_UPDATE.get() if mark else None
            mark_id = current[0] if current is not None and not current[1] else None
            _begin_unit(conn, mark_id, int(time.time()))
            self._in_tx = True
            try:
                yield Tx(conn)
            except BaseException as exc:
                _rollback_unit(conn)
                self._lost_with(conn, exc)
                raise
            conn.execute("RELEASE unit")
            durable = self._written(current)
        await durable

    async def unit(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """A write unit as one plain function of the connection, with the same guarantees as `tx()`:
        atomic, serialised, the update's mark included, and durable when this returns. For the hot paths
        (answers, taps): no awaits between statements; `fn` must not touch anything but `conn`."""
        current = CURRENT_UPDATE.get()
        mark = current[0] if current is not None and not current[1] else None
        stamp = int(time.time())

        def work(conn: sqlite3.Connection) -> T:
            _begin_unit(conn, mark, stamp)
            try:
                result = fn(conn)
            except BaseException as exc:
                _rollback_unit(conn)
                self._lost_with(conn, exc)
                raise
            conn.execute("RELEASE unit")
            return result

        async with self._lock:
            result = work(self.conn._conn)
            self._in_tx = True
            durable = self._written(current)
        await durable
        return result

    def _lost_with(self, conn: sqlite3.Connection, exc: BaseException) -> None:
        """After a failed unit (under the lock): if SQLite rolled back the whole group transaction — it
        does on SQLITE_FULL and I/O errors — the units already written in it and waiting for its commit
        are lost as well. Their waiters get the same error (their updates answer with the apology and
        log it), and no commit is attempted for a transaction that no longer exists."""
        if conn.in_transaction or not self._in_tx:
            return
        self._in_tx = False
        waiters, self._waiters = self._waiters, []
        error = exc if isinstance(exc, Exception) else RuntimeError("write unit interrupted")
        for w in waiters:
            if not w.done():
                w.set_exception(error)

    def _written(self, current: list[Any] | None) -> asyncio.Future[None]:
        """A unit is written (under the lock): note its update as handled, and return the future the
        next commit resolves."""
        if current is not None:
            current[1] = True
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(fut)
        if self._commit_task is None or self._commit_task.done():
            self._commit_task = asyncio.create_task(self._commit_pending())
        return fut

    async def flush(self) -> None:
        """Commit whatever is written and return once it is durable."""
        async with self._lock:
            if self._in_tx:
                await self.conn.execute("COMMIT")
                self._in_tx = False
                self.commits += 1

    async def checkpoint(self, attempts: int = 5) -> bool:
        """Commit what is written, copy every page into the main file and empty the `-wal` file
        (`wal_checkpoint(TRUNCATE)`): after an erasure the old versions of its pages are then nowhere on
        disk. Waits (busy timeout) for readers still on an older snapshot; False if they never let go
        (the next erasure tries again). The `-shm` file holds only page numbers, never row data."""
        if str(self.path) == ":memory:":
            return True
        for attempt in range(attempts):
            async with self._lock:
                if self._in_tx:
                    await self.conn.execute("COMMIT")
                    self._in_tx = False
                    self.commits += 1
                row = await (await self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")).fetchone()
            if row is not None and row[0] == 0:
                return True
            log.warning("wal checkpoint busy (attempt %d)", attempt + 1)
            await asyncio.sleep(0.1)
        return False

    async def _commit_pending(self) -> None:
        await asyncio.sleep(0)  # let units that are about to start join this commit
        while self._waiters:
            async with self._lock:
                waiters, self._waiters = self._waiters, []
                try:
                    if self._in_tx:
                        await self.conn.execute("COMMIT")
                        self._in_tx = False
                        self.commits += 1
                except BaseException as exc:  # the data of these units is not durable: tell them
                    if self.conn.in_transaction:
                        await self.conn.execute("ROLLBACK")
                    self._in_tx = False
                    for w in waiters:
                        if not w.done():
                            w.set_exception(exc if isinstance(exc, Exception) else RuntimeError("commit cancelled"))
                    if not isinstance(exc, Exception):
                        raise
                    # Each waiting unit raises this error in its own update, which logs it once. Raised
                    # here too, nobody would retrieve it ("Task exception was never retrieved").
                    continue
            for w in waiters:
                if not w.done():
                    w.set_result(None)


class Tx:
    """The statements of one write unit (run on the loop's thread, see the module docstring; the methods
    stay awaitable so a unit reads like the rest of the code)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    async def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)

    async def insert(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        return int(self.conn.execute(sql, params).lastrowid or 0)

    async def fetchone(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Row | None:
        return self.conn.execute(sql, params).fetchone()

    async def fetchall(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()
