"""What handlers share beyond the Scope (`bot/scope.py`): the `@handler` wrapper that builds it and refuses
politely, refusals, the community picker, working groups by name. Handlers stay thin: build a Scope, call
storage/domain, reply with a template."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from storage.models import Community

from ..feeds import GroupRef
from ..keyboards import cb, role_keyboard
from ..quiet import school_calendar as school_calendar  # re-exported: handlers import these from here
from ..scope import STANDING_TTL_S as STANDING_TTL_S
from ..scope import Scope as Scope
from ..scope import build_scope as build_scope
from ..scope import chat_standing as chat_standing
from ..scope import deep_link as deep_link
from ..scope import group_admins as group_admins
from ..scope import is_in_group as is_in_group
from ..scope import is_pic as is_pic
from ..scope import locale_for as locale_for
from ..scope import reconcile as reconcile
from ..scope import standing_of as standing_of
from ..scope import topic_of as topic_of
from ..services import KContext

log = logging.getLogger(__name__)


Handler = Callable[[Scope], Awaitable[Any]]


def handler(*, audience: str = "everyone", where: str = "any") -> Callable[[Handler], Callable[..., Awaitable[Any]]]:
    """Wrap a Scope handler as a PTB callback, refusing politely those who may not act here."""

    def deco(fn: Handler) -> Callable[..., Awaitable[Any]]:
        @functools.wraps(fn)
        async def wrapper(update: Update, ctx: KContext) -> Any:
            scope = await build_scope(update, ctx)
            if scope.user is None:
                return None
            if where == "group" and not scope.is_group:
                await refuse(scope, "errors/group_only")
                return None
            if where == "private" and scope.is_group:
                await refuse(scope, "errors/private_only")
                return None
            if audience in ("member", "pic") and scope.community is None:
                await refuse(scope, "errors/no_community")
                return None
            if audience == "pic" and not await scope.is_pic():
                await refuse(scope, "errors/not_pic")
                return None
            if audience == "member" and not (scope.member and scope.member.active) and not await scope.is_pic():
                await refuse(scope, "errors/not_member", markup=join_markup(scope))
                return None
            return await fn(scope)

        wrapper.scope_handler = fn  # type: ignore[attr-defined]
        return wrapper

    return deco


async def refuse(scope: Scope, key: str, **kw: Any) -> None:
    if key in ("errors/not_pic", "errors/not_member") and scope.community is not None \
            and scope.member is not None and scope.member.departed:
        key, kw = "errors/left_group", {}  # they were in it: say why, not how to join
    if scope.query is not None:
        await scope.answer(key.replace("/", "."), alert=True)
        return
    if key == "errors/no_community" and not scope.is_group and scope.user is not None:
        markup = await community_picker(scope)
        if markup is not None:  # they belong to several: ask which one they mean
            await scope.reply("roster/pick_community", markup=markup)
            return
    await scope.reply(key, **kw)


async def pic_flow_community(scope: Scope, flow: Any) -> Community | None:
    """The community a PIC's multi-step flow is about, with the scope set to it; None (the flow ended, the
    person refused politely if they are no longer a PIC) when it is gone or they may not go on."""
    services = scope.services
    community = await services.repos.communities.get(flow.community_id) if flow.community_id else None
    if community is None:
        await services.repos.flows.end(flow.chat_id, flow.user_id)
        return None
    scope.community = community
    if not await scope.is_pic():
        await services.repos.flows.end(flow.chat_id, flow.user_id)
        await refuse(scope, "errors/not_pic")
        return None
    return community


async def my_communities(scope: Scope) -> list[Community]:
    repos = scope.services.repos
    found = {c.id: c for c in await repos.members.communities_of(scope.user_id)}
    for c in await repos.principals.communities_of(scope.user_id):
        found.setdefault(c.id, c)
    return list(found.values())


async def community_picker(scope: Scope) -> InlineKeyboardMarkup | None:
    mine = await my_communities(scope)
    if len(mine) < 2:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(c.display_name[:60], callback_data=cb("cm", c.id))]
                                 for c in mine])


def join_markup(scope: Scope) -> InlineKeyboardMarkup | None:
    """Role buttons to join the community in one tap (in a group), or a link to the group's private chat."""
    if scope.community is None:
        return None
    return role_keyboard(scope.services.renderer, scope.locale, scope.community.id if not scope.is_group else None)


def url_button(text: str, url: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, url=url)


async def find_group(scope: Scope, name: str, *, example: str = "survey") -> GroupRef | None:
    """The community's working group called `name` (`… kelompok <name>` of /survei, /siklus, /jadwal); None
    after a friendly answer naming the groups there are (`example`: which command's example it shows)."""
    assert scope.community is not None
    groups = scope.services.feeds.groups
    group = await groups.by_name(scope.community.id, name) if groups is not None and name else None
    if group is None:
        await scope.reply("groups/unknown", name=name[:40], example=example,
                          groups=await groups.names(scope.community.id) if groups is not None else [])
    return group
