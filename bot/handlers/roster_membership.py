"""Membership follows the Telegram group. Someone who leaves, is removed or banned becomes inactive in the
community (no rights, no reminders, no private access to its data); coming back restores what they had.

Two sources tell: `chat_member` updates (only where the bot is an administrator, and only because
`chat_member` is in allowed_updates) and the `left_chat_member` / `new_chat_members` service messages (every
bot sees those). Where neither came, `common.reconcile` asks getChatMember before a private action."""

from __future__ import annotations

import logging

from telegram import ChatMemberUpdated, Update
from telegram.constants import ChatType
from telegram.ext import Application, ChatMemberHandler, MessageHandler, filters

from ..services import KContext, Services
from .common import standing_of

log = logging.getLogger(__name__)
GROUPS = (ChatType.GROUP, ChatType.SUPERGROUP)


async def on_chat_member(update: Update, ctx: KContext) -> None:
    """Someone else joined, left, was removed, banned, promoted or demoted (the bot is an administrator)."""
    cmu: ChatMemberUpdated = update.chat_member  # type: ignore[assignment]
    person = cmu.new_chat_member.user
    if cmu.chat.type not in GROUPS or person.is_bot:
        return
    services = ctx.kb
    old, new = standing_of(cmu.old_chat_member), standing_of(cmu.new_chat_member)
    services.forget_standing(cmu.chat.id, person.id)
    if old.admin != new.admin or (old.present and not new.present):
        services.forget_admins(cmu.chat.id)  # a demoted administrator is no PIC from this update on
    if old.present != new.present:
        await _moved(services, cmu.chat.id, person.id, present=new.present)


async def on_service_message(update: Update, ctx: KContext) -> None:
    """`left_chat_member` / `new_chat_members`: sent to every bot in the group, administrator or not."""
    msg = update.effective_message
    if msg is None or msg.chat.type not in GROUPS:
        return
    services = ctx.kb
    if msg.left_chat_member is not None and not msg.left_chat_member.is_bot:
        services.forget_standing(msg.chat_id, msg.left_chat_member.id)
        services.forget_admins(msg.chat_id)
        await _moved(services, msg.chat_id, msg.left_chat_member.id, present=False)
    for person in msg.new_chat_members or ():
        if not person.is_bot:
            services.forget_standing(msg.chat_id, person.id)
            await _moved(services, msg.chat_id, person.id, present=True)


async def _moved(services: Services, chat_id: int, user_id: int, *, present: bool) -> None:
    community = await services.repos.communities.by_chat(chat_id)
    if community is None:
        return
    members = services.repos.members
    if present:
        if await members.rejoin(community.id, user_id):
            log.info("user %s is back in chat %s: membership restored", user_id, chat_id)
    elif await members.depart(community.id, user_id, services.now_ts()):
        log.info("user %s left chat %s (or was removed): marked inactive", user_id, chat_id)


def register(app: Application) -> None:
    app.add_handler(ChatMemberHandler(on_chat_member, ChatMemberHandler.CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.StatusUpdate.NEW_CHAT_MEMBERS | filters.StatusUpdate.LEFT_CHAT_MEMBER,
                                   on_service_message))
