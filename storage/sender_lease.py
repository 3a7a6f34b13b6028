"""Which worker sends, and which runs each tick (PostgreSQL, several worker processes): session-level advisory
locks, each held on a connection of its own (not one of the pool's, which come and go).

`pg_try_advisory_lock` never waits: the worker that gets it is the sender until its session ends. When the
holder dies (kill -9, a crashed machine), PostgreSQL ends its session — at once when the socket closes,
within the TCP keepalive time (about 5 + 3 x 2 s here) when the machine vanishes — and the lock with it;
another worker's next try (every few seconds) takes it. The holder checks its own connection before each
use, so a holder whose connection broke stops acting as the sender even before it reconnects."""

from __future__ import annotations

import asyncio
import logging
import os
import zlib
from typing import Any

log = logging.getLogger(__name__)
SENDER_LOCK_KEY = 0x4B6F6D62  # "Komb": one lock per database (advisory locks are per database)
_KEEPALIVE = {"keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 3,
              "connect_timeout": 5}


class SenderLease:
    def __init__(self, url: str, key: int = SENDER_LOCK_KEY) -> None:
        self.url = url
        self.key = key
        self.name = f"kombel-sender-{os.getpid()}"  # pg_stat_activity shows which process holds the lease
        self._conn: Any = None
        self._held = False
        self._lock = asyncio.Lock()

    @property
    def held(self) -> bool:
        """As of the last `refresh` (no round trip)."""
        return self._held

    def _drop(self, *, unlock: bool = False) -> None:
        conn, held, self._conn, self._held = self._conn, self._held, None, False
        if conn is None:
            return
        try:
            if unlock and held:  # handed over now: closing alone frees it only once the server notices
                conn.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
        except Exception:  # already broken: its session, and the lock, end with it
            pass
        try:
            conn.close()
        except Exception:  # already broken
            pass

    def _refresh(self) -> bool:
        import psycopg

        try:
            if self._conn is None or self._conn.closed:
                self._conn = psycopg.connect(self.url, autocommit=True, application_name=self.name, **_KEEPALIVE)
                self._held = False
            if self._held:
                self._conn.execute("SELECT 1")  # still our session, so still our lock
            else:
                self._held = bool(self._conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()[0])
        except psycopg.Error as exc:
            if self._held:
                log.warning("sender lease: connection lost (%s); no longer the sender", type(exc).__name__)
            self._drop()
        return self._held

    async def refresh(self) -> bool:
        """Keep the lock if held (checking the session is alive), else try to take it. True = the sender."""
        async with self._lock:
            was = self._held
            now = await asyncio.to_thread(self._refresh)
            if now and not was:
                log.info("sender lease taken: this worker sends the outbox")
            return now

    async def release(self) -> None:
        async with self._lock:
            await asyncio.to_thread(self._drop, unlock=True)


TICK_LOCK_SPACE = SENDER_LOCK_KEY + 1  # the first key of the two-key advisory locks of the scheduler's ticks


def tick_key(name: str) -> int:
    """A stable 31-bit number for a tick's name (the second key of its advisory lock)."""
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


class TickLocks:
    """Each feature's tick runs in one worker at a time, whichever worker's pass reaches it first: a session
    advisory lock per tick name, tried (never waited for) on a connection of this process's own and released
    when the tick ends; a worker that dies mid-tick loses its locks with its session. Every worker runs the
    pass; two passes side by side split the features between them instead of doing one twice."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._conn: Any = None
        self._lock = asyncio.Lock()

    def _do(self, sql: str, key: int) -> bool:
        import psycopg

        try:
            if self._conn is None or self._conn.closed:
                self._conn = psycopg.connect(self.url, autocommit=True, application_name=f"kombel-ticks-{os.getpid()}",
                                             **_KEEPALIVE)
            return bool(self._conn.execute(sql, (TICK_LOCK_SPACE, key)).fetchone()[0])
        except psycopg.Error as exc:  # no lock can be held on a broken session: it ended with it
            log.warning("tick locks: connection lost (%s)", type(exc).__name__)
            conn, self._conn = self._conn, None
            if conn is not None:
                try:
                    conn.close()
                except Exception:  # already broken
                    pass
            return False

    async def try_take(self, name: str) -> bool:
        async with self._lock:
            return await asyncio.to_thread(self._do, "SELECT pg_try_advisory_lock(%s, %s)", tick_key(name))

    async def give_back(self, name: str) -> None:
        async with self._lock:
            await asyncio.to_thread(self._do, "SELECT pg_advisory_unlock(%s, %s)", tick_key(name))

    async def close(self) -> None:
        async with self._lock:
            conn, self._conn = self._conn, None
            if conn is not None:
                await asyncio.to_thread(conn.close)
