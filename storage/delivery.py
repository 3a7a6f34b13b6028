"""The outbox as the delivery code drives it: claim-and-mark 'sending' in one durable write before the
call to Telegram, then settle. Reads of the ledger for reports on ambiguity (tests, operators).

Status: pending -> sending -> sent | pending (retry later) | skipped (never). `ambiguous` counts attempts
whose outcome is unknown (a process died while the entry was 'sending', or the call timed out).

Queueing (several workers): `queue` writes a row with what to send (`payload`, a photo's `body`) — the
unique key is the claim: of two workers queueing the same key, one inserts and the other finds it there —
and `also(tx)` in the same transaction: the due row it advances. `also` must be idempotent (it sets, never adds):
it runs in both workers' transactions, the second after the first has committed (PostgreSQL makes the second
insert of a key wait for the first), so the row is never queued without its advance, nor advanced twice.
`owed` lists what the sender still has to send, oldest first."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from storage.db import Database


@dataclass(frozen=True)
class Owed:
    key: str
    chat_id: int
    payload: str | None = None  # `queued` reads it; `owed` lists keys only (the send reads the row it claims)
    body: bytes | None = None


@dataclass(frozen=True)
class Attempt:
    key: str
    chat_id: int
    status: str               # the status found before this attempt
    message_id: int | None
    ambiguous: int            # after counting this attempt's predecessor, if it was left 'sending'
    was_sending: bool         # the previous attempt died during its call
    payload: str | None = None  # what to send (read with the claim: the sender does not read the row twice)
    body: bytes | None = None


class DeliveryLedger:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def queue(self, key: str, chat_id: int, now: int, payload: str, body: bytes | None = None, *,
                    by: str | None = None, also: Callable[[Any], Awaitable[None]] | None = None) -> bool:
        """Queue what `key` names, unless a row for it exists; True when this call queued it (and ran `also`).
        A row without a payload (an older attempt of the same key, before rows carried one) gets this one."""
        async with self.db.tx() as tx:
            rows = await tx.fetchall(
                "INSERT INTO outbox (key, chat_id, created_at, payload, body, seq, queued_in)"
                " VALUES (?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox), ?)"
                " ON CONFLICT (key) DO NOTHING RETURNING key", (key, chat_id, now, payload, body, by))
            if not rows:
                await tx.execute("UPDATE outbox SET payload = ?, body = ? WHERE key = ? AND payload IS NULL"
                                 " AND status IN ('pending', 'sending')", (payload, body, key))
            if also is not None:
                await also(tx)
        return bool(rows)

    async def owed(self, now: int, retry_after: int, limit: int = 500) -> list[Owed]:
        """What is queued and not yet settled, in order: never tried, left 'sending' by a sender that died, or
        failed for now (timeout, network) at least `retry_after` × attempts² seconds ago (at most 10 minutes:
        Telegram down for an hour is not asked 10,000 times a second)."""
        rows = await self.db.fetchall(
            "SELECT key, chat_id FROM outbox WHERE status IN ('pending', 'sending')"
            " AND payload IS NOT NULL AND (status = 'sending' OR attempts = 0 OR sending_at IS NULL"
            " OR sending_at <= ? - CASE WHEN attempts >= 10 THEN 600 ELSE ? * attempts * attempts END)"
            " ORDER BY seq, key LIMIT ?", (now, retry_after, limit))
        return [Owed(r["key"], r["chat_id"]) for r in rows]

    async def queued(self, key: str) -> Owed | None:
        row = await self.db.fetchone("SELECT key, chat_id, payload, body FROM outbox WHERE key = ?"
                                     " AND payload IS NOT NULL", (key,))
        return None if row is None else Owed(row["key"], row["chat_id"], row["payload"],
                                             None if row["body"] is None else bytes(row["body"]))

    async def begin(self, key: str, chat_id: int, now: int) -> Attempt:
        """Create the entry if new; unless already settled (sent/skipped), mark it 'sending' — durable when
        this returns, so a crash during the call that follows leaves a visible trace."""
        async with self.db.tx() as tx:
            await tx.execute("INSERT INTO outbox (key, chat_id, created_at) VALUES (?, ?, ?)"
                             " ON CONFLICT (key) DO NOTHING", (key, chat_id, now))
            # PostgreSQL: the row stays locked until this claim commits; another worker claiming the same key
            # meanwhile skips it ('busy') instead of waiting and marking it 'sending' a second time
            row = await tx.fetchone("SELECT chat_id, status, message_id, ambiguous, payload, body FROM outbox"
                                    " WHERE key = ?" + self.db.LOCK_ROWS, (key,))
            if row is None:
                return Attempt(key, chat_id, "busy", None, 0, False)
            status, ambiguous = row["status"], row["ambiguous"]
            was_sending = status == "sending"
            if status not in ("sent", "skipped"):
                ambiguous += int(was_sending)
                await tx.execute("UPDATE outbox SET status = 'sending', sending_at = ?, ambiguous = ? WHERE key = ?",
                                 (now, ambiguous, key))
        return Attempt(key, row["chat_id"], status, row["message_id"], ambiguous, was_sending, row["payload"],
                       None if row["body"] is None else bytes(row["body"]))

    async def settle(self, key: str, status: str, now: int, *, message_id: int | None = None,
                     error: str | None = None, ambiguous: bool = False,
                     also: Callable[[Any], Awaitable[None]] | None = None) -> None:
        """Record the attempt's outcome; `also(tx)` writes what the sent message makes true (e.g. "this
        message is a cycle question") in the same commit, so a crash never separates the two."""
        async with self.db.tx() as tx:
            await tx.execute(
                "UPDATE outbox SET status = ?, message_id = COALESCE(?, message_id), attempts = attempts + 1,"
                " last_error = ?, ambiguous = ambiguous + ?,"
                " sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END,"
                # what to send (its text, a photo's bytes) is kept until settled: a sent row keeps no message text
                " payload = CASE WHEN ? = 'pending' THEN payload END, body = CASE WHEN ? = 'pending' THEN body END"
                " WHERE key = ?", (status, message_id, error, int(ambiguous), status, now, status, status, key))
            if also is not None:
                await also(tx)

    async def abandon(self, key: str, now: int, reason: str) -> None:
        """A key not yet sent that is no longer wanted (a reminder to someone who has answered since): 'skipped',
        so no pass sends it; a key already sent or settled is left as it is."""
        async with self.db.tx() as tx:
            await tx.execute("UPDATE outbox SET status = 'skipped', last_error = ?, sent_at = ?, payload = NULL,"
                             " body = NULL WHERE key = ?"
                             " AND status IN ('pending', 'sending')", (reason, now, key))

    async def ambiguous(self) -> dict[str, int]:
        """Keys that may have reached their chat more than once: key -> ambiguous attempts."""
        rows = await self.db.fetchall("SELECT key, ambiguous FROM outbox WHERE ambiguous > 0 ORDER BY key")
        return {r["key"]: r["ambiguous"] for r in rows}
