"""The day's welcome: new members of a group are greeted in one message a day, edited as others join
("Selamat bergabung: Ani, Budi, Citra"). The first join of a community's local day sends it through the outbox
(key `wl:<community>:<day>`, its message recorded in the same commit, so a crash neither loses nor doubles it);
later joins edit it through `bot.live` (kind "welcome": edited now, or owed within the interval and made by the
scheduler's catch-up). An answer to an event: the quiet policy does not hold it back. Silent (no notification)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain.cycle.ops import local_date
from storage.live import LiveMessages
from storage.models import Community, Member

from .. import live
from ..delivery import Sent
from ..outbox import Outgoing, records, send_once
from .common import Scope, topic_of

if TYPE_CHECKING:
    from ..services import Services


async def text_of(services: Services, community: Community, day: str) -> tuple[str, Any]:
    """The day's welcome and its buttons: the names, and what a newcomer is asked to do in one tap
    (`feeds.welcome_extra`, e.g. accept the community agreement)."""
    names = await services.repos.welcomes.names(community.id, day)
    text = services.renderer.render(community.locale, "roster/joined", community=community, names=names)
    extra = services.feeds.welcome_extra
    more, markup = await extra(community) if extra is not None else ("", None)
    return (f"{text}\n{more}" if more else text), markup


async def welcome(scope: Scope, member: Member) -> None:
    """`member` joined the group just now: add them to the day's welcome (sent, or touched: edited or owed)."""
    services, c, bot = scope.services, scope.community, scope.ctx.bot
    assert c is not None
    now = services.now_ts()
    day = local_date(now, c.tz).isoformat()
    ws = services.repos.welcomes
    await ws.add_joiner(c.id, day, member.user_id, now)
    existing = await ws.get(c.id, day)
    if existing is not None:
        await live.touch(services, bot, "welcome", c.id, day)
        return
    text, markup = await text_of(services, c, day)
    thread = topic_of(scope.message)
    await send_once(services, bot, f"wl:{c.id}:{day}", c.chat_id, Outgoing(
        text, markup, thread=thread, silent=True, record=("welcome.message", {"community": c.id, "day": day})))


@records("welcome.message")
async def record_welcome(services: Services, tx: Any, args: dict[str, Any], m: Sent) -> None:
    """The day's welcome message; its send counts as its first edit (bot.live)."""
    await services.repos.welcomes.set_message_in(tx, args["community"], args["day"], m.chat_id, m.message_id)
    await LiveMessages.sent_in(tx, "welcome", args["community"], args["day"], services.now_ts())


@live.renders("welcome")
async def welcome_message(services: Services, community_id: int, day: str, now: int) -> live.LiveView | None:
    w = await services.repos.welcomes.get(community_id, day)
    community = await services.repos.communities.get(community_id) if w is not None else None
    if w is None or community is None:
        return None
    text, markup = await text_of(services, community, day)
    return live.LiveView(w.chat_id, w.message_id, text, markup)
