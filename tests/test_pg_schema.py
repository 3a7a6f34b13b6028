"""The PostgreSQL migrations (storage/migrations/postgres/) build the same schema as the SQLite ones
(storage/migrations/): the same tables, columns (name, type class, NOT NULL, default, key), unique keys,
indexes (columns, unique, partial) and foreign keys. Read from each engine's catalogue after migrating."""

from __future__ import annotations

import re
import sqlite3

import pytest

from storage.db import Database
from storage.pg import PgDatabase

TYPE_CLASS = {"integer": "int", "bigint": "int", "text": "text", "real": "float", "double precision": "float",
              "blob": "bytes", "bytea": "bytes"}


def test_every_migration_has_its_postgres_version():
    """A migration added for SQLite needs its PostgreSQL twin with the same number and name (and back)."""
    sqlite = [(v, n) for v, n, _ in Database.migration_files()]
    postgres = [(v, n) for v, n, _ in PgDatabase.migration_files()]
    assert sqlite == postgres


def _norm_default(value: str | None) -> str | None:
    if value is None:
        return None
    v = re.sub(r"::[a-z ]+$", "", value.strip()).strip("()")
    return v.upper() if v.upper() == "CURRENT_TIMESTAMP" else v


def _norm_expr(col: str) -> str:
    return re.sub(r"\s+COLLATE\s+NOCASE", "", col, flags=re.I).lower().replace("lower(", "").replace(")", "")


def sqlite_schema(path) -> dict:
    conn = sqlite3.connect(path)
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    out = {}
    for t in tables:
        cols = {}
        for _cid, name, typ, notnull, default, pk in conn.execute(f'PRAGMA table_info("{t}")'):
            cols[name] = (TYPE_CLASS[typ.lower()], bool(notnull or pk), _norm_default(default), pk > 0)
        uniques, indexes = set(), set()
        for _seq, iname, unique, origin, partial in conn.execute(f'PRAGMA index_list("{t}")'):
            icols = tuple(_norm_expr(r[2] or "") for r in conn.execute(f'PRAGMA index_xinfo("{iname}")') if r[5])
            if origin == "c":
                sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (iname,)).fetchone()[0]
                if "COLLATE NOCASE" in sql:  # the column's expression as written
                    icols = tuple(re.sub(r"\s+collate\s+nocase", "", c) for c in icols)
                indexes.add((iname, bool(unique), icols, bool(partial)))
            elif origin in ("u", "pk") or unique:
                uniques.add(icols)
        pk_cols = tuple(r[1] for r in sorted(conn.execute(f'PRAGMA table_info("{t}")'), key=lambda r: r[5]) if r[5])
        if pk_cols:
            uniques.add(pk_cols)
        fks = {(r[3], r[2], r[4] or "id", r[6]) for r in conn.execute(f'PRAGMA foreign_key_list("{t}")')}
        out[t] = {"columns": cols, "uniques": uniques, "indexes": indexes, "fks": fks}
    conn.close()
    return out


def pg_schema(url: str) -> dict:
    import psycopg

    conn = psycopg.connect(url)
    tables = [r[0] for r in conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
    out = {}
    for t in tables:
        pk_cols = tuple(r[0] for r in conn.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
            " AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary"
            " ORDER BY array_position(i.indkey, a.attnum)", (t,)))
        cols = {}
        for name, typ, nullable, default, identity in conn.execute(
                "SELECT column_name, data_type, is_nullable, column_default, is_identity FROM information_schema.columns"
                " WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position", (t,)):
            cols[name] = (TYPE_CLASS[typ], nullable == "NO", _norm_default(default), name in pk_cols)
            assert identity == "NO" or name == "id", (t, name)
        uniques, indexes = set(), set()
        for iname, unique, primary, constraint, indexdef, partial in conn.execute(
                "SELECT c.relname, i.indisunique, i.indisprimary,"
                " EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid),"
                " pg_get_indexdef(i.indexrelid), i.indpred IS NOT NULL"
                " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass", (t,)):
            inner = indexdef[indexdef.index(" USING btree (") + len(" USING btree ("):]
            inner = inner[:inner.rindex(")")] if " WHERE " not in inner else inner[:inner.index(" WHERE ") - 1]
            icols = tuple(_norm_expr(c.strip()) for c in inner.split(","))
            if primary or constraint:
                uniques.add(icols)
            else:
                indexes.add((iname, bool(unique), icols, bool(partial)))
        fks = set()
        for ref, col, refcol, ondelete in conn.execute(
                "SELECT ccu.table_name, kcu.column_name, ccu.column_name, rc.delete_rule"
                " FROM information_schema.table_constraints tc"
                " JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name"
                " JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name"
                " JOIN information_schema.referential_constraints rc ON rc.constraint_name = tc.constraint_name"
                " WHERE tc.table_name = %s AND tc.constraint_type = 'FOREIGN KEY'", (t,)):
            fks.add((col, ref, refcol, ondelete))
        out[t] = {"columns": cols, "uniques": uniques, "indexes": indexes, "fks": fks}
    conn.close()
    return out


@pytest.mark.pg_only("compares with a real PostgreSQL's catalogue")
async def test_sqlite_and_postgres_schemas_match(tmp_path, db_target):
    db = await Database(tmp_path / "schema.sqlite3").open()
    await db.close()
    lite = sqlite_schema(tmp_path / "schema.sqlite3")
    pg = pg_schema(db_target)
    assert sorted(lite) == sorted(pg)
    assert len(lite) > 50
    for table in lite:
        for part in ("columns", "uniques", "indexes", "fks"):
            assert lite[table][part] == pg[table][part], (table, part)
