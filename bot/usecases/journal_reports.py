"""What the journal loop gives other features (bot.feeds.JournalFeed): the report's sheet of trials, the cycle
summary's trials. Telegram-free: read from the repositories, named in the community's language."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..feeds import JournalFeed

if TYPE_CHECKING:
    from ..services import Services


async def report_rows_journal(services: Services, community_id: int, start_ts: int, end_ts: int) -> dict[str, list]:
    c = await services.repos.communities.get(community_id)
    if c is None:
        return {}
    t = services.renderer.t
    rows = [[x.problem or "–", x.solution or "–", x.start_day, x.end_day,
             t(c.locale, f"journal_loop.effect.{x.effect}") if x.effect else t(c.locale, "journal_loop.effect.none"),
             x.effect_note or ""]
            for x in await services.repos.journal_loop.trials_between(community_id, int(start_ts), int(end_ts))]
    return {"trials": rows}


async def cycle_trials(services: Services, cycle_id: int) -> list[dict[str, Any]]:
    return [{"problem": x.problem, "solution": x.solution, "effect": x.effect}
            for x in await services.repos.journal_loop.trials_of_cycle(cycle_id)]


class JournalProvider(JournalFeed):
    def __init__(self, services: Services) -> None:
        self.services = services

    async def cycle_trials(self, cycle_id: int) -> list[dict[str, Any]]:
        return await cycle_trials(self.services, cycle_id)

    async def report_rows(self, community_id: int, start_ts: int, end_ts: int) -> dict[str, list[list[Any]]]:
        return await report_rows_journal(self.services, community_id, start_ts, end_ts)
