"""What the operations endpoints read (issue 16): the schema's applied version and the outbox backlog.
Plain statements through the Database's public reads, so any backend that has `schema_migrations` and
`outbox` answers them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Backlog:
    count: int  # outbox keys not settled yet ('pending' or 'sending')
    oldest_created_at: int | None  # unix seconds of the oldest of them


class Health:
    def __init__(self, db: Any) -> None:
        self.db = db

    async def applied_version(self) -> int:
        """The highest migration applied (0 for an empty database); raises if the database is unreachable."""
        return int(await self.db.scalar("SELECT COALESCE(MAX(version), 0) FROM schema_migrations") or 0)

    async def outbox_backlog(self) -> Backlog:
        row = await self.db.fetchone("SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox"
                                     " WHERE status IN ('pending', 'sending')")
        if row is None:
            return Backlog(0, None)
        return Backlog(int(row["n"]), None if row["oldest"] is None else int(row["oldest"]))
