"""Personal data (Indonesia's UU 27/2022 on personal data protection): export and erase a person's data,
and erase a whole community. Works from the schema itself — every table with a `user_id` column holds a
person's rows; `community_id` / `chat_id` columns tie rows to a community — so a feature's new table is
covered without code here. Audit columns that only say who created something are set to 0 (anonymised)."""

from __future__ import annotations

from typing import Any

from storage.db import Database

ANONYMISE = ("created_by", "linked_by", "used_by", "owner_id", "added_by", "updated_by")
SKIP = ("schema_migrations", "processed_updates", "sqlite_sequence")


async def _columns(db: Database) -> dict[str, list[str]]:
    tables = [r[0] for r in await db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    out = {}
    for t in tables:
        if t in SKIP:
            continue
        out[t] = [r[1] for r in await db.fetchall(f"PRAGMA table_info({t})")]
    return out


async def export_user(db: Database, user_id: int) -> dict[str, Any]:
    """Everything stored about one person, table by table."""
    data: dict[str, Any] = {}
    for table, cols in (await _columns(db)).items():
        key = "id" if table == "users" else "user_id" if "user_id" in cols else None
        if key is None:
            continue
        rows = await db.fetchall(f"SELECT * FROM {table} WHERE {key} = ?", (user_id,))
        if rows:
            data[table] = [dict(r) for r in rows]
    return data


async def erase_user(db: Database, user_id: int) -> int:
    """Delete a person's rows everywhere and anonymise 'created by' marks. Returns rows deleted."""
    cols_by_table = await _columns(db)
    deleted = 0
    async with db.tx() as tx:
        for table, cols in cols_by_table.items():
            for col in ANONYMISE:
                if col in cols:
                    await tx.execute(f"UPDATE {table} SET {col} = 0 WHERE {col} = ?", (user_id,))
            if "user_id" in cols and table != "users":
                cur = await tx.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))
                deleted += max(cur.rowcount, 0)
        cur = await tx.execute("DELETE FROM users WHERE id = ?", (user_id,))
        deleted += max(cur.rowcount, 0)
    return deleted


async def erase_community(db: Database, community_id: int) -> int:
    """Delete a community and every row tied to it (members' accounts stay: they may be in others)."""
    cols_by_table = await _columns(db)
    row = await db.fetchone("SELECT chat_id FROM communities WHERE id = ?", (community_id,))
    if row is None:
        return 0
    chat_id = row["chat_id"]
    deleted = 0
    async with db.tx() as tx:
        for table, cols in cols_by_table.items():
            if table == "communities":
                continue
            if "community_id" in cols:
                cur = await tx.execute(f"DELETE FROM {table} WHERE community_id = ?", (community_id,))
                deleted += max(cur.rowcount, 0)
            elif "chat_id" in cols:
                cur = await tx.execute(f"DELETE FROM {table} WHERE chat_id = ?", (chat_id,))
                deleted += max(cur.rowcount, 0)
        await tx.execute("UPDATE users SET current_community_id = NULL WHERE current_community_id = ?",
                         (community_id,))
        cur = await tx.execute("DELETE FROM communities WHERE id = ?", (community_id,))
        deleted += max(cur.rowcount, 0)
    return deleted
