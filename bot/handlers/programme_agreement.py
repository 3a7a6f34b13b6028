"""/agreement (/kesepakatan): the PIC names the core team (tim inti) and writes the community's agreement —
values and commitments, a few lines (003, PIC steps 1–2; a suggested default to start from). Members accept
it with one tap, when they join or later; the PIC sees who has; a changed text asks everyone again.

Buttons (`ag`): `ag:a:<agreement>` accept, `ag:t:<community>:<user>` core team on/off. Taps answer with an
alert and edit nothing in the group (no noise); the agreement card is posted once per text."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application

from domain.programme.core import ProgrammeError, clean_agreement
from storage.models import Community, Flow
from storage.programme import Agreement

from ..buttons import add_buttons
from ..commands import Command
from ..delivery import SendFailed, call, in_topic, post_message
from ..flows import FlowSpec
from ..keyboards import cb, rows
from ..services import KContext, Services
from .common import Scope, build_scope, handler, is_pic, pic_flow_community, reconcile, refuse

FLOW = "agreement"
WRITE_WORDS = ("tulis", "write", "ubah", "edit", "ganti", "change")
TEAM_WORDS = ("tim", "team")
DEFAULT_WORDS = ("contoh", "example", "default", "saran")


def accept_markup(scope: Scope, agreement: Agreement) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(scope.t("agreement.accept"),
                                                       callback_data=cb("ag", "a", agreement.id))]])


async def _names(services: Services, community: Community) -> tuple[list[Any], set[int]]:
    return await services.repos.members.list(community.id), await services.repos.agreements.core_team(community.id)


@handler(audience="member")
async def cmd_agreement(scope: Scope) -> None:
    args = [a.lower() for a in (scope.ctx.args or [])]
    if not args:
        await show(scope)
        return
    if args[0] not in WRITE_WORDS + TEAM_WORDS:
        await scope.reply("programme/agreement/usage", pic=await scope.is_pic())
        return
    if not await scope.is_pic():
        await refuse(scope, "errors/not_pic")
        return
    if args[0] in TEAM_WORDS:
        await team_card(scope, scope.community, edit=False)  # type: ignore[arg-type]
        return
    assert scope.community is not None
    await scope.services.repos.flows.start(scope.chat_id, scope.user_id, FLOW, "text", {}, scope.services.now_ts(),
                                           community_id=scope.community.id)
    await ask_text(scope)


async def ask_text(scope: Scope) -> None:
    prompt = await scope.ask("programme/agreement/ask", example=scope.render("programme/agreement/default"))
    if prompt is not None:
        await scope.services.repos.flows.set_prompt(scope.chat_id, scope.user_id, prompt.message_id)


async def show(scope: Scope) -> None:
    c = scope.community
    assert c is not None
    services = scope.services
    current = await services.repos.agreements.current(c.id)
    members, core = await _names(services, c)
    pic = await scope.is_pic()
    if current is None:
        await scope.reply("programme/agreement/none", pic=pic, core=[m for m in members if m.user_id in core])
        return
    accepted = await services.repos.agreements.accepted(current.id)
    mine = scope.user_id in accepted
    who = pic and not scope.is_group  # names only in private: the group sees the count
    markup = accept_markup(scope, current) if scope.member and scope.member.active and not mine else None
    await scope.reply("programme/agreement/show", agreement=current, core=[m for m in members if m.user_id in core],
                      done=[m for m in members if m.user_id in accepted],
                      pending=[m for m in members if m.user_id not in accepted], members=len(members),
                      count=sum(1 for m in members if m.user_id in accepted), mine=mine, pic=pic, names=who,
                      markup=markup)


async def on_agreement_text(scope: Scope, flow: Flow, message: Any) -> None:
    services = scope.services
    community = await pic_flow_community(scope, flow)
    if community is None:
        return
    text = (message.text or "").strip()
    if text.lower() in DEFAULT_WORDS:
        text = scope.render("programme/agreement/default")
    try:
        body = clean_agreement(text)
    except ProgrammeError as exc:
        await scope.reply("programme/agreement/bad", code=exc.code, **exc.detail)
        await ask_text(scope)
        return
    await services.repos.flows.end(flow.chat_id, flow.user_id)
    previous = await services.repos.agreements.current(community.id)
    aid = await services.repos.agreements.write(community.id, body, scope.user_id, services.now_ts())
    agreement = await services.repos.agreements.get(aid)
    assert agreement is not None
    await services.repos.agreements.accept(aid, scope.user_id, services.now_ts())  # who wrote it agrees with it
    members, core = await _names(services, community)
    card = services.renderer.render(community.locale, "programme/agreement/card", community=community,
                                    agreement=agreement, changed=previous is not None,
                                    core=[m for m in members if m.user_id in core])
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(services.renderer.t(community.locale, "agreement.accept"),
                                                         callback_data=cb("ag", "a", aid))]])
    if scope.is_group:
        await scope.send_html(card, markup=markup, quote=False)
        return
    try:  # written in private: the group gets the card, the PIC a short confirmation
        await call(services, community.chat_id, in_topic(services, community, lambda cid, th: post_message(
            scope.ctx.bot, cid, card, reply_markup=markup, message_thread_id=th)))
    except SendFailed:
        pass
    await scope.reply("programme/agreement/saved", changed=previous is not None)


async def team_card(scope: Scope, community: Community, *, edit: bool) -> None:
    members, core = await _names(scope.services, community)
    buttons = [InlineKeyboardButton(("⭐ " if m.user_id in core else "") + m.name[:40],
                                    callback_data=cb("ag", "t", community.id, m.user_id)) for m in members]
    markup = InlineKeyboardMarkup(rows(buttons)) if buttons else None
    core_members = [m for m in members if m.user_id in core]
    if edit:
        await scope.edit("programme/agreement/team", core=core_members, markup=markup)
    else:
        await scope.reply("programme/agreement/team", core=core_members, markup=markup)


async def welcome_extra(services: Services, community: Community) -> tuple[str, InlineKeyboardMarkup | None]:
    """For the day's welcome of new members: the agreement's line and its accept button (one tap)."""
    current = await services.repos.agreements.current(community.id)
    if current is None:
        return "", None
    r, loc = services.renderer, community.locale
    return r.render(loc, "programme/agreement/on_join"), InlineKeyboardMarkup([[InlineKeyboardButton(
        r.t(loc, "agreement.accept"), callback_data=cb("ag", "a", current.id))]])


async def on_agreement_button(update: Update, ctx: KContext) -> None:
    scope = await build_scope(update, ctx)
    services = scope.services
    parts = (scope.query.data or "").split(":")  # type: ignore[union-attr]
    if len(parts) < 3 or not all(p.isdigit() for p in parts[2:]) or (parts[1], len(parts)) not in (("a", 3), ("t", 4)):
        await scope.answer("errors.stale_button", alert=True)
        return
    if parts[1] == "a":
        agreement = await services.repos.agreements.get(int(parts[2]))
        community = await services.repos.communities.get(agreement.community_id) if agreement else None
    else:
        agreement, community = None, await services.repos.communities.get(int(parts[2]))
    if community is None or (scope.is_group and community.chat_id != scope.chat_id):
        await scope.answer("errors.stale_button", alert=True)
        return
    member = await services.repos.members.get(community.id, scope.user_id)
    if not scope.is_group and member is not None:
        member = await reconcile(services, ctx, community, scope.user_id, member)
    scope.community, scope.member = community, member
    if parts[1] == "t":
        if not await is_pic(services, ctx, community, scope.user_id, member, in_group=scope.is_group):
            await refuse(scope, "errors/not_pic")
            return
        uid = int(parts[3])
        target = await services.repos.members.get(community.id, uid)
        if target is None or not target.active:
            await scope.answer("errors.stale_button", alert=True)
            return
        added = await services.repos.agreements.toggle_core(community.id, uid, services.now_ts())
        await scope.answer("agreement.core_added" if added else "agreement.core_removed", name=target.name)
        await team_card(scope, community, edit=True)
        return
    assert agreement is not None
    if member is None or not member.active:
        await refuse(scope, "errors/not_member")
        return
    current = await services.repos.agreements.current(community.id)
    if current is None or current.id != agreement.id:
        await scope.answer("agreement.outdated", alert=True)
        return
    first = await services.repos.agreements.accept(agreement.id, scope.user_id, services.now_ts())
    await scope.answer("agreement.accepted" if first else "agreement.already", alert=not scope.is_group)


def register(app: Application, services: Services) -> None:
    services.commands.add(Command("agreement", "kesepakatan", cmd_agreement, audience="member"))
    services.flows[FLOW] = FlowSpec(FLOW, on_agreement_text)
    services.feeds.welcome_extra = lambda community: welcome_extra(services, community)
    add_buttons(app, "ag", on_agreement_button)
