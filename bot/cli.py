"""`kombel-bot` — the command line: run the bot, run the offline demo, apply migrations, back up the database."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from .settings import SettingsError, load_settings


class _NoSecrets(logging.Filter):
    """Keep the token out of every log line (httpx logs request URLs, which contain it)."""

    def __init__(self, token: str | None) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if self.token:
            msg = record.getMessage()
            if self.token in msg:
                record.msg, record.args = msg.replace(self.token, "<token>"), None
        return True


def _logging(level: str, token: str | None) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.addFilter(_NoSecrets(token))


def cmd_run(args: argparse.Namespace) -> int:
    settings = load_settings()
    if not settings.token and not settings.api_base_url:
        print("No TELEGRAM_BOT_TOKEN set: starting the offline demo instead (see README).", file=sys.stderr)
        return cmd_demo(args)
    token = settings.require_token()
    _logging(settings.log_level, token)
    from telegram.error import InvalidToken, NetworkError

    from .app import allowed_updates, build_application
    from .polling import serve

    app = build_application(settings)
    try:
        return asyncio.run(serve(app, allowed_updates()))
    except InvalidToken:
        print("kombel-bot: Telegram rejected TELEGRAM_BOT_TOKEN (revoked or mistyped?).", file=sys.stderr)
        return 2
    except NetworkError as exc:
        print(f"kombel-bot: cannot reach the Telegram Bot API: {exc}", file=sys.stderr)
        return 3


def cmd_demo(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from .demo import run_demo

    return asyncio.run(run_demo(getattr(args, "out", None)))


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = load_settings()
    _logging(settings.log_level, settings.token)
    from storage.backends import make_database, settings_target

    async def go() -> None:
        db = await make_database(settings_target(settings), pool_size=2).open()
        await db.close()

    asyncio.run(go())
    where = settings.database_url.split("@")[-1] if settings.database_url else settings.database_path
    print(f"database ready: {where}")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """A consistent copy of the database while the bot runs (storage.backup)."""
    from pathlib import Path

    from storage.backup import BackupError, snapshot

    settings = load_settings()
    if settings.database_url:
        print("kombel-bot: DATABASE_URL is PostgreSQL: back it up with pg_dump (docs/operations.md)", file=sys.stderr)
        return 2
    try:
        snap = snapshot(settings.database_path, Path(args.dest))
    except BackupError as exc:
        print(f"kombel-bot: no backup written: {exc}", file=sys.stderr)
        return 2
    print(f"backup written: {snap.path} ({snap.size_bytes / 1e6:.1f} MB, schema {snap.schema_version}, "
          f"{snap.communities} communities, {snap.members} active members); integrity check: ok")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kombel-bot", description="Kombel Bot for teacher learning communities")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot (long polling); without a token, the offline demo").set_defaults(
        fn=cmd_run)
    demo = sub.add_parser("demo", help="simulate a community through a term, offline")
    demo.add_argument("--out", help="folder for the reports and charts")
    demo.set_defaults(fn=cmd_demo)
    sub.add_parser("migrate", help="create or upgrade the database").set_defaults(fn=cmd_migrate)
    backup = sub.add_parser("backup", help="write a consistent copy of the database (safe while the bot runs)")
    backup.add_argument("dest", help="the new file, e.g. backups/kombel-2026-11-24.sqlite3")
    backup.set_defaults(fn=cmd_backup)
    args = parser.parse_args(argv)
    try:
        return int(args.fn(args))
    except SettingsError as exc:
        print(f"kombel-bot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
