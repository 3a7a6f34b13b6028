"""Personal data (UU 27/2022): /privacy explains what is stored and who sees it; a member exports
(/mydata) or erases (/deletemydata) their own data; a PIC erases the whole community (/deletecommunity)."""

from __future__ import annotations

import json

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import Application

from storage.privacy import erase_community, erase_user, export_user

from ..buttons import add_buttons
from ..commands import Command
from ..delivery import SendFailed, call
from ..keyboards import cb
from ..services import KContext, Services
from ..settings import SUPPORTED_LOCALES
from .common import Scope, build_scope, handler, refuse


def erased_labels(services: Services) -> dict[str, str]:
    """What replaces an erased person's name in a community's rows, by locale ("(dihapus)")."""
    return {loc: services.renderer.t(loc, "privacy.erased_name") for loc in SUPPORTED_LOCALES}


@handler()
async def cmd_privacy(scope: Scope) -> None:
    await scope.reply("privacy/explain")


@handler(where="private")
async def cmd_mydata(scope: Scope) -> None:
    data = await export_user(scope.services.db, scope.user_id, erased_labels(scope.services))
    payload = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    caption = scope.render("privacy/export_caption", tables=len(data))
    try:
        await call(scope.services, scope.chat_id, lambda cid: scope.ctx.bot.send_document(
            cid, InputFile(payload, filename=f"kombel-data-{scope.user_id}.json"), caption=caption))
    except SendFailed:
        await scope.reply("errors/internal")


@handler(where="private")
async def cmd_deletemydata(scope: Scope) -> None:
    markup = InlineKeyboardMarkup([[
        InlineKeyboardButton(scope.t("privacy.yes_delete"), callback_data=cb("pv", "me", "yes")),
        InlineKeyboardButton(scope.t("privacy.keep"), callback_data=cb("pv", "me", "no")),
    ]])
    await scope.reply("privacy/confirm_delete_me", markup=markup)


@handler(audience="pic", where="group")
async def cmd_deletecommunity(scope: Scope) -> None:
    assert scope.community is not None
    markup = InlineKeyboardMarkup([[
        InlineKeyboardButton(scope.t("privacy.yes_delete"), callback_data=cb("pv", "dc", scope.community.id)),
        InlineKeyboardButton(scope.t("privacy.keep"), callback_data=cb("pv", "me", "no")),
    ]])
    await scope.reply("privacy/confirm_delete_community", markup=markup)


async def on_privacy_button(update: Update, ctx: KContext) -> None:
    scope = await build_scope(update, ctx)
    parts = (scope.query.data or "").split(":")  # type: ignore[union-attr]
    if len(parts) != 3 or parts[1] not in ("me", "dc"):
        await scope.answer("errors.stale_button", alert=True)
        return
    if parts[1] == "me" and parts[2] == "no":
        await scope.answer()
        await scope.edit("privacy/kept")
        return
    if parts[1] == "me" and parts[2] == "yes" and not scope.is_group:
        services = scope.services
        await erase_user(services.db, scope.user_id, erased_labels(services))
        # who administers which group, as Telegram said it: asked again when next needed
        for chat_id in [c for c, (_, ids) in services.admin_cache.items() if scope.user_id in ids]:
            del services.admin_cache[chat_id]
        await scope.answer()
        await scope.edit("privacy/deleted_me")
        return
    if parts[1] == "dc" and scope.is_group and scope.community is not None and parts[2] == str(scope.community.id):
        if not await scope.is_pic():
            await refuse(scope, "errors/not_pic")
            return
        await erase_community(scope.services.db, scope.community.id)
        await scope.answer()
        await scope.edit("privacy/deleted_community")
        return
    await scope.answer("errors.stale_button", alert=True)


def register(app: Application, services: Services) -> None:
    services.commands.add(
        Command("privacy", "privasi", cmd_privacy),
        Command("mydata", "dataku", cmd_mydata, group=False),
        Command("deletemydata", "hapusdataku", cmd_deletemydata, group=False),
        Command("deletecommunity", "hapuskomunitas", cmd_deletecommunity, audience="pic", private=False),
    )
    add_buttons(app, "pv", on_privacy_button)
