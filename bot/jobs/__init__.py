"""The scheduler pass. One repeating job (not one timer per community) asks each feature what is due
now; the database is the truth, so nothing needs rebuilding after a restart and a pass that runs late
catches up. The demo and tests call `run_pass` directly with a simulated clock.

With several workers (PostgreSQL) every worker runs the pass: each tick in one worker at a time
(bot/jobs/sender.take_turn), its sends queued in the outbox; the sender-lease holder sends them
(bot/outbox.py: at once for its own ticks, `drain` for the rest) and runs the live catch-up."""

from __future__ import annotations

import logging
import time

from telegram.ext import Application, ContextTypes

from .. import live, metrics, outbox
from ..services import Services
from . import sender

log = logging.getLogger(__name__)
PASS_INTERVAL_S = 30
# The live-message catch-up (bot.live.tick) also runs on its own this often, so an owed edit goes out within a
# second of its interval (30 s) passing: what a member sees of a live count is at most ~31 s old, not 60.
LIVE_CATCH_UP_S = 1
SENDER_ONLY = frozenset({"live"})  # ticks that edit messages themselves rather than queue: the sender's


async def run_pass(app: Application) -> dict[str, float]:
    """Run every feature's tick once; one failing feature never stops the others. Returns timings."""
    services: Services = app.bot_data["services"]
    is_sender = await sender.may_send(services)
    now = services.clock.now()
    timings = {}
    begun = time.perf_counter()
    for name, tick in services.ticks:
        if name in SENDER_ONLY and not is_sender:
            continue
        started = time.perf_counter()
        async with sender.take_turn(services, name) as mine:
            if not mine:  # another worker's pass is running it
                continue
            try:
                await tick(services, app.bot, now)
            except Exception:  # logged with traceback; the next pass tries again
                log.exception("scheduler task %s failed", name)
        timings[name] = time.perf_counter() - started
    if is_sender:
        await _drain(services, app)
    metrics.TICK_SECONDS.observe(time.perf_counter() - begun)
    return timings


async def _drain(services: Services, app: Application) -> None:
    try:
        await outbox.drain(services, app.bot)
    except Exception:  # logged; the next run tries again
        log.exception("outbox drain failed")


async def _job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await run_pass(context.application)


async def _live_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    services: Services = context.application.bot_data["services"]
    if not await sender.may_send(services):
        return
    await _drain(services, context.application)  # what other workers queued: out within about a second
    try:
        await live.tick(services, context.application.bot, services.clock.now())
    except Exception:  # logged; the next run tries again
        log.exception("live catch-up failed")


async def _lease_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    services: Services = context.application.bot_data["services"]
    if await sender.became_sender(services):  # the last sender died: send what it left at once
        await _drain(services, context.application)


def schedule(app: Application) -> None:
    jq = app.job_queue
    if jq is None:
        raise RuntimeError("python-telegram-bot was installed without the [job-queue] extra")
    for name in ("scheduler-pass", "live-catch-up"):
        for job in jq.get_jobs_by_name(name):
            job.schedule_removal()
    every = float(getattr(app.bot_data["services"].settings, "pass_interval_s", PASS_INTERVAL_S))
    jq.run_repeating(_job, interval=every, first=1, name="scheduler-pass",
                     job_kwargs={"misfire_grace_time": max(1, round(every)), "coalesce": True, "max_instances": 1})
    jq.run_repeating(_live_job, interval=LIVE_CATCH_UP_S, first=LIVE_CATCH_UP_S, name="live-catch-up",
                     job_kwargs={"misfire_grace_time": LIVE_CATCH_UP_S, "coalesce": True, "max_instances": 1})
    sender.schedule(app, _lease_job)
