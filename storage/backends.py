"""Which database: SQLite (the default, a file path) or PostgreSQL (a postgresql:// URL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from storage.db import Database

PG_SCHEMES = ("postgresql://", "postgres://")


def _errors() -> tuple[type[Exception], ...]:
    import sqlite3

    try:
        import psycopg
    except ImportError:  # the SQLite-only install
        return (sqlite3.Error,)
    return (sqlite3.Error, psycopg.Error)


DB_ERRORS = _errors()  # what a failed statement raises on either backend


def is_postgres(target: str | Path | None) -> bool:
    return isinstance(target, str) and target.startswith(PG_SCHEMES)


def make_database(target: str | Path, *, pool_size: int = 10) -> Any:
    """A `storage.db.Database` for a path, a `storage.pg.PgDatabase` for a postgresql:// URL (not opened)."""
    if is_postgres(target):
        from storage.pg import PgDatabase  # psycopg is needed only here

        return PgDatabase(str(target), pool_size=pool_size)
    return Database(target)


def settings_target(settings: Any) -> str | Path:
    return settings.database_url or settings.database_path
