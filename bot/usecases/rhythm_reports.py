"""What the reports feature reads of the weekly rhythm (`bot.feeds.RhythmFeed`, docs/architecture.md "Typed feeds"):
`activity_rhythm` (meetings attended, for the weekly thanks) and `report_rows_rhythm` (the attendance list
and learning hours per person of `/report`). Queries live in `storage/rhythm.py`; names respect opt-outs
(`members.allow_named = 0` → "Anggota 1")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from domain.rhythm.hours import target_for, target_for_window

from .names import report_names

if TYPE_CHECKING:
    from ..services import Services


async def activity_rhythm(services: Services, community_id: int, start_ts: int, end_ts: int) -> dict[int, dict]:
    attended = await services.repos.rhythm.meetings.attended_by_user(community_id, int(start_ts), int(end_ts))
    return {uid: {"attended": n} for uid, n in attended.items()}


async def report_rows_rhythm(services: Services, community_id: int, start_ts: int,
                             end_ts: int) -> dict[str, list[list[Any]]]:
    c = await services.repos.communities.get(community_id)
    if c is None:
        return {}
    start_ts, end_ts = int(start_ts), int(end_ts)
    rs = services.repos.rhythm
    names = await report_names(services, c, "rhythm.member_label")

    def status(present: bool | None, rsvp: str | None) -> str:
        kind = "present" if present else "absent" if present is False or rsvp != "excused" else "excused"
        return services.renderer.t(c.locale, f"rhythm.att_status.{kind}")

    marks = await rs.meetings.attendance_sheet(community_id, start_ts, end_ts, services.now_ts())
    attendance = [[m.start_ts, names.get(m.user_id, str(m.user_id)), status(m.present, m.rsvp)] for m in marks]

    settings = await rs.hours.settings(community_id)
    totals = await rs.hours.minutes_by_user(community_id, start_ts, end_ts)
    start = datetime.fromtimestamp(start_ts, UTC).astimezone(ZoneInfo(c.tz)).date()
    days = round((end_ts - start_ts) / 86400)
    hours = []
    for m in await services.repos.members.list(community_id):
        target = target_for(m.role, settings.targets) if settings else 0
        window = target_for_window(target, settings.period, start, days) if settings else 0  # type: ignore[arg-type]
        hours.append([names.get(m.user_id, m.name), totals.get(m.user_id, 0), window])
    hours.sort(key=lambda r: (-r[1], str(r[0]).lower()))
    return {"attendance_list": attendance, "hours": hours}

