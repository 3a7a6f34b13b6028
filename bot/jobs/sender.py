"""One sender at a time across worker processes (PostgreSQL, `kombel-bot serve` with several workers), and
each tick in one worker at a time.

Every worker runs the scheduler pass. A feature's tick runs in whichever worker's pass takes its tick lock
first (`take_turn`; storage/sender_lease.TickLocks), and queues what is due in the outbox with the due row's
advance (bot/outbox.py). The worker that holds the sender lease (storage/sender_lease.py:
`pg_try_advisory_lock` on a connection of its own) sends: what its own ticks queue at once, the rest by
draining the outbox every second, and it alone runs the live-message catch-up (edits). The others keep trying
the lease every `LEASE_POLL_S` and, the moment one gets it (its holder died), drain at once. So the outbox is
sent by one process, whose Pacer (bot/jobs/broadcast.py) alone spaces the bot's 30 msg/s and each group's
20 msg/min — two senders would each pace themselves and together break both limits. Answers to updates are
sent by whichever worker handles the update, as before.

On SQLite (one process) nothing is installed: the process is the sender and runs every tick."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from storage.sender_lease import SenderLease, TickLocks

if TYPE_CHECKING:
    from telegram.ext import Application, ContextTypes

    from ..services import Services

log = logging.getLogger(__name__)
LEASE_POLL_S = 2.0
KEY = "sender_lease"
TICKS = "tick_locks"


def install(app: Application, url: str) -> SenderLease:
    """Make this process one of several that compete for the sender role (call before `start`)."""
    services: Services = app.bot_data["services"]
    lease = services.extra.get(KEY)
    if lease is None:
        lease = services.extra[KEY] = SenderLease(url)
        services.extra.setdefault("cleanups", []).append(lease.release)
        ticks = services.extra[TICKS] = TickLocks(url)
        services.extra["cleanups"].append(ticks.close)
    return lease


@asynccontextmanager
async def take_turn(services: Services, name: str) -> AsyncIterator[bool]:
    """`async with take_turn(services, "cycle") as mine:` — True when this worker runs that tick now (always,
    with one process); False when another worker's pass is running it."""
    locks: TickLocks | None = services.extra.get(TICKS)
    if locks is None:
        yield True
        return
    mine = await locks.try_take(name)
    try:
        yield mine
    finally:
        if mine:
            await locks.give_back(name)


async def may_send(services: Services) -> bool:
    """True when this process may run the ticks: no lease installed (one process), or it holds the lease."""
    lease: SenderLease | None = services.extra.get(KEY)
    return True if lease is None else await lease.refresh()


async def became_sender(services: Services) -> bool:
    """Refresh the lease; True when this process has just become the sender (it should run a pass now)."""
    lease: SenderLease | None = services.extra.get(KEY)
    if lease is None:
        return False
    was = lease.held
    return await lease.refresh() and not was


def schedule(app: Application, poll: Callable[[ContextTypes.DEFAULT_TYPE], Awaitable[None]]) -> None:
    """Run `poll` (bot.jobs: `became_sender`, then a pass) every LEASE_POLL_S when a lease is installed."""
    jq = app.job_queue
    if jq is None or app.bot_data["services"].extra.get(KEY) is None:
        return
    for job in jq.get_jobs_by_name("sender-lease"):
        job.schedule_removal()
    jq.run_repeating(poll, interval=LEASE_POLL_S, first=0.2, name="sender-lease",
                     job_kwargs={"misfire_grace_time": round(LEASE_POLL_S), "coalesce": True, "max_instances": 1})
