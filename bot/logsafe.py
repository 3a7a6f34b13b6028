"""Logs never carry what members wrote nor the bot token (UU 27/2022; issue 7).

Our own log lines name ids and error kinds only. Some libraries are chattier: at DEBUG python-telegram-bot
logs every update it handles, every request's parameters and every answer (message texts), aiosqlite every statement with its
parameters (answers), and the Bot API URLs contain the token (PTB at DEBUG, httpx at INFO). `install()`
puts a filter on exactly those loggers — whatever handlers the operator or a test attaches — that drops
their DEBUG lines and masks anything shaped like a bot token in the rest. Installed when `bot.delivery`
is imported, i.e. before any application (and so any Bot) is built."""

from __future__ import annotations

import logging
import re

TOKEN_RE = re.compile(r"\d{3,15}:[A-Za-z0-9_-]{30,}")
CHATTY = ("telegram.Bot", "telegram.ext.ExtBot", "telegram.ext.Application", "telegram.ext.Updater", "aiosqlite", "psycopg", "psycopg.pool", "httpx", "httpcore", "httpcore.http11",
          "httpcore.http2", "httpcore.connection", "httpcore.proxy")


class PrivateFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.INFO:
            return False
        msg = record.getMessage()
        if TOKEN_RE.search(msg):
            record.msg, record.args = TOKEN_RE.sub("<token>", msg), None
        return True


_FILTER = PrivateFilter()


def install() -> None:
    for name in CHATTY:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


class JsonFormatter(logging.Formatter):
    """`LOG_FORMAT=json`: one JSON object a line (time, level, logger, message, and the traceback if any).
    The same filters run before it, so the message holds no more than a text line would."""

    def format(self, record: logging.LogRecord) -> str:
        import json
        from datetime import UTC, datetime

        entry = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                 "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
