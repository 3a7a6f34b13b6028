"""CPU-heavy rendering (matplotlib charts, XLSX, PDF) off the event loop.

A `ProcessPoolExecutor` sized to the cores, started on first use and shut down by a cleanup registered in
`services.extra["cleanups"]` (run by `bot.app.on_shutdown`). Workers come from a *forkserver* that has
already imported matplotlib, openpyxl and fpdf (``PRELOAD``), so a new worker costs a fork, not ~1 s of
imports, and no worker is forked from the bot's own threaded process. Each worker then runs
`domain.reports.charts.warm_up` once (``INITIALIZER``), which builds the weekly-summary chart's figure that the
worker keeps and reuses (`domain.reports.charts.summary_chart`), so a pool start pays matplotlib's first draw and
the first summary chart does not. Functions sent here must be top-level and take plain data (see
`domain/reports/charts.py`, `domain/reports/exports.py`).

`workers=0` runs the work in a thread instead (for a machine with one core, or a debugging session).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from .services import Services

log = logging.getLogger(__name__)
T = TypeVar("T")
PRELOAD = ["domain.reports.charts", "domain.reports.exports"]
KEY = "chartpool"


def _init_worker() -> None:
    from domain.reports.charts import warm_up  # matplotlib loads in the worker process only, not in the bot's

    warm_up()


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class ChartPool:
    def __init__(self, workers: int | None = None) -> None:
        self.workers = default_workers() if workers is None else workers
        self._executor: Executor | None = None
        self.started = 0  # how many times a pool was created (measured in tests and benchmarks)

    def _ensure(self) -> Executor:
        if self._executor is None:
            if self.workers <= 0:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chartpool")
            else:
                ctx = multiprocessing.get_context("forkserver")
                ctx.set_forkserver_preload(PRELOAD)
                self._executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx,
                                                     initializer=_init_worker)
            self.started += 1
        return self._executor

    @property
    def running(self) -> bool:
        return self._executor is not None

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        loop = asyncio.get_running_loop()
        call = functools.partial(fn, *args, **kwargs)
        try:
            return await loop.run_in_executor(self._ensure(), call)
        except BrokenProcessPool:  # a worker died (OOM…): start a fresh pool once
            log.warning("chart pool broken; restarting it")
            self.close()
            return await loop.run_in_executor(self._ensure(), call)

    def close(self) -> None:
        ex, self._executor = self._executor, None
        if ex is not None:
            ex.shutdown(wait=True, cancel_futures=True)


def pool(services: Services) -> ChartPool:
    """The application's pool, created (not started) on first call, with its cleanup registered."""
    cp = services.extra.get(KEY)
    if cp is None:
        cp = services.extra[KEY] = ChartPool(services.extra.get("chartpool_workers"))
        services.extra.setdefault("cleanups", []).append(cp.close)
    return cp
