"""Principals (kepala sekolah): a PIC's /principal (/kepsek) makes a single-use deep link, sent to the PIC in
private because it is a secret; the principal opens it (`/start p<token>`, routed here by onboarding) and
oversees the community from then on (reports, the digest). `/kepsek daftar` lists them, with a button to
unlink each."""

from __future__ import annotations

import secrets

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application

from ..buttons import add_buttons
from ..commands import Command, CommandRegistry
from ..delivery import send_text
from ..keyboards import cb
from ..services import KContext
from .common import Scope, build_scope, deep_link, handler, refuse


# -- the link -----------------------------------------------------------------------------------
@handler(audience="pic")
async def cmd_principal(scope: Scope) -> None:
    """Make a single-use link for the principal. It is a secret, so it goes to the PIC in private."""
    assert scope.community is not None and scope.user is not None
    repos = scope.services.repos
    args = [a.lower() for a in (scope.ctx.args or [])]
    principals = await repos.principals.of_community(scope.community.id)
    if args and args[0] in ("list", "daftar", "remove", "lepas"):
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(
            scope.t("btn.unlink", name=p.full_name)[:60], callback_data=cb("pr", "rm", scope.community.id, p.id))]
            for p in principals]) if principals else None
        await scope.reply("principals/list", principals=principals, markup=markup)
        return
    now = scope.services.now_ts()
    token = secrets.token_urlsafe(16)  # 128 random bits, 22 URL-safe characters
    hours = scope.services.settings.principal_link_hours
    expires = now + hours * 3600
    await repos.principals.create_link(scope.community.id, scope.user_id, token, now, expires)
    link = deep_link(scope.services.bot_username, f"p{token}")
    text = scope.render("principals/link", link=link, hours=hours)
    if scope.is_group:
        if not scope.user.reachable:
            await scope.reply("principals/start_me_first", markup=InlineKeyboardMarkup([[InlineKeyboardButton(
                scope.t("btn.open_private"), url=deep_link(scope.services.bot_username, f"c{scope.community.id}"))]]))
            return
        sent = await send_text(scope.services, scope.ctx.bot, scope.user_id, text)
        await scope.reply("principals/link_sent_private" if sent else "principals/start_me_first")
        return
    await scope.send_html(text)


async def redeem_principal_link(scope: Scope, token: str) -> None:
    repos = scope.services.repos
    now = scope.services.now_ts()
    result = await repos.principals.redeem(token, scope.user_id, now)
    if result.status in ("unknown", "used", "expired"):
        await scope.reply(f"principals/link_{result.status}")
        return
    community = await repos.communities.get(result.community_id)  # type: ignore[arg-type]
    scope.community = community
    await repos.users.set_current_community(scope.user_id, community.id, now)  # type: ignore[union-attr]
    oversees = await repos.principals.communities_of(scope.user_id)
    await scope.reply("principals/linked" if result.status == "ok" else "principals/already", oversees=oversees)


async def on_principal_button(update: Update, ctx: KContext) -> None:
    scope = await build_scope(update, ctx)
    parts = (scope.query.data or "").split(":")  # type: ignore[union-attr]
    if len(parts) != 4 or parts[1] != "rm" or not parts[2].isdigit() or not parts[3].isdigit():
        await scope.answer("errors.stale_button", alert=True)
        return
    community = await scope.services.repos.communities.get(int(parts[2]))
    if community is None or (scope.is_group and community.chat_id != scope.chat_id):
        await scope.answer("errors.stale_button", alert=True)
        return
    scope.community = community
    scope.member = await scope.services.repos.members.get(community.id, scope.user_id)
    if not await scope.is_pic():
        await refuse(scope, "errors/not_pic")
        return
    removed = await scope.services.repos.principals.unlink(community.id, int(parts[3]))
    await scope.answer("principals.unlinked_alert" if removed else "errors.stale_button")
    principals = await scope.services.repos.principals.of_community(community.id)
    await scope.edit("principals/list", principals=principals)


def register(app: Application, registry: CommandRegistry) -> None:
    registry.add(Command("principal", "kepsek", cmd_principal, audience="pic"))
    add_buttons(app, "pr", on_principal_button)
