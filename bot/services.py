"""Shared resources of the running bot, opened in post_init and closed in post_shutdown, reached from
handlers through the typed context (`context.kb`)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from storage.db import Database
from storage.models import Community
from storage.repos import Repos

from .buttons import ButtonRouter
from .clock import Clock
from .commands import CommandRegistry
from .feeds import Feeds
from .render import Renderer
from .settings import Settings
from .tgbot import KombelBot

# A handler's `bot.scope.Scope`. The Scope is built on Services, so Services names it only by this alias
# (importing it here would tie the two modules in a cycle).
Scope = Any
TextHandler = Callable[["Scope", Any], Awaitable[bool]]
TickHandler = Callable[["Services", ExtBot, Any], Awaitable[None]]



@dataclass
class Services:
    settings: Settings
    db: Database
    repos: Repos
    renderer: Renderer
    clock: Clock
    commands: CommandRegistry
    buttons: ButtonRouter = field(default_factory=ButtonRouter)
    # Text messages not consumed by a command go through these, in order, until one returns True.
    text_routes: list[tuple[str, TextHandler]] = field(default_factory=list)
    # Periodic work: each runs on every scheduler pass with the current time.
    ticks: list[tuple[str, TickHandler]] = field(default_factory=list)
    # Multi-step conversations by name (see bot.flows).
    flows: dict[str, Any] = field(default_factory=dict)
    # /start deep-link payloads by prefix ("sv_12" -> start_routes["sv"](scope, "12")); p and c are built in.
    start_routes: dict[str, Callable[[Scope, str], Awaitable[None]]] = field(default_factory=dict)
    # What features give each other (reports above all), typed, one attribute per feature (bot.feeds).
    feeds: Feeds = field(default_factory=Feeds)
    # Group administrators by chat (who counts as PIC unless named or removed): (expires, user ids).
    admin_cache: dict[int, tuple[float, frozenset[int]]] = field(default_factory=dict)
    # Where the bot gets no `chat_member` updates: what Telegram said of a person in a group, briefly trusted.
    standing_cache: dict[tuple[int, int], tuple[int, Standing]] = field(default_factory=dict)
    bot_username: str = ""
    # Says hello in a group the bot had no record of (`bot.scope.build_scope` calls it; onboarding sets it).
    greet_group: Callable[[Scope], Awaitable[None]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def now_ts(self) -> int:
        return self.clock.ts()

    def cached_admins(self, chat_id: int) -> frozenset[int] | None:
        hit = self.admin_cache.get(chat_id)
        if hit and hit[0] > time.monotonic():
            return hit[1]
        return None

    def remember_admins(self, chat_id: int, user_ids: frozenset[int], ttl: float) -> frozenset[int]:
        self.admin_cache[chat_id] = (time.monotonic() + ttl, user_ids)
        return user_ids

    def forget_admins(self, chat_id: int) -> None:
        """Someone was promoted, demoted or left: the next check asks Telegram."""
        self.admin_cache.pop(chat_id, None)

    def cached_standing(self, chat_id: int, user_id: int) -> Standing | None:
        hit = self.standing_cache.get((chat_id, user_id))
        return hit[1] if hit and hit[0] > self.now_ts() else None

    def remember_standing(self, chat_id: int, user_id: int, standing: Standing, ttl: int) -> Standing:
        now = self.now_ts()
        if len(self.standing_cache) > 10_000:  # bounded: drop what has expired
            self.standing_cache = {k: v for k, v in self.standing_cache.items() if v[0] > now}
        self.standing_cache[(chat_id, user_id)] = (now + ttl, standing)
        return standing

    def forget_standing(self, chat_id: int, user_id: int) -> None:
        self.standing_cache.pop((chat_id, user_id), None)


def render(services: Services, community: Community | None, locale: str, key: str, **kw: Any) -> str:
    """The template `key` in `locale`, for a community's chat: what every message is rendered through
    (`Scope.render` too), with the community and the bot's username at hand for the template."""
    kw.setdefault("community", community)
    kw.setdefault("bot_username", services.bot_username)
    return services.renderer.render(locale, key, **kw)


@dataclass(frozen=True)
class Standing:
    """A person's place in a group, as Telegram's getChatMember gave it."""

    present: bool  # creator, administrator, member, or restricted but still a member
    admin: bool  # creator or administrator


class KContext(CallbackContext[KombelBot, dict, dict, dict]):
    """The callback context with typed access to the bot's services."""

    def __init__(self, application: Application, chat_id: int | None = None, user_id: int | None = None):
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def kb(self) -> Services:
        return self.application.bot_data["services"]
