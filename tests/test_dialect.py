"""storage.dialect: each rule that turns the repositories' SQLite SQL into PostgreSQL's (no server needed)."""

from __future__ import annotations

import pytest

from storage.dialect import to_postgres


@pytest.mark.parametrize(("sqlite", "postgres"), [
    ("SELECT a FROM t WHERE b = ? AND c = ?", "SELECT a FROM t WHERE b = %s AND c = %s"),
    # named parameters, and a cast that only looks like one
    ("SELECT a FROM t WHERE b = :b AND c::text = :c", "SELECT a FROM t WHERE b = %(b)s AND c::text = %(c)s"),
    # nothing inside a string literal is a placeholder; a literal % is escaped for psycopg
    ("SELECT '?', ':x', 'a%b' FROM t WHERE n % 2 = ?", "SELECT '?', ':x', 'a%%b' FROM t WHERE n %% 2 = %s"),
    ("INSERT OR IGNORE INTO t (a) VALUES (?)", "INSERT INTO t (a) VALUES (%s) ON CONFLICT DO NOTHING"),
    ("INSERT OR IGNORE INTO t (a) VALUES (?) RETURNING a",
     "INSERT INTO t (a) VALUES (%s) ON CONFLICT DO NOTHING RETURNING a"),
    ("UPDATE t SET a = MAX(a, ?), b = MIN(b, MAX(c, 1))", "UPDATE t SET a = GREATEST(a, %s), b = LEAST(b, GREATEST(c, 1))"),
    ("SELECT MAX(a), MIN(b) FROM t", "SELECT MAX(a), MIN(b) FROM t"),  # one argument: still the aggregate
    ("SELECT ifnull(a, 0) FROM t", "SELECT coalesce(a, 0) FROM t"),
    ("SELECT group_concat(g.user_id) FROM g", "SELECT string_agg((g.user_id)::text, ',') FROM g"),
    ("SELECT json_group_array(json_array(p.a, p.b)) FROM p",
     "SELECT coalesce(json_agg(json_build_array(p.a, p.b)), '[]'::json) FROM p"),
    ("SELECT id FROM g WHERE g.title = ? COLLATE NOCASE", "SELECT id FROM g WHERE lower(g.title) = lower(%s)"),
    ("SELECT COUNT(*) FROM (SELECT a FROM (SELECT a FROM t) GROUP BY a)",
     "SELECT COUNT(*) FROM (SELECT a FROM (SELECT a FROM t) AS _sq2 GROUP BY a) AS _sq1"),
    ("SELECT * FROM (SELECT 1) AS one LEFT JOIN (SELECT 2) x ON true",
     "SELECT * FROM (SELECT 1) AS one LEFT JOIN (SELECT 2) x ON true"),
])
def test_translation(sqlite, postgres):
    assert to_postgres(sqlite) == postgres
