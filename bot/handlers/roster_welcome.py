"""The day's welcome: new members of a group are greeted in one message a day, edited as others join
("Selamat bergabung: Ani, Budi, Citra"). The first join of a community's local day sends it through the outbox
(key `wl:<community>:<day>`, its message recorded in the same commit, so a crash neither loses nor doubles it);
later joins edit it — at most once per WELCOME_EDIT_INTERVAL_S, joins in between mark it dirty and the scheduler
pass catches up. An answer to an event: the quiet policy does not hold it back. Silent (no notification)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain.cycle_ops import local_date
from storage.models import Community, Member
from storage.welcome import Welcome, Welcomes

from ..delivery import SendFailed, call, edit_html, post_message, send_once
from .common import Scope, topic_of

if TYPE_CHECKING:
    from telegram.ext import ExtBot

    from ..services import Services

WELCOME_EDIT_INTERVAL_S = 30


def store(services: Services) -> Welcomes:
    return services.repos.welcomes


async def text_of(services: Services, community: Community, day: str) -> tuple[str, Any]:
    """The day's welcome and its buttons: the names, and what a newcomer is asked to do in one tap
    (`feeds.welcome_extra`, e.g. accept the community agreement)."""
    names = await store(services).names(community.id, day)
    text = services.renderer.render(community.locale, "roster/joined", community=community, names=names)
    extra = services.feeds.welcome_extra
    more, markup = await extra(community) if extra is not None else ("", None)
    return (f"{text}\n{more}" if more else text), markup


async def welcome(scope: Scope, member: Member) -> None:
    """`member` joined the group just now: add them to the day's welcome (sent, edited, or marked dirty)."""
    services, c, bot = scope.services, scope.community, scope.ctx.bot
    assert c is not None
    now = services.now_ts()
    day = local_date(now, c.tz).isoformat()
    ws = store(services)
    await ws.add_joiner(c.id, day, member.user_id, now)
    existing = await ws.get(c.id, day)
    if existing is not None:
        if now - existing.edited_at >= WELCOME_EDIT_INTERVAL_S:
            await edit(services, bot, existing, c, now)
        else:
            await ws.mark(c.id, day, dirty=True)
        return
    text, markup = await text_of(services, c, day)
    thread = topic_of(scope.message)

    def record(tx: Any, m: Any) -> Any:
        return ws.set_message_in(tx, c.id, day, m.chat_id, m.message_id, now)

    await send_once(services, bot, f"wl:{c.id}:{day}", c.chat_id, lambda cid: post_message(
        bot, cid, text, message_thread_id=thread, disable_notification=True, reply_markup=markup), record=record)  # type: ignore[arg-type]


async def edit(services: Services, bot: ExtBot, w: Welcome, community: Community, now: int) -> None:
    text, markup = await text_of(services, community, w.day)
    try:
        await call(services, w.chat_id, lambda cid: edit_html(bot, cid, w.message_id, text, markup))  # type: ignore[arg-type]
    except SendFailed:
        pass  # deleted or too old: the next join of the day tries again
    await store(services).mark(w.community_id, w.day, dirty=False, edited_at=now)


async def tick(services: Services, bot: ExtBot, now_dt: Any) -> None:
    """Edits held back by the interval."""
    now = int(now_dt.timestamp())
    for w in await store(services).dirty(now - WELCOME_EDIT_INTERVAL_S):
        community = await services.repos.communities.get(w.community_id)
        if community is not None:
            await edit(services, bot, w, community, now)
