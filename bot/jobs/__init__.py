"""The scheduler pass. One repeating job (not one timer per community) asks each feature what is due
now; the database is the truth, so nothing needs rebuilding after a restart and a pass that runs late
catches up. The demo and tests call `run_pass` directly with a simulated clock."""

from __future__ import annotations

import logging
import time

from telegram.ext import Application, ContextTypes

from .. import metrics
from ..services import Services

log = logging.getLogger(__name__)
PASS_INTERVAL_S = 30


async def run_pass(app: Application) -> dict[str, float]:
    """Run every feature's tick once; one failing feature never stops the others. Returns timings."""
    services: Services = app.bot_data["services"]
    now = services.clock.now()
    timings = {}
    begun = time.perf_counter()
    for name, tick in services.ticks:
        started = time.perf_counter()
        try:
            await tick(services, app.bot, now)
        except Exception:  # logged with traceback; the next pass tries again
            log.exception("scheduler task %s failed", name)
        timings[name] = time.perf_counter() - started
    metrics.TICK_SECONDS.observe(time.perf_counter() - begun)
    return timings


async def _job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await run_pass(context.application)


def schedule(app: Application) -> None:
    jq = app.job_queue
    if jq is None:
        raise RuntimeError("python-telegram-bot was installed without the [job-queue] extra")
    for job in jq.get_jobs_by_name("scheduler-pass"):
        job.schedule_removal()
    jq.run_repeating(_job, interval=PASS_INTERVAL_S, first=1, name="scheduler-pass",
                     job_kwargs={"misfire_grace_time": PASS_INTERVAL_S, "coalesce": True, "max_instances": 1})
