"""Principals (kepala sekolah) and the single-use links that make someone one: a PIC creates a link, the
principal opens it once in private. Only a hash of the link's token is stored."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from storage.db import Database
from storage.models import Community, User


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class LinkResult:
    status: str  # ok | unknown | used | expired | already
    community_id: int | None = None


class Principals:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create_link(self, community_id: int, created_by: int, token: str, now: int, expires_at: int) -> None:
        async with self.db.tx() as tx:
            await tx.execute(
                "INSERT INTO principal_links (token_hash, community_id, created_by, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?)", (token_hash(token), community_id, created_by, now, expires_at))

    async def redeem(self, token: str, user_id: int, now: int) -> LinkResult:
        """Use a link once: checks and marks it in one write unit, so two presses cannot both succeed."""
        async with self.db.tx() as tx:
            row = await tx.fetchone("SELECT * FROM principal_links WHERE token_hash = ?", (token_hash(token),))
            if row is None:
                return LinkResult("unknown")
            if row["used_at"] is not None:
                return LinkResult("used", row["community_id"])
            if row["expires_at"] <= now:
                return LinkResult("expired", row["community_id"])
            await tx.execute("UPDATE principal_links SET used_at = ?, used_by = ? WHERE token_hash = ?",
                             (now, user_id, row["token_hash"]))
            cur = await tx.execute(
                "INSERT INTO principals (community_id, user_id, linked_at, linked_by) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (community_id, user_id) DO NOTHING",
                (row["community_id"], user_id, now, row["created_by"]))
            return LinkResult("ok" if cur.rowcount else "already", row["community_id"])

    async def unlink(self, community_id: int, user_id: int) -> bool:
        async with self.db.tx() as tx:
            cur = await tx.execute("DELETE FROM principals WHERE community_id = ? AND user_id = ?",
                                   (community_id, user_id))
            return bool(cur.rowcount)

    async def of_community(self, community_id: int) -> list[User]:
        rows = await self.db.fetchall(
            "SELECT u.* FROM users u JOIN principals p ON p.user_id = u.id WHERE p.community_id = ? ORDER BY u.id",
            (community_id,))
        return [User.from_row(r) for r in rows]

    async def communities_of(self, user_id: int) -> list[Community]:
        rows = await self.db.fetchall(
            "SELECT c.* FROM communities c JOIN principals p ON p.community_id = c.id WHERE p.user_id = ?"
            " ORDER BY c.id", (user_id,))
        return [Community.from_row(r) for r in rows]

    async def is_principal(self, community_id: int, user_id: int) -> bool:
        return await self.db.scalar("SELECT 1 FROM principals WHERE community_id = ? AND user_id = ?",
                                    (community_id, user_id)) is not None
