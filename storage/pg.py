"""The PostgreSQL backend (`DATABASE_URL=postgresql://…`): the same interface as `storage.db.Database`.

Driver: psycopg 3 with psycopg-pool, used *synchronously* from worker threads. The repositories' hot paths
are `db.unit(fn)` with `fn(conn)` a plain function with no awaits between its statements (storage.db): with
psycopg's sync API such a function runs as it is, in one `asyncio.to_thread` call, on one pooled connection
inside one transaction — no second copy of every unit for an async driver (asyncpg would need one, and
has its own `$1` placeholders and no DB-API cursor).

Transactions: every unit is its own transaction on its own connection (no group commit: PostgreSQL
serialises concurrent writers itself and its WAL already groups their commits). A unit's first statement
is the update's `processed_updates` mark, `INSERT … ON CONFLICT DO NOTHING`: if another worker already
handled (or is handling, and then commits) the same update, the mark inserts nothing, and the unit stops
with `UpdateAlreadyHandled` before writing anything — so an update's writes happen once across workers.

Reads outside a unit take a pooled connection in autocommit (committed data). SQL passes through
`storage.dialect.to_postgres` once per statement text; rows are `Row` (by index and by name, like
sqlite3.Row); numeric results (SUM, AVG) come back as int or float, json as text, as on SQLite.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
import zlib
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import psycopg
from psycopg.adapt import Loader
from psycopg_pool import ConnectionPool

from storage.db import CURRENT_UPDATE, MARK_SQL, UpdateAlreadyHandled, read_migrations
from storage.dialect import to_postgres

log = logging.getLogger(__name__)
T = TypeVar("T")
MIGRATION_LOCK = 0x6B6F6D62  # pg_advisory_lock key: one process migrates at a time ("komb")


class Row:
    """A result row by index or by column name (the sqlite3.Row interface the repositories use)."""

    __slots__ = ("_keys", "_values")

    def __init__(self, keys: dict[str, int], values: Sequence[Any]) -> None:
        self._keys = keys
        self._values = values

    def __getitem__(self, key: int | str | slice) -> Any:
        if isinstance(key, str):
            return self._values[self._keys[key]]
        return self._values[key]

    def keys(self) -> list[str]:
        return list(self._keys)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        return tuple(self._values) == (tuple(other) if isinstance(other, Row | tuple) else other)

    def __hash__(self) -> int:
        return hash(tuple(self._values))

    def __repr__(self) -> str:
        return f"Row({dict(zip(self._keys, self._values, strict=True))!r})"


def _row_factory(cursor: psycopg.Cursor[Any]) -> Callable[[Sequence[Any]], Row]:
    keys = {d.name: i for i, d in enumerate(cursor.description or ())}
    return lambda values: Row(keys, values)


class _NumericLoader(Loader):
    """numeric (what SUM of bigint and AVG give) as int when whole, else float — as SQLite answers."""

    def load(self, data: Any) -> Any:
        text = bytes(data).decode()
        if "." in text or "e" in text.lower() or text in ("NaN", "Infinity", "-Infinity"):
            return float(text)
        return int(text)


class _TextLoader(Loader):
    def load(self, data: Any) -> Any:
        return bytes(data).decode()


def _configure(conn: psycopg.Connection[Any]) -> None:
    conn.adapters.register_loader("numeric", _NumericLoader)
    conn.adapters.register_loader("json", _TextLoader)
    conn.adapters.register_loader("jsonb", _TextLoader)


class Cursor:
    """What a statement returns: rows, rowcount, and (for an INSERT that asked for it) lastrowid."""

    __slots__ = ("_cur", "description", "lastrowid", "rowcount")

    def __init__(self, cur: psycopg.Cursor[Any], lastrowid: int | None = None) -> None:
        self._cur = cur
        self.rowcount = cur.rowcount
        self.lastrowid = lastrowid
        self.description = cur.description

    def fetchone(self) -> Row | None:
        return self._cur.fetchone() if self._cur.description else None

    def fetchall(self) -> list[Row]:
        return self._cur.fetchall() if self._cur.description else []

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.fetchall())


class Conn:
    """A pooled connection with the sqlite3.Connection methods the repositories call (`execute`,
    `executemany`), SQL translated by storage.dialect. What a `db.unit(fn)` function receives."""

    def __init__(self, raw: psycopg.Connection[Any], trace: Callable[[str], None] | None = None) -> None:
        self.raw = raw
        self.trace = trace

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Cursor:
        if self.trace is not None:
            self.trace(sql)
        return Cursor(self.raw.execute(to_postgres(sql), params))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Cursor:
        cur = self.raw.cursor()
        cur.executemany(to_postgres(sql), list(rows))
        return Cursor(cur)

    def insert(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        """An INSERT into a table with an `id` key: the new row's id (SQLite's lastrowid)."""
        cur = self.raw.execute(to_postgres(sql.rstrip().rstrip(";") + " RETURNING id"), params)
        row = cur.fetchone()
        return int(row[0]) if row else 0


class PgDatabase:
    """`storage.db.Database`'s interface on PostgreSQL (see the module's docstring)."""

    dialect = "postgres"
    LOCK_ROWS = " FOR UPDATE SKIP LOCKED"  # storage.db.Database.LOCK_ROWS
    LOCK_ROWS_OF = " FOR UPDATE OF s SKIP LOCKED"

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.pool_size = pool_size
        self.path = url  # for messages that name the database
        self._pool: ConnectionPool | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._trace: Callable[[str], None] | None = None
        # A write unit holds its connection across awaits (tx()) and may read outside it meanwhile: reads
        # get their own share of the pool, so a pool full of writers waiting for a read never deadlocks.
        writers = max(1, pool_size // 2)
        self._writers = asyncio.Semaphore(writers)
        self._readers = asyncio.Semaphore(max(1, pool_size - writers))
        self.commits = 0  # counted for benchmarks

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run blocking psycopg work in this database's threads (one per connection: never all busy
        waiting for a connection while the connections' owners wait for a thread)."""
        assert self._executor is not None, "database is not open"
        return await asyncio.get_running_loop().run_in_executor(self._executor, functools.partial(fn, *args))

    @property
    def pool(self) -> ConnectionPool:
        if self._pool is None:
            raise RuntimeError("database is not open")
        return self._pool

    async def open(self) -> PgDatabase:
        # prepare_threshold: statements used twice on a connection are prepared server-side (the pool keeps
        # connections, so hot statements are planned once per connection, like SQLite's statement cache)
        self._executor = ThreadPoolExecutor(max_workers=self.pool_size + 1, thread_name_prefix="kombel-pg")
        self._pool = ConnectionPool(self.url, min_size=1, max_size=self.pool_size + 1, open=False,
                                    configure=_configure, name="kombel",
                                    kwargs={"autocommit": True, "row_factory": _row_factory, "prepare_threshold": 2})
        await self._call(self._pool.open, True, 30.0)
        await self.migrate()
        return self

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await self._call(pool.close)
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None

    # -- migrations -------------------------------------------------------------------------------
    @staticmethod
    def migration_files() -> list[tuple[int, str, str]]:
        return read_migrations("migrations", "postgres")

    def _migrate(self) -> list[int]:
        applied = []
        with self.pool.connection() as raw:
            raw.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))  # workers starting together
            try:
                raw.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY,"
                            " name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)")
                done = {r[0] for r in raw.execute("SELECT version FROM schema_migrations").fetchall()}
                for version, name, sql in self.migration_files():
                    if version in done:
                        continue
                    with raw.transaction():
                        raw.execute(sql.encode())  # the whole file: several statements, no parameters
                        raw.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                                    (version, name))
                    log.info("applied migration %04d_%s (postgres)", version, name)
                    applied.append(version)
            finally:
                raw.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
        return applied

    async def migrate(self) -> list[int]:
        return await self._call(self._migrate)

    async def pending_migrations(self) -> list[int]:
        rows = await self.fetchall("SELECT version FROM schema_migrations")
        done = {r[0] for r in rows}
        return [v for v, _, _ in self.migration_files() if v not in done]

    # -- one at a time across workers ----------------------------------------------------------------
    @asynccontextmanager
    async def one_at_a_time(self, space: str, key: int) -> AsyncIterator[None]:
        """Hold a PostgreSQL advisory *transaction* lock on (`space`, `key`) for the block: a second worker
        asking for the same pair waits until this block ends (its transaction commits and the lock goes).
        Webhook mode serialises updates without a chat (a poll answer) per user with it (bot/web.py)."""
        assert self._executor is not None, "database is not open"
        executor = self._executor
        waiting = asyncio.get_running_loop().run_in_executor(
            executor, self._lock_xact, zlib.crc32(space.encode()) & 0x7FFFFFFF, int(key))
        try:
            conn = await asyncio.shield(waiting)
        except asyncio.CancelledError:  # given up (shutdown): the lock, once had, is let go at once
            waiting.add_done_callback(
                lambda f: f.cancelled() or f.exception() is not None or executor.submit(self._end_xact, f.result()))
            raise
        try:
            yield
        finally:
            await self._call(self._end_xact, conn)

    def _lock_xact(self, space: int, key: int) -> psycopg.Connection[Any]:
        conn = self.pool.getconn()
        try:
            conn.execute("BEGIN")
            conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (space, key % 2**31))
        except BaseException:
            conn.rollback()
            self.pool.putconn(conn)
            raise
        return conn

    def _end_xact(self, conn: psycopg.Connection[Any]) -> None:
        try:
            conn.execute("COMMIT")
        finally:
            self.pool.putconn(conn)

    # -- reads ------------------------------------------------------------------------------------
    def _read(self, fn: Callable[[Conn], T]) -> T:
        with self.pool.connection() as raw:
            return fn(Conn(raw, self._trace))

    async def fetchall(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        return await self.run(lambda c: c.execute(sql, params).fetchall())

    async def fetchone(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Row | None:
        return await self.run(lambda c: c.execute(sql, params).fetchone())

    async def scalar(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        row = await self.fetchone(sql, params)
        return None if row is None else row[0]

    def set_trace(self, fn: Callable[[str], None] | None) -> None:
        """Call `fn(sql)` for every statement read outside a unit (storage.db.Database.set_trace)."""
        self._trace = fn

    async def table_names(self) -> list[str]:
        return [r[0] for r in await self.fetchall(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")]

    async def run(self, fn: Callable[[Conn], T]) -> T:
        """Run `fn(connection)` with several reads at once (committed data)."""
        async with self._readers:
            return await self._call(self._read, fn)

    # -- writes -----------------------------------------------------------------------------------
    @staticmethod
    def _begin(conn: Conn, mark: int | None) -> None:
        conn.raw.execute("BEGIN")
        if mark is not None and not conn.raw.execute(to_postgres(MARK_SQL), (mark, int(time.time()))).rowcount:
            raise UpdateAlreadyHandled(mark)

    def _unit(self, fn: Callable[[Conn], T], mark: int | None) -> T:
        with self.pool.connection() as raw:
            conn = Conn(raw)
            try:
                self._begin(conn, mark)
                result = fn(conn)
                raw.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    raw.execute("ROLLBACK")
                raise
        self.commits += 1
        return result

    async def unit(self, fn: Callable[[Conn], T]) -> T:
        """A write unit as one plain function of the connection: one transaction on one pooled connection,
        in a worker thread; the update's mark included; committed when this returns."""
        current = CURRENT_UPDATE.get()
        mark = current[0] if current is not None and not current[1] else None
        async with self._writers:
            result = await self._call(self._unit, fn, mark)
        if current is not None:
            current[1] = True
        return result

    @asynccontextmanager
    async def tx(self, *, mark: bool = True) -> AsyncIterator[PgTx]:
        """A write unit whose statements are awaited one by one: one transaction on one pooled connection,
        committed when the block exits. mark=False for incidental writes (storage.db.Database.tx)."""
        current = CURRENT_UPDATE.get() if mark else None
        mark_id = current[0] if current is not None and not current[1] else None
        async with self._writers:
            raw = await self._call(self.pool.getconn)
            conn = Conn(raw)
            try:
                await self._call(self._begin, conn, mark_id)
                yield PgTx(conn, self._call)
                await self._call(raw.execute, "COMMIT")
                self.commits += 1
            except BaseException:
                if conn.in_transaction:
                    await asyncio.shield(self._call(raw.execute, "ROLLBACK"))
                raise
            finally:
                self.pool.putconn(raw)
        if current is not None:
            current[1] = True

    async def flush(self) -> None:
        """Every unit is committed when it returns: nothing waits."""

    async def checkpoint(self, attempts: int = 5) -> bool:
        """SQLite's WAL checkpoint after an erasure. Nothing here does its work on PostgreSQL: erased rows stay
        in the table files as dead tuples (even after a plain VACUUM) and in the WAL (docs/operations.md,
        "Personal data", "On disk, PostgreSQL")."""
        return True


class PgTx:
    """The statements of one `tx()` unit, each run in a worker thread on the unit's connection."""

    def __init__(self, conn: Conn, call: Callable[..., Any]) -> None:
        self.conn = conn
        self._call = call

    async def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Cursor:
        return await self._call(self.conn.execute, sql, params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        await self._call(self.conn.executemany, sql, list(rows))

    async def insert(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        return await self._call(self.conn.insert, sql, params)

    async def fetchone(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Row | None:
        return await self._call(lambda: self.conn.execute(sql, params).fetchone())

    async def fetchall(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        return await self._call(lambda: self.conn.execute(sql, params).fetchall())
