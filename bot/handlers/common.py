"""What every handler needs: who is speaking, where, in which community and language, with which
rights; and how to answer. Handlers stay thin: build a Scope, call storage/domain, reply with a template."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import (
    CallbackQuery,
    ChatMember,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

from domain.calendar import SchoolCalendar
from storage.models import Community, Member, User

from ..delivery import SendFailed, Sent, call, edit_html, in_topic, post_message
from ..feeds import GroupRef
from ..services import KContext, Services, Standing

log = logging.getLogger(__name__)


@dataclass
class Scope:
    update: Update
    ctx: KContext
    services: Services
    user: User | None
    chat_id: int
    is_group: bool
    community: Community | None
    member: Member | None
    locale: str
    onboarded_now: bool = False
    _roles: set[str] | None = field(default=None, repr=False)

    # -- identity and rights ----------------------------------------------------------------------
    @property
    def message(self) -> Message | None:
        return self.update.effective_message

    @property
    def query(self) -> CallbackQuery | None:
        return self.update.callback_query

    @property
    def user_id(self) -> int:
        return self.user.id if self.user else 0

    @property
    def thread(self) -> int | None:
        """The forum topic this update came from (None: General, a group without topics, or private)."""
        return topic_of(self.message) if self.is_group else None

    def topic_link(self, thread: int | None) -> str | None:
        """A t.me link opening a topic of this group (members of a private supergroup can follow t.me/c/…)."""
        chat = self.update.effective_chat
        if thread is None or chat is None:
            return None
        if chat.username:
            return f"https://t.me/{chat.username}/{thread}"
        return f"https://t.me/c/{str(chat.id).removeprefix('-100')}/{thread}"

    async def is_pic(self) -> bool:
        if self.community is None or self.user is None:
            return False
        here = self.is_group and self.community.chat_id == self.chat_id
        return await is_pic(self.services, self.ctx, self.community, self.user_id, self.member, in_group=here)

    async def is_principal(self) -> bool:
        if self.community is None or self.user is None:
            return False
        return await self.services.repos.principals.is_principal(self.community.id, self.user_id)

    async def roles(self) -> set[str]:
        if self._roles is None:
            roles = set()
            if self.member and self.member.active:
                roles.add("member")
            if await self.is_pic():
                roles.add("pic")
            if self.user and await self.services.repos.principals.communities_of(self.user_id):
                roles.add("principal")
            self._roles = roles
        return self._roles

    # -- text -------------------------------------------------------------------------------------
    def render(self, key: str, **kw: Any) -> str:
        return self.services.renderer.render(self.locale, key, **self._common(kw))

    def t(self, key: str, **kw: Any) -> str:
        return self.services.renderer.t(self.locale, key, **kw)

    def _common(self, kw: dict[str, Any]) -> dict[str, Any]:
        kw.setdefault("community", self.community)
        kw.setdefault("user", self.user)
        kw.setdefault("bot_username", self.services.bot_username)
        return kw

    # -- answering --------------------------------------------------------------------------------
    async def reply(self, key: str, *, markup: Any = None, quote: bool = True, **kw: Any) -> Sent | None:
        """Answer in this chat with the template `key` (replying to the person's message in groups)."""
        return await self.send_html(self.render(key, **kw), markup=markup, quote=quote)

    async def send_html(self, text: str, *, markup: Any = None, quote: bool = True, silent: bool = False) -> Sent | None:
        """`silent`: delivered without a notification sound (Telegram's disable_notification)."""
        msg = self.message
        reply_params = None
        if quote and self.is_group and msg is not None and self.query is None:
            reply_params = {"message_id": msg.message_id, "allow_sending_without_reply": True}

        def send(cid: int, thread: int | None) -> Any:
            return post_message(self.ctx.bot, cid, text, reply_markup=markup, reply_parameters=reply_params,
                                message_thread_id=thread, disable_notification=silent or None)

        # In the topic of the message answered; with no message (the bot was added back…): the home topic.
        thread = topic_of(msg)
        fn = (lambda cid: send(cid, thread)) if msg is not None else (
            in_topic(self.services, self.community if self.is_group else None, send))
        try:
            return await call(self.services, self.chat_id, fn)
        except SendFailed:
            return None

    async def react(self, emoji: str = "👍") -> None:
        """A silent receipt on the person's own message: confirms without adding a message to the group."""
        msg = self.message
        if msg is None:
            return
        try:
            await call(self.services, self.chat_id, lambda cid: self.ctx.bot.post_json("setMessageReaction", {
                "chat_id": cid, "message_id": msg.message_id, "reaction": [{"type": "emoji", "emoji": emoji}]}))
        except SendFailed:  # a group may disable reactions: the saved answer still shows in the counts
            pass

    async def ask(self, key: str, *, placeholder: str | None = None, **kw: Any) -> Sent | None:
        """Ask for a typed answer: in groups a selective ForceReply aimed at this person's message."""
        markup = ForceReply(selective=True, input_field_placeholder=placeholder) if self.is_group else None
        if self.is_group and self.query is not None and self.user is not None:
            # From a button there is no message of theirs to aim at: mention them so selective works.
            kw.setdefault("mention", self.user)
        return await self.reply(key, markup=markup, **kw)

    async def answer(self, key: str | None = None, *, alert: bool = False, **kw: Any) -> None:
        """Answer the button press (always, so the client stops its spinner)."""
        if self.query is None:
            return
        text = self.t(key, **kw) if key else None
        try:
            await self.ctx.bot.post_json("answerCallbackQuery", {
                "callback_query_id": self.query.id, "text": text, "show_alert": alert or None})
        except TelegramError as exc:  # too old / already answered: nothing to do
            log.debug("answerCallbackQuery failed: %s", exc)

    async def edit(self, key: str, *, markup: Any = None, **kw: Any) -> None:
        """Replace the text of the message whose button was pressed."""
        if self.query is None or self.query.message is None:
            return
        text = self.render(key, **kw)
        mid = self.query.message.message_id
        try:
            await call(self.services, self.chat_id, lambda cid: edit_html(self.ctx.bot, cid, mid, text, markup))
        except SendFailed:
            pass


def topic_of(message: Message | None) -> int | None:
    """The forum topic a message is in: its message_thread_id only if it is a topic message (a reply in
    General carries the thread of what it answers, which is no topic; an inaccessible old message has
    neither attribute)."""
    if message is None or not getattr(message, "is_topic_message", False):
        return None
    return message.message_thread_id


ADMINS_TTL_S = 600  # how long a group's administrator list is trusted
ADMINS_RETRY_S = 60  # after Telegram refused to give it
STANDING_TTL_S = 60  # how long getChatMember's answer is trusted where the bot gets no chat_member updates


async def is_pic(services: Services, ctx: KContext, community: Community, user_id: int,
                 member: Member | None, *, in_group: bool = False) -> bool:
    """A named PIC, or a group administrator not removed as PIC by another PIC; never someone who has left
    the group. `in_group`: asked about a message in the group itself (which shows they are in it)."""
    if member is not None and not in_group:
        member = await reconcile(services, ctx, community, user_id, member)
    if member is not None and member.departed:
        return False
    if member is not None and member.pic is not None:
        return member.pic
    admins = await group_admins(services, ctx, community.chat_id)
    if user_id not in admins:
        return False
    if ctx.bot.id in admins:  # chat_member updates drop the list at once when an administrator changes
        return True
    # No chat_member updates here: a demotion since the list was fetched shows only in getChatMember.
    standing = await chat_standing(services, ctx, community.chat_id, user_id)
    if standing is not None and not standing.present:
        await reconcile(services, ctx, community, user_id, member)
    return standing is None or standing.admin


async def group_admins(services: Services, ctx: KContext, chat_id: int) -> frozenset[int]:
    """The group's administrators, asked once per chat and kept ADMINS_TTL_S (one call per group, not
    one per person who checks)."""
    admins = services.cached_admins(chat_id)
    if admins is not None:
        return admins
    try:
        found = await ctx.bot.get_chat_administrators(chat_id)
    except TelegramError as exc:
        log.info("getChatAdministrators failed for chat %s: %s", chat_id, exc)
        return services.remember_admins(chat_id, frozenset(), ADMINS_RETRY_S)
    return services.remember_admins(chat_id, frozenset(cm.user.id for cm in found), ADMINS_TTL_S)


def standing_of(cm: ChatMember) -> Standing:
    """Where a ChatMember puts the person: in the group (a restricted member counts while `is_member`), and
    as an administrator or not."""
    admin = cm.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)
    present = admin or cm.status == ChatMemberStatus.MEMBER or (
        cm.status == ChatMemberStatus.RESTRICTED and bool(getattr(cm, "is_member", False)))
    return Standing(present=present, admin=admin)


async def chat_standing(services: Services, ctx: KContext, chat_id: int, user_id: int) -> Standing | None:
    """Telegram's word on a person in a group (getChatMember), trusted STANDING_TTL_S. None: no answer."""
    standing = services.cached_standing(chat_id, user_id)
    if standing is not None:
        return standing
    try:
        cm = await ctx.bot.get_chat_member(chat_id, user_id)
    except TelegramError as exc:
        log.info("getChatMember failed for chat %s: %s", chat_id, exc)
        return None
    return services.remember_standing(chat_id, user_id, standing_of(cm), STANDING_TTL_S)


async def is_in_group(services: Services, ctx: KContext, chat_id: int, user_id: int) -> bool:
    standing = await chat_standing(services, ctx, chat_id, user_id)
    return standing is not None and standing.present


async def reconcile(services: Services, ctx: KContext, community: Community, user_id: int,
                    member: Member | None) -> Member | None:
    """Before an action on a community's data away from its group: is the person still in it? Where the
    bot is an administrator, `chat_member` updates keep the roster current; elsewhere getChatMember (kept
    STANDING_TTL_S) is asked, and a departure or a return it reveals is recorded as if the update had come."""
    if not community.active or ctx.bot.id in await group_admins(services, ctx, community.chat_id):
        return member
    standing = await chat_standing(services, ctx, community.chat_id, user_id)
    if standing is None:
        return member
    repos, now = services.repos, services.now_ts()
    if not standing.present and (member is None or not member.departed):
        if await repos.members.depart(community.id, user_id, now, mark=False):
            log.info("user %s is no longer in chat %s (getChatMember): marked as left", user_id, community.chat_id)
            services.forget_admins(community.chat_id)
        return await repos.members.get(community.id, user_id)
    if standing.present and member is not None and member.departed:
        await repos.members.rejoin(community.id, user_id, mark=False)
        return await repos.members.get(community.id, user_id)
    return member


def locale_for(services: Services, user: User | None, community: Community | None, is_group: bool) -> str:
    if is_group and community is not None:
        return community.locale
    if user is not None and user.locale:
        return user.locale
    if community is not None:
        return community.locale
    return services.settings.default_locale


async def build_scope(update: Update, ctx: KContext) -> Scope:
    services = ctx.kb
    repos = services.repos
    now = services.now_ts()
    tg_user = update.effective_user
    if tg_user is not None and tg_user.is_bot:
        tg_user = None
    chat = update.effective_chat
    is_group = chat is not None and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)
    rows = await repos.scopes.load(tg_user.id if tg_user else None, chat.id if chat else None, is_group)
    user = rows.user
    if tg_user is not None:  # writes only when Telegram tells us something new about them
        user = await repos.users.upsert(tg_user.id, tg_user.first_name, tg_user.last_name, tg_user.username,
                                        tg_user.language_code, now, known=rows.user)
    community = rows.community
    created = False
    if is_group and (community is None or (chat.title and chat.title != community.chat_title)):
        community, created = await repos.communities.ensure(
            chat.id, chat.title or "", tz=services.settings.default_tz,
            locale=services.settings.default_locale, now=now)
    if is_group and community is not None and not community.active:
        community = await repos.communities.update(community.id, now, active=1)
    member = rows.member
    if member is not None and member.departed and is_group and _posted_by_them(update):
        await repos.members.rejoin(member.community_id, member.user_id, mark=False)  # a message shows they are back
        member = await repos.members.get(member.community_id, member.user_id)
    elif member is not None and not is_group and community is not None:
        member = await reconcile(services, ctx, community, member.user_id, member)
    if is_group and user is not None and community is not None and user.current_community_id != community.id:
        # the group they used last is the one their private commands are about
        await repos.users.set_current_community(user.id, community.id, now)
    scope = Scope(
        update=update, ctx=ctx, services=services, user=user, chat_id=chat.id if chat else 0,
        is_group=is_group, community=community, member=member,
        locale=locale_for(services, user, community, is_group), onboarded_now=created,
    )
    if created:
        from .onboarding import send_welcome  # a group we had no record of: introduce ourselves first

        await send_welcome(scope)
    return scope


def _posted_by_them(update: Update) -> bool:
    """A message of theirs in the group (not a button press: in a public group anyone may press one)."""
    msg = update.message
    return msg is not None and msg.left_chat_member is None and msg.from_user is not None \
        and update.effective_user is not None and msg.from_user.id == update.effective_user.id


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


async def school_calendar(services: Services, community: Community) -> SchoolCalendar:
    """The community's school days, for anything timed to them: its 5- or 6-day week, national holidays
    (and cuti bersama unless switched off) and its own off-days, which the rhythm feature keeps
    (`feeds.rhythm.school_calendar`); without that feature, the week and the national calendar."""
    rhythm = services.feeds.rhythm
    calendar = await rhythm.school_calendar(community) if rhythm is not None else None
    if calendar is not None:
        return calendar
    return SchoolCalendar(community.work_days if community.work_days in (5, 6) else 5, language=community.locale)


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
    from ..keyboards import cb

    mine = await my_communities(scope)
    if len(mine) < 2:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(c.display_name[:60], callback_data=cb("cm", c.id))]
                                 for c in mine])


def join_markup(scope: Scope) -> InlineKeyboardMarkup | None:
    """Role buttons to join the community in one tap (in a group), or a link to the group's private chat."""
    from ..keyboards import role_keyboard

    if scope.community is None:
        return None
    return role_keyboard(scope.services.renderer, scope.locale, scope.community.id if not scope.is_group else None)


def url_button(text: str, url: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, url=url)


def deep_link(bot_username: str, payload: str) -> str:
    return f"https://t.me/{bot_username}?start={payload}"


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
