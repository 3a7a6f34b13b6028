"""(being built)"""

from __future__ import annotations

from telegram.ext import Application

from ..services import Services


def register(app: Application, services: Services) -> None:
    return None
