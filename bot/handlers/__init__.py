"""Registration of every feature, in one explicit order (specific handlers first, fallbacks last)."""

from __future__ import annotations

from telegram.ext import Application

from ..flows import route_to_flow
from ..services import Services
from . import cycle, onboarding, privacy, reports, rhythm, roster, setup, surveys


def register_all(app: Application, services: Services) -> None:
    registry = services.commands
    onboarding.register(app, registry)
    roster.register(app, registry)
    setup.register(app, registry, services.flows)
    rhythm.register(app, services)
    cycle.register(app, services)
    surveys.register(app, services)
    reports.register(app, services)
    privacy.register(app, services)
    services.text_routes.insert(0, ("flows", route_to_flow))
    for handler in registry.handlers():
        app.add_handler(handler)
    onboarding.register_fallbacks(app)
