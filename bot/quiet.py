"""The quiet policy (`domain.quiet`) as the ticks ask it: with the community's school calendar and meetings.

Every tick that sends on its own (not as an answer to someone) asks `send_at` before `send_once`; when the
answer is later than now it sends nothing and leaves its row due, so the next pass asks again (the outbox
key is unchanged: a deferred send is neither lost nor sent twice). A caller whose message would be stale by
then (a stage reminder after the stage closed, an hours nudge after its week) drops it instead.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from domain import quiet
from domain.rhythm.calendar import SchoolCalendar

if TYPE_CHECKING:
    from storage.models import Community

    from .services import Services

MEETING_LOOKAROUND = timedelta(days=2)  # meetings starting this far around now can cover a private send


async def school_calendar(services: Services, community: Community) -> SchoolCalendar:
    """The community's school days, for anything timed to them: its 5- or 6-day week, national holidays
    (and cuti bersama unless switched off) and its own off-days, which the rhythm feature keeps
    (`feeds.rhythm.school_calendar`); without that feature, the week and the national calendar."""
    rhythm = services.feeds.rhythm
    calendar = await rhythm.school_calendar(community) if rhythm is not None else None
    if calendar is not None:
        return calendar
    return SchoolCalendar(community.work_days if community.work_days in (5, 6) else 5, language=community.locale)


async def send_at(services: Services, community: Community, now: datetime, *, private: bool,
                  scheduled_for: date | None = None) -> datetime | None:
    """`now` if the community's message may go now, else when it may (None: not within a year)."""
    calendar = await school_calendar(services, community)
    meetings: list[tuple[datetime, datetime]] = []
    rhythm = services.feeds.rhythm if private else None
    if rhythm is not None:
        t = int(now.timestamp())
        span = int(MEETING_LOOKAROUND.total_seconds())
        meetings = [(datetime.fromtimestamp(s, UTC), datetime.fromtimestamp(e, UTC))
                    for s, e in await rhythm.meeting_windows(community.id, t - span, t + span)]
    return quiet.send_at(now, ZoneInfo(community.tz), calendar, private=private, scheduled_for=scheduled_for,
                         meetings=meetings)


async def may_send_now(services: Services, community: Community, now: datetime, *, private: bool) -> bool:
    return await send_at(services, community, now, private=private) == now
