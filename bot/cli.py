"""`kombel-bot` — the command line: run the bot, run the offline demo, apply migrations, back up the database."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from .logsafe import JsonFormatter
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


def _logging(level: str, token: str | None, fmt: str = "text") -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.addFilter(_NoSecrets(token))
        if fmt == "json":
            handler.setFormatter(JsonFormatter())


def cmd_run(args: argparse.Namespace) -> int:
    settings = load_settings()
    if not settings.token and not settings.api_base_url:
        print("No TELEGRAM_BOT_TOKEN set: starting the offline demo instead (see README).", file=sys.stderr)
        return cmd_demo(args)
    token = settings.require_token()
    _logging(settings.log_level, token, settings.log_format)
    # each subcommand loads only what it runs: `migrate` and `backup` start without PTB, Jinja and matplotlib
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


def cmd_serve(args: argparse.Namespace) -> int:
    """Webhook mode: the ASGI app (bot/web.py) under uvicorn."""
    settings = load_settings()
    token = settings.require_token()
    settings.require_webhook()
    from .web import several_writers_supported

    if args.workers < 1:
        print("kombel-bot: --workers must be 1 or more.", file=sys.stderr)
        return 2
    if args.workers > 1 and not several_writers_supported(settings):
        print(f"kombel-bot: --workers {args.workers} refused: the database is a SQLite file, which one process "
              "writes at a time (several worker processes would fight over it). Run one worker (the default); "
              "several workers need PostgreSQL (DATABASE_URL=postgresql://...).", file=sys.stderr)
        return 2
    _logging(settings.log_level, token, settings.log_format)
    logging.getLogger().handlers[0].addFilter(_NoSecrets(settings.webhook_secret))
    import uvicorn

    common: dict = {"host": args.host, "port": args.port, "log_config": None, "access_log": False,
                    "proxy_headers": True, "timeout_graceful_shutdown": 30}
    if args.workers > 1:  # each worker process builds its own application (bot.web.from_env)
        uvicorn.run("bot.web:from_env", factory=True, workers=args.workers, **common)
        return 0
    from .app import build_application
    from .web import create_app

    uvicorn.run(create_app(build_application(settings), settings), **common)
    return 0


def cmd_webhook(args: argparse.Namespace) -> int:
    """`kombel-bot webhook set|info|delete`: register, show or remove the webhook at Telegram."""
    settings = load_settings()
    token = settings.require_token()
    _logging("WARNING", token)
    from telegram import Bot
    from telegram.error import TelegramError

    from .app import allowed_updates

    async def go() -> int:
        async with Bot(token, base_url=settings.api_base_url or "https://api.telegram.org/bot") as bot:
            if args.action == "set":
                url, secret = settings.require_webhook()
                await bot.set_webhook(url=url, secret_token=secret, max_connections=args.max_connections,
                                      allowed_updates=allowed_updates(),
                                      drop_pending_updates=args.drop_pending_updates)
                print(f"webhook set: {url} (max_connections {args.max_connections}, "
                      f"pending updates {'dropped' if args.drop_pending_updates else 'kept'})")
            elif args.action == "delete":
                await bot.delete_webhook(drop_pending_updates=args.drop_pending_updates)
                print("webhook deleted" + (" (pending updates dropped)" if args.drop_pending_updates else ""))
            info = await bot.get_webhook_info()
            print(f"url: {info.url or '(none: long polling)'}")
            print(f"pending updates: {info.pending_update_count}")
            if info.url:
                print(f"max connections: {info.max_connections}")
                print(f"allowed updates: {', '.join(info.allowed_updates or ()) or '(all but the opt-in kinds)'}")
            if info.last_error_date:
                print(f"last error: {info.last_error_date:%Y-%m-%d %H:%M:%S %Z} {info.last_error_message}")
        return 0

    try:
        return asyncio.run(go())
    except TelegramError as exc:
        print(f"kombel-bot: Telegram refused: {exc.message}", file=sys.stderr)
        return 3


def cmd_demo(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from .demo import run_demo  # the demo's whole world loads only for `kombel-bot demo`

    return asyncio.run(run_demo(getattr(args, "out", None)))


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = load_settings()
    _logging(settings.log_level, settings.token)
    from storage.backends import make_database, settings_target  # loaded by the subcommand that needs it

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

    from storage.backup import BackupError, snapshot  # loaded by the subcommand that needs it (see cmd_run)

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
    serve = sub.add_parser("serve", help="run the bot in webhook mode (an HTTP server for Telegram's updates)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080)")
    serve.add_argument("--workers", type=int, default=1,
                       help="worker processes (default 1; more than 1 needs PostgreSQL)")
    serve.set_defaults(fn=cmd_serve)
    hook = sub.add_parser("webhook", help="register (set), show (info) or remove (delete) the webhook at Telegram")
    hook.add_argument("action", choices=["set", "info", "delete"])
    hook.add_argument("--max-connections", type=int, default=40,
                      help="requests Telegram keeps in flight at once, 1-100 (default 40)")
    hook.add_argument("--drop-pending-updates", action="store_true",
                      help="discard the updates Telegram holds (off by default: nothing is lost)")
    hook.set_defaults(fn=cmd_webhook)
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
