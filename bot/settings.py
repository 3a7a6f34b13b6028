"""Settings, loaded once at the entry point from the environment (and an optional `.env`) and passed down."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

TOKEN_RE = re.compile(r"^\d{3,15}:[A-Za-z0-9_-]{30,}$")
SUPPORTED_LOCALES = ("id", "en")
ZONES = {"Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}


class SettingsError(ValueError):
    """A setting is missing or malformed; the message is one line for the operator."""


@dataclass(frozen=True)
class Settings:
    token: str | None
    database_path: Path
    default_tz: str = "Asia/Jakarta"
    default_locale: str = "id"
    api_base_url: str | None = None
    log_level: str = "INFO"
    principal_link_hours: int = 72
    clock_start: datetime | None = None
    database_url: str | None = None  # postgresql://… (storage.pg); None: the SQLite file database_path
    db_pool_size: int = 10
    webhook_url: str | None = None  # WEBHOOK_URL: the public URL registered with Telegram (kombel-bot serve)
    webhook_secret: str | None = None  # WEBHOOK_SECRET: Telegram sends it in X-Telegram-Bot-Api-Secret-Token
    log_format: str = "text"  # LOG_FORMAT: text or json (one JSON object a line)
    pass_interval_s: float = 30.0  # PASS_INTERVAL_S: seconds between scheduler passes (rehearsals, tests)
    # KOMBEL_TEST_ANSWER_FIRST=1: webhook mode answers 200 *before* handling — wrong on purpose, only for the
    # negative control of tests/test_pg_multiworker.py (a crash then loses the update)
    answer_first: bool = False
    # KOMBEL_BENCH_NO_RATE_LIMIT=1: no PTB rate limiter in front of the Bot API — only for benchmarks against
    # the fake (bench/bench_workers.py measures the workers, not Telegram's 20 messages a minute per group)
    rate_limiter: bool = True

    def require_webhook(self) -> tuple[str, str]:
        """(WEBHOOK_URL, WEBHOOK_SECRET) for webhook mode, or a one-line explanation of what is missing."""
        if not self.webhook_url:
            raise SettingsError("WEBHOOK_URL is not set: the public https:// URL Telegram should post updates to "
                                "(e.g. https://bot.example.org/telegram/webhook).")
        if not self.webhook_secret:
            raise SettingsError("WEBHOOK_SECRET is not set: 1-256 characters A-Z, a-z, 0-9, _ and - "
                                "(e.g. the output of `openssl rand -hex 32`).")
        return self.webhook_url, self.webhook_secret

    def require_token(self) -> str:
        if not self.token:
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN is not set. Put it in .env (see .env.example) "
                "or run `kombel-bot demo` to try the bot offline."
            )
        if not TOKEN_RE.match(self.token):
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN looks malformed: expected '<digits>:<35 letters>' as given by @BotFather."
            )
        return self.token


def _database_path(url: str | None) -> Path:
    if not url:
        return Path("data") / "kombel.sqlite3"
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///"):])
    if url.startswith("sqlite://"):
        return Path(url[len("sqlite://"):])
    if "://" in url:
        raise SettingsError(f"DATABASE_URL scheme not supported: {url.split('://')[0]!r}; use sqlite:///path/to/file.db"
                            " or postgresql://user@host/dbname")
    return Path(url)


def _clock_start(raw: str | None) -> datetime | None:
    """`CLOCK_START`: for rehearsals and tests only — the bot's clock starts at this instant (ISO 8601 with
    its offset, e.g. 2026-11-24T09:00+08:00) and runs at real speed. Unset in production."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise SettingsError(f"CLOCK_START must be an ISO 8601 instant with its offset "
                            f"(e.g. 2026-11-24T09:00+08:00), not {raw!r}.")
    return when


WEBHOOK_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def _webhook(env: dict[str, str]) -> tuple[str | None, str | None]:
    url = (env.get("WEBHOOK_URL") or "").strip() or None
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment:
            raise SettingsError(f"WEBHOOK_URL must be a URL like https://bot.example.org/telegram/webhook, not {url!r}.")
    secret = (env.get("WEBHOOK_SECRET") or "").strip() or None
    if secret is not None and not WEBHOOK_SECRET_RE.match(secret):
        raise SettingsError("WEBHOOK_SECRET may hold only 1-256 characters A-Z, a-z, 0-9, _ and - (Telegram's rule).")
    return url, secret


def load_settings(env: dict[str, str] | None = None, *, dotenv: Path | None = Path(".env")) -> Settings:
    """Read settings from `env` (default: the process environment, after loading `.env` if present)."""
    if env is None:
        if dotenv is not None and dotenv.exists():
            from dotenv import load_dotenv

            load_dotenv(dotenv, override=False)
        env = dict(os.environ)
    tz = env.get("DEFAULT_TIMEZONE", "Asia/Jakarta").strip() or "Asia/Jakarta"
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SettingsError(f"DEFAULT_TIMEZONE {tz!r} is not a known time zone (e.g. Asia/Makassar).") from exc
    locale = env.get("DEFAULT_LANGUAGE", "id").strip().lower() or "id"
    if locale not in SUPPORTED_LOCALES:
        raise SettingsError(f"DEFAULT_LANGUAGE must be one of {', '.join(SUPPORTED_LOCALES)}, not {locale!r}.")
    base = (env.get("TELEGRAM_API_BASE_URL") or "").strip() or None
    if base and not base.startswith(("http://", "https://")):
        raise SettingsError("TELEGRAM_API_BASE_URL must look like http://127.0.0.1:8081/bot")
    hours = env.get("PRINCIPAL_LINK_HOURS", "72").strip() or "72"
    if not hours.isdigit() or not 1 <= int(hours) <= 24 * 30:
        raise SettingsError("PRINCIPAL_LINK_HOURS must be a whole number of hours between 1 and 720.")
    webhook_url, webhook_secret = _webhook(env)
    log_format = (env.get("LOG_FORMAT") or "text").strip().lower() or "text"
    if log_format not in ("text", "json"):
        raise SettingsError(f"LOG_FORMAT must be text or json, not {log_format!r}.")
    url = (env.get("DATABASE_URL") or "").strip() or None
    pg_url = url if url and url.startswith(("postgresql://", "postgres://")) else None
    pool = env.get("DB_POOL_SIZE", "10").strip() or "10"
    if not pool.isdigit() or not 1 <= int(pool) <= 500:
        raise SettingsError("DB_POOL_SIZE must be a whole number between 1 and 500.")
    every = (env.get("PASS_INTERVAL_S") or "30").strip() or "30"
    try:
        pass_interval = float(every)
    except ValueError:
        pass_interval = -1.0
    if not 0.5 <= pass_interval <= 3600:
        raise SettingsError("PASS_INTERVAL_S must be a number of seconds between 0.5 and 3600.")
    return Settings(
        pass_interval_s=pass_interval,
        answer_first=(env.get("KOMBEL_TEST_ANSWER_FIRST") or "").strip() == "1",
        rate_limiter=(env.get("KOMBEL_BENCH_NO_RATE_LIMIT") or "").strip() != "1",
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        log_format=log_format,
        database_url=pg_url,
        db_pool_size=int(pool),
        clock_start=_clock_start(env.get("CLOCK_START")),
        token=(env.get("TELEGRAM_BOT_TOKEN") or "").strip() or None,
        database_path=_database_path(None if pg_url else url),
        default_tz=tz,
        default_locale=locale,
        api_base_url=base,
        log_level=(env.get("LOG_LEVEL") or "INFO").upper(),
        principal_link_hours=int(hours),
    )
