"""Personal data (Indonesia's UU 27/2022 on personal data protection): export and erase a person's data,
and erase a whole community.

Both work from the live schema, not from a list of tables, so a feature's new table is covered without
code here as long as its columns follow the naming rule below (`tests/test_personal_data.py` seeds a person
into every column the rule finds, erases, and searches every table and the raw bytes of the database and
its `-wal`/`-shm` files; it also fails on a column whose name suggests a person but which the rule misses).

The rule — which columns hold a person, and what erasing them does:

| kind  | column name                                   | a row matches when               | erase                  |
| ----- | --------------------------------------------- | -------------------------------- | ---------------------- |
| OWNER | `user_id` (and `users.id`)                    | it is the person's id            | row deleted            |
| REF   | ends in `_user_id` or `_by`, starts `owner`   | it is the person's id            | NULL (0 if NOT NULL)*  |
| CHAT  | `chat_id` or ends in `_chat_id`               | it is the person's private chat  | see below              |
| KEY   | `key` or ends in `_key` (ids joined by `:`)   | one part is the person's id      | see below              |
| NAME  | `who` or ends in `_name` (a name typed as text) | REF names them, or the text has their name | name → "(dihapus)" |

* A row whose owner REF column (one not ending in `_by`: `owner_user_id`, not `created_by`) is the person
and whose every other set REF column is the person too is theirs alone and is deleted, like an OWNER row
(an RTL item they wrote for themselves); one that someone else wrote for them, or that they wrote for
someone else, is the community's and stays, anonymised.

A private chat's id is the person's user id, so CHAT and KEY columns find messages and conversations with
them (the outbox's private reminders and digests, a survey started from a private chat). A table with no
`community_id` (the outbox) is about that chat only: its row is deleted. A community's row (a meeting
series, an RTL item, a survey) stays for the community, with the chat id set to 0 and its message id
(`<prefix>message_id`) to minus the rowid, or the key replaced by `erased:<rowid>`, so UNIQUE keys hold.

NAME (only in tables without an OWNER column: there a name is the owner's own, `users.first_name`, and
goes with the row): in a row of a community they belonged to (member or principal), or a row whose owner
REF column (not a `_by` audit mark) is the person, every whole-word occurrence of their full name, first
name, last name or @username is replaced, case-insensitively ("Ani dan Budi" → "(dihapus) dan Budi"); if
the owner column is the person and no name is found ("saya"), the whole text is replaced. The
placeholder is given per locale by the caller (ui string `privacy.erased_name`), in the row's community's
locale. A name in a community the person never belonged to is someone else's.

Free text written by others (an answer, an agenda) is not searched for names; text the person wrote
(answers, journal, logs, good practices) is in rows they own and goes with them.

`/dataku` exports exactly the rows the erase deletes or changes, as they are before it (the same plan,
`erasure_plan`): every row about the person, no more.
"""

from __future__ import annotations

import base64
import re
import sqlite3
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from storage.db import Database

OWNER, REF, CHAT, KEY, NAME = "owner", "ref", "chat", "key", "name"

Fetch = Callable[[str, Sequence[Any]], Awaitable[list[sqlite3.Row]]]


@dataclass(frozen=True)
class Column:
    name: str
    notnull: bool


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def of_kind(self, kind: str) -> list[Column]:
        return [c for c in self.columns if person_kind(self.name, c.name) == kind]


def person_kind(table: str, column: str) -> str | None:
    """The rule: which kind of person column `table.column` is (None: not a person's)."""
    c = column.lower()
    if c == "user_id" or (table == "users" and c == "id"):
        return OWNER
    if c.endswith("_user_id") or c.endswith("_by") or c.startswith("owner"):
        return REF
    if c == "chat_id" or c.endswith("_chat_id"):
        return CHAT
    if c == "key" or c.endswith("_key"):
        return KEY
    if c == "who" or c.endswith("_name"):
        return NAME
    return None


def name_columns(table: Table) -> list[Column]:
    """NAME columns that hold names typed about someone: in a table with an OWNER column they are the
    owner's own name (`users.first_name`), which goes with the owner's row."""
    return [] if table.of_kind(OWNER) else table.of_kind(NAME)


async def schema(fetch: Fetch) -> list[Table]:
    names = [r[0] for r in await fetch(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name", ())]
    out = []
    for t in names:
        cols = await fetch(f"PRAGMA table_info({t})", ())
        out.append(Table(t, tuple(Column(r["name"], bool(r["notnull"])) for r in cols)))
    return out


@dataclass
class Change:
    table: str
    rowid: int
    before: dict[str, Any]
    delete: bool
    updates: dict[str, Any] = field(default_factory=dict)


@dataclass
class Person:
    user_id: int
    names: list[str]                   # longest first, each at least 2 characters
    communities: set[int]              # where they are or were a member or principal

    def name_re(self) -> re.Pattern[str] | None:
        if not self.names:
            return None
        alts = "|".join(re.escape(n) for n in self.names)
        return re.compile(rf"(?<![\w@])@?(?:{alts})(?!\w)", re.IGNORECASE)


async def _person(fetch: Fetch, user_id: int) -> Person:
    row = (await fetch("SELECT first_name, last_name, username FROM users WHERE id = ?", (user_id,)) or [None])[0]
    names: set[str] = set()
    if row is not None:
        first, last, username = (row["first_name"] or "").strip(), (row["last_name"] or "").strip(), row["username"]
        names.update(n for n in (first, last, f"{first} {last}".strip(), username or "") if len(n) >= 2)
    communities = {int(r[0]) for r in await fetch(
        "SELECT community_id FROM members WHERE user_id = ? UNION SELECT community_id FROM principals"
        " WHERE user_id = ?", (user_id, user_id))}
    return Person(user_id, sorted(names, key=lambda n: (-len(n), n)), communities)


def _owns(column: Column) -> bool:
    """A REF column that says whose the row is (`owner_user_id`), not who did something (`created_by`)."""
    return not column.name.lower().endswith("_by")


def _has_part(value: Any, user_id: int) -> bool:
    return isinstance(value, str) and str(user_id) in value.split(":")


@dataclass
class _Plan:
    """What the erase knows while it walks the tables."""
    person: Person
    name_re: re.Pattern[str] | None
    labels: Mapping[str, str]
    locales: dict[int, str]

    def label(self, community: Any) -> str:
        return self.labels.get(self.locales.get(community, ""), self.labels.get("id") or next(iter(self.labels.values())))


def _kinds(table: Table) -> dict[str, list[Column]]:
    kinds = {k: table.of_kind(k) for k in (OWNER, REF, CHAT, KEY)}
    kinds[NAME] = name_columns(table)
    return kinds


def _where(kinds: dict[str, list[Column]], person: Person) -> tuple[str, list[Any]]:
    """A coarse filter for the rows that may hold the person (`_change` decides)."""
    uid = str(person.user_id)
    conds: list[str] = []
    params: list[Any] = []
    for c in kinds[OWNER] + kinds[REF] + kinds[CHAT]:
        conds.append(f'"{c.name}" = ?')
        params.append(person.user_id)
    for c in kinds[KEY]:
        conds.append(f'"{c.name}" LIKE ?')
        params.append(f"%{uid}%")
    for c in kinds[NAME]:
        for n in person.names:
            conds.append(f'"{c.name}" LIKE ?')
            params.append(f"%{n}%")
    return " OR ".join(conds), params


def _change(plan: _Plan, table: Table, kinds: dict[str, list[Column]], rowid: int,
            row: dict[str, Any]) -> Change | None:
    """What the erase does to one row (the module's rule), or None if the row does not hold the person."""
    uid = plan.person.user_id
    if any(row[c.name] == uid for c in kinds[OWNER]):
        return Change(table.name, rowid, row, True)
    refs = [c for c in kinds[REF] if row[c.name] not in (None, 0)]
    if any(_owns(c) for c in refs) and all(row[c.name] == uid for c in refs):
        return Change(table.name, rowid, row, True)  # theirs alone: an RTL item they wrote for themselves
    community_bound = "community_id" in table.names
    chat_hits = [c for c in kinds[CHAT] if row[c.name] == uid]
    key_hits = [c for c in kinds[KEY] if _has_part(row[c.name], uid)]
    if (chat_hits or key_hits) and not community_bound:
        return Change(table.name, rowid, row, True)  # a message to their private chat
    updates: dict[str, Any] = {}
    owner_hit = False
    for c in kinds[REF]:
        if row[c.name] == uid:
            updates[c.name] = 0 if c.notnull else None
            owner_hit = owner_hit or _owns(c)
    for c in chat_hits:
        updates[c.name] = 0
        paired = c.name[: -len("chat_id")] + "message_id"
        if paired in table.names:
            updates[paired] = -rowid  # keeps UNIQUE (chat, message) among erased rows
    for c in key_hits:
        updates[c.name] = f"erased:{rowid}"
    community = row.get("community_id")
    if owner_hit or not community_bound or community in plan.person.communities:
        label = plan.label(community)
        for c in kinds[NAME]:
            text = row[c.name]
            if not isinstance(text, str) or not text:
                continue
            new = plan.name_re.sub(label, text) if plan.name_re is not None else text
            if new == text and owner_hit:
                new = label  # "saya", a nickname: the owner column said it was them
            if new != text:
                updates[c.name] = new
    return Change(table.name, rowid, row, False, updates) if updates else None


async def erasure_plan(fetch: Fetch, user_id: int, labels: Mapping[str, str]) -> list[Change]:
    """Every row the erase of `user_id` deletes or changes, with the change. Reads only."""
    person = await _person(fetch, user_id)
    locales = {int(r[0]): r[1] for r in await fetch("SELECT id, locale FROM communities", ())}
    plan = _Plan(person, person.name_re(), labels, locales)
    out: list[Change] = []
    for table in await schema(fetch):
        kinds = _kinds(table)
        where, params = _where(kinds, person)
        if not where:
            continue
        for r in await fetch(f'SELECT rowid AS "__rowid__", * FROM "{table.name}" WHERE {where}', params):
            row = dict(r)
            change = _change(plan, table, kinds, int(row.pop("__rowid__")), row)
            if change is not None:
                out.append(change)
    return out


async def export_user(db: Database, user_id: int, labels: Mapping[str, str]) -> dict[str, Any]:
    """Everything stored about one person, table by table: exactly the rows `erase_user` deletes or changes,
    as they are now."""
    data: dict[str, list[dict[str, Any]]] = {}
    for ch in await erasure_plan(_reader(db), user_id, labels):
        data.setdefault(ch.table, []).append({k: exportable(v) for k, v in ch.before.items()})
    return data


def exportable(value: Any) -> Any:
    """A cell as the JSON export carries it: bytes (a photo queued for their chat) as base64 text."""
    if isinstance(value, (bytes, memoryview)):
        return "base64:" + base64.b64encode(bytes(value)).decode("ascii")
    return value


async def erase_user(db: Database, user_id: int, labels: Mapping[str, str]) -> list[Change]:
    """Delete the person's rows everywhere and anonymise the community rows that name them (the module's
    rule), then empty the `-wal` file so the old pages are gone from disk too (deleted content in the main
    file is overwritten with zeros: `secure_delete`). Returns what changed."""
    async with db.tx() as tx:
        plan = await erasure_plan(tx.fetchall, user_id, labels)
        for ch in plan:
            if ch.delete:
                await tx.execute(f'DELETE FROM "{ch.table}" WHERE rowid = ?', (ch.rowid,))
            else:
                sets = ", ".join(f'"{c}" = ?' for c in ch.updates)
                await tx.execute(f'UPDATE "{ch.table}" SET {sets} WHERE rowid = ?', (*ch.updates.values(), ch.rowid))
    await db.checkpoint()
    return plan


def _reader(db: Database) -> Fetch:
    async def fetch(sql: str, params: Sequence[Any]) -> list[sqlite3.Row]:
        return await db.fetchall(sql, params)
    return fetch


async def erase_community(db: Database, community_id: int) -> int:
    """Delete a community and every row tied to it (members' accounts stay: they may be in others)."""
    tables = await schema(_reader(db))
    row = await db.fetchone("SELECT chat_id FROM communities WHERE id = ?", (community_id,))
    if row is None:
        return 0
    chat_id = row["chat_id"]
    deleted = 0
    async with db.tx() as tx:
        for table in tables:
            if table.name == "communities":
                continue
            if "community_id" in table.names:
                cur = await tx.execute(f"DELETE FROM {table.name} WHERE community_id = ?", (community_id,))
                deleted += max(cur.rowcount, 0)
            elif "chat_id" in table.names:
                cur = await tx.execute(f"DELETE FROM {table.name} WHERE chat_id = ?", (chat_id,))
                deleted += max(cur.rowcount, 0)
        await tx.execute("UPDATE users SET current_community_id = NULL WHERE current_community_id = ?",
                         (community_id,))
        cur = await tx.execute("DELETE FROM communities WHERE id = ?", (community_id,))
        deleted += max(cur.rowcount, 0)
    await db.checkpoint()
    return deleted
