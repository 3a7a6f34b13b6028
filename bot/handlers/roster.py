"""People and roles: /join with a role, PICs, which community a private chat is about, and languages
(principals: `principals.py`)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application

from storage.models import ROLES

from ..buttons import add_buttons
from ..commands import Command, CommandRegistry
from ..keyboards import language_keyboard, role_keyboard
from ..services import KContext
from ..settings import SUPPORTED_LOCALES
from . import roster_welcome
from .common import (
    Scope,
    build_scope,
    community_picker,
    handler,
    is_in_group,
    my_communities,
    refuse,
)


# -- joining --------------------------------------------------------------------------------------
@handler()
async def cmd_join(scope: Scope) -> None:
    if scope.community is None:
        await scope.reply("errors/no_community")
        return
    cid = None if scope.is_group else scope.community.id
    await scope.reply("roster/pick_role", markup=role_keyboard(scope.services.renderer, scope.locale, cid),
                      current=scope.member.role if scope.member and scope.member.active else None)


async def on_join_button(update: Update, ctx: KContext) -> None:
    scope = await build_scope(update, ctx)
    parts = (scope.query.data or "").split(":")  # type: ignore[union-attr]
    role = parts[1] if len(parts) > 1 else ""
    if role not in ROLES or len(parts) > 3:
        await scope.answer("errors.stale_button", alert=True)
        return
    repos = scope.services.repos
    now = scope.services.now_ts()
    if len(parts) == 3:  # pressed in private: the community is named in the data — check it for real
        if scope.is_group or not parts[2].isdigit():
            await scope.answer("errors.stale_button", alert=True)
            return
        community = await repos.communities.get(int(parts[2]))
        if community is None or not await is_in_group(scope.services, ctx, community.chat_id, scope.user_id):
            await scope.answer("errors.not_in_group", alert=True)
            return
        scope.community = community
    if scope.community is None:
        await scope.answer("errors.stale_button", alert=True)
        return
    if scope.is_group and scope.member is not None and scope.member.departed and not await is_in_group(
            scope.services, ctx, scope.community.chat_id, scope.user_id):  # a public group's button, from outside
        await scope.answer("errors.not_in_group", alert=True)
        return
    member, new = await repos.members.join(scope.community.id, scope.user_id, role, now)
    scope.member = member
    if not scope.is_group or scope.user and scope.user.current_community_id is None:
        await repos.users.set_current_community(scope.user_id, scope.community.id, now)
    role_name = scope.t(f"role.{role}")
    await scope.answer("roster.joined_alert" if new else "roster.role_changed_alert", role=role_name)
    if scope.is_group:
        if new:  # one public welcome a day, edited as others join, without a notification (a whole staff joins
            # in one morning); role changes stay between the person and the bot
            await roster_welcome.welcome(scope, member)
    else:
        extra = scope.services.feeds.welcome_extra  # e.g. the community agreement, accepted in one tap
        more, markup = await extra(scope.community) if extra is not None and new else ("", None)
        await scope.edit("roster/joined_private", member=member, role=role_name, more=more, markup=markup)


# -- which community a private chat is about ----------------------------------------------------------
@handler(where="private")
async def cmd_community(scope: Scope) -> None:
    markup = await community_picker(scope)
    mine = await my_communities(scope)
    if markup is None:
        await scope.reply("roster/one_community", communities=mine)
        return
    await scope.reply("roster/pick_community", markup=markup)


async def on_community_button(update: Update, ctx: KContext) -> None:
    scope = await build_scope(update, ctx)
    parts = (scope.query.data or "").split(":")  # type: ignore[union-attr]
    chosen = None
    if len(parts) == 2 and parts[1].isdigit() and not scope.is_group:
        chosen = next((c for c in await my_communities(scope) if c.id == int(parts[1])), None)
    if chosen is None:  # forged, or no longer theirs
        await scope.answer("errors.stale_button", alert=True)
        return
    await scope.services.repos.users.set_current_community(scope.user_id, chosen.id, scope.services.now_ts())
    scope.community = chosen
    await scope.answer()
    await scope.edit("roster/community_chosen")


# -- PICs -----------------------------------------------------------------------------------------
@handler(audience="pic", where="group")
async def cmd_pic(scope: Scope) -> None:
    args = [a.lower() for a in (scope.ctx.args or [])]
    repos = scope.services.repos
    assert scope.community is not None
    target = scope.message.reply_to_message if scope.message else None
    if not args or args[0] not in ("add", "tambah", "remove", "hapus"):
        members = await repos.members.list(scope.community.id)
        pics = [m for m in members if m.pic]
        await scope.reply("roster/pic_usage", pics=pics)
        return
    if target is None or target.from_user is None or target.from_user.is_bot:
        await scope.reply("roster/pic_need_reply")
        return
    tu = target.from_user
    now = scope.services.now_ts()
    await repos.users.upsert(tu.id, tu.first_name, tu.last_name, tu.username, tu.language_code, now)
    make = args[0] in ("add", "tambah")
    if not make:
        others = [m for m in await repos.members.list(scope.community.id) if m.pic and m.user_id != tu.id]
        if tu.id == scope.user_id and not others:
            await scope.reply("roster/pic_last")
            return
    await repos.members.set_pic(scope.community.id, tu.id, make, now)
    await scope.reply("roster/pic_added" if make else "roster/pic_removed", name=tu.full_name)


# -- languages ------------------------------------------------------------------------------------
@handler()
async def cmd_language(scope: Scope) -> None:
    if scope.is_group:
        if not await scope.is_pic():
            await refuse(scope, "errors/not_pic")
            return
        await scope.reply("roster/language_group", markup=language_keyboard(
            scope.services.renderer, scope.locale, "c"))
        return
    await scope.reply("roster/language_private", markup=language_keyboard(scope.services.renderer, scope.locale, "u"))


async def on_language_button(update: Update, ctx: KContext) -> None:
    scope = await build_scope(update, ctx)
    parts = (scope.query.data or "").split(":")  # type: ignore[union-attr]
    if len(parts) != 3 or parts[1] not in ("c", "u") or parts[2] not in SUPPORTED_LOCALES:
        await scope.answer("errors.stale_button", alert=True)
        return
    now = scope.services.now_ts()
    code = parts[2]
    if parts[1] == "c":
        if not scope.is_group or scope.community is None or not await scope.is_pic():
            await refuse(scope, "errors/not_pic")
            return
        scope.community = await scope.services.repos.communities.update(scope.community.id, now, locale=code)
    else:
        if scope.is_group:
            await scope.answer("errors.stale_button", alert=True)
            return
        await scope.services.repos.users.set_locale(scope.user_id, code, now)
    scope.locale = code
    await scope.answer()
    await scope.edit("roster/language_set", scope_kind=parts[1])


def register(app: Application, registry: CommandRegistry) -> None:
    registry.add(
        Command("join", "daftar", cmd_join, audience="everyone"),
        Command("language", "bahasa", cmd_language),
        Command("community", "komunitas", cmd_community, group=False),
        Command("pic", "pic", cmd_pic, audience="pic", private=False),
    )
    add_buttons(app, "jn", on_join_button)
    add_buttons(app, "lg", on_language_button)
    add_buttons(app, "cm", on_community_button)


