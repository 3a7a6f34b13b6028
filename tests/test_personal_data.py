"""/hapusdataku leaves no trace of the person, driven by the schema (`storage.privacy`'s rule).

The seed reads every table and column from the database's catalogue (SQLite's, or PostgreSQL's on the
PostgreSQL run), so a table a later migration adds is seeded too: one person is put into every column the
rule says can hold a person (their id, their private chat id, a key with their id, their name typed as
text), with their own rows full of their answer text; everybody else's rows go in beside them, in one write
unit with every constraint on (foreign keys included). After the erase no table holds their id, name or
answer text, on SQLite the raw bytes of the database, `-wal` and `-shm` files hold none of it either,
nobody else's row changed, and the export taken before is exactly the rows the erase deleted or changed. A column whose name suggests a
person but that the rule does not cover fails `test_every_column_that_names_a_person_is_covered`."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from storage.backends import is_postgres, make_database
from storage.privacy import CHAT, KEY, NAME, OWNER, REF, erase_user, export_user, exportable, person_kind
from storage.repos import Repos

LABELS = {"id": "(dihapus)", "en": "(deleted)"}
SECRET = 7_000_000_123          # needs 6 bytes in a record: finding those bytes by chance is implausible
OTHER = 5_000_000_321
FIRST, LAST, USERNAME = "Zubaedah", "Kartikasari", "zubaedah_kk"
ANSWER = "Anak-anak menulis puisi tentang laut qx7"   # only the person wrote this
GROUP_A, GROUP_B = -1009000000001, -1009000000002     # A: the person's community; B: someone else's
NOW = 1_790_000_000

# Words that, as a part of a column name, suggest a person. Every such column must be one of the rule's
# kinds, or listed here with the reason it holds no person.
PERSON_WORDS = {"user", "users", "author", "member", "person", "people", "teacher", "owner", "respondent",
                "principal", "sender", "recipient", "student", "pic", "by", "chat", "name", "who", "from",
                "observer", "assignee", "reviewer", "participant", "guru", "nama"}
NOT_A_PERSON = {
    ("communities", "name"): "the community's own name",
    ("communities", "chat_title"): "the group's title",
    ("members", "pic"): "a flag: named PIC or not",
    ("flows", "name"): "the conversation's name (rtl_add, ...)",
    ("schema_migrations", "name"): "a migration's file name",
    ("report_watermarks", "name"): "a watermark's name",
}


def uncovered(tables: dict[str, list[tuple[str, str]]], fks: dict[str, list[tuple[str, ...]]]) -> list[str]:
    """Columns that look like they hold a person (a word of their name, or a reference to users) but that
    the rule does not cover."""
    out = []
    for table, cols in tables.items():
        users_refs = {fk[0] for fk in fks.get(table, []) if fk[1] == "users"}
        for col, _ in cols:
            words = set(col.lower().split("_"))
            suspicious = bool(words & PERSON_WORDS) or col in users_refs
            if suspicious and person_kind(table, col) is None and (table, col) not in NOT_A_PERSON:
                out.append(f"{table}.{col}")
    return out


Tables = dict[str, list[tuple[str, str]]]     # table -> [(column, TYPE)]
Fks = dict[str, list[tuple[str, str, str]]]     # table -> [(column, parent table, parent column)]

_PG_TYPES = {"BIGINT": "INTEGER", "INTEGER": "INTEGER", "SMALLINT": "INTEGER", "DOUBLE PRECISION": "REAL",
             "REAL": "REAL", "TEXT": "TEXT", "BYTEA": "BLOB"}
_PG_FKS = """SELECT cl.relname, a.attname, pcl.relname, pa.attname FROM pg_constraint c
    JOIN pg_class cl ON cl.oid = c.conrelid JOIN pg_class pcl ON pcl.oid = c.confrelid
    JOIN LATERAL unnest(c.conkey, c.confkey) AS k(col, pcol) ON true
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.col
    JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = k.pcol
    WHERE c.contype = 'f' AND cl.relnamespace = current_schema()::regnamespace"""


def _schema(conn: Any) -> tuple[Tables, Fks, dict[str, set[str]]]:
    """Every table's columns (SQLite's type names; on PostgreSQL its types mapped to them), foreign keys and
    the columns the database fills itself (SQLite's rowid alias, PostgreSQL's identity), from the catalogue
    of `conn`: a sqlite3 connection or a storage.pg connection (what `db.run` and `db.unit` hand over)."""
    raw = getattr(conn, "raw", None)  # storage.pg.Conn: the catalogue is PostgreSQL's, queried untranslated
    if raw is not None:
        cols = raw.execute("SELECT table_name, column_name, upper(data_type), is_identity FROM"
                           " information_schema.columns WHERE table_schema = current_schema()"
                           " ORDER BY table_name, ordinal_position").fetchall()
        tables: Tables = {}
        auto: dict[str, set[str]] = {}
        for t, c, typ, identity in cols:
            tables.setdefault(t, []).append((c, _PG_TYPES[typ]))
            if identity == "YES":
                auto.setdefault(t, set()).add(c)
        fks: Fks = {t: [] for t in tables}
        for t, c, parent, pcol in raw.execute(_PG_FKS).fetchall():
            fks[t].append((c, parent, pcol))
        return dict(sorted(tables.items())), fks, auto
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    infos = {t: conn.execute(f"PRAGMA table_info({t})").fetchall() for t in names}
    tables = {t: [(r[1], (r[2] or "").upper()) for r in info] for t, info in infos.items()}
    fks = {t: [(r[3], r[2], r[4]) for r in conn.execute(f"PRAGMA foreign_key_list({t})")] for t in names}
    pks = {t: [r for r in info if r[5]] for t, info in infos.items()}
    auto = {t: {pk[0][1]} for t, pk in pks.items() if len(pk) == 1 and pk[0][2].upper() == "INTEGER"}
    return tables, fks, auto


@pytest.fixture
async def db(db_target):
    database = await make_database(db_target).open()
    yield database
    await database.close()


async def test_every_column_that_names_a_person_is_covered(db):
    tables, fks, _ = await db.run(_schema)
    assert uncovered(tables, fks) == []
    # the check itself: a new table with a person under another name is caught, one following the rule is not
    assert uncovered({"lesson_notes": [("teacher_id", "INTEGER")], "x": [("author", "TEXT")]}, {}) == [
        "lesson_notes.teacher_id", "x.author"]
    assert uncovered({"peer_visits": [("observer_user_id", "INTEGER"), ("reviewed_by", "INTEGER"),
                                      ("host_chat_id", "INTEGER"), ("guest_name", "TEXT")]}, {}) == []
    assert uncovered({"t": [("mentor", "INTEGER")]}, {"t": [("mentor", "users")]}) == ["t.mentor"]
    # what the rule says of the columns the issue names
    kinds = {(t, c): person_kind(t, c) for t, c in (
        ("rtl_items", "owner_user_id"), ("rtl_items", "who"), ("rtl_items", "origin_chat_id"),
        ("rtl_items", "created_by"), ("outbox", "chat_id"), ("outbox", "key"), ("surveys", "source_key"),
        ("users", "id"), ("attendance", "marked_by"), ("cycles", "started_by"), ("users", "first_name"))}
    assert kinds == {
        ("rtl_items", "owner_user_id"): REF, ("rtl_items", "who"): NAME, ("rtl_items", "origin_chat_id"): CHAT,
        ("rtl_items", "created_by"): REF, ("outbox", "chat_id"): CHAT, ("outbox", "key"): KEY,
        ("surveys", "source_key"): KEY, ("users", "id"): OWNER, ("attendance", "marked_by"): REF,
        ("cycles", "started_by"): REF, ("users", "first_name"): NAME}


# -- the seed ---------------------------------------------------------------------------------------
class Seeder:
    """Fills any schema: a background row per table (someone else, community B), then for each person
    column a row holding the person (community A)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn  # inside one write unit (`db.unit(Seeder.seed)`): sqlite3's or storage.pg's
        self.tables, self.fks, self.auto = _schema(conn)
        self.n = 1000
        self.background: dict[str, int] = {}   # table -> rowid of its background row
        self.person_rows: dict[str, list[int]] = {}
        self.communities: dict[int, int] = {}

    def next(self) -> int:
        self.n += 1
        return self.n

    def order(self) -> list[str]:
        done: list[str] = []
        pending = [t for t in self.tables if t not in ("schema_migrations",)]
        while pending:
            for t in list(pending):
                parents = {p for _, p, _ in self.fks[t] if p != t}
                if parents <= set(done) | {"communities", "users"} or t in ("communities", "users"):
                    done.append(t)
                    pending.remove(t)
        return done

    def value(self, table: str, col: str, typ: str, *, mine: str | None, community: int) -> Any:
        """The value of one column: `mine` is the column that holds the person in this row (or "*" for a
        row the person owns: every person column and every text holds them)."""
        fk = {c: (p, pc) for c, p, pc in self.fks[table]}.get(col)
        kind = person_kind(table, col)
        own = mine == "*" or mine == col or (mine == "refs" and kind == REF)
        if kind in (OWNER, REF):
            return SECRET if own else OTHER if mine is None else self.someone()
        if kind == CHAT and not (table == "communities"):
            return SECRET if own else GROUP_B
        if kind == KEY:
            return f"x:{SECRET}:{self.next()}" if own else f"k:{self.next()}"
        if kind == NAME:
            return f"Bu {FIRST} dan Pak Budi" if own else "Tim kelas 4"
        if col == "community_id":
            return community
        if fk is not None:
            if fk[0] == table:
                return None
            return self.conn.execute(f"SELECT {fk[1]} FROM {fk[0]} WHERE rowid = ?",
                                     (self.background[fk[0]],)).fetchone()[0]
        if "INT" in typ:
            return self.next()
        if "REAL" in typ:
            return 1.5
        text = f"{ANSWER} — {FIRST} {LAST} @{USERNAME} {SECRET}" if mine == "*" else f"t{self.next()}"
        return text.encode() if "BLOB" in typ else text  # bytes (a queued photo): PostgreSQL's bytea takes no text

    def someone(self) -> int:
        """Another person (a row of theirs next to the person's must not share a key with the background)."""
        uid = OTHER + self.next()
        self.conn.execute("INSERT INTO users (id, first_name, created_at, updated_at) VALUES (?, 'Citra', ?, ?)",
                          (uid, NOW, NOW))
        return uid

    def insert(self, table: str, *, mine: str | None, community: int) -> int:
        cols = [(c, t) for c, t in self.tables[table]
                if person_kind(table, c) is not None or c not in self.auto.get(table, ())]
        values = [self.value(table, c, t, mine=mine, community=community) for c, t in cols]
        sql = (f"INSERT INTO {table} ({', '.join(c for c, _ in cols)}) VALUES ({', '.join('?' * len(cols))})"
               " RETURNING rowid")
        return int(self.conn.execute(sql, values).fetchone()[0])

    @classmethod
    def seed(cls, conn: Any) -> Seeder:
        """The seed as one write unit: `seeder = await db.unit(Seeder.seed)`."""
        seeder = cls(conn)
        seeder._seed()
        return seeder

    def _seed(self) -> None:
        c = self.conn
        for chat, locale in ((GROUP_A, "id"), (GROUP_B, "en")):
            self.communities[chat] = int(c.execute(
                "INSERT INTO communities (chat_id, chat_title, name, locale, created_at, updated_at)"
                " VALUES (?, 'Kombel', 'Kombel', ?, ?, ?) RETURNING id", (chat, locale, NOW, NOW)).fetchone()[0])
        c.execute("INSERT INTO users (id, first_name, last_name, username, created_at, updated_at)"
                  " VALUES (?, ?, ?, ?, ?, ?)", (SECRET, FIRST, LAST, USERNAME, NOW, NOW))
        c.execute("INSERT INTO users (id, first_name, created_at, updated_at) VALUES (?, 'Budi', ?, ?)",
                  (OTHER, NOW, NOW))
        self.background["communities"] = c.execute("SELECT rowid FROM communities WHERE id = ?",
                                                   (self.communities[GROUP_B],)).fetchone()[0]
        self.background["users"] = c.execute("SELECT rowid FROM users WHERE id = ?", (OTHER,)).fetchone()[0]
        self.person_rows["users"] = [SECRET]
        a, b = self.communities[GROUP_A], self.communities[GROUP_B]
        for table in self.order():
            if table in ("communities", "users"):
                continue
            self.background[table] = self.insert(table, mine=None, community=b)
            kinds = {col: person_kind(table, col) for col, _ in self.tables[table]}
            if OWNER in kinds.values():
                self.person_rows.setdefault(table, []).append(self.insert(table, mine="*", community=a))
            if OWNER not in kinds.values() and list(kinds.values()).count(REF) > 1:  # every REF: the person
                self.person_rows.setdefault(table, []).append(self.insert(table, mine="refs", community=a))
            for col, kind in kinds.items():
                if kind in (REF, CHAT, KEY) or (kind == NAME and OWNER not in kinds.values()):
                    self.person_rows.setdefault(table, []).append(self.insert(table, mine=col, community=a))


def _snapshot(conn: Any) -> dict[str, dict[int, dict[str, Any]]]:
    snap = {}
    for t in _schema(conn)[0]:
        cur = conn.execute(f'SELECT rowid AS "__rowid__", * FROM "{t}"')
        names = [d[0] for d in cur.description]
        snap[t] = {int(r[0]): dict(zip(names[1:], tuple(r)[1:], strict=True)) for r in cur.fetchall()}
    return snap


async def snapshot(db: Any) -> dict[str, dict[int, dict[str, Any]]]:
    """Every committed row of every table, by rowid (on PostgreSQL the row's position, storage.dialect: a
    row an erase updated has a new one, a row nobody touched keeps its own)."""
    return await db.run(_snapshot)


def traces(snap: dict[str, dict[int, dict[str, Any]]], uid: int = SECRET,
           texts: tuple[str, ...] = (FIRST, LAST, USERNAME, ANSWER)) -> list[str]:
    """Cells holding the person's id, or text holding their id, a name or an answer."""
    words = [str(uid)] + [w.lower() for w in texts]
    return [f"{table}[{rowid}].{col}={v!r}" for table, rows in snap.items() for rowid, row in rows.items()
            for col, v in row.items() if v == uid or (isinstance(v, (str, bytes, memoryview))
                                                      and any(w in _text(v).lower() for w in words))]


def _text(v: str | bytes | memoryview) -> str:
    return v if isinstance(v, str) else bytes(v).decode("utf-8", "replace")


def raw_traces(path: Path, uid: int = SECRET, texts: tuple[str, ...] = (FIRST, LAST, USERNAME, ANSWER)) -> list[str]:
    """The same in the raw bytes of the database, -wal and -shm files (the id also as a 6-byte record int)."""
    needles = [str(uid).encode(), uid.to_bytes(6, "big")] + [t.encode() for t in texts]
    found = []
    for suffix in ("", "-wal", "-shm"):
        f = Path(str(path) + suffix)
        data = f.read_bytes() if f.exists() else b""
        found += [f"{f.name}: {n!r}" for n in needles if n in data]
    return found


def changed_rows(before: dict[str, dict[int, dict[str, Any]]],
                 after: dict[str, dict[int, dict[str, Any]]]) -> dict[str, list[str]]:
    """The rows, as they were before, that are gone or different after, by table (canonical JSON)."""
    out = {t: sorted(json.dumps({k: exportable(v) for k, v in r.items()}, sort_keys=True, ensure_ascii=False)
                     for rowid, r in rows.items() if after[t].get(rowid) != r) for t, rows in before.items()}
    return {t: rows for t, rows in out.items() if rows}


def canon(data: dict[str, list[dict[str, Any]]]) -> dict[str, list[str]]:
    return {t: sorted(json.dumps(r, sort_keys=True, ensure_ascii=False) for r in rows) for t, rows in data.items()}


def on_sqlite(db: Any) -> bool:
    return not is_postgres(getattr(db, "url", None))


def wal_size(path: Path) -> int:
    return Path(str(path) + "-wal").stat().st_size


async def test_erase_leaves_no_trace_in_any_table_or_file_and_export_is_what_it_removes(db):
    seeder = await db.unit(Seeder.seed)
    holding = {t for t, rows in seeder.person_rows.items() if rows}
    # the seed reached every table the rule finds a person in — including the ones of the issue
    assert {"users", "members", "rtl_items", "outbox", "flows", "cycle_answers", "cycle_evidence", "journal_entries",
            "learning_logs", "attendance", "rsvps", "survey_answers", "good_practices", "principals",
            "meeting_series", "surveys", "digest_schedules"} <= holding
    before = await snapshot(db)
    assert traces(before)  # the check can fail
    assert not on_sqlite(db) or raw_traces(db.path)

    exported = await export_user(db, SECRET, LABELS)
    json.dumps(exported, ensure_ascii=False)  # what /dataku sends
    plan = await erase_user(db, SECRET, LABELS)
    after = await snapshot(db)

    assert traces(after) == []
    if on_sqlite(db):  # PostgreSQL: the files are the server's (dead rows go at its VACUUM)
        assert raw_traces(db.path) == []
    # nobody else's row changed
    for table, rowid in seeder.background.items():
        assert after[table].get(rowid) == before[table][rowid], table
    # every row holding the person was deleted or changed; the export is exactly those rows, by table
    changed = changed_rows(before, after)
    assert set(changed) == holding
    assert canon(exported) == changed
    assert len(plan) == sum(len(r) for r in changed.values())
    # the person's own rows are gone; the community's rows stay, anonymised
    assert after["users"].get(SECRET) is None and SECRET not in {r["user_id"] for r in after["members"].values()}
    rtl = {r["id"]: r for r in after["rtl_items"].values()}
    assert len(rtl) == len(before["rtl_items"]) - 1  # owned and written by the person: theirs alone
    assert {r["who"] for r in rtl.values()} >= {"Bu (dihapus) dan Pak Budi", "(dihapus)"}
    assert None in {r["owner_user_id"] for r in rtl.values()} and 0 in {r["created_by"] for r in rtl.values()}
    assert {r["key"] for r in after["outbox"].values()} == {before["outbox"][seeder.background["outbox"]]["key"]}
    assert all(re.fullmatch(r"k:\d+|erased:\d+", r["source_key"]) for r in after["surveys"].values())


@pytest.fixture
async def later_tables(db):
    """Two tables a later migration might add; dropped after (the PostgreSQL run's database is reused)."""
    yield
    async with db.tx(mark=False) as tx:
        await tx.execute("DROP TABLE IF EXISTS peer_visits")
        await tx.execute("DROP TABLE IF EXISTS private_notes")


async def test_a_table_added_later_is_covered_without_code(db, later_tables):
    """A later migration's table that follows the rule: erased and exported with no change to the code."""
    async with db.tx() as tx:
        await tx.execute("CREATE TABLE peer_visits (id INTEGER PRIMARY KEY, community_id INTEGER, host_user_id"
                         " BIGINT, reviewed_by BIGINT NOT NULL, note TEXT)")
        await tx.execute("CREATE TABLE private_notes (id INTEGER PRIMARY KEY, user_id BIGINT, text TEXT)")
        await tx.execute("INSERT INTO peer_visits VALUES (1, 1, ?, ?, 'kelas 4')", (SECRET, SECRET))
        await tx.execute("INSERT INTO peer_visits VALUES (2, 1, ?, ?, 'kelas 5')", (OTHER, OTHER))
        await tx.execute("INSERT INTO private_notes VALUES (1, ?, ?)", (SECRET, ANSWER))
        await tx.execute("INSERT INTO private_notes VALUES (2, ?, 'x')", (OTHER,))
        await tx.execute("INSERT INTO peer_visits VALUES (3, 1, ?, ?, 'kelas 6')", (OTHER, SECRET))
    exported = await export_user(db, SECRET, LABELS)
    assert set(exported) == {"peer_visits", "private_notes"} and len(exported["peer_visits"]) == 2
    await erase_user(db, SECRET, LABELS)
    # hosted and reviewed by the person: theirs alone, deleted; reviewed by them only: anonymised
    assert [tuple(r) for r in await db.fetchall("SELECT * FROM peer_visits ORDER BY id")] == [
        (2, 1, OTHER, OTHER, "kelas 5"), (3, 1, OTHER, 0, "kelas 6")]
    assert [tuple(r) for r in await db.fetchall("SELECT * FROM private_notes")] == [(2, OTHER, "x")]


async def test_names_in_rtl_items_are_replaced_only_where_they_name_the_person(db):
    repos = Repos(db)
    a, _ = await repos.communities.ensure(-1, "A", tz="Asia/Makassar", locale="id", now=NOW)
    en, _ = await repos.communities.ensure(-2, "B", tz="Asia/Makassar", locale="en", now=NOW)
    other, _ = await repos.communities.ensure(-3, "C", tz="Asia/Makassar", locale="id", now=NOW)
    await repos.users.upsert(SECRET, "Ani", "Rahma", "ani_r", None, NOW)
    await repos.users.upsert(OTHER, "Budi", None, None, None, NOW)
    async with db.tx() as tx:
        for c in (a, en):
            await tx.execute("INSERT OR IGNORE INTO members (community_id, user_id, joined_at) VALUES (?, ?, ?)",
                             (c.id, SECRET, NOW))
        items = [(a.id, "Ani dan Budi", None), (a.id, "saya", SECRET), (a.id, "Daniel", None),
                 (a.id, "@ani_r", None), (en.id, "ani rahma", None), (other.id, "Ani", None),
                 (a.id, "Budi", OTHER)]
        for n, (cid, who, owner) in enumerate(items):
            await tx.execute(
                "INSERT INTO rtl_items (community_id, what, who, owner_user_id, due, created_by, created_at,"
                " remind_at, origin_chat_id, origin_message_id) VALUES (?, 'coba', ?, ?, '2026-12-01', ?, ?,"
                " ?, ?, ?)", (cid, who, owner, OTHER, NOW, NOW, -1, n))
    await erase_user(db, SECRET, LABELS)
    rows = [tuple(r) for r in await db.fetchall("SELECT who, owner_user_id FROM rtl_items ORDER BY id")]
    assert rows == [("(dihapus) dan Budi", None), ("(dihapus)", None), ("Daniel", None), ("(dihapus)", None),
                    ("(deleted)", None), ("Ani", None), ("Budi", OTHER)]  # community C: not theirs to erase


@pytest.mark.sqlite_only("SQLite's secure_delete pragma and its -wal file")
async def test_secure_delete_is_on_and_the_checkpoint_empties_the_wal(db):
    assert await db.scalar("PRAGMA secure_delete") == 1
    async with db.tx() as tx:
        await tx.execute("INSERT INTO processed_updates VALUES (1, 2)")
    assert wal_size(db.path) > 0
    assert await db.checkpoint() is True
    assert wal_size(db.path) == 0
