"""Joining a group, introductions, /start and deep links, /help, chat lifecycle (removal, return,
migration, blocked), unknown commands and stale buttons."""

from __future__ import annotations

import logging

from telegram import (
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatMemberStatus
from telegram.ext import (
    Application,
    ChatMemberHandler,
    MessageHandler,
    filters,
)

from ..commands import Command, CommandRegistry
from ..keyboards import role_keyboard
from ..services import KContext
from .common import Scope, build_scope, deep_link, handler
from .principals import redeem_principal_link

log = logging.getLogger(__name__)
PRESENT = {ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER,
           ChatMemberStatus.RESTRICTED}


async def send_welcome(scope: Scope) -> None:
    """Introduce the bot in a group: what it does, one tap to join with a role, set-up for admins."""
    c = scope.community
    assert c is not None
    markup = role_keyboard(scope.services.renderer, scope.locale)
    if scope.services.bot_username:
        markup = InlineKeyboardMarkup([
            *markup.inline_keyboard,
            [InlineKeyboardButton(scope.t("btn.open_private"),
                                  url=deep_link(scope.services.bot_username, f"c{c.id}"))],
        ])
    await scope.reply("onboarding/welcome", markup=markup, quote=False)


async def on_my_chat_member(update: Update, ctx: KContext) -> None:
    cmu: ChatMemberUpdated = update.my_chat_member  # type: ignore[assignment]
    services = ctx.kb
    now = services.now_ts()
    was = cmu.old_chat_member.status in PRESENT
    is_now = cmu.new_chat_member.status in PRESENT
    if cmu.chat.type == "private":
        status = "started" if is_now else "blocked"
        await services.repos.users.upsert(cmu.from_user.id, cmu.from_user.first_name, cmu.from_user.last_name,
                                          cmu.from_user.username, cmu.from_user.language_code, now)
        await services.repos.users.set_private_status(cmu.from_user.id, status, now)
        return
    services.forget_admins(cmu.chat.id)  # the bot itself promoted or demoted: chat_member updates start or stop
    if was and not is_now:
        await services.repos.communities.set_active(cmu.chat.id, False, now)
        log.info("removed from chat %s: community kept, marked inactive", cmu.chat.id)
        return
    if is_now and not was:
        existing = await services.repos.communities.by_chat(cmu.chat.id)
        scope = await build_scope(update, ctx)  # creates (and welcomes) a new community
        if existing is not None:
            await services.repos.communities.set_active(cmu.chat.id, True, now)
            await scope.reply("onboarding/welcome_back", quote=False)
        elif not scope.onboarded_now:
            await send_welcome(scope)


async def on_migrate(update: Update, ctx: KContext) -> None:
    msg = update.effective_message
    if msg is None:
        return
    if msg.migrate_to_chat_id:
        old, new = msg.chat_id, msg.migrate_to_chat_id
    elif msg.migrate_from_chat_id:
        old, new = msg.migrate_from_chat_id, msg.chat_id
    else:
        return
    moved = await ctx.kb.repos.communities.migrate_chat(old, new, ctx.kb.now_ts())
    if moved:
        log.info("chat %s migrated to %s: data moved", old, new)


@handler()
async def cmd_start(scope: Scope) -> None:
    args = scope.ctx.args or []
    payload = args[0] if args else ""
    repos = scope.services.repos
    now = scope.services.now_ts()
    if scope.is_group:
        if payload.startswith("p"):
            await scope.reply("principals/link_in_group")
        else:
            await scope.reply("onboarding/start_group")
        return
    assert scope.user is not None
    if scope.user.private_status != "started":
        await repos.users.set_private_status(scope.user_id, "started", now)
    prefix, _, rest = payload.partition("_")
    route = scope.services.start_routes.get(prefix) if rest else None
    if route is not None:
        await route(scope, rest)
        return
    if payload.startswith("p") and len(payload) > 1:
        await redeem_principal_link(scope, payload[1:])
        return
    if payload.startswith("c") and payload[1:].isdigit():
        community = await repos.communities.get(int(payload[1:]))
        if community is None:
            await scope.reply("errors/unknown_community")
            return
        await repos.users.set_current_community(scope.user_id, community.id, now)
        scope.community = community
        scope.member = await repos.members.get(community.id, scope.user_id)
        if scope.member is None or not scope.member.active:
            await scope.reply("onboarding/start_join", markup=role_keyboard(
                scope.services.renderer, scope.locale, community.id))
            return
        await scope.reply("onboarding/start_private", communities=[community])
        return
    communities = await repos.members.communities_of(scope.user_id)
    await scope.reply("onboarding/start_private", communities=communities)


@handler()
async def cmd_help(scope: Scope) -> None:
    roles = await scope.roles()
    where = "group" if scope.is_group else "private"
    cmds = scope.services.commands.visible(where=where, roles=roles | {"member"})
    # In the group, no second name per command: an answer there stays short (issue 14's noise budget, answers
    # of at most 1,024 characters); the private help lists both names.
    lines = [(name, name if scope.is_group else f"/{c.en if scope.locale == 'id' else c.id}", scope.t(f"cmd.{c.en}"))
             for c in cmds for name in [f"/{c.id if scope.locale == 'id' else c.en}"]]
    await scope.reply("onboarding/help", lines=lines, roles=roles)


@handler()
async def cmd_cancel(scope: Scope) -> None:
    flow = await scope.services.repos.flows.get(scope.chat_id, scope.user_id)
    if flow is None:
        await scope.reply("onboarding/nothing_to_cancel")
        return
    await scope.services.repos.flows.end(scope.chat_id, scope.user_id)
    await scope.reply("onboarding/cancelled")


async def on_unknown_command(update: Update, ctx: KContext) -> None:
    msg = update.effective_message
    if msg is None or not msg.text:
        return
    first = msg.text.split()[0]
    addressed = "@" in first
    if addressed and first.split("@", 1)[1].lower() != (ctx.bot.username or "").lower():
        return  # meant for another bot
    scope = await build_scope(update, ctx)
    if scope.is_group and not addressed:
        return  # a plain /cmd in a group may belong to another bot: stay quiet
    await scope.reply("errors/unknown_command", command=first.split("@", 1)[0])


async def on_stale_button(update: Update, ctx: KContext) -> None:
    scope = await build_scope(update, ctx)
    await scope.answer("errors.stale_button", alert=True)


async def on_text(update: Update, ctx: KContext) -> None:
    """Text that is not a command: offered to the registered routes (flows, answers…) in order."""
    msg = update.effective_message
    if msg is None:
        return
    if msg.chat.type != "private" and msg.reply_to_message is None:
        return  # in groups we only consider replies (privacy mode shows us nothing else anyway)
    scope = await build_scope(update, ctx)
    for _name, route in scope.services.text_routes:
        if await route(scope, msg):
            return
    if scope.is_group:
        target = msg.reply_to_message
        if target is not None and target.from_user and target.from_user.id == ctx.bot.id:
            await scope.reply("errors/reply_not_prompt")
        return
    await scope.reply("errors/private_unknown_text")


def register(app: Application, registry: CommandRegistry) -> None:
    registry.add(
        Command("start", "start", cmd_start, menu=False),
        Command("help", "bantuan", cmd_help),
        Command("cancel", "batal", cmd_cancel),
    )
    app.bot_data["services"].greet_group = send_welcome
    app.add_handler(ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_migrate))


def register_fallbacks(app: Application) -> None:
    """Registered last: unknown commands, stale buttons, and text routed to features."""
    app.bot_data["services"].buttons.fallback = on_stale_button
    app.add_handler(MessageHandler(filters.COMMAND, on_unknown_command))
    app.add_handler(MessageHandler(CONTENT, on_text))


class _Content(filters.MessageFilter):
    """What members send to the features: text, a photo, document, voice note or sticker, and not a command.
    The same as `(TEXT | PHOTO | Document.ALL | VOICE | Sticker.ALL) & ~COMMAND & ~StatusUpdate.ALL` (a
    service message carries none of these), as one check: it runs on every message."""

    __slots__ = ()

    def filter(self, message: Message) -> bool:
        if not (message.text or message.photo or message.document or message.voice or message.sticker):
            return False
        first = message.entities[0] if message.entities else None
        return first is None or first.type != MessageEntity.BOT_COMMAND or first.offset != 0


CONTENT = _Content(name="kombel.CONTENT")
