"""What other features read of the inquiry cycle (`bot.feeds.CycleFeed`: `CycleProvider`; docs/architecture.md "Typed feeds"):
`activity_cycle` (answers, observations, good practices per member, for the weekly thanks) and
`report_rows_cycle` (answers per stage, RTL items, good practices of `/report`). Queries live in
`storage/cycle.py`; names respect opt-outs (`members.allow_named = 0` → "Anggota 1")."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from domain.reports.period import midnight_ts

from .names import report_names

if TYPE_CHECKING:
    from ..services import Services


async def activity_cycle(services: Services, community_id: int, start_ts: int, end_ts: int) -> dict[int, dict]:
    return await services.repos.cycle.cycles.activity(community_id, int(start_ts), int(end_ts))


async def report_rows_cycle(services: Services, community_id: int, start_ts: int,
                            end_ts: int) -> dict[str, list[list[Any]]]:
    c = await services.repos.communities.get(community_id)
    if c is None:
        return {}
    start_ts, end_ts = int(start_ts), int(end_ts)
    st = services.repos.cycle
    names = await report_names(services, c, "cycle.member_label")
    members_now = await services.repos.members.count(community_id)
    answers = [[p["topic"], p["stage"], int(p["answered"] or 0),
                members_now if p["members"] is None else int(p["members"])]
               for p in await st.cycles.stage_participation(community_id, start_ts, end_ts)]
    tz = ZoneInfo(c.tz)

    def due_ts(due: str) -> int:  # the last minute of the local due day
        return midnight_ts(date.fromisoformat(due) + timedelta(days=1), tz) - 60

    rtl = [[i.what, names[i.owner_user_id] if i.owner_user_id in names else (i.who or ""), due_ts(i.due),
            services.renderer.t(c.locale, f"cycle.rtl_status.{i.status}")]
           for i in await st.rtl.in_period(community_id, start_ts, end_ts)]
    gps = [[g.created_at, g.title, names.get(g.user_id, "")]
           for g in await st.gp.created_between(community_id, start_ts, end_ts)]
    return {"answers": answers, "rtl": rtl, "good_practices": gps}

