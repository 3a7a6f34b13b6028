"""The outbox as the delivery code drives it: claim-and-mark 'sending' in one durable write before the
call to Telegram, then settle. Reads of the ledger for reports on ambiguity (tests, operators).

Status: pending -> sending -> sent | pending (retry later) | skipped (never). `ambiguous` counts attempts
whose outcome is unknown (a process died while the entry was 'sending', or the call timed out)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from storage.db import Database


@dataclass(frozen=True)
class Attempt:
    key: str
    chat_id: int
    status: str               # the status found before this attempt
    message_id: int | None
    ambiguous: int            # after counting this attempt's predecessor, if it was left 'sending'
    was_sending: bool         # the previous attempt died during its call


class DeliveryLedger:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def begin(self, key: str, chat_id: int, now: int) -> Attempt:
        """Create the entry if new; unless already settled (sent/skipped), mark it 'sending' — durable when
        this returns, so a crash during the call that follows leaves a visible trace."""
        async with self.db.tx() as tx:
            await tx.execute("INSERT INTO outbox (key, chat_id, created_at) VALUES (?, ?, ?)"
                             " ON CONFLICT (key) DO NOTHING", (key, chat_id, now))
            # PostgreSQL: the row stays locked until this claim commits; another worker claiming the same key
            # meanwhile skips it ('busy') instead of waiting and marking it 'sending' a second time
            row = await tx.fetchone("SELECT chat_id, status, message_id, ambiguous FROM outbox WHERE key = ?"
                                    + self.db.LOCK_ROWS, (key,))
            if row is None:
                return Attempt(key, chat_id, "busy", None, 0, False)
            status, ambiguous = row["status"], row["ambiguous"]
            was_sending = status == "sending"
            if status not in ("sent", "skipped"):
                ambiguous += int(was_sending)
                await tx.execute("UPDATE outbox SET status = 'sending', sending_at = ?, ambiguous = ? WHERE key = ?",
                                 (now, ambiguous, key))
        return Attempt(key, row["chat_id"], status, row["message_id"], ambiguous, was_sending)

    async def settle(self, key: str, status: str, now: int, *, message_id: int | None = None,
                     error: str | None = None, ambiguous: bool = False,
                     also: Callable[[Any], Awaitable[None]] | None = None) -> None:
        """Record the attempt's outcome; `also(tx)` writes what the sent message makes true (e.g. "this
        message is a cycle question") in the same commit, so a crash never separates the two."""
        async with self.db.tx() as tx:
            await tx.execute(
                "UPDATE outbox SET status = ?, message_id = COALESCE(?, message_id), attempts = attempts + 1,"
                " last_error = ?, ambiguous = ambiguous + ?,"
                " sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END WHERE key = ?",
                (status, message_id, error, int(ambiguous), status, now, key))
            if also is not None:
                await also(tx)

    async def abandon(self, key: str, now: int, reason: str) -> None:
        """A key not yet sent that is no longer wanted (a reminder to someone who has answered since): 'skipped',
        so no pass sends it; a key already sent or settled is left as it is."""
        async with self.db.tx() as tx:
            await tx.execute("UPDATE outbox SET status = 'skipped', last_error = ?, sent_at = ? WHERE key = ?"
                             " AND status IN ('pending', 'sending')", (reason, now, key))

    async def ambiguous(self) -> dict[str, int]:
        """Keys that may have reached their chat more than once: key -> ambiguous attempts."""
        rows = await self.db.fetchall("SELECT key, ambiguous FROM outbox WHERE ambiguous > 0 ORDER BY key")
        return {r["key"]: r["ambiguous"] for r in rows}
