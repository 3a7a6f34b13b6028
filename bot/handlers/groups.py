"""/kelompok (/groups): small working groups of a community (001, 004: e.g. "Kelas rendah", "Kelas tinggi", a
subject). The PIC creates and removes them; members join or leave with one tap on a card edited in place.
An observation can target one group (`bot/handlers/observe.py`)."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application

from domain.groups import GroupWeek, group_week
from domain.observe import ObservationError, clean_group_name
from storage.surveys import Survey

from ..buttons import add_buttons
from ..commands import Command
from ..delivery import SendFailed, call, edit_html
from ..feeds import Gathering, GroupRef, GroupsFeed
from ..keyboards import cb
from ..services import KContext, Services
from ..usecases.surveys_results import responses
from .common import Scope, build_scope, handler, refuse

ADD = ("tambah", "add", "buat", "create")
REMOVE = ("hapus", "remove", "delete")
NAMES_SHOWN = 8


async def member_names(services: Services, community_id: int) -> dict[int, str]:
    return {m.user_id: m.name for m in await services.repos.members.list(community_id)}


async def card(scope: Scope) -> tuple[str, InlineKeyboardMarkup | None]:
    assert scope.community is not None
    groups_repo = scope.services.repos.work_groups
    names = await member_names(scope.services, scope.community.id)
    shown = []
    for g in await groups_repo.list(scope.community.id):
        ids = await groups_repo.member_ids(g.id)
        people = [names[u] for u in ids if u in names]
        shown.append({"id": g.id, "name": g.name, "members": len(people),
                      "names": people[:NAMES_SHOWN] + (["…"] if len(people) > NAMES_SHOWN else [])})
    rows = [[InlineKeyboardButton(scope.t("groups.btn_join", name=g["name"], n=g["members"]),
                                  callback_data=cb("kg", "j", g["id"]))] for g in shown]
    return scope.render("groups/card", groups=shown), InlineKeyboardMarkup(rows) if rows else None


@handler(audience="member")
async def cmd_groups(scope: Scope) -> None:
    args = scope.ctx.args or []
    sub = args[0].lower() if args else ""
    if sub in ADD or sub in REMOVE:
        if not await scope.is_pic():
            await refuse(scope, "errors/not_pic")
            return
        await (add(scope, " ".join(args[1:])) if sub in ADD else remove(scope, " ".join(args[1:])))
    elif sub:
        await scope.reply("groups/usage")
    else:
        text, markup = await card(scope)
        await scope.send_html(text, markup=markup)


async def add(scope: Scope, raw: str) -> None:
    assert scope.community is not None
    try:
        name = clean_group_name(raw)
    except ObservationError as exc:
        await scope.reply("groups/bad", code=exc.code, name=raw)
        return
    made = await scope.services.repos.work_groups.create(scope.community.id, name, scope.user_id,
                                                         scope.services.now_ts())
    if made is None:
        await scope.reply("groups/bad", code="exists", name=name)
        return
    await scope.reply("groups/created", name=name)


async def remove(scope: Scope, raw: str) -> None:
    assert scope.community is not None
    name = " ".join(raw.split())
    group = await scope.services.repos.work_groups.by_name(scope.community.id, name) if name else None
    if group is None:
        await scope.reply("groups/bad", code="unknown" if name else "empty", name=name)
        return
    await scope.services.repos.work_groups.remove(group.id, scope.services.now_ts())
    await scope.reply("groups/removed", name=group.name)


async def on_button(update: Update, ctx: KContext) -> Any:
    scope = await build_scope(update, ctx)
    parts = (scope.query.data or "").split(":")  # type: ignore[union-attr]
    if len(parts) != 3 or parts[1] != "j" or not parts[2].isdigit():
        await scope.answer("errors.stale_button", alert=True)
        return
    group = await scope.services.repos.work_groups.get(int(parts[2]))
    if group is None:
        await scope.answer("errors.stale_button", alert=True)
        return
    community = await scope.services.repos.communities.get(group.community_id)
    if community is None or (scope.is_group and community.chat_id != scope.chat_id):
        await scope.answer("errors.stale_button", alert=True)
        return
    if not scope.is_group or scope.community is None or scope.community.id != community.id:
        scope.community = community
        scope.member = await scope.services.repos.members.get(community.id, scope.user_id)
    if scope.member is None or not scope.member.active:
        await refuse(scope, "errors/not_member")
        return
    joined = await scope.services.repos.work_groups.toggle(group.id, scope.user_id, scope.services.now_ts())
    await scope.answer("groups.joined" if joined else "groups.left", name=group.name)
    text, markup = await card(scope)
    await edit_text(scope, text, markup)


async def edit_text(scope: Scope, text: str, markup: Any) -> None:
    """Replace the text of the message whose button was pressed with already rendered HTML."""
    if scope.query is None or scope.query.message is None:
        return
    mid = scope.query.message.message_id
    try:
        await call(scope.services, scope.chat_id, lambda cid: edit_html(scope.ctx.bot, cid, mid, text, markup))
    except SendFailed:
        pass


# -- what working groups give other features (bot.feeds.GroupsFeed) ------------------------------------
class GroupsProvider(GroupsFeed):
    def __init__(self, services: Services) -> None:
        self.services = services

    async def by_name(self, community_id: int, name: str) -> GroupRef | None:
        """A survey, cycle or series aimed at one group (`/survei pulse kelompok Kelas tinggi`)."""
        group = await self.services.repos.work_groups.by_name(community_id, " ".join(name.split()))
        return None if group is None else GroupRef(group.id, group.name)

    async def names(self, community_id: int) -> list[str]:
        return [g.name for g in await self.services.repos.work_groups.list(community_id)]

    async def target_survey(self, survey_id: int, group_id: int) -> None:
        await self.services.repos.work_groups.target_survey(survey_id, group_id)

    async def survey_may_answer(self, survey_id: int, user_id: int) -> bool:
        """Anyone of the community may answer a survey for everyone; only its members one aimed at a group."""
        groups_repo = self.services.repos.work_groups
        group_id = await groups_repo.survey_group(survey_id)
        return group_id is None or await groups_repo.is_member(group_id, user_id)

    async def stage_may_answer(self, stage_id: int, user_id: int) -> bool:
        return await self.services.repos.group_targets.may_answer_stage(stage_id, user_id)

    async def cycle_members(self, cycle_id: int) -> list[int] | None:
        group_id = await self.services.repos.group_targets.cycle_group(cycle_id)
        return None if group_id is None else await self.services.repos.work_groups.member_ids(group_id)

    async def meeting_group(self, meeting_id: int) -> GroupRef | None:
        """The working group a meeting is for (`/jadwal … kelompok`): its name and active members, else None."""
        group_id = await self.services.repos.group_targets.meeting_group(meeting_id)
        if group_id is None:
            return None
        group = await self.services.repos.work_groups.get(group_id)  # None once removed: the meeting stays the group's
        return GroupRef(group_id, group.name if group else "",
                        await self.services.repos.work_groups.member_ids(group_id))

    async def week(self, g: Gathering, start_ts: int, survey: Survey | None) -> list[GroupWeek]:
        """The weekly summary's line per group (`domain.groups.group_week`), in one statement: the groups'
        figures with their members' answers to `survey` (its agreement within each group, under the
        anonymity floor)."""
        rows = await self.services.repos.group_targets.week_figures(g.community.id, start_ts, int(g.now.timestamp()),
                                                                    None if survey is None else survey.id)
        return [group_week(r, None if survey is None else survey.definition,
                           responses(survey, r["answers"]) if survey is not None else ()) for r in rows]


def register(app: Application, services: Services) -> None:
    services.commands.add(Command("groups", "kelompok", cmd_groups, audience="member"))
    add_buttons(app, "kg", on_button)
    services.feeds.groups = GroupsProvider(services)
