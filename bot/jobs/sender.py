"""One sender at a time across worker processes (PostgreSQL, `kombel-bot serve` with several workers).

The scheduler pass renders and sends in one step (each feature's tick claims its outbox key, sends, settles),
so the worker that holds the sender lease (storage/sender_lease.py: `pg_try_advisory_lock` on a connection
of its own) is the one whose pass runs the ticks and the live-message catch-up; the others keep trying the
lease every `LEASE_POLL_S` and, the moment one gets it (its holder died), run a pass at once. So the outbox
is drained by one process, whose Pacer (bot/jobs/broadcast.py) alone spaces the bot's 30 msg/s and each
group's 20 msg/min — two senders would each pace themselves and together break both limits. Answers to
updates are sent by whichever worker handles the update, as before.

On SQLite (one process) nothing is installed and every pass runs."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from storage.sender_lease import SenderLease

if TYPE_CHECKING:
    from telegram.ext import Application, ContextTypes

    from ..services import Services

log = logging.getLogger(__name__)
LEASE_POLL_S = 2.0
KEY = "sender_lease"


def install(app: Application, url: str) -> SenderLease:
    """Make this process one of several that compete for the sender role (call before `start`)."""
    services: Services = app.bot_data["services"]
    lease = services.extra.get(KEY)
    if lease is None:
        lease = services.extra[KEY] = SenderLease(url)
        services.extra.setdefault("cleanups", []).append(lease.release)
    return lease


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
