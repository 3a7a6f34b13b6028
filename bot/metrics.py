"""Prometheus metrics (issue 16), served at `/metrics` by `kombel-bot serve` (bot/web.py).

Counters and histograms are module-level and counted where things happen: updates in bot/web.py, sends
and ambiguous sends in bot/delivery.py, 429s in the rate limiter below and in `bot.delivery.call`, the
scheduler pass in bot/jobs. The outbox backlog is read from the database at each scrape.

With `PROMETHEUS_MULTIPROC_DIR` set (an empty directory, before the process starts), prometheus-client
keeps the values in files there and `/metrics` adds up every worker process's (multiprocess mode)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

UPDATE_KINDS = frozenset({"message", "edited_message", "callback_query", "my_chat_member", "chat_member",
                          "poll_answer", "poll"})
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

UPDATE_SECONDS = Histogram("kombel_update_seconds", "Time from receiving an update to answering Telegram, by kind",
                           ["kind"], buckets=LATENCY_BUCKETS)
UPDATES = Counter("kombel_updates", "Updates received by the webhook, by kind and outcome "
                  "(handled, duplicate, failed, forbidden, malformed)", ["kind", "outcome"])
SENDS = Counter("kombel_sends", "Outbox sends by outcome (sent, failed: retried later, refused: given up)",
                ["outcome"])
RATE_LIMITED = Counter("kombel_telegram_429", "429 Too Many Requests answers from Telegram")
AMBIGUOUS = Counter("kombel_ambiguous_sends", "Sends that may have reached their chat twice: a timeout or lost "
                    "connection during the call (timeout), or a repeat of an attempt a crash interrupted (repeat)",
                    ["why"])
TICK_SECONDS = Histogram("kombel_tick_seconds", "Duration of one scheduler pass (every feature's tick)",
                         buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0))


def update_kind(data: dict[str, Any]) -> str:
    kind = next((k for k in data if k != "update_id"), "other")
    return kind if kind in UPDATE_KINDS else "other"


class CountingRateLimiter(AIORateLimiter):
    """PTB's AIORateLimiter, counting the 429s it waits out and retries itself (the last one, re-raised,
    is counted by `bot.delivery.call`)."""

    async def _run_request(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        try:
            return await super()._run_request(*args, **kwargs)  # type: ignore[misc]
        except RetryAfter:
            RATE_LIMITED.inc()
            raise


class OutboxCollector(Collector):
    """The outbox backlog as read just before a scrape (`set`), as two gauges."""

    def __init__(self) -> None:
        self.count = 0.0
        self.oldest_age = 0.0

    def set(self, count: int, oldest_age_s: float) -> None:
        self.count, self.oldest_age = float(count), max(0.0, oldest_age_s)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily("kombel_outbox_backlog", "Outbox keys not yet sent nor given up", value=self.count)
        yield GaugeMetricFamily("kombel_outbox_oldest_age_seconds",
                                "Age of the oldest unsettled outbox key (0 when none)", value=self.oldest_age)


def exposition(extra: Collector | None = None) -> tuple[bytes, str]:
    """The text to answer a scrape with, and its content type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_Default())
    if extra is not None:
        registry.register(extra)
    return generate_latest(registry), CONTENT_TYPE_LATEST


class _Default(Collector):
    """This process's metrics (the default registry: ours plus process and platform facts)."""

    def collect(self) -> Iterator[Any]:
        yield from REGISTRY.collect()
