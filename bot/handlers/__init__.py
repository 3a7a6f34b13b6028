"""Registration of every feature, in one explicit order (specific handlers first, fallbacks last)."""

from __future__ import annotations

import time

from telegram.ext import Application

from .. import live
from ..flows import route_to_flow
from ..services import Services
from . import (
    cycle,
    groups,
    guards,
    journal_loop,
    observe,
    onboarding,
    principals,
    privacy,
    programme_activities,
    programme_agreement,
    programme_map,
    reports,
    rhythm,
    rhythm_flow,
    roster,
    roster_membership,
    setup,
    surveys,
)


async def prune_updates(services: Services, bot: object, now: object) -> None:
    """Telegram re-delivers for 24 h at most: marks older than a week are no longer needed. Hourly,
    on the real clock (the marks are stamped with it, whatever the simulated time of a demo)."""
    real_now = time.time()
    if real_now - services.extra.get("pruned_at", 0) < 3600:
        return
    services.extra["pruned_at"] = real_now
    await services.repos.updates.prune(int(real_now) - 7 * 86400)


def register_all(app: Application, services: Services) -> None:
    registry = services.commands
    onboarding.register(app, registry)
    roster_membership.register(app)
    roster.register(app, registry)
    principals.register(app, registry)
    setup.register(app, registry, services.flows)
    rhythm.register(app, services)
    rhythm_flow.register(app, services)  # the guided /jadwal: it builds on rhythm, which does not know it
    cycle.register(app, services)
    journal_loop.register(app, services)
    surveys.register(app, services)
    groups.register(app, services)
    observe.register(app, services)
    reports.register(app, services)
    privacy.register(app, services)
    programme_agreement.register(app, services)  # issue 15: agreement, programme activities, the map placed by members
    programme_activities.register(app, services)
    programme_map.register(app, services)
    live.register(services)  # the catch-up of owed live-message edits, after every feature's tick
    services.ticks.append(("prune_updates", prune_updates))
    services.text_routes.insert(0, ("flows", route_to_flow))
    app.add_handler(services.buttons.handler())
    guards.register(app)  # edited commands, forwards, messages written as a chat: before anything acts
    for handler in registry.handlers():
        app.add_handler(handler)
    onboarding.register_fallbacks(app)
