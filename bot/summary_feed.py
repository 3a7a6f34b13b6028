"""The typed seam the weekly summary and the digest gather through: one `Gathering` per (community, moment),
one call per feature, a fixed number of statements whatever the history.

Each feature fills its field of `Services.feed` (`SummaryFeed`) at registration; a field left `None` (the
feature is absent, or a test replaced the features with stand-ins through `services.hooks`) makes
`bot.usecases.reports_data.snapshot` fall back to the feature's named hook. The figures themselves are the
ones of `domain.figures`, computed by the same functions the named hooks, `/jam` and `/laporan` use.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.figures import HoursFigure
from storage.activity import ActivityPart
from storage.models import Community, Member


@dataclass(frozen=True, slots=True)
class Gathering:
    """What every feature needs and the summary reads once: the community, the moment, its active members."""
    community: Community
    now: datetime
    members: list[Member]


@dataclass(frozen=True, slots=True)
class CycleFeed:
    status: dict[str, Any] | None  # `cycle_status` as of now (keys in docs/architecture.md)
    rates: list[float | None]  # the answer rate as of each of the past moments asked for
    summaries: list[dict[str, Any]]  # `cycle_summaries` of the window asked for


@dataclass(frozen=True, slots=True)
class SurveyFeed:
    latest: list[dict[str, Any]]  # `survey_latest`: the published headline of each survey closed in the window
    pulse: list[dict[str, Any]]  # `pulse_trend`: one point per week


@dataclass(frozen=True, slots=True)
class ProgrammeFeed:
    indicators: dict[str, float | None]  # the progress map's `programme_activities` and `agreement_accepted`
    own: dict[str, str]  # the community's own placement by focus, the term of `Gathering.now`
    before: dict[str, str]  # ... and the last earlier term it placed itself


@dataclass
class SummaryFeed:
    # meetings starting in [start_ts, end_ts), as `meetings_between` gives them
    meetings: Callable[[Gathering, int, int], Awaitable[list[dict[str, Any]]]] | None = None
    # the hours figure as of each moment (oldest first; the last is `now`: `/jam`'s figure)
    hours: Callable[[Gathering, list[datetime]], Awaitable[list[HoursFigure | None]]] | None = None
    # the cycle now, its answer rate at the past moments, cycles ended since `since_ts`
    cycle: Callable[[Gathering, list[datetime], int], Awaitable[CycleFeed]] | None = None
    # surveys closed since `since_ts`, the pulse of the last `weeks` weeks
    surveys: Callable[[Gathering, int, int], Awaitable[SurveyFeed]] | None = None
    # the progress map's indicators of issue 15 (activities in [start_ts, end_ts)) and the own placement
    programme: Callable[[Gathering, int, int], Awaitable[ProgrammeFeed]] | None = None
    # who did what in [start_ts, end_ts): each feature's statements, run as one (`storage.activity`)
    activity: list[Callable[[Gathering, int, int], list[ActivityPart]]] = field(default_factory=list)
