"""SQLite's SQL as PostgreSQL runs it: the one place where the repositories' dialect is translated.

The repositories write SQLite SQL (`?` and `:name` placeholders, SQLite's functions). On PostgreSQL each
statement passes once through `to_postgres` (cached by its text) before psycopg sees it:

- placeholders: `?` → `%s`, `:name` → `%(name)s` (not `::` casts), a literal `%` → `%%`; nothing inside
  '…' string literals, "…" identifiers or `--` comments is touched;
- `INSERT OR IGNORE INTO …` → `INSERT INTO … ON CONFLICT DO NOTHING` (before a RETURNING clause);
- two-argument `MAX(a, b)` / `MIN(a, b)` → `GREATEST` / `LEAST` (one argument stays an aggregate);
- `ifnull(` → `coalesce(`; `group_concat(x)` → `string_agg((x)::text, ',')`;
- `json_group_array(x)` → `coalesce(json_agg(x), '[]')` (SQLite gives '[]' for no rows), `json_array(` →
  `json_build_array(`; json comes back as text on both engines (storage.pg);
- `x = ? COLLATE NOCASE` → `lower(x) = lower(?)` (work group names; the unique index is on lower(title));
- a subquery in FROM or JOIN without an alias gets one (`AS _sq1`): PostgreSQL 15 requires it;
- the catalogue (personal data walks every table): SQLite's table list and `PRAGMA table_info(t)` → the
  same columns from pg_tables / information_schema; `rowid` → the row's physical position (ctid) as one
  integer, stable within the erasure's transaction that reads and then deletes or updates by it.

What is not translated is written portably in the repositories (`ON CONFLICT (…) DO …`, `RETURNING`,
`COALESCE`, CASE instead of boolean sums). `tests/test_dialect.py` pins each rule.
"""

from __future__ import annotations

import re
from functools import lru_cache

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FUNC = re.compile(r"\b(MAX|MIN|ifnull|group_concat|json_group_array|json_array)\s*\(", re.IGNORECASE)
_NOCASE = re.compile(r"([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*\?\s+COLLATE\s+NOCASE", re.IGNORECASE)
_OR_IGNORE = re.compile(r"\bINSERT\s+OR\s+IGNORE\s+INTO\b", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)


_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
_PG_TABLES = "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
_TABLE_INFO = re.compile(r"^PRAGMA table_info\(\"?([a-z_0-9]+)\"?\)$")
_PG_TABLE_INFO = ("SELECT column_name AS name, CASE WHEN is_nullable = 'NO' THEN 1 ELSE 0 END AS notnull"
                  " FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '{}'"
                  " ORDER BY ordinal_position")
_ROWID = re.compile(r"\browid\b")
PG_ROWID = "((ctid::text::point)[0]::bigint * 65536 + (ctid::text::point)[1]::bigint)"


@lru_cache(maxsize=4096)
def to_postgres(sql: str) -> str:
    if sql == _TABLES:
        return _PG_TABLES
    if m := _TABLE_INFO.match(sql):
        return _PG_TABLE_INFO.format(m.group(1))
    sql = _ROWID.sub(PG_ROWID, sql)
    sql = _NOCASE.sub(r"lower(\1) = lower(?)", sql)
    if _OR_IGNORE.search(sql):
        sql = _OR_IGNORE.sub("INSERT INTO", sql).rstrip().rstrip(";")
        m = _RETURNING.search(sql)
        sql = (f"{sql[:m.start()]}ON CONFLICT DO NOTHING {sql[m.start():]}" if m
               else f"{sql} ON CONFLICT DO NOTHING")
    sql = _functions(sql)
    sql = _alias_subqueries(sql)
    return _placeholders(sql)


_SUBQUERY = re.compile(r"\b(FROM|JOIN)\s*\(\s*(SELECT|WITH|VALUES)\b", re.IGNORECASE)
_AFTER = re.compile(r"\s*(AS\b|(?!(WHERE|GROUP|ORDER|LIMIT|LEFT|RIGHT|INNER|CROSS|JOIN|ON|UNION|HAVING|WINDOW)\b)[A-Za-z_])",
                    re.IGNORECASE)


def _alias_subqueries(sql: str) -> str:
    n, pos = 0, 0
    while (m := _SUBQUERY.search(sql, pos)) is not None:
        open_at = sql.index("(", m.start())
        end, _ = _close(sql, open_at + 1)
        if not _AFTER.match(sql, end + 1):
            n += 1
            sql = f"{sql[:end + 1]} AS _sq{n}{sql[end + 1:]}"
        pos = open_at + 1
    return sql


def _close(sql: str, start: int) -> tuple[int, list[str]]:
    """From just after an opening parenthesis: the index of its closing one and the top-level arguments."""
    depth, i, args, arg_start, quote = 1, start, [], start, ""
    while i < len(sql):
        c = sql[i]
        if quote:
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                args.append(sql[arg_start:i])
                return i, args
        elif c == "," and depth == 1:
            args.append(sql[arg_start:i])
            arg_start = i + 1
        i += 1
    raise ValueError(f"unbalanced parentheses in SQL: {sql!r}")


def _functions(sql: str) -> str:
    out, pos = [], 0
    while True:
        m = _FUNC.search(sql, pos)
        if m is None:
            out.append(sql[pos:])
            return "".join(out)
        name = m.group(1).lower()
        end, args = _close(sql, m.end())
        inner = [_functions(a) for a in args]
        out.append(sql[pos:m.start()])
        if name in ("max", "min"):
            fn = {"max": "GREATEST", "min": "LEAST"}[name] if len(args) > 1 else m.group(1)
            out.append(f"{fn}({','.join(inner)})")
        elif name == "ifnull":
            out.append(f"coalesce({','.join(inner)})")
        elif name == "group_concat":
            sep = inner[1].strip() if len(inner) > 1 else "','"
            out.append(f"string_agg(({inner[0].strip()})::text, {sep})")
        elif name == "json_group_array":
            out.append(f"coalesce(json_agg({inner[0].strip()}), '[]'::json)")
        else:  # json_array
            out.append(f"json_build_array({','.join(inner)})")
        pos = end + 1


def _placeholders(sql: str) -> str:
    out, i, n = [], 0, len(sql)
    while i < n:
        c = sql[i]
        if c in "'\"":
            j = sql.find(c, i + 1)
            j = n - 1 if j < 0 else j
            out.append(sql[i:j + 1].replace("%", "%%"))
            i = j + 1
            continue
        if c == "-" and sql.startswith("--", i):
            j = sql.find("\n", i)
            j = n if j < 0 else j
            out.append(sql[i:j].replace("%", "%%").replace("?", ""))
            i = j
            continue
        if c == "?":
            out.append("%s")
        elif c == "%":
            out.append("%%")
        elif c == ":" and i + 1 < n and sql[i + 1] == ":":
            out.append("::")
            i += 2
            continue
        elif c == ":" and (m := _IDENT.match(sql, i + 1)) and (i == 0 or sql[i - 1] != ":"):
            out.append(f"%({m.group(0)})s")
            i = m.end()
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)
